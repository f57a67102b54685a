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

use std::ffi::CStr;
use std::time::{Duration, Instant};

use libc::{addrinfo, iovec, socklen_t, ssize_t, timespec, useconds_t};
use libc::{c_char, c_int, c_uint, c_ulong, c_void, msghdr, nfds_t, pollfd, size_t, sockaddr};

use super::fds::{self, errno, set_errno, OURS_NONBLOCKING, SOCKET, USER_NONBLOCKING};
use super::real::libc_real as real;
use super::{armed, wait};
use crate::green::{in_fiber, Unparked};
use crate::runtime::io::Direction;

/// Whether a hook should act: armed, and called from a green thread's stack that is not
/// unwinding (whether it may block now, or was killed, is `wait`'s to say).
#[inline]
fn green_call() -> bool {
    armed() && in_fiber() && !std::thread::panicking()
}

// ----- sleeping ------------------------------------------------------------------------------

fn duration_of(ts: &timespec) -> Option<Duration> {
    (ts.tv_sec >= 0 && (0..1_000_000_000).contains(&ts.tv_nsec))
        .then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// Sleeps in the green thread; `Err` when it cannot (the caller sleeps for real) or was
/// killed (`Ok(false)`).
fn green_sleep(duration: Duration) -> Option<bool> {
    match wait::sleep(duration) {
        Ok(()) => Some(true),
        Err(Unparked::Killed) => Some(false),
        Err(_) => None,
    }
}

/// `clock_nanosleep`, which `std::thread::sleep` calls: returns the error number itself.
///
/// # Safety
/// As libc's `clock_nanosleep`.
#[no_mangle]
pub unsafe extern "C" fn clock_nanosleep(
    clock: c_int,
    flags: c_int,
    req: *const timespec,
    rem: *mut timespec,
) -> c_int {
    // SAFETY: forwarded from the caller: `req` is a valid timespec (or we let libc say EFAULT).
    let wanted = (!req.is_null())
        .then(|| unsafe { duration_of(&*req) })
        .flatten();
    if let (true, Some(wanted)) = (green_call(), wanted) {
        let duration = if flags & libc::TIMER_ABSTIME != 0 {
            let mut now = timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: clock_gettime writes the timespec we own; a bad clock id fails.
            if unsafe { libc::clock_gettime(clock, &mut now) } != 0 {
                // SAFETY: forwarded from the caller; libc reports the bad clock id.
                return unsafe { real::clock_nanosleep(clock, flags, req, rem) };
            }
            wanted.saturating_sub(duration_of(&now).unwrap_or_default())
        } else {
            wanted
        };
        match green_sleep(duration) {
            Some(true) => return 0,
            Some(false) => {
                if !rem.is_null() && flags & libc::TIMER_ABSTIME == 0 {
                    // SAFETY: the caller passed a writable timespec for the remainder.
                    unsafe {
                        *rem = timespec {
                            tv_sec: 0,
                            tv_nsec: 0,
                        }
                    };
                }
                return libc::EINTR;
            }
            None => {}
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe { real::clock_nanosleep(clock, flags, req, rem) }
}

/// `nanosleep` (older std, C code).
///
/// # Safety
/// As libc's `nanosleep`.
#[no_mangle]
pub unsafe extern "C" fn nanosleep(req: *const timespec, rem: *mut timespec) -> c_int {
    // SAFETY: forwarded from the caller.
    let wanted = (!req.is_null())
        .then(|| unsafe { duration_of(&*req) })
        .flatten();
    if let (true, Some(wanted)) = (green_call(), wanted) {
        match green_sleep(wanted) {
            Some(true) => return 0,
            Some(false) => {
                if !rem.is_null() {
                    // SAFETY: the caller passed a writable timespec for the remainder.
                    unsafe {
                        *rem = timespec {
                            tv_sec: 0,
                            tv_nsec: 0,
                        }
                    };
                }
                set_errno(libc::EINTR);
                return -1;
            }
            None => {}
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe { real::nanosleep(req, rem) }
}

/// `sleep(seconds)`.
///
/// # Safety
/// As libc's `sleep`.
#[no_mangle]
pub unsafe extern "C" fn sleep(seconds: c_uint) -> c_uint {
    if green_call() && green_sleep(Duration::from_secs(seconds.into())).is_some() {
        return 0;
    }
    // SAFETY: no preconditions.
    unsafe { real::sleep(seconds) }
}

/// `usleep(microseconds)`.
///
/// # Safety
/// As libc's `usleep`.
#[no_mangle]
pub unsafe extern "C" fn usleep(usec: useconds_t) -> c_int {
    if green_call() && green_sleep(Duration::from_micros(usec.into())).is_some() {
        return 0;
    }
    // SAFETY: no preconditions.
    unsafe { real::usleep(usec) }
}

// ----- socket IO -----------------------------------------------------------------------------

/// Runs `op`, a transfer on `fd` in `direction`, as a blocking call behaves for its user.
/// `dont_wait`: the call itself asked not to block (`MSG_DONTWAIT`).
fn transfer(
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

// ----- connecting and accepting --------------------------------------------------------------

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

// ----- poll ----------------------------------------------------------------------------------

/// `poll`, which `TcpStream::connect_timeout` and many C libraries wait in.
///
/// # Safety
/// As libc's `poll`.
#[no_mangle]
pub unsafe extern "C" fn poll(fds: *mut pollfd, n: nfds_t, timeout: c_int) -> c_int {
    if !green_call() || timeout == 0 || fds.is_null() {
        // SAFETY: forwarded from the caller.
        return unsafe { real::poll(fds, n, timeout) };
    }
    // SAFETY: a zero timeout never blocks; the array is the caller's.
    let ready = unsafe { real::poll(fds, n, 0) };
    if ready != 0 {
        return ready;
    }
    // SAFETY: the caller passes `n` valid pollfds.
    let entries = unsafe { std::slice::from_raw_parts(fds, n as usize) };
    let watched: Vec<(c_int, bool, bool)> = entries
        .iter()
        .filter(|entry| entry.fd >= 0)
        .map(|entry| {
            let read = entry.events & (libc::POLLIN | libc::POLLPRI) != 0;
            let write = entry.events & libc::POLLOUT != 0;
            // Asked for nothing but hang-ups and errors: those come with readability.
            (entry.fd, read || !write, write)
        })
        .collect();
    let deadline =
        (timeout > 0).then(|| crate::time::now() + Duration::from_millis(timeout as u64));
    loop {
        match wait::any_ready(&watched, deadline) {
            Ok(woken) => {
                // SAFETY: as above.
                let ready = unsafe { real::poll(fds, n, 0) };
                if ready != 0 || !woken {
                    return ready;
                }
            }
            Err(Unparked::Killed) => {
                set_errno(libc::ECANCELED);
                return -1;
            }
            Err(_) => {
                let left = deadline.map_or(-1, |deadline| {
                    deadline
                        .saturating_duration_since(crate::time::now())
                        .as_millis()
                        .min(i32::MAX as u128) as c_int
                });
                // SAFETY: forwarded from the caller.
                return unsafe { real::poll(fds, n, left) };
            }
        }
    }
}

/// The fortified `poll`.
///
/// # Safety
/// As glibc's `__poll_chk`.
#[no_mangle]
pub unsafe extern "C" fn __poll_chk(
    fds: *mut pollfd,
    n: nfds_t,
    timeout: c_int,
    fdslen: size_t,
) -> c_int {
    if fdslen / std::mem::size_of::<pollfd>() < n as usize {
        // SAFETY: glibc reports the overflow and aborts.
        return unsafe { real::__poll_chk(fds, n, timeout, fdslen) };
    }
    // SAFETY: forwarded from the caller, the length checked.
    unsafe { poll(fds, n, timeout) }
}

// ----- descriptor bookkeeping ----------------------------------------------------------------

/// `ioctl`, for `FIONBIO` (`set_nonblocking`): the user's choice is recorded, and a socket
/// greenery made non-blocking stays so in the kernel. Declared with a fixed third argument,
/// which is ABI-compatible with the variadic C declaration on x86_64 and aarch64 Linux.
///
/// # Safety
/// As libc's `ioctl`.
#[no_mangle]
pub unsafe extern "C" fn ioctl(fd: c_int, request: c_ulong, arg: *mut c_void) -> c_int {
    if request == libc::FIONBIO as c_ulong && !arg.is_null() {
        let bits = fds::state(fd);
        if bits & SOCKET != 0 {
            // SAFETY: FIONBIO's argument is a pointer to an int.
            let on = unsafe { *arg.cast::<c_int>() } != 0;
            fds::set_user_nonblocking(fd, on);
            if !on && bits & OURS_NONBLOCKING != 0 {
                return 0; // the user sees blocking calls; the kernel keeps O_NONBLOCK for us
            }
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe { real::ioctl(fd, request, arg) }
}

/// `fcntl` with greenery's `O_NONBLOCK` hidden from `F_GETFL` and kept by `F_SETFL`, and
/// the state of an fd copied by `F_DUPFD`. Declared with a fixed third argument (see `ioctl`).
fn fcntl_with(
    real: unsafe fn(c_int, c_int, usize) -> c_int,
    fd: c_int,
    cmd: c_int,
    arg: usize,
) -> c_int {
    match cmd {
        libc::F_GETFL => {
            // SAFETY: F_GETFL takes no argument.
            let flags = unsafe { real(fd, cmd, arg) };
            let bits = fds::state(fd);
            if flags >= 0 && bits & OURS_NONBLOCKING != 0 && bits & USER_NONBLOCKING == 0 {
                flags & !libc::O_NONBLOCK
            } else {
                flags
            }
        }
        libc::F_SETFL => {
            let bits = fds::state(fd);
            let mut arg = arg;
            if bits & SOCKET != 0 {
                fds::set_user_nonblocking(fd, arg as c_int & libc::O_NONBLOCK != 0);
                if bits & OURS_NONBLOCKING != 0 {
                    arg |= libc::O_NONBLOCK as usize;
                }
            }
            // SAFETY: F_SETFL takes an int of flags.
            unsafe { real(fd, cmd, arg) }
        }
        libc::F_DUPFD | libc::F_DUPFD_CLOEXEC => {
            // SAFETY: F_DUPFD takes the lowest fd number to use.
            let new = unsafe { real(fd, cmd, arg) };
            duplicated(fd, new)
        }
        // SAFETY: forwarded from the caller, whose `arg` matches `cmd`.
        _ => unsafe { real(fd, cmd, arg) },
    }
}

/// # Safety
/// As libc's `fcntl`.
#[no_mangle]
pub unsafe extern "C" fn fcntl(fd: c_int, cmd: c_int, arg: usize) -> c_int {
    fcntl_with(real::fcntl, fd, cmd, arg)
}

/// # Safety
/// As libc's `fcntl64`.
#[no_mangle]
pub unsafe extern "C" fn fcntl64(fd: c_int, cmd: c_int, arg: usize) -> c_int {
    fcntl_with(real::fcntl64, fd, cmd, arg)
}

/// `new` shares `fd`'s open file description: it inherits what is known of it.
fn duplicated(fd: c_int, new: c_int) -> c_int {
    if new >= 0 && new != fd {
        wait::forget(new);
        fds::copy(fd, new);
    }
    new
}

/// # Safety
/// As libc's `dup`.
#[no_mangle]
pub unsafe extern "C" fn dup(fd: c_int) -> c_int {
    // SAFETY: no memory preconditions.
    duplicated(fd, unsafe { real::dup(fd) })
}

/// # Safety
/// As libc's `dup2`.
#[no_mangle]
pub unsafe extern "C" fn dup2(fd: c_int, to: c_int) -> c_int {
    if fd != to {
        wait::forget(to); // closed by dup2
    }
    // SAFETY: no memory preconditions.
    duplicated(fd, unsafe { real::dup2(fd, to) })
}

/// # Safety
/// As libc's `dup3`.
#[no_mangle]
pub unsafe extern "C" fn dup3(fd: c_int, to: c_int, flags: c_int) -> c_int {
    if fd != to {
        wait::forget(to);
    }
    // SAFETY: no memory preconditions.
    duplicated(fd, unsafe { real::dup3(fd, to, flags) })
}

/// `close`: the fd leaves the reactor first (waking whoever waits on it) and its state is
/// forgotten, so a reused number starts afresh.
///
/// # Safety
/// As libc's `close`.
#[no_mangle]
pub unsafe extern "C" fn close(fd: c_int) -> c_int {
    let saved = errno();
    wait::forget(fd);
    fds::forget(fd);
    set_errno(saved);
    // SAFETY: no memory preconditions.
    unsafe { real::close(fd) }
}

// ----- names ---------------------------------------------------------------------------------

/// A `getaddrinfo` result owned until handed to the caller (freed if the caller is gone).
struct AddrList(*mut addrinfo);

// SAFETY: the list is plain heap memory from glibc, handed from the pool thread that made it
// to the green thread that asked for it; nobody else holds it.
unsafe impl Send for AddrList {}

impl Drop for AddrList {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: a list getaddrinfo returned and nobody took.
            unsafe { libc::freeaddrinfo(self.0) };
        }
    }
}

fn owned(text: *const c_char) -> Option<std::ffi::CString> {
    // SAFETY: the caller of getaddrinfo passes NUL-terminated strings (or null).
    (!text.is_null()).then(|| unsafe { CStr::from_ptr(text) }.to_owned())
}

/// `getaddrinfo`: glibc's resolver makes its own socket calls, which no hook sees, so the
/// lookup runs on the blocking pool (as gevent's default resolver does) while the green
/// thread waits.
///
/// # Safety
/// As libc's `getaddrinfo`.
#[no_mangle]
pub unsafe extern "C" fn getaddrinfo(
    node: *const c_char,
    service: *const c_char,
    hints: *const addrinfo,
    res: *mut *mut addrinfo,
) -> c_int {
    if !green_call() || res.is_null() {
        // SAFETY: forwarded from the caller.
        return unsafe { real::getaddrinfo(node, service, hints, res) };
    }
    let (node_owned, service_owned) = (owned(node), owned(service));
    // SAFETY: `hints`, when not null, points to an addrinfo the caller owns; only its four
    // plain fields are used (glibc requires the pointers in hints to be null anyway).
    let hints_owned = (!hints.is_null()).then(|| unsafe {
        (
            (*hints).ai_flags,
            (*hints).ai_family,
            (*hints).ai_socktype,
            (*hints).ai_protocol,
        )
    });
    let lookup = move || {
        // SAFETY: addrinfo is plain old data; zero is its "no hints" value.
        let mut hints: addrinfo = unsafe { std::mem::zeroed() };
        let hints_ptr = match hints_owned {
            Some((flags, family, socktype, protocol)) => {
                hints.ai_flags = flags;
                hints.ai_family = family;
                hints.ai_socktype = socktype;
                hints.ai_protocol = protocol;
                &hints as *const addrinfo
            }
            None => std::ptr::null(),
        };
        let mut list: *mut addrinfo = std::ptr::null_mut();
        let name =
            |s: &Option<std::ffi::CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        // SAFETY: the strings and hints live in this closure; `list` is ours to receive.
        let rc = unsafe {
            real::getaddrinfo(
                name(&node_owned),
                name(&service_owned),
                hints_ptr,
                &mut list,
            )
        };
        (rc, AddrList(list))
    };
    match wait::job(lookup) {
        Ok((rc, mut list)) => {
            // SAFETY: `res` is the caller's out-pointer (checked non-null above).
            unsafe { *res = std::mem::replace(&mut list.0, std::ptr::null_mut()) };
            rc
        }
        Err(Unparked::Killed) => {
            set_errno(libc::ECANCELED);
            libc::EAI_SYSTEM
        }
        // SAFETY: forwarded from the caller.
        Err(_) => unsafe { real::getaddrinfo(node, service, hints, res) },
    }
}
