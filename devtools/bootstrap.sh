#!/usr/bin/env bash
# Prepares the tools the workspace needs and prints them as `make` variable assignments:
#   UV=<path to uv>  UV_PYTHON=<a Python 3.13 interpreter, empty if uv should fetch one>
# uv is taken from PATH when it works, else installed from PyPI into .local/tools (any python3 with
# pip will do). Python 3.13 is searched on PATH and under pyenv; on a machine without one, uv
# downloads it (where downloads are possible).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.local/tools"

find_uv() {
  if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then command -v uv; return; fi
  if [ -x "$tools/bin/uv" ]; then echo "$tools/bin/uv"; return; fi
  local python
  for python in python3 /usr/bin/python3; do
    if "$python" -m venv --help >/dev/null 2>&1; then
      "$python" -m venv "$tools" >&2
      "$tools/bin/pip" install --quiet --disable-pip-version-check "uv>=0.9,<1" >&2
      echo "$tools/bin/uv"; return
    fi
  done
  echo "bootstrap: no uv on PATH and no python3 to install it with" >&2; exit 1
}

find_python313() {
  if [ -n "${UV_PYTHON:-}" ]; then echo "$UV_PYTHON"; return; fi
  local candidate
  for candidate in python3.13 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
      # Resolve shims (pyenv) to the interpreter itself.
      "$candidate" -c 'import sys; print(sys.executable)'; return
    fi
  done
  echo ""
}

echo "UV=$(find_uv)"
echo "UV_PYTHON=$(find_python313)"
