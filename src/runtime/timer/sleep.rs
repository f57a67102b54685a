//! [`sleep`] and [`sleep_until`]: a timer in the runtime's heap.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::heap::TimerKey;
use crate::runtime::context;
use crate::runtime::core::Core;
use crate::runtime::observe::{self, WaitOn};

/// Waits until `duration` has passed (gevent's `sleep(seconds)`).
///
/// Every sleep suspends at least once: `sleep(Duration::ZERO)` goes to the back of the run
/// queue like [`yield_now`](crate::yield_now) (gevent's `sleep(0)`). Timers are exact (no
/// rounding to milliseconds); equal sleeps wake in the order they started. A duration too
/// large to represent (`Duration::MAX`) sleeps forever and keeps nothing alive: if nothing
/// else can wake the program, `run` reports [`LoopExit`](crate::LoopExit).
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let start = std::time::Instant::now();
///     greenery::time::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(super::now().checked_add(duration))
}

/// Waits until `deadline` (at once, after one yield, if it has passed).
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let deadline = greenery::time::now() + Duration::from_millis(5);
///     greenery::time::sleep_until(deadline).await;
///     assert!(greenery::time::now() >= deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Some(deadline))
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let nap: greenery::time::Sleep = greenery::time::sleep(Duration::from_millis(1));
///     nap.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// `None`: never.
    deadline: Option<Instant>,
    state: State,
}

enum State {
    New,
    Yielded,
    Armed(Rc<Core>, TimerKey),
    Done,
}

impl Sleep {
    fn new(deadline: Option<Instant>) -> Sleep {
        Sleep {
            deadline,
            state: State::New,
        }
    }

    /// When the sleep ends (`None`: never).
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     assert!(greenery::time::sleep(Duration::from_secs(1)).deadline().is_some());
    ///     assert!(greenery::time::sleep(Duration::MAX).deadline().is_none());
    /// });
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the sleep has completed.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let mut nap = greenery::time::sleep(Duration::from_millis(1));
    ///     assert!(!nap.is_elapsed());
    ///     (&mut nap).await;
    ///     assert!(nap.is_elapsed());
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// One poll of the timer, without noting the wait (a [`Timeout`](super::Timeout) lets
    /// its future say what the task waits on).
    pub(super) fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let this = self;
        match &this.state {
            State::Done => Poll::Ready(()),
            State::Yielded => {
                this.state = State::Done;
                Poll::Ready(())
            }
            State::New => {
                let Some(deadline) = this.deadline else {
                    return Poll::Pending;
                };
                let core = context::expect_core("greenery::time::sleep");
                if deadline <= core.now() {
                    this.state = State::Yielded;
                    cx.waker().wake_by_ref();
                } else {
                    let key = core.timers.borrow_mut().insert(deadline, cx.waker());
                    this.state = State::Armed(core, key);
                }
                Poll::Pending
            }
            State::Armed(core, key) => {
                if core.timers.borrow_mut().poll_fired(*key, cx.waker()) {
                    core.timers.borrow_mut().remove(*key);
                    this.state = State::Done;
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let poll = self.poll_timer(cx);
        if poll.is_pending() {
            observe::note(WaitOn::Sleep(self.deadline));
        }
        poll
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Armed(core, key) = &self.state {
            core.timers.borrow_mut().remove(*key);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("elapsed", &self.is_elapsed())
            .finish()
    }
}
