//! Green threads as threads: a blocking call suspends only its caller; a kill unwinds the green
//! stack where it waits (destructors run, innermost first, before `kill` returns), a panic
//! ends the green thread with `JoinError::Panicked`, and a dropped runtime unwinds what is
//! still suspended. (The scheduling rules under every mix of green and async tasks are in the
//! rules' own tests: `scheduling_order.rs`, `task_kill.rs`, `loop_exit.rs`, ...)

mod common;

use std::time::Duration;

use common::{paused, Finally, Log};
use greenery::green::{self, Greenlet};
use greenery::task::TaskState;
use greenery::time::sleep;

const LONG: Duration = Duration::from_secs(3600);
const MS: Duration = Duration::from_millis(1);

/// Three frames deep, each with a guard, then a sleep.
fn nested(log: &Log, depth: u32) {
    let _guard = Finally(log.clone(), format!("frame {depth}"));
    if depth == 3 {
        log.push("sleeping at depth 3");
        green::sleep(LONG);
        log.push("woke (never)");
    } else {
        nested(log, depth + 1);
    }
}

#[test]
fn kill_unwinds_the_green_stack_innermost_first_before_kill_returns() {
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let l = log.clone();
            let g = green::spawn(move || nested(&l, 1));
            greenery::yield_now().await;
            log.push("killing");
            g.kill();
            log.push("kill returned");
            assert_eq!(g.task().state(), TaskState::Killed);
            assert!(g.await.unwrap_err().is_killed());
        }
    });
    log.assert(
        "sleeping at depth 3
         killing
         frame 3 dropped
         frame 2 dropped
         frame 1 dropped
         kill returned",
    );
}

#[test]
fn killing_an_unstarted_green_thread_drops_its_closure_unrun() {
    let log = Log::new();
    green::run({
        let log = log.clone();
        move || {
            let guard = Finally(log.clone(), "closure".to_string());
            let g = green::spawn(move || {
                let _guard = guard;
                unreachable!("killed before it started");
            });
            g.kill();
            log.push("killed");
            assert!(g.join().unwrap_err().is_killed());
        }
    });
    log.assert("closure dropped\nkilled");
}

/// The greenlet blocked under a green thread is unwound with it: first the blocked greenlet,
/// then the green thread's own stack (suspended in its switch to that greenlet).
#[test]
fn kill_unwinds_the_greenlet_blocked_under_the_green_thread_too() {
    let log = Log::new();
    paused().block_on(green::thread({
        let log = log.clone();
        move || {
            let l = log.clone();
            let g = green::spawn(move || {
                let _root = Finally(l.clone(), "root".to_string());
                let inner = Greenlet::new({
                    let l = l.clone();
                    move |x: u8| {
                        let _inner = Finally(l, "inner greenlet".to_string());
                        green::sleep(LONG);
                        Ok(x)
                    }
                });
                inner.switch(0).unwrap();
            });
            green::yield_now();
            g.kill();
            log.push("kill returned");
        }
    }));
    log.assert("inner greenlet dropped\nroot dropped\nkill returned");
}

#[test]
fn a_green_thread_killed_while_suspended_in_a_switch_unwinds() {
    let log = Log::new();
    paused().block_on(green::thread({
        let log = log.clone();
        move || {
            let l = log.clone();
            let g = green::spawn(move || {
                let _guard = Finally(l.clone(), "switcher".to_string());
                // The green thread waits in this switch; the greenlet blocks forever under it.
                let parked = Greenlet::new(move |_: u8| {
                    let _guard = Finally(l, "parked greenlet".to_string());
                    green::block_on(std::future::pending())
                });
                let _ = parked.switch(0);
            });
            green::sleep(Duration::from_millis(1));
            assert_eq!(g.task().state(), TaskState::Waiting);
            g.kill();
            log.push("kill returned");
        }
    }));
    log.assert("parked greenlet dropped\nswitcher dropped\nkill returned");
}

#[test]
fn a_panic_ends_the_green_thread_with_panicked_and_others_go_on() {
    std::panic::set_hook(Box::new(|_| {}));
    let log = Log::new();
    green::run({
        let log = log.clone();
        move || {
            let l = log.clone();
            let failing = green::spawn(move || {
                let _guard = Finally(l, "failing".to_string());
                green::yield_now();
                panic!("green boom");
            });
            let l = log.clone();
            let other = green::spawn(move || {
                green::yield_now();
                green::yield_now();
                l.push("other ran");
            });
            let err = failing.join().unwrap_err();
            log.push(err.to_string());
            other.join().unwrap();
        }
    });
    let _ = std::panic::take_hook();
    log.assert("failing dropped\ntask panicked: green boom\nother ran");
}

