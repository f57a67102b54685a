//! The ambient runtime: which [`Core`] is driving this thread right now.

use std::cell::Cell;
use std::ptr;
use std::rc::Rc;

use super::core::Core;

thread_local! {
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };
}

/// Runs `f` with the runtime driving this thread, or returns `None` outside one.
#[inline]
pub(crate) fn with_core<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let core = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    if core.is_null() {
        return None;
    }
    // SAFETY: CURRENT is non-null only between `Entered::new` and the guard's drop, which
    // borrow an `Rc<Core>` for that whole span (see `Entered`), so the pointee is alive; the
    // reference does not escape `f`.
    Some(f(unsafe { &*core }))
}

/// The runtime driving this thread, as an owning pointer.
pub(crate) fn current_core() -> Option<Rc<Core>> {
    let core = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    if core.is_null() {
        return None;
    }
    // SAFETY: as in `with_core`, the pointee is alive and owned by an `Rc` (the one `Entered`
    // borrows): incrementing the strong count before `from_raw` leaves that `Rc` untouched.
    unsafe {
        Rc::increment_strong_count(core);
        Some(Rc::from_raw(core))
    }
}

/// The runtime driving this thread; panics with an explanation outside one.
#[track_caller]
pub(crate) fn expect_core(what: &str) -> Rc<Core> {
    current_core().unwrap_or_else(|| {
        panic!(
            "{what} must be called inside a greenery runtime (greenery::run or Runtime::block_on)"
        )
    })
}

/// Marks `core` as this thread's runtime until dropped.
pub(crate) struct Entered<'a> {
    _core: &'a Rc<Core>,
}

impl<'a> Entered<'a> {
    /// Enters `core`; panics when another runtime is already running on this thread, since a
    /// nested `run` would block the outer runtime's tasks forever.
    #[track_caller]
    pub(crate) fn new(core: &'a Rc<Core>) -> Self {
        CURRENT.with(|current| {
            if !current.get().is_null() {
                panic!(
                    "greenery::run called inside a running greenery runtime: a nested run would \
                     block every task of the outer one. Spawn the future with greenery::spawn \
                     or await it directly instead."
                );
            }
            current.set(Rc::as_ptr(core));
        });
        Entered { _core: core }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|current| current.set(ptr::null()));
    }
}
