//! What the executor runs: type-erased task bodies, their slots, and the public [`Task`] handle.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::core::Core;
use super::waker::MAX_INDEX;

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

/// What a slot holds besides its state.
pub(crate) enum Body {
    Live(Pin<Box<dyn RawTask>>),
    Panicked(Box<dyn Any + Send>),
    Empty,
}

/// Rarely needed parts of a slot, allocated on first use to keep idle tasks small.
#[derive(Default)]
pub(crate) struct Extra {
    pub(crate) name: Option<Rc<str>>,
    pub(crate) waiters: Vec<Waker>,
    /// When the task finished, counted across the runtime: orders `joinall` results.
    pub(crate) finished: u64,
}

/// One task's entry in the runtime's slab.
pub(crate) struct Slot {
    pub(crate) id: u64,
    pub(crate) body: Body,
    pub(crate) extra: Option<Box<Extra>>,
    pub(crate) phase: Phase,
    pub(crate) scheduled: bool,
    pub(crate) running: bool,
    pub(crate) kill_requested: bool,
    pub(crate) handle_alive: bool,
}

impl Slot {
    pub(crate) fn name(&self) -> Option<Rc<str>> {
        self.extra.as_ref().and_then(|extra| extra.name.clone())
    }

    pub(crate) fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
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

/// A cheap, clonable reference to a task: kill it, wait for it, ask its state.
///
/// Unlike a [`JoinHandle`](crate::JoinHandle) it does not own the task's result, and
/// dropping it changes nothing. Get one from [`JoinHandle::task`](crate::JoinHandle::task) or
/// [`Task::current`].
///
/// ```
/// greenery::run(async {
///     let handle = greenery::spawn(async { greenery::yield_now().await });
///     let task = handle.task();
///     assert!(!task.is_finished());
///     task.join().await;
///     assert!(task.is_finished());
/// });
/// ```
#[derive(Clone)]
pub struct Task {
    pub(crate) core: Rc<Core>,
    pub(crate) task: TaskRef,
}

impl Task {
    /// The task being run right now (the main future of `run` outside any spawned task).
    ///
    /// # Panics
    /// Outside a runtime; see [`Task::try_current`].
    ///
    /// ```
    /// greenery::run(async {
    ///     assert_eq!(greenery::Task::current().id(), 0); // the main future
    ///     let h = greenery::spawn(async { greenery::Task::current().id() });
    ///     assert_eq!(h.await.unwrap(), 1); // the first spawned task
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Task {
        Task::try_current()
            .expect("Task::current must be called inside a greenery runtime (greenery::run)")
    }

    /// The task being run right now, or `None` outside a runtime.
    ///
    /// ```
    /// assert!(greenery::Task::try_current().is_none());
    /// greenery::run(async { assert!(greenery::Task::try_current().is_some()) });
    /// ```
    pub fn try_current() -> Option<Task> {
        let core = super::context::current_core()?;
        let task = core.current_task().unwrap_or(MAIN);
        Some(Task { core, task })
    }

    /// The task's id: unique within its runtime, in spawn order; the main future is 0.
    ///
    /// ```
    /// greenery::run(async {
    ///     let t = greenery::spawn(async {}).task();
    ///     assert_eq!(t.id(), 1);
    /// });
    /// ```
    pub fn id(&self) -> u64 {
        self.core.task_id(self.task)
    }

    /// The task's name, if it was given one.
    ///
    /// ```
    /// greenery::run(async {
    ///     assert_eq!(greenery::Task::current().name().as_deref(), Some("main"));
    /// });
    /// ```
    pub fn name(&self) -> Option<String> {
        self.core.task_name(self.task).map(|name| name.to_string())
    }

    /// What the task is doing now.
    ///
    /// ```
    /// greenery::run(async {
    ///     let me = greenery::Task::current();
    ///     assert_eq!(me.state(), greenery::task::TaskState::Running);
    /// });
    /// ```
    pub fn state(&self) -> TaskState {
        self.core.task_state(self.task)
    }

