//! [`foreign`]: awaiting a future that something outside greenery wakes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::context;
use super::waker::KeepAlive;

pin_project! {
    /// The future of [`foreign`].
    ///
    /// ```
    /// greenery::run(async {
    ///     let f: greenery::runtime::Foreign<_> = greenery::runtime::foreign(async { 1 });
    ///     assert_eq!(f.await, 1);
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct Foreign<F> {
        #[pin]
        future: F,
        guard: Option<KeepAlive>,
    }
}

/// Awaits `future`, keeping the runtime from reporting [`LoopExit`](crate::LoopExit) while it
/// is pending: for a future that something greenery cannot see will wake — a channel fed by
/// another thread, another runtime's timer or socket, a callback from a C library (gevent
/// counts such wake sources, its async watchers and threadpool, as keeping the loop alive).
///
/// The guard is a [`KeepAlive`], taken at the first `Pending` and released when the future
/// completes or is dropped. Greenery's own futures (sleeps, sockets, queues, joins) need no
/// wrapper: the runtime sees what can wake them. Outside a runtime the wrapper only awaits.
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
///     std::thread::spawn(move || {
///         let waker = rx.recv().unwrap();
///         std::thread::sleep(Duration::from_millis(10));
///         waker.wake();
///     });
///     let mut sent = Some(tx);
///     // Without `foreign`, this wait would end the program with LoopExit.
///     greenery::runtime::foreign(std::future::poll_fn(|cx| match sent.take() {
///         Some(tx) => {
///             tx.send(cx.waker().clone()).unwrap();
///             std::task::Poll::Pending
///         }
///         None => std::task::Poll::Ready(()),
///     }))
///     .await;
/// });
/// ```
pub fn foreign<F: Future>(future: F) -> Foreign<F> {
    Foreign {
        future,
        guard: None,
    }
}

impl<F: Future> Future for Foreign<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match this.future.poll(cx) {
            Poll::Ready(output) => {
                *this.guard = None;
                Poll::Ready(output)
            }
            Poll::Pending => {
                if this.guard.is_none() {
                    *this.guard =
                        context::current_core().map(|core| KeepAlive::new(core.shared.clone()));
                }
                Poll::Pending
            }
        }
    }
}

impl<F> fmt::Debug for Foreign<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Foreign")
            .field("pending", &self.guard.is_some())
            .finish_non_exhaustive()
    }
}
