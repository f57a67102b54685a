//! The runtime core: the executor, its run queue, the reactor, and the task lifecycle.
//!
//! A [`Runtime`] drives one main future and every task spawned under it on the calling
//! thread. [`run`] and [`try_run`] create one, run a future to completion, and drop it (and
//! with it every task still alive: their destructors run).
//!
//! Layers, bottom up: `waker` (allocation-free wakers, cross-thread wake queue), `task`
//! (type-erased bodies in a slab), `timer` (the clock, the timer heap, `Sleep` and `Timeout`),
//! `core` (the loop), `io` (the mio reactor and the `Registration` sockets use), and this
//! module's public face. Nothing here imports the modules built on top (`time`, `net`,
//! `sync`, ...).

pub(crate) mod builder;
pub(crate) mod context;
pub(crate) mod core;
mod foreign;
mod handle;
mod info;
pub(crate) mod io;
mod join;
mod kill;
mod lifecycle;
mod link;
mod loop_exit;
mod monitor;
pub(crate) mod observe;
pub(crate) mod pass;
mod spawn;
pub(crate) mod task;
pub(crate) mod timer;
mod trace;
pub(crate) mod waker;
mod yield_now;

use std::future::Future;
use std::rc::Rc;

pub use self::builder::{Builder, LoopExitPolicy, PanicPolicy};
pub use self::foreign::{foreign, Foreign};
pub use self::info::{print_run_info, run_info, RunInfo, TaskEntry, Wait};
pub use self::join::{
    joinall, joinall_indexed, try_joinall, wait, wait_all, JoinError, JoinHandle,
};
pub use self::kill::{catch_kill, CatchKill, Kill, Killed};
pub use self::link::LinkKey;
pub use self::loop_exit::{catch_loop_exit, CatchLoopExit, LoopExit};
pub use self::monitor::Stall;
pub use self::spawn::{spawn, spawn_later, Builder as TaskBuilder};
pub use self::task::{Join, Task, TaskInfo, TaskState};
pub use self::waker::KeepAlive;
pub use self::yield_now::{idle, yield_now, Idle, YieldNow};

/// A single-threaded runtime: an executor and a reactor, driven by [`block_on`](Self::block_on).
///
/// Tasks spawned while it runs stay with it between `block_on` calls; dropping the runtime
/// drops every task still alive, in spawn order (their destructors run — gevent instead
/// abandons them; see `docs/scheduling.md`).
///
/// ```
/// let rt = greenery::Runtime::new().unwrap();
/// let h = rt.spawn(async { 1 + 1 });
/// assert_eq!(rt.block_on(h).unwrap(), 2);
/// ```
pub struct Runtime {
    pub(crate) core: Rc<core::Core>,
}

impl Runtime {
    /// A runtime with the default options (see [`Builder`]).
    ///
    /// ```
    /// let rt = greenery::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { 3 }), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> std::io::Result<Runtime> {
        Builder::new().build()
    }

    /// Runs `future` and every task until `future` completes, and returns its output.
    ///
    /// # Panics
    /// With the [`LoopExit`] report when nothing could ever wake `future` (use
    /// [`try_block_on`](Self::try_block_on) to get it as an error); when called inside a
    /// running runtime on this thread; when `future` panics, or a task panics under
    /// [`PanicPolicy::Abort`].
    ///
    /// ```
    /// let rt = greenery::Runtime::new().unwrap();
    /// let out = rt.block_on(async {
    ///     greenery::spawn(async { "from a task" }).await.unwrap()
    /// });
    /// assert_eq!(out, "from a task");
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.try_block_on(future) {
            Ok(output) => output,
            Err(exit) => panic!("greenery: {exit}"),
        }
    }

    /// Like [`block_on`](Self::block_on), but a program that would block forever returns
    /// `Err(LoopExit)`, naming the blocked tasks. The runtime stays usable.
    ///
    /// ```
    /// let rt = greenery::Runtime::new().unwrap();
    /// assert!(rt.try_block_on(std::future::pending::<()>()).is_err());
    /// assert_eq!(rt.try_block_on(async { 5 }), Ok(5));
    /// ```
    #[track_caller]
    pub fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, LoopExit> {
        self.core.block_on(future)
    }

    /// Spawns a task on this runtime from outside it; it runs during the next `block_on`.
    ///
    /// ```
    /// let rt = greenery::Runtime::new().unwrap();
    /// let h = rt.spawn(async { 5 });
    /// assert_eq!(rt.block_on(h).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        let task = self.core.spawn_raw(task::boxed(future), None, true);
        JoinHandle::new(self.core.clone(), task)
    }

    /// A guard that keeps this runtime from reporting [`LoopExit`] (see [`KeepAlive`]).
    ///
    /// ```
    /// let rt = greenery::Runtime::new().unwrap();
    /// let guard = rt.keep_alive();
    /// std::thread::spawn(move || drop(guard)); // until then, a pending main would not be LoopExit
    /// assert!(rt.try_block_on(std::future::pending::<()>()).is_err());
    /// ```
    pub fn keep_alive(&self) -> KeepAlive {
        KeepAlive::new(self.core.shared.clone())
    }

    /// A snapshot of this runtime's tasks and loop (see [`run_info`]), taken from outside
    /// it; between `block_on` calls there is no main future to list.
    ///
    /// ```
    /// let rt = greenery::Builder::new().track_tasks(true).build().unwrap();
    /// let _h = rt.spawn(async {});
    /// let info = rt.run_info();
    /// assert_eq!(info.tasks.len(), 1);
    /// assert_eq!(info.run_queue, 1);
    /// assert!(info.to_string().contains("task #1: scheduled; spawned at "));
    /// ```
    pub fn run_info(&self) -> RunInfo {
        let running = context::with_core(|core| std::ptr::eq(core, &*self.core)) == Some(true);
        self.core.run_info(running)
    }

    /// Writes the trace recorded so far to its file (see [`Builder::trace`]), which is then
    /// complete JSON; the runtime keeps tracing. Does nothing without a trace.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("greenery-flush-{}.json", std::process::id()));
    /// let rt = greenery::Builder::new().trace(&path).build().unwrap();
    /// rt.block_on(greenery::yield_now());
    /// rt.flush_trace().unwrap();
    /// assert!(std::fs::read_to_string(&path).unwrap().contains("\"name\":\"poll\""));
    /// # drop(rt);
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn flush_trace(&self) -> std::io::Result<()> {
        match &self.core.observer {
            Some(observer) => observer.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let entered = context::current_core()
            .is_none()
            .then(|| context::Entered::new(&self.core));
        self.core.shutdown();
        drop(entered);
        if let Err(err) = self.flush_trace() {
            core::report(format_args!("greenery: {err}"));
        }
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("id", &self.core.id())
            .finish_non_exhaustive()
    }
}

