#!/usr/bin/env bash
# The Python package (python/): builds the extension with maturin into a virtualenv under
# target/py-venv (created, and its tools installed, when missing), runs the pytest suite of
# python/tests/ and `mypy --strict` on the package and on the typed usage file.
# Idempotent; runnable alone. Ends with one line: `python: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
venv="$repo/target/py-venv"

source scripts/python-venv.sh
python_venv "$venv"
py="$venv/bin/python"
if [ ! -x "$venv/bin/maturin" ] || ! "$py" -c 'import pytest, hypothesis, tqdm, markdown_it, mypy' 2>/dev/null; then
  "$py" -m pip install -q --disable-pip-version-check maturin pytest hypothesis tqdm markdown-it-py mypy
fi

# The extension, built in place (editable install of python/python/bigedit).
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
  "$venv/bin/maturin" develop --release --locked --quiet -m python/Cargo.toml

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# Run from target/ so pytest's and Hypothesis's caches stay out of the source tree.
(cd target && "$py" -m pytest -q -p no:cacheprovider "$repo/python/tests") 2>&1 | tee "$log" || status=$?
last=$(grep -E ' in [0-9.]+s' "$log" | tail -1 || true)
count() { { grep -oE "[0-9]+ ($1)" <<<"$last" || true; } | awk '{ n += $1 } END { print n + 0 }'; }
passed=$(count passed)
failed=$(count 'failed|errors?')
# The stubs: the package itself and a typed use of the whole API (one check).
if (cd python/python && "$venv/bin/mypy" --strict --cache-dir "$repo/target/mypy-cache" -p bigedit \
  && "$venv/bin/mypy" --strict --cache-dir "$repo/target/mypy-cache" "$repo/python/tests/typed_usage.py"); then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  status=1
fi
echo "python: $passed passed, $failed failed"
exit "$status"
