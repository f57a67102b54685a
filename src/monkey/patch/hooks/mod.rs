//! The hooked libc functions. Each one passes straight through to glibc unless the patch is
//! armed ([`patch_all`](super::patch_all)) and it is called by a green thread that may block,
//! on an fd greenery may park on (a socket in blocking mode). Then it parks the green thread on
//! the runtime's reactor (or timer) instead of blocking the OS thread, and returns what the
//! blocking call would have: the result, the same error, `EAGAIN` at the socket's timeout. A
//! kill ends the wait with `ECANCELED` (`EINTR` with nothing left for the sleeps, which std
//! then stops retrying): a hook's `extern "C"` frame cannot be unwound, so the green thread
//! unwinds at its next Rust-level blocking call instead.
//!
//! Outside green threads, sockets greenery made non-blocking still behave as blocking ones: the
//! hook waits in the real `poll`.

// These are C symbols, exported by `#[no_mangle]` whatever their Rust visibility.
#![allow(unreachable_pub)]

mod connect;
mod dns;
mod fd;
mod io;
mod poll;
mod sleep;

use crate::green::in_fiber;

/// Whether a hook should act: armed, and called from a green thread's stack that is not
/// unwinding (whether it may block now, or was killed, is `wait`'s to say).
#[inline]
fn green_call() -> bool {
    super::armed() && in_fiber() && !std::thread::panicking()
}
