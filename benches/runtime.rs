//! Core runtime costs, greenery side by side with tokio's `current_thread` runtime and smol's
//! `LocalExecutor`, measured in the same run:
//!
//! - `spawn_join`: spawn 100,000 trivial tasks, then await every handle (cost per task).
//! - `yield_pingpong`: two tasks alternating `yield_now()` (cost per switch).
//!
//! Run with `cargo bench -p greenery-bench --bench runtime`; results and targets are in
//! `docs/benchmarks.md`.

mod common;
use common::tokio_runtime;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const TASKS: u64 = 100_000;
/// Yields per task per iteration of the ping-pong: `2 * YIELDS` switches.
const YIELDS: u64 = 10_000;

fn spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_join");
    group.throughput(Throughput::Elements(TASKS));

    let rt = greenery::Runtime::new().expect("greenery runtime");
    group.bench_function(BenchmarkId::new("greenery", TASKS), |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|i| greenery::spawn(async move { black_box(i) }))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("task finished");
                }
                sum
            })
        })
    });

    let rt = tokio_runtime();
    group.bench_function(BenchmarkId::new("tokio", TASKS), |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|i| tokio::spawn(async move { black_box(i) }))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.expect("task finished");
                }
                sum
            })
        })
    });

    let ex = smol::LocalExecutor::new();
    group.bench_function(BenchmarkId::new("smol", TASKS), |b| {
        b.iter(|| {
            smol::block_on(ex.run(async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|i| ex.spawn(async move { black_box(i) }))
                    .collect();
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await;
                }
                sum
            }))
        })
    });
    group.finish();
}

/// Times `iters` rounds of two tasks that each yield `YIELDS` times.
fn yield_pingpong(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield_pingpong");
    group.throughput(Throughput::Elements(2 * YIELDS));

    let rt = greenery::Runtime::new().expect("greenery runtime");
    group.bench_function("greenery", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                rt.block_on(async {
                    let yielder = || async {
                        for _ in 0..YIELDS {
                            greenery::yield_now().await;
                        }
                    };
                    let a = greenery::spawn(yielder());
                    let b = greenery::spawn(yielder());
                    a.await.expect("a finished");
                    b.await.expect("b finished");
                })
            }
            start.elapsed()
        })
    });

    let rt = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                rt.block_on(async {
                    let yielder = || async {
                        for _ in 0..YIELDS {
                            tokio::task::yield_now().await;
                        }
                    };
                    let a = tokio::spawn(yielder());
                    let b = tokio::spawn(yielder());
                    a.await.expect("a finished");
                    b.await.expect("b finished");
                })
            }
            start.elapsed()
        })
    });

    let ex = smol::LocalExecutor::new();
    group.bench_function("smol", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                smol::block_on(ex.run(async {
                    let yielder = || async {
                        for _ in 0..YIELDS {
                            smol::future::yield_now().await;
                        }
                    };
                    let a = ex.spawn(yielder());
                    let b = ex.spawn(yielder());
                    a.await;
                    b.await;
                }))
            }
            start.elapsed()
        })
    });
    group.finish();
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
    targets = spawn_join, yield_pingpong
}
criterion_main!(benches);
