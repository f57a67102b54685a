//! Semaphore, BoundedSemaphore, Lock: SEMANTICS rule 23, errors, timeouts, killed waiters,
//! random interleavings.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use common::{run_paused, Log, XorShift};
use greenery::sync::{BoundedSemaphore, Lock, Semaphore};
use greenery::{spawn, yield_now};

/// Port of semantics/r20_semaphore.
#[test]
fn rule23_semaphore_fifo_waiters_and_barging() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let sem = Semaphore::new(1);
            let worker = |i: u32| {
                let (sem, log) = (sem.clone(), log.clone());
                spawn(async move {
                    log.push(format!("w {i} acquiring"));
                    let _permit = sem.acquire().await;
                    log.push(format!("w {i} acquired"));
                    yield_now().await;
                    log.push(format!("w {i} releasing"));
                })
            };
            greenery::joinall((0..3).map(worker).collect::<Vec<_>>()).await;

            log.push("--- barging");
            sem.acquire().await.forget();
            let ws: Vec<_> = [10, 11].into_iter().map(worker).collect();
            yield_now().await;
            sem.release();
            let again = sem.try_acquire();
            log.push(format!(
                "main released; acquire(blocking=False) -> {}",
                again.is_some()
            ));
            drop(again);
            let permit = sem.acquire().await;
            log.push("main acquired again ahead of the waiters");
            drop(permit);
            greenery::joinall(ws).await;

            log.push("--- misc");
            let b = BoundedSemaphore::new(1);
            b.acquire().await.forget();
            b.release().unwrap();
            if let Err(e) = b.release() {
                log.push(format!("BoundedSemaphore extra release -> {e}"));
            }
            let s = Semaphore::new(1);
            s.release();
            log.push(format!(
                "Semaphore extra release is allowed; counter {}",
                s.available_permits()
            ));
            log.push(format!(
                "acquire(blocking=False) on 0 -> {}",
                Semaphore::new(0).try_acquire().is_some()
            ));
            log.push(format!(
                "acquire(timeout=0.01) on 0 -> {}",
                Semaphore::new(0)
                    .acquire_timeout(Duration::from_millis(10))
                    .await
                    .is_ok()
            ));
        }
    });
    log.assert(
        "w 0 acquiring
         w 0 acquired
         w 1 acquiring
         w 2 acquiring
         w 0 releasing
         w 1 acquired
         w 1 releasing
         w 2 acquired
         w 2 releasing
         --- barging
         w 10 acquiring
         w 11 acquiring
         main released; acquire(blocking=False) -> true
         main acquired again ahead of the waiters
         w 10 acquired
         w 10 releasing
         w 11 acquired
         w 11 releasing
         --- misc
         BoundedSemaphore extra release -> Semaphore released too many times
         Semaphore extra release is allowed; counter 2
         acquire(blocking=False) on 0 -> false
         acquire(timeout=0.01) on 0 -> false",
    );
}

#[test]
fn a_barged_waiter_keeps_its_place_at_the_front() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let sem = Semaphore::new(0);
            let ws: Vec<_> = (0..2)
                .map(|i| {
                    let (sem, log) = (sem.clone(), log.clone());
                    spawn(async move {
                        sem.acquire().await.forget();
                        log.push(format!("w{i}"));
                    })
                })
                .collect();
            yield_now().await;
            sem.release(); // queues the semaphore's pass ...
            sem.try_acquire().unwrap().forget(); // ... but main takes the permit
            yield_now().await; // the pass finds none: w0 keeps its place
            log.push("main");
            sem.release();
            sem.release();
            greenery::joinall(ws).await;
        }
    });
    log.assert("main\nw0\nw1");
}

#[test]
fn lock_release_when_unlocked_is_an_error() {
    let lock = Lock::new();
    assert_eq!(
        lock.release().unwrap_err().to_string(),
        "release unlocked lock"
    );
    lock.try_acquire().unwrap().forget();
    assert!(lock.is_locked());
    assert!(lock.try_acquire().is_none());
    lock.release().unwrap();
    assert!(!lock.is_locked());
}

