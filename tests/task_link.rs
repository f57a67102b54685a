//! SEMANTICS rule 10: links run after the task ends, in registration order with the joiners,
//! each in a task of its own (`tests/gevent/links.py`).

mod common;

use std::time::Duration;

use common::{gevent, silent_paused, Log};
use greenery::time::sleep;
use greenery::{spawn, yield_now, Task};

async fn body(fail: bool) -> &'static str {
    sleep(Duration::from_millis(10)).await;
    if fail {
        panic!("boom");
    }
    "v"
}

fn say(log: &Log, line: &'static str) -> impl FnOnce(&Task) + 'static {
    let log = log.clone();
    move |_| log.push(line)
}

#[test]
fn rule10_links_run_in_registration_order_with_the_joiners() {
    let log = Log::new();
    silent_paused().block_on({
        let log = log.clone();
        async move {
            let joiner = |t: Task, n: u32| {
                let log = log.clone();
                async move {
                    t.join().await;
                    log.push(format!("joiner {n} resumed"));
                }
            };
            let g = spawn(body(false)).task();
            spawn(joiner(g.clone(), 1));
            g.link(say(&log, "link 1"));
            yield_now().await; // joiner 1 joins now: after link 1
            spawn(joiner(g.clone(), 2));
            g.link_value(say(&log, "link_value"));
            g.link_exception(say(&log, "link_exception (never)"));
            g.link({
                // A link that must wait hands the rest to a task: its own is a callback.
                let log = log.clone();
                move |_| {
                    log.push("blocking link start");
                    spawn(async move { log.push("blocking link end") });
                }
            });
            let never = g.link(say(&log, "unlinked (never)"));
            assert!(g.unlink(never));
            g.link(say(&log, "link 3"));
            spawn({
                let log = log.clone();
                async move { log.push("spawned before the end") }
            });
            g.join().await; // main joins after link 3, before joiner 2
            log.push("main joined");
            sleep(Duration::from_millis(20)).await;

            log.push("--- panicked");
            let b = spawn(body(true)).task();
            b.link(say(&log, "link of a failure"));
            b.link_value(say(&log, "link_value (never)"));
            b.link_exception(say(&log, "link_exception of a failure"));
            sleep(Duration::from_millis(20)).await;

            log.push("--- killed with a reason while waiting");
            let k = spawn(body(false)).task();
            k.link(say(&log, "link of a killed one"));
            k.link_value(say(&log, "link_value (never)"));
            k.link_exception(say(&log, "link_exception of a killed one"));
            yield_now().await;
            k.kill_with("halt").await;
            log.push("kill returned");
            yield_now().await;

            log.push("--- killed before it started");
            let n = spawn(body(false)).task();
            n.link(say(&log, "link of a never-started one"));
            n.kill().await;
            log.push("kill returned");
            yield_now().await;

            log.push("--- linked after the end");
            n.link(say(&log, "late link"));
            log.push("late link registered");
            yield_now().await;
            log.push("end");
        }
    });
    log.assert(&gevent(include_str!("gevent/links.out")));
}

/// gevent counts a plain kill (`GreenletExit`) as a success, so its `link_value` runs;
/// greenery counts every kill as a failure (the joiner gets `JoinError::Killed`), so
/// `link_exception` runs. The link sees the task killed, with the reason if there was one.
#[test]
fn a_plain_kill_fires_link_exception_not_link_value() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let t = spawn(std::future::pending::<()>()).task();
            t.link_value(say(&log, "link_value (never)"));
            t.link_exception({
                let log = log.clone();
                move |t| log.push(format!("link_exception: {} / {:?}", t.state(), t.error()))
            });
            t.kill();
            yield_now().await;
        }
    });
    log.assert("link_exception: killed / Some(Killed)");
}

/// A link's callback runs in a task of its own, which `Task::current` names; a link that
/// panics fails its own task, not the one it watched nor the runtime.
#[test]
fn a_link_runs_in_its_own_task_and_its_panic_stays_there() {
    let out = silent_paused().block_on(async {
        let watched = spawn(async {}).task();
        let seen = std::rc::Rc::new(std::cell::Cell::new(0));
        let s = seen.clone();
        let w = watched.clone();
        watched.link(move |t| {
            assert!(*t == w);
            s.set(Task::current().id());
        });
        watched.link(|_| panic!("link failed"));
        let after = spawn(async { "the runtime goes on" });
        let out = after.await.unwrap();
        (seen.get() > watched.id(), watched.is_successful(), out)
    });
    assert_eq!(out, (true, true, "the runtime goes on"));
}

/// Dropping every handle does not drop the links: they run when the task ends, and their
/// `Task` keeps the finished task's state readable for them.
#[test]
fn links_outlive_the_handles_and_see_the_final_state() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let h = spawn(async { yield_now().await });
            let l = log.clone();
            h.task()
                .link(move |t| l.push(format!("ended {}", t.state())));
            drop(h);
            sleep(Duration::from_millis(1)).await;
        }
    });
    log.assert("ended finished");
}

/// `JoinHandle::link_result` hands the result itself to the callback.
#[test]
fn link_result_delivers_the_value_or_the_error() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            spawn(async { 5 }).link_result(move |r| l.push(format!("{r:?}")));
            let l = log.clone();
            let k = spawn(std::future::pending::<u8>());
            let t = k.task();
            k.link_result(move |r| l.push(format!("{r:?}")));
            t.kill_with("stop");
            sleep(Duration::from_millis(1)).await;
        }
    });
    log.assert(
        r#"Err(Killed("stop"))
           Ok(5)"#,
    );
}
