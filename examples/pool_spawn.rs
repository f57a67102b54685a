//! seed001_pool_spawn (seed 001, test_9_1.py): a pool of 3 runs 5 tasks that each sleep.
//! `Pool::spawn` waits while the pool is full, so the `-----` line appears only after the
//! first three tasks finished and the fourth was admitted; `join` waits until the pool is
//! empty. Two rounds of 1 s: about 2 s in all.
//!
//! Reference: `../shared/reference/seed001_pool_spawn.py` (multiprocessing's
//! `Pool(processes=3)` as gevent's `Pool(3)`, the seed's 5 s sleep scaled to 1 s); the output
//! matches it line for line. Like gevent's, greenery's pool has no `close()`.

use std::time::{Duration, Instant};

use greenery::pool::Pool;
use greenery::time::sleep;

async fn func(msg: String) {
    println!("msg:  {msg}");
    sleep(Duration::from_secs(1)).await;
    println!("done {msg}");
}

fn main() {
    greenery::run(async {
        let start = Instant::now();
        let pool = Pool::new(3).expect("3 slots");
        for i in 0..5 {
            let msg = format!("Process - {i}");
            println!("spawning {msg} | free slots: {}", pool.free_count());
            pool.spawn(func(msg)).await; // waits while the pool is full
        }
        println!("{}", "-".repeat(50));
        pool.join().await;
        println!("sub-process Done!");
        println!("elapsed {:.0} s", start.elapsed().as_secs_f64());
    });
}
