//! The public [`Task`] handle: a counted reference to a task's slot, which keeps the finished
//! task's state (killed, panicked, returned) readable for as long as any handle exists.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::core::Core;
use super::join::JoinError;
use super::kill::{Kill, Killed};
use super::link::{LinkKey, LinkOn};
use super::task::{TaskInfo, TaskRef, TaskState, MAIN};

/// A cheap, clonable reference to a task: kill it, wait for it, ask its state.
///
/// Unlike a [`JoinHandle`](crate::JoinHandle) it does not own the task's result. While any
/// `Task` (or the join handle) refers to a finished task, its state stays readable: a killed
/// task stays [`Killed`](TaskState::Killed), a panicked one
/// [`Panicked`](TaskState::Panicked) (gevent's `dead`, `successful()` and `exception` after a
/// join). Get one from [`JoinHandle::task`](crate::JoinHandle::task) or [`Task::current`].
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
pub struct Task {
    pub(crate) core: Rc<Core>,
    pub(crate) task: TaskRef,
}

impl Task {
    /// A new handle to `task`, counted in its slot.
    pub(crate) fn new(core: Rc<Core>, task: TaskRef) -> Task {
        core.acquire(task);
        Task { core, task }
    }

    /// A handle to `task` that takes over a count already added to its slot.
    pub(crate) fn adopt(core: Rc<Core>, task: TaskRef) -> Task {
        Task { core, task }
    }

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
        Some(Task::new(core, task))
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

    /// Whether the task returned a value (gevent's `successful()`). A killed task is not
    /// successful here: its joiner gets an error (in gevent, a task killed with the default
    /// `GreenletExit` counts as successful).
    ///
    /// ```
    /// greenery::run(async {
    ///     let ok = greenery::spawn(async {}).task();
    ///     let killed = greenery::spawn(async {}).task();
    ///     killed.kill();
    ///     greenery::wait(&[ok.clone()], None, None).await;
    ///     assert!(ok.is_successful() && !killed.is_successful());
    /// });
    /// ```
    pub fn is_successful(&self) -> bool {
        self.state() == TaskState::Finished
    }

    /// Why the task produced no value, while anyone holds a handle to it (gevent's
    /// `exception`): [`JoinError::Killed`] with the kill's reason, or
    /// [`JoinError::Panicked`] whose payload is the panic's message (a `String`: the
    /// original payload goes to the join handle). `None` while the task runs or once it
    /// returned.
    ///
    /// ```
    /// # std::panic::set_hook(Box::new(|_| {}));
    /// greenery::run(async {
    ///     let failed = greenery::spawn(async { panic!("boom") });
    ///     let task = failed.task();
    ///     let _ = failed.await; // the handle took the panic
    ///     assert_eq!(task.error().unwrap().to_string(), "task panicked: boom");
    /// });
    /// ```
    pub fn error(&self) -> Option<JoinError> {
        self.core.task_error(self.task)
    }

