//! Greenlets beyond the reference examples: immediacy, stack depth, tasks and greenlets
//! together, and every kind of misuse returning a clear error.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use greenery::greenlet::{getcurrent, Error, Greenlet};
use greenery::time::{sleep, timeout};
use tokio_test::{assert_ready, task};

type Log = Rc<RefCell<Vec<String>>>;

fn paused() -> greenery::Runtime {
    greenery::Builder::new().start_paused(true).build().unwrap()
}

#[test]
fn a_switch_runs_the_target_before_any_queued_task() {
    let log = Log::default();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            let task = greenery::spawn(async move { l.borrow_mut().push("task".to_string()) });
            let main = getcurrent::<u32>();
            let g = Greenlet::new({
                let log = log.clone();
                move |mut n: u32| async move {
                    loop {
                        log.borrow_mut().push(format!("g{n}"));
                        n = main.switch(n).await?;
                    }
                }
            });
            for i in 0..3 {
                assert_eq!(g.switch(i).await.unwrap(), i);
                log.borrow_mut().push(format!("main{i}"));
            }
            task.await.unwrap();
        }
    });
    assert_eq!(
        *log.borrow(),
        ["g0", "main0", "g1", "main1", "g2", "main2", "task"]
    );
}

#[test]
fn switching_does_not_grow_the_stack() {
    greenery::run(async {
        // 200,000 round trips between main and one greenlet.
        let main = getcurrent::<u64>();
        let echo = Greenlet::new(move |mut n: u64| async move {
            loop {
                n = main.switch(n + 1).await?;
            }
        });
        let mut n = 0;
        for _ in 0..200_000 {
            n = echo.switch(n).await.unwrap();
        }
        assert_eq!(n, 200_000);

        // A chain of 20,000 greenlets, each created by and switching into the next: every
        // return travels back up through all the parents.
        fn nest(depth: u64) -> Greenlet<u64> {
            Greenlet::new(move |n: u64| async move {
                if depth == 0 {
                    return Ok(n);
                }
                Ok(nest(depth - 1).switch(n + 1).await? + 1)
            })
        }
        assert_eq!(nest(20_000).switch(0).await.unwrap(), 40_000);
    });
}

#[test]
fn switching_to_the_current_greenlet_returns_the_value() {
    greenery::run(async {
        assert_eq!(getcurrent::<&str>().switch("me").await.unwrap(), "me");
        let g = Greenlet::new(|x: i32| async move {
            let again = getcurrent::<i32>().switch(x * 3).await?;
            Ok(again + 1)
        });
        assert_eq!(g.switch(2).await.unwrap(), 7);
    });
}

#[test]
fn a_greenlet_blocked_on_a_timer_lets_tasks_run() {
    let log = Log::default();
    paused().block_on({
        let log = log.clone();
        async move {
            let l = log.clone();
            let ticker = greenery::spawn(async move {
                for i in 0..3 {
                    l.borrow_mut().push(format!("tick {i}"));
                    sleep(Duration::from_millis(10)).await;
                }
            });
            let g = Greenlet::new({
                let log = log.clone();
                move |ms: u64| async move {
                    log.borrow_mut().push("g sleeps".to_string());
                    sleep(Duration::from_millis(ms)).await;
                    log.borrow_mut().push("g woke".to_string());
                    Ok(ms)
                }
            });
            assert_eq!(g.switch(25).await.unwrap(), 25);
            ticker.await.unwrap();
        }
    });
    assert_eq!(
        *log.borrow(),
        ["g sleeps", "tick 0", "tick 1", "tick 2", "g woke"]
    );
}

#[test]
fn a_spawned_task_can_drive_a_greenlet() {
    greenery::run(async {
        // Created in the task: its parent is the task's root, which gets its return value.
        let h = greenery::spawn(async {
            let g = Greenlet::new(|x: i32| async move { Ok(x + 1) });
            let first = g.switch(1).await.unwrap();
            (first, getcurrent::<i32>().is_root())
        });
        assert_eq!(h.await.unwrap(), (2, true));

        // Created in main, started by a task: its return goes to its parent, main, which is
        // not waiting in a switch, so the task hears Busy ...
        let g = Greenlet::new(|x: i32| async move { Ok(x + 1) });
        let h = greenery::spawn({
            let g = g.clone();
            async move { g.switch(1).await }
        });
        assert!(matches!(h.await.unwrap(), Err(Error::Busy)));
        assert!(g.is_dead());

        // ... unless the task adopts it first.
        let g = Greenlet::new(|x: i32| async move { Ok(x + 1) });
        let h = greenery::spawn({
            let g = g.clone();
            async move {
                g.set_parent(&getcurrent::<i32>()).unwrap();
                g.switch(1).await
            }
        });
        assert_eq!(h.await.unwrap().unwrap(), 2);
    });
}

