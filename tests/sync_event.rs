//! Event: SEMANTICS rule 17 (with its notification passes), timeouts, killed waiters.

mod common;

use std::time::Duration;

use common::{mix, run_paused, Log};
use greenery::sync::Event;
use greenery::{spawn, yield_now};

/// Port of semantics/r14_event: set() does not switch; waiters wake in wait order; set+clear
/// still wakes them.
#[test]
fn rule17_event_set_wakes_all_in_order_without_switching() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let ev = Event::new();
            let waiter = |i: u32| {
                let (ev, log) = (ev.clone(), log.clone());
                spawn(async move {
                    log.push(format!("waiter {i} waiting"));
                    ev.wait().await;
                    log.push(format!("waiter {i} woke, wait() -> true"));
                })
            };
            let gs: Vec<_> = (0..3).map(waiter).collect();
            yield_now().await;
            ev.set();
            log.push(format!(
                "main: set() returned, still running; is_set {}",
                ev.is_set()
            ));
            greenery::joinall(gs).await;
            ev.wait().await;
            log.push("wait() on a set event -> true");
            ev.clear();
            log.push(format!(
                "wait(timeout=0.01) -> {}",
                ev.wait_timeout(Duration::from_millis(10)).await
            ));
            let gs: Vec<_> = [10, 11].into_iter().map(waiter).collect();
            yield_now().await;
            ev.set();
            ev.clear();
            log.push(format!("main: set(); clear(); is_set {}", ev.is_set()));
            let tasks: Vec<_> = gs.iter().map(|g| g.task()).collect();
            greenery::wait(&tasks, Some(Duration::from_secs(1)), None).await;
            log.push(format!(
                "woken anyway: {:?}",
                gs.iter().map(|g| g.is_finished()).collect::<Vec<_>>()
            ));
        }
    });
    log.assert(
        "waiter 0 waiting
         waiter 1 waiting
         waiter 2 waiting
         main: set() returned, still running; is_set true
         waiter 0 woke, wait() -> true
         waiter 1 woke, wait() -> true
         waiter 2 woke, wait() -> true
         wait() on a set event -> true
         wait(timeout=0.01) -> false
         waiter 10 waiting
         waiter 11 waiting
         main: set(); clear(); is_set false
         waiter 10 woke, wait() -> true
         waiter 11 woke, wait() -> true
         woken anyway: [true, true]",
    );
}

#[test]
fn wait_on_a_set_event_does_not_yield() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ev = Event::new();
            ev.set();
            let l = log.clone();
            let other = spawn(async move { l.push("other") });
            ev.wait().await;
            log.push("main");
            other.await.unwrap();
        }
    });
    log.assert("main\nother");
}

#[test]
fn wait_timeout_returns_true_when_set_in_time() {
    run_paused(async {
        let ev = Event::new();
        let e = ev.clone();
        spawn(async move {
            greenery::time::sleep(Duration::from_millis(5)).await;
            e.set();
        });
        assert!(ev.wait_timeout(Duration::from_secs(1)).await);
    });
}

#[test]
fn a_killed_waiter_leaves_the_line() {
    run_paused(async {
        let ev = Event::new();
        let e = ev.clone();
        let doomed = spawn(async move { e.wait().await });
        yield_now().await;
        assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 1 }");
        doomed.kill();
        assert_eq!(format!("{ev:?}"), "Event { set: false, waiters: 0 }");
        ev.set();
        assert!(doomed.await.unwrap_err().is_killed());
    });
}

#[test]
fn waiting_on_an_event_nobody_sets_is_loop_exit() {
    let err = greenery::try_run(async {
        let ev = Event::new();
        ev.wait().await;
    })
    .unwrap_err();
    assert!(err
        .to_string()
        .starts_with("This operation would block forever"));
}

#[test]
fn poll_by_poll() {
    greenery::run(async {
        let ev = Event::new();
        let mut wait = tokio_test::task::spawn(ev.wait());
        tokio_test::assert_pending!(wait.poll());
        ev.set();
        assert!(!wait.is_woken()); // set() queued the event's notification pass
        yield_now().await; // which runs now and wakes the waiter
        assert!(wait.is_woken());
        tokio_test::assert_ready!(wait.poll());
    });
}

/// Rule 17 with a pass pending (`tests/gevent/event_wait_joins_a_pending_pass.py`, a
/// divergence the differential fuzzer found): a wait on a set event whose notification pass
/// is still to run joins it, after the waiters that blocked; with no pass pending or running
/// it returns at once.
#[test]
fn rule17_a_wait_on_a_set_event_joins_its_pending_pass() {
    let out = include_str!("gevent/event_wait_joins_a_pending_pass.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let e = Event::new();
            log.push("main start");
            mix::spawn({
                let (e, log) = (e.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    e.set();
                    log.push("t1 set e");
                    e.wait().await;
                    log.push("t1 wait e true");
                    log.push("t1 end");
                }
            });
            e.wait().await;
            log.push("main wait e true");
            yield_now().await;
            log.push("main yielded");
            e.wait().await;
            log.push("main wait e true at once");
            log.push("main end");
        });
    });
}

