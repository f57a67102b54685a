//! Queue: SEMANTICS rules 19 (hand-out), 20 (barging), bad input, timeouts, killed waiters.

mod common;

use std::pin::Pin;
use std::time::Duration;

use common::{mix, run_paused, Log};
use futures_core::Stream;
use greenery::queue::{Empty, Queue};
use greenery::{spawn, yield_now};

/// Port of semantics/r16_queue_get_put.
#[test]
fn rule19_put_never_switches_and_getters_are_served_fifo() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let q = Queue::new();
            let gs: Vec<_> = (0..3)
                .map(|i| {
                    let (q, log) = (q.clone(), log.clone());
                    spawn(async move {
                        log.push(format!("getter {i} waiting"));
                        let item: &str = q.get().await;
                        log.push(format!("getter {i} got {item}"));
                    })
                })
                .collect();
            yield_now().await;
            q.put("a").await.unwrap();
            q.put("b").await.unwrap();
            log.push(format!(
                "main: put a, b without switching; qsize {}",
                q.len()
            ));
            yield_now().await;
            log.push(format!("main resumed; qsize {}", q.len()));
            q.put("c").await.unwrap();
            greenery::joinall(gs).await;
            if q.try_get() == Err(Empty) {
                log.push("get_nowait() on empty -> Empty");
            }
            if q.get_timeout(Duration::from_millis(10)).await == Err(Empty) {
                log.push("get(timeout=0.01) on empty -> Empty");
            }
            log.push(format!("Queue() maxsize: {:?}", q.capacity()));
        }
    });
    log.assert(
        "getter 0 waiting
         getter 1 waiting
         getter 2 waiting
         main: put a, b without switching; qsize 2
         getter 0 got a
         getter 1 got b
         main resumed; qsize 0
         getter 2 got c
         get_nowait() on empty -> Empty
         get(timeout=0.01) on empty -> Empty
         Queue() maxsize: None",
    );
}

/// Port of semantics/r17_queue_barging.
#[test]
fn rule20_the_running_task_barges_ahead_of_a_woken_getter() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let q = Queue::new();
            let (q2, l2) = (q.clone(), log.clone());
            let g = spawn(async move {
                l2.push("getter waiting");
                l2.push(format!("getter got {}", q2.get().await));
            });
            yield_now().await;
            q.put("x").await.unwrap();
            log.push(format!(
                "main took {} before the waiting getter ran",
                q.get().await
            ));
            yield_now().await;
            log.push(format!("getter still waiting: {}", !g.is_finished()));
            q.put("y").await.unwrap();
            g.await.unwrap();
        }
    });
    log.assert(
        "getter waiting
         main took x before the waiting getter ran
         getter still waiting: true
         getter got y",
    );
}

#[test]
fn a_getter_that_loops_keeps_fifo_for_the_others() {
    // getter 0 is woken for "a", and takes "b" too without yielding; getter 1 (woken for
    // "b") finds nothing and keeps its place ahead of getter 2.
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let q = Queue::new();
            let g0 = {
                let (q, log) = (q.clone(), log.clone());
                spawn(async move {
                    let a = q.get().await;
                    let b = q.get().await;
                    log.push(format!("g0 got {a}{b}"));
                })
            };
            let others: Vec<_> = (1..3)
                .map(|i| {
                    let (q, log) = (q.clone(), log.clone());
                    spawn(async move { log.push(format!("g{i} got {}", q.get().await)) })
                })
                .collect();
            yield_now().await;
            q.put('a').await.unwrap();
            q.put('b').await.unwrap();
            yield_now().await;
            q.put('c').await.unwrap();
            q.put('d').await.unwrap();
            g0.await.unwrap();
            greenery::joinall(others).await;
        }
    });
    log.assert("g0 got ab\ng1 got c\ng2 got d");
}

#[test]
fn a_killed_getter_leaves_the_line_and_loses_no_item() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let q = Queue::new();
            let gs: Vec<_> = (0..3)
                .map(|i| {
                    let (q, log) = (q.clone(), log.clone());
                    spawn(async move { log.push(format!("g{i} got {}", q.get().await)) })
                })
                .collect();
            yield_now().await;
            q.put(1).await.unwrap(); // wakes g0
            gs[0].kill(); // g0 dies before it runs: g1 gets the item
            assert_eq!(q.getters(), 2);
            q.put(2).await.unwrap();
            greenery::joinall(gs).await;
            assert_eq!(q.getters(), 0);
        }
    });
    log.assert("g1 got 1\ng2 got 2");
}

