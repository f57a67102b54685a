//! seed001_pool_apply (seed 001, test_9_2.py): `apply` waits until its task has finished, so
//! the 5 tasks run one at a time even though the pool has 3 slots: about 5 x 0.2 = 1 s.
//!
//! Reference: `../shared/reference/seed001_pool_apply.py` (multiprocessing's `Pool(3)` as
//! gevent's `Pool(3)`, the seed's 5 s sleep scaled to 0.2 s); the output matches it line for
//! line. `pool.apply(func, args=(msg,))` is `pool.apply(func(msg))`: the task is a future.

use std::time::{Duration, Instant};

use greenery::pool::Pool;
use greenery::time::sleep;

async fn func(msg: String) -> String {
    println!("msg:  {msg}");
    sleep(Duration::from_millis(200)).await;
    println!("done");
    msg.to_uppercase()
}

fn main() {
    greenery::run(async {
        let start = Instant::now();
        let pool = Pool::new(3).expect("3 slots");
        for i in 0..5 {
            let msg = format!("Process - {i}");
            let r = pool.apply(func(msg)).await.expect("func failed");
            println!("apply returned {r}");
        }
        println!("{}", "-".repeat(50));
        pool.join().await;
        println!("sub-process Done!");
        println!("elapsed {:.1} s", start.elapsed().as_secs_f64());
    });
}
