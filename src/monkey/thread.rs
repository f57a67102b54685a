//! Tasks at `std::thread`'s path: [`spawn`], [`sleep`], [`yield_now`], [`JoinHandle::join`],
//! [`current`], [`Builder`].
//!
//! A "thread" here is a greenery task on the runtime's one thread, as a patched Python
//! `threading.Thread` is a greenlet. [`spawn`] follows gevent's patched `Thread.start()`
//! (SEMANTICS rule 37): awaiting it runs the new task up to its first blocking point before
//! the spawner continues.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use greenery::monkey::thread;
//! use greenery::monkey::time::Duration;
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! greenery::run({
//!     let log = log.clone();
//!     async move {
//!         let t = thread::spawn({
//!             let log = log.clone();
//!             async move {
//!                 log.borrow_mut().push("t: first step");
//!                 thread::sleep(Duration::from_millis(1)).await;
//!                 log.borrow_mut().push("t: done");
//!             }
//!         })
//!         .await;
//!         log.borrow_mut().push("spawn returned");
//!         t.join().await.unwrap();
//!     }
//! });
//! assert_eq!(*log.borrow(), ["t: first step", "spawn returned", "t: done"]);
//! ```

use std::cell::RefCell;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::rc::Rc;
use std::task::{Poll, Waker};

use crate::runtime::{JoinError, Task};

pub use crate::runtime::yield_now;
pub use crate::time::sleep;

/// A handle to a running task ("thread"): std's `Thread`, as greenery's [`Task`].
///
/// ```
/// use greenery::monkey::thread::{self, Thread};
/// greenery::run(async {
///     let t = thread::spawn(async { thread::current().id() }).await;
///     let thread: Thread = t.thread();
///     assert_eq!(t.join().await.unwrap(), thread.id());
/// });
/// ```
pub type Thread = Task;

/// The task calling this (std's `thread::current()`).
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// greenery::run(async {
///     let t = greenery::monkey::thread::Builder::new()
///         .name("worker")
///         .spawn(async { greenery::monkey::thread::current().name() })
///         .await
///         .unwrap();
///     assert_eq!(t.join().await.unwrap().as_deref(), Some("worker"));
/// });
/// ```
#[track_caller]
pub fn current() -> Thread {
    Task::current()
}

/// Starts `future` as a new task and returns its handle once the task has run up to its
/// first blocking point (a patched `threading.Thread.start()`).
///
/// Unlike [`crate::spawn`], which only schedules, awaiting this lets the new task run
/// first: the caller resumes after it blocks or finishes (and after any task that was
/// already queued). Dropping the handle detaches the task; it keeps running.
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// let log = Rc::new(RefCell::new(Vec::new()));
/// greenery::run({
///     let log = log.clone();
///     async move {
///         let l = log.clone();
///         let t = greenery::monkey::thread::spawn(async move { l.borrow_mut().push("child") }).await;
///         log.borrow_mut().push("parent");
///         t.join().await.unwrap();
///     }
/// });
/// assert_eq!(*log.borrow(), ["child", "parent"]);
/// ```
pub async fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    start(crate::task::Builder::new(), future).await
}

/// Configures a task before starting it (std's `thread::Builder`): so far, its name.
///
/// ```
/// use greenery::monkey::thread::Builder;
/// greenery::run(async {
///     let t = Builder::new().name("reader").spawn(async { 1 }).await.unwrap();
///     assert_eq!(t.thread().name().as_deref(), Some("reader"));
///     assert_eq!(t.join().await.unwrap(), 1);
/// });
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
}

