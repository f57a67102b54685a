//! A greenlet's body, type-erased: the closure, its first argument, the running future, and
//! the value it returned.

use std::any::TypeId;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::Error;

/// The type of the values a slot holds, for the check before a value is moved into it, and
/// how to move one.
#[derive(Clone, Copy)]
pub(crate) struct Ty(&'static TyInfo);

pub(crate) struct TyInfo {
    id: fn() -> TypeId,
    name: fn() -> &'static str,
    moves: unsafe fn(src: *mut (), dst: *mut ()),
}

struct Info<T>(PhantomData<T>);

impl<T: 'static> Info<T> {
    const INFO: &'static TyInfo = &TyInfo {
        id: TypeId::of::<T>,
        name: std::any::type_name::<T>,
        moves: move_value::<T>,
    };
}

impl Ty {
    #[inline]
    pub(crate) fn of<T: 'static>() -> Ty {
        Ty(Info::<T>::INFO)
    }

    /// Whether both are the same type. The address comparison settles the common case; the
    /// same type may have its description at two addresses, never two types at one.
    #[inline]
    pub(crate) fn same(self, other: Ty) -> bool {
        std::ptr::eq(self.0, other.0) || (self.0.id)() == (other.0.id)()
    }

    pub(crate) fn name(self) -> &'static str {
        (self.0.name)()
    }

    /// Moves the value out of the `Option<T>` at `src` into the one at `dst`.
    ///
    /// # Safety
    /// Both must point to live, distinct `Option<T>`s of this type, with no other reference
    /// to them.
    #[inline]
    pub(crate) unsafe fn move_value(self, src: *mut (), dst: *mut ()) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.0.moves)(src, dst) }
    }
}

/// A value on its way between greenlets: the sender's `Option<T>` and its type.
#[derive(Clone, Copy)]
pub(crate) struct Parcel {
    pub(crate) src: *mut (),
    pub(crate) ty: Ty,
}

impl Parcel {
    #[inline]
    pub(crate) fn of<T: 'static>(src: *mut Option<T>) -> Parcel {
        Parcel {
            src: src.cast(),
            ty: Ty::of::<T>(),
        }
    }

    /// Moves the value into the `Option<T>` at `dst`.
    ///
    /// # Safety
    /// `dst` must be a live `Option<T>` of this parcel's type, and the source still alive.
    #[inline]
    pub(crate) unsafe fn move_into(self, dst: *mut ()) {
        // SAFETY: forwarded from the caller.
        unsafe { self.ty.move_value(self.src, dst) }
    }
}

/// Moves the value out of one `Option<T>` into another.
///
/// # Safety
/// Both pointers must point to live, distinct `Option<T>`s with no other reference to them.
unsafe fn move_value<T>(src: *mut (), dst: *mut ()) {
    // SAFETY: the caller guarantees both are live `Option<T>`s and unaliased.
    unsafe { *dst.cast::<Option<T>>() = (*src.cast::<Option<T>>()).take() }
}

/// What a greenlet node drives: starts the body with its first value, polls it, and keeps
/// what it returned until it is delivered to the parent.
pub(crate) trait Body {
    /// Starts the body if needed and polls it. `Ready(Ok)` leaves the returned value in the
    /// output slot; the future is dropped as soon as it completes.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>>;

    /// The `Option<T>` the first switched-in value goes to.
    fn arg_slot(self: Pin<&mut Self>) -> *mut ();

    /// The value the body returned, as a parcel for its parent.
    fn output(self: Pin<&mut Self>) -> Parcel;
}

pin_project! {
    /// A body built from `F: FnOnce(T) -> Fut`.
    pub(crate) struct BodyFn<F, Fut, T> {
        start: Option<F>,
        arg: Option<T>,
        #[pin]
        future: Option<Fut>,
        out: Option<T>,
    }
}

impl<F, Fut, T> BodyFn<F, Fut, T> {
    pub(crate) fn new(start: F) -> Self {
        BodyFn {
            start: Some(start),
            arg: None,
            future: None,
            out: None,
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
        Poll::Ready(result.map(|value| *this.out = Some(value)))
    }

    fn arg_slot(self: Pin<&mut Self>) -> *mut () {
        let arg: *mut Option<T> = self.project().arg;
        arg.cast()
    }

    fn output(self: Pin<&mut Self>) -> Parcel {
        Parcel::of::<T>(self.project().out)
    }
}
