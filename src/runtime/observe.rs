//! The observer: what a runtime keeps about its tasks when asked to (spawn locations, what each
//! task waits on and since when), and the one place the loop reports to for run info, the
//! trace, the blocked-loop monitor and `tracing` spans.
//!
//! A runtime has an observer only when one of those is on ([`Builder::track_tasks`],
//! [`Builder::trace`], [`Builder::monitor`], their environment variables, or the `tracing`
//! feature). Without one, each hook in the loop is a branch on `Core::observer` being `None`,
//! and a waiting primitive's [`note`] is one load of a process-wide counter.
//!
//! [`Builder::track_tasks`]: crate::Builder::track_tasks
//! [`Builder::trace`]: crate::Builder::trace
//! [`Builder::monitor`]: crate::Builder::monitor

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::os::fd::RawFd;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use pin_project_lite::pin_project;

use super::builder::Config;
use super::context;
use super::info::{TaskEntry, Wait};
use super::io::Direction;
use super::monitor::Monitor;
use super::task::{Phase, TaskRef, MAIN};
use super::trace::{Trace, TraceEvent};
use super::waker::MAX_INDEX;

/// How many live runtimes have an observer: while none has, [`note`] does nothing.
static OBSERVED: AtomicUsize = AtomicUsize::new(0);
/// How many live runtimes write a trace: while none does, greenlet switches are not looked at.
static TRACED: AtomicUsize = AtomicUsize::new(0);

/// What a task waits on, as the waiting primitive notes it (see [`note`]); turned into the
/// public [`Wait`] when read.
#[derive(Clone, Copy, Debug)]
pub(crate) enum WaitOn {
    /// A timer (`None`: a sleep that never ends).
    Sleep(Option<Instant>),
    /// An IO source's readiness (`fd`: when the registration knows it).
    Io(Option<RawFd>, Direction),
    /// Another task's end.
    Join(u64),
    /// A primitive's wait list: "Queue::get", "Event::wait", ...
    Primitive(&'static str),
    /// A libc call a green thread made, parked by the `patch` hooks.
    #[cfg_attr(not(feature = "patch"), allow(dead_code))]
    Hooked {
        call: &'static str,
        fd: Option<RawFd>,
        deadline: Option<Instant>,
    },
}

impl WaitOn {
    /// The public form, with deadlines made relative to `now` (the runtime's clock).
    pub(crate) fn public(self, now: Instant) -> Wait {
        let remaining =
            |deadline: Option<Instant>| deadline.map(|d| d.saturating_duration_since(now));
        match self {
            WaitOn::Sleep(deadline) => Wait::Sleep {
                remaining: remaining(deadline),
            },
            WaitOn::Io(fd, Direction::Read) => Wait::Read { fd },
            WaitOn::Io(fd, Direction::Write) => Wait::Write { fd },
            WaitOn::Join(task) => Wait::Join { task },
            WaitOn::Primitive(name) => Wait::Primitive(name),
            WaitOn::Hooked { call, fd, deadline } => Wait::Hooked {
                call,
                fd,
                remaining: remaining(deadline),
            },
        }
    }
}

/// Records that the task being polled is about to wait on `wait` (call it when returning
/// `Pending`). The last note of a poll wins, so a wrapper that knows better ([`Noting`]) notes
/// after its inner future. Costs one load of a static when no runtime observes.
#[inline]
pub(crate) fn note(wait: WaitOn) {
    if OBSERVED.load(Ordering::Relaxed) != 0 {
        note_slow(wait);
    }
}

/// `poll`, noting `wait` if it is pending.
#[inline]
pub(crate) fn pending_on<R>(poll: Poll<R>, wait: WaitOn) -> Poll<R> {
    if poll.is_pending() {
        note(wait);
    }
    poll
}

#[cold]
fn note_slow(wait: WaitOn) {
    context::with_core(|core| {
        if let Some(observer) = &core.observer {
            observer.note.set(Some(wait));
        }
    });
}

pin_project! {
    /// A future that notes `wait` whenever `future` is pending, over whatever `future` noted.
    pub(crate) struct Noting<F> {
        wait: WaitOn,
        #[pin]
        future: F,
    }
}

/// `future`, noted as waiting on `wait` (see [`Noting`]).
pub(crate) fn noting<F: Future>(wait: WaitOn, future: F) -> Noting<F> {
    Noting { wait, future }
}

impl<F: Future> Future for Noting<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let poll = this.future.poll(cx);
        if poll.is_pending() {
            note(*this.wait);
        }
        poll
    }
}

