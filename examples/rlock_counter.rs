//! seed003_rlock_counter (seed 003, 线程锁 section): ten tasks each take an [`RLock`],
//! increment a shared counter, sleep and print. The lock is held across the sleep, so the
//! tasks run strictly one after another, in spawn order (waiters are served first come,
//! first served): ten sleeps of 0.1 s take about 1 s in all.
//!
//! Reference: `../shared/reference/seed003_rlock_counter.py` (the seed's 1 s sleep scaled to
//! 0.1 s); the output matches it line for line. `lock.release()` is the guard going out of
//! scope.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use greenery::sync::RLock;
use greenery::time::sleep;

async fn func(i: usize, lock: RLock, gl_num: Rc<Cell<u32>>) {
    let _guard = lock.acquire().await;
    gl_num.set(gl_num.get() + 1);
    sleep(Duration::from_millis(100)).await;
    println!("greenlet {i} gl_num {}", gl_num.get());
}

fn main() {
    greenery::run(async {
        let lock = RLock::new();
        let gl_num = Rc::new(Cell::new(0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..10)
            .map(|i| greenery::spawn(func(i, lock.clone(), gl_num.clone())))
            .collect();
        greenery::try_joinall(tasks).await.expect("no task fails");
        println!("elapsed {:.1} s", start.elapsed().as_secs_f64());
    });
}
