#!/usr/bin/env bash
# HTTP hello world, hyper on greenery vs hyper on tokio current_thread, same wrk client
# (benches/http.rs). Installs wrk (Debian package) when it is missing.
# Usage: benches/http.sh [greenery|tokio]   (HTTP_BENCH_ROUNDS=N for more rounds; default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
  fi
  command -v wrk >/dev/null 2>&1 || { echo "http.sh: wrk is not installed" >&2; exit 1; }
fi
command -v taskset >/dev/null || { echo "http.sh: taskset (util-linux) is needed" >&2; exit 1; }
exec cargo bench -p greenery-bench --features hyper --bench http -- "$@"