    /// Whether the task has finished: returned, panicked or been killed.
    ///
    /// ```
    /// greenery::run(async {
    ///     let t = greenery::spawn(async {}).task();
    ///     t.join().await;
    ///     assert!(t.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.state_finished()
    }

    fn state_finished(&self) -> bool {
        matches!(
            self.state(),
            TaskState::Finished | TaskState::Killed | TaskState::Panicked
        )
    }

    /// Cancels the task: its future is dropped where it is suspended, so its destructors run
    /// now (gevent's `kill()` raising `GreenletExit`). A task that never started never runs.
    /// Joiners see [`JoinError::Killed`](crate::JoinError::Killed). Killing a finished task
    /// does nothing. A task that kills itself is dropped as soon as it next suspends. The main
    /// future cannot be killed: that does nothing.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(greenery::time::sleep(std::time::Duration::from_secs(10)));
    ///     greenery::yield_now().await;
    ///     h.kill();
    ///     assert!(h.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn kill(&self) {
        self.core.kill(self.task);
    }

    /// Starts a task created with
    /// [`Builder::spawn_unstarted`](crate::task::Builder::spawn_unstarted); does nothing to a
    /// task that was already started.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new().spawn_unstarted(async { "started" });
    ///     h.task().start();
    ///     assert_eq!(h.await.unwrap(), "started");
    /// });
    /// ```
    pub fn start(&self) {
        self.core.start(self.task);
    }

    /// Waits until the task has finished, without taking its result (gevent's `join()`).
    /// Returns at once, without yielding, when it already has. Joiners resume in the order
    /// they started waiting.
    ///
    /// ```
    /// greenery::run(async {
    ///     let t = greenery::spawn(greenery::yield_now()).task();
    ///     t.join().await;
    ///     t.join().await; // again: returns at once
    ///     assert!(t.is_finished());
    /// });
    /// ```
    pub fn join(&self) -> Join {
        Join {
            task: self.clone(),
            registered: None,
        }
    }

    /// Waits at most `timeout` for the task to finish; returns whether it has.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let h = greenery::spawn(greenery::time::sleep(Duration::from_millis(50)));
    ///     assert!(!h.task().join_timeout(Duration::from_millis(1)).await);
    ///     assert!(h.task().join_timeout(Duration::from_secs(5)).await);
    /// });
    /// ```
    pub async fn join_timeout(&self, timeout: Duration) -> bool {
        super::timer::timeout(timeout, self.join()).await.is_ok()
    }

    /// A snapshot of the task's id, name and state.
    ///
    /// ```
    /// greenery::run(async {
    ///     let info = greenery::Task::current().info();
    ///     assert_eq!(info.to_string(), "main (running)");
    /// });
    /// ```
    pub fn info(&self) -> TaskInfo {
        TaskInfo {
            id: self.id(),
            name: self.name(),
            state: self.state(),
        }
    }
}

impl PartialEq for Task {
    fn eq(&self, other: &Task) -> bool {
        Rc::ptr_eq(&self.core, &other.core) && self.task == other.task
    }
}

impl Eq for Task {}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.info(), f)
    }
}

/// The future of [`Task::join`].
///
/// ```
/// greenery::run(async {
///     let t = greenery::spawn(async {}).task();
///     let join: greenery::task::Join = t.join();
///     join.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join {
    task: Task,
    registered: Option<Waker>,
}

impl Future for Join {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.task.core.poll_finished(this.task.task, cx.waker()) {
            this.registered = None;
            Poll::Ready(())
        } else {
            this.registered = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Join {
    fn drop(&mut self) {
        if let Some(waker) = self.registered.take() {
            self.task.core.forget_waiter(self.task.task, &waker);
        }
    }
}

impl fmt::Debug for Join {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join").field("task", &self.task).finish()
    }
}