/// A greenlet switch from `from` to `to` (their addresses), for the trace.
#[inline]
pub(crate) fn switched(from: usize, to: usize) {
    if TRACED.load(Ordering::Relaxed) != 0 {
        switched_slow(from, to);
    }
}

#[cold]
fn switched_slow(from: usize, to: usize) {
    context::with_core(|core| {
        if let Some(trace) = core.observer.as_ref().and_then(|o| o.trace.as_ref()) {
            let track = core.current_task().unwrap_or(MAIN);
            trace.record(track.id, TraceEvent::Switch { from, to });
        }
    });
}

/// What the observer keeps about one task.
#[derive(Default)]
struct Record {
    /// The task's id; 0 for an empty record (the main future has its own).
    id: u64,
    location: Option<&'static Location<'static>>,
    /// What it waits on, since when (real time), as of its last pending poll.
    wait: Option<WaitOn>,
    parked_at: Option<Instant>,
    #[cfg(feature = "tracing")]
    span: Option<tracing::Span>,
}

/// The observer of one runtime (see the module docs).
pub(crate) struct Observer {
    /// Records by slab index.
    records: RefCell<Vec<Record>>,
    main: RefCell<Record>,
    /// What the task being polled noted.
    note: Cell<Option<WaitOn>>,
    /// Whether the task being polled woke itself (a yield: nothing else notes it).
    woke_itself: Cell<bool>,
    /// The task whose poll ended last, until the loop turns: its end (joiners woken, links
    /// spawned) and its destructors act on its behalf, for the trace.
    after: Cell<Option<TaskRef>>,
    /// For each notification pass in the run queue, in order, the task it acts for: the one
    /// that queued it (its end, its `set`, its `put`), so the wakes the pass makes are its.
    passes: RefCell<VecDeque<Option<TaskRef>>>,
    pub(crate) trace: Option<Trace>,
    pub(crate) monitor: Option<Monitor>,
}

/// What [`Observer::poll_start`] hands to [`Observer::poll_end`].
pub(crate) struct Polling {
    #[cfg(feature = "tracing")]
    _span: Option<tracing::span::EnteredSpan>,
}

/// How a poll ended, for [`Observer::poll_end`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled {
    Pending,
    Ready,
    Panicked,
}

impl Observer {
    /// The observer `config` asks for, or `None`.
    pub(crate) fn new(config: &Config) -> std::io::Result<Option<Box<Observer>>> {
        let wanted = config.track_tasks
            || config.trace.is_some()
            || config.monitor.is_some()
            || cfg!(feature = "tracing");
        if !wanted {
            return Ok(None);
        }
        let trace = config.trace.as_deref().map(Trace::create).transpose()?;
        let monitor = match config.monitor {
            Some(threshold) => Some(Monitor::start(threshold, config.on_stall.clone())?),
            None => None,
        };
        OBSERVED.fetch_add(1, Ordering::Relaxed);
        if trace.is_some() {
            TRACED.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Some(Box::new(Observer {
            records: RefCell::new(Vec::new()),
            main: RefCell::new(Record::default()),
            note: Cell::new(None),
            woke_itself: Cell::new(false),
            after: Cell::new(None),
            passes: RefCell::new(VecDeque::new()),
            trace,
            monitor,
        })))
    }

