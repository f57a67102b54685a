//! Green threads and the synchronous greenlet, measured in the same run as their async and
//! tokio counterparts:
//!
//! - `switch`: one resume + suspend round trip of a bare corosensei coroutine (the floor every
//!   stackful switch here pays), a greenlet switching with `main` and back, and two greenlets
//!   switching with each other inside a green thread.
//! - `yield`: `yield_now` from a green thread, from an async task, and tokio's.
//! - `spawn_join`: spawn 64 then join them (a batch the stack pool holds), per green thread;
//!   the same batch of async tasks on greenery and on tokio.
//! - memory: the resident memory of idle green threads (run with `--bench`; printed at the end).
//!
//! Run with `cargo bench -p greenery-bench --bench green`; figures in `docs/benchmarks.md`.

mod common;
use common::tokio_runtime;

use std::hint::black_box;
use std::time::{Duration, Instant};

use corosensei::{Coroutine, CoroutineResult};
use criterion::{criterion_group, Criterion, Throughput};
use greenery::green::{self, getcurrent, Greenlet};

const SWITCHES: u64 = 100_000;
const BATCH: u64 = 64;

fn switch(c: &mut Criterion) {
    let mut group = c.benchmark_group("switch_round_trip");
    group.throughput(Throughput::Elements(SWITCHES));
    group.bench_function("corosensei_bare", |b| {
        let mut co = Coroutine::new(|yielder, mut x: u64| loop {
            x = yielder.suspend(x + 1);
        });
        b.iter(|| {
            let mut v = 0;
            for _ in 0..SWITCHES {
                if let CoroutineResult::Yield(r) = co.resume(v) {
                    v = r;
                }
            }
            black_box(v)
        })
    });
    group.bench_function("greenlet_main_and_back", |b| {
        let main = getcurrent::<u64>();
        let g = Greenlet::new(move |mut x: u64| loop {
            x = main.switch(x + 1)?;
        });
        b.iter(|| {
            let mut v = 0;
            for _ in 0..SWITCHES {
                v = g.switch(v).expect("greenlet alive");
            }
            black_box(v)
        })
    });
    group.bench_function("greenlet_pair_in_green_thread", |b| {
        b.iter_custom(|iters| {
            green::run(move || {
                let (a, c) = (Greenlet::<u64>::declare(), Greenlet::<u64>::declare());
                let rounds = iters * SWITCHES;
                a.set_body({
                    let c = c.clone();
                    move |mut x| {
                        while x < 2 * rounds {
                            x = c.switch(x + 1)?;
                        }
                        Ok(x)
                    }
                })
                .expect("declared");
                c.set_body({
                    let a = a.clone();
                    move |mut x| loop {
                        x = a.switch(x + 1)?;
                    }
                })
                .expect("declared");
                let start = Instant::now();
                black_box(a.switch(0).expect("a returns"));
                start.elapsed()
            })
        })
    });
    group.finish();
}

fn yielding(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield_now");
    group.throughput(Throughput::Elements(SWITCHES));
    group.bench_function("green", |b| {
        b.iter_custom(|iters| {
            green::run(move || {
                let start = Instant::now();
                for _ in 0..iters * SWITCHES {
                    green::yield_now();
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("greenery_async", |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let start = Instant::now();
                for _ in 0..iters * SWITCHES {
                    greenery::yield_now().await;
                }
                start.elapsed()
            })
        })
    });
    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async move {
                let start = Instant::now();
                for _ in 0..iters * SWITCHES {
                    tokio::task::yield_now().await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

fn spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_join_batch64");
    let rounds = 100;
    group.throughput(Throughput::Elements(rounds * BATCH));
    group.bench_function("green", |b| {
        b.iter_custom(|iters| {
            green::run(move || {
                let start = Instant::now();
                for _ in 0..iters * rounds {
                    let threads: Vec<_> = (0..BATCH)
                        .map(|i| green::spawn(move || black_box(i)))
                        .collect();
                    for thread in threads {
                        black_box(thread.join().expect("joined"));
                    }
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("greenery_async", |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let start = Instant::now();
                for _ in 0..iters * rounds {
                    let tasks: Vec<_> = (0..BATCH)
                        .map(|i| greenery::spawn(async move { black_box(i) }))
                        .collect();
                    for task in tasks {
                        black_box(task.await.expect("joined"));
                    }
                }
                start.elapsed()
            })
        })
    });
    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async move {
                let start = Instant::now();
                for _ in 0..iters * rounds {
                    let tasks: Vec<_> = (0..BATCH)
                        .map(|i| tokio::spawn(async move { black_box(i) }))
                        .collect();
                    for task in tasks {
                        black_box(task.await.expect("joined"));
                    }
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

/// Resident set size of this process, from `/proc/self/statm`.
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no memory-safety preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize
}

/// Resident memory of idle green threads: as many as `vm.max_map_count` allows, up to 100,000,
/// each blocked on an event after touching its stack as a green thread does to block.
fn idle_memory(count: usize) {
    let limit: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(65_530);
    let count = count.min(limit.saturating_sub(4_000) / 2);
    let (per_thread, total) = green::run(move || {
        let go = greenery::sync::Event::new();
        let before = rss_bytes();
        let threads: Vec<_> = (0..count)
            .map(|_| {
                let go = go.clone();
                green::spawn(move || green::block_on(go.wait()))
            })
            .collect();
        green::yield_now();
        let after = rss_bytes();
        go.set();
        for thread in threads {
            thread.join().expect("joined");
        }
        let total = after.saturating_sub(before);
        (total / count.max(1), total)
    });
    println!(
        "idle green threads: {count}: {:.1} KiB resident each, {:.1} MiB in all",
        per_thread as f64 / 1024.0,
        total as f64 / (1024.0 * 1024.0)
    );
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = switch, yielding, spawn_join
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let full = std::env::args().any(|arg| arg == "--bench");
    idle_memory(if full { 100_000 } else { 1_000 });
}
