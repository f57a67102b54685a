//! SEMANTICS rules 14-15: a program that would block forever gets LoopExit instead of hanging;
//! anything that may still wake it (a timer, a keep-alive guard) keeps it running.

mod common;

use std::task::Poll;
use std::time::Duration;

use common::mix::{self, for_each_mix, real, try_run_on};
use greenery::task::Builder;
use greenery::time::sleep;
use greenery::{catch_loop_exit, spawn, try_run, yield_now, Task};

#[test]
fn rule14_main_waiting_on_nothing_is_loop_exit() {
    let err = try_run(std::future::pending::<()>()).unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "This operation would block forever",
            "\tblocked: main (waiting)"
        ]
    );
    // The last line names the way out for a wake greenery cannot see (docs/interop.md).
    assert!(lines[2].starts_with("\thint: "), "{text}");
    for way_out in ["runtime::foreign", "keep_alive()", "LoopExitPolicy::Wait"] {
        assert!(lines[2].contains(way_out), "{text}");
    }
    assert_eq!(err.blocked().len(), 1);
}

/// Rule 14: LoopExit names every blocked task, green threads and async tasks alike.
#[test]
fn rule14_loop_exit_names_every_blocked_task() {
    for_each_mix(
        &[
            "main (waiting)",
            "task #1 'reader' (waiting)",
            "task #2 (waiting)",
            "task #3 'lazy' (unstarted)",
        ],
        |log| {
            let err = try_run_on(&real(), async {
                let _a = mix::spawn_named("reader", std::future::pending::<()>());
                let b = mix::spawn(std::future::pending::<()>());
                let _c = Builder::new().name("lazy").spawn_unstarted(async {});
                b.await
            })
            .unwrap_err();
            for task in err.blocked() {
                log.push(task.to_string());
            }
        },
    );
}

#[test]
fn rule14_catch_loop_exit_lets_the_program_carry_on() {
    let out = greenery::run(async {
        let err = catch_loop_exit(std::future::pending::<()>())
            .await
            .unwrap_err();
        assert!(err
            .to_string()
            .starts_with("This operation would block forever"));
        let g = spawn(std::future::pending::<()>());
        let err = catch_loop_exit(g.task().join()).await.unwrap_err();
        assert_eq!(err.blocked().len(), 2);
        assert!(!g.is_finished(), "the blocked task stays alive");
        "carried on"
    });
    assert_eq!(out, "carried on");
}

#[test]
fn rule14_the_innermost_scope_gets_the_loop_exit() {
    greenery::run(async {
        let outer = catch_loop_exit(async {
            let inner = catch_loop_exit(std::future::pending::<()>()).await;
            assert!(inner.is_err(), "the inner scope caught it");
            "outer finished normally"
        })
        .await;
        assert_eq!(outer.unwrap(), "outer finished normally");
    });
}

#[test]
fn joining_yourself_is_loop_exit_not_a_hang() {
    let err = try_run(async {
        let me = spawn(async { Task::current().join().await });
        me.await
    })
    .unwrap_err();
    assert_eq!(err.blocked().len(), 2);
}

#[test]
fn joining_a_task_that_never_starts_is_loop_exit() {
    let err = try_run(async {
        let never = Builder::new().spawn_unstarted(async {});
        never.await
    })
    .unwrap_err();
    assert!(err.to_string().contains("(unstarted)"));
}

/// Rule 15: a pending timer keeps the program alive, whoever waits on it.
#[test]
fn rule15_a_pending_timer_is_not_loop_exit() {
    for_each_mix(&["woke"], |log| {
        let out = try_run_on(&real(), async {
            let h = mix::spawn(async {
                sleep(Duration::from_millis(20)).await;
                "woke"
            });
            h.await.unwrap()
        });
        log.push(out.unwrap());
    });
}

#[test]
fn a_keep_alive_guard_held_by_another_thread_is_not_loop_exit() {
    let out = try_run(async {
        let guard = greenery::runtime::keep_alive();
        let mut sent = false;
        std::future::poll_fn(|cx| {
            if sent {
                return Poll::Ready("woken from another thread");
            }
            sent = true;
            let (waker, guard) = (cx.waker().clone(), guard.clone());
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                waker.wake();
                drop(guard);
            });
            Poll::Pending
        })
        .await
    });
    assert_eq!(out, Ok("woken from another thread"));
}

#[test]
fn loop_exit_is_reported_once_the_last_keep_alive_is_dropped() {
    let err = try_run(async {
        let guard = greenery::runtime::keep_alive();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            drop(guard); // nobody wakes main: the runtime must notice and give up
        });
        std::future::pending::<()>().await
    });
    let err = err.unwrap_err();
    assert_eq!(err.blocked().len(), 1, "only main was blocked: {err}");
}

#[test]
fn the_runtime_is_usable_after_a_loop_exit() {
    let rt = greenery::Runtime::new().unwrap();
    assert!(rt.try_block_on(std::future::pending::<()>()).is_err());
    assert_eq!(
        rt.block_on(async {
            yield_now().await;
            9
        }),
        9
    );
}

#[test]
#[should_panic(expected = "This operation would block forever")]
fn run_panics_with_the_loop_exit_report() {
    greenery::run(std::future::pending::<()>());
}

/// gevent's threadpool keeps the loop alive while a job runs, even a detached one: main,
/// blocked on an Event nobody can set, gets LoopExit only once the job has ended
/// (`tests/gevent/blocking_job_keeps_loop_alive.py`). A job that never ends therefore keeps
/// such a program waiting, in gevent and in greenery alike.
#[test]
fn a_detached_blocking_job_keeps_the_loop_alive_until_it_ends() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let job_done = Arc::new(AtomicBool::new(false));
    let err = try_run({
        let job_done = job_done.clone();
        async move {
            drop(greenery::spawn_blocking(move || {
                std::thread::sleep(Duration::from_millis(300));
                job_done.store(true, Ordering::SeqCst);
            }));
            greenery::sync::Event::new().wait().await;
        }
    })
    .unwrap_err();
    assert!(
        job_done.load(Ordering::SeqCst),
        "LoopExit came before the job ended"
    );
    assert_eq!(
        err.to_string().lines().take(2).collect::<Vec<_>>(),
        [
            "This operation would block forever",
            "\tblocked: main (waiting)"
        ]
    );
}
