//! A greenlet's body, type-erased: the closure, its first argument, the running future, and
//! the value it returned.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::slot::{Parcel, Slot};
use super::Error;

/// What a greenlet node drives: starts the body with its first value, polls it, and keeps
/// what it returned until it is delivered to the parent.
pub(crate) trait Body {
    /// Starts the body if needed and polls it. `Ready(Ok)` leaves the returned value in the
    /// output slot; the future is dropped as soon as it completes.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>>;

    /// The `Slot<T>` the first switched-in value goes to.
    fn arg_slot(self: Pin<&mut Self>) -> *mut ();

    /// The value the body returned, as a parcel for its parent.
    fn output(self: Pin<&mut Self>) -> Parcel;
}

pin_project! {
    /// A body built from `F: FnOnce(T) -> Fut`.
    pub(crate) struct BodyFn<F, Fut, T> {
        start: Option<F>,
        arg: Slot<T>,
        #[pin]
        future: Option<Fut>,
        out: Slot<T>,
    }
}

impl<F, Fut, T> BodyFn<F, Fut, T> {
    pub(crate) fn new(start: F) -> Self {
        BodyFn {
            start: Some(start),
            arg: Slot::empty(),
            future: None,
            out: Slot::empty(),
        }
    }
}

impl<F, Fut, T> Body for BodyFn<F, Fut, T>
where
    T: 'static,
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut this = self.project();
        if let Some(start) = this.start.take() {
            // A node only polls a body after a value was delivered into its argument slot.
            let Some(arg) = this.arg.take() else {
                return Poll::Ready(Err(Error::NoBody));
            };
            this.future.set(Some(start(arg)));
        }
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return Poll::Ready(Ok(()));
        };
        let result = match future.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        // The body's locals are dropped before its value travels on.
        this.future.set(None);
        Poll::Ready(result.map(|value| this.out.put(value)))
    }

    fn arg_slot(self: Pin<&mut Self>) -> *mut () {
        let arg: *mut Slot<T> = self.project().arg;
        arg.cast()
    }

    fn output(self: Pin<&mut Self>) -> Parcel {
        Parcel::of::<T>(self.project().out)
    }
}