/// Runs `future` on a new runtime and returns its output: greenery's entry point.
///
/// When `future` completes, tasks still alive are dropped (their destructors run).
///
/// # Panics
/// When nothing could ever wake `future` (the [`LoopExit`] report names the blocked tasks; use
/// [`try_run`] to get it as an error); when called inside a running runtime (a nested run
/// would block the outer one's tasks); when the OS refuses to create the reactor; when
/// `future` panics.
///
/// ```
/// let answer = greenery::run(async {
///     let h = greenery::spawn(async { 21 });
///     h.await.unwrap() * 2
/// });
/// assert_eq!(answer, 42);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    match try_run(future) {
        Ok(output) => output,
        Err(exit) => panic!("greenery: {exit}"),
    }
}

/// Like [`run`], but returns `Err(LoopExit)` instead of hanging when nothing could ever wake
/// `future`.
///
/// # Panics
/// Inside a running runtime, or when the OS refuses to create the reactor.
///
/// ```
/// let event = std::future::pending::<()>(); // nobody will ever complete it
/// let err = greenery::try_run(event).unwrap_err();
/// assert!(err.to_string().starts_with("This operation would block forever"));
/// ```
#[track_caller]
pub fn try_run<F: Future>(future: F) -> Result<F::Output, LoopExit> {
    if context::current_core().is_some() {
        // Checked before creating a reactor so the message is the nested-run one.
        drop(context::Entered::new(&context::expect_core("run")));
    }
    let runtime = match Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => panic!("greenery: cannot create the runtime: {err}"),
    };
    runtime.try_block_on(future)
}

/// Every task of the current runtime that has not finished, in spawn order, with its name and
/// state (threading's `enumerate()`; its length is `active_count()` minus the main thread).
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// greenery::run(async {
///     let _h = greenery::task::Builder::new().name("worker").spawn(async {});
///     let tasks = greenery::runtime::active_tasks();
///     assert_eq!(tasks.len(), 1);
///     assert_eq!(tasks[0].name.as_deref(), Some("worker"));
///     assert_eq!(tasks[0].state, greenery::task::TaskState::Scheduled);
/// });
/// ```
#[track_caller]
pub fn active_tasks() -> Vec<TaskInfo> {
    context::expect_core("greenery::runtime::active_tasks").active_tasks()
}

/// A guard that keeps the current runtime from reporting [`LoopExit`] while something outside
/// it (another thread) may still wake one of its tasks (see [`KeepAlive`]).
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// greenery::run(async {
///     let guard = greenery::runtime::keep_alive();
///     let h = std::thread::spawn(move || drop(guard));
///     greenery::time::sleep(std::time::Duration::from_millis(1)).await;
///     h.join().unwrap();
/// });
/// ```
#[track_caller]
pub fn keep_alive() -> KeepAlive {
    KeepAlive::new(
        context::expect_core("greenery::runtime::keep_alive")
            .shared
            .clone(),
    )
}
