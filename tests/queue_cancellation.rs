//! Queue and Channel operations cancelled in large numbers, by random timeouts and random
//! kills (some of tasks that were just woken), with an exact account at the end: no item is
//! lost, duplicated or delivered from a put that reported failure.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use common::{run_paused, XorShift};
use greenery::queue::{Channel, Queue};
use greenery::time::{sleep, timeout};
use greenery::{spawn, yield_now, JoinHandle};

enum Q {
    Queue(Queue<u64>),
    Channel(Channel<u64>),
}

impl Q {
    fn name(&self) -> String {
        match self {
            Q::Queue(q) => format!("Queue({:?})", q.capacity()),
            Q::Channel(_) => "Channel".into(),
        }
    }
}

/// What happened to every operation and item.
#[derive(Default)]
struct Account {
    started: Cell<usize>,
    timed_out: Cell<usize>,
    killed: Cell<usize>,
    /// Items whose put returned success.
    put_ok: RefCell<Vec<u64>>,
    /// Items whose put reported a timeout (they must never be delivered).
    put_failed: RefCell<Vec<u64>>,
    /// Items whose put was killed before it returned.
    put_killed: RefCell<Vec<u64>>,
    got: RefCell<Vec<u64>>,
}

/// Counts an operation and notices when it is dropped before it returned (killed).
struct Op<'a> {
    account: &'a Account,
    done: bool,
    on_kill: Option<u64>,
}

impl<'a> Op<'a> {
    fn start(account: &'a Account, put: Option<u64>) -> Op<'a> {
        account.started.set(account.started.get() + 1);
        Op {
            account,
            done: false,
            on_kill: put,
        }
    }
}

impl Drop for Op<'_> {
    fn drop(&mut self) {
        if !self.done {
            let a = self.account;
            a.killed.set(a.killed.get() + 1);
            if let Some(item) = self.on_kill {
                a.put_killed.borrow_mut().push(item);
            }
        }
    }
}

/// Runs `op` under a timeout of `ms`; records a timeout.
async fn timed<F: Future>(account: &Account, ms: u64, op: F) -> Option<F::Output> {
    let out = timeout(Duration::from_millis(ms), op).await.ok();
    if out.is_none() {
        account.timed_out.set(account.timed_out.get() + 1);
    }
    out
}

/// How a worker paces itself: the slow side of a run pauses long between operations, so
/// that most operations of the fast side find nothing and time out.
#[derive(Clone, Copy)]
struct Pace {
    slow: bool,
}

impl Pace {
    /// (timeout in ms, pause: 0 none, 1 a yield, n a sleep of n - 1 ms, timeout style)
    fn draw(self, rng: &RefCell<XorShift>) -> (u64, u64, u64) {
        let mut r = rng.borrow_mut();
        if self.slow {
            (1 + r.below(4), 2 + r.below(6), r.below(2))
        } else {
            (r.below(3), r.below(3), r.below(2))
        }
    }
}

async fn producer(q: Rc<Q>, account: Rc<Account>, rng: Rc<RefCell<XorShift>>, pace: Pace, id: u64) {
    for i in 0.. {
        let item = id * 1_000_000 + i;
        let (limit, pause, style) = pace.draw(&rng);
        let mut op = Op::start(&account, Some(item));
        let ok = match (&*q, style) {
            (Q::Queue(q), 0) => q
                .put_timeout(item, Duration::from_millis(limit))
                .await
                .is_ok(),
            (Q::Queue(q), _) => timed(&account, limit, q.put(item)).await == Some(Ok(())),
            (Q::Channel(c), 0) => c
                .put_timeout(item, Duration::from_millis(limit))
                .await
                .is_ok(),
            (Q::Channel(c), _) => timed(&account, limit, c.put(item)).await == Some(Ok(())),
        };
        op.done = true;
        if ok {
            account.put_ok.borrow_mut().push(item);
        } else {
            if style == 0 {
                account.timed_out.set(account.timed_out.get() + 1);
            }
            account.put_failed.borrow_mut().push(item);
        }
        drop(op);
        match pause {
            0 => {}
            1 => yield_now().await,
            n => sleep(Duration::from_millis(n - 1)).await,
        }
    }
}

async fn consumer(q: Rc<Q>, account: Rc<Account>, rng: Rc<RefCell<XorShift>>, pace: Pace) {
    loop {
        let (limit, pause, style) = pace.draw(&rng);
        let mut op = Op::start(&account, None);
        let got = match (&*q, style) {
            (Q::Queue(q), 0) => q.get_timeout(Duration::from_millis(limit)).await.ok(),
            (Q::Queue(q), _) => timed(&account, limit, q.get()).await,
            (Q::Channel(c), 0) => c.get_timeout(Duration::from_millis(limit)).await.ok(),
            (Q::Channel(c), _) => timed(&account, limit, c.get()).await,
        };
        op.done = true;
        match got {
            Some(item) => account.got.borrow_mut().push(item),
            None if style == 0 => account.timed_out.set(account.timed_out.get() + 1),
            None => {}
        }
        drop(op);
        match pause {
            0 => {}
            1 => yield_now().await,
            n => sleep(Duration::from_millis(n - 1)).await,
        }
    }
}

