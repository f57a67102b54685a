//! Killing with a reason, catching a kill ([`catch_kill`]), and waiting for a kill ([`Kill`]).
//!
//! A kill drops the task's future where it waits (gevent's `GreenletExit`), unless the task
//! awaits inside a [`catch_kill`] scope: then only that scope's inner future is dropped, at the
//! task's next turn, and the scope resolves to `Err(Killed)` so the task can carry on (gevent's
//! `except GreenletExit:`).

use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::context;
use super::core::Core;
use super::handle::Join;
use super::task::TaskRef;

/// Why a task was killed: a plain kill (gevent's `GreenletExit`) or a kill with a reason
/// (gevent's `kill(exception=E)`). The joiner sees it in
/// [`JoinError::Killed`](crate::JoinError::Killed); a task inside [`catch_kill`] sees it as
/// the scope's error.
///
/// ```
/// greenery::run(async {
///     let h = greenery::spawn(std::future::pending::<()>());
///     h.kill_with("shutting down");
///     let err = h.await.unwrap_err();
///     assert_eq!(err.to_string(), "task was killed: shutting down");
///     assert_eq!(err.kill_reason().unwrap().to_string(), "shutting down");
/// });
/// ```
#[derive(Clone, Default)]
pub struct Killed {
    reason: Option<Arc<dyn Error + Send + Sync>>,
}

impl Killed {
    pub(crate) fn with_reason(reason: Box<dyn Error + Send + Sync>) -> Killed {
        Killed {
            reason: Some(Arc::from(reason)),
        }
    }

    /// The reason given to [`Task::kill_with`](crate::Task::kill_with); `None` for a plain
    /// [`kill`](crate::Task::kill). Downcast it to get your own error type back.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(greenery::catch_kill(std::future::pending::<()>()));
    ///     greenery::yield_now().await;
    ///     h.kill_with(std::io::Error::other("halt"));
    ///     let killed = h.await.unwrap().unwrap_err(); // the task caught it and returned it
    ///     let io = killed.reason().unwrap().downcast_ref::<std::io::Error>().unwrap();
    ///     assert_eq!(io.to_string(), "halt");
    /// });
    /// ```
    pub fn reason(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        self.reason.as_deref()
    }
}

impl fmt::Display for Killed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Some(reason) => write!(f, "task was killed: {reason}"),
            None => f.write_str("task was killed"),
        }
    }
}

impl fmt::Debug for Killed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Some(reason) => f.debug_tuple("Killed").field(reason).finish(),
            None => f.write_str("Killed"),
        }
    }
}

impl Error for Killed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.reason
            .as_deref()
            .map(|reason| reason as &(dyn Error + 'static))
    }
}

/// A [`catch_kill`] scope as its task's slot records it: holds a kill delivered to it until
/// the scope sees it.
#[derive(Default)]
pub(crate) struct KillScope {
    killed: Cell<Option<Killed>>,
    delivered: Cell<bool>,
}

impl KillScope {
    /// Whether the scope can still take a kill (it has not been given one).
    pub(crate) fn is_open(&self) -> bool {
        !self.delivered.get()
    }

    pub(crate) fn deliver(&self, killed: Killed) {
        self.delivered.set(true);
        self.killed.set(Some(killed));
    }

    /// Whether a kill was delivered and not yet seen.
    pub(crate) fn has_kill(&self) -> bool {
        let killed = self.killed.take();
        let has = killed.is_some();
        self.killed.set(killed);
        has
    }

    fn take(&self) -> Option<Killed> {
        self.killed.take()
    }
}

/// A scope entered by the task that first polled it.
struct Entered {
    core: Rc<Core>,
    task: TaskRef,
    scope: Rc<KillScope>,
}

impl Entered {
    fn enter() -> Option<Entered> {
        let core = context::current_core()?;
        let task = core.current_task()?;
        let scope = core.enter_kill_scope(task)?;
        Some(Entered { core, task, scope })
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        self.core.leave_kill_scope(self.task, &self.scope);
        // A kill the scope never saw (it was dropped first) is not lost: it goes to the next
        // enclosing scope, or kills the task.
        if let Some(killed) = self.scope.take() {
            self.core.kill_with(self.task, killed);
        }
    }
}

