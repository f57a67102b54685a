# Shared by the soak scripts: sample a process's resident memory and open fds from /proc,
# and judge the samples. Source it; needs bash.

# rss_kib PID: VmRSS in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# fd_count PID: open file descriptors.
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# sample_every_second PID FILE: appends "seconds rss_kib fds" lines to FILE until PID exits
# or the caller kills this loop (run it in the background).
sample_every_second() {
  local pid=$1 file=$2 start=$SECONDS
  while [ -d "/proc/$pid" ]; do
    echo "$((SECONDS - start)) $(rss_kib "$pid") $(fd_count "$pid")" >>"$file"
    sleep 1
  done
}

# verdict FILE WARMUP_SECONDS BASELINE_FDS FINAL_FDS: prints every 5th sample and whether
# RSS stayed within 5% of its value at the end of the warm-up, and whether the fd count
# came back to the baseline. Returns 1 if either check fails.
verdict() {
  local file=$1 warmup=$2 baseline_fds=$3 final_fds=$4
  echo "seconds  rss_kib  fds"
  awk 'NR % 5 == 1 { printf "%7d %8d %4d\n", $1, $2, $3 }' "$file"
  awk -v warmup="$warmup" -v base="$baseline_fds" -v final="$final_fds" '
    $1 >= warmup { if (!ref) ref = $2; if ($2 < lo || !lo) lo = $2; if ($2 > hi) hi = $2 }
    END {
      if (!ref) { print "FAIL: no sample after the warm-up"; exit 1 }
      worst = (hi - ref > ref - lo ? hi - ref : ref - lo) / ref * 100
      rss_ok = worst <= 5
      printf "RSS after %d s of warm-up: %d KiB; range %d..%d KiB (%+.1f%%..%+.1f%%): %s\n",
        warmup, ref, lo, hi, (lo - ref) / ref * 100, (hi - ref) / ref * 100,
        rss_ok ? "flat within 5%, PASS" : "NOT flat within 5%, FAIL"
      fd_ok = final == base
      printf "fds: %d before the clients, %d after they left: %s\n", base, final,
        fd_ok ? "PASS" : "FAIL"
      exit !(rss_ok && fd_ok)
    }' "$file"
}
