//! seed003_pool_apply_async_callback (seed 003, 进程池 section): a pool of 5, ten
//! `apply_async(Foo, callback=Bar)` calls, `end`, then `join`. `apply_async` never waits:
//! the first five tasks take the slots, the other five wait for a slot in call order. The
//! callback prints each result as its task finishes.
//!
//! Reference: `../shared/reference/seed003_pool_apply_async_callback.py` (the seed's 2 s
//! sleep scaled to 0.2 s; like gevent's, greenery's pool has no `close()`).
//! `apply_async(func=Foo, args=(i,), callback=Bar)` is `apply_async_with(foo(i), bar)`;
//! `r.ready()` is `is_finished()`; `r.value` is awaiting the handle; the value list prints
//! with Rust's `{:?}`, like Python's list repr.
//!
//! One deliberate difference from gevent (SEMANTICS rule 27, see `greenery::pool`): gevent's
//! `apply_async` on a full pool returns a task the pool does not track, so its `pool.join()`
//! returns after 0.2 s with only 5 of 10 tasks finished. greenery's pool never loses track
//! of work: the queued tasks count in the pool and `join` waits for all ten. So where the
//! reference prints `105`..`109` after the line `pool.join() returned after 0.2 s; tasks
//! finished: 5 of 10`, this example prints them before the line `pool.join() returned after
//! 0.4 s; tasks finished: 10 of 10`; every other line is the reference's.

use std::time::{Duration, Instant};

use greenery::pool::Pool;
use greenery::time::sleep;

async fn foo(i: u32) -> u32 {
    sleep(Duration::from_millis(200)).await;
    i + 100
}

fn bar(arg: &u32) {
    println!("{arg}");
}

fn main() {
    greenery::run(async {
        let start = Instant::now();
        let pool = Pool::new(5).expect("5 slots");
        let results: Vec<_> = (0..10)
            .map(|i| pool.apply_async_with(foo(i), bar))
            .collect();

        println!("end");
        pool.join().await;
        let finished = results.iter().filter(|r| r.is_finished()).count();
        println!(
            "pool.join() returned after {:.1} s; tasks finished: {finished} of 10",
            start.elapsed().as_secs_f64()
        );
        let values = greenery::try_joinall(results).await.expect("no task fails");
        println!(
            "all 10 joined after {:.1} s; values {values:?}",
            start.elapsed().as_secs_f64()
        );
    });
}
