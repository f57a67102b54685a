//! Bounded queues: SEMANTICS rule 21 (backpressure, FIFO putters, the alternating hand-out
//! pass), Full, timeouts, killed putters.

mod common;

use std::time::Duration;

use common::{mix, run_paused, Log};
use greenery::queue::{PutError, Queue, ZeroCapacity};
use greenery::sync::Event;
use greenery::{spawn, yield_now};

/// Port of semantics/r18_queue_bounded.
#[test]
fn rule21_full_put_blocks_putters_fifo_and_hand_out_alternates() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let b = Queue::bounded(2).unwrap();
            let ps: Vec<_> = (0..4)
                .map(|i| {
                    let (b, log) = (b.clone(), log.clone());
                    spawn(async move {
                        log.push(format!("putter {i} putting"));
                        b.put(i).await.unwrap();
                        log.push(format!("putter {i} put done"));
                    })
                })
                .collect();
            yield_now().await;
            log.push(format!("qsize {} | full {}", b.len(), b.is_full()));
            if let Err(PutError::Full(_)) = b.try_put(99) {
                log.push("put_nowait on full -> Full");
            }
            for _ in 0..4 {
                log.push(format!("main got {}", b.get().await));
            }
            greenery::joinall(ps).await;
        }
    });
    log.assert(
        "putter 0 putting
         putter 0 put done
         putter 1 putting
         putter 1 put done
         putter 2 putting
         putter 3 putting
         qsize 2 | full true
         put_nowait on full -> Full
         main got 0
         main got 1
         putter 2 put done
         main got 2
         putter 3 put done
         main got 3",
    );
}

#[test]
fn freed_slots_admit_waiting_putters_in_order_when_nobody_gets() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let b = Queue::bounded(2).unwrap();
            b.put(0).await.unwrap();
            b.put(1).await.unwrap();
            let ps: Vec<_> = (2..5)
                .map(|i| {
                    let (b, log) = (b.clone(), log.clone());
                    spawn(async move {
                        b.put(i).await.unwrap();
                        log.push(format!("put {i}"));
                    })
                })
                .collect();
            yield_now().await;
            assert_eq!(b.putters(), 3);
            b.get().await;
            b.get().await;
            yield_now().await;
            log.push(format!("main: len {}", b.len()));
            let rest: Vec<i32> = vec![b.get().await, b.get().await, b.get().await];
            log.push(format!("{rest:?}"));
            greenery::joinall(ps).await;
        }
    });
    log.assert("put 2\nput 3\nmain: len 2\nput 4\n[2, 3, 4]");
}

#[test]
fn bounded_zero_is_an_error() {
    assert_eq!(Queue::<u8>::bounded(0).unwrap_err(), ZeroCapacity);
    assert!(ZeroCapacity.to_string().contains("Channel"));
}

#[test]
fn put_timeout_gives_the_item_back_and_leaves_the_line() {
    run_paused(async {
        let b = Queue::bounded(1).unwrap();
        b.put("a").await.unwrap();
        let err = b
            .put_timeout("b", Duration::from_millis(5))
            .await
            .unwrap_err();
        assert_eq!(err.into_inner(), "b");
        assert_eq!(b.putters(), 0);
        assert_eq!(b.try_put("c").unwrap_err().into_inner(), "c");
    });
}

#[test]
fn a_killed_putter_leaves_the_line_and_its_item_is_not_put() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let b = Queue::bounded(1).unwrap();
            b.put(0).await.unwrap();
            let ps: Vec<_> = (1..4)
                .map(|i| {
                    let (b, log) = (b.clone(), log.clone());
                    spawn(async move {
                        b.put(i).await.unwrap();
                        log.push(format!("put {i}"));
                    })
                })
                .collect();
            yield_now().await;
            assert_eq!(b.get().await, 0); // wakes putter 1
            ps[0].kill(); // killed before it ran: putter 2 is admitted instead
            let mut got = Vec::new();
            for _ in 0..2 {
                got.push(b.get().await);
            }
            log.push(format!("{got:?}"));
            greenery::joinall(ps).await;
            assert!(b.is_empty());
        }
    });
    log.assert("put 2\nput 3\n[2, 3]");
}

