//! Transfers on sockets: `recv`/`send` and their relatives, `read`/`write`, the vectored and
//! fortified variants.

use std::time::Instant;

use libc::{c_int, c_void, iovec, msghdr, size_t, sockaddr, socklen_t, ssize_t};

use super::super::fds::{self, errno, set_errno, OURS_NONBLOCKING, SOCKET, USER_NONBLOCKING};
use super::super::real::libc_real as real;
use super::super::{armed, wait};
use super::green_call;
use crate::green::Unparked;
use crate::runtime::io::Direction;

/// Runs `op`, a transfer on `fd` in `direction`, as a blocking call behaves for its user.
/// `dont_wait`: the call itself asked not to block (`MSG_DONTWAIT`).
pub(super) fn transfer(
    fd: c_int,
    direction: Direction,
    dont_wait: bool,
    mut op: impl FnMut() -> ssize_t,
) -> ssize_t {
    if !armed() || dont_wait {
        return op();
    }
    let bits = fds::state(fd);
    if bits & SOCKET == 0 || bits & USER_NONBLOCKING != 0 {
        return op(); // files, pipes, terminals, and sockets the user made non-blocking
    }
    let read = direction == Direction::Read;
    if green_call() && fds::make_nonblocking(fd, bits) {
        let mut deadline: Option<Option<Instant>> = None;
        loop {
            let done = op();
            if done >= 0 || errno() != libc::EAGAIN {
                return done;
            }
            let deadline = *deadline.get_or_insert_with(|| {
                fds::timeout_of(fd, read).map(|timeout| crate::time::now() + timeout)
            });
            match wait::ready(fd, direction, deadline) {
                Ok(true) => {}
                Ok(false) => {
                    set_errno(libc::EAGAIN); // a blocking socket's timeout
                    return -1;
                }
                Err(Unparked::Killed) => {
                    set_errno(libc::ECANCELED);
                    return -1;
                }
                Err(_) => break,
            }
        }
    }
    if fds::state(fd) & OURS_NONBLOCKING == 0 {
        return op(); // the kernel blocks for us
    }
    // Blocking mode emulated on a socket greenery made non-blocking.
    let events = if read { libc::POLLIN } else { libc::POLLOUT };
    let timeout = fds::timeout_of(fd, read);
    loop {
        let done = op();
        if done >= 0 || errno() != libc::EAGAIN {
            return done;
        }
        if !fds::wait_blocking(fd, events, timeout) {
            set_errno(libc::EAGAIN);
            return -1;
        }
    }
}

/// # Safety
/// As libc's `recv`.
#[no_mangle]
pub unsafe extern "C" fn recv(fd: c_int, buf: *mut c_void, n: size_t, flags: c_int) -> ssize_t {
    transfer(fd, Direction::Read, flags & libc::MSG_DONTWAIT != 0, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::recv(fd, buf, n, flags) }
    })
}

/// # Safety
/// As libc's `recvfrom`.
#[no_mangle]
pub unsafe extern "C" fn recvfrom(
    fd: c_int,
    buf: *mut c_void,
    n: size_t,
    flags: c_int,
    addr: *mut sockaddr,
    len: *mut socklen_t,
) -> ssize_t {
    transfer(fd, Direction::Read, flags & libc::MSG_DONTWAIT != 0, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::recvfrom(fd, buf, n, flags, addr, len) }
    })
}

/// # Safety
/// As libc's `recvmsg`.
#[no_mangle]
pub unsafe extern "C" fn recvmsg(fd: c_int, msg: *mut msghdr, flags: c_int) -> ssize_t {
    transfer(fd, Direction::Read, flags & libc::MSG_DONTWAIT != 0, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::recvmsg(fd, msg, flags) }
    })
}

/// # Safety
/// As libc's `send`.
#[no_mangle]
pub unsafe extern "C" fn send(fd: c_int, buf: *const c_void, n: size_t, flags: c_int) -> ssize_t {
    transfer(
        fd,
        Direction::Write,
        flags & libc::MSG_DONTWAIT != 0,
        || {
            // SAFETY: forwarded from the caller.
            unsafe { real::send(fd, buf, n, flags) }
        },
    )
}

