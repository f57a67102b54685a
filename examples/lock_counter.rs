//! seed000_lock_counter (seed 000, 多线程的锁): `T1_job` adds 1 ten times and `T2_job` adds 10
//! ten times to a shared counter, each holding a [`Lock`] for its whole loop. Tasks switch
//! only where they wait, so each loop yields once per step (standing for an IO call): with
//! the lock the jobs run one after the other; without it they interleave step by step.
//!
//! Reference: `../shared/reference/seed000_lock_counter.py`; the output matches it line for
//! line. The reference uses gevent's `Semaphore(1)` (gevent has no plain lock); greenery's
//! [`Lock`] is that semaphore of one, and its guard releases it when dropped. The seed's
//! `NoLock` object is `None` here: the same jobs, with no lock to take.

use std::cell::Cell;
use std::rc::Rc;

use greenery::sync::Lock;

async fn job(name: &str, step: u32, counter: Rc<Cell<u32>>, lock: Option<Lock>) {
    let _guard = match &lock {
        Some(lock) => Some(lock.acquire().await),
        None => None,
    };
    for _ in 0..10 {
        counter.set(counter.get() + step);
        println!("{name} {}", counter.get());
        greenery::yield_now().await;
    }
}

fn main() {
    greenery::run(async {
        for (label, lock) in [("with lock", Some(Lock::new())), ("without lock", None)] {
            println!("--- {label}");
            let counter = Rc::new(Cell::new(0));
            let thread1 = greenery::spawn(job("T1_job", 1, counter.clone(), lock.clone()));
            let thread2 = greenery::spawn(job("T2_job", 10, counter.clone(), lock));
            thread1.await.expect("T1_job failed");
            thread2.await.expect("T2_job failed");
            println!("final A = {}", counter.get());
        }
    });
}