#[test]
fn get_on_a_non_empty_queue_does_not_yield() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let q = Queue::new();
            q.put(1).await.unwrap();
            let l = log.clone();
            let other = spawn(async move { l.push("other") });
            assert_eq!(q.get().await, 1);
            log.push("main");
            other.await.unwrap();
        }
    });
    log.assert("main\nother");
}

#[test]
fn the_stream_yields_items_in_order() {
    greenery::run(async {
        let mut q = Queue::new();
        let producer = {
            let q = q.clone();
            spawn(async move {
                for i in 0..3 {
                    q.put(Some(i)).await.unwrap();
                    yield_now().await;
                }
                q.put(None).await.unwrap();
            })
        };
        let mut seen = Vec::new();
        while let Some(Some(x)) = std::future::poll_fn(|cx| Pin::new(&mut q).poll_next(cx)).await {
            seen.push(x);
        }
        assert_eq!(seen, [0, 1, 2]);
        producer.await.unwrap();
    });
}

#[test]
fn getting_from_a_queue_nobody_fills_is_loop_exit() {
    assert!(greenery::try_run(async { Queue::<u8>::new().get().await }).is_err());
}

#[test]
fn poll_by_poll() {
    greenery::run(async {
        let q = Queue::new();
        let mut get = tokio_test::task::spawn(q.get());
        tokio_test::assert_pending!(get.poll());
        q.try_put(5).unwrap();
        assert!(!get.is_woken()); // the put queued the queue's hand-out pass
        yield_now().await; // which runs now and wakes the getter
        assert!(get.is_woken());
        assert_eq!(tokio_test::assert_ready!(get.poll()), 5);
    });
}

#[test]
fn get_timeout_returns_an_item_that_arrives_in_time() {
    run_paused(async {
        let q = Queue::new();
        let q2 = q.clone();
        spawn(async move {
            greenery::time::sleep(Duration::from_millis(5)).await;
            q2.put(9).await.unwrap();
        });
        assert_eq!(q.get_timeout(Duration::from_secs(1)).await, Ok(9));
        assert_eq!(q.getters(), 0);
    });
}

/// Rule 19 with the hand-out pass (`tests/gevent/queue_pass_serves_an_item_put_during_it.py`,
/// a divergence the differential fuzzer found): the pass resumes the getters one after the
/// other, and an item a getter it resumed puts goes to the next getter in the same pass,
/// before the tasks already runnable.
#[test]
fn rule19_the_hand_out_pass_serves_an_item_put_during_it() {
    let out = include_str!("gevent/queue_pass_serves_an_item_put_during_it.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let q = Queue::new();
            log.push("main start");
            let t1 = mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    log.push(format!("t1 got {}", q.get().await));
                    q.put(1).await.unwrap();
                    log.push("t1 put 1");
                    log.push("t1 end");
                }
            });
            let t2 = mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    yield_now().await;
                    log.push("t2 yielded");
                    q.put(2).await.unwrap();
                    log.push("t2 put 2");
                    yield_now().await;
                    log.push("t2 yielded");
                    log.push("t2 end");
                }
            });
            let t3 = mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t3 start");
                    log.push(format!("t3 got {}", q.get().await));
                    log.push("t3 end");
                }
            });
            let done = greenery::joinall_indexed([t1, t2, t3]).await;
            let names: Vec<String> = done.iter().map(|(i, _)| format!("t{}", i + 1)).collect();
            log.push(format!("main joinall {}", names.join(" ")));
            log.push("main end");
        });
    });
}

/// Outside `block_on` there is no run queue for the hand-out pass: a put serves the getters
/// at once (their wakes reach the runtime, which runs them in its next `block_on`).
#[test]
fn a_put_outside_the_runtime_serves_the_getters_at_once() {
    let rt = greenery::Runtime::new().unwrap();
    let q = Queue::new();
    let getters: Vec<_> = (0..2)
        .map(|_| {
            let q = q.clone();
            rt.spawn(async move { q.get().await })
        })
        .collect();
    rt.block_on(yield_now()); // both getters wait
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    let got: Vec<u32> = rt
        .block_on(greenery::joinall(getters))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, [1, 2]);
}
