//! Runs a [`Program`] on greenery with a paused clock and records its trace.
//!
//! Each operation maps to greenery's own API (the port a user would write): `yield_now`,
//! `time::sleep`/`timeout`, `Event::wait_timeout`, `Queue::put_timeout`/`try_get`,
//! `Semaphore::acquire_timeout`, `Task::kill`/`join_timeout`, `greenery::wait` for `joinall`.
//! The clock is virtual, so a run is instant and exact; the Python side maps virtual instants
//! to real ones (see `prelude.py`).
//!
//! Besides the trace, a run reports timers that tie: two timers armed for the same virtual
//! deadline and both still armed when the clock reaches it. Their relative order is libev's
//! heap order in gevent (SEMANTICS artifact A1), not something to compare, so the fuzzer
//! moves one of them. It also reports the operations that met a [`Hazard`], a situation of
//! an open divergence, found with the run-queue model (`model.rs`).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use greenery::queue::{Channel, Queue};
use greenery::sync::{Event, Semaphore};
use greenery::task::TaskState;
use greenery::{JoinHandle, Task};

use super::model::{self, Traced};
use super::program::{Op, Program, QueueKind};

/// What a run produced.
pub struct Outcome {
    pub trace: Vec<String>,
    /// Operation ids (pre-order over all tasks) of timers whose deadline ties with an earlier
    /// armed one that was still pending at that deadline.
    pub ties: Vec<usize>,
    /// Operations that ran into a situation where greenery is known to differ from gevent
    /// (docs/difffuzz.md), with their ids.
    pub hazards: Vec<(Hazard, usize)>,
    /// Polls the run-queue model did not expect (greenery's FIFO broken, or the model wrong).
    pub mismatches: Vec<String>,
}

/// A situation where greenery's behaviour is known to differ from gevent's and that is not
/// fixed yet; the fuzzer leaves the operations that meet it out ([`super::fuzz::Avoid`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hazard {
    /// `kill` of a started, unfinished task while some task is runnable: gevent's `kill()`
    /// queues the `GreenletExit` behind the run queue and waits; greenery kills at once.
    RacyKill,
    /// `wait` on an Event whose notification pass is pending or in progress: gevent's
    /// waiter joins that pass (even when the flag is set); greenery's returns at once or
    /// waits for the next `set`.
    EventPassPending,
    /// `get` on a Channel with a waiting putter: gevent's getter waits for the hand-out pass;
    /// greenery's takes the item at once.
    ChannelGetFromPutter,
    /// Waiters of one Event, Semaphore, Queue or Channel that gevent would serve in one
    /// notification pass, back to back, but that greenery's run queue has apart (see
    /// `model::Model::end_poll`): e.g. two puts with another wake-up between them, or a
    /// getter that, resumed by the pass, puts again.
    PassOrder,
    /// `joinall` that found several tasks finished at once: gevent resumes the caller at the
    /// notification of the last one it needs; greenery's `wait` at the first wake-up after
    /// which they are all finished.
    JoinAllCoalesced,
    /// `joinall(count=n)` with n below the number of tasks: gevent resumes the caller at the
    /// notification of the n-th finished greenlet and returns exactly n; greenery's `wait`
    /// resumes at the first wake-up and returns every task it then finds finished.
    JoinAllCount,
}

impl Hazard {
    pub const ALL: [Hazard; 6] = [
        Hazard::RacyKill,
        Hazard::EventPassPending,
        Hazard::ChannelGetFromPutter,
        Hazard::PassOrder,
        Hazard::JoinAllCoalesced,
        Hazard::JoinAllCount,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Hazard::RacyKill => "racy-kill",
            Hazard::EventPassPending => "event-pass-pending",
            Hazard::ChannelGetFromPutter => "channel-get-from-putter",
            Hazard::PassOrder => "pass-order",
            Hazard::JoinAllCoalesced => "joinall-coalesced",
            Hazard::JoinAllCount => "joinall-count",
        }
    }
}

enum Q {
    Queue(Queue<u32>),
    Channel(Channel<u32>),
}

struct TimerRec {
    op: usize,
    deadline: u64,
    /// The virtual time the operation ended (or was cancelled); `None`: still armed when the
    /// program ended.
    end: Option<u64>,
}

