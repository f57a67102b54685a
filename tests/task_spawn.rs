//! Spawning, join handles, names, ids, states, unstarted tasks, and misuse.

mod common;

use std::task::Poll;

use common::mix::{self, for_each_mix, real, run_on};
use common::Log;
use greenery::task::{Builder, TaskState};
use greenery::{spawn, yield_now, Task};
use tokio_test::{assert_pending, assert_ready};

#[test]
fn run_returns_the_main_output_and_main_may_borrow() {
    let local = String::from("borrowed");
    let len = greenery::run(async { local.len() }); // main need not be 'static
    assert_eq!(len, 8);
}

/// The joiner hears of the end from the task's notification pass, queued behind main
/// (`tests/gevent/join_wakes_from_the_end_pass.py`).
#[test]
fn join_handle_is_pending_until_the_task_finishes_then_ready_at_once() {
    greenery::run(async {
        let mut handle = tokio_test::task::spawn(spawn(async { 5 }));
        assert_pending!(handle.poll());
        yield_now().await; // the task runs; its end's notification pass is queued behind main
        assert!(!handle.is_woken());
        yield_now().await; // the pass wakes the joiner
        assert!(handle.is_woken());
        assert_eq!(assert_ready!(handle.poll()).unwrap(), 5);
    });
}

#[test]
fn tasks_have_ids_in_spawn_order_names_and_states() {
    greenery::run(async {
        assert_eq!(Task::current().id(), 0);
        assert_eq!(Task::current().name().as_deref(), Some("main"));
        assert_eq!(Task::current().state(), TaskState::Running);
        let a = spawn(async { Task::current().state() });
        let b = Builder::new().name("bee").spawn(async {});
        assert_eq!((a.id(), b.id()), (1, 2));
        assert_eq!(b.name().as_deref(), Some("bee"));
        assert_eq!(a.task().state(), TaskState::Scheduled);
        let listed: Vec<_> = greenery::runtime::active_tasks()
            .into_iter()
            .map(|info| info.to_string())
            .collect();
        assert_eq!(listed, ["task #1 (scheduled)", "task #2 'bee' (scheduled)"]);
        let ta = a.task();
        assert_eq!(a.await.unwrap(), TaskState::Running);
        assert_eq!(ta.state(), TaskState::Finished);
        assert!(greenery::runtime::active_tasks().is_empty());
    });
}

#[test]
fn a_waiting_task_is_listed_as_waiting() {
    greenery::run(async {
        let h = spawn(std::future::pending::<()>());
        yield_now().await;
        assert_eq!(h.task().state(), TaskState::Waiting);
        assert_eq!(greenery::runtime::active_tasks().len(), 1);
        h.kill();
        assert!(greenery::runtime::active_tasks().is_empty());
    });
}

#[test]
fn unstarted_task_runs_only_after_start() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            let h = Builder::new().spawn_unstarted(async move { l.push("ran") });
            yield_now().await;
            log.push(format!("before start: {}", h.task().state()));
            h.task().start();
            h.task().start(); // starting twice does nothing
            h.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["before start: unstarted", "ran"]);
}

#[test]
fn dropping_the_handle_detaches_the_task() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            drop(spawn(async move {
                yield_now().await;
                l.push("detached task finished");
            }));
            yield_now().await;
            yield_now().await;
        }
    });
    assert_eq!(log.take(), ["detached task finished"]);
}

/// Rule 13 (where greenery differs): tasks alive when main returns are dropped in spawn
/// order (green threads unwound), and ones that never started never run.
#[test]
fn tasks_alive_when_run_returns_are_dropped_in_spawn_order() {
    for_each_mix(
        &[
            "main ends",
            "first dropped",
            "second dropped",
            "never started dropped",
        ],
        |log| {
            let log = log.clone();
            run_on(&real(), async move {
                for name in ["first", "second"] {
                    let guard = common::Finally(log.clone(), name.to_string());
                    mix::spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await;
                    });
                }
                yield_now().await;
                let guard = common::Finally(log.clone(), "never started".to_string());
                mix::spawn(async move {
                    let _guard = guard;
                    unreachable!("spawned after main's last yield");
                });
                log.push("main ends");
            });
        },
    );
}

#[test]
#[should_panic(expected = "must be called inside a greenery runtime")]
fn spawn_outside_a_runtime_panics_with_an_explanation() {
    drop(spawn(async {}));
}

#[test]
#[should_panic(expected = "nested run")]
fn nested_run_panics_instead_of_hanging() {
    greenery::run(async {
        greenery::run(async {});
    });
}

#[test]
fn runtime_spawn_from_outside_and_block_on_many_times() {
    let rt = greenery::Runtime::new().unwrap();
    let h = rt.spawn(async { 40 });
    assert_eq!(rt.block_on(async { 2 }), 2);
    assert!(h.is_finished(), "the task ran during the first block_on");
    assert_eq!(rt.block_on(h).unwrap(), 40);
}

/// A main future that woke itself and then finished leaves no run-queue entry behind: the
/// next `block_on`'s future takes its place at the back, after the task spawned before.
#[test]
fn a_main_future_that_woke_itself_before_finishing_does_not_jump_the_next_queue() {
    let rt = greenery::Runtime::new().unwrap();
    let log = Log::new();
    rt.block_on({
        let log = log.clone();
        async move {
            std::future::poll_fn(|cx| {
                cx.waker().wake_by_ref();
                Poll::Ready(())
            })
            .await;
            spawn(async move { log.push("task") });
        }
    });
    rt.block_on({
        let log = log.clone();
        async move { log.push("second main") }
    });
    rt.block_on(yield_now());
    log.assert("task\nsecond main");
}

#[test]
fn a_join_handle_outliving_its_runtime_reports_killed() {
    let rt = greenery::Runtime::new().unwrap();
    let h = rt.spawn(std::future::pending::<()>());
    drop(rt);
    let mut h = tokio_test::task::spawn(h);
    assert!(matches!(h.poll(), Poll::Ready(Err(e)) if e.is_killed()));
}

#[test]
fn a_waker_used_after_its_runtime_is_gone_does_nothing() {
    let waker =
        greenery::run(async { std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await });
    waker.wake_by_ref(); // no runtime on this thread
    std::thread::spawn(move || waker.wake()).join().unwrap(); // nor on another
    greenery::run(async {}); // a new runtime (maybe with the same id) is unaffected
}
