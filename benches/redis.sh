#!/usr/bin/env bash
# mini_redis (examples/mini_redis.rs) against the real redis-server, same machine, same
# redis-benchmark command: `redis-benchmark -q -n 100000 -c 50 -t ping,set,get`.
# Needs redis-server and redis-benchmark (Debian: redis-server, redis-tools).
# Usage: benches/redis.sh [extra redis-benchmark args]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "redis.sh: $tool not installed" >&2; exit 1; }
done
cargo build -q --release --example mini_redis

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

out=$(mktemp)
./target/release/examples/mini_redis --addr 127.0.0.1:0 >"$out" &
mini_pid=$!
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  --logfile /dev/null &
redis_pid=$!
trap 'kill $mini_pid $redis_pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do
  [ -s "$out" ] && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
mini_port=$(sed -n 's/^mini_redis listening on .*:\([0-9]*\)$/\1/p' "$out")

bench() { # port -> "TEST rps" lines
  redis-benchmark -h 127.0.0.1 -p "$1" -q -n 100000 -c 50 -t ping,set,get "${@:2}" 2>/dev/null \
    | tr '\r' '\n' | sed -n 's/^\([A-Z_]*\): \([0-9.]*\) requests per second.*/\1 \2/p'
}
redis=$(bench "$redis_port" "$@")
mini=$(bench "$mini_port" "$@")
printf '%-12s %14s %14s %8s\n' test redis-server mini_redis ratio
join <(echo "$redis" | sort) <(echo "$mini" | sort) | while read -r test r m; do
  printf '%-12s %14.0f %14.0f %7.2fx\n' "$test" "$r" "$m" "$(echo "$m / $r" | bc -l)"
done