struct World {
    program: Program,
    /// The id of each task's first operation.
    bases: Vec<usize>,
    log: RefCell<Vec<String>>,
    exiting: Cell<bool>,
    start: Cell<Option<Instant>>,
    end: Cell<u64>,
    events: Vec<Event>,
    queues: Vec<Q>,
    sems: Vec<Semaphore>,
    handles: RefCell<Vec<Option<JoinHandle<()>>>>,
    timers: RefCell<Vec<TimerRec>>,
    started: RefCell<Vec<bool>>,
    /// Per event: the tasks inside a `wait` on it, and those of them a `set` notified.
    event_waiting: Vec<RefCell<Vec<usize>>>,
    event_notified: Vec<RefCell<Vec<usize>>>,
    hazards: RefCell<Vec<(Hazard, usize)>>,
    /// The task putting each value into a Channel.
    channel_putters: RefCell<Vec<(u32, usize)>>,
}

type W = Rc<World>;

impl World {
    fn log(&self, t: usize, what: impl AsRef<str>) {
        if !self.exiting.get() {
            self.log
                .borrow_mut()
                .push(format!("t{t} {}", what.as_ref()));
        }
    }

    fn vnow(&self) -> u64 {
        let start = self.start.get().expect("the program started");
        (greenery::time::now() - start).as_millis() as u64
    }

    fn hazard(&self, hazard: Hazard, op: usize) {
        self.hazards.borrow_mut().push((hazard, op));
    }

    /// Whether a kill of task `k` would let gevent run other tasks first: its `kill()` queues
    /// the `GreenletExit` behind everything runnable (an unstarted greenlet is killed at
    /// once).
    fn kill_is_racy(&self, k: usize) -> bool {
        let target = self.task(k);
        self.started.borrow()[k] && !target.is_finished() && model::with(|m| !m.queue.is_empty())
    }

    fn task(&self, k: usize) -> Task {
        self.handles.borrow()[k]
            .as_ref()
            .expect("the checker ensures a task is spawned before it is used")
            .task()
    }

    /// Records a timer of `d` ms armed now by operation `op`; the guard records its end.
    fn arm(self: &W, op: usize, d: u32) -> Armed {
        let mut timers = self.timers.borrow_mut();
        timers.push(TimerRec {
            op,
            deadline: self.vnow() + u64::from(d),
            end: None,
        });
        Armed {
            world: self.clone(),
            index: timers.len() - 1,
        }
    }
}

struct Armed {
    world: W,
    index: usize,
}

impl Drop for Armed {
    fn drop(&mut self) {
        if !self.world.exiting.get() {
            let now = self.world.vnow();
            self.world.timers.borrow_mut()[self.index].end = Some(now);
        }
    }
}

/// Object ids for the model: events, queues and semaphores.
fn event(e: usize) -> usize {
    e
}
fn queue(q: usize) -> usize {
    100 + q
}
fn sem(s: usize) -> usize {
    200 + s
}

/// Tells the model the running task is blocked in operation `op` on object `obj`, until the
/// operation ends.
struct Blocked {
    task: usize,
    obj: usize,
    polls: u64,
}

impl Blocked {
    fn new(task: usize, obj: usize, op: usize) -> Blocked {
        Blocked::waiting(task, obj, op, false)
    }

    fn putting(task: usize, obj: usize, op: usize) -> Blocked {
        Blocked::waiting(task, obj, op, true)
    }

    fn waiting(task: usize, obj: usize, op: usize, put: bool) -> Blocked {
        let polls = model::with(|m| {
            m.waiting_on[task] = Some((obj, op));
            m.putting[task] = put;
            m.polls[task]
        });
        Blocked { task, obj, polls }
    }

    /// The operation succeeded: if it had to wait, its object served the running task.
    fn served(self) {
        model::with(|m| {
            if m.polls[self.task] != self.polls {
                m.served.push(self.obj);
            }
        });
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        model::try_with(|m| m.waiting_on[self.task] = None);
    }
}

/// Marks a task as inside a `wait` on an event, until the wait ends or is cancelled.
struct Inside {
    world: W,
    event: usize,
    task: usize,
}

