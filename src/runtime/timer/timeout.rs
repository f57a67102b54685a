//! [`timeout`]: bound how long a future may take.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::sleep::{sleep, sleep_until, Sleep};

/// The error of a [`timeout`] that expired (gevent's `Timeout`, CPython's `TimeoutError`).
///
/// Converts into an [`io::Error`] of kind [`io::ErrorKind::TimedOut`].
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let never = std::future::pending::<()>();
///     let err = greenery::time::timeout(Duration::from_millis(1), never).await.unwrap_err();
///     let io: std::io::Error = err.into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}

pin_project! {
    /// The future of [`timeout`] and [`timeout_at`].
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let t: greenery::time::Timeout<_> = greenery::time::timeout(Duration::from_secs(1), async { 1 });
    ///     assert_eq!(t.await, Ok(1));
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        sleep: Sleep,
    }
}

/// Runs `future` for at most `duration`: `Ok(output)` if it finished in time, otherwise
/// `Err(Elapsed)` and the future is dropped (its destructors run), like gevent's
/// `with_timeout` and `Timeout` as a scope: gevent's silent `Timeout(s, False)` is
/// `.await.ok()`, a custom exception is `.map_err(..)`. The future is polled first, so one that is ready at once wins even with a
/// zero duration; `Duration::MAX` never expires.
///
/// ```
/// use std::time::Duration;
/// use greenery::time::{sleep, timeout};
/// greenery::run(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = sleep(Duration::from_secs(10));
///     assert!(timeout(Duration::from_millis(5), slow).await.is_err());
/// });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(duration),
    }
}

/// Like [`timeout`], with an absolute deadline.
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let deadline = greenery::time::now() + Duration::from_millis(5);
///     let out = greenery::time::timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(out.is_err());
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep_until(deadline),
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = greenery::time::timeout(Duration::from_secs(1), std::future::ready(3));
    /// let inner: &std::future::Ready<i32> = t.get_ref();
    /// # let _ = inner;
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Gives the wrapped future back, cancelling the timer.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let t = greenery::time::timeout(Duration::from_secs(1), async { 8 });
    ///     assert_eq!(t.into_inner().await, 8);
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match this.sleep.poll_timer(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}
