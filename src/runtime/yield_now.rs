//! [`yield_now`] and [`idle`]: giving the turn away.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::context;
use super::observe::{self, WaitOn};

/// Goes to the back of the run queue (gevent's `sleep(0)`): every task queued now runs once
/// before the caller resumes, so two yielding tasks alternate strictly (SEMANTICS rule 2).
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// greenery::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     greenery::spawn(async move { l.borrow_mut().push("task") });
///     greenery::yield_now().await;
///     log.borrow_mut().push("main");
///     assert_eq!(*log.borrow(), ["task", "main"]);
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
///
/// ```
/// greenery::run(async {
///     let y: greenery::runtime::YieldNow = greenery::yield_now();
///     y.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // No note of what it waits on: it is queued again at once (run info lists it as
        // scheduled), and a note here measurably slows the yield path.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Waits until the runtime has nothing else to do: the run queue is empty and no due timer or
/// ready IO is pending (gevent's `idle()`, SEMANTICS rule 5). Resumes before timers that are
/// not yet due.
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// greenery::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     greenery::spawn(async move {
///         for i in 0..2 {
///             l.borrow_mut().push(i);
///             greenery::yield_now().await;
///         }
///     });
///     greenery::idle().await;
///     assert_eq!(*log.borrow(), [0, 1]);
/// });
/// ```
pub fn idle() -> Idle {
    Idle { waiting: false }
}

/// The future of [`idle`].
///
/// ```
/// greenery::run(async {
///     let idle: greenery::runtime::Idle = greenery::idle();
///     idle.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Idle {
    waiting: bool,
}

impl Future for Idle {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.waiting {
            return Poll::Ready(());
        }
        self.waiting = true;
        context::expect_core("greenery::idle").add_idle_waiter(cx.waker());
        observe::note(WaitOn::Primitive("idle"));
        Poll::Pending
    }
}