impl Inside {
    fn new(world: &W, event: usize, task: usize) -> Inside {
        world.event_waiting[event].borrow_mut().push(task);
        Inside {
            world: world.clone(),
            event,
            task,
        }
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let w = &self.world;
        w.event_waiting[self.event]
            .borrow_mut()
            .retain(|&t| t != self.task);
        w.event_notified[self.event]
            .borrow_mut()
            .retain(|&t| t != self.task);
    }
}

/// Logs `tK killed` when a task's body is dropped before it ended (gevent's `except
/// GreenletExit`). Silent once main has ended: gevent abandons those greenlets (rule 13),
/// greenery drops them (a deliberate difference), neither is traced.
struct KillNote {
    world: W,
    task: usize,
    done: bool,
}

impl Drop for KillNote {
    fn drop(&mut self) {
        if !self.done {
            self.world.log(self.task, "killed");
        }
    }
}

fn ms(d: u32) -> Duration {
    Duration::from_millis(u64::from(d))
}

fn size(op: &Op) -> usize {
    match op {
        Op::Timeout(_, body) => 1 + body.iter().map(size).sum::<usize>(),
        _ => 1,
    }
}

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

fn run_ops(w: W, me: usize, ops: Vec<Op>, base: usize) -> Boxed {
    Box::pin(async move {
        let mut id = base;
        for op in ops {
            let n = size(&op);
            run_op(&w, me, op, id).await;
            id += n;
        }
    })
}

fn task_body(w: W, k: usize) -> Boxed {
    Box::pin(async move {
        w.started.borrow_mut()[k] = true;
        w.log(k, "start");
        let mut note = KillNote {
            world: w.clone(),
            task: k,
            done: false,
        };
        let ops = w.program.tasks[k].clone();
        run_ops(w.clone(), k, ops, w.bases[k]).await;
        note.done = true;
        w.log(k, "end");
    })
}

fn joined(state: TaskState) -> &'static str {
    match state {
        TaskState::Killed => "killed",
        TaskState::Finished => "done",
        other => unreachable!("a joined task is finished, not {other:?}"),
    }
}

