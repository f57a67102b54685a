//! The system calls behind [`AsyncFd`](super::AsyncFd)'s byte IO: `read(2)`, `write(2)`,
//! `writev(2)` and the `O_NONBLOCK` flag, on a raw descriptor.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::RawFd;

/// Turns a `-1`-on-error return into an `io::Result`.
fn check(n: isize) -> io::Result<usize> {
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// `read(2)` into `buf`.
pub(crate) fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes; read(2) writes at most that many.
    check(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

/// `read(2)` into memory that may be uninitialised: the kernel only writes to it, and the
/// caller may treat the first `n` bytes as initialised once this returns `Ok(n)`.
#[cfg_attr(not(feature = "hyper"), allow(dead_code))]
pub(crate) fn read_uninit(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes; read(2) writes at most that many
    // and never reads them, so their being uninitialised does not matter.
    check(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

/// `writev(2)` of `bufs` (at most `IOV_MAX` of them are passed; the rest wait for the next
/// call, as a short write).
#[cfg_attr(not(feature = "hyper"), allow(dead_code))]
pub(crate) fn writev(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let count = bufs.len().min(1024) as libc::c_int;
    // SAFETY: `IoSlice` is guaranteed ABI-compatible with `iovec` on Unix, and each one
    // borrows memory valid for reads of its length for the whole call.
    check(unsafe { libc::writev(fd, bufs.as_ptr().cast(), count) })
}

/// `write(2)` of `buf`.
pub(crate) fn write(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
    check(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })
}

/// Whether `fd` has `O_NONBLOCK` set.
pub(crate) fn is_nonblocking(fd: RawFd) -> io::Result<bool> {
    // SAFETY: F_GETFL takes no argument and only reads the descriptor's flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(flags & libc::O_NONBLOCK != 0)
}

/// Sets `O_NONBLOCK` on `fd` (callers use it only on descriptions they alone hold).
pub(crate) fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_GETFL/F_SETFL read and write the descriptor's flags; no memory is involved.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
