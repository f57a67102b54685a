//! What a dropped runtime leaves behind: finished tasks keep their results for their handles,
//! unfinished ones are killed (their destructors run) and say so.

mod common;

use common::{Finally, Log};
use greenery::task::TaskState;
use tokio_test::{assert_ready, task};

#[test]
fn a_finished_result_survives_the_runtime() {
    let rt = greenery::Runtime::new().unwrap();
    let done = rt.spawn(async { 5 });
    rt.block_on(greenery::yield_now());
    assert_eq!(done.task().state(), TaskState::Finished);
    drop(rt);
    assert_eq!(done.task().state(), TaskState::Finished);
    let mut join = task::spawn(done);
    assert_eq!(assert_ready!(join.poll()).unwrap(), 5);
}

#[test]
fn a_panic_survives_the_runtime() {
    std::panic::set_hook(Box::new(|_| {}));
    let rt = greenery::Runtime::new().unwrap();
    let failed = rt.spawn(async { panic!("boom") });
    rt.block_on(greenery::yield_now());
    drop(rt);
    let _ = std::panic::take_hook();
    assert_eq!(failed.task().state(), TaskState::Panicked);
    let mut join = task::spawn(failed);
    let err = assert_ready!(join.poll()).unwrap_err();
    assert_eq!(err.to_string(), "task panicked: boom");
}

#[test]
fn unfinished_tasks_are_killed_in_spawn_order_and_say_so() {
    let log = Log::new();
    let rt = greenery::Runtime::new().unwrap();
    let waiting = rt.spawn({
        let guard = Finally(log.clone(), "waiting".into());
        async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }
    });
    // In a tuple: a handle is itself a future, and a block returning one is awaited by mistake.
    let (unstarted,) = rt.block_on(async {
        greenery::yield_now().await;
        (greenery::task::Builder::new().spawn_unstarted({
            let guard = Finally(log.clone(), "unstarted".into());
            async move { drop(guard) }
        }),)
    });
    assert_eq!(waiting.task().state(), TaskState::Waiting);
    drop(rt);
    log.assert("waiting dropped\nunstarted dropped");
    assert_eq!(waiting.task().state(), TaskState::Killed);
    assert_eq!(unstarted.task().state(), TaskState::Killed);
    let mut join = task::spawn(waiting);
    assert!(assert_ready!(join.poll()).unwrap_err().is_killed());
}

#[test]
fn a_task_spawned_by_a_destructor_at_shutdown_is_killed_too() {
    struct SpawnsOnDrop(Log);
    impl Drop for SpawnsOnDrop {
        fn drop(&mut self) {
            let log = self.0.clone();
            let guard = Finally(log.clone(), "late".into());
            drop(greenery::spawn(async move {
                let _guard = guard;
                log.push("late ran");
            }));
        }
    }
    let log = Log::new();
    let rt = greenery::Runtime::new().unwrap();
    let first = rt.spawn({
        let spawner = SpawnsOnDrop(log.clone());
        async move {
            let _spawner = spawner;
            std::future::pending::<()>().await
        }
    });
    rt.block_on(greenery::yield_now());
    drop(rt);
    log.assert("late dropped"); // never ran, but its destructors did
    assert_eq!(first.task().state(), TaskState::Killed);
}

/// A join polled by another executor while the runtime runs is woken when the dropped
/// runtime kills its task: the task's end pass, cancelled with the runtime, still wakes the
/// joiners it did not get to (only a link, which would need the runtime to run, is dropped).
#[test]
fn a_join_waiting_outside_is_woken_when_the_runtime_drop_kills_its_task() {
    let rt = greenery::Runtime::new().unwrap();
    let waiting = rt.spawn(std::future::pending::<()>());
    rt.block_on(greenery::yield_now());
    let mut join = task::spawn(waiting);
    assert!(join.poll().is_pending());
    drop(rt);
    assert!(join.is_woken());
    assert!(assert_ready!(join.poll()).unwrap_err().is_killed());
}
