//! RLock: SEMANTICS rule 24, owner checks, timeouts, killed waiters.

mod common;

use std::time::Duration;

use common::{run_paused, Log};
use greenery::sync::RLock;
use greenery::{spawn, yield_now};

/// Port of semantics/r21_rlock.
#[test]
fn rule24_rlock_reentrant_fifo_owner_checked() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let r = RLock::new();
            let users: Vec<_> = (0..3)
                .map(|i| {
                    let (r, log) = (r.clone(), log.clone());
                    spawn(async move {
                        log.push(format!("user {i} acquiring"));
                        {
                            let _outer = r.acquire().await;
                            let _inner = r.acquire().await;
                            log.push(format!("user {i} holds it (depth 2)"));
                            yield_now().await;
                        }
                        log.push(format!("user {i} released"));
                    })
                })
                .collect();
            greenery::joinall(users).await;

            r.acquire().await.forget();
            let (r2, l2) = (r.clone(), log.clone());
            spawn(async move {
                if let Err(e) = r2.release() {
                    l2.push(format!("release by non-owner -> RuntimeError: {e}"));
                }
            })
            .await
            .unwrap();
            r.release().unwrap();
            if let Err(e) = r.release() {
                log.push(format!("release when unowned -> RuntimeError: {e}"));
            }
        }
    });
    log.assert(
        "user 0 acquiring
         user 0 holds it (depth 2)
         user 1 acquiring
         user 2 acquiring
         user 0 released
         user 1 holds it (depth 2)
         user 1 released
         user 2 holds it (depth 2)
         user 2 released
         release by non-owner -> RuntimeError: cannot release un-acquired lock
         release when unowned -> RuntimeError: cannot release un-acquired lock",
    );
}

#[test]
fn acquire_timeout_by_another_task_expires() {
    run_paused(async {
        let r = RLock::new();
        let _held = r.acquire().await;
        let r2 = r.clone();
        let other =
            spawn(async move { r2.acquire_timeout(Duration::from_millis(5)).await.is_ok() });
        assert!(!other.await.unwrap());
        // the owner itself never waits
        assert!(r.acquire_timeout(Duration::ZERO).await.is_ok());
        assert!(r.is_owned());
    });
}

#[test]
fn a_killed_waiter_leaves_the_line() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let r = RLock::new();
            let held = r.acquire().await;
            let ws: Vec<_> = (0..3)
                .map(|i| {
                    let (r, log) = (r.clone(), log.clone());
                    spawn(async move {
                        let _g = r.acquire().await;
                        log.push(format!("w{i}"));
                    })
                })
                .collect();
            yield_now().await;
            ws[1].kill();
            drop(held);
            ws[0].kill(); // woken, then killed: w2 gets it
            greenery::joinall(ws).await;
            assert!(!r.is_locked());
        }
    });
    log.assert("w2");
}

#[test]
fn a_killed_owner_releases_through_its_guards() {
    greenery::run(async {
        let r = RLock::new();
        let r2 = r.clone();
        let owner = spawn(async move {
            let _a = r2.acquire().await;
            let _b = r2.acquire().await;
            std::future::pending::<()>().await;
        });
        yield_now().await;
        assert!(r.is_locked() && !r.is_owned());
        owner.kill();
        assert!(!r.is_locked());
    });
}

/// semantics/r35_gevent_greenlet_identity in greenery's terms: the main future is task 0
/// ("main"), spawned tasks are tasks of their own, and the value comes back through the
/// handle. An RLock tells them apart as owners.
#[test]
fn rule16_main_and_spawned_tasks_are_distinct() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let me = greenery::Task::current();
            log.push(format!("main is task {} named {:?}", me.id(), me.name()));
            let r = RLock::new();
            let _held = r.acquire().await;
            let (r2, l2) = (r.clone(), log.clone());
            let who = spawn(async move {
                let cur = greenery::Task::current();
                l2.push(format!(
                    "in spawned: task {} | owns main's lock: {}",
                    cur.id(),
                    r2.is_owned()
                ));
                "r"
            });
            log.push(format!("value via the handle: {}", who.await.unwrap()));
            log.push(format!("main owns its lock: {}", r.is_owned()));
        }
    });
    log.assert(
        "main is task 0 named Some(\"main\")
         in spawned: task 1 | owns main's lock: false
         value via the handle: r
         main owns its lock: true",
    );
}