/// # Safety
/// As libc's `sendto`.
#[no_mangle]
pub unsafe extern "C" fn sendto(
    fd: c_int,
    buf: *const c_void,
    n: size_t,
    flags: c_int,
    addr: *const sockaddr,
    len: socklen_t,
) -> ssize_t {
    transfer(
        fd,
        Direction::Write,
        flags & libc::MSG_DONTWAIT != 0,
        || {
            // SAFETY: forwarded from the caller.
            unsafe { real::sendto(fd, buf, n, flags, addr, len) }
        },
    )
}

/// # Safety
/// As libc's `sendmsg`.
#[no_mangle]
pub unsafe extern "C" fn sendmsg(fd: c_int, msg: *const msghdr, flags: c_int) -> ssize_t {
    transfer(
        fd,
        Direction::Write,
        flags & libc::MSG_DONTWAIT != 0,
        || {
            // SAFETY: forwarded from the caller.
            unsafe { real::sendmsg(fd, msg, flags) }
        },
    )
}

/// # Safety
/// As libc's `read`.
#[no_mangle]
pub unsafe extern "C" fn read(fd: c_int, buf: *mut c_void, n: size_t) -> ssize_t {
    transfer(fd, Direction::Read, false, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::read(fd, buf, n) }
    })
}

/// # Safety
/// As libc's `write`.
#[no_mangle]
pub unsafe extern "C" fn write(fd: c_int, buf: *const c_void, n: size_t) -> ssize_t {
    transfer(fd, Direction::Write, false, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::write(fd, buf, n) }
    })
}

/// # Safety
/// As libc's `readv`.
#[no_mangle]
pub unsafe extern "C" fn readv(fd: c_int, iov: *const iovec, count: c_int) -> ssize_t {
    transfer(fd, Direction::Read, false, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::readv(fd, iov, count) }
    })
}

/// # Safety
/// As libc's `writev`.
#[no_mangle]
pub unsafe extern "C" fn writev(fd: c_int, iov: *const iovec, count: c_int) -> ssize_t {
    transfer(fd, Direction::Write, false, || {
        // SAFETY: forwarded from the caller.
        unsafe { real::writev(fd, iov, count) }
    })
}

/// The fortified `read` (`_FORTIFY_SOURCE`): checked, then the hooked `read`.
///
/// # Safety
/// As glibc's `__read_chk`.
#[no_mangle]
pub unsafe extern "C" fn __read_chk(
    fd: c_int,
    buf: *mut c_void,
    n: size_t,
    buflen: size_t,
) -> ssize_t {
    if n > buflen {
        // SAFETY: glibc reports the overflow and aborts.
        return unsafe { real::__read_chk(fd, buf, n, buflen) };
    }
    // SAFETY: forwarded from the caller, the length checked.
    unsafe { read(fd, buf, n) }
}

/// The fortified `recv`.
///
/// # Safety
/// As glibc's `__recv_chk`.
#[no_mangle]
pub unsafe extern "C" fn __recv_chk(
    fd: c_int,
    buf: *mut c_void,
    n: size_t,
    buflen: size_t,
    flags: c_int,
) -> ssize_t {
    if n > buflen {
        // SAFETY: glibc reports the overflow and aborts.
        return unsafe { real::__recv_chk(fd, buf, n, buflen, flags) };
    }
    // SAFETY: forwarded from the caller, the length checked.
    unsafe { recv(fd, buf, n, flags) }
}

/// The fortified `recvfrom`.
///
/// # Safety
/// As glibc's `__recvfrom_chk`.
#[no_mangle]
pub unsafe extern "C" fn __recvfrom_chk(
    fd: c_int,
    buf: *mut c_void,
    n: size_t,
    buflen: size_t,
    flags: c_int,
    addr: *mut sockaddr,
    len: *mut socklen_t,
) -> ssize_t {
    if n > buflen {
        // SAFETY: glibc reports the overflow and aborts.
        return unsafe { real::__recvfrom_chk(fd, buf, n, buflen, flags, addr, len) };
    }
    // SAFETY: forwarded from the caller, the length checked.
    unsafe { recvfrom(fd, buf, n, flags, addr, len) }
}
