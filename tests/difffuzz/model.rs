//! A model of greenery's run queue, built from what the interpreter's tasks observe: every
//! task's future is wrapped so that its polls and the wakes of its waker are recorded. The
//! model tells where each task stands in the queue, who woke it (a running task, or a timer),
//! and when tasks finished, which is what the interpreter needs to recognise situations where
//! gevent's one-callback notification passes order things differently from greenery's
//! per-task wake-ups (see `interp::Hazard`).
//!
//! It also checks greenery's own promise on the way: a task is polled only when it is at the
//! head of the FIFO (`mismatches` counts the exceptions; a run with any fails the test).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

#[derive(Default)]
pub struct Model {
    /// Task indices in run-queue order.
    pub queue: VecDeque<usize>,
    pub running: Option<usize>,
    /// A logical clock: one tick per wake, poll and finish.
    pub now: u64,
    /// Per task: when it was last queued, and whether a timer (no task running) did it.
    pub woken_at: Vec<u64>,
    pub woken_by_timer: Vec<bool>,
    /// Polls so far; a task's joiners are woken in the turn of its last poll.
    pub turn: u64,
    /// Every queuing: (time, turn, task).
    pub wakes: Vec<(u64, u64, usize)>,
    pub finished_at: Vec<Option<u64>>,
    /// Per task: the turn it finished in.
    pub finished_turn: Vec<u64>,
    /// Per task: how often it was polled.
    pub polls: Vec<u64>,
    /// Per task: the object (see `interp`) and operation id it is blocked in, if any, and
    /// whether that operation is a put.
    pub waiting_on: Vec<Option<(usize, usize)>>,
    pub putting: Vec<bool>,
    /// The objects that are bounded queues.
    pub bounded: Vec<usize>,
    /// The objects whose waiting operations the running task completed in this poll (it
    /// runs inside their notification passes, in gevent's terms).
    pub served: Vec<usize>,
    /// A task that must run right after the running task's turn: the putter whose Channel
    /// item it took (gevent's hand-out resumes the pair back to back).
    pub next: Option<usize>,
    /// Operations of waiters queued out of a notification pass's order (see [`Model::end_poll`]).
    pub breaks: Vec<usize>,
    pub mismatches: Vec<String>,
}

thread_local! {
    static MODEL: RefCell<Option<Model>> = const { RefCell::new(None) };
}

/// Runs `f` on the model of the current thread (there is one while a program runs).
pub fn with<R>(f: impl FnOnce(&mut Model) -> R) -> R {
    MODEL.with(|m| f(m.borrow_mut().as_mut().expect("a program is running")))
}

/// Like [`with`], but `None` once the program ended.
pub fn try_with<R>(f: impl FnOnce(&mut Model) -> R) -> Option<R> {
    MODEL
        .try_with(|m| m.borrow_mut().as_mut().map(f))
        .ok()
        .flatten()
}

/// Starts a model for `tasks` tasks; main (task 0) is queued first, as `block_on` does.
pub fn start(tasks: usize) {
    let mut model = Model {
        woken_at: vec![0; tasks],
        woken_by_timer: vec![false; tasks],
        finished_at: vec![None; tasks],
        finished_turn: vec![0; tasks],
        polls: vec![0; tasks],
        waiting_on: vec![None; tasks],
        putting: vec![false; tasks],
        ..Model::default()
    };
    model.queue.push_back(0);
    MODEL.with(|m| *m.borrow_mut() = Some(model));
}

/// Ends the model and returns it.
pub fn finish() -> Model {
    MODEL.with(|m| m.borrow_mut().take().expect("a model"))
}

impl Model {
    /// Queues task `k` unless it is queued already (greenery queues a task once however
    /// often it is woken).
    pub fn wake(&mut self, k: usize) {
        self.now += 1;
        if self.finished_at[k].is_none() && !self.queue.contains(&k) {
            self.queue.push_back(k);
            self.woken_at[k] = self.now;
            self.woken_by_timer[k] = self.running.is_none();
            self.wakes.push((self.now, self.turn, k));
        }
    }

    /// Task `k` is gone (killed) before it ran again.
    pub fn remove(&mut self, k: usize) {
        self.queue.retain(|&t| t != k);
        if self.finished_at[k].is_none() {
            self.finished_at[k] = Some(self.now);
            self.finished_turn[k] = self.turn;
        }
    }

