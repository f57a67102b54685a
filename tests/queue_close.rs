//! Closing a queue (gevent's `Queue.shutdown()`, `tests/gevent/queue_shutdown.py`): puts fail
//! with the item given back, getters drain what is left and then see the end.

mod common;

use std::pin::Pin;
use std::time::Duration;

use common::{gevent, Log};
use futures_core::Stream;
use greenery::queue::{Channel, PutError, Queue};
use greenery::{spawn, yield_now};

#[test]
fn close_fails_puts_and_ends_getters_after_the_last_item() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let q = Queue::new();
            let consumer = |name: &'static str| {
                let (q, log) = (q.clone(), log.clone());
                async move {
                    while let Some(item) = q.next().await {
                        log.push(format!("{name} got {item}"));
                        yield_now().await;
                    }
                    log.push(format!("{name} sees the end"));
                }
            };
            let c1 = spawn(consumer("c1"));
            let c2 = spawn(consumer("c2"));
            yield_now().await;
            for i in 1..=3 {
                q.put(i).await.unwrap();
            }
            yield_now().await;
            q.put(4).await.unwrap();
            q.put(5).await.unwrap();
            q.close();
            log.push(format!("shut down with {} items left", q.len()));
            if let Err(closed) = q.put(6).await {
                assert_eq!(closed.into_inner(), 6);
                log.push("put after the shutdown: ShutDown");
            }
            greenery::joinall([c1, c2]).await;
            log.push(format!("left {}", q.len()));

            log.push("--- a putter waiting on a full queue");
            let b = Queue::bounded(1).unwrap();
            b.put("x").await.unwrap();
            let b2 = b.clone();
            let l = log.clone();
            let p = spawn(async move {
                if let Err(closed) = b2.put("y").await {
                    assert_eq!(closed.into_inner(), "y");
                    l.push("waiting putter: ShutDown");
                }
            });
            yield_now().await;
            b.close();
            p.await.unwrap();
            log.push(format!("a get still drains: {}", b.next().await.unwrap()));
            if b.next().await.is_none() {
                log.push("then the end: ShutDown");
            }
        }
    });
    log.assert(&gevent(include_str!("gevent/queue_shutdown.out")));
}

/// A getter waiting on an empty queue sees the end as soon as the queue closes; `try_put` and
/// `put_timeout` say `Closed`, not `Full`; the stream ends; closing twice changes nothing.
#[test]
fn waiting_getters_end_and_every_put_says_closed() {
    let out = greenery::run(async {
        let q: Queue<u32> = Queue::bounded(1).unwrap();
        let q2 = q.clone();
        let waiting = spawn(async move { q2.next().await });
        yield_now().await;
        assert_eq!(q.getters(), 1);
        q.close();
        q.close();
        assert_eq!(waiting.await.unwrap(), None);
        assert_eq!(q.getters(), 0);
        let try_put = q.try_put(1).unwrap_err();
        let timed = q
            .put_timeout(2, Duration::from_millis(1))
            .await
            .unwrap_err();
        assert!(matches!(try_put, PutError::Closed(1)));
        assert!(matches!(timed, PutError::Closed(2)));
        assert_eq!(timed.to_string(), "the queue is closed");
        let mut stream = q.clone();
        // the Stream, not `Queue::next`
        let end = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await;
        (end, q.is_closed(), q.try_get().is_err())
    });
    assert_eq!(out, (None, true, true));
}

/// Items put before the close are still owed `task_done` for `join`.
#[test]
fn join_still_waits_for_items_put_before_the_close() {
    greenery::run(async {
        let q = Queue::new();
        q.put(1).await.unwrap();
        q.close();
        assert!(!q.join_timeout(Duration::from_millis(1)).await);
        assert_eq!(q.next().await, Some(1));
        q.task_done().unwrap();
        q.join().await;
    });
}

/// A closed channel gives an offer nobody took back to its putter; one already taken counts as
/// delivered; getters then see the end.
#[test]
fn closing_a_channel_returns_untaken_offers_and_ends_getters() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ch = Channel::new();
            let (c1, c2) = (ch.clone(), ch.clone());
            let taken = spawn(async move { c1.put("taken").await });
            let untaken = spawn(async move { c2.put("untaken").await });
            yield_now().await; // both offer
            log.push(format!("got {:?}", ch.try_get()));
            ch.close();
            log.push(format!("taken: {:?}", taken.await.unwrap()));
            let back = untaken.await.unwrap().unwrap_err().into_inner();
            log.push(format!("untaken came back: {back}"));
            log.push(format!("next: {:?}", ch.next().await));
            log.push(format!("put: {:?}", ch.put("late").await));
        }
    });
    log.assert(
        r#"got Ok("taken")
           taken: Ok(())
           untaken came back: untaken
           next: None
           put: Err(Closed(..))"#,
    );
}
