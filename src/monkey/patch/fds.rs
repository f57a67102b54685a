//! What the hooks know about each file descriptor: whether it is a socket, whether its user
//! asked for non-blocking mode, and whether greenery turned `O_NONBLOCK` on behind the user's
//! back. One byte per fd in a process-wide table (fds are process-wide); fds past its end are
//! looked up anew on every call.
//!
//! Only sockets are ever switched to non-blocking mode: `O_NONBLOCK` lives on the open file
//! description, which a pipe or a terminal may share with other processes.

use std::sync::atomic::{AtomicU8, Ordering};

use super::real::libc_real;

/// The entry has been filled in.
const KNOWN: u8 = 1;
/// The fd is a socket.
pub(super) const SOCKET: u8 = 2;
/// The user asked for non-blocking mode (`O_NONBLOCK`, `FIONBIO`, `SOCK_NONBLOCK`).
pub(super) const USER_NONBLOCKING: u8 = 4;
/// greenery set `O_NONBLOCK` in the kernel; the user still sees a blocking socket.
pub(super) const OURS_NONBLOCKING: u8 = 8;
/// A send or receive timeout may be set (`SO_RCVTIMEO`/`SO_SNDTIMEO`): look it up when
/// parking. Without it, parking costs no `getsockopt`.
pub(super) const TIMEOUTS: u8 = 16;

const TABLE: usize = 1 << 16;

static STATES: [AtomicU8; TABLE] = [const { AtomicU8::new(0) }; TABLE];

fn slot(fd: libc::c_int) -> Option<&'static AtomicU8> {
    usize::try_from(fd).ok().and_then(|fd| STATES.get(fd))
}

/// The state bits of `fd`, classifying it on first sight.
pub(super) fn state(fd: libc::c_int) -> u8 {
    if let Some(slot) = slot(fd) {
        let known = slot.load(Ordering::Relaxed);
        if known & KNOWN != 0 {
            return known;
        }
    }
    let bits = classify(fd);
    if let Some(slot) = slot(fd) {
        slot.store(bits, Ordering::Relaxed);
    }
    bits
}

/// Reads the kernel's view of `fd`: a socket? non-blocking?
fn classify(fd: libc::c_int) -> u8 {
    // SAFETY: fstat writes into the zeroed struct we own; a bad fd just fails.
    let is_socket = unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut stat) == 0 && stat.st_mode & libc::S_IFMT == libc::S_IFSOCK
    };
    if !is_socket {
        return KNOWN;
    }
    // SAFETY: F_GETFL takes no argument; a bad fd just fails.
    let flags = unsafe { libc_real::fcntl(fd, libc::F_GETFL, 0) };
    let user = if flags >= 0 && flags & libc::O_NONBLOCK != 0 {
        USER_NONBLOCKING
    } else {
        0
    };
    // A socket made before the hooks saw it may carry timeouts already.
    let timeouts = if socket_timeout(fd, true).is_some() || socket_timeout(fd, false).is_some() {
        TIMEOUTS
    } else {
        0
    };
    KNOWN | SOCKET | user | timeouts
}

/// The user set a send or receive timeout on `fd` (`setsockopt`).
pub(super) fn timeouts_set(fd: libc::c_int) {
    set(fd, state(fd) | TIMEOUTS);
}

/// Records a fresh fd (from `socket`, `accept`): a socket, non-blocking if asked for.
pub(super) fn created_socket(fd: libc::c_int, nonblocking: bool) {
    let user = if nonblocking { USER_NONBLOCKING } else { 0 };
    set(fd, KNOWN | SOCKET | user);
}

/// Forgets `fd` (it was closed, or replaced by `dup2`).
pub(super) fn forget(fd: libc::c_int) {
    set(fd, 0);
}

/// `to` now shares `from`'s open file description (`dup`, `F_DUPFD`).
pub(super) fn copy(from: libc::c_int, to: libc::c_int) {
    set(to, state(from));
}

fn set(fd: libc::c_int, bits: u8) {
    if let Some(slot) = slot(fd) {
        slot.store(bits, Ordering::Relaxed);
    }
}

/// Records what the user asked for, keeping what greenery did.
pub(super) fn set_user_nonblocking(fd: libc::c_int, on: bool) {
    let bits = state(fd);
    let bits = if on {
        bits | USER_NONBLOCKING
    } else {
        bits & !USER_NONBLOCKING
    };
    set(fd, bits);
}

/// Turns `O_NONBLOCK` on for a socket whose user wants blocking calls, so a green thread can
/// park on it instead of blocking the OS thread. Returns whether the socket is now ours to
/// park on.
pub(super) fn make_nonblocking(fd: libc::c_int, bits: u8) -> bool {
    if bits & OURS_NONBLOCKING != 0 {
        return true;
    }
    // SAFETY: F_GETFL/F_SETFL on an fd we were handed; failures are reported, not UB.
    let done = unsafe {
        let flags = libc_real::fcntl(fd, libc::F_GETFL, 0);
        flags >= 0 && libc_real::fcntl(fd, libc::F_SETFL, (flags | libc::O_NONBLOCK) as usize) == 0
    };
    if done {
        set(fd, bits | OURS_NONBLOCKING);
    }
    done
}

// ----- errno ----------------------------------------------------------------------------------

pub(super) fn errno() -> libc::c_int {
    // SAFETY: glibc's per-thread errno location is always valid.
    unsafe { *libc::__errno_location() }
}

pub(super) fn set_errno(value: libc::c_int) {
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = value };
}

/// The timeout the user set on a socket for `direction` (`SO_RCVTIMEO` / `SO_SNDTIMEO`), if
/// its state says one may be set.
pub(super) fn timeout_of(fd: libc::c_int, read: bool) -> Option<std::time::Duration> {
    if state(fd) & TIMEOUTS == 0 {
        return None;
    }
    socket_timeout(fd, read)
}

/// The timeout set on a socket for `direction`, asked of the kernel.
fn socket_timeout(fd: libc::c_int, read: bool) -> Option<std::time::Duration> {
    let option = if read {
        libc::SO_RCVTIMEO
    } else {
        libc::SO_SNDTIMEO
    };
    let mut value = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let mut len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `value`, which we own.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            option,
            (&mut value as *mut libc::timeval).cast(),
            &mut len,
        )
    };
    if rc != 0 || (value.tv_sec == 0 && value.tv_usec == 0) {
        return None;
    }
    Some(std::time::Duration::new(
        value.tv_sec as u64,
        value.tv_usec as u32 * 1000,
    ))
}

/// Waits, blocking the OS thread, until `fd` is ready for `events` or `timeout` passes:
/// blocking mode emulated on a socket greenery made non-blocking, for code outside green
/// threads. Returns false on timeout.
pub(super) fn wait_blocking(
    fd: libc::c_int,
    events: libc::c_short,
    timeout: Option<std::time::Duration>,
) -> bool {
    let mut entry = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    let millis = timeout.map_or(-1, |t| {
        t.as_millis().clamp(1, i32::MAX as u128) as libc::c_int
    });
    loop {
        // SAFETY: one valid pollfd we own.
        let rc = unsafe { libc_real::poll(&mut entry, 1, millis) };
        if rc > 0 {
            return true;
        }
        if rc == 0 {
            return false;
        }
        if errno() != libc::EINTR {
            return true; // let the operation report the error
        }
    }
}
