//! `spawn_later`, `start_later` and `wait_all` in gevent's order
//! (`tests/gevent/spawn_later.py`).

mod common;

use std::time::Duration;

use common::{gevent, paused, Log};
use greenery::time::{now, sleep};
use greenery::{spawn, spawn_later, wait_all, yield_now};

/// Python's spelling of a bool.
fn py(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

#[test]
fn spawn_later_starts_from_a_timer_and_kill_cancels_it() {
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let f = |name: &'static str| {
                let log = log.clone();
                async move { log.push(format!("run {name}")) }
            };
            let a = spawn_later(Duration::ZERO, f("spawn_later(0)"));
            let _b = spawn(f("spawn"));
            log.push(format!("ready: {}", py(a.is_finished())));
            yield_now().await;
            log.push("main after sleep(0)");
            yield_now().await;
            log.push("main after a second sleep(0)");
            sleep(Duration::from_millis(1)).await;
            log.push("---");

            let x = spawn_later(Duration::from_millis(20), f("spawn_later(0.02)"));
            let y = spawn_later(Duration::from_millis(10), f("spawn_later(0.01)"));
            let s = spawn({
                let log = log.clone();
                async move {
                    sleep(Duration::from_millis(15)).await;
                    log.push("sleep(0.015) woke");
                }
            });
            greenery::joinall([x, y, s]).await;

            log.push("--- kill before the start");
            let k = spawn_later(Duration::from_secs(10), f("killed (never)"));
            k.kill();
            log.push(format!("killed: dead {}", py(k.is_finished())));
            let t0 = now();
            wait_all().await;
            let early = now() - t0 < Duration::from_secs(5);
            log.push(format!(
                "wait() returned long before the 10 s delay: {}",
                py(early)
            ));

            log.push("--- start_later");
            let u = greenery::task::Builder::new().spawn_unstarted(f("start_later(0.01)"));
            u.task().start_later(Duration::from_millis(10));
            u.task().start(); // does nothing: the timer starts it
            log.push("start() after start_later: not run yet");
            u.await.unwrap();

            log.push("--- wait() waits for what can still run");
            let _kept = spawn_later(Duration::from_millis(10), f("kept the loop alive"));
            let event = greenery::sync::Event::new();
            let _blocked = spawn(async move { event.wait().await }); // never set
            wait_all().await;
            log.push("end");
        }
    });
    log.assert(&gevent(include_str!("gevent/spawn_later.out")));
}

/// While it waits for its timer the task counts as waiting (gevent: `started`), it is listed
/// among the active tasks, and the timer keeps the loop from reporting LoopExit.
#[test]
fn a_delayed_task_waits_and_keeps_the_loop_alive() {
    let out = greenery::try_run(async {
        let h = spawn_later(Duration::from_millis(5), async { "started" });
        let state = h.task().state();
        let listed = greenery::runtime::active_tasks().len();
        (state, listed, h.await.unwrap())
    });
    assert_eq!(out, Ok((greenery::task::TaskState::Waiting, 1, "started")));
}

/// A delay too large to add to the clock never comes: the task waits forever, which is
/// LoopExit once nothing else is left.
#[test]
fn a_delay_past_the_end_of_time_never_starts_the_task() {
    let err = greenery::try_run(async {
        spawn_later(Duration::MAX, async {}).await.unwrap();
    })
    .unwrap_err();
    assert_eq!(err.blocked().len(), 2);
}
