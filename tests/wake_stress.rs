//! Stress: a million spawned tasks, and a million wakes sent from four foreign threads, none
//! lost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

const TASKS: usize = 1_000_000;

#[test]
fn a_million_spawned_tasks_all_run_once() {
    let total = greenery::run(async {
        let ran = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let handles: Vec<_> = (0..TASKS)
            .map(|i| {
                let ran = ran.clone();
                greenery::spawn(async move {
                    ran.set(ran.get() + 1);
                    i
                })
            })
            .collect();
        let mut sum = 0usize;
        for h in handles {
            sum += h.await.unwrap();
        }
        assert_eq!(ran.get(), TASKS);
        sum
    });
    assert_eq!(total, TASKS * (TASKS - 1) / 2);
}

/// One receiving task per slot; foreign threads bump a slot's counter and wake its task.
struct Slot {
    sent: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

#[test]
fn a_million_foreign_wakes_from_four_threads_none_lost() {
    const THREADS: usize = 4;
    const SLOTS: usize = 1_000;
    const WAKES: usize = 1_000_000;
    let slots: Arc<Vec<Slot>> = Arc::new(
        (0..SLOTS)
            .map(|_| Slot {
                sent: AtomicUsize::new(0),
                waker: Mutex::new(None),
            })
            .collect(),
    );
    let received = greenery::run(async {
        let receivers: Vec<_> = (0..SLOTS)
            .map(|i| {
                let slots = slots.clone();
                greenery::spawn(async move {
                    let quota = WAKES / SLOTS;
                    std::future::poll_fn(|cx| {
                        let slot = &slots[i];
                        *slot.waker.lock().unwrap() = Some(cx.waker().clone());
                        if slot.sent.load(Ordering::Acquire) >= quota {
                            Poll::Ready(quota)
                        } else {
                            Poll::Pending
                        }
                    })
                    .await
                })
            })
            .collect();
        greenery::yield_now().await; // every receiver registers its waker
        let senders: Vec<_> = (0..THREADS)
            .map(|t| {
                let (slots, guard) = (slots.clone(), greenery::runtime::keep_alive());
                std::thread::spawn(move || {
                    for n in 0..WAKES / THREADS {
                        let slot = &slots[(n * THREADS + t) % SLOTS];
                        slot.sent.fetch_add(1, Ordering::AcqRel);
                        if let Some(waker) = slot.waker.lock().unwrap().as_ref() {
                            waker.wake_by_ref();
                        }
                    }
                    drop(guard);
                })
            })
            .collect();
        let mut received = 0;
        for r in receivers {
            received += r.await.unwrap();
        }
        for s in senders {
            s.join().unwrap();
        }
        received
    });
    assert_eq!(received, WAKES);
}
