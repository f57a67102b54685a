//! Greenlet switch round trip: a switch into a greenlet that switches straight back.
//!
//! - `greenery_root`: `run`'s root switches into a greenlet, which switches back to it (the
//!   root's switch drives the chain, so each round trip starts and ends one driver loop);
//! - `greenery_body`: two greenlets switch to each other inside one driver loop;
//! - `tokio_notify`: the nearest tokio equivalent, a ping-pong between two tasks over two
//!   `tokio::sync::Notify` on a `current_thread` runtime, in the same run.
//!
//! Everything runs on the bench thread and is timed in that thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`), so other processes on a shared machine do not inflate it.
//!
//! Run: `cargo bench -p greenery-bench --bench greenlet`

mod common;
use common::thread_cpu;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use greenery::greenlet::{getcurrent, Greenlet};

fn greenery_root(iters: u64) -> Duration {
    greenery::run(async move {
        let main = getcurrent::<u64>();
        let echo = Greenlet::new(move |mut n: u64| async move {
            loop {
                n = main.switch(n + 1).await?;
            }
        });
        let mut n = echo.switch(0).await.expect("echo starts");
        let start = thread_cpu();
        for _ in 0..iters {
            n = echo.switch(black_box(n)).await.expect("echo answers");
        }
        let elapsed = thread_cpu() - start;
        black_box(n);
        elapsed
    })
}

fn greenery_body(iters: u64) -> Duration {
    greenery::run(async move {
        let ping = Greenlet::<u64>::declare();
        let pong = Greenlet::<u64>::declare();
        ping.set_body({
            let pong = pong.clone();
            move |mut n| async move {
                let start = thread_cpu();
                for _ in 0..iters {
                    n = pong.switch(black_box(n)).await?;
                }
                black_box(n);
                Ok((thread_cpu() - start).as_nanos() as u64)
            }
        })
        .expect("ping is new");
        pong.set_body({
            let ping = ping.clone();
            move |mut n| async move {
                loop {
                    n = ping.switch(n + 1).await?;
                }
            }
        })
        .expect("pong is new");
        Duration::from_nanos(ping.switch(0).await.expect("ping returns its time"))
    })
}

fn tokio_notify(iters: u64) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let ping = Arc::new(tokio::sync::Notify::new());
        let pong = Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn({
            let (ping, pong) = (ping.clone(), pong.clone());
            async move {
                for _ in 0..iters {
                    ping.notified().await;
                    pong.notify_one();
                }
            }
        });
        let start = thread_cpu();
        for _ in 0..iters {
            ping.notify_one();
            pong.notified().await;
        }
        let elapsed = thread_cpu() - start;
        task.await.expect("pong task");
        elapsed
    })
}

fn switch_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("greenlet_round_trip");
    group.bench_function("greenery_root", |b| b.iter_custom(greenery_root));
    group.bench_function("greenery_body", |b| b.iter_custom(greenery_body));
    group.bench_function("tokio_notify", |b| b.iter_custom(tokio_notify));
    group.finish();
}

criterion_group!(benches, switch_round_trip);
criterion_main!(benches);
