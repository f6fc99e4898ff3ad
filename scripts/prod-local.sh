#!/usr/bin/env bash
# The production stack of deploy/ on this machine: nginx (TLS, self-signed) in front of gunicorn and
# daphne, a Celery worker and beat, production settings on MariaDB + Redis, localstripe as Stripe.
#   scripts/prod-local.sh up     start it and stay until Ctrl-C (`make prod-local`)
#   scripts/prod-local.sh check  start it, prove it works (scripts/prod_local_check.py), stop it
#                                (`make prod-local-check`); exits with the check's status
# The processes run the ExecStart lines of deploy/systemd/*.service and nginx the rendered
# deploy/nginx/servizo.conf.template, with an env file made from deploy/servizo.env.example: what an
# operator installs is what runs here. Everything started is stopped on exit, whatever the outcome.
#
# Ports (override with the variables): nginx HTTPS 9543 and HTTP 9580, gunicorn 9501, daphne 9502,
# localstripe 9520 (HTTPS through nginx on 9521), SMTP sink 9525. Database servizo_prod_local
# (dropped and created afresh on each start), Redis PROD_LOCAL_REDIS_URL (default db 5).
set -euo pipefail
mode=${1:-up}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
VENV_BIN=$(cd "$(dirname "$PY")" && pwd)
HTTPS_PORT=${PROD_LOCAL_HTTPS_PORT:-9543}
HTTP_PORT=${PROD_LOCAL_HTTP_PORT:-9580}
GUNICORN_PORT=${PROD_LOCAL_GUNICORN_PORT:-9501}
DAPHNE_PORT=${PROD_LOCAL_DAPHNE_PORT:-9502}
STRIPE_PORT=${PROD_LOCAL_STRIPE_PORT:-9520}
STRIPE_TLS_PORT=${PROD_LOCAL_STRIPE_TLS_PORT:-9521}
SMTP_PORT=${PROD_LOCAL_SMTP_PORT:-9525}
REDIS=${PROD_LOCAL_REDIS_URL:-redis://127.0.0.1:6379/5}
DB_NAME=${PROD_LOCAL_DB:-servizo_prod_local}
DB_USER=${PROD_LOCAL_DB_USER:-servizo:servizo}
RUN=${PROD_LOCAL_DIR:-$ROOT/artifacts/prod-local}
SITE=https://127.0.0.1:$HTTPS_PORT

pids=()
stop_all() {
  trap '' INT TERM  # a second Ctrl-C must not cut the cleanup short
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.25
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [ ${#pids[@]} = 0 ] || echo "prod-local: stopped ${#pids[@]} processes (logs in $RUN/logs)"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

bash "$ROOT/scripts/system-deps.sh" prod
for port in $HTTPS_PORT $HTTP_PORT $GUNICORN_PORT $DAPHNE_PORT $STRIPE_PORT $STRIPE_TLS_PORT $SMTP_PORT; do
  if (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "prod-local: port $port is taken (another stack still running?)" >&2
    exit 1
  fi
done
rm -rf "$RUN"
mkdir -p "$RUN"/{tls,logs,private-media,nginx/tmp}

# --- A self-signed certificate for 127.0.0.1; the Stripe SDK and localstripe trust it --------------
openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=servizo-prod-local" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:TRUE" \
  -keyout "$RUN/tls/key.pem" -out "$RUN/tls/cert.pem" 2>/dev/null

# --- The env file: the operator's template, filled in --------------------------------------------
ENV_FILE=$RUN/servizo.env
cp "$ROOT/deploy/servizo.env.example" "$ENV_FILE"
set_env() {  # KEY VALUE: set a variable the template names (commented or not); a missing one is a bug
  grep -qE "^#?$1=" "$ENV_FILE" || { echo "deploy/servizo.env.example does not name $1" >&2; exit 1; }
  local line
  line="$1=$(printf '%q' "$2")"
  KEY=$1 LINE=$line "$PY" -c '
import os, re, sys
path, key, line = sys.argv[1], os.environ["KEY"], os.environ["LINE"]
text = open(path).read()
open(path, "w").write(re.sub(rf"^#?{key}=.*$", lambda m: line, text, count=1, flags=re.M))' "$ENV_FILE"
}
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
set_env SECRET_KEY "$secret$secret"
set_env ALLOWED_HOSTS "127.0.0.1,localhost"
set_env SITE_URL "$SITE"
set_env DATABASE_URL "mysql://$DB_USER@127.0.0.1:3306/$DB_NAME"
set_env REDIS_URL "$REDIS"
set_env EMAIL_URL "smtp://127.0.0.1:$SMTP_PORT"
set_env PRIVATE_MEDIA_ROOT "$RUN/private-media"
set_env STRIPE_SECRET_KEY "sk_test_prodlocal_$secret"
set_env STRIPE_PUBLISHABLE_KEY "pk_test_prodlocal_$secret"
set_env STRIPE_WEBHOOK_SECRET "whsec_prodlocal_$secret"
set_env STRIPE_API_BASE "https://127.0.0.1:$STRIPE_TLS_PORT"
set_env STRIPE_JS_URL "https://127.0.0.1:$STRIPE_TLS_PORT/js.stripe.com/v3/"
set_env STRIPE_CA_BUNDLE "$RUN/tls/cert.pem"
set_env GUNICORN_BIND "127.0.0.1:$GUNICORN_PORT"
set_env GUNICORN_WORKERS "${PROD_LOCAL_GUNICORN_WORKERS:-4}"
set_env DAPHNE_PORT "$DAPHNE_PORT"
set_env CELERY_BEAT_SCHEDULE_FILE "$RUN/celerybeat-schedule"
set_env NGINX_SERVER_NAME "127.0.0.1 localhost"
set_env NGINX_HTTP_LISTEN "127.0.0.1:$HTTP_PORT"
set_env NGINX_HTTPS_LISTEN "127.0.0.1:$HTTPS_PORT"
set_env NGINX_HTTPS_PORT_SUFFIX ":$HTTPS_PORT"
set_env NGINX_TLS_CERT "$RUN/tls/cert.pem"
set_env NGINX_TLS_KEY "$RUN/tls/key.pem"
set_env NGINX_GUNICORN_ADDR "127.0.0.1:$GUNICORN_PORT"
set_env NGINX_DAPHNE_ADDR "127.0.0.1:$DAPHNE_PORT"
set_env NGINX_STATIC_ROOT "$ROOT/staticfiles"
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

# --- Database and static files, as a deploy does them ---------------------------------------------
mariadb -h127.0.0.1 -u"${DB_USER%%:*}" -p"${DB_USER#*:}" -e \
  "DROP DATABASE IF EXISTS \`$DB_NAME\`; CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
cd "$ROOT"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py compilemessages -l ur --ignore=.venv -v0
"$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py check --deploy --fail-level WARNING

# --- The processes --------------------------------------------------------------------------------
start() {  # NAME COMMAND...: run in the background, log to $RUN/logs/NAME.log, remember the pid
  local name=$1
  shift
  "$@" > "$RUN/logs/$name.log" 2>&1 &
  pids+=($!)
}
unit() {  # NAME: the ExecStart of deploy/systemd/servizo-NAME.service, with this venv
  local cmd
  cmd=$(sed -n 's/^ExecStart=//p' "$ROOT/deploy/systemd/servizo-$1.service")
  start "$1" bash -c "exec ${cmd//\/srv\/servizo\/venv\/bin\//$VENV_BIN/}"
}

start smtp "$PY" -m servizo.testing.smtp --port "$SMTP_PORT"
SSL_CERT_FILE=$RUN/tls/cert.pem start localstripe "$PY" -m devtools.localstripe_server --port "$STRIPE_PORT"
unit gunicorn
unit daphne
unit worker
unit beat

names=$(sed -n 's/^\(NGINX_[A-Z_]*\|PRIVATE_MEDIA_ROOT\)=.*/$\1/p' "$ENV_FILE" | tr '\n' ' ')
envsubst "$names" < "$ROOT/deploy/nginx/servizo.conf.template" > "$RUN/nginx/servizo.conf"
tmp=$RUN/nginx/tmp
cat > "$RUN/nginx/nginx.conf" <<EOF
# prod-local's nginx: Debian's defaults in miniature around the deploy/ site, plus a TLS front
# for localstripe (production settings only talk to Stripe over https).
$([ "$(id -u)" = 0 ] && echo "user root;  # reads the private media the app wrote (mode 0640)")
worker_processes auto;
pid $RUN/nginx/nginx.pid;
error_log $RUN/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log $RUN/logs/nginx-access.log;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $RUN/nginx/servizo.conf;
    server {
        listen 127.0.0.1:$STRIPE_TLS_PORT ssl;
        ssl_certificate $RUN/tls/cert.pem;
        ssl_certificate_key $RUN/tls/key.pem;
        location / { proxy_pass http://127.0.0.1:$STRIPE_PORT; proxy_set_header Host \$host; }
    }
}
EOF
nginx -t -q -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -g "error_log $RUN/logs/nginx-error.log;"
start nginx nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -g "daemon off; error_log $RUN/logs/nginx-error.log;"

# localstripe sends its webhooks to the site through nginx (HTTPS, trusting our certificate).
for _ in $(seq 1 40); do
  curl -sf -o /dev/null -u "$STRIPE_SECRET_KEY:" "http://127.0.0.1:$STRIPE_PORT/v1/customers" && break
  sleep 0.25
done
curl -sf -o /dev/null -d "url=$SITE/payments/stripe/webhook/" -d "secret=$STRIPE_WEBHOOK_SECRET" \
  "http://127.0.0.1:$STRIPE_PORT/_config/webhooks/servizo"
for _ in $(seq 1 120); do
  curl -s -o /dev/null --cacert "$RUN/tls/cert.pem" "$SITE/healthz" && break
  sleep 0.5
done
echo "prod-local: $SITE (health: $SITE/healthz; env: $ENV_FILE; logs: $RUN/logs)"

case "$mode" in
  up)
    echo "prod-local: Ctrl-C stops everything"
    wait -n "${pids[@]}" || true
    echo "prod-local: a process exited; stopping the stack" >&2
    exit 1
    ;;
  check) PROD_LOCAL_CA=$RUN/tls/cert.pem PROD_LOCAL_HTTP=http://127.0.0.1:$HTTP_PORT "$PY" "$ROOT/scripts/prod_local_check.py" ;;
  *) echo "usage: $0 up|check" >&2; exit 2 ;;
esac
