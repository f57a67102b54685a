#!/usr/bin/env bash
# Re-runs the gevent scripts behind greenery's tests on the real gevent and rewrites their .out
# files (the expected outputs the Rust tests pin).
#   usage: tests/gevent/regen.sh [NAME...]      (NAMEs default to every *.py here)
# Conventions of ../shared/reference/regen.sh: `python -u NAME.py 2>&1` from this folder,
# PYTHONHASHSEED=0, a 20 s limit, the exit status as the last line, addresses -> 0xADDR.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=$("$here/../../.ci/gevent-venv") || exit 1
cd "$here" || exit 1
names=("$@")
if [ ${#names[@]} -eq 0 ]; then names=($(ls *.py | sed 's/\.py$//')); fi
for n in "${names[@]}"; do
  { timeout 20 env PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 "$py" -u "$n.py" 2>&1; echo "[exit status $?]"; } \
    | sed -E -e 's/0x[0-9a-fA-F]+/0xADDR/g' -e "s#$here/##g" > "$n.out.tmp" && mv "$n.out.tmp" "$n.out"
done
