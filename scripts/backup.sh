#!/usr/bin/env bash
# Back up Servizo: a consistent MariaDB dump and the private media directory, in one archive.
#
#   DATABASE_URL=mysql://user:pass@host:3306/servizo PRIVATE_MEDIA_ROOT=/srv/servizo/private-media \
#     scripts/backup.sh [DEST_DIR]          # default DEST_DIR: $BACKUP_DIR or ./backups
#
# Writes DEST_DIR/servizo-<UTC timestamp>.tar.gz holding database.sql (mariadb-dump
# --single-transaction: one InnoDB snapshot, no table locks, so the site stays up; with routines,
# triggers and events), private_media/ and MANIFEST (time, database, sha256 of the dump). The dump is
# taken first, then the media: a document uploaded in between is in the archive but not in the
# database (harmless); Servizo never deletes a file a committed row still names. Prints the path.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/db-url.sh
source "$here/db-url.sh"

dest=${1:-${BACKUP_DIR:-backups}}
media=${PRIVATE_MEDIA_ROOT:?set PRIVATE_MEDIA_ROOT to the private media directory}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db_client_config "$work/my.cnf"

mariadb-dump --defaults-extra-file="$work/my.cnf" --single-transaction --quick --routines --triggers \
  --events --hex-blob --no-tablespaces --default-character-set=utf8mb4 "$DB_NAME" >"$work/database.sql"
mkdir -p "$work/private_media"
if [ -d "$media" ]; then
  cp -a "$media/." "$work/private_media/"
fi
{
  echo "created_at=$stamp"
  echo "database=$DB_NAME"
  echo "database_sha256=$(sha256sum "$work/database.sql" | cut -d' ' -f1)"
  echo "media_files=$(find "$work/private_media" -type f | wc -l)"
} >"$work/MANIFEST"

archive="$dest/servizo-$stamp.tar.gz"
tar -C "$work" -czf "$archive.partial" MANIFEST database.sql private_media
mv "$archive.partial" "$archive"  # never a half-written archive under the final name
echo "$archive"
