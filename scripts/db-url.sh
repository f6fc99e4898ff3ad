# Sourced by backup.sh and restore.sh: DATABASE_URL (mysql://user:password@host:port/name) parsed into
# DB_USER, DB_PASSWORD, DB_HOST, DB_PORT, DB_NAME, and a client option file that keeps the password
# off the command line.
: "${DATABASE_URL:?set DATABASE_URL, e.g. mysql://servizo:servizo@127.0.0.1:3306/servizo}"
db_vars=$(python3 - <<'PY'
import os, shlex
from urllib.parse import unquote, urlsplit
url = urlsplit(os.environ["DATABASE_URL"])
if url.scheme not in ("mysql", "mariadb"):
    raise SystemExit(f"DATABASE_URL must be a mysql:// URL, not {url.scheme}://")
for name, value in [("DB_USER", unquote(url.username or "")), ("DB_PASSWORD", unquote(url.password or "")),
                    ("DB_HOST", url.hostname or "127.0.0.1"), ("DB_PORT", str(url.port or 3306)),
                    ("DB_NAME", url.path.lstrip("/"))]:
    print(f"{name}={shlex.quote(value)}")
PY
) || exit 2
eval "$db_vars"

db_client_config() {  # db_client_config FILE: a [client] section for the mariadb tools, mode 600
  (umask 077 && printf '[client]\nuser=%s\npassword=%s\nhost=%s\nport=%s\nprotocol=tcp\n' \
    "$DB_USER" "$DB_PASSWORD" "$DB_HOST" "$DB_PORT" >"$1")
}
