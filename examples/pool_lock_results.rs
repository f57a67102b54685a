//! seed004_pool_lock_results (seed 004, 线程池): a pool of 2 runs 6 submissions of `work(i,
//! lock)`, which holds a lock while it prints `i`, sleeps and returns `i`; the results are
//! then printed in submission order. The lock serialises the work: about 6 x 0.05 = 0.3 s.
//! A result is printed as soon as it is ready, while the main task still waits on the later
//! ones, so the `i:` lines and the results interleave.
//!
//! Reference: `../shared/reference/seed004_pool_lock_results.py` (`ThreadPoolExecutor(2)` as
//! gevent's `Pool(2)`, 20 submits of 1 s as 6 of 0.05 s); the output matches it line for
//! line. `Future.result()` / `Greenlet.get()` is awaiting the `JoinHandle`; the reference's
//! gevent `Semaphore()` (its lock) is greenery's [`Lock`], released when the guard drops.

use std::time::{Duration, Instant};

use greenery::pool::Pool;
use greenery::sync::Lock;
use greenery::time::sleep;

async fn work(i: u32, lock: Lock) -> u32 {
    let _guard = lock.acquire().await;
    println!("i: {i}");
    sleep(Duration::from_millis(50)).await;
    i
}

fn main() {
    greenery::run(async {
        let start = Instant::now();
        let t_pool = Pool::new(2).expect("2 slots");
        let lock = Lock::new();
        let mut threads = Vec::new();
        for i in 0..6 {
            threads.push(t_pool.spawn(work(i, lock.clone())).await);
        }
        for thread in threads {
            println!("{}", thread.await.expect("work failed"));
        }
        println!("elapsed {:.1} s", start.elapsed().as_secs_f64());
    });
}
