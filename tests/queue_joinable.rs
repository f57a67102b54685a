//! SEMANTICS rule 22: task_done/join, Channel, Priority/Lifo queues, iteration; plus
//! random put/get interleavings that never lose or duplicate an item.

mod common;

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use common::{run_paused, Log, XorShift};
use futures_core::Stream;
use greenery::queue::{Channel, Closed, JoinableQueue, Queue, TaskDoneError};
use greenery::time::sleep;
use greenery::{spawn, yield_now};

/// Port of semantics/r19_joinable_queue (gevent's `Queue(0)` warning becomes an error:
/// `Queue::bounded(0)` is tested in queue_bounded).
#[test]
fn rule22_task_done_join_channel_priority_lifo_iteration() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let q: JoinableQueue<u32> = Queue::new();
            let ws: Vec<_> = (0..2)
                .map(|n| {
                    let (q, log) = (q.clone(), log.clone());
                    spawn(async move {
                        loop {
                            let item = q.get().await;
                            log.push(format!("worker {n} got {item}"));
                            sleep(Duration::from_millis(if n == 0 { 10 } else { 35 })).await;
                            log.push(format!("worker {n} done {item}"));
                            q.task_done().unwrap();
                        }
                    })
                })
                .collect();
            for i in 0..3 {
                q.put(i).await.unwrap();
            }
            log.push(format!("unfinished_tasks {}", q.unfinished_tasks()));
            q.join().await;
            log.push(format!(
                "join() returned; unfinished_tasks {}",
                q.unfinished_tasks()
            ));
            ws.iter().for_each(|w| {
                w.kill();
            });
            if let Err(e) = q.task_done() {
                log.push(format!("extra task_done() -> {e}"));
            }

            let ch = Channel::new();
            let (c2, l2) = (ch.clone(), log.clone());
            let g = spawn(async move { l2.push(format!("channel get -> {}", c2.get().await)) });
            log.push("channel put (blocks until a getter takes it)");
            ch.put("hello").await.unwrap();
            log.push("channel put returned");
            g.await.unwrap();

            let pq = Queue::priority();
            let lq = Queue::lifo();
            for x in [3, 1, 2] {
                pq.put(x).await.unwrap();
                lq.put(x).await.unwrap();
            }
            let mut p = Vec::new();
            let mut l = Vec::new();
            for _ in 0..3 {
                p.push(pq.get().await);
                l.push(lq.get().await);
            }
            log.push(format!("PriorityQueue {p:?} | LifoQueue {l:?}"));

            let mut it = Queue::new();
            for x in [Some(1), Some(2), None, Some(3)] {
                it.put(x).await.unwrap();
            }
            let mut seen = Vec::new();
            while let Some(Some(x)) =
                std::future::poll_fn(|cx| Pin::new(&mut it).poll_next(cx)).await
            {
                seen.push(x);
            }
            log.push(format!("iteration stops at the sentinel: {seen:?}"));
        }
    });
    log.assert(
        "unfinished_tasks 3
         worker 0 got 0
         worker 1 got 1
         worker 0 done 0
         worker 0 got 2
         worker 0 done 2
         worker 1 done 1
         join() returned; unfinished_tasks 0
         extra task_done() -> task_done() called too many times
         channel put (blocks until a getter takes it)
         channel get -> hello
         channel put returned
         PriorityQueue [1, 2, 3] | LifoQueue [2, 1, 3]
         iteration stops at the sentinel: [1, 2]",
    );
}

#[test]
fn task_done_on_a_fresh_queue_is_an_error_and_join_does_not_wait() {
    greenery::run(async {
        let q = Queue::<u8>::new();
        assert_eq!(q.task_done(), Err(TaskDoneError));
        q.join().await;
        q.try_put(1).unwrap();
        assert!(!q.join_timeout(Duration::from_millis(1)).await);
    });
}

#[test]
fn channel_getter_first_then_putter() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ch = Channel::new();
            let (c2, l2) = (ch.clone(), log.clone());
            let g = spawn(async move { l2.push(format!("got {}", c2.get().await)) });
            yield_now().await; // the getter waits
            log.push("putting");
            ch.put(1).await.unwrap();
            log.push("put returned");
            g.await.unwrap();
        }
    });
    log.assert("putting\ngot 1\nput returned");
}

#[test]
fn channel_timeouts_and_nowait() {
    run_paused(async {
        let ch = Channel::<u8>::new();
        assert!(ch.try_get().is_err());
        assert!(ch.get_timeout(Duration::from_millis(2)).await.is_err());
        assert_eq!(ch.getters(), 0);
        let err = ch
            .put_timeout(3, Duration::from_millis(2))
            .await
            .unwrap_err();
        assert_eq!(err.into_inner(), 3);
        assert_eq!(ch.putters(), 0);
    });
}

