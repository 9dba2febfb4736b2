#!/usr/bin/env bash
# Create .venv with Python >= 3.12, install the project (with the dev extra) and the
# dashboard's front-end files.
# Fails loudly on an older interpreter: on 3.11 pip would silently install an old mesa.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    # 1. an explicit choice; 2. pyenv honouring .python-version; 3. python3.12+ on PATH.
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    if command -v pyenv >/dev/null 2>&1; then
        local p
        p=$(pyenv which python 2>/dev/null || true)
        if [ -n "$p" ]; then echo "$p"; return; fi
    fi
    for c in python3.13 python3.12 python3 python; do
        if command -v "$c" >/dev/null 2>&1; then echo "$c"; return; fi
    done
    echo ""
}

PY=$(find_python)
if [ -z "$PY" ]; then
    echo "ERROR: no Python interpreter found; install Python 3.12 (e.g. 'pyenv install 3.12')." >&2
    exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
    echo "ERROR: $PY is Python $("$PY" -c 'import platform; print(platform.python_version())');" \
         "this project needs Python >= 3.12 (mesa 3.5 does)." >&2
    echo "       Install it (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
    exit 1
fi

if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
    echo "existing .venv uses an old Python; recreating it"
    rm -rf .venv
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv

# Re-install only when the dependency list changed.
stamp=.venv/.setup-stamp
want=$(cat pyproject.toml scripts/setup.sh | cksum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    echo "$want" > "$stamp"
fi
# The dashboard's front-end files (JS, CSS, fonts), downloaded once from the npm registry
# (pinned sha512, no npm needed) into the user cache, so the page loads with no internet
# (docs/dev/solara-offline.md). Skips what is there; fails loudly if it cannot fetch.
.venv/bin/python scripts/fetch_solara_assets.py
.venv/bin/python -c 'import mesa, sys; assert tuple(map(int, mesa.__version__.split(".")[:2])) >= (3, 5), mesa.__version__; print(f"Python {sys.version.split()[0]}, mesa {mesa.__version__}: ready")'