#[test]
fn putting_into_a_full_queue_nobody_drains_is_loop_exit() {
    assert!(greenery::try_run(async {
        let b = Queue::bounded(1).unwrap();
        b.put(1).await.unwrap();
        b.put(2).await.unwrap();
    })
    .is_err());
}

/// Rule 21 (`tests/gevent/bounded_queue_pass_serves_getter_then_putter.py`, found by the
/// differential fuzzer): the hand-out pass serves a getter and then, in the same pass, admits
/// the putter waiting for the slot that getter freed, before the tasks already runnable.
#[test]
fn rule21_the_hand_out_pass_admits_a_putter_into_the_slot_a_getter_freed() {
    let out = include_str!("gevent/bounded_queue_pass_serves_getter_then_putter.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let (e, q) = (Event::new(), Queue::bounded(1).unwrap());
            log.push("main start");
            mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    yield_now().await;
                    log.push("t1 yielded");
                    q.put(2).await.unwrap();
                    log.push("t1 put 2");
                    yield_now().await;
                    log.push("t1 yielded");
                    log.push("t1 end");
                }
            });
            mix::spawn({
                let (e, q, log) = (e.clone(), q.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    e.set();
                    log.push("t2 set e");
                    log.push(format!("t2 got {}", q.get().await));
                    log.push("t2 end");
                }
            });
            e.wait().await;
            log.push("main wait e true");
            q.put(7).await.unwrap();
            log.push("main put 7");
            log.push("main end");
        });
    });
}

/// Rule 21 (`tests/gevent/bounded_queue_pass_admits_a_putter_before_a_getter.py`, found by
/// the differential fuzzer): each round of the hand-out pass admits a waiting putter before
/// it serves a getter.
#[test]
fn rule21_each_round_of_the_pass_admits_a_putter_before_it_serves_a_getter() {
    let out = include_str!("gevent/bounded_queue_pass_admits_a_putter_before_a_getter.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let q = Queue::bounded(2).unwrap();
            log.push("main start");
            mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    for v in 1..=3 {
                        q.put(v).await.unwrap();
                        log.push(format!("t1 put {v}"));
                    }
                    log.push("t1 end");
                }
            });
            mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    log.push(format!("t2 got {}", q.try_get().unwrap()));
                    log.push("t2 end");
                }
            });
            log.push(format!("main got {}", q.get().await));
            log.push("main end");
        });
    });
}

/// Rule 21 (`tests/gevent/bounded_queue_pass_alternates_getter_and_putter.py`, found by the
/// differential fuzzer): the hand-out pass alternates, serving main, admitting t2's put,
/// then serving t1, each until it blocks.
#[test]
fn rule21_the_hand_out_pass_alternates_getters_and_putters() {
    let out = include_str!("gevent/bounded_queue_pass_alternates_getter_and_putter.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let q = Queue::bounded(2).unwrap();
            log.push("main start");
            let t1 = mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    log.push(format!("t1 got {}", q.get().await));
                    log.push("t1 end");
                }
            });
            let t2 = mix::spawn({
                let (q, log) = (q.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    q.put(4).await.unwrap();
                    log.push("t2 put 4");
                    q.try_put(5).unwrap();
                    log.push("t2 put 5");
                    q.put(6).await.unwrap();
                    log.push("t2 put 6");
                    log.push("t2 end");
                }
            });
            log.push(format!("main got {}", q.get().await));
            let done = greenery::joinall_indexed([t1, t2]).await;
            let names: Vec<String> = done.iter().map(|(i, _)| format!("t{}", i + 1)).collect();
            log.push(format!("main joinall {}", names.join(" ")));
            log.push("main end");
        });
    });
}
