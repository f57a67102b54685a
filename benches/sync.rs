//! The sync toolkit against tokio's `current_thread` runtime, in the same run:
//!
//! - `queue_ping_pong`: one message each way per round trip between two tasks (greenery
//!   `Queue` vs tokio `mpsc::unbounded_channel`); figures are per message (two per trip).
//! - `unbounded_throughput`: a producer task sends a burst of 1,000 messages, a consumer
//!   task drains them (greenery `Queue` and `Channel` vs tokio `mpsc::unbounded_channel`).
//! - `semaphore`: uncontended acquire + release (greenery `Semaphore` vs tokio `Semaphore`),
//!   and a contended hand-over between two tasks through a `Lock`.
//! - `pool_map_100k`: `Pool::new(100).map` over 100,000 trivial items vs tokio tasks gated
//!   by an `Arc<Semaphore>` of 100 owned permits, results collected in input order.
//!
//! Everything runs on one thread and is timed in that thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`), so other processes on a shared machine do not inflate it.
//!
//! Run: `cargo bench -p greenery-bench --bench sync`

mod common;
use common::{thread_cpu, tokio_runtime};

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use greenery::pool::Pool;
use greenery::queue::{Channel, Queue};
use greenery::sync::{Lock, Semaphore};

fn queue_ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_ping_pong");
    // Each iteration is one round trip: two messages.
    group.throughput(Throughput::Elements(2));
    group.bench_function("greenery_queue", |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let (ping, pong) = (Queue::<u64>::new(), Queue::<u64>::new());
                let (p, q) = (ping.clone(), pong.clone());
                let echo = greenery::spawn(async move {
                    loop {
                        let x = p.get().await;
                        q.put(x + 1).await.unwrap();
                    }
                });
                let start = thread_cpu();
                for i in 0..iters {
                    ping.put(black_box(i)).await.unwrap();
                    black_box(pong.get().await);
                }
                let elapsed = thread_cpu() - start;
                echo.kill();
                elapsed
            })
        });
    });
    group.bench_function("tokio_unbounded_mpsc", |b| {
        b.iter_custom(|iters| {
            tokio_runtime().block_on(async move {
                let (to_echo, mut echo_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
                let (to_main, mut main_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
                tokio::spawn(async move {
                    while let Some(x) = echo_rx.recv().await {
                        if to_main.send(x + 1).is_err() {
                            break;
                        }
                    }
                });
                let start = thread_cpu();
                for i in 0..iters {
                    to_echo.send(black_box(i)).expect("echo task alive");
                    black_box(main_rx.recv().await);
                }
                thread_cpu() - start
            })
        });
    });
    group.finish();
}

const BURST: u64 = 1_000;

fn unbounded_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("unbounded_throughput");
    group.throughput(Throughput::Elements(BURST));
    group.bench_function("greenery_queue", |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let q = Queue::<u64>::new();
                let start = thread_cpu();
                for _ in 0..iters {
                    let tx = q.clone();
                    let producer = greenery::spawn(async move {
                        for i in 0..BURST {
                            tx.put(black_box(i)).await.unwrap();
                        }
                    });
                    for _ in 0..BURST {
                        black_box(q.get().await);
                    }
                    producer.await.expect("producer");
                }
                thread_cpu() - start
            })
        });
    });
    group.bench_function("greenery_channel_rendezvous", |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let ch = Channel::<u64>::new();
                let start = thread_cpu();
                for _ in 0..iters {
                    let tx = ch.clone();
                    let producer = greenery::spawn(async move {
                        for i in 0..BURST {
                            tx.put(black_box(i)).await.unwrap();
                        }
                    });
                    for _ in 0..BURST {
                        black_box(ch.get().await);
                    }
                    producer.await.expect("producer");
                }
                thread_cpu() - start
            })
        });
    });
    group.bench_function("tokio_unbounded_mpsc", |b| {
        b.iter_custom(|iters| {
            tokio_runtime().block_on(async move {
                let start = thread_cpu();
                for _ in 0..iters {
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
                    let producer = tokio::spawn(async move {
                        for i in 0..BURST {
                            tx.send(black_box(i)).expect("receiver alive");
                        }
                    });
                    for _ in 0..BURST {
                        black_box(rx.recv().await);
                    }
                    producer.await.expect("producer");
                }
                thread_cpu() - start
            })
        });
    });
    group.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut group = c.benchmark_group("semaphore");
    group.throughput(Throughput::Elements(1));
    group.bench_function("greenery_acquire_release", |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let sem = Semaphore::new(1);
                let start = thread_cpu();
                for _ in 0..iters {
                    let permit = sem.acquire().await;
                    drop(black_box(permit));
                }
                thread_cpu() - start
            })
        });
    });
    group.bench_function("tokio_acquire_release", |b| {
        b.iter_custom(|iters| {
            tokio_runtime().block_on(async move {
                let sem = tokio::sync::Semaphore::new(1);
                let start = thread_cpu();
                for _ in 0..iters {
                    let permit = sem.acquire().await.expect("open");
                    drop(black_box(permit));
                }
                thread_cpu() - start
            })
        });
    });
    // Two tasks take turns holding a lock across a yield: every acquire waits.
    group.bench_function("greenery_lock_hand_over", |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let lock = Lock::new();
                let l = lock.clone();
                let other = greenery::spawn(async move {
                    loop {
                        let _g = l.acquire().await;
                        greenery::yield_now().await;
                    }
                });
                let start = thread_cpu();
                for _ in 0..iters {
                    let _g = lock.acquire().await;
                    greenery::yield_now().await;
                }
                let elapsed = thread_cpu() - start;
                other.kill();
                elapsed
            })
        });
    });
    group.bench_function("tokio_mutex_hand_over", |b| {
        b.iter_custom(|iters| {
            tokio_runtime().block_on(async move {
                let lock = Arc::new(tokio::sync::Mutex::new(()));
                let l = lock.clone();
                let other = tokio::spawn(async move {
                    loop {
                        let _g = l.lock().await;
                        tokio::task::yield_now().await;
                    }
                });
                let start = thread_cpu();
                for _ in 0..iters {
                    let _g = lock.lock().await;
                    tokio::task::yield_now().await;
                }
                let elapsed = thread_cpu() - start;
                other.abort();
                elapsed
            })
        });
    });
    group.finish();
}

