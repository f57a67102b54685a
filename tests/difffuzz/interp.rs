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
//! moves one of them.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use greenery::queue::{Channel, Queue};
use greenery::sync::{Event, Semaphore};
use greenery::task::TaskState;
use greenery::{JoinHandle, Task};

use super::program::{Op, Program, QueueKind};

/// What a run produced.
pub struct Outcome {
    pub trace: Vec<String>,
    /// Operation ids (pre-order over all tasks) of timers whose deadline ties with an earlier
    /// armed one that was still pending at that deadline.
    pub ties: Vec<usize>,
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
            w.events[e].set();
            w.log(me, format!("set e{e}"));
        }
        Op::Clear(e) => {
            w.events[e].clear();
            w.log(me, format!("clear e{e}"));
        }
        Op::Wait(e, t) => {
            let ok = match t {
                None => {
                    w.events[e].wait().await;
                    true
                }
                Some(d) => w.events[e].wait_timeout(ms(d)).await,
            };
            w.log(me, format!("wait e{e} {ok}"));
        }
        Op::Put(q, v, t) => {
            let ok = match (&w.queues[q], t) {
                (Q::Queue(queue), None) => queue.put(v).await.is_ok(),
                (Q::Queue(queue), Some(d)) => queue.put_timeout(v, ms(d)).await.is_ok(),
                (Q::Channel(ch), None) => ch.put(v).await.is_ok(),
                (Q::Channel(ch), Some(d)) => ch.put_timeout(v, ms(d)).await.is_ok(),
            };
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
            let got = match (&w.queues[q], t) {
                (Q::Queue(queue), None) => Some(queue.get().await),
                (Q::Queue(queue), Some(d)) => queue.get_timeout(ms(d)).await.ok(),
                (Q::Channel(ch), None) => Some(ch.get().await),
                (Q::Channel(ch), Some(d)) => ch.get_timeout(ms(d)).await.ok(),
            };
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
            let handle = greenery::spawn(task_body(w.clone(), k));
            w.handles.borrow_mut()[k] = Some(handle);
            w.log(me, format!("spawn t{k}"));
        }
        Op::Kill(k) => {
            // Immediate (a deliberate difference, docs/scheduling.md): prelude.py's kill does
            // the same on gevent.
            w.task(k).kill().await;
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
            let done = greenery::wait(&tasks, t.map(ms), n.map(|n| n as usize)).await;
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
        program: program.clone(),
    });
    let runtime = greenery::Builder::new()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let w = world.clone();
    runtime.block_on(async move {
        w.start.set(Some(greenery::time::now()));
        w.log(0, "start");
        let ops = w.program.tasks[0].clone();
        match greenery::catch_loop_exit(run_ops(w.clone(), 0, ops, 0)).await {
            Ok(()) => w.log(0, "end"),
            Err(_) => w.log(0, "loopexit"),
        }
        w.end.set(w.vnow());
        w.exiting.set(true);
    });
    drop(runtime);
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
    Outcome { trace, ties }
}
