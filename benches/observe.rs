//! What seeing inside the loop costs: spawn + join and `yield_now` ping-pong on runtimes with
//! nothing observed, tracked tasks (run info), a trace, and the monitor, against tokio's
//! `current_thread` runtime in the same run; figures in `docs/benchmarks.md`.
//!
//! Run: `cargo bench -p greenery-bench --bench observe` (add `--features tracing` for the
//! `tracing` feature's spans, which every runtime then has).

use std::time::{Duration, Instant};

/// The full measurement with `--bench` (as `cargo bench` passes); a small smoke round
/// otherwise (`cargo test -p greenery-bench --benches`).
fn full() -> bool {
    static FULL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FULL.get_or_init(|| std::env::args().any(|arg| arg == "--bench"))
}

fn tasks() -> u64 {
    if full() {
        100_000
    } else {
        1_000
    }
}

fn yields() -> u64 {
    if full() {
        10_000
    } else {
        100
    }
}

fn rounds() -> usize {
    if full() {
        15
    } else {
        1
    }
}

/// The median over `rounds()` of `f`'s time, divided by `per`.
fn median_ns(per: u64, mut f: impl FnMut() -> Duration) -> f64 {
    let mut times: Vec<f64> = (0..rounds())
        .map(|_| f().as_nanos() as f64 / per as f64)
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds() / 2]
}

fn greenery_spawn_join(rt: &greenery::Runtime) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks())
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
            for _ in 0..yields() {
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
        let handles: Vec<_> = (0..tasks())
            .map(|i| tokio::spawn(async move { i }))
            .collect();
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
            for _ in 0..yields() {
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
    let tokio_spawn = median_ns(tasks(), || tokio_spawn_join(&tokio));
    let tokio_yields = median_ns(2 * yields(), || tokio_yield(&tokio));
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
        let spawn = median_ns(tasks(), || greenery_spawn_join(&rt));
        let yields = median_ns(2 * yields(), || greenery_yield(&rt));
        println!(
            "| {name} | {spawn:.1} ns | {:.2} | {yields:.1} ns | {:.2} |",
            spawn / tokio_spawn,
            yields / tokio_yields
        );
    }
    let _ = std::fs::remove_file(&trace);
    Ok(())
}