#[test]
fn switching_into_a_greenlet_blocked_in_another_task_is_busy() {
    paused().block_on(async {
        let g = Greenlet::new(|ms: u64| async move {
            sleep(Duration::from_millis(ms)).await;
            Ok(ms)
        });
        let intruder = greenery::spawn({
            let g = g.clone();
            async move { g.switch(1).await }
        });
        assert_eq!(g.switch(10).await.unwrap(), 10); // the intruder ran during the sleep
        assert!(matches!(intruder.await.unwrap(), Err(Error::Busy)));
    });
}

#[test]
fn a_greenlet_waits_in_one_switch_at_a_time() {
    paused().block_on(async {
        let slow = Greenlet::new(|ms: u64| async move {
            sleep(Duration::from_millis(ms)).await;
            Ok(ms)
        });
        let other = Greenlet::new(|x: u64| async move { Ok(x) });
        let mut first = pin!(slow.switch(5));
        let mut second = pin!(other.switch(1));
        let second = poll_fn(|cx| {
            assert!(first.as_mut().poll(cx).is_pending()); // slow sleeps
            second.as_mut().poll(cx)
        })
        .await;
        assert!(matches!(second, Err(Error::Busy)));
        assert_eq!(first.await.unwrap(), 5);
        assert!(!other.is_started());
    });
}

#[test]
fn a_value_of_the_wrong_type_is_refused_at_once() {
    greenery::run(async {
        let main_u32 = getcurrent::<u32>();
        let main_str = getcurrent::<&str>();
        let g = Greenlet::new(move |_: u32| async move {
            // main waits for a u32: the &str is refused and this switch returns the error.
            match main_str.switch("text").await {
                Err(Error::WrongType(mismatch)) => {
                    assert_eq!((mismatch.expected(), mismatch.found()), ("u32", "&str"));
                }
                other => panic!("expected WrongType, got {other:?}"),
            }
            main_u32.switch(7).await
        });
        assert_eq!(g.switch(0).await.unwrap(), 7);
    });
}

#[test]
fn parent_cycles_are_refused() {
    greenery::run(async {
        let main = getcurrent::<()>();
        let a = Greenlet::new(|()| async { Ok(()) });
        let b = Greenlet::new(|()| async { Ok(()) });
        assert!(matches!(a.set_parent(&a), Err(Error::CyclicParent)));
        b.set_parent(&a).unwrap();
        assert!(matches!(a.set_parent(&b), Err(Error::CyclicParent)));
        assert!(matches!(main.set_parent(&a), Err(Error::CyclicParent)));
        assert!(b.parent().unwrap() == a && a.parent().unwrap() == main);
    });
}

#[test]
fn switching_outside_a_runtime_is_an_error() {
    let g = greenery::run(async { Greenlet::new(|x: u8| async move { Ok(x) }) });
    let mut switch = task::spawn(g.switch(1));
    assert!(matches!(
        assert_ready!(switch.poll()),
        Err(Error::NoRuntime)
    ));
    assert!(!g.is_started());
}

#[test]
fn switching_into_a_greenlet_of_another_runtime_is_an_error() {
    let first = greenery::Runtime::new().unwrap();
    let g = first.block_on(async { Greenlet::new(|x: u8| async move { Ok(x) }) });
    let second = greenery::Runtime::new().unwrap();
    second.block_on(async {
        assert!(matches!(g.switch(1).await, Err(Error::ForeignRuntime)));
        let local = Greenlet::new(|x: u8| async move { Ok(x) });
        assert!(matches!(local.set_parent(&g), Err(Error::ForeignRuntime)));
    });
    assert_eq!(first.block_on(g.switch(4)).unwrap(), 4);
}

#[test]
fn throwing_into_an_unstarted_greenlet_raises_in_its_parent() {
    greenery::run(async {
        let log = Log::default();
        let victim = Greenlet::new({
            let log = log.clone();
            move |x: i32| async move {
                log.borrow_mut().push("victim ran".to_string());
                Ok(x)
            }
        });
        // `thrower` throws into `victim`, whose parent is main: main's switch raises.
        let thrower = Greenlet::new({
            let victim = victim.clone();
            move |_: i32| async move {
                // Resumed only by the kill when main drops the last handle.
                victim.throw(Error::raised("boom")).await
            }
        });
        let err = thrower.switch(0).await.unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert!(victim.is_dead() && !thrower.is_dead());
        assert!(log.borrow().is_empty());
    });
}

