#!/usr/bin/env bash
# Create (or refresh) the virtualenv from requirements.lock.
#
#   scripts/bootstrap.sh            # .venv in the checkout
#   VENV_DIR=/tmp/venv scripts/bootstrap.sh
#
# Python 3.11, 3.12 or 3.13 is the only thing a fresh machine needs (the lock is compiled for
# all three, with hashes). PYTHON=/path/to/python3.x chooses one; otherwise the first
# supported of python3, python3.13, python3.12, python3.11 on the PATH. The install is skipped when the
# virtualenv already holds the exact lock file (its sha256 is kept in a stamp file), so
# the second run takes a fraction of a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${VENV_DIR:-$ROOT/.venv}"
LOCK="$ROOT/requirements.lock"
STAMP="$VENV_DIR/.requirements.lock.sha256"
# Oldest pip known to install our lock: pip 23.2 (bundled with Python 3.11.7) fails on a
# dependency's extra in hash-checked mode as soon as PyPI has a newer release than our pin
# (pip-audit asks for CacheControl[filecache]>=0.13.0; it took cachecontrol 0.15.0 and
# refused it for want of a hash). Older pips are upgraded to PIP_PIN, a known-good release.
MIN_PIP="23.3"
PIP_PIN="24.3.1"

say() { printf 'bootstrap: %s\n' "$*"; }
die() {
    printf 'bootstrap: error: %s\n' "$*" >&2
    exit 1
}

# Django 5.2 and Wagtail 7.0 support Python 3.11 to 3.13; so does requirements.lock.
is_supported() {
    "$1" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' >/dev/null 2>&1
}

find_python() {
    local candidate
    for candidate in ${PYTHON:-python3 python3.13 python3.12 python3.11}; do
        if command -v "$candidate" >/dev/null 2>&1 && is_supported "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

[ -f "$LOCK" ] || die "$LOCK is missing."

# --- The virtualenv ---------------------------------------------------------------------
recreate=0
if [ -f "$VENV_DIR/pyvenv.cfg" ] && ! is_supported "$VENV_DIR/bin/python"; then
    # A venv made by another Python (or whose Python was removed) cannot be repaired.
    say "$VENV_DIR does not run Python 3.11 to 3.13; recreating it."
    recreate=1
elif [ -e "$VENV_DIR/bin/python" ] && ! is_supported "$VENV_DIR/bin/python"; then
    die "$VENV_DIR is not a Python 3.11 to 3.13 virtualenv; move it away or set VENV_DIR."
fi

if [ ! -x "$VENV_DIR/bin/python" ] || [ "$recreate" = 1 ]; then
    if ! PY="$(find_python)"; then
        if [ -n "${PYTHON:-}" ]; then
            found="PYTHON=$PYTHON: $("$PYTHON" --version 2>/dev/null || echo 'not found')"
        else
            found="$(command -v python3 >/dev/null 2>&1 && python3 --version 2>&1 || echo 'no python3 on PATH')"
        fi
        die "Python 3.11, 3.12 or 3.13 is required (found: $found). Install one and put it on PATH as python3, or set PYTHON=/path/to/python3.x."
    fi
    say "creating $VENV_DIR with $("$PY" --version 2>&1) ($PY)"
    if [ "$recreate" = 1 ]; then
        "$PY" -m venv --clear "$VENV_DIR"
    elif ! "$PY" -m venv "$VENV_DIR"; then
        die "'$PY -m venv' failed. On Debian/Ubuntu: apt-get install -y python3-venv"
    fi
    rm -f "$STAMP"
fi

VPY="$VENV_DIR/bin/python"

# --- Dependencies -------------------------------------------------------------------------
lock_sha="$("$VPY" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$LOCK")"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$lock_sha" ]; then
    exit 0
fi

# PIP_NO_INPUT: CI has no stdin; PIP_DISABLE_PIP_VERSION_CHECK: we decide about pip below.
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

pip_version="$("$VPY" -m pip --version 2>/dev/null | awk '{print $2}')" || pip_version=""
if [ -z "$pip_version" ]; then
    say "pip is missing from $VENV_DIR; installing it with ensurepip"
    "$VPY" -m ensurepip --upgrade >/dev/null
    pip_version="$("$VPY" -m pip --version | awk '{print $2}')"
fi
if ! "$VPY" - "$pip_version" "$MIN_PIP" <<'EOF'; then
import sys

def parts(version):
    out = []
    for piece in version.split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        out.append(int(digits or 0))
    return tuple(out)

sys.exit(0 if parts(sys.argv[1]) >= parts(sys.argv[2]) else 1)
EOF
    say "upgrading pip $pip_version to $PIP_PIN (at least $MIN_PIP is needed)"
    PIP_CONSTRAINT="" "$VPY" -m pip install --quiet "pip==$PIP_PIN" 2>&1 |
        sed -e "/^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.\$/d"
fi

pip_install() {
    # The sed drops pip's notes about configured index locations that are absent on this
    # machine (harmless, one per package); pipefail keeps pip's exit status.
    "$VPY" -m pip install --quiet --require-hashes -r "$LOCK" 2>&1 |
        sed -e "/^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.\$/d"
}

say "installing requirements.lock into $VENV_DIR"
if ! pip_install; then
    # The machine may configure a pip constraint file (PIP_CONSTRAINT or pip.conf); it caps
    # packages we do not use, but a missing file or an unhashed pin can still break a
    # --require-hashes install. Our lock pins everything, so retry without it.
    if [ -n "${PIP_CONSTRAINT:-}" ] || "$VPY" -m pip config list 2>/dev/null | grep -qi 'constraint'; then
        say "install failed with the machine's pip constraint file; retrying with PIP_CONSTRAINT="
        PIP_CONSTRAINT="" pip_install || die "pip install -r requirements.lock failed."
    else
        die "pip install -r requirements.lock failed."
    fi
fi

printf '%s\n' "$lock_sha" >"$STAMP"
say "dependencies installed ($VENV_DIR)"
