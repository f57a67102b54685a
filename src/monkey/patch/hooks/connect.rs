//! Making and accepting connections: `connect`, `accept`, `accept4`, `socket`, and the
//! `setsockopt` that notes timeouts.

use libc::{c_int, c_void, sockaddr, socklen_t, ssize_t};

use super::super::fds::{self, errno, set_errno, OURS_NONBLOCKING, SOCKET, USER_NONBLOCKING};
use super::super::real::libc_real as real;
use super::super::{armed, wait};
use super::green_call;
use super::io::transfer;
use crate::green::Unparked;
use crate::runtime::io::Direction;

/// The pending error of a socket whose non-blocking connect finished (`SO_ERROR`).
fn socket_error(fd: c_int) -> c_int {
    let mut error: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `error`, which we own.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut error as *mut c_int).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        errno()
    } else {
        error
    }
}

/// Ends a connect that said `EINPROGRESS` once the socket turned writable.
fn connect_result(fd: c_int) -> c_int {
    match socket_error(fd) {
        0 => 0,
        error => {
            set_errno(error);
            -1
        }
    }
}

/// # Safety
/// As libc's `connect`.
#[no_mangle]
pub unsafe extern "C" fn connect(fd: c_int, addr: *const sockaddr, len: socklen_t) -> c_int {
    let bits = if armed() { fds::state(fd) } else { 0 };
    if bits & SOCKET == 0 || bits & USER_NONBLOCKING != 0 {
        // SAFETY: forwarded from the caller.
        return unsafe { real::connect(fd, addr, len) };
    }
    let green = green_call() && fds::make_nonblocking(fd, bits);
    // SAFETY: forwarded from the caller.
    let rc = unsafe { real::connect(fd, addr, len) };
    if rc == 0 || errno() != libc::EINPROGRESS || fds::state(fd) & OURS_NONBLOCKING == 0 {
        return rc;
    }
    let timeout = fds::timeout_of(fd, false);
    if green {
        let deadline = timeout.map(|timeout| crate::time::now() + timeout);
        match wait::ready(fd, Direction::Write, deadline) {
            Ok(true) => return connect_result(fd),
            Ok(false) => {
                set_errno(libc::EINPROGRESS); // a blocking connect's SO_SNDTIMEO
                return -1;
            }
            Err(Unparked::Killed) => {
                set_errno(libc::ECANCELED);
                return -1;
            }
            Err(_) => {}
        }
    }
    if fds::wait_blocking(fd, libc::POLLOUT, timeout) {
        connect_result(fd)
    } else {
        set_errno(libc::EINPROGRESS);
        -1
    }
}

/// A new socket from `accept`/`accept4`: recorded, any stale registration of its number gone.
fn accepted(fd: c_int, flags: c_int) -> c_int {
    if fd >= 0 {
        wait::forget(fd);
        fds::created_socket(fd, flags & libc::SOCK_NONBLOCK != 0);
    }
    fd
}

/// # Safety
/// As libc's `accept`.
#[no_mangle]
pub unsafe extern "C" fn accept(fd: c_int, addr: *mut sockaddr, len: *mut socklen_t) -> c_int {
    let new = transfer(fd, Direction::Read, false, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::accept(fd, addr, len) as ssize_t }
    });
    accepted(new as c_int, 0)
}

/// # Safety
/// As libc's `accept4`.
#[no_mangle]
pub unsafe extern "C" fn accept4(
    fd: c_int,
    addr: *mut sockaddr,
    len: *mut socklen_t,
    flags: c_int,
) -> c_int {
    let new = transfer(fd, Direction::Read, false, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::accept4(fd, addr, len, flags) as ssize_t }
    });
    accepted(new as c_int, flags)
}

/// # Safety
/// As libc's `socket`.
#[no_mangle]
pub unsafe extern "C" fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int {
    // SAFETY: no memory preconditions.
    let fd = unsafe { real::socket(domain, kind, protocol) };
    accepted(fd, kind)
}

/// `setsockopt`: passes through, noting on the fd that a timeout may now be set (so parking
/// looks timeouts up only on sockets that may have one).
///
/// # Safety
/// As libc's `setsockopt`.
#[no_mangle]
pub unsafe extern "C" fn setsockopt(
    fd: c_int,
    level: c_int,
    name: c_int,
    value: *const c_void,
    len: socklen_t,
) -> c_int {
    // SAFETY: forwarded from the caller.
    let rc = unsafe { real::setsockopt(fd, level, name, value, len) };
    if rc == 0
        && level == libc::SOL_SOCKET
        && (name == libc::SO_RCVTIMEO || name == libc::SO_SNDTIMEO)
    {
        fds::timeouts_set(fd);
    }
    rc
}