#[test]
fn dropping_a_handle_to_a_running_or_referenced_greenlet_kills_nothing() {
    greenery::run(async {
        let log = Log::default();
        let main = getcurrent::<u8>();
        let g = Greenlet::new({
            let log = log.clone();
            move |x: u8| async move {
                let again = main.switch(x).await;
                log.borrow_mut().push(format!("{again:?}"));
                again
            }
        });
        g.switch(1).await.unwrap();
        let child_of_g = g.clone();
        drop(g); // another handle is alive
        assert!(log.borrow().is_empty());
        assert_eq!(child_of_g.switch(2).await.unwrap(), 2);
        assert_eq!(*log.borrow(), ["Ok(2)"]);
    });
}

#[test]
fn a_chain_waiting_on_nothing_is_loop_exit_not_a_hang() {
    let err = greenery::try_run(async {
        let g = Greenlet::new(|()| async {
            std::future::pending::<()>().await;
            Ok(())
        });
        g.switch(()).await
    });
    assert!(err.is_err());
}

#[test]
fn a_dropped_switch_leaves_its_blocked_chain_running_in_a_task() {
    let log = Log::default();
    paused().block_on({
        let log = log.clone();
        async move {
            let g = Greenlet::new({
                let log = log.clone();
                move |ms: u64| async move {
                    sleep(Duration::from_millis(ms)).await;
                    log.borrow_mut().push("g woke".to_string());
                    Ok(ms)
                }
            });
            assert!(timeout(Duration::from_millis(5), g.switch(20))
                .await
                .is_err());
            assert!(!g.is_dead());
            sleep(Duration::from_millis(50)).await;
            // It finished in a task of its own; its value had nowhere to go (main was
            // not waiting in a switch) and was dropped.
            assert!(g.is_dead());
        }
    });
    assert_eq!(*log.borrow(), ["g woke"]);
}

#[test]
fn a_task_can_resume_a_root_waiting_in_a_switch() {
    paused().block_on(async {
        let main = getcurrent::<u32>();
        let sleeper = Greenlet::new(|_: u32| async {
            sleep(Duration::from_millis(100)).await;
            Ok(0)
        });
        let waker = greenery::spawn(async move {
            // main waits in `sleeper.switch`, its chain blocked on the timer.
            let _ = main.switch(5).await;
            unreachable!("nobody switches back to this task's root")
        });
        assert_eq!(sleeper.switch(0).await.unwrap(), 5);
        assert!(!sleeper.is_dead()); // still asleep, now in a task of its own
        waker.kill();
        sleep(Duration::from_millis(200)).await;
        assert!(sleeper.is_dead());
    });
}

#[test]
fn the_body_is_dropped_when_it_returns_and_when_killed_unstarted() {
    struct Guard(Log, &'static str);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.borrow_mut().push(self.1.to_string());
        }
    }
    let log = Log::default();
    greenery::run({
        let log = log.clone();
        async move {
            let guard = Guard(log.clone(), "captured dropped");
            let g = Greenlet::new(move |()| async move {
                let _guard = guard;
                Ok(())
            });
            g.switch(()).await.unwrap();
            log.borrow_mut().push("returned".to_string());
            let guard = Guard(log.clone(), "unstarted dropped");
            let n = Greenlet::new(move |()| async move {
                let _guard = guard;
                Ok(())
            });
            assert!(n.throw(Error::Exit).await.unwrap_err().is_exit());
            log.borrow_mut().push("thrown".to_string());
        }
    });
    assert_eq!(
        *log.borrow(),
        [
            "captured dropped",
            "returned",
            "unstarted dropped",
            "thrown"
        ]
    );
}

#[test]
fn a_panicking_body_fails_its_task_and_leaves_greenlets_usable() {
    greenery::Builder::new()
        .on_task_panic(greenery::PanicPolicy::Silent)
        .build()
        .unwrap()
        .block_on(async {
            let doomed = Greenlet::new(|x: u8| async move {
                if x > 0 {
                    panic!("body panicked");
                }
                Ok(x)
            });
            let task = greenery::spawn({
                let doomed = doomed.clone();
                async move { doomed.switch(1).await }
            });
            assert!(task.await.unwrap_err().is_panic());
            assert!(doomed.is_dead());
            assert!(getcurrent::<u8>().is_root());
            assert_eq!(doomed.switch(3).await.unwrap(), 3); // dead: back to us, its parent
            let fine = Greenlet::new(|x: u8| async move { Ok(x + 1) });
            assert_eq!(fine.switch(1).await.unwrap(), 2);
        });
}

#[test]
fn a_switch_result_fits_in_two_registers() {
    // A wider output is returned through memory, and reading it back right after the
    // switch wrote it was the largest single cost of a round trip.
    use std::mem::size_of;
    assert_eq!(size_of::<Error>(), 16);
    assert_eq!(size_of::<std::task::Poll<Result<u64, Error>>>(), 16);
}

/// Logs its number when dropped.
struct Guard(u64, Rc<RefCell<Vec<u64>>>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.1.borrow_mut().push(self.0);
    }
}