    fn with_record<R>(&self, task: TaskRef, f: impl FnOnce(&mut Record) -> R) -> Option<R> {
        if task.index == MAX_INDEX {
            return Some(f(&mut self.main.borrow_mut()));
        }
        let mut records = self.records.borrow_mut();
        records
            .get_mut(task.index as usize)
            .filter(|record| record.id == task.id)
            .map(f)
    }

    /// `block_on` starts polling the main future, called at `location`.
    pub(crate) fn main_started(&self, location: &'static Location<'static>) {
        let mut main = self.main.borrow_mut();
        main.location = Some(location);
        #[cfg(feature = "tracing")]
        {
            main.span = Some(tracing::info_span!(parent: None, "task", id = 0u64, name = "main"));
        }
        if let Some(monitor) = &self.monitor {
            monitor.entered_loop();
        }
    }

    /// `spawner` (the task being polled, if any) spawned `task` at `location`.
    pub(crate) fn spawned(
        &self,
        spawner: Option<TaskRef>,
        task: TaskRef,
        name: Option<&Rc<str>>,
        location: &'static Location<'static>,
    ) {
        {
            let mut records = self.records.borrow_mut();
            let index = task.index as usize;
            if records.len() <= index {
                records.resize_with(index + 1, Record::default);
            }
            records[index] = Record {
                id: task.id,
                location: Some(location),
                wait: None,
                parked_at: None,
                #[cfg(feature = "tracing")]
                span: Some(tracing::info_span!(
                    parent: None,
                    "task",
                    id = task.id,
                    name = name.map(|name| &**name),
                    location = %location,
                )),
            };
        }
        if let Some(trace) = &self.trace {
            let by = spawner.unwrap_or(MAIN).id;
            trace.spawned(by, task.id, name.cloned(), location);
        }
        if let (Some(monitor), Some(name)) = (&self.monitor, name) {
            monitor.named(task.id, name);
        }
    }

    /// `task` is about to be polled.
    #[inline(never)] // out of the loop's hot path: only observed runtimes get here
    pub(crate) fn poll_start(&self, task: TaskRef) -> Polling {
        self.note.set(None);
        self.woke_itself.set(false);
        if let Some(monitor) = &self.monitor {
            let location = self.with_record(task, |record| record.location).flatten();
            monitor.poll_start(task.id, location);
        }
        if let Some(trace) = &self.trace {
            trace.poll_started(task.id);
        }
        Polling {
            #[cfg(feature = "tracing")]
            _span: self
                .with_record(task, |record| record.span.clone())
                .flatten()
                .map(tracing::Span::entered),
        }
    }

    /// `task`'s poll (begun with `polling`) ended as `polled`.
    #[inline(never)] // out of the loop's hot path: only observed runtimes get here
    pub(crate) fn poll_end(&self, task: TaskRef, polling: Polling, polled: Polled) {
        if let Some(monitor) = &self.monitor {
            monitor.poll_end();
        }
        self.after.set(Some(task));
        let noted = self.note.take();
        // A task that woke itself (a yield) is scheduled, not waiting: no clock read for it.
        let waits = polled == Polled::Pending && (noted.is_some() || !self.woke_itself.get());
        let now = (waits || self.trace.is_some()).then(Instant::now);
        if let (true, Some(now)) = (waits, now) {
            self.with_record(task, |record| {
                record.wait = noted;
                record.parked_at = Some(now);
            });
        }
        if let (Some(trace), Some(now)) = (&self.trace, now) {
            let yielded = self.woke_itself.get().then_some(WaitOn::Primitive("yield"));
            trace.polled(task.id, now, polled, noted.or(yielded));
        }
        let _leaves_the_task_span = polling;
    }

    /// The task a wake or kill happening now is on behalf of: the one being polled (`current`),
    /// or the one whose poll just ended; `None`: the loop (IO, timers, foreign wakes).
    fn acting(&self, current: Option<TaskRef>) -> Option<u64> {
        current.or(self.after.get()).map(|task| task.id)
    }

