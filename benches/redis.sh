#!/usr/bin/env bash
# mini_redis (examples/mini_redis/) against the real redis-server, same machine, same run:
#  bench  redis-benchmark's default tests, `redis-benchmark -q -n 100000 -c 50` plus any
#         arguments given (`-P 16`, `-t ping,set,get`, ...): requests/s and the ratio, and
#         each server's CPU time over the whole run (steadier than requests/s on a
#         shared machine);
#  slow   issue 12's slow request: 1, then 4 clients each sending a 4.2 MB request of
#         600,000 arguments at 1.4 KB/ms while another client PINGs: server CPU over the
#         run (/proc/PID/stat) and PING latency (benches/soak/slow_request.py);
#  big    one request of 1 MiB arguments, 900 MiB and then 1,100 MiB (over the 1 GB query
#         buffer limit): the server's RSS before, at the peak and after the reply
#         (benches/soak/big_request.py).
# Needs redis-server, redis-benchmark, redis-cli (Debian: redis-server, redis-tools) and
# python3. Usage: benches/redis.sh [--only bench|slow|big] [redis-benchmark args...]
set -euo pipefail
cd "$(dirname "$0")/.."
stages="bench slow big"
if [ "${1:-}" = --only ]; then stages=$2; shift 2; fi
for tool in redis-server redis-benchmark redis-cli python3; do
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
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

cpu_seconds() { # pid -> utime + stime, from /proc
  awk -v tck="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / tck }' "/proc/$1/stat"
}

bench() { # port [args] -> "TEST<TAB>requests/s" lines, in the order redis-benchmark runs them
  redis-benchmark -h 127.0.0.1 -p "$1" -q -n 100000 -c 50 "${@:2}" 2>/dev/null \
    | tr '\r' '\n' | sed -n 's/^\(.*\): \([0-9.]*\) requests per second.*/\1\t\2/p'
}

for stage in $stages; do
  case $stage in
  bench)
    redis_cpu=$(cpu_seconds $redis_pid)
    redis=$(bench "$redis_port" "$@")
    redis_cpu=$(echo "$(cpu_seconds $redis_pid) - $redis_cpu" | bc)
    mini_cpu=$(cpu_seconds $mini_pid)
    mini=$(bench "$mini_port" "$@")
    mini_cpu=$(echo "$(cpu_seconds $mini_pid) - $mini_cpu" | bc)
    printf '\n%-36s %12s %12s %7s\n' test redis-server mini_redis ratio
    paste <(echo "$redis") <(echo "$mini") | awk -F'\t' '{
      if ($1 != $3) { print "mismatched tests: " $1 " / " $3; next }
      printf "%-36s %12.0f %12.0f %6.2fx\n", $1, $2, $4, $4 / $2 }'
    printf '%-36s %12s %12s %6.2fx\n' "server CPU over the run (s)" "$redis_cpu" "$mini_cpu" \
      "$(echo "$mini_cpu / $redis_cpu" | bc -l)"
    ;;
  slow)
    echo
    for clients in 1 4; do
      echo "redis-server, $clients slow client(s): $(python3 benches/soak/slow_request.py "$redis_port" $redis_pid --clients $clients)"
      echo "mini_redis,   $clients slow client(s): $(python3 benches/soak/slow_request.py "$mini_port" $mini_pid --clients $clients)"
    done
    ;;
  big)
    echo
    for mib in 900 1100; do
      echo "redis-server: $(python3 benches/soak/big_request.py "$redis_port" $redis_pid $mib)"
      echo "mini_redis:   $(python3 benches/soak/big_request.py "$mini_port" $mini_pid $mib)"
    done
    ;;
  *) echo "redis.sh: unknown stage $stage" >&2; exit 2 ;;
  esac
done
