//! Bounded queues: SEMANTICS rule 21 (backpressure, FIFO putters, alternating hand-out),
//! Full, timeouts, killed putters.

mod common;

use std::time::Duration;

use common::{run_paused, Log};
use greenery::queue::{PutError, Queue, ZeroCapacity};
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
