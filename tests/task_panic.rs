//! SEMANTICS rule 8: a panic in a task is caught at the task boundary, stored for the joiner,
//! and does not disturb the runtime; the panic policies.

mod common;

use std::panic::{self, AssertUnwindSafe};

use common::mix::{self, for_each_mix, real, run_on};

use greenery::{spawn, yield_now, Builder, PanicPolicy};

fn quiet() {
    panic::set_hook(Box::new(|_| {}));
}

/// Rule 8: a panic is stored for the joiner (join itself returns normally), and an unobserved
/// one is reported while the runtime goes on; green threads and async tasks alike.
#[test]
fn rule08_panic_is_delivered_to_the_joiner_and_the_runtime_goes_on() {
    quiet();
    for_each_mix(
        &[
            "join returned: panicked",
            "joiner got: task panicked: division by zero",
            "still running",
        ],
        |log| {
            let log = log.clone();
            run_on(&real(), async move {
                let bad = mix::spawn(async {
                    yield_now().await;
                    panic!("division by zero");
                });
                let t = bad.task();
                t.join().await; // join returns normally
                log.push(format!("join returned: {}", t.state()));
                let err = bad.await.unwrap_err();
                assert!(err.is_panic());
                log.push(format!("joiner got: {err}"));
                // Nobody joins this one: it is reported on stderr and the runtime goes on.
                mix::spawn(async { panic!("nobody joins me") });
                yield_now().await;
                log.push("still running");
            });
        },
    );
}

#[test]
fn abort_policy_resumes_the_panic_on_the_caller_of_block_on() {
    quiet();
    let rt = Builder::new()
        .on_task_panic(PanicPolicy::Abort)
        .build()
        .unwrap();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            spawn(async { panic!("fatal") });
            yield_now().await;
            unreachable!("the runtime aborts before main resumes");
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "fatal");
}

#[test]
fn silent_policy_still_delivers_the_payload() {
    quiet();
    let rt = Builder::new()
        .on_task_panic(PanicPolicy::Silent)
        .build()
        .unwrap();
    let message = rt.block_on(async {
        let err = spawn(async { panic!("{}", String::from("owned message")) })
            .await
            .unwrap_err();
        err.to_string()
    });
    assert_eq!(message, "task panicked: owned message");
}

#[test]
fn a_panicking_destructor_during_kill_does_not_take_the_runtime_down() {
    quiet();
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("destructor panicked");
        }
    }
    let value = greenery::run(async {
        let h = spawn(async {
            let _bomb = Bomb;
            std::future::pending::<()>().await;
        });
        yield_now().await;
        h.kill();
        assert!(h.await.unwrap_err().is_killed());
        7
    });
    assert_eq!(value, 7);
}

#[test]
fn a_panic_in_main_propagates_out_of_run() {
    quiet();
    let result = panic::catch_unwind(|| greenery::run(async { panic!("main failed") }));
    assert!(result.is_err());
    greenery::run(async {}); // the thread can run again afterwards
}

#[test]
fn abort_policy_applies_to_a_destructor_that_panics_during_kill() {
    quiet();
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("destructor panicked");
        }
    }
    let rt = Builder::new()
        .on_task_panic(PanicPolicy::Abort)
        .build()
        .unwrap();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let h = spawn(async {
                let _bomb = Bomb;
                std::future::pending::<()>().await;
            });
            yield_now().await;
            h.kill();
            let other = spawn(async {});
            other.await.unwrap();
            unreachable!("the runtime aborts at the next task poll");
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "destructor panicked");
}