async fn run_op(w: &W, me: usize, op: Op, id: usize) {
    let _armed = op.timer().map(|d| w.arm(id, d));
    match op {
        Op::Yield => {
            greenery::yield_now().await;
            w.log(me, "yielded");
        }
        Op::Sleep(d) => {
            greenery::time::sleep(ms(d)).await;
            w.log(me, format!("slept {d}"));
        }
        Op::Set(e) => {
            let waiting = w.event_waiting[e].borrow().clone();
            w.event_notified[e].borrow_mut().extend(waiting);
            w.events[e].set();
            w.log(me, format!("set e{e}"));
        }
        Op::Clear(e) => {
            w.events[e].clear();
            w.log(me, format!("clear e{e}"));
        }
        Op::Wait(e, t) => {
            // A pass is pending while a waiter it notified has not run, and in progress while
            // a waiter it resumed runs.
            let in_pass = model::with(|m| m.served.contains(&event(e)));
            if in_pass || !w.event_notified[e].borrow().is_empty() {
                w.hazard(Hazard::EventPassPending, id);
            }
            let _inside = Inside::new(w, e, me);
            let blocked = Blocked::new(me, event(e), id);
            let ok = match t {
                None => {
                    w.events[e].wait().await;
                    true
                }
                Some(d) => w.events[e].wait_timeout(ms(d)).await,
            };
            if ok {
                blocked.served();
            }
            w.log(me, format!("wait e{e} {ok}"));
        }
        Op::Put(q, v, t) => {
            if let Q::Channel(_) = &w.queues[q] {
                w.channel_putters.borrow_mut().push((v, me));
            }
            let blocked = Blocked::putting(me, queue(q), id);
            let ok = match (&w.queues[q], t) {
                (Q::Queue(queue), None) => queue.put(v).await.is_ok(),
                (Q::Queue(queue), Some(d)) => queue.put_timeout(v, ms(d)).await.is_ok(),
                (Q::Channel(ch), None) => ch.put(v).await.is_ok(),
                (Q::Channel(ch), Some(d)) => ch.put_timeout(v, ms(d)).await.is_ok(),
            };
            if ok {
                blocked.served();
            }
            w.log(me, format!("put q{q} {v}{}", if ok { "" } else { " full" }));
        }
        Op::PutNowait(q, v) => {
            let Q::Queue(queue) = &w.queues[q] else {
                unreachable!("the checker rejects nowait on channels")
            };
            let ok = queue.try_put(v).is_ok();
            w.log(me, format!("put q{q} {v}{}", if ok { "" } else { " full" }));
        }
        Op::Get(q, t) => {
            if let Q::Channel(ch) = &w.queues[q] {
                if ch.putters() > 0 {
                    w.hazard(Hazard::ChannelGetFromPutter, id);
                }
            }
            let blocked = Blocked::new(me, queue(q), id);
            let got = match (&w.queues[q], t) {
                (Q::Queue(queue), None) => Some(queue.get().await),
                (Q::Queue(queue), Some(d)) => queue.get_timeout(ms(d)).await.ok(),
                (Q::Channel(ch), None) => Some(ch.get().await),
                (Q::Channel(ch), Some(d)) => ch.get_timeout(ms(d)).await.ok(),
            };
            if let Some(v) = got {
                if let Q::Channel(_) = &w.queues[q] {
                    let putters = w.channel_putters.borrow();
                    let putter = putters.iter().find(|(value, _)| *value == v).map(|p| p.1);
                    model::with(|m| m.next = putter);
                }
                blocked.served();
            }
            match got {
                Some(v) => w.log(me, format!("got q{q} {v}")),
                None => w.log(me, format!("get q{q} empty")),
            }
        }
        Op::GetNowait(q) => {
            let Q::Queue(queue) = &w.queues[q] else {
                unreachable!("the checker rejects nowait on channels")
            };
            match queue.try_get() {
                Ok(v) => w.log(me, format!("got q{q} {v}")),
                Err(_) => w.log(me, format!("get q{q} empty")),
            }
        }
        Op::Acquire(s, t) => {
            let blocked = Blocked::new(me, sem(s), id);
            let ok = match t {
                None => {
                    w.sems[s].acquire().await.forget();
                    true
                }
                Some(d) => match w.sems[s].acquire_timeout(ms(d)).await {
                    Ok(guard) => {
                        guard.forget();
                        true
                    }
                    Err(_) => false,
                },
            };
            if ok {
                blocked.served();
                w.log(me, format!("acquired s{s}"));
            } else {
                w.log(me, format!("acquire s{s} timeout"));
            }
        }
        Op::Release(s) => {
            w.sems[s].release();
            w.log(me, format!("released s{s}"));
        }
        Op::Spawn(k) => {
            let handle = greenery::spawn(Traced::new(k, task_body(w.clone(), k)));
            model::with(|m| m.wake(k));
            w.handles.borrow_mut()[k] = Some(handle);
            w.log(me, format!("spawn t{k}"));
        }
        Op::Kill(k) => {
            if w.kill_is_racy(k) {
                w.hazard(Hazard::RacyKill, id);
            }
            let target = w.task(k);
            let alive = !target.is_finished();
            target.kill().await;
            if alive {
                model::with(|m| m.remove(k));
            }
            w.log(me, format!("kill t{k}"));
        }
        Op::Join(k, t) => {
            let task = w.task(k);
            let finished = match t {
                None => {
                    task.join().await;
                    true
                }
                Some(d) => task.join_timeout(ms(d)).await,
            };
            let how = if finished {
                joined(task.state())
            } else {
                "timeout"
            };
            w.log(me, format!("join t{k} {how}"));
        }
        Op::JoinAll(ks, t, n) => {
            let tasks: Vec<Task> = ks.iter().map(|&k| w.task(k)).collect();
            if n.is_some_and(|n| (n as usize) < ks.len()) {
                w.hazard(Hazard::JoinAllCount, id);
            }
            let polls = model::with(|m| m.polls[me]);
            let done = greenery::wait(&tasks, t.map(ms), n.map(|n| n as usize)).await;
            let complete = done.len() == n.map_or(ks.len(), |n| n as usize);
            // Tasks queued after this task's wake-up, up to the wake-ups the death of the
            // last task it needed caused, may run before it in gevent (which resumes it in
            // that death's notification pass, after the joiners that came first).
            let coalesced = model::with(|m| {
                let woken = m.woken_at[me];
                let last = done
                    .iter()
                    .filter(|&&i| m.finished_at[ks[i]] > Some(woken))
                    .map(|&i| m.finished_turn[ks[i]])
                    .max();
                let between = |&&(at, turn, k): &&(u64, u64, usize)| {
                    k != me && at > woken && Some(turn) <= last
                };
                m.polls[me] != polls && complete && m.wakes.iter().any(|w| between(&w))
            });
            if coalesced {
                w.hazard(Hazard::JoinAllCoalesced, id);
            }
            let names: Vec<String> = done.iter().map(|&i| format!("t{}", ks[i])).collect();
            w.log(me, format!("joinall -> {}", names.join(" ")));
        }
        Op::Timeout(d, body) => {
            let inner = run_ops(w.clone(), me, body, id + 1);
            if greenery::time::timeout(ms(d), inner).await.is_err() {
                w.log(me, format!("timeout {d}"));
            }
        }
    }
}