/// Rule 17 inside a pass (`tests/gevent/event_wait_inside_a_pass_joins_it.py`, found by the
/// differential fuzzer): a waiter the pass resumed that waits again while the event is set
/// joins the pass in progress; a wait after the pass stopped taking newcomers waits for the
/// next one, queued behind what is already runnable.
#[test]
fn rule17_a_wait_inside_an_event_pass_joins_it() {
    let out = include_str!("gevent/event_wait_inside_a_pass_joins_it.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let e = Event::new();
            log.push("main start");
            let t1 = mix::spawn({
                let (e, log) = (e.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    greenery::time::sleep(Duration::from_millis(25)).await;
                    log.push("t1 slept");
                    e.set();
                    log.push("t1 set e");
                    log.push("t1 end");
                }
            });
            mix::spawn({
                let (e, log) = (e.clone(), log.clone());
                async move {
                    log.push("t3 start");
                    e.set();
                    log.push("t3 set e");
                    log.push("t3 end");
                }
            });
            e.wait().await;
            log.push("main wait e true");
            e.clear();
            log.push("main clear e");
            mix::spawn({
                let (e, log) = (e.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    for _ in 0..3 {
                        e.wait().await;
                        log.push("t2 wait e true");
                    }
                    log.push("t2 end");
                }
            });
            t1.await.unwrap();
            log.push("main join t1");
            log.push("main end");
        });
    });
}

/// Outside `block_on` there is no run queue for the pass: `set` serves the waiters at once
/// (their wakes reach the runtime, which runs them in its next `block_on`).
#[test]
fn set_outside_the_runtime_serves_the_waiters_at_once() {
    let rt = greenery::Runtime::new().unwrap();
    let ev = Event::new();
    let e = ev.clone();
    let waiter = rt.spawn(async move {
        e.wait().await;
        "woken"
    });
    rt.block_on(yield_now()); // the waiter waits
    ev.set();
    assert_eq!(rt.block_on(waiter).unwrap(), "woken");
}

/// A pass still queued when its runtime is dropped is cancelled: the event notifies again in
/// the next runtime.
#[test]
fn an_event_whose_pass_was_dropped_with_its_runtime_notifies_in_the_next() {
    let ev = Event::new();
    let first = greenery::Runtime::new().unwrap();
    first.block_on({
        let ev = ev.clone();
        async move {
            let e = ev.clone();
            spawn(async move { e.wait().await });
            yield_now().await;
            ev.set(); // queues the pass; main ends before it runs
        }
    });
    drop(first);
    ev.clear();
    let woken = greenery::run({
        let ev = ev.clone();
        async move {
            let e = ev.clone();
            let waiter = spawn(async move { e.wait().await });
            yield_now().await;
            ev.set();
            waiter.await.is_ok()
        }
    });
    assert!(woken);
}

/// The main future can finish inside a pass (here the event's, which resumes main first): the
/// rest of the pass waits at the head of the run queue and goes on in the next `block_on`.
#[test]
#[allow(clippy::async_yields_async)] // main hands the task out, to be joined by the next block_on
fn a_pass_the_main_future_ends_in_goes_on_in_the_next_block_on() {
    let rt = greenery::Runtime::new().unwrap();
    let log = Log::new();
    let t = rt.block_on({
        let log = log.clone();
        async move {
            let ev = Event::new();
            let t = spawn({
                let (ev, log) = (ev.clone(), log.clone());
                async move {
                    ev.wait().await;
                    log.push("t woken");
                }
            });
            spawn({
                let (ev, log) = (ev.clone(), log.clone());
                async move {
                    ev.set();
                    log.push("set");
                }
            });
            ev.wait().await; // first in line
            log.push("main woken");
            t
        }
    });
    log.assert("set\nmain woken");
    rt.block_on(t).unwrap();
    log.assert("t woken");
}