/// One run: producers and consumers cancelled at random for 300 virtual ms, then the
/// account. Returns (operations started, cancelled).
fn run_seed(seed: u64) -> (usize, usize) {
    let rng = Rc::new(RefCell::new(XorShift::new(seed)));
    let (kind, bound, slow_producers) = {
        let mut r = rng.borrow_mut();
        (r.below(4), 1 + r.below(3) as usize, r.below(2) == 0)
    };
    // Puts on an unbounded queue never wait: there the producers are the slow side.
    let slow_producers = slow_producers || kind == 0;
    let q = Rc::new(match kind {
        0 => Q::Queue(Queue::new()),
        1 | 2 => Q::Queue(Queue::bounded(bound).unwrap()),
        _ => Q::Channel(Channel::new()),
    });
    let account = Rc::new(Account::default());
    let remaining = run_paused({
        let (q, account, rng) = (q.clone(), account.clone(), rng.clone());
        async move {
            let mut next_id = 0;
            let mut spawn_worker = |producer_role: bool| -> (bool, JoinHandle<()>) {
                let (q, account, rng) = (q.clone(), account.clone(), rng.clone());
                next_id += 1;
                let id = next_id;
                let handle = if producer_role {
                    let pace = Pace {
                        slow: slow_producers,
                    };
                    spawn(async move { producer(q, account, rng, pace, id).await })
                } else {
                    let pace = Pace {
                        slow: !slow_producers,
                    };
                    spawn(async move { consumer(q, account, rng, pace).await })
                };
                (producer_role, handle)
            };
            // Fewer workers on the slow side.
            let (slow, fast) = {
                let mut r = rng.borrow_mut();
                (1 + r.below(2), 2 + r.below(3))
            };
            let (producers, consumers) = if slow_producers {
                (slow, fast)
            } else {
                (fast, slow)
            };
            let mut workers: Vec<(bool, JoinHandle<()>)> = Vec::new();
            for i in 0..producers + consumers {
                workers.push(spawn_worker(i < producers));
            }
            // The chaos: at random instants kill a random worker and start another in its
            // role; for queues, sometimes put an item first and kill at once, so that the
            // victim is often a getter that was just woken for that item.
            let start = greenery::time::now();
            while greenery::time::now() - start < Duration::from_millis(300) {
                let (pause, victim, put_first) = {
                    let mut r = rng.borrow_mut();
                    (
                        r.below(4),
                        r.below(workers.len() as u64) as usize,
                        r.below(3) == 0,
                    )
                };
                sleep(Duration::from_millis(1 + pause)).await;
                if let (Q::Queue(queue), true) = (&*q, put_first) {
                    let item = 999_000_000 + account.put_ok.borrow().len() as u64;
                    if queue.try_put(item).is_ok() {
                        account.put_ok.borrow_mut().push(item);
                    }
                }
                let role = workers[victim].0;
                workers[victim].1.kill();
                workers[victim] = spawn_worker(role);
            }
            for (_, worker) in &workers {
                worker.kill();
            }
            let mut remaining = Vec::new();
            if let Q::Queue(queue) = &*q {
                while let Ok(item) = queue.try_get() {
                    remaining.push(item);
                }
            }
            remaining
        }
    });
    let a = &*account;
    let what = format!("seed {seed}, {}", q.name());
    let mut got = a.got.borrow().clone();
    let put_ok = a.put_ok.borrow().clone();
    let put_failed = a.put_failed.borrow().clone();
    let put_killed = a.put_killed.borrow().clone();
    // Every item delivered or left in the queue, once.
    let mut delivered = got.clone();
    delivered.extend(&remaining);
    delivered.sort_unstable();
    let before = delivered.len();
    delivered.dedup();
    assert_eq!(
        before,
        delivered.len(),
        "{what}: an item was delivered twice"
    );
    // A successful put is delivered or still queued.
    for item in &put_ok {
        assert!(
            delivered.binary_search(item).is_ok(),
            "{what}: item {item} was lost"
        );
    }
    // A put that reported failure never delivered its item.
    for item in &put_failed {
        assert!(
            delivered.binary_search(item).is_err(),
            "{what}: item {item} was delivered though its put failed"
        );
    }
    // Nothing else: a killed put delivered its item only on a Channel (the getter took it
    // before the putter learnt so), never on a Queue (the item is dropped with the put).
    got.retain(|item| !put_ok.contains(item));
    for item in got
        .iter()
        .chain(remaining.iter().filter(|i| !put_ok.contains(i)))
    {
        assert!(
            matches!(*q, Q::Channel(_)) && put_killed.contains(item),
            "{what}: item {item} came from nowhere"
        );
    }
    assert!(
        !put_ok.is_empty() && !a.got.borrow().is_empty(),
        "{what}: nothing flowed"
    );
    eprintln!(
        "{what}: slow producers {slow_producers}, {} ops, {} timed out, {} killed, {} put ok, {} got",
        a.started.get(),
        a.timed_out.get(),
        a.killed.get(),
        put_ok.len(),
        a.got.borrow().len()
    );
    (a.started.get(), a.timed_out.get() + a.killed.get())
}

#[test]
fn queue_and_channel_operations_cancelled_at_random_lose_and_duplicate_nothing() {
    let (mut started, mut cancelled) = (0, 0);
    for seed in 1..=40 {
        let (s, c) = run_seed(seed);
        // Each run cancels a good share on its own, not only the total.
        assert!(
            c * 100 >= s * 35,
            "seed {seed}: only {c} of {s} operations cancelled"
        );
        started += s;
        cancelled += c;
    }
    assert!(
        cancelled * 100 >= started * 50,
        "only {cancelled} of {started} operations cancelled"
    );
}
