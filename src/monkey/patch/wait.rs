//! How a hook waits inside a green thread: for an fd's readiness (on the runtime's reactor),
//! for a time, for any of several fds (`poll`), or for a blocking job. Each returns
//! `Err(Unparked)` where it cannot wait (not in a green thread, unwinding, killed); the hook
//! then blocks the OS thread as libc would, or reports the kill as an error.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::Interest;

use crate::green::{park, Unparked};
use crate::runtime::io::{Direction, Registration};
use crate::runtime::observe::{noting, WaitOn};

/// The reactor registration of each fd a green thread of a runtime waited on, kept in the
/// runtime (`Core::local`) so they go with it.
#[derive(Default)]
struct Registrations(RefCell<Vec<Option<Rc<Registration>>>>);

/// The registration of `fd` with the runtime driving this thread, made on first use.
fn registration(fd: libc::c_int) -> Option<Rc<Registration>> {
    let index = usize::try_from(fd).ok()?;
    let registrations = crate::runtime::context::with_core(|core| core.local::<Registrations>())?;
    let mut map = registrations.0.borrow_mut();
    if let Some(Some(existing)) = map.get(index) {
        return Some(existing.clone());
    }
    let interest = Interest::READABLE | Interest::WRITABLE;
    let fresh = Rc::new(Registration::new(&mut SourceFd(&fd), Some(fd), interest).ok()?);
    if map.len() <= index {
        map.resize(index + 1, None);
    }
    map[index] = Some(fresh.clone());
    Some(fresh)
}

/// `fd` is being closed (or replaced): drops its registration after taking it out of the
/// reactor, and wakes whoever waits on it so they meet the error rather than wait forever.
pub(super) fn forget(fd: libc::c_int) {
    // Registrations are only made while the hooks are armed.
    if !super::armed() {
        return;
    }
    let Ok(index) = usize::try_from(fd) else {
        return;
    };
    let Some(registrations) =
        crate::runtime::context::with_core(|core| core.local::<Registrations>())
    else {
        return;
    };
    let taken = registrations
        .0
        .try_borrow_mut()
        .ok()
        .and_then(|mut map| map.get_mut(index).and_then(Option::take));
    if let Some(registration) = taken {
        let _ = registration.deregister(&mut SourceFd(&fd));
        registration.wake_all();
    }
}

/// Waits until `fd` is ready for `direction` again (the caller just met `EAGAIN`) or
/// `deadline` passes. `Ok(false)`: timed out.
pub(super) fn ready(
    fd: libc::c_int,
    direction: Direction,
    deadline: Option<Instant>,
) -> Result<bool, Unparked> {
    let Some(registration) = registration(fd) else {
        return Err(Unparked::NotGreen);
    };
    registration.clear_ready(direction);
    let wait = registration.parked(
        direction,
        poll_fn(|cx| registration.poll_ready(cx, direction)),
    );
    let call = match direction {
        Direction::Read => "read",
        Direction::Write => "write",
    };
    let hooked = WaitOn::Hooked {
        call,
        fd: Some(fd),
        deadline,
    };
    park(noting(hooked, until(deadline, wait))).map(|ready| ready.is_some())
}

/// Waits until one of `fds` (with the directions asked of each) may be ready, or `deadline`
/// passes (`Ok(false)`); the caller asks the kernel again. `Err(NotGreen)` also when an fd
/// cannot be watched by epoll (a regular file): the caller then blocks in the real `poll`.
pub(super) fn any_ready(
    fds: &[(libc::c_int, bool, bool)],
    deadline: Option<Instant>,
) -> Result<bool, Unparked> {
    let mut watched = Vec::with_capacity(fds.len());
    for &(fd, read, write) in fds {
        let Some(registration) = registration(fd) else {
            return Err(Unparked::NotGreen);
        };
        for (wanted, direction) in [(read, Direction::Read), (write, Direction::Write)] {
            if wanted {
                // The kernel just said "not ready": forget what the reactor saw before.
                registration.clear_ready(direction);
                watched.push((registration.clone(), direction));
            }
        }
    }
    let hooked = WaitOn::Hooked {
        call: "poll",
        fd: fds.first().map(|&(fd, _, _)| fd),
        deadline,
    };
    let any = AnyReady {
        watched,
        waker: None,
    };
    park(noting(hooked, until(deadline, any))).map(|ready| ready.is_some())
}

/// Ready when one of its sources is; takes its waker back from all of them when dropped.
struct AnyReady {
    watched: Vec<(Rc<Registration>, Direction)>,
    waker: Option<Waker>,
}

impl Future for AnyReady {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut ready = false;
        for (registration, direction) in &self.watched {
            ready |= registration.poll_ready(cx, *direction).is_ready();
        }
        self.waker = Some(cx.waker().clone());
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for AnyReady {
    fn drop(&mut self) {
        if let Some(waker) = self.waker.take() {
            for (registration, direction) in &self.watched {
                registration.forget_waker(*direction, &waker);
            }
        }
    }
}

/// Sleeps for `duration`.
pub(super) fn sleep(duration: Duration) -> Result<(), Unparked> {
    let nap = crate::time::sleep(duration);
    let hooked = WaitOn::Hooked {
        call: "sleep",
        fd: None,
        deadline: nap.deadline(),
    };
    park(noting(hooked, nap))
}

/// Runs `future` until `deadline` (`None`: no deadline); `None` if the deadline came first.
async fn until<F: Future>(deadline: Option<Instant>, future: F) -> Option<F::Output> {
    match deadline {
        Some(deadline) => crate::time::timeout_at(deadline, future).await.ok(),
        None => Some(future.await),
    }
}

/// Waits for a blocking job (see the `getaddrinfo` hook).
pub(super) fn job<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Unparked> {
    let handle = crate::blocking::spawn_blocking(job);
    let hooked = WaitOn::Hooked {
        call: "getaddrinfo",
        fd: None,
        deadline: None,
    };
    match park(noting(hooked, handle)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(panic)) => std::panic::resume_unwind(panic.into_panic()),
        Err(unparked) => Err(unparked),
    }
}
