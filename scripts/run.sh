#!/usr/bin/env bash
# Run victo_crm on this machine: http://127.0.0.1:8000/ (and /admin/).
#
#   scripts/run.sh               # bootstrap, migrate, static files, demo data, dev server
#   scripts/run.sh --no-server   # everything but the server (also: VICTO_NO_SERVER=1)
#
# Safe to run again and again: migrations and the demo loader are idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VENV_DIR="${VENV_DIR:-$ROOT/.venv}"

no_server="${VICTO_NO_SERVER:-0}"
for arg in "$@"; do
    case "$arg" in
        --no-server) no_server=1 ;;
        -h | --help)
            sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            printf 'run.sh: unknown argument: %s (try --help)\n' "$arg" >&2
            exit 2
            ;;
    esac
done

bash "$ROOT/scripts/bootstrap.sh"

cd "$ROOT"
PY="$VENV_DIR/bin/python"
# The dev server serves uploaded media only in DEBUG (see victo_crm/urls.py).
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"

"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput --verbosity 0
"$PY" manage.py load_demo

if [ "$no_server" = 1 ]; then
    echo "run.sh: ready (server not started: --no-server)."
    exit 0
fi

echo "run.sh: http://127.0.0.1:8000/ — administration: http://127.0.0.1:8000/admin/ (Ctrl-C to stop)"
exec "$PY" manage.py runserver 127.0.0.1:8000