#[test]
fn a_killed_channel_putter_withdraws_its_item() {
    greenery::run(async {
        let ch = Channel::new();
        let c2 = ch.clone();
        let p = spawn(async move { c2.put("lost").await });
        yield_now().await;
        assert_eq!(ch.putters(), 1);
        p.kill();
        assert_eq!(ch.putters(), 0);
        assert!(ch.try_get().is_err());
        let c3 = ch.clone();
        spawn(async move { c3.put("kept").await });
        assert_eq!(ch.get().await, "kept");
    });
}

#[test]
fn a_killed_channel_getter_passes_its_wake_up_on() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let ch = Channel::new();
            let gs: Vec<_> = (0..2)
                .map(|i| {
                    let (ch, log) = (ch.clone(), log.clone());
                    spawn(async move { log.push(format!("g{i} got {}", ch.get().await)) })
                })
                .collect();
            yield_now().await;
            let c2 = ch.clone();
            let p = spawn(async move { c2.put('x').await });
            yield_now().await; // the putter offers 'x' and wakes g0
            gs[0].kill();
            p.await.unwrap().unwrap();
            greenery::joinall(gs).await;
        }
    });
    log.assert("g1 got x");
}

/// Random producers and consumers on bounded, unbounded and rendezvous queues, with random
/// yields, sleeps and kills of idle consumers: every item is received exactly once and
/// nothing deadlocks (a deadlock would be a LoopExit panic).
#[test]
fn random_put_get_interleavings_never_lose_or_duplicate() {
    for seed in 1..=30u64 {
        let mut rng = XorShift::new(seed);
        let kind = rng.below(3);
        let producers = 1 + rng.below(4) as usize;
        let consumers = 1 + rng.below(4) as usize;
        let per = 1 + rng.below(25) as usize;
        let total = producers * per;
        let received = Rc::new(RefCell::new(Vec::new()));
        run_paused({
            let received = received.clone();
            async move {
                enum Q {
                    Queue(Queue<usize>),
                    Channel(Channel<usize>),
                }
                impl Q {
                    async fn put(&self, x: usize) -> Result<(), Closed<usize>> {
                        match self {
                            Q::Queue(q) => q.put(x).await,
                            Q::Channel(c) => c.put(x).await,
                        }
                    }
                    async fn get(&self) -> usize {
                        match self {
                            Q::Queue(q) => q.get().await,
                            Q::Channel(c) => c.get().await,
                        }
                    }
                }
                let q = Rc::new(match kind {
                    0 => Q::Queue(Queue::new()),
                    1 => Q::Queue(Queue::bounded(1 + rng.below(3) as usize).unwrap()),
                    _ => Q::Channel(Channel::new()),
                });
                async fn pause(step: u64) {
                    match step {
                        0 => {}
                        1 | 2 => yield_now().await,
                        n => sleep(Duration::from_micros(n)).await,
                    }
                }
                // an extra getter that waits first
                let (q2, r2) = (q.clone(), received.clone());
                let doomed = spawn(async move {
                    let item = q2.get().await;
                    r2.borrow_mut().push(item);
                });
                let mut handles = Vec::new();
                for p in 0..producers {
                    let q = q.clone();
                    let steps: Vec<u64> = (0..per).map(|_| rng.below(5)).collect();
                    handles.push(spawn(async move {
                        for (i, step) in steps.into_iter().enumerate() {
                            q.put(p * 1000 + i).await.unwrap();
                            pause(step).await;
                        }
                    }));
                }
                // consumers take until the shared budget is used up
                let budget = Rc::new(std::cell::Cell::new(total));
                let mut consumer_handles = Vec::new();
                for _ in 0..consumers {
                    let (q, received, budget) = (q.clone(), received.clone(), budget.clone());
                    let steps: Vec<u64> = (0..total).map(|_| rng.below(5)).collect();
                    consumer_handles.push(spawn(async move {
                        for step in steps {
                            if budget.get() == 0 {
                                break;
                            }
                            budget.set(budget.get() - 1);
                            let item = q.get().await;
                            received.borrow_mut().push(item);
                            pause(step).await;
                        }
                    }));
                }
                // the extra getter, woken by the first put, is killed before it runs: it must
                // not swallow an item nor the wake-up
                yield_now().await;
                doomed.kill();
                greenery::joinall(handles).await;
                greenery::joinall(consumer_handles).await;
            }
        });
        let mut got = received.borrow().clone();
        got.sort_unstable();
        let mut want: Vec<usize> = (0..producers)
            .flat_map(|p| (0..per).map(move |i| p * 1000 + i))
            .collect();
        want.sort_unstable();
        assert_eq!(got, want, "seed {seed}");
    }
}
