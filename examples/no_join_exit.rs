//! seed001_no_join_exit (seed 001, test_5_2.py and test_6): nobody joins the tasks, so they
//! behave like daemon threads: main yields once (each task runs up to its sleep), spawns one
//! more task, and ends; `run` returns without waiting for them.
//!
//! Reference: `../shared/reference/seed001_no_join_exit.py`. Adaptations: Python's booleans
//! and lists are printed as Python renders them (`[True, True, True]`).
//!
//! One deliberate difference from gevent: when `run` returns, tasks still alive are dropped,
//! so their destructors run (gevent abandons them and skips their `finally`). The `finally`
//! guard here reports on stderr, so stdout still matches the reference.

use std::time::{Duration, Instant};

use greenery::time::sleep;

struct Finally(f64);

impl Drop for Finally {
    fn drop(&mut self) {
        eprintln!(
            "finally of task {} (greenery drops it when run returns)",
            self.0
        );
    }
}

async fn task(n: f64) {
    let _finally = Finally(n);
    println!("1_{n} is running");
    sleep(Duration::from_secs_f64(n)).await;
    println!("2_{n} is done"); // never printed
}

fn py_list(values: impl IntoIterator<Item = bool>) -> String {
    let items: Vec<&str> = values
        .into_iter()
        .map(|v| if v { "True" } else { "False" })
        .collect();
    format!("[{}]", items.join(", "))
}

fn main() {
    greenery::run(async {
        let start = Instant::now();
        let p: Vec<_> = [0.1, 0.2, 0.5].map(|n| greenery::spawn(task(n))).into();
        let quick = start.elapsed() < Duration::from_millis(100);
        println!(
            "主进程执行时间 < 0.1 s: {}",
            if quick { "True" } else { "False" }
        );
        let started = p
            .iter()
            .map(|h| h.task().state() != greenery::task::TaskState::Unstarted);
        println!(
            "started (scheduled): {} dead: {}",
            py_list(started),
            py_list(p.iter().map(|h| h.is_finished()))
        );
        // Yield once: each task runs up to its sleep, then main continues.
        greenery::yield_now().await;
        greenery::spawn(async { println!("spawned last: never runs (main exits first)") });
        println!(
            "main exits now; tasks still sleeping: {}",
            py_list(p.iter().map(|h| !h.is_finished()))
        );
    });
}
