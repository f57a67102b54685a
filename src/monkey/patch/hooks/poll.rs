//! `poll` and its fortified variant.

use std::time::Duration;

use libc::{c_int, nfds_t, pollfd, size_t};

use super::super::fds::set_errno;
use super::super::real::libc_real as real;
use super::super::wait;
use super::green_call;
use crate::green::Unparked;

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
