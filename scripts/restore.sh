#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and media directory.
#
#   DATABASE_URL=postgres://…/victo_restored DJANGO_MEDIA_ROOT=/srv/victo/media \
#       scripts/restore.sh var/backups/victo-20261207T020000Z
#
# It checks the checksums, refuses a database that already has tables or a media directory
# that is not empty (restore beside the damaged one, then switch), restores the database in one
# transaction (all or nothing) and unpacks the media. Then run `manage.py migrate --check` and
# start the processes (docs/operations.md, "Backups").
set -euo pipefail

backup="${1:?usage: scripts/restore.sh BACKUP_DIRECTORY}"
: "${DATABASE_URL:?DATABASE_URL must name the (empty) database to restore into}"
media="${DJANGO_MEDIA_ROOT:-${VICTO_VAR_DIR:-var}/media}"

(cd "$backup" && sha256sum --check --quiet SHA256SUMS)

tables="$(psql "$DATABASE_URL" -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
    echo "restore.sh: the database already has $tables tables; restore into an empty one" >&2
    exit 1
fi
if [ -d "$media" ] && [ -n "$(ls -A "$media")" ]; then
    echo "restore.sh: $media is not empty; restore into an empty directory" >&2
    exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$DATABASE_URL" "$backup/database.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$backup/media.tar.gz"
echo "restored $backup into the database and $media"
