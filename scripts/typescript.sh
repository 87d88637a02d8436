#!/usr/bin/env bash
# The mobile app's TypeScript types, from the schema the API serves: openapi-typescript
# writes clients/typescript/victo-api.d.ts, then tsc --strict checks it with example.ts (what
# an app does with it). Run by scripts/test.sh; the versions are pinned in
# clients/typescript/package-lock.json (npm ci).
#
# The check is skipped when the schema and the lock have not changed since it last passed
# (var/typescript.stamp): CI runs test.sh on two Pythons, the types are checked once. Without
# Node.js and npm it says so and passes, except under CI (CI=true), where it fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV_DIR:-$ROOT/.venv}/bin/python"
HERE="$ROOT/clients/typescript"
cd "$ROOT"

if ! command -v npm >/dev/null 2>&1; then
    echo "typescript.sh: Node.js and npm are needed (apt-get install -y nodejs npm)."
    [ "${CI:-}" = "true" ] && exit 1
    exit 0
fi

DJANGO_SETTINGS_MODULE=victo_crm.settings.test "$PY" manage.py spectacular \
    --urlconf victo_crm.api.v1.urls --format openapi-json --fail-on-warn \
    --file "$HERE/schema.json"
stamp="$(cat "$HERE/schema.json" "$HERE/package-lock.json" "$HERE/example.ts" "$HERE/tsconfig.json" | sha256sum | cut -c1-64)"
mkdir -p "$ROOT/var"
if [ -f "$ROOT/var/typescript.stamp" ] && [ "$(cat "$ROOT/var/typescript.stamp")" = "$stamp" ]; then
    echo "typescript.sh: schema and tools unchanged since the last check: passed."
    exit 0
fi

cd "$HERE"
lock="$(sha256sum package-lock.json | cut -c1-64)"
if [ "$(cat node_modules/.victo-lock 2>/dev/null)" != "$lock" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock" > node_modules/.victo-lock
fi
npm run --silent types
npm run --silent check
echo "$stamp" > "$ROOT/var/typescript.stamp"
echo "typescript.sh: victo-api.d.ts generated and checked (tsc --strict)."
