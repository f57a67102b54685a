//! What the executor runs: type-erased task bodies, their slots, and the public [`Task`] handle.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::kill::{KillScope, Killed};
use super::link::Watcher;
use super::timer::heap::TimerKey;
use super::waker::MAX_INDEX;

pub use super::handle::{Join, Task};

/// Something the executor can drive to completion: an `async` body today, a stackful
/// greenlet tomorrow. The executor only polls it, asks it for its output, and drops it.
pub(crate) trait RawTask {
    /// Advances the body; `Ready` once it has finished and stored its output.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Moves the finished body's output into `dst`.
    ///
    /// # Safety
    /// `dst` must point to a live `Option<T>` where `T` is the output type of this body.
    unsafe fn take_output(self: Pin<&mut Self>, dst: *mut ());

    /// The finished body's output, as a pointer to its `T`; null while the body runs, or
    /// once the output was taken.
    fn output_ptr(self: Pin<&Self>) -> *const () {
        std::ptr::null()
    }
}

/// An `async` body and, once it has finished, its output.
enum FutureTask<F: Future> {
    Running(F),
    Finished(F::Output),
    Taken,
}

impl<F: Future> FutureTask<F> {
    pub(crate) fn new(future: F) -> Self {
        FutureTask::Running(future)
    }
}

impl<F: Future> RawTask for FutureTask<F> {
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future inside `Running` is never moved: it is polled in place through a
        // re-pinned reference and dropped in place when `*this` is overwritten below.
        let this = unsafe { self.get_unchecked_mut() };
        let FutureTask::Running(future) = this else {
            return Poll::Ready(());
        };
        // SAFETY: `future` lives inside the pinned `self` (see above).
        match unsafe { Pin::new_unchecked(future) }.poll(cx) {
            Poll::Ready(output) => {
                *this = FutureTask::Finished(output);
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    unsafe fn take_output(self: Pin<&mut Self>, dst: *mut ()) {
        // SAFETY: only the `Finished` output is moved out; no pinned future remains in
        // `Finished` or `Taken`, and `Running` is left untouched.
        let this = unsafe { self.get_unchecked_mut() };
        if matches!(this, FutureTask::Finished(_)) {
            if let FutureTask::Finished(output) = std::mem::replace(this, FutureTask::Taken) {
                // SAFETY: the caller guarantees `dst` is a live `Option<F::Output>`.
                unsafe { *(dst as *mut Option<F::Output>) = Some(output) };
            }
        }
    }

    fn output_ptr(self: Pin<&Self>) -> *const () {
        match self.get_ref() {
            FutureTask::Finished(output) => (output as *const F::Output).cast(),
            _ => std::ptr::null(),
        }
    }
}

/// Boxes `future` as a task body.
pub(crate) fn boxed<F: Future + 'static>(future: F) -> Pin<Box<dyn RawTask>> {
    Box::pin(FutureTask::new(future))
}

/// A task's address: its slab index and its id (unique per runtime, so a reused slot is told
/// apart from the task that held it before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskRef {
    pub(crate) index: u32,
    pub(crate) id: u64,
}

/// The main future of `run`: not in the slab, polled by `block_on` itself.
pub(crate) const MAIN: TaskRef = TaskRef {
    index: MAX_INDEX,
    id: 0,
};

/// A notification pass's entry in the run queue (`runtime/pass.rs`): never a task's index.
pub(crate) const PASS: TaskRef = TaskRef {
    index: MAX_INDEX - 1,
    id: 0,
};

/// Where a task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Created by [`Builder::spawn_unstarted`](crate::task::Builder::spawn_unstarted), not yet started.
    Unstarted,
    /// Started and not finished: scheduled, running or waiting.
    Alive,
    /// Returned; the output is in the body until the join handle takes it.
    Done,
    /// Killed before it finished; its body was dropped.
    Killed,
    /// Panicked; the payload waits for the joiner.
    Panicked,
}

impl Phase {
    pub(crate) fn is_finished(self) -> bool {
        matches!(self, Phase::Done | Phase::Killed | Phase::Panicked)
    }
}

/// Rarely needed parts of a slot, allocated on first use to keep idle tasks small.
#[derive(Default)]
pub(crate) struct Extra {
    pub(crate) name: Option<Rc<str>>,
    /// Joiners' wakers and link callbacks, in the order they were registered.
    pub(crate) watchers: Vec<Watcher>,
    /// When the task's end was notified (its notification pass began), counted across the
    /// runtime: orders `joinall` results. 0 until then.
    pub(crate) finished: u64,
    /// Rarer still: a failure, kill scopes, a start timer.
    pub(crate) rare: Option<Box<Rare>>,
}

