//! [`abandonable`]: a wait on a [`PollRead`](super::PollRead)/[`PollWrite`](super::PollWrite)
//! stream that takes its waker back when dropped (the buffered wrappers' equivalent of the
//! reactor's `Registration::parked`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::stream::sealed::Parks;

/// Runs `future`, which parks on `stream` in the read (`read == true`) or write direction;
/// dropped while parked (a timeout, a kill), it takes the task's waker back.
pub(crate) fn abandonable<'a, P: Parks, F: Future>(
    stream: &'a P,
    read: bool,
    future: F,
) -> Abandonable<'a, P, F> {
    Abandonable {
        stream,
        read,
        future,
        waker: None,
    }
}

pin_project! {
    /// The future of [`abandonable`].
    pub(crate) struct Abandonable<'a, P: Parks, F> {
        stream: &'a P,
        read: bool,
        #[pin]
        future: F,
        waker: Option<Waker>,
    }

    impl<P: Parks, F> PinnedDrop for Abandonable<'_, P, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(waker) = this.waker.take() {
                this.stream.forget_waker(*this.read, &waker);
            }
        }
    }
}

impl<P: Parks, F: Future> Future for Abandonable<'_, P, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let result = this.future.poll(cx);
        *this.waker = result.is_pending().then(|| cx.waker().clone());
        result
    }
}
