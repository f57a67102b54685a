//! The fd bookkeeping: `ioctl(FIONBIO)`, `fcntl`, `dup*`, `close`.

use libc::{c_int, c_ulong, c_void};

use super::super::fds::{self, errno, set_errno, OURS_NONBLOCKING, SOCKET, USER_NONBLOCKING};
use super::super::real::libc_real as real;
use super::super::wait;

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
