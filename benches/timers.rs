//! 1,000 timers: how late they fire and how much CPU the runtime burns waiting for them.
//!
//! Each round spawns 1,000 tasks that sleep until seeded pseudo-random deadlines spread over
//! 1..50 ms (nanosecond resolution, so millisecond rounding shows), records `fire - deadline`
//! for each, and measures the process CPU time (user + system, all threads) of the round.
//! Runtimes take turns round by round so they see the same machine noise. A negative lateness
//! (a timer that fired early) is counted separately: it would be a bug.
//!
//! Run with `cargo bench -p greenery-bench --bench timers` (prints a table; figures in
//! `docs/benchmarks.md`). Without `--bench` (e.g. `cargo test -p greenery-bench --benches`) it
//! runs one small round as a smoke test.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMERS: usize = 1_000;
const ROUNDS: usize = 15;
const MIN: Duration = Duration::from_millis(1);
const SPREAD_NS: u64 = 49_000_000;

/// splitmix64: a seeded, dependency-free source of durations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn durations(round: usize, count: usize) -> Vec<Duration> {
    let mut rng = Rng(0x5EED + round as u64);
    (0..count)
        .map(|_| MIN + Duration::from_nanos(rng.next() % SPREAD_NS))
        .collect()
}

/// CPU time this process has used so far (user + system, every thread), to the nanosecond:
/// `CLOCK_PROCESS_CPUTIME_ID` sums the scheduler's exact run times, where `getrusage` samples
/// at timer ticks and misjudges a process that runs in many short bursts.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` only writes the `timespec` we pass, which lives on our stack.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Lateness of every timer in ns (negative: fired early).
type Lateness = Vec<i64>;

fn lateness(deadline: Instant) -> i64 {
    let now = Instant::now();
    match now.checked_duration_since(deadline) {
        Some(late) => late.as_nanos() as i64,
        None => -(deadline.duration_since(now).as_nanos() as i64),
    }
}

fn greenery_round(rt: &greenery::Runtime, durations: &[Duration]) -> Lateness {
    let out = Rc::new(RefCell::new(Vec::with_capacity(durations.len())));
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = durations
            .iter()
            .map(|&d| {
                let out = out.clone();
                greenery::spawn(async move {
                    let deadline = start + d;
                    greenery::time::sleep_until(deadline).await;
                    out.borrow_mut().push(lateness(deadline));
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("timer task finished");
        }
    });
    Rc::try_unwrap(out).expect("tasks done").into_inner()
}

fn tokio_round(rt: &tokio::runtime::Runtime, durations: &[Duration]) -> Lateness {
    let out = Arc::new(Mutex::new(Vec::with_capacity(durations.len())));
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = durations
            .iter()
            .map(|&d| {
                let out = out.clone();
                tokio::spawn(async move {
                    let deadline = start + d;
                    tokio::time::sleep_until(deadline.into()).await;
                    out.lock().unwrap().push(lateness(deadline));
                })
            })
            .collect();
        for handle in handles {
            handle.await.expect("timer task finished");
        }
    });
    Arc::try_unwrap(out)
        .expect("tasks done")
        .into_inner()
        .unwrap()
}

fn smol_round(ex: &smol::LocalExecutor<'_>, durations: &[Duration]) -> Lateness {
    let out = Rc::new(RefCell::new(Vec::with_capacity(durations.len())));
    smol::block_on(ex.run(async {
        let start = Instant::now();
        let handles: Vec<_> = durations
            .iter()
            .map(|&d| {
                let out = out.clone();
                ex.spawn(async move {
                    let deadline = start + d;
                    smol::Timer::at(deadline).await;
                    out.borrow_mut().push(lateness(deadline));
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
    }));
    Rc::try_unwrap(out).expect("tasks done").into_inner()
}

/// Per-round results of one runtime. Percentiles are taken per round and reported as the
/// median over rounds, so one round disturbed by another process on the machine does not
/// decide the figure; `max` is the worst timer of all rounds.
#[derive(Default)]
struct Tally {
    p50: Vec<i64>,
    p99: Vec<i64>,
    max: i64,
    early: usize,
    cpu: Vec<Duration>,
    wall: Duration,
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median<T: Copy + Ord>(values: &mut [T]) -> T {
    values.sort_unstable();
    values[values.len() / 2]
}

impl Tally {
    fn record(&mut self, round: impl FnOnce() -> Lateness) {
        let (cpu0, wall0) = (cpu_time(), Instant::now());
        let mut lateness = round();
        self.wall += wall0.elapsed();
        self.cpu.push(cpu_time() - cpu0);
        lateness.sort_unstable();
        self.p50.push(percentile(&lateness, 0.5));
        self.p99.push(percentile(&lateness, 0.99));
        self.max = self.max.max(percentile(&lateness, 1.0));
        self.early += lateness.iter().filter(|&&l| l < 0).count();
    }

    fn row(mut self, name: &str) {
        let us = |ns: i64| ns as f64 / 1e3;
        let rounds = self.cpu.len() as f64;
        println!(
            "{name:<9} {:>9.1} {:>9.1} {:>9.1} {:>6} {:>10.2} {:>9.1}",
            us(median(&mut self.p50)),
            us(median(&mut self.p99)),
            us(self.max),
            self.early,
            median(&mut self.cpu).as_secs_f64() * 1e3,
            self.wall.as_secs_f64() * 1e3 / rounds,
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|arg| arg == "--bench");
    let (timers, rounds) = if full { (TIMERS, ROUNDS) } else { (20, 1) };
    // `cargo bench -p greenery-bench --bench timers -- tokio` runs only the runtimes named
    // (for profiling).
    let names: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.as_str())
        .collect();
    let wanted = |name: &str| names.is_empty() || names.contains(&name);

    let greenery_rt = greenery::Runtime::new().expect("greenery runtime");
    // The same runtime with `timer_slack`: timers due within 100 µs share one wake-up.
    let slack_rt = greenery::Builder::new()
        .timer_slack(Duration::from_micros(100))
        .build()
        .expect("greenery runtime");
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let smol_ex = smol::LocalExecutor::new();

    let (mut greenery, mut slack, mut tokio, mut smol) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    for round in 0..rounds {
        let durations = durations(round, timers);
        if wanted("greenery") {
            greenery.record(|| greenery_round(&greenery_rt, &durations));
        }
        if wanted("slack100") {
            slack.record(|| greenery_round(&slack_rt, &durations));
        }
        if wanted("tokio") {
            tokio.record(|| tokio_round(&tokio_rt, &durations));
        }
        if wanted("smol") {
            smol.record(|| smol_round(&smol_ex, &durations));
        }
    }

    println!(
        "{timers} timers over 1..50 ms, {rounds} rounds; lateness in µs (p50, p99: median of the \
         rounds; max: worst of all), CPU (median) and wall per round in ms"
    );
    println!(
        "{:<9} {:>9} {:>9} {:>9} {:>6} {:>10} {:>9}",
        "runtime", "p50", "p99", "max", "early", "cpu ms", "wall ms"
    );
    let tallies = [
        ("greenery", greenery),
        ("slack100", slack),
        ("tokio", tokio),
        ("smol", smol),
    ];
    for (name, tally) in tallies {
        if wanted(name) {
            tally.row(name);
        }
    }
}
