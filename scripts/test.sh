#!/usr/bin/env bash
# Every check the project makes, in the order CI makes them.
#
#   scripts/test.sh                      # lint, format, types, migrations, the test suite
#   scripts/test.sh tests/accounts -x    # arguments go to pytest
#   DATABASE_URL=postgres://user@127.0.0.1:5432/victo scripts/test.sh   # against PostgreSQL
#   VICTO_TEST_WORKERS=1 scripts/test.sh # one pytest process (default: one per CPU, at most 4)
#   VICTO_STATIC_CHECKS=0 scripts/test.sh # the test suite only (CI's second Python)
#
# Every step runs even when an earlier one fails, so one run shows every problem; the
# exit code is non-zero if any step failed (pytest collecting no test counts as a failure).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VENV_DIR="${VENV_DIR:-$ROOT/.venv}"

bash "$ROOT/scripts/bootstrap.sh" || exit 1

cd "$ROOT" || exit 1
PY="$VENV_DIR/bin/python"
BIN="$VENV_DIR/bin"
# pytest-django prefers this variable over pyproject.toml: never test with another module.
export DJANGO_SETTINGS_MODULE=victo_crm.settings.test

failed=()

step() {
    local name="$1"
    shift
    printf '\n== %s\n' "$name"
    if "$@"; then
        return 0
    fi
    failed+=("$name")
    return 1
}

# VICTO_STATIC_CHECKS=0 skips the checks that read the code rather than run it (.ci/run's
# second Python: they give the same answer on any Python, mypy being set to 3.11).
if [ "${VICTO_STATIC_CHECKS:-1}" != "0" ]; then
    step "ruff check" "$BIN/ruff" check .
    step "ruff format --check" "$BIN/ruff" format --check .
    step "mypy" "$BIN/mypy" victo_crm
    # Apps import downwards only: the layers contract in pyproject.toml (docs/architecture.md).
    step "import layers" "$BIN/lint-imports" --no-cache
    step "makemigrations --check" "$PY" manage.py makemigrations --check --dry-run
    # Known vulnerabilities in requirements.lock; says "NOT AUDITED" when no database is
    # reachable.
    step "pip-audit" "$PY" scripts/audit.py
    # The mobile app's TypeScript types from the served schema, checked with tsc --strict
    # (once per schema).
    step "TypeScript types" bash scripts/typescript.sh
else
    printf '\n== static checks skipped (VICTO_STATIC_CHECKS=0)\n'
fi

# Browser tests drive Debian's Chromium; without it they skip (or fail under CI's
# VICTO_REQUIRE_BROWSER=1). Only say so when some test needs a browser.
if grep -rqsE 'mark\.browser|playwright' tests/ && [ ! -x /usr/bin/chromium ]; then
    echo
    echo "test.sh: note: browser tests need /usr/bin/chromium: apt-get install -y chromium"
fi

if [ -n "${DATABASE_URL:-}" ]; then
    database="${DATABASE_URL%%:*} from DATABASE_URL"
else
    database="SQLite"
fi
# pytest-xdist: one worker per CPU (at most 4), each with its own test database and Redis
# database (settings/test.py). Tests go out in pytest-django's order, so on every worker
# the transactional tests (live server, browser), which empty the database, still come
# after the others; ``--dist loadfile`` would break that order. VICTO_TEST_WORKERS=1 runs
# everything in one process.
workers="${VICTO_TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
if [ "$workers" -gt 4 ]; then
    workers=4
fi
parallel=()
if [ "$workers" -gt 1 ]; then
    parallel=(-n "$workers" --dist load)
fi
printf '\n== pytest (%s, %s worker(s))\n' "$database" "$workers"
"$PY" -m pytest -p no:cacheprovider ${parallel[@]+"${parallel[@]}"} "$@"
code=$?
if [ "$code" -eq 5 ]; then
    echo "test.sh: pytest collected no tests."
fi
if [ "$code" -ne 0 ]; then
    failed+=("pytest (exit $code)")
fi

echo
if [ "${#failed[@]}" -gt 0 ]; then
    summary="${failed[0]}"
    for name in "${failed[@]:1}"; do
        summary+=", $name"
    done
    echo "test.sh: FAILED: $summary"
    exit 1
fi
echo "test.sh: all checks passed."