/// A pass ends after the waiter that was last in line when it began, even when that waiter
/// left the line meanwhile (killed by one the pass resumed): a resumed waiter that waits
/// again (the event cleared) is not served again by the same pass, which would then never
/// end and starve the rest of the run queue.
#[test]
fn a_pass_whose_last_waiter_left_does_not_serve_a_rewaiting_waiter_again() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ev = Event::new();
            let last: std::rc::Rc<std::cell::RefCell<Option<greenery::Task>>> = Default::default();
            let first = spawn({
                let (ev, log, last) = (ev.clone(), log.clone(), last.clone());
                async move {
                    for round in 1..=3 {
                        ev.wait().await;
                        log.push(format!("first woken {round}"));
                        if let Some(last) = last.borrow_mut().take() {
                            drop(last.kill()); // the pass's last waiter leaves the line
                        }
                        ev.clear();
                    }
                }
            });
            let second = spawn({
                let (ev, log) = (ev.clone(), log.clone());
                async move {
                    ev.wait().await;
                    log.push("second woken");
                }
            });
            *last.borrow_mut() = Some(second.task());
            yield_now().await; // both wait
            ev.set();
            yield_now().await; // the pass runs
            log.push("main");
            first.kill().await;
        }
    });
    log.assert("first woken 1\nmain");
}

/// The same for the waiters that joined a pending pass: a resumed one that joins again (the
/// event is still set) waits for the next pass when the pass's last arrival left.
#[test]
fn a_pass_whose_last_arrival_left_does_not_serve_a_rejoining_waiter_again() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ev = Event::new();
            let last: std::rc::Rc<std::cell::RefCell<Option<greenery::Task>>> = Default::default();
            let blocked = spawn({
                let (ev, log) = (ev.clone(), log.clone());
                async move {
                    ev.wait().await;
                    log.push("blocked woken");
                }
            });
            let first = spawn({
                let (ev, log, last) = (ev.clone(), log.clone(), last.clone());
                async move {
                    yield_now().await; // waits once the pass is pending: joins it
                    for round in 1..=3 {
                        ev.wait().await;
                        log.push(format!("first woken {round}"));
                        if let Some(last) = last.borrow_mut().take() {
                            drop(last.kill()); // the pass's last arrival leaves
                        }
                    }
                }
            });
            let second = spawn({
                let (ev, log) = (ev.clone(), log.clone());
                async move {
                    yield_now().await;
                    ev.wait().await;
                    log.push("second woken");
                }
            });
            *last.borrow_mut() = Some(second.task());
            yield_now().await;
            ev.set();
            yield_now().await; // the pass runs
            log.push("main");
            first.await.unwrap();
            blocked.await.unwrap();
        }
    });
    log.assert(
        "blocked woken
         first woken 1
         main
         first woken 2
         first woken 3",
    );
}

/// A wait that joined a pass cancelled with its runtime (here one polled by another
/// executor) is not stranded: it waits in line like any other, and the next `set` wakes it.
#[test]
fn a_wait_that_joined_a_pass_dropped_with_its_runtime_is_woken_by_the_next_set() {
    let ev = Event::new();
    let rt = greenery::Runtime::new().unwrap();
    rt.block_on({
        let ev = ev.clone();
        async move {
            let e = ev.clone();
            spawn(async move { e.wait().await });
            yield_now().await;
            ev.set(); // queues the pass; main ends before it runs
        }
    });
    let mut wait = tokio_test::task::spawn(ev.wait());
    tokio_test::assert_pending!(wait.poll()); // joins the pending pass
    drop(rt);
    ev.set();
    assert!(wait.is_woken());
    tokio_test::assert_ready!(wait.poll());
}

/// A waker that panics when the event's pass wakes it: the panic leaves `block_on`, and the
/// runtime and the event stay usable (the pass goes on in the next `block_on`; wakes are no
/// longer captured for it, so a task spawned next is not lost).
#[test]
fn a_waker_that_panics_in_a_pass_leaves_the_runtime_and_the_event_usable() {
    struct Panics;
    impl std::task::Wake for Panics {
        fn wake(self: std::sync::Arc<Self>) {
            panic!("a waker that panics");
        }
    }
    let rt = greenery::Runtime::new().unwrap();
    let ev = Event::new();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on({
            let ev = ev.clone();
            async move {
                let waker = std::task::Waker::from(std::sync::Arc::new(Panics));
                let mut wait = ev.wait();
                let mut cx = std::task::Context::from_waker(&waker);
                let polled = std::future::Future::poll(std::pin::Pin::new(&mut wait), &mut cx);
                assert!(polled.is_pending());
                ev.set();
                yield_now().await; // the pass wakes `waker`
                drop(wait);
            }
        })
    }));
    assert!(unwound.is_err());
    let spawned = rt.spawn(async { 5 });
    assert_eq!(rt.block_on(spawned).unwrap(), 5);
    ev.clear();
    let e = ev.clone();
    let waiter = rt.spawn(async move { e.wait().await });
    rt.block_on(async {
        yield_now().await;
        ev.set();
        waiter.await.unwrap();
    });
}