#[test]
fn a_guard_dropped_after_a_manual_release_does_not_overflow_a_bounded_semaphore() {
    let b = BoundedSemaphore::new(1);
    let guard = b.try_acquire().unwrap();
    b.release().unwrap();
    drop(guard);
    assert_eq!(b.available_permits(), 1);
}

#[test]
fn a_killed_waiter_passes_its_wake_up_on() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let lock = Lock::new();
            let held = lock.acquire().await;
            let ws: Vec<_> = (0..3)
                .map(|i| {
                    let (lock, log) = (lock.clone(), log.clone());
                    spawn(async move {
                        let _g = lock.acquire().await;
                        log.push(format!("w{i}"));
                    })
                })
                .collect();
            yield_now().await;
            drop(held); // queues the lock's pass
            ws[0].kill(); // w0 leaves before it: the pass serves w1
            greenery::joinall(ws).await;
        }
    });
    log.assert("w1\nw2");
}

#[test]
fn acquire_timeout_leaves_the_line() {
    run_paused(async {
        let sem = Semaphore::new(0);
        assert!(sem.acquire_timeout(Duration::from_millis(5)).await.is_err());
        assert_eq!(sem.waiters(), 0);
        sem.release();
        assert!(sem.acquire_timeout(Duration::from_millis(5)).await.is_ok());
    });
}

#[test]
fn waiting_for_a_permit_nobody_releases_is_loop_exit() {
    assert!(greenery::try_run(async {
        let sem = Semaphore::new(0);
        let _p = sem.acquire().await;
    })
    .is_err());
}

/// Random acquire/release interleavings: never more holders than permits, every worker
/// finishes, the permits all come back.
#[test]
fn random_interleavings_never_exceed_the_permits_nor_deadlock() {
    for seed in 1..=20u64 {
        run_paused(async move {
            let mut rng = XorShift::new(seed);
            let permits = 1 + rng.below(3) as usize;
            let sem = Semaphore::new(permits);
            let holders = Rc::new(Cell::new(0usize));
            let done = Rc::new(Cell::new(0usize));
            let mut tasks = Vec::new();
            for _ in 0..12 {
                let (sem, holders, done) = (sem.clone(), holders.clone(), done.clone());
                let plan: Vec<u64> = (0..4).map(|_| rng.below(4)).collect();
                tasks.push(spawn(async move {
                    for step in plan {
                        let _p = sem.acquire().await;
                        holders.set(holders.get() + 1);
                        assert!(holders.get() <= permits);
                        match step {
                            0 => {}
                            1 => yield_now().await,
                            n => greenery::time::sleep(Duration::from_millis(n)).await,
                        }
                        holders.set(holders.get() - 1);
                    }
                    done.set(done.get() + 1);
                }));
            }
            // kill one waiter at random to exercise leaving the line
            yield_now().await;
            let victim = rng.below(12) as usize;
            let killed = !tasks[victim].is_finished();
            tasks[victim].kill();
            greenery::joinall(tasks).await;
            assert_eq!(done.get() + usize::from(killed), 12);
            assert_eq!(sem.available_permits(), permits);
        });
    }
}

/// A waiter the pass served that could not run at once (its task was queued already) and is
/// killed before it ran: the permit goes to the next waiter, in a pass of its own.
#[test]
fn a_served_waiter_killed_before_it_ran_passes_the_permit_on() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let sem = Semaphore::new(0);
            // w0 keeps itself queued, so the pass's wake schedules nothing: it is only served.
            let w0 = spawn({
                let (sem, log) = (sem.clone(), log.clone());
                async move {
                    let mut acquire = sem.acquire();
                    let permit = std::future::poll_fn(|cx| {
                        cx.waker().wake_by_ref();
                        std::pin::Pin::new(&mut acquire).poll(cx)
                    })
                    .await;
                    permit.forget();
                    log.push("w0");
                }
            });
            let w1 = spawn({
                let (sem, log) = (sem.clone(), log.clone());
                async move {
                    sem.acquire().await.forget();
                    log.push("w1");
                }
            });
            yield_now().await; // both wait in line
            sem.release(); // the pass is queued behind w0
            yield_now().await; // w0 polls (not served yet), the pass serves it
            w0.kill(); // before w0 ran again
            w1.await.unwrap();
            assert_eq!(sem.available_permits(), 0);
        }
    });
    log.assert("w1");
}
