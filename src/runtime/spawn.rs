//! Spawning tasks: [`spawn`] and the task [`Builder`].

use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use super::context;
use super::join::JoinHandle;
use super::task;

/// Schedules `future` as a new task and returns its [`JoinHandle`].
///
/// Spawning only schedules: the task first runs when the spawner yields or blocks, after the
/// tasks already queued (SEMANTICS rule 1). Tasks need not be `Send`: they all run on this
/// thread.
///
/// # Panics
/// Outside a runtime (use [`Runtime::spawn`](crate::Runtime::spawn) there).
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// greenery::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     let h = greenery::spawn(async move { l.borrow_mut().push("task") });
///     log.borrow_mut().push("spawner");
///     h.await.unwrap();
///     assert_eq!(*log.borrow(), ["spawner", "task"]);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    Builder::new().spawn(future)
}

/// Schedules `future` as a new task that starts once `delay` has passed (gevent's
/// `spawn_later`): a timer starts it, in deadline order with the other timers, so even a zero
/// delay starts it only after the run queue has drained (after tasks spawned with [`spawn`]
/// and the `yield_now()`s queued meanwhile). Until then it counts as waiting; killing it
/// cancels the timer and it never runs.
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// use std::{cell::RefCell, rc::Rc, time::Duration};
/// greenery::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let (l1, l2) = (log.clone(), log.clone());
///     let later = greenery::spawn_later(Duration::ZERO, async move { l1.borrow_mut().push("later") });
///     let now = greenery::spawn(async move { l2.borrow_mut().push("spawn") });
///     greenery::joinall([later, now]).await;
///     assert_eq!(*log.borrow(), ["spawn", "later"]);
/// });
/// ```
#[track_caller]
pub fn spawn_later<F>(delay: Duration, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    Builder::new().spawn_later(delay, future)
}

/// Spawns tasks with options: a name, or created unstarted.
///
/// ```
/// greenery::run(async {
///     let h = greenery::task::Builder::new().name("worker").spawn(async {
///         greenery::Task::current().name()
///     });
///     assert_eq!(h.await.unwrap().as_deref(), Some("worker"));
/// });
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    name: Option<Rc<str>>,
}

impl Builder {
    /// A builder with no options set.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new().spawn(async { 1 });
    ///     assert_eq!(h.await.unwrap(), 1);
    /// });
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task (shown by [`active_tasks`](crate::runtime::active_tasks), in LoopExit
    /// reports and in panic reports).
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new().name("reader").spawn(async {});
    ///     assert_eq!(h.task().name().as_deref(), Some("reader"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(Rc::from(name.into()));
        self
    }

    /// Spawns `future`, scheduled to run (see [`spawn`]).
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new().name("adder").spawn(async { 2 + 2 });
    ///     assert_eq!(h.await.unwrap(), 4);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.spawn_inner(future, true)
    }

    /// Creates the task without scheduling it (gevent's `Greenlet(f)` before `start()`): it
    /// runs only after [`Task::start`](crate::Task::start). Killing it first means it never
    /// runs.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new().spawn_unstarted(async { "ran" });
    ///     greenery::yield_now().await;
    ///     assert_eq!(h.task().state(), greenery::task::TaskState::Unstarted);
    ///     h.task().start();
    ///     assert_eq!(h.await.unwrap(), "ran");
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_unstarted<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.spawn_inner(future, false)
    }

    /// Spawns `future` to start once `delay` has passed (see [`spawn_later`]).
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new()
    ///         .name("delayed")
    ///         .spawn_later(Duration::from_millis(1), async { greenery::Task::current().name() });
    ///     assert_eq!(h.await.unwrap().as_deref(), Some("delayed"));
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_later<F>(self, delay: Duration, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let handle = self.spawn_inner(future, false);
        handle.task().start_later(delay);
        handle
    }

    #[track_caller]
    fn spawn_inner<F>(self, future: F, start: bool) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let core = context::expect_core("greenery::spawn");
        let task = core.spawn_raw(task::boxed(future), self.name, start);
        JoinHandle::new(core, task)
    }
}