pin_project! {
    /// The future of [`catch_kill`].
    ///
    /// ```
    /// greenery::run(async {
    ///     let scope: greenery::runtime::CatchKill<_> = greenery::catch_kill(async { 1 });
    ///     assert_eq!(scope.await.unwrap(), 1);
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct CatchKill<F> {
        #[pin]
        future: Option<F>,
        entered: Option<Entered>,
    }
}

/// Runs `future`; if the task is killed while it waits inside, `future` is dropped (its
/// destructors run) and the scope resolves to `Err(Killed)` instead of the whole task being
/// dropped: the task carries on after the scope (gevent's `try: ... except GreenletExit:`,
/// SEMANTICS rule 12).
///
/// The kill reaches the scope at the task's next turn, through the back of the run queue,
/// like gevent's kill. With nested scopes the innermost gets it; a second kill before the
/// task has seen the first goes to the next enclosing scope, or drops the task. A kill the
/// scope never saw (the scope was dropped first) is passed on the same way. Outside a task
/// (in the main future, which cannot be killed) the scope only runs `future`.
///
/// ```
/// use std::{cell::RefCell, rc::Rc, time::Duration};
/// greenery::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     let stubborn = greenery::spawn(async move {
///         let sleeping = greenery::time::sleep(Duration::from_secs(10));
///         if let Err(killed) = greenery::catch_kill(sleeping).await {
///             l.borrow_mut().push(format!("caught: {killed}"));
///         }
///         "finished anyway"
///     });
///     greenery::yield_now().await;
///     stubborn.kill();
///     assert_eq!(stubborn.await.unwrap(), "finished anyway");
///     assert_eq!(*log.borrow(), ["caught: task was killed"]);
/// });
/// ```
pub fn catch_kill<F: Future>(future: F) -> CatchKill<F> {
    CatchKill {
        future: Some(future),
        entered: None,
    }
}

impl<F: Future> Future for CatchKill<F> {
    type Output = Result<F::Output, Killed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.entered.is_none() {
            *this.entered = Entered::enter();
        }
        // A kill for this scope is seen now, unless a scope inside it has one too: kills are
        // seen innermost first (as gevent raises them one after the other), so the inner
        // future is polled first and this scope looks again afterwards.
        let killed = this.entered.as_ref().and_then(|entered| {
            let inner_first = entered.scope.has_kill()
                && entered
                    .core
                    .inner_kill_pending(entered.task, &entered.scope);
            (!inner_first).then(|| entered.scope.take()).flatten()
        });
        if let Some(killed) = killed {
            this.future.set(None);
            *this.entered = None;
            return Poll::Ready(Err(killed));
        }
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            panic!("CatchKill polled after it returned");
        };
        let result = match future.poll(cx) {
            // A kill that came during this last poll is passed on when the scope is left.
            Poll::Ready(output) => Ok(output),
            // A kill made during that poll (the task killed itself) is seen at once.
            Poll::Pending => match this.entered.as_ref().and_then(|e| e.scope.take()) {
                Some(killed) => Err(killed),
                None => return Poll::Pending,
            },
        };
        this.future.set(None);
        *this.entered = None;
        Poll::Ready(result)
    }
}

impl<F> fmt::Debug for CatchKill<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatchKill")
            .field("done", &self.future.is_none())
            .finish()
    }
}

/// What [`Task::kill`](crate::Task::kill) returns: the kill has already happened (gevent's
/// `kill(block=False)`); awaiting it also waits until the task has finished (gevent's default
/// `kill()`), which takes a while only when the task caught the kill with [`catch_kill`].
/// Dropping it without awaiting is fine.
///
/// ```
/// greenery::run(async {
///     let h = greenery::spawn(std::future::pending::<()>());
///     let kill: greenery::runtime::Kill = h.kill();
///     kill.await; // returns at once: nothing caught the kill
///     assert!(h.is_finished());
/// });
/// ```
pub struct Kill {
    join: Join,
}

impl Kill {
    pub(crate) fn new(join: Join) -> Kill {
        Kill { join }
    }
}

impl Future for Kill {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.join).poll(cx)
    }
}

impl fmt::Debug for Kill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Kill").field(&self.join).finish()
    }
}