impl Builder {
    /// A builder with nothing set.
    ///
    /// ```
    /// greenery::run(async {
    ///     let t = greenery::monkey::thread::Builder::new().spawn(async {}).await.unwrap();
    ///     assert_eq!(t.thread().name(), None); // no name set
    /// });
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task ([`Task::name`], shown in LoopExit reports).
    ///
    /// ```
    /// use greenery::monkey::thread::{self, Builder};
    /// greenery::run(async {
    ///     let t = Builder::new().name("worker").spawn(async { thread::current().name() });
    ///     let name = t.await.unwrap().join().await.unwrap();
    ///     assert_eq!(name.as_deref(), Some("worker"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Starts the task like [`spawn`]. Never fails (std's can, when the OS refuses a
    /// thread); the `Result` keeps std's shape so ported `?`/`unwrap` still fit.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let l = log.clone();
    /// greenery::run(async move {
    ///     let builder = greenery::monkey::thread::Builder::new();
    ///     let t = builder.spawn(async move { l.borrow_mut().push("child") }).await.unwrap();
    ///     log.borrow_mut().push("parent"); // the child already ran to completion
    ///     assert!(t.is_finished());
    ///     assert_eq!(*log.borrow(), ["child", "parent"]);
    /// });
    /// ```
    pub async fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
    {
        let mut builder = crate::task::Builder::new();
        if let Some(name) = self.name {
            builder = builder.name(name);
        }
        Ok(start(builder, future).await)
    }
}

/// Signals the spawner that the new task has started, when dropped: at the task's first
/// poll, or when the task is dropped unstarted (killed), so the spawner never waits forever.
struct Started {
    state: Rc<RefCell<(bool, Option<Waker>)>>,
}

impl Drop for Started {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.state.borrow_mut();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

async fn start<F>(builder: crate::task::Builder, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    let state = Rc::new(RefCell::new((false, None::<Waker>)));
    let started = Started {
        state: state.clone(),
    };
    let handle = builder.spawn(async move {
        drop(started);
        future.await
    });
    poll_fn(|cx| {
        let mut state = state.borrow_mut();
        if state.0 {
            Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    })
    .await;
    JoinHandle { inner: handle }
}

/// An owned permission to join a task (std's `thread::JoinHandle`).
///
/// ```
/// use greenery::monkey::{thread, time::Duration};
/// greenery::run(async {
///     let handle: thread::JoinHandle<u8> = thread::spawn(async {
///         thread::sleep(Duration::from_millis(1)).await;
///         7
///     })
///     .await;
///     assert_eq!(handle.join().await.unwrap(), 7);
/// });
/// ```
pub struct JoinHandle<T> {
    inner: crate::JoinHandle<T>,
}

impl<T> JoinHandle<T> {
    /// Waits for the task to finish and returns its result; a panic in the task (or a
    /// kill) is the `Err`, as std's `join` returns the panic payload.
    ///
    /// ```
    /// # std::panic::set_hook(Box::new(|_| {}));
    /// greenery::run(async {
    ///     let ok = greenery::monkey::thread::spawn(async { "fine" }).await;
    ///     assert_eq!(ok.join().await.unwrap(), "fine");
    ///     let bad = greenery::monkey::thread::spawn(async { panic!("boom") }).await;
    ///     assert!(bad.join().await.unwrap_err().is_panic());
    /// });
    /// ```
    pub async fn join(self) -> Result<T, JoinError> {
        self.inner.await
    }

    /// The task ([`Thread`]).
    ///
    /// ```
    /// use greenery::monkey::thread;
    /// greenery::run(async {
    ///     let t = thread::Builder::new().name("named").spawn(async {}).await.unwrap();
    ///     assert_eq!(t.thread().name().as_deref(), Some("named"));
    ///     assert_eq!(t.thread().id(), t.into_inner().task().id());
    /// });
    /// ```
    pub fn thread(&self) -> Thread {
        self.inner.task()
    }

    /// Whether the task has finished.
    ///
    /// ```
    /// use greenery::monkey::thread;
    /// greenery::run(async {
    ///     let quick = thread::spawn(async {}).await;
    ///     let stuck = thread::spawn(std::future::pending::<()>()).await;
    ///     assert!(quick.is_finished()); // ran to completion inside `spawn`
    ///     assert!(!stuck.is_finished()); // parked at its first (and last) wait
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// The underlying [`crate::JoinHandle`] (for `kill`, or to await it directly).
    ///
    /// ```
    /// use greenery::monkey::thread;
    /// greenery::run(async {
    ///     let t = thread::spawn(std::future::pending::<()>()).await;
    ///     let handle: greenery::JoinHandle<()> = t.into_inner();
    ///     handle.kill(); // what std's handle cannot do
    ///     assert!(handle.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn into_inner(self) -> crate::JoinHandle<T> {
        self.inner
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.inner.id())
            .field("finished", &self.inner.is_finished())
            .finish()
    }
}
