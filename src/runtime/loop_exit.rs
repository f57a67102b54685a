//! LoopExit: what `run` reports instead of hanging when nothing can ever wake the main future.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::context;
use super::core::Core;
use super::task::TaskInfo;

/// The main future is waiting and nothing can ever wake it: no task is runnable, no timer is
/// armed, no IO is awaited, no blocking job or [`KeepAlive`](crate::runtime::KeepAlive) is
/// outstanding. gevent's `LoopExit`: "This operation would block forever".
///
/// Its text names the blocked tasks, then the way out for a wake greenery cannot see (a
/// thread, another runtime): [`foreign`](crate::runtime::foreign),
/// [`keep_alive`](crate::runtime::keep_alive) or
/// [`LoopExitPolicy::Wait`](crate::runtime::LoopExitPolicy::Wait) (see `docs/interop.md`).
///
/// [`try_run`](crate::try_run) returns it; [`run`](crate::run) panics with it;
/// [`catch_loop_exit`] turns it into an error inside the program so it can carry on.
///
/// ```
/// let err = greenery::try_run(std::future::pending::<()>()).unwrap_err();
/// assert_eq!(err.to_string().lines().next(), Some("This operation would block forever"));
/// assert_eq!(err.blocked()[0].id, 0); // the main future
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopExit {
    blocked: Vec<TaskInfo>,
}

impl LoopExit {
    pub(crate) fn new(blocked: Vec<TaskInfo>) -> LoopExit {
        LoopExit { blocked }
    }

    /// The tasks that were waiting when the runtime gave up, the main future (id 0) first.
    ///
    /// ```
    /// let err = greenery::try_run(async {
    ///     let _idle = greenery::task::Builder::new().name("idle").spawn(std::future::pending::<()>());
    ///     std::future::pending::<()>().await
    /// })
    /// .unwrap_err();
    /// assert_eq!(err.blocked()[1].name.as_deref(), Some("idle"));
    /// ```
    pub fn blocked(&self) -> &[TaskInfo] {
        &self.blocked
    }
}

/// The way out, for a program that waits on something greenery cannot see.
const HINT: &str = "\n\thint: a task woken from outside greenery (another thread, another \
                    runtime) must await through greenery::runtime::foreign(..), or hold a \
                    greenery::runtime::keep_alive() guard, or run under \
                    Builder::on_loop_exit(LoopExitPolicy::Wait)";

impl fmt::Display for LoopExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("This operation would block forever")?;
        f.write_str("\n\tblocked:")?;
        for (i, task) in self.blocked.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{task}")?;
        }
        f.write_str(HINT)
    }
}

impl Error for LoopExit {}

/// The registered [`catch_loop_exit`] scopes of a runtime, innermost last.
#[derive(Default)]
pub(crate) struct Catchers {
    next_id: Cell<u64>,
    scopes: RefCell<Vec<Scope>>,
}

struct Scope {
    id: u64,
    waker: Option<Waker>,
    caught: Option<LoopExit>,
}

impl Catchers {
    fn register(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.scopes.borrow_mut().push(Scope {
            id,
            waker: None,
            caught: None,
        });
        id
    }

    fn poll_caught(&self, id: u64, waker: &Waker) -> Option<LoopExit> {
        let mut scopes = self.scopes.borrow_mut();
        let scope = scopes.iter_mut().find(|scope| scope.id == id)?;
        if scope.caught.is_none() {
            scope.waker = Some(waker.clone());
        }
        scope.caught.take()
    }

    fn unregister(&self, id: u64) {
        self.scopes.borrow_mut().retain(|scope| scope.id != id);
    }

    /// Hands `exit` to the innermost scope that has not caught one yet, or returns it.
    pub(crate) fn deliver(&self, exit: LoopExit) -> Result<(), LoopExit> {
        let waker = {
            let mut scopes = self.scopes.borrow_mut();
            let Some(scope) = scopes
                .iter_mut()
                .rev()
                .find(|scope| scope.caught.is_none() && scope.waker.is_some())
            else {
                return Err(exit);
            };
            scope.caught = Some(exit);
            scope.waker.take()
        };
        waker.into_iter().for_each(Waker::wake);
        Ok(())
    }
}

pin_project! {
    /// The future of [`catch_loop_exit`].
    ///
    /// ```
    /// greenery::run(async {
    ///     let scope: greenery::runtime::CatchLoopExit<_> =
    ///         greenery::catch_loop_exit(std::future::pending::<()>());
    ///     assert!(scope.await.is_err());
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct CatchLoopExit<F> {
        #[pin]
        future: F,
        scope: Option<(Rc<Core>, u64)>,
    }

    impl<F> PinnedDrop for CatchLoopExit<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some((core, id)) = this.project().scope.take() {
                core.catchers.unregister(id);
            }
        }
    }
}

/// Runs `future`, but if the runtime finds that nothing can ever wake anything while it is
/// waiting, it resolves to `Err(LoopExit)` instead (gevent raising `LoopExit` in the blocked
/// greenlet), so the program can carry on. When several scopes wait, the innermost (most
/// recently entered) one gets the error. The inner future is dropped with the scope.
///
/// ```
/// greenery::run(async {
///     let never = greenery::task::Builder::new().spawn_unstarted(async { 1 });
///     let result = greenery::catch_loop_exit(never.task().join()).await;
///     let err = result.unwrap_err();
///     assert!(err.to_string().starts_with("This operation would block forever"));
/// });
/// ```
pub fn catch_loop_exit<F: Future>(future: F) -> CatchLoopExit<F> {
    CatchLoopExit {
        future,
        scope: None,
    }
}

impl<F: Future> Future for CatchLoopExit<F> {
    type Output = Result<F::Output, LoopExit>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // Registered before the inner future is polled, so scopes nested inside it come later
        // in the list: the innermost is the last.
        let (core, id) = this.scope.get_or_insert_with(|| {
            let core = context::expect_core("catch_loop_exit");
            let id = core.catchers.register();
            (core, id)
        });
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match core.catchers.poll_caught(*id, cx.waker()) {
            Some(exit) => Poll::Ready(Err(exit)),
            None => Poll::Pending,
        }
    }
}
