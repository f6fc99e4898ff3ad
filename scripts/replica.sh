#!/usr/bin/env bash
# A MariaDB primary + replica pair with GTID replication, each a separate mariadbd with its own
# datadir, for the scale-out run (bench/two_nodes.py) or to try the read-replica router by hand.
#
#   scripts/replica.sh start     # primary on $PRIMARY_PORT (9606), replica on $REPLICA_PORT (9607)
#   scripts/replica.sh status    # replication threads, lag and both GTID positions
#   scripts/replica.sh stop      # stops both (the datadirs under $SCALEOUT_DIR stay; rm -rf to reset)
#
# Its own pair rather than a replica of the machine's MariaDB on 3306: that one runs without a binary
# log, and replication needs one on the primary (turning it on means restarting a server others use).
# Against a primary that has one (log_bin=ON, binlog_format=ROW, a unique server_id), point the replica
# at it the same way: CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos after loading a backup.sh dump
# taken with --gtid (it records gtid_slave_pos).
#
# The primary has a user servizo/servizo owning servizo% and test_servizo% databases; the replica is
# read_only (the application user cannot write to it; replication can). REPLICA_DELAY=N delays the
# replica by N seconds (MASTER_DELAY), to watch the router keep writers on the primary. Needs root
# (mariadbd runs as user mysql). Prints the DATABASE_URL and DATABASE_REPLICA_URL to use.
set -euo pipefail

base=${SCALEOUT_DIR:-/var/tmp/servizo-scaleout}
primary_port=${PRIMARY_PORT:-9606}
replica_port=${REPLICA_PORT:-9607}
delay=${REPLICA_DELAY:-0}

sql() {  # sql ROLE STATEMENTS: as root over the server's own socket
  mariadb --socket="$base/$1/mysqld.sock" -uroot --batch --skip-column-names -e "$2"
}

replica_field() {  # replica_field NAME: one field of SHOW SLAVE STATUS (empty when none is set up)
  mariadb --socket="$base/replica/mysqld.sock" -uroot -e "SHOW SLAVE STATUS\G" | sed -n "s/^ *$1: //p"
}

start_server() {  # start_server ROLE PORT SERVER_ID [extra mariadbd options]
  local role=$1 port=$2 id=$3 dir="$base/$1"
  shift 3
  if [ ! -d "$dir/mysql" ]; then
    install -d -o mysql -g mysql "$dir"
    mariadb-install-db --user=mysql --datadir="$dir" --auth-root-authentication-method=socket \
      --skip-test-db >"$base/$role-install.log" 2>&1
  fi
  if ! mariadb-admin --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then
    setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$dir" --port="$port" \
      --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
      --log-error="$dir/error.log" --server-id="$id" --log-bin="$dir/binlog" --binlog-format=ROW \
      --log-slave-updates --gtid-strict-mode=1 --relay-log="$dir/relay" \
      --innodb-buffer-pool-size=128M --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      "$@" </dev/null >/dev/null 2>&1 &
  fi
  for _ in $(seq 1 100); do
    mariadb-admin --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "$role did not start; see $dir/error.log" >&2
  exit 1
}

case ${1:-} in
start)
  install -d "$base"
  start_server primary "$primary_port" 1
  start_server replica "$replica_port" 2 --read-only=1
  sql primary "
    CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
    GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
    CREATE USER IF NOT EXISTS 'servizo'@'127.0.0.1' IDENTIFIED BY 'servizo';
    GRANT ALL PRIVILEGES ON \`servizo%\`.* TO 'servizo'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON \`test\\_servizo%\`.* TO 'servizo'@'127.0.0.1';
    CREATE DATABASE IF NOT EXISTS servizo CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
  if [ "$(replica_field Master_Port)" != "$primary_port" ]; then
    # Both servers are fresh, so the replica replays the primary's whole binary log (users included).
    sql replica "
      SET GLOBAL gtid_slave_pos = '';
      CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$primary_port, MASTER_USER='repl',
        MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos, MASTER_DELAY=$delay, MASTER_CONNECT_RETRY=1;
      START SLAVE;"
  else
    sql replica "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=$delay; START SLAVE;"
  fi
  for _ in $(seq 1 50); do
    state=$(replica_field Slave_IO_Running)$(replica_field Slave_SQL_Running)
    [ "$state" = "YesYes" ] && break
    sleep 0.2
  done
  [ "$state" = "YesYes" ] || { echo "replication did not start:" >&2; sql replica "SHOW SLAVE STATUS\G" >&2; exit 1; }
  echo "DATABASE_URL=mysql://servizo:servizo@127.0.0.1:$primary_port/servizo"
  echo "DATABASE_REPLICA_URL=mysql://servizo:servizo@127.0.0.1:$replica_port/servizo"
  ;;
status)
  for field in Slave_IO_Running Slave_SQL_Running Seconds_Behind_Master SQL_Delay Gtid_IO_Pos Last_Error; do
    echo "$field: $(replica_field "$field")"
  done
  echo "primary gtid_binlog_pos: $(sql primary 'SELECT @@gtid_binlog_pos')"
  echo "replica gtid_slave_pos:  $(sql replica 'SELECT @@gtid_slave_pos')"
  ;;
stop)
  for role in replica primary; do
    mariadb-admin --socket="$base/$role/mysqld.sock" -uroot shutdown 2>/dev/null || true
  done
  ;;
*)
  sed -n '2,20p' "$0" >&2
  exit 2
  ;;
esac