    /// Cancels the task: its future is dropped where it is suspended, so its destructors run
    /// now (gevent's `kill()` raising `GreenletExit`). A task that never started never runs.
    /// Joiners see [`JoinError::Killed`](crate::JoinError::Killed). Killing a finished task
    /// does nothing. A task that kills itself is dropped as soon as it next suspends. The main
    /// future cannot be killed: that does nothing.
    ///
    /// A task awaiting inside [`catch_kill`](crate::catch_kill) is not dropped: the scope's
    /// future is, at the task's next turn, and the task carries on (gevent's caught
    /// `GreenletExit`).
    ///
    /// The kill happens before `kill` returns (gevent's `kill(block=False)`); awaiting the
    /// returned [`Kill`] also waits until the task has finished (gevent's default, blocking
    /// `kill()`): at once, without yielding, unless a `catch_kill` scope caught it.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(greenery::time::sleep(std::time::Duration::from_secs(10)));
    ///     greenery::yield_now().await;
    ///     h.task().kill().await;
    ///     assert!(h.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn kill(&self) -> Kill {
        self.core.kill(self.task);
        Kill::new(self.join())
    }

    /// Kills the task with a reason (gevent's `kill(exception=E)`): the joiner's
    /// [`JoinError::kill_reason`](crate::JoinError::kill_reason) and a [`catch_kill`]
    /// scope's [`Killed::reason`] give it back. Otherwise as [`kill`](Self::kill).
    ///
    /// [`catch_kill`]: crate::catch_kill
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(std::future::pending::<()>());
    ///     h.task().kill_with("no longer needed").await;
    ///     let err = h.await.unwrap_err();
    ///     assert_eq!(err.kill_reason().unwrap().to_string(), "no longer needed");
    /// });
    /// ```
    pub fn kill_with(&self, reason: impl Into<Box<dyn Error + Send + Sync>>) -> Kill {
        self.core
            .kill_with(self.task, Killed::with_reason(reason.into()));
        Kill::new(self.join())
    }

    /// Kills the task and waits at most `timeout` for it to finish; returns whether it has
    /// (gevent's `kill(timeout=)`: a task that caught the kill with
    /// [`catch_kill`](crate::catch_kill) may still be running).
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let stubborn = greenery::spawn(async {
    ///         let _ = greenery::catch_kill(std::future::pending::<()>()).await;
    ///         greenery::time::sleep(Duration::from_millis(50)).await; // ignores the kill
    ///     });
    ///     greenery::yield_now().await;
    ///     assert!(!stubborn.task().kill_timeout(Duration::from_millis(1)).await);
    ///     stubborn.await.unwrap(); // it finished on its own
    /// });
    /// ```
    pub async fn kill_timeout(&self, timeout: Duration) -> bool {
        let kill = self.kill();
        super::timer::timeout(timeout, kill).await.is_ok()
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

    /// Starts a task created with
    /// [`Builder::spawn_unstarted`](crate::task::Builder::spawn_unstarted) once `delay` has
    /// passed (gevent's `start_later`): a timer, ordered with the other timers, starts it.
    /// Until then the task counts as waiting, a [`start`](Self::start) does nothing (as in
    /// gevent), and a [`kill`](Self::kill) cancels the timer: it never runs. Does nothing to a
    /// task that was already started.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new().spawn_unstarted(async { "late" });
    ///     h.task().start_later(Duration::from_millis(5));
    ///     assert_eq!(h.await.unwrap(), "late");
    /// });
    /// ```
    pub fn start_later(&self, delay: Duration) {
        self.core.start_later(self.task, delay);
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

    /// Calls `callback` with this task once it has ended — returned, panicked or been killed,
    /// started or not (gevent's `link`). The callback runs in a task of its own, queued when
    /// the task ends (or at once, if it already has), in registration order with the other
    /// links and the joiners (SEMANTICS rule 10); it may spawn, set an
    /// [`Event`](crate::sync::Event) or an [`AsyncResult`](crate::sync::AsyncResult), and
    /// read the task's state, since its `Task` keeps it readable.
    ///
    /// ```
    /// use greenery::sync::Event;
    /// greenery::run(async {
    ///     let done = Event::new();
    ///     let h = greenery::spawn(async { 1 });
    ///     let d = done.clone();
    ///     h.task().link(move |task| {
    ///         assert!(task.is_successful());
    ///         d.set();
    ///     });
    ///     done.wait().await;
    ///     assert_eq!(h.await.unwrap(), 1);
    /// });
    /// ```
    pub fn link(&self, callback: impl FnOnce(&Task) + 'static) -> LinkKey {
        self.core.link(self.task, LinkOn::Any, Box::new(callback))
    }

    /// Like [`link`](Self::link), but only when the task returned a value (gevent's
    /// `link_value`).
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// greenery::run(async {
    ///     let seen = Rc::new(Cell::new(false));
    ///     let s = seen.clone();
    ///     let h = greenery::spawn(async {});
    ///     h.task().link_value(move |_| s.set(true));
    ///     h.await.unwrap();
    ///     greenery::yield_now().await; // the link runs in its own task
    ///     assert!(seen.get());
    /// });
    /// ```
    pub fn link_value(&self, callback: impl FnOnce(&Task) + 'static) -> LinkKey {
        self.core.link(self.task, LinkOn::Value, Box::new(callback))
    }

    /// Like [`link`](Self::link), but only when the task panicked or was killed (gevent's
    /// `link_exception`; gevent does not count a plain kill as a failure, greenery does).
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// greenery::run(async {
    ///     let seen = Rc::new(RefCell::new(None));
    ///     let s = seen.clone();
    ///     let h = greenery::spawn(std::future::pending::<()>());
    ///     h.task().link_exception(move |t| *s.borrow_mut() = t.error().map(|e| e.to_string()));
    ///     h.kill_with("stop");
    ///     greenery::yield_now().await;
    ///     assert_eq!(seen.borrow().as_deref(), Some("task was killed: stop"));
    /// });
    /// ```
    pub fn link_exception(&self, callback: impl FnOnce(&Task) + 'static) -> LinkKey {
        self.core.link(self.task, LinkOn::Error, Box::new(callback))
    }

    /// Removes a link that has not run yet; returns whether it was there (gevent's
    /// `unlink`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let t = greenery::spawn(async {}).task();
    ///     let key = t.link(|_| panic!("unlinked: never runs"));
    ///     assert!(t.unlink(key));
    ///     assert!(!t.unlink(key));
    ///     t.join().await;
    ///     greenery::yield_now().await;
    /// });
    /// ```
    pub fn unlink(&self, key: LinkKey) -> bool {
        self.core.unlink(self.task, key)
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

impl Clone for Task {
    fn clone(&self) -> Task {
        Task::new(self.core.clone(), self.task)
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.core.release(self.task);
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
