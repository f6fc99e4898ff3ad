#!/usr/bin/env bash
# Restore a scripts/backup.sh archive into a NEW database (never over an existing one) and a new
# private media directory; the server and credentials come from DATABASE_URL (its database name is
# ignored).
#
#   DATABASE_URL=mysql://user:pass@host:3306/servizo scripts/restore.sh ARCHIVE NEW_DATABASE MEDIA_DIR
#
# Then point the site at it (DATABASE_URL=.../NEW_DATABASE, PRIVATE_MEDIA_ROOT=MEDIA_DIR) and run
# `manage.py audit_ledger`. Refuses an existing database, a non-empty MEDIA_DIR and a dump whose
# checksum differs from the MANIFEST.
set -euo pipefail

[ $# -eq 3 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
archive=$1 new_db=$2 media=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/db-url.sh
source "$here/db-url.sh"
[[ $new_db =~ ^[A-Za-z0-9_]+$ ]] || { echo "database name must be letters, digits and _" >&2; exit 2; }
if [ -d "$media" ] && [ -n "$(ls -A "$media")" ]; then
  echo "$media is not empty" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db_client_config "$work/my.cnf"
tar -C "$work" -xzf "$archive"
expected=$(sed -n 's/^database_sha256=//p' "$work/MANIFEST")
[ "$(sha256sum "$work/database.sql" | cut -d' ' -f1)" = "$expected" ] || { echo "dump checksum mismatch" >&2; exit 1; }

# CREATE DATABASE without IF NOT EXISTS: fails on an existing database, which is left untouched.
mariadb --defaults-extra-file="$work/my.cnf" -e \
  "CREATE DATABASE \`$new_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
mariadb --defaults-extra-file="$work/my.cnf" --default-character-set=utf8mb4 "$new_db" <"$work/database.sql"
mkdir -p "$media"
cp -a "$work/private_media/." "$media/"
echo "restored $(sed -n 's/^created_at=//p' "$work/MANIFEST") into database $new_db and $media"