#[test]
fn a_green_thread_that_kills_itself_ends_at_its_next_blocking_call() {
    let log = Log::new();
    green::run({
        let log = log.clone();
        move || {
            let l = log.clone();
            let g = green::spawn(move || {
                let _guard = Finally(l.clone(), "self-killer".to_string());
                greenery::Task::current().kill();
                l.push("still running after kill()");
                green::yield_now();
                l.push("never");
            });
            assert!(g.join().unwrap_err().is_killed());
        }
    });
    log.assert("still running after kill()\nself-killer dropped");
}

/// A destructor that sleeps while its green thread is being killed does not wait (the kill
/// is synchronous), and one that catches the kill and blocks again is unwound again.
#[test]
fn blocking_during_a_kill_does_not_suspend_and_a_caught_kill_goes_on() {
    struct SleepsOnDrop(Log);
    impl Drop for SleepsOnDrop {
        fn drop(&mut self) {
            green::sleep(LONG); // returns at once during the unwind
            self.0.push("destructor slept (not really)");
        }
    }
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let l = log.clone();
            let sleeper = green::spawn(move || {
                let _d = SleepsOnDrop(l);
                green::sleep(LONG);
            });
            let l = log.clone();
            let stubborn = green::spawn(move || {
                let _guard = Finally(l.clone(), "stubborn".to_string());
                let caught = std::panic::catch_unwind(|| green::sleep(LONG));
                l.push(format!("caught the kill: {}", caught.is_err()));
                green::sleep(LONG); // blocking again re-raises the kill
                l.push("never");
            });
            greenery::yield_now().await;
            sleeper.kill();
            stubborn.kill();
            log.push("both killed");
            assert!(sleeper.await.unwrap_err().is_killed());
            assert!(stubborn.await.unwrap_err().is_killed());
        }
    });
    log.assert(
        "destructor slept (not really)
         caught the kill: true
         stubborn dropped
         both killed",
    );
}

#[test]
fn one_green_thread_kills_another_from_its_own_stack() {
    let log = Log::new();
    paused().block_on(green::thread({
        let log = log.clone();
        move || {
            let l = log.clone();
            let victim = green::spawn(move || nested(&l, 1));
            let killer = green::spawn({
                let (l, victim) = (log.clone(), victim.task());
                move || {
                    let _guard = Finally(l.clone(), "killer".to_string());
                    l.push("killer kills");
                    victim.kill();
                    l.push("killer goes on");
                }
            });
            killer.join().unwrap();
            assert!(victim.join().unwrap_err().is_killed());
        }
    }));
    log.assert(
        "sleeping at depth 3
         killer kills
         frame 3 dropped
         frame 2 dropped
         frame 1 dropped
         killer goes on
         killer dropped",
    );
}

#[test]
fn dropping_the_runtime_unwinds_suspended_green_threads_in_spawn_order() {
    let log = Log::new();
    let rt = greenery::Runtime::new().unwrap();
    let handles: Vec<_> = ["first", "second"]
        .map(|name| {
            let l = log.clone();
            rt.spawn(async move {
                green::spawn(move || {
                    let _guard = Finally(l, name.to_string());
                    green::block_on(std::future::pending::<()>());
                })
                .task()
            })
        })
        .into();
    let tasks: Vec<_> = handles
        .into_iter()
        .map(|spawner| rt.block_on(spawner).unwrap())
        .collect();
    rt.block_on(greenery::yield_now());
    drop(rt);
    log.assert("first dropped\nsecond dropped");
    for task in tasks {
        assert!(task.is_finished());
    }
}

#[test]
fn green_run_kills_what_is_left_when_main_returns() {
    let log = Log::new();
    let out = green::run({
        let log = log.clone();
        move || {
            let l = log.clone();
            green::spawn(move || {
                let _guard = Finally(l, "left behind".to_string());
                green::sleep(LONG);
            });
            green::yield_now();
            "main done"
        }
    });
    assert_eq!(out, "main done");
    log.assert("left behind dropped");
}

#[test]
fn a_green_thread_blocks_only_itself() {
    // Written the green way: plain calls, no async.
    let log = Log::new();
    paused().block_on(green::thread({
        let log = log.clone();
        move || {
            let l = log.clone();
            let ticker = green::spawn(move || {
                for i in 0..3 {
                    l.push(format!("tick {i}"));
                    green::sleep(10 * MS);
                }
            });
            let l = log.clone();
            let asynchronous = greenery::spawn(async move {
                sleep(15 * MS).await;
                l.push("async task woke");
            });
            log.push("main sleeps 25 ms");
            green::sleep(25 * MS);
            log.push("main woke");
            ticker.join().unwrap();
            green::block_on(asynchronous).unwrap();
            assert_eq!(greenery::Task::current().state(), TaskState::Running);
        }
    }));
    log.assert(
        "main sleeps 25 ms
         tick 0
         tick 1
         async task woke
         tick 2
         main woke",
    );
}
