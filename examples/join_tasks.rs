//! seed001_join_tasks (seed 001, test_5_1.py): three tasks sleeping 0.1, 0.2 and 0.5 s,
//! joined one after another; they run concurrently, so the total is the longest sleep.
//!
//! Reference: `../shared/reference/seed001_join_tasks.py`; the output matches it line for line.

use std::time::{Duration, Instant};

use greenery::time::sleep;

async fn task(n: f64) {
    println!("1_{n} is running");
    sleep(Duration::from_secs_f64(n)).await;
    println!("2_{n} is done");
}

fn main() {
    greenery::run(async {
        let p1 = greenery::spawn(task(0.1));
        let p2 = greenery::spawn(task(0.2));
        let p3 = greenery::spawn(task(0.5));
        let start = Instant::now();
        for p in [p1, p2, p3] {
            p.await.expect("task failed");
        }
        let elapsed = start.elapsed().as_secs_f64();
        println!("主进程执行时间: {elapsed:.1} s");
    });
}
