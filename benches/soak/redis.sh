#!/usr/bin/env bash
# Soak: examples/mini_redis under redis-benchmark for SECONDS (60): 50 clients, random keys
# from a space of 10,000 (-r 10000: filled within the warm-up), every default test but
# LRANGE_* (their setup pushes 20,000 more elements onto one list every loop: data, not a
# leak), looped (-l) until killed.
# Samples the server's RSS and open fds every second from /proc; verdict: RSS within 5% of
# its value after a 15 s warm-up, fds back to the baseline once the clients have gone.
# Needs redis-benchmark and redis-cli (Debian: redis-tools). Run on demand, not in CI.
# Usage: benches/soak/redis.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source benches/soak/lib.sh
seconds=${1:-60} warmup=15
for tool in redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool not installed" >&2; exit 1; }
done
cargo build -q --release --example mini_redis

out=$(mktemp) samples=$(mktemp) bench_out=$(mktemp)
./target/release/examples/mini_redis --addr 127.0.0.1:0 >"$out" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$out" "$samples" "$bench_out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
port=$(sed -n 's/^mini_redis listening on .*:\([0-9]*\)$/\1/p' "$out")

baseline_fds=$(fd_count $server)
sample_every_second $server "$samples" &
sampler=$!
tests=ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,mset
timeout "$seconds" redis-benchmark -p "$port" -q -l -c 50 -n 20000 -r 10000 -t "$tests" \
  >"$bench_out" 2>&1 || true # timeout ends it
sleep 2 # let the server see every close
final_fds=$(fd_count $server)
kill $sampler
loops=$(tr '\r' '\n' <"$bench_out" | grep -c '^MSET.*requests per second' || true)
echo "mini_redis under redis-benchmark, $seconds s: $loops full loops of the tests;" \
  "requests/s of the last 15 results:"
tr '\r' '\n' <"$bench_out" | grep 'requests per second' | tail -15 \
  | sed 's/^\([^:]*\): \([0-9.]*\) requests per second.*/\1 \2/' | paste -sd ',' | sed 's/,/, /g'
redis-cli -p "$port" info stats | tr -d '\r' | grep -E '^total_(connections|commands)' | paste -sd ' '
verdict "$samples" "$warmup" "$baseline_fds" "$final_fds"
