//! AsyncResult: SEMANTICS rule 18, one-shot, timeouts, killed waiters.

mod common;

use std::time::Duration;

use common::{run_paused, Log};
use greenery::sync::AsyncResult;
use greenery::{spawn, yield_now};

/// Port of semantics/r15_async_result (the `link(AsyncResult)` line is done with a task that
/// sets the result; greenery's one-shot set is tested separately).
#[test]
fn rule18_async_result_waiters_fifo_value_and_error() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let getter = |ar: &AsyncResult<&'static str, String>, i: u32| {
                let (ar, log) = (ar.clone(), log.clone());
                spawn(async move {
                    log.push(format!("getter {i} waiting"));
                    match ar.get().await {
                        Ok(v) => log.push(format!("getter {i} got {v}")),
                        Err(e) => log.push(format!("getter {i} raised {e}")),
                    }
                })
            };
            let ar = AsyncResult::new();
            let gs: Vec<_> = (0..2).map(|i| getter(&ar, i)).collect();
            yield_now().await;
            ar.set("v1").unwrap();
            log.push(format!(
                "set() returned; ready {} | successful {} | value {}",
                ar.ready(),
                ar.successful(),
                ar.value().unwrap()
            ));
            greenery::joinall(gs).await;
            ar.wait().await;
            log.push(format!("wait() on a set result -> {}", ar.value().unwrap()));

            let empty = AsyncResult::<(), ()>::new();
            if empty.get_timeout(Duration::from_millis(10)).await.is_err() {
                log.push("get(timeout=0.01) raised Timeout");
            }
            if empty.try_get().is_none() {
                log.push("get_nowait() raised Timeout");
            }
            log.push(format!(
                "wait(timeout=0.01) -> {}",
                empty.wait_timeout(Duration::from_millis(10)).await
            ));

            let bad = AsyncResult::new();
            let gs: Vec<_> = [2, 3].into_iter().map(|i| getter(&bad, i)).collect();
            yield_now().await;
            bad.set_error("ValueError('bad')".to_string()).unwrap();
            greenery::joinall(gs).await;
            log.push(format!(
                "exception {} | successful {}",
                bad.error().unwrap(),
                bad.successful()
            ));

            let linked = AsyncResult::<i32, ()>::new();
            let l = linked.clone();
            spawn(async move { l.set(42).unwrap() });
            log.push(format!(
                "linked task result: {}",
                linked.get().await.unwrap()
            ));
        }
    });
    log.assert(
        "getter 0 waiting
         getter 1 waiting
         set() returned; ready true | successful true | value v1
         getter 0 got v1
         getter 1 got v1
         wait() on a set result -> v1
         get(timeout=0.01) raised Timeout
         get_nowait() raised Timeout
         wait(timeout=0.01) -> false
         getter 2 waiting
         getter 3 waiting
         getter 2 raised ValueError('bad')
         getter 3 raised ValueError('bad')
         exception ValueError('bad') | successful false
         linked task result: 42",
    );
}

#[test]
fn a_second_set_is_rejected_and_the_first_result_stays() {
    let ar = AsyncResult::<&str, &str>::new();
    ar.set("v1").unwrap();
    assert_eq!(
        ar.set("v2").unwrap_err().to_string(),
        "the AsyncResult already holds a result"
    );
    assert!(ar.set_error("bad").is_err());
    assert_eq!(ar.try_get(), Some(Ok("v1")));
    assert_eq!(ar.error(), None);
}

#[test]
fn a_killed_getter_leaves_the_line_and_others_still_get_the_value() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ar = AsyncResult::<u8, ()>::new();
            let gs: Vec<_> = (0..3)
                .map(|i| {
                    let (ar, log) = (ar.clone(), log.clone());
                    spawn(async move { log.push(format!("{i} got {:?}", ar.get().await)) })
                })
                .collect();
            yield_now().await;
            gs[1].kill();
            ar.set(7).unwrap();
            greenery::joinall(gs).await;
        }
    });
    log.assert("0 got Ok(7)\n2 got Ok(7)");
}

#[test]
fn get_on_a_ready_result_does_not_yield() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ar = AsyncResult::<u8, ()>::new();
            ar.set(1).unwrap();
            let l = log.clone();
            let other = spawn(async move { l.push("other") });
            assert_eq!(ar.get().await, Ok(1));
            log.push("main");
            other.await.unwrap();
        }
    });
    log.assert("main\nother");
}

#[test]
fn waiting_on_a_result_nobody_sets_is_loop_exit() {
    let err = greenery::try_run(async {
        let ar = AsyncResult::<u8, ()>::new();
        ar.get().await
    });
    assert!(err.is_err());
}
