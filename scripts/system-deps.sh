#!/usr/bin/env bash
# Make sure the Debian packages and local services Servizo needs are here.
#   scripts/system-deps.sh build   - what `make venv` and `make run` need on a bare Debian 12: a C
#                                    compiler and the Python and MariaDB headers to build mysqlclient,
#                                    curl (make run), CA certificates (HTTPS to the package index),
#                                    Pango, HarfBuzz, DejaVu and Noto fonts (WeasyPrint's receipt PDFs;
#                                    Noto Nastaliq Urdu for Urdu receipts), gettext (msgfmt:
#                                    `make compilemessages`, run by run and test)
#   scripts/system-deps.sh test    - plus MariaDB, Redis and Chromium, started on 127.0.0.1
#   scripts/system-deps.sh prod    - plus MariaDB and Redis (started), nginx and openssl: what
#                                    `make prod-local` runs (nginx is installed, not started)
#   scripts/system-deps.sh bench   - plus MariaDB and Redis (started) and wrk: `make bench-pages`
# Reuses what is already installed and running. Without root, prints the exact
# packages to install and stops.
set -euo pipefail
mode=${1:-build}

pkgs=(python3-venv python3-dev gcc libc6-dev pkg-config libmariadb-dev curl ca-certificates
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core gettext)
services=false
case "$mode" in
  test) services=true; pkgs+=(mariadb-server mariadb-client redis-server chromium fonts-liberation) ;;
  prod) services=true; pkgs+=(mariadb-server mariadb-client redis-server nginx openssl) ;;
  bench) services=true; pkgs+=(mariadb-server mariadb-client redis-server wrk) ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A MariaDB or Redis already answering on 127.0.0.1 is used as is, installed or not.
if $services; then
  if (echo > /dev/tcp/127.0.0.1/3306) 2>/dev/null; then
    missing=("${missing[@]/mariadb-server/}")
  fi
  if (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null; then missing=("${missing[@]/redis-server/}"); fi
  [ -x /usr/bin/chromium ] && missing=("${missing[@]/chromium/}")
fi
read -r -a missing <<< "${missing[*]:-}"

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

$services || exit 0

# MariaDB on 127.0.0.1:3306
if ! (echo > /dev/tcp/127.0.0.1/3306) 2>/dev/null; then
  echo "Starting MariaDB"
  install -d -o mysql -g mysql /run/mysqld
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1
  for _ in $(seq 1 60); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
# Redis on 127.0.0.1:6379
if ! (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
  for _ in $(seq 1 40); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.25; done
fi

# The application user: over the unix socket as root, or over TCP as root with an empty password.
sql="CREATE USER IF NOT EXISTS 'servizo'@'localhost' IDENTIFIED BY 'servizo';
CREATE USER IF NOT EXISTS 'servizo'@'127.0.0.1' IDENTIFIED BY 'servizo';
GRANT ALL PRIVILEGES ON \`servizo%\`.* TO 'servizo'@'localhost', 'servizo'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`test\\_servizo%\`.* TO 'servizo'@'localhost', 'servizo'@'127.0.0.1';
CREATE DATABASE IF NOT EXISTS servizo CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
if ! mariadb -uroot -e "$sql" 2>/dev/null; then
  mariadb -h127.0.0.1 -uroot -e "$sql"
fi
echo "MariaDB and Redis are ready on 127.0.0.1"
