#!/usr/bin/env bash
# A backup of victo_crm: the PostgreSQL database (pg_dump, custom format) and the media
# directory (uploaded photos), in one new directory with their checksums.
#
#   DATABASE_URL=postgres://… scripts/backup.sh [DESTINATION]      # prints the directory made
#
# DESTINATION defaults to $VICTO_BACKUP_DIR, else var/backups. The media directory is
# $DJANGO_MEDIA_ROOT, else $VICTO_VAR_DIR/media, else var/media (as the settings read them).
# Both files hold personal information (Law 25): keep them encrypted, off the server, readable
# by few, and delete them at the end of their retention (docs/operations.md, "Backups").
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) echo "backup.sh: DATABASE_URL is not PostgreSQL (SQLite: copy the file)" >&2; exit 2 ;;
esac
destination="${1:-${VICTO_BACKUP_DIR:-var/backups}}"
media="${DJANGO_MEDIA_ROOT:-${VICTO_VAR_DIR:-var}/media}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$destination/victo-$stamp"
umask 077
mkdir -p "$target"

# One consistent snapshot of the database, whatever is written meanwhile.
pg_dump --format=custom --no-owner --no-privileges --file="$target/database.dump" "$DATABASE_URL"

# The media after the database: a photo whose row is in the dump is on disk by then (a photo
# written after the dump is an orphan file, harmless).
if [ -d "$media" ]; then
    tar -C "$media" -czf "$target/media.tar.gz" .
else
    tar -czf "$target/media.tar.gz" -T /dev/null
fi

(cd "$target" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "$target"