    fn begin_poll(&mut self, k: usize) {
        self.now += 1;
        if self.queue.front() != Some(&k) {
            self.mismatches.push(format!(
                "t{k} polled while the model's queue is {:?}",
                self.queue
            ));
        }
        self.queue.retain(|&t| t != k);
        self.running = Some(k);
        self.turn += 1;
        self.polls[k] += 1;
        self.served.clear();
        self.next = None;
    }

    /// After each poll: gevent serves the waiters of an Event, a Semaphore or a Queue that
    /// one notification makes ready in one callback, back to back, and a waiter it resumes
    /// that makes the next one ready is followed by it at once. greenery wakes each waiter
    /// on its own, so its order is gevent's only if the waiters woken by one object (not by
    /// a timer) sit together in the run queue, and right at its head after the running task
    /// was served by that object (and a Channel putter right after the getter that took its
    /// item, and on a bounded queue a woken putter before a woken getter, as gevent's pass
    /// admits a putter first). Where not, the first waiter out of place is a break.
    fn end_poll(&mut self, k: usize, ready: bool) {
        self.now += 1;
        self.running = None;
        if ready {
            // A finished task's entry (it woke itself, then finished) is skipped by greenery.
            self.finished_at[k] = Some(self.now);
            self.finished_turn[k] = self.turn;
            self.queue.retain(|&t| t != k);
        }
        if let Some(putter) = self.next.take() {
            if self.queue.front() != Some(&putter) {
                if let Some((_, op)) = self.waiting_on[putter] {
                    self.breaks.push(op);
                }
            }
        }
        let mut objects: Vec<usize> = Vec::new();
        for &t in &self.queue {
            if let (Some((obj, _)), false) = (self.waiting_on[t], self.woken_by_timer[t]) {
                if !objects.contains(&obj) {
                    objects.push(obj);
                }
            }
        }
        for obj in objects {
            let at: Vec<usize> = (0..self.queue.len())
                .filter(|&i| {
                    let t = self.queue[i];
                    !self.woken_by_timer[t] && self.waiting_on[t].is_some_and(|w| w.0 == obj)
                })
                .collect();
            // A bounded queue's pass admits a waiting putter before it serves a getter.
            let getter_first =
                |w: &[usize]| !self.putting[self.queue[w[0]]] && self.putting[self.queue[w[1]]];
            let first_out = if self.served.contains(&obj) && at[0] != 0 {
                Some(at[0])
            } else if let Some(w) = at.windows(2).find(|w| w[1] != w[0] + 1) {
                Some(w[1])
            } else if self.bounded.contains(&obj) {
                at.windows(2).find(|w| getter_first(w)).map(|w| w[1])
            } else {
                None
            };
            if let Some(i) = first_out {
                let t = self.queue[i];
                self.breaks.push(self.waiting_on[t].expect("a waiter").1);
            }
        }
    }
}

struct TracedWake {
    task: usize,
    inner: Waker,
}

impl Wake for TracedWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Wakes once the program ended (a runtime dropping its tasks) find no model.
        try_with(|m| m.wake(self.task));
        self.inner.wake_by_ref();
    }
}

/// A task's future, with its polls and wakes recorded. The wrapped waker is kept while the
/// runtime's waker stays the same, so that wait lists see one stable waker per task.
pub struct Traced<F> {
    task: usize,
    inner: Pin<Box<F>>,
    waker: Option<(Waker, Waker)>,
}

impl<F> Traced<F> {
    pub fn new(task: usize, inner: F) -> Traced<F> {
        Traced {
            task,
            inner: Box::pin(inner),
            waker: None,
        }
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let k = this.task;
        let fresh = match &this.waker {
            Some((inner, _)) => !inner.will_wake(cx.waker()),
            None => true,
        };
        if fresh {
            let traced = Waker::from(Arc::new(TracedWake {
                task: k,
                inner: cx.waker().clone(),
            }));
            this.waker = Some((cx.waker().clone(), traced));
        }
        let waker = this
            .waker
            .as_ref()
            .map(|(_, w)| w.clone())
            .expect("a waker");
        with(|m| m.begin_poll(k));
        let result = this.inner.as_mut().poll(&mut Context::from_waker(&waker));
        with(|m| m.end_poll(k, result.is_ready()));
        result
    }
}
