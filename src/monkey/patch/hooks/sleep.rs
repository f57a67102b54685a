//! The sleeps: `clock_nanosleep` (std's), `nanosleep`, `sleep`, `usleep`.

use std::time::Duration;

use libc::{c_int, c_uint, timespec, useconds_t};

use super::super::fds::set_errno;
use super::super::real::libc_real as real;
use super::super::wait;
use super::green_call;
use crate::green::Unparked;

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