const ITEMS: u64 = 100_000;
const POOL: usize = 100;

fn pool_map(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool_map_100k");
    group.throughput(Throughput::Elements(ITEMS));
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("greenery_pool_map", POOL), |b| {
        b.iter_custom(|iters| {
            greenery::run(async move {
                let pool = Pool::new(POOL).expect("pool");
                let start = thread_cpu();
                for _ in 0..iters {
                    let out = pool
                        .map(0..ITEMS, |x| async move { black_box(x) * 2 })
                        .await
                        .expect("no failures");
                    black_box(out);
                }
                thread_cpu() - start
            })
        });
    });
    group.bench_function(BenchmarkId::new("tokio_spawn_semaphore", POOL), |b| {
        b.iter_custom(|iters| {
            tokio_runtime().block_on(async move {
                let slots = Arc::new(tokio::sync::Semaphore::new(POOL));
                let start = thread_cpu();
                for _ in 0..iters {
                    let mut handles = Vec::with_capacity(ITEMS as usize);
                    for x in 0..ITEMS {
                        let permit = slots.clone().acquire_owned().await.expect("open");
                        handles.push(tokio::spawn(async move {
                            let _permit = permit;
                            black_box(x) * 2
                        }));
                    }
                    let mut out = Vec::with_capacity(ITEMS as usize);
                    for h in handles {
                        out.push(h.await.expect("task"));
                    }
                    black_box(out);
                }
                thread_cpu() - start
            })
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = queue_ping_pong, unbounded_throughput, semaphore, pool_map
}
criterion_main!(benches);
