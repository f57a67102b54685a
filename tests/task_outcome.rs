//! A finished task's outcome stays readable while anyone holds a handle to it: a killed task
//! stays killed, a panicked one panicked, even after its join handle was consumed or dropped
//! (`tests/gevent/task_outcome_after_join.py`).

mod common;

use std::time::Duration;

use common::{gevent, silent_paused, Log};
use greenery::task::TaskState;
use greenery::time::sleep;
use greenery::{spawn, yield_now, JoinError, Task};

fn py(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// The message of a `Task::error`: the kill's reason, or the panic's message.
fn exception(task: &Task) -> String {
    match task.error() {
        None => "None".into(),
        Some(err @ JoinError::Killed(_)) => err.kill_reason().unwrap().to_string(),
        Some(err) => *err.into_panic().downcast::<String>().unwrap(),
    }
}

#[test]
fn the_outcome_stays_readable_after_joinall_consumed_the_handles() {
    let log = Log::new();
    silent_paused().block_on({
        let log = log.clone();
        async move {
            let ok = spawn(async {
                sleep(Duration::from_millis(20)).await;
                "v"
            });
            let bad = spawn(async {
                sleep(Duration::from_millis(10)).await;
                panic!("boom")
            });
            let stuck = spawn(async {
                sleep(Duration::from_secs(10)).await;
                "never"
            });
            yield_now().await;
            stuck.kill_with("halt");
            log.push(format!(
                "value before the end: {}",
                ok.value().unwrap_or("None")
            ));
            let tasks = [ok.task(), bad.task(), stuck.task()];
            let done = greenery::joinall_indexed([ok, bad, stuck]).await;
            let order: Vec<usize> = done.iter().map(|(i, _)| *i).collect();
            log.push(format!("joinall order (input indices): {order:?}"));
            let mut values = ["None"; 3];
            for (i, result) in &done {
                if let Ok(v) = result {
                    values[*i] = v;
                }
            }
            for (i, name) in ["ok", "bad", "killed"].into_iter().enumerate() {
                let t = &tasks[i];
                log.push(format!(
                    "{name} | dead {} | successful {} | exception {} | value {}",
                    py(t.is_finished()),
                    py(t.is_successful()),
                    exception(t),
                    values[i]
                ));
            }
        }
    });
    log.assert(&gevent(include_str!("gevent/task_outcome_after_join.out")));
}

/// Bug: dropping the join handle used to free the slot, and the state then read `Finished`.
#[test]
fn a_dropped_handle_keeps_killed_killed_and_panicked_panicked() {
    let states = silent_paused().block_on(async {
        let killed = spawn(std::future::pending::<()>());
        let failed = spawn(async { panic!("boom") });
        let (k, f) = (killed.task(), failed.task());
        killed.kill();
        drop(killed);
        drop(failed);
        yield_now().await;
        (
            k.state(),
            f.state(),
            k.is_successful(),
            f.error().map(|e| e.to_string()),
        )
    });
    assert_eq!(
        states,
        (
            TaskState::Killed,
            TaskState::Panicked,
            false,
            Some("task panicked: boom".into())
        )
    );
}

/// The output goes as soon as nobody can take it (the join handle is gone), even while a
/// `Task` keeps the slot; `value` copies it without taking it.
#[test]
fn the_output_is_dropped_with_the_handle_and_copied_by_value() {
    struct Output(Log);
    impl Drop for Output {
        fn drop(&mut self) {
            self.0.push("output dropped");
        }
    }
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let h = spawn(async { 5 });
            let task = h.task();
            task.join().await;
            assert_eq!((h.value(), h.value()), (Some(5), Some(5)));
            assert_eq!(h.await.unwrap(), 5);

            let h = spawn({
                let log = log.clone();
                async move { Output(log) }
            });
            let task = h.task();
            task.join().await;
            log.push("handle dropped");
            drop(h);
            log.push(format!("state {}", task.state()));
        }
    });
    log.assert(
        "handle dropped
         output dropped
         state finished",
    );
}

/// A value that itself holds a `Task` can be copied out (the copy takes its own count) and the
/// slot is freed once the last handle goes.
#[test]
fn values_holding_tasks_copy_and_free_cleanly() {
    greenery::run(async {
        let h = spawn(async { Task::current() });
        h.task().join().await;
        let me = h.value().unwrap();
        assert_eq!(me, h.task());
        assert_eq!(me.state(), TaskState::Finished);
        drop(h);
        assert_eq!(me.state(), TaskState::Finished);
    });
}

/// `Task::error` keeps the panic's message after the join handle took the payload itself.
#[test]
fn error_keeps_the_panic_message_after_the_handle_took_the_payload() {
    let msg = silent_paused().block_on(async {
        let h = spawn(async { std::panic::panic_any(String::from("owned message")) });
        let t = h.task();
        let payload = h.await.unwrap_err().into_panic();
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "owned message");
        t.error().unwrap().to_string()
    });
    assert_eq!(msg, "task panicked: owned message");
}
