//! Waiting for a child's exit without a thread: a pidfd on the reactor (Linux ≥ 5.3), or, where
//! the kernel has none, `SIGCHLD`.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::ExitStatus;

use crate::io::{sys, AsyncFd};
use crate::signal::{Signals, SIGCHLD};

/// How a child's exit is noticed.
pub(super) enum ExitWatch {
    /// The child's pidfd, readable once it has exited.
    Pidfd(AsyncFd<OwnedFd>),
    /// No pidfd (an old kernel, or a sandbox refusing `pidfd_open`): every `SIGCHLD` makes
    /// each waiting child check whether it was the one.
    Sigchld,
}

impl ExitWatch {
    /// The watch for the child `pid` (not yet reaped, so the pid cannot have been reused).
    /// `pidfd: false` forces the `SIGCHLD` fallback (for tests).
    pub(super) fn new(pid: u32, pidfd: bool) -> io::Result<ExitWatch> {
        if !pidfd {
            return Ok(ExitWatch::Sigchld);
        }
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1; no
        // memory is involved.
        let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        if raw < 0 {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(libc::ENOSYS | libc::EPERM | libc::EACCES) => Ok(ExitWatch::Sigchld),
                _ => Err(err),
            };
        }
        // SAFETY: `raw` is a descriptor pidfd_open just created; nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(raw as libc::c_int) };
        // O_NONBLOCK on a pidfd only affects waitid on it, which we do not use; AsyncFd
        // insists on it for every descriptor.
        sys::set_nonblocking(std::os::fd::AsRawFd::as_raw_fd(&fd))?;
        Ok(ExitWatch::Pidfd(AsyncFd::new(fd)?))
    }

    /// Whether this is the `SIGCHLD` fallback.
    pub(super) fn is_fallback(&self) -> bool {
        matches!(self, ExitWatch::Sigchld)
    }

    /// Waits for `child` to exit and reaps it.
    pub(super) async fn wait(&self, child: &mut std::process::Child) -> io::Result<ExitStatus> {
        let would_block = || io::Error::from(io::ErrorKind::WouldBlock);
        match self {
            ExitWatch::Pidfd(fd) => {
                fd.read_with(|_| child.try_wait()?.ok_or_else(would_block))
                    .await
            }
            ExitWatch::Sigchld => {
                // Catch SIGCHLD before looking, so an exit between the look and the wait
                // still wakes us.
                let mut sigchld = Signals::new([SIGCHLD])?;
                loop {
                    if let Some(status) = child.try_wait()? {
                        return Ok(status);
                    }
                    sigchld.recv().await;
                }
            }
        }
    }
}