    /// A notification pass was queued at the back of the run queue (`current`: the task being
    /// polled, if any).
    pub(crate) fn pass_queued(&self, current: Option<TaskRef>) {
        let by = current.or(self.after.get());
        self.passes.borrow_mut().push_back(by);
    }

    /// The pass at the head of the run queue begins; returns the task it acts for.
    pub(crate) fn pass_begins(&self) -> Option<TaskRef> {
        self.passes.borrow_mut().pop_front().flatten()
    }

    /// A pass that did not end goes back to the head of the run queue.
    pub(crate) fn pass_resumes_later(&self, by: Option<TaskRef>) {
        self.passes.borrow_mut().push_front(by);
    }

    /// The pass acting for `by` serves its next waiter: the wake is `by`'s.
    pub(crate) fn serving_for(&self, by: Option<TaskRef>) {
        self.after.set(by);
    }

    /// `task` was queued by a wake (`current`: the task being polled, if any).
    #[inline(never)] // out of the loop's hot path: only observed runtimes get here
    pub(crate) fn woken(&self, task: TaskRef, current: Option<TaskRef>) {
        if current == Some(task) {
            self.woke_itself.set(true);
        }
        if let Some(trace) = &self.trace {
            let by = self.acting(current);
            trace.record(task.id, TraceEvent::Wake { by });
        }
    }

    /// `task` is being killed (`current`: the task being polled, if any).
    pub(crate) fn killed(&self, task: TaskRef, current: Option<TaskRef>) {
        if let Some(trace) = &self.trace {
            let by = self.acting(current);
            trace.record(task.id, TraceEvent::Kill { by });
        }
    }

    /// The loop looks at IO, foreign wakes and timers: what it wakes, it wakes itself.
    #[inline]
    pub(crate) fn turning(&self) {
        self.after.set(None);
    }

    /// `task` ended as `phase`: its record goes.
    pub(crate) fn ended(&self, task: TaskRef, phase: Phase) {
        // The record (and its span, with `tracing`) goes now, outside `with_record`'s borrow.
        let _ = self.with_record(task, std::mem::take);
        if let Some(trace) = &self.trace {
            trace.record(task.id, TraceEvent::Exit { phase });
        }
        if let Some(monitor) = &self.monitor {
            monitor.unnamed(task.id);
        }
    }

    /// The loop waited for IO or timers from `start` until now.
    pub(crate) fn loop_waited(&self, start: Instant) {
        if let Some(trace) = &self.trace {
            trace.loop_waited(start, Instant::now());
        }
    }

    /// Whether the loop should time its waits (for the trace).
    #[inline]
    pub(crate) fn times_loop(&self) -> bool {
        self.trace.is_some()
    }

    /// What the run info says about `task` beyond its id, name and state.
    pub(crate) fn describe(&self, task: TaskRef, entry: &mut TaskEntry, clock_now: Instant) {
        let waiting = entry.state == super::task::TaskState::Waiting;
        let now = Instant::now();
        self.with_record(task, |record| {
            entry.location = record.location;
            if waiting {
                entry.waiting_for = record.parked_at.map(|at| now.saturating_duration_since(at));
                entry.waits_on = record.wait.map(|wait| wait.public(clock_now));
            }
        });
    }

    /// Writes the trace recorded so far (see [`Trace::flush`]).
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        match &self.trace {
            Some(trace) => trace.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        OBSERVED.fetch_sub(1, Ordering::Relaxed);
        if self.trace.is_some() {
            TRACED.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    /// What tracking costs per task slot (72 bytes on 64-bit Linux without `tracing`, as
    /// `docs/benchmarks.md` says): a guard against it growing unnoticed.
    #[test]
    #[cfg(not(feature = "tracing"))]
    fn a_tracked_tasks_record_stays_small() {
        assert_eq!(std::mem::size_of::<super::Record>(), 72);
    }
}
