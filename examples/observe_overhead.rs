//! What seeing inside the loop costs: spawn + join and `yield_now` ping-pong on runtimes with
//! nothing observed, tracked tasks (run info), a trace, and the monitor, against tokio's
//! `current_thread` runtime in the same run. A benchmark kept as an example until it moves to
//! the benchmark crate; figures in `docs/benchmarks.md`.
//!
//! Run: `cargo run --release --example observe_overhead` (add `--features tracing` for the
//! `tracing` feature's spans, which every runtime then has).

use std::time::{Duration, Instant};

const TASKS: u64 = 100_000;
const YIELDS: u64 = 10_000;
const ROUNDS: usize = 15;

/// The median over `ROUNDS` of `f`'s time, divided by `per`.
fn median_ns(per: u64, mut f: impl FnMut() -> Duration) -> f64 {
    let mut times: Vec<f64> = (0..ROUNDS)
        .map(|_| f().as_nanos() as f64 / per as f64)
        .collect();
    times.sort_by(f64::total_cmp);
    times[ROUNDS / 2]
}

fn greenery_spawn_join(rt: &greenery::Runtime) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..TASKS)
            .map(|i| greenery::spawn(async move { i }))
            .collect();
        for h in handles {
            std::hint::black_box(h.await.unwrap());
        }
        start.elapsed()
    })
}

fn greenery_yield(rt: &greenery::Runtime) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let spin = || async {
            for _ in 0..YIELDS {
                greenery::yield_now().await;
            }
        };
        let (a, b) = (greenery::spawn(spin()), greenery::spawn(spin()));
        a.await.unwrap();
        b.await.unwrap();
        start.elapsed()
    })
}

fn tokio_spawn_join(rt: &tokio::runtime::Runtime) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..TASKS).map(|i| tokio::spawn(async move { i })).collect();
        for h in handles {
            std::hint::black_box(h.await.unwrap());
        }
        start.elapsed()
    })
}

fn tokio_yield(rt: &tokio::runtime::Runtime) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let spin = || async {
            for _ in 0..YIELDS {
                tokio::task::yield_now().await;
            }
        };
        let (a, b) = (tokio::spawn(spin()), tokio::spawn(spin()));
        a.await.unwrap();
        b.await.unwrap();
        start.elapsed()
    })
}

fn main() -> std::io::Result<()> {
    let trace = std::env::temp_dir().join(format!("observe-overhead-{}.json", std::process::id()));
    let tokio = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let tokio_spawn = median_ns(TASKS, || tokio_spawn_join(&tokio));
    let tokio_yields = median_ns(2 * YIELDS, || tokio_yield(&tokio));
    println!("| runtime | spawn + join, per task | ratio to tokio | yield, per switch | ratio to tokio |");
    println!("|---|---|---|---|---|");
    println!("| tokio current_thread | {tokio_spawn:.1} ns | 1.00 | {tokio_yields:.1} ns | 1.00 |");
    let modes: [(&str, greenery::Builder); 4] = [
        ("greenery, nothing observed", greenery::Builder::new()),
        ("greenery, track_tasks", {
            let mut b = greenery::Builder::new();
            b.track_tasks(true);
            b
        }),
        ("greenery, monitor(100 ms)", {
            let mut b = greenery::Builder::new();
            b.monitor(Duration::from_millis(100));
            b
        }),
        ("greenery, trace (flushed every 64k events)", {
            let mut b = greenery::Builder::new();
            b.trace(&trace);
            b
        }),
    ];
    for (name, builder) in modes {
        let rt = builder.build()?;
        let spawn = median_ns(TASKS, || greenery_spawn_join(&rt));
        let yields = median_ns(2 * YIELDS, || greenery_yield(&rt));
        println!(
            "| {name} | {spawn:.1} ns | {:.2} | {yields:.1} ns | {:.2} |",
            spawn / tokio_spawn,
            yields / tokio_yields
        );
    }
    let _ = std::fs::remove_file(&trace);
    Ok(())
}