#[test]
fn killing_a_deep_chain_of_suspended_greenlets_does_not_grow_the_stack() {
    const DEPTH: u64 = if cfg!(miri) { 50 } else { 20_000 };
    let dropped = Rc::new(RefCell::new(Vec::new()));
    greenery::run({
        let dropped = dropped.clone();
        async move {
            let main = getcurrent::<u64>();
            // Each level creates the next, switches into it and waits there; every child is
            // re-parented to main, so only the body above it holds it.
            fn nest(depth: u64, main: Greenlet<u64>, log: Rc<RefCell<Vec<u64>>>) -> Greenlet<u64> {
                Greenlet::new(move |n: u64| async move {
                    let _guard = Guard(depth, log.clone());
                    if depth == 0 {
                        return main.switch(n).await;
                    }
                    let child = nest(depth - 1, main.clone(), log);
                    child.set_parent(&main).unwrap();
                    Ok(child.switch(n + 1).await? + 1)
                })
            }
            let top = nest(DEPTH, main, dropped.clone());
            assert_eq!(top.switch(0).await.unwrap(), DEPTH);
            assert!(dropped.borrow().is_empty());
            drop(top);
            // Each level gets GreenletExit and its guard runs before its child is killed.
            let expected: Vec<u64> = (0..=DEPTH).rev().collect();
            assert!(*dropped.borrow() == expected);
        }
    });
}

#[test]
fn freeing_a_long_chain_of_parents_does_not_grow_the_stack() {
    const LENGTH: u64 = if cfg!(miri) { 50 } else { 100_000 };
    let dropped = Rc::new(RefCell::new(Vec::new()));
    greenery::run({
        let dropped = dropped.clone();
        async move {
            // first -> parent -> parent ...: each new greenlet becomes the parent of the
            // previous one, whose parent link then is the only handle to it.
            let first = Greenlet::new(|()| async { Ok(()) });
            let mut top = first.clone();
            for i in 0..LENGTH {
                let guard = Guard(i, dropped.clone());
                let parent = Greenlet::new(move |()| async move {
                    drop(guard);
                    Ok(())
                });
                top.set_parent(&parent).unwrap();
                top = parent;
            }
            drop(top);
            assert!(dropped.borrow().is_empty());
            drop(first);
            // Unstarted bodies are dropped from the first up, each node freeing its parent.
            let expected: Vec<u64> = (0..LENGTH).collect();
            assert!(*dropped.borrow() == expected);
        }
    });
}

/// Bug: a greenlet killed because its last handle was dropped saw its old parent in its
/// `GreenletExit` handling. greenlet re-parents it to the greenlet that dropped it
/// (`tests/gevent/greenlet_drop_reparent.py`).
#[test]
fn a_greenlet_killed_by_a_drop_has_the_dropper_as_its_parent() {
    let log = Rc::new(RefCell::new(Vec::<String>::new()));
    greenery::run({
        let log = log.clone();
        async move {
            let main = getcurrent::<&'static str>();
            let dropper = Greenlet::new({
                let (log, main) = (log.clone(), main.clone());
                move |_: &'static str| async move {
                    let me = getcurrent::<&'static str>();
                    let victim = Greenlet::new({
                        let (log, main, dropper) = (log.clone(), main.clone(), me.clone());
                        move |_: &'static str| async move {
                            let parent = getcurrent::<&'static str>().parent().unwrap();
                            match parent.switch("suspended").await {
                                Err(err) if err.is_exit() => {
                                    let parent = getcurrent::<&'static str>().parent().unwrap();
                                    let name = if parent == dropper {
                                        "dropper"
                                    } else if parent == main {
                                        "main"
                                    } else {
                                        "?"
                                    };
                                    log.borrow_mut()
                                        .push(format!("victim: parent in GreenletExit is {name}"));
                                    Ok("victim-ret")
                                }
                                other => other,
                            }
                        }
                    });
                    let created = if victim.parent().unwrap() == me {
                        "True"
                    } else {
                        "False"
                    };
                    log.borrow_mut()
                        .push(format!("victim created by the dropper: {created}"));
                    let got = victim.switch("").await?;
                    log.borrow_mut().push(format!("dropper <- {got}"));
                    victim.set_parent(&main)?;
                    log.borrow_mut().push(
                        "victim re-parented to main; the dropper drops the last reference".into(),
                    );
                    drop(victim);
                    log.borrow_mut().push("dropper goes on".into());
                    Ok("dropper-ret")
                }
            });
            let got = dropper.switch("").await.unwrap();
            log.borrow_mut().push(format!("main <- {got}"));
        }
    });
    let expected: Vec<&str> = include_str!("gevent/greenlet_drop_reparent.out")
        .lines()
        .filter(|line| !line.starts_with("[exit status"))
        .collect();
    assert_eq!(*log.borrow(), expected);
}
