#!/usr/bin/env bash
# Soak: examples/echo_server with CONNS connections (1,000) echoing 64-byte messages for
# SECONDS (60). Samples the server's RSS and open fds every second from /proc; verdict:
# RSS within 5% of its value after a 10 s warm-up, fds back to the baseline once the
# clients have gone. Needs python3. Run on demand, not in CI.
# Usage: benches/soak/echo.sh [SECONDS] [CONNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source benches/soak/lib.sh
seconds=${1:-60} conns=${2:-1000} warmup=10
cargo build -q --release --example echo_server

log=$(mktemp) samples=$(mktemp)
./target/release/examples/echo_server 127.0.0.1:0 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log" "$samples"' EXIT
for _ in $(seq 50); do [ -s "$log" ] && break; sleep 0.1; done
port=$(sed -n '1s/^echo server listening on .*:\([0-9]*\)$/\1/p' "$log")
: >"$log" # one line per closed connection follows; not needed

baseline_fds=$(fd_count $server)
sample_every_second $server "$samples" &
sampler=$!
python3 benches/soak/echo_clients.py "$port" "$conns" "$seconds"
sleep 2 # let the server see every close
final_fds=$(fd_count $server)
kill $sampler
echo "echo_server, $conns connections, $seconds s:"
verdict "$samples" "$warmup" "$baseline_fds" "$final_fds"
