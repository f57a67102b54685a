//! Values in transit: [`Slot`], the typed place a switched value waits in, and the
//! type-erased [`Parcel`] and [`Ty`] the driver moves it with.
//!
//! A slot keeps its "full" flag apart from the value so a value is only ever read and written
//! as a `T`: moving a whole `Option<T>` would read it with wider loads than the stores that
//! wrote it, and the failed store-to-load forwarding cost more than the rest of a switch.

use std::any::TypeId;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

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

    /// Moves the value out of the `Slot<T>` at `src` into the one at `dst`.
    ///
    /// # Safety
    /// Both must point to live, distinct `Slot<T>`s of this type, with no other reference
    /// to them.
    #[inline]
    pub(crate) unsafe fn move_value(self, src: *mut (), dst: *mut ()) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.0.moves)(src, dst) }
    }
}

/// A value on its way between greenlets: the sender's `Slot<T>` and its type.
#[derive(Clone, Copy)]
pub(crate) struct Parcel {
    pub(crate) src: *mut (),
    pub(crate) ty: Ty,
}

impl Parcel {
    #[inline]
    pub(crate) fn of<T: 'static>(src: *mut Slot<T>) -> Parcel {
        Parcel {
            src: src.cast(),
            ty: Ty::of::<T>(),
        }
    }

    /// Moves the value into the `Slot<T>` at `dst`.
    ///
    /// # Safety
    /// `dst` must be a live `Slot<T>` of this parcel's type, and the source still alive.
    #[inline]
    pub(crate) unsafe fn move_into(self, dst: *mut ()) {
        // SAFETY: forwarded from the caller.
        unsafe { self.ty.move_value(self.src, dst) }
    }
}

/// Moves the value out of one `Slot<T>` into another.
///
/// # Safety
/// Both pointers must point to live, distinct `Slot<T>`s with no other reference to them.
unsafe fn move_value<T>(src: *mut (), dst: *mut ()) {
    // SAFETY: the caller guarantees both are live `Slot<T>`s and unaliased.
    let (src, dst) = unsafe { (&mut *src.cast::<Slot<T>>(), &mut *dst.cast::<Slot<T>>()) };
    if let Some(value) = src.take() {
        dst.put(value);
    }
}

/// A place for one `T`: an `Option<T>` whose flag and value are read and written separately.
pub(crate) struct Slot<T> {
    full: bool,
    value: MaybeUninit<T>,
}

impl<T> Slot<T> {
    #[inline]
    pub(crate) fn empty() -> Slot<T> {
        Slot {
            full: false,
            value: MaybeUninit::uninit(),
        }
    }

    #[inline]
    pub(crate) fn new(value: T) -> Slot<T> {
        Slot {
            full: true,
            value: MaybeUninit::new(value),
        }
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.full
    }

    #[inline]
    pub(crate) fn take(&mut self) -> Option<T> {
        if !self.full {
            return None;
        }
        self.full = false;
        // SAFETY: `full` was set, so the value is initialized; clearing `full` first hands
        // its ownership to the caller.
        Some(unsafe { self.value.assume_init_read() })
    }

    #[inline]
    pub(crate) fn put(&mut self, value: T) {
        drop(self.take());
        self.value.write(value);
        self.full = true;
    }
}

impl<T> Drop for Slot<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}