/// Runs `program` on a fresh paused runtime.
pub fn run(program: &Program) -> Outcome {
    let mut bases = Vec::new();
    let mut next = 0;
    for ops in &program.tasks {
        bases.push(next);
        next += ops.iter().map(size).sum::<usize>();
    }
    let world = Rc::new(World {
        bases,
        log: RefCell::default(),
        exiting: Cell::new(false),
        start: Cell::new(None),
        end: Cell::new(0),
        events: (0..program.events).map(|_| Event::new()).collect(),
        queues: program
            .queues
            .iter()
            .map(|kind| match kind {
                QueueKind::Unbounded => Q::Queue(Queue::new()),
                QueueKind::Bounded(n) => {
                    Q::Queue(Queue::bounded(*n as usize).expect("a bound above zero"))
                }
                QueueKind::Channel => Q::Channel(Channel::new()),
            })
            .collect(),
        sems: program
            .sems
            .iter()
            .map(|&n| Semaphore::new(n as usize))
            .collect(),
        handles: RefCell::new((0..program.tasks.len()).map(|_| None).collect()),
        timers: RefCell::default(),
        started: RefCell::new(vec![false; program.tasks.len()]),
        event_waiting: (0..program.events).map(|_| RefCell::default()).collect(),
        event_notified: (0..program.events).map(|_| RefCell::default()).collect(),
        hazards: RefCell::default(),
        channel_putters: RefCell::default(),
        program: program.clone(),
    });
    let runtime = greenery::Builder::new()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let w = world.clone();
    model::start(program.tasks.len());
    model::with(|m| {
        m.bounded = (0..program.queues.len())
            .filter(|&q| matches!(program.queues[q], QueueKind::Bounded(_)))
            .map(queue)
            .collect()
    });
    runtime.block_on(Traced::new(0, async move {
        w.start.set(Some(greenery::time::now()));
        w.log(0, "start");
        let ops = w.program.tasks[0].clone();
        match greenery::catch_loop_exit(run_ops(w.clone(), 0, ops, 0)).await {
            Ok(()) => w.log(0, "end"),
            Err(_) => w.log(0, "loopexit"),
        }
        w.end.set(w.vnow());
        w.exiting.set(true);
    }));
    let model = model::finish();
    drop(runtime);
    let mut hazards = world.hazards.take();
    hazards.extend(model.breaks.iter().map(|&op| (Hazard::PassOrder, op)));
    let trace = world.log.take();
    let end = world.end.get();
    let timers = world.timers.borrow();
    let mut ties = Vec::new();
    for (j, b) in timers.iter().enumerate() {
        let pending_at = |r: &TimerRec| r.end.unwrap_or(end) >= r.deadline;
        let tied = timers[..j]
            .iter()
            .any(|a| a.deadline == b.deadline && pending_at(a) && pending_at(b));
        if tied {
            ties.push(b.op);
        }
    }
    Outcome {
        trace,
        ties,
        hazards,
        mismatches: model.mismatches,
    }
}
