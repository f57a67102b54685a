//! seed003_pool_apply_async_callback (seed 003, 进程池 section): a pool of 5, ten
//! `apply_async(Foo, callback=Bar)` calls, `end`, then `join`. `apply_async` never waits:
//! the first five tasks take the slots, the other five wait for a slot in call order. The
//! callback prints each result as its task finishes.
//!
//! Reference: `../shared/reference/seed003_pool_apply_async_callback.py` (the seed's 2 s
//! sleep scaled to 0.2 s; like gevent's, greenery's pool has no `close()`); the output
//! matches it line for line. `apply_async(func=Foo, args=(i,), callback=Bar)` is
//! `apply_async_with(foo(i), bar)`; `r.ready()` is `is_finished()`; `r.value` is awaiting
//! the handle; the value list prints with Rust's `{:?}`, like Python's list repr.
//!
//! This example reproduces gevent's rule-27 gotcha ON PURPOSE (SEMANTICS rule 27): on a
//! full pool, gevent's `apply_async` returns a task the pool does not track, which waits for
//! a slot with `apply`, so `pool.join()` returns after the first five (0.2 s, 5 of 10
//! finished). `apply_async_gevent` below spells that out. greenery's own
//! [`Pool::apply_async`](greenery::pool::Group::apply_async) does not lose track of work: it
//! counts queued tasks in the pool, and `join()` would wait for all ten (0.4 s, 10 of 10).

use std::time::{Duration, Instant};

use greenery::pool::Pool;
use greenery::time::sleep;
use greenery::JoinHandle;

async fn foo(i: u32) -> u32 {
    sleep(Duration::from_millis(200)).await;
    i + 100
}

fn bar(arg: &u32) {
    println!("{arg}");
}

/// gevent's `apply_async`: on a full pool, an untracked task that waits for a slot and runs
/// the work with `apply`; otherwise a tracked task. Prefer `pool.apply_async_with`.
fn apply_async_gevent(pool: &Pool, i: u32) -> JoinHandle<u32> {
    if !pool.is_full() {
        return pool.apply_async_with(foo(i), bar);
    }
    let pool = pool.clone();
    greenery::spawn(async move {
        let value = pool.apply(foo(i)).await.expect("foo failed");
        bar(&value);
        value
    })
}

fn main() {
    greenery::run(async {
        let start = Instant::now();
        let pool = Pool::new(5).expect("5 slots");
        let results: Vec<_> = (0..10).map(|i| apply_async_gevent(&pool, i)).collect();

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
