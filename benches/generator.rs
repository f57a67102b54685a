//! Generator send round trip: one `send` into a suspended generator that yields straight back
//! (plain, three `yield_from` levels deep, and an `AsyncGenerator` resumed inside `greenery::run`).
//!
//! Baseline in the same run: the nearest tokio equivalent of handing a value to a suspended
//! coroutine and getting one back, a ping-pong between two tasks over `tokio::sync::mpsc` on
//! a `current_thread` runtime (tokio has no generators).
//!
//! Every variant runs on one thread and is timed as a loop of `iters` round trips in that
//! thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), so other processes on a shared machine do
//! not inflate the figures.
//!
//! Run: `cargo bench -p greenery-bench --bench generator`

mod common;
use common::thread_cpu;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use greenery::generator::{AsyncGenerator, Co, Generator, GeneratorState};

/// A generator that yields back `x + 1` for every `x` sent to it.
fn echo() -> Generator<u64, (), u64> {
    Generator::new(|co: Co<u64, u64>| async move {
        let mut reply = 0;
        loop {
            let Ok(x) = co.yield_(reply).await;
            reply = x + 1;
        }
    })
}

/// `echo` three `yield_from` levels deep.
fn nested(depth: u32) -> Generator<u64, (), u64> {
    if depth == 0 {
        return echo();
    }
    Generator::new(move |co: Co<u64, u64>| async move {
        let _ = co.yield_from(nested(depth - 1)).await;
    })
}

/// Times `iters` sends into a started `g`.
fn sync_round_trips(g: &Generator<u64, (), u64>, iters: u64) -> Duration {
    g.next().expect("starts");
    let start = thread_cpu();
    for i in 0..iters {
        match g.send(black_box(i)) {
            Ok(GeneratorState::Yielded(v)) => black_box(v),
            _ => unreachable!("echo never ends"),
        };
    }
    thread_cpu() - start
}

fn send_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("send_round_trip");
    group.bench_function("greenery_generator", |b| {
        b.iter_custom(|iters| sync_round_trips(&echo(), iters));
    });
    group.bench_function("greenery_generator_yield_from_x3", |b| {
        b.iter_custom(|iters| sync_round_trips(&nested(3), iters));
    });
    group.bench_function("greenery_async_generator", |b| {
        b.iter_custom(|iters| {
            let g: AsyncGenerator<u64, (), u64> =
                AsyncGenerator::new(|co: Co<u64, u64>| async move {
                    let mut reply = 0;
                    loop {
                        let Ok(x) = co.yield_(reply).await;
                        reply = x + 1;
                    }
                });
            greenery::run(async move {
                g.next().await.expect("starts");
                let start = thread_cpu();
                for i in 0..iters {
                    match g.resume(black_box(i)).await {
                        Ok(GeneratorState::Yielded(v)) => black_box(v),
                        _ => unreachable!("echo never ends"),
                    };
                }
                thread_cpu() - start
            })
        });
    });
    group.bench_function("tokio_mpsc_ping_pong", |b| {
        b.iter_custom(|iters| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let (to_echo, mut echo_rx) = tokio::sync::mpsc::channel::<u64>(1);
                let (to_main, mut main_rx) = tokio::sync::mpsc::channel::<u64>(1);
                tokio::spawn(async move {
                    while let Some(x) = echo_rx.recv().await {
                        if to_main.send(x + 1).await.is_err() {
                            break;
                        }
                    }
                });
                let start = thread_cpu();
                for i in 0..iters {
                    to_echo.send(black_box(i)).await.expect("echo task alive");
                    black_box(main_rx.recv().await);
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
    targets = send_round_trip
}
criterion_main!(benches);