/// The parts of a slot only killed, panicked, delayed or kill-catching tasks need.
#[derive(Default)]
pub(crate) struct Rare {
    /// A panic's payload, until the join handle takes it (or is dropped).
    pub(crate) panic: Option<Box<dyn Any + Send>>,
    /// A panic's message, for [`Task::error`] once the payload is gone.
    pub(crate) panic_message: Option<String>,
    /// Why the task was killed (or is to be, once its current poll ends).
    pub(crate) killed: Option<Killed>,
    /// The [`catch_kill`](crate::catch_kill) scopes the task is inside, innermost last.
    pub(crate) kill_scopes: Vec<Rc<KillScope>>,
    /// The timer of [`Task::start_later`], removed when the task ends.
    pub(crate) start_timer: Option<TimerKey>,
}

/// One task's entry in the runtime's slab. Kept small: everything rare is in [`Extra`].
pub(crate) struct Slot {
    pub(crate) id: u64,
    /// The body (and, once it has returned, its output), until the output is taken or can no
    /// longer be.
    pub(crate) body: Option<Pin<Box<dyn RawTask>>>,
    pub(crate) extra: Option<Box<Extra>>,
    /// How many [`Task`] handles refer to the slot: a finished slot stays while any does, so
    /// its state stays readable.
    pub(crate) refs: u32,
    pub(crate) phase: Phase,
    pub(crate) scheduled: bool,
    pub(crate) running: bool,
    pub(crate) kill_requested: bool,
    /// The [`JoinHandle`](crate::JoinHandle) (the one owner of the output) is alive.
    pub(crate) handle_alive: bool,
}

impl Slot {
    pub(crate) fn name(&self) -> Option<Rc<str>> {
        self.extra.as_ref().and_then(|extra| extra.name.clone())
    }

    pub(crate) fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    pub(crate) fn rare(&mut self) -> &mut Rare {
        self.extra().rare.get_or_insert_with(Box::default)
    }

    pub(crate) fn rare_ref(&self) -> Option<&Rare> {
        self.extra.as_ref()?.rare.as_deref()
    }

    /// Whether nothing refers to the finished task any more, so its slot can go.
    pub(crate) fn is_releasable(&self) -> bool {
        self.phase.is_finished() && !self.running && !self.handle_alive && self.refs == 0
    }
}

/// The state of a task as [`Task::state`] and [`active_tasks`](crate::runtime::active_tasks)
/// report it.
///
/// ```
/// use greenery::task::TaskState;
/// greenery::run(async {
///     let h = greenery::spawn(std::future::pending::<()>());
///     assert_eq!(h.task().state(), TaskState::Scheduled);
///     greenery::yield_now().await;
///     assert_eq!(h.task().state(), TaskState::Waiting);
///     h.kill();
///     assert_eq!(h.task().state(), TaskState::Killed);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Created but not started (gevent's `Greenlet(f)` before `start()`).
    Unstarted,
    /// In the run queue, waiting for its turn.
    Scheduled,
    /// Being polled right now (it is the current task).
    Running,
    /// Suspended on something that has not woken it yet.
    Waiting,
    /// Returned a value.
    Finished,
    /// Killed before it finished.
    Killed,
    /// Panicked.
    Panicked,
}

impl TaskState {
    pub(crate) fn of(slot: &Slot) -> TaskState {
        match slot.phase {
            Phase::Unstarted => TaskState::Unstarted,
            Phase::Alive if slot.running => TaskState::Running,
            Phase::Alive if slot.scheduled => TaskState::Scheduled,
            Phase::Alive => TaskState::Waiting,
            Phase::Done => TaskState::Finished,
            Phase::Killed => TaskState::Killed,
            Phase::Panicked => TaskState::Panicked,
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            TaskState::Unstarted => "unstarted",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Waiting => "waiting",
            TaskState::Finished => "finished",
            TaskState::Killed => "killed",
            TaskState::Panicked => "panicked",
        };
        f.write_str(text)
    }
}

/// A snapshot of one live task, as listed by [`active_tasks`](crate::runtime::active_tasks).
///
/// ```
/// greenery::run(async {
///     let _h = greenery::task::Builder::new().name("w").spawn(async {});
///     let info = &greenery::runtime::active_tasks()[0];
///     assert_eq!(info.to_string(), "task #1 'w' (scheduled)");
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id (unique within its runtime; the main future is id 0).
    pub id: u64,
    /// The name given with [`task::Builder::name`](crate::task::Builder::name), if any.
    pub name: Option<String>,
    /// What the task is doing.
    pub state: TaskState,
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.id) {
            (_, 0) => write!(f, "main ({})", self.state),
            (Some(name), id) => write!(f, "task #{id} '{name}' ({})", self.state),
            (None, id) => write!(f, "task #{id} ({})", self.state),
        }
    }
}
