//! A mio source registered with the runtime's reactor: the one piece every socket type wraps.

use std::io;
use std::task::{Context, Poll};

use mio::event::Source;
use mio::Interest;

use crate::runtime::io::{Direction, Registration};

/// `source` plus its reactor registration. Operations run on the source directly and, when
/// the OS says `WouldBlock`, park the task until the reactor reports readiness again (the
/// registration is edge-triggered, so every operation drains to `WouldBlock` before it
/// parks). Dropping deregisters the source and wakes any task parked on it, then closes it.
pub(crate) struct Registered<S: Source> {
    registration: Registration,
    source: S,
}

impl<S: Source> Registered<S> {
    /// Registers `source` with the runtime driving this thread; fails outside one.
    pub(crate) fn new(mut source: S, interest: Interest) -> io::Result<Registered<S>> {
        let registration = Registration::new(&mut source, interest)?;
        Ok(Registered {
            registration,
            source,
        })
    }

    /// The source, for operations that never block (addresses, options, shutdown).
    pub(crate) fn get(&self) -> &S {
        &self.source
    }

    /// Runs `op` until it does not return `WouldBlock`, parking on `direction` in between.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.registration
            .poll_io(cx, direction, || op(&self.source))
    }

    /// [`poll_io`](Self::poll_io) for a stream read or write of `len` bytes: a transfer
    /// shorter than asked (but not zero) means the kernel buffer is drained (read) or full
    /// (write), so the readiness is forgotten at once instead of costing another syscall
    /// that would say `WouldBlock`. Safe with edge-triggered events: anything that arrives
    /// after the syscall raises a new event.
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        op: impl FnMut(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let result = self.poll_io(cx, direction, op);
        if let Poll::Ready(Ok(n)) = result {
            if n > 0 && n < len {
                self.registration.clear_ready(direction);
            }
        }
        result
    }

    /// `poll_io` as a future.
    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        self.registration.io(direction, || op(&self.source)).await
    }

    /// Runs `future`, an operation on this source that parks in `direction`; dropped while
    /// parked, it takes the task's waker back (see `Registration::parked`).
    pub(crate) fn parked<F: std::future::Future>(
        &self,
        direction: Direction,
        future: F,
    ) -> crate::runtime::io::Parked<'_, F> {
        self.registration.parked(direction, future)
    }

    /// Waits until the source is ready (or closed, or in error) in `direction`.
    pub(crate) async fn ready(&self, direction: Direction) {
        let ready = std::future::poll_fn(|cx| self.registration.poll_ready(cx, direction));
        self.parked(direction, ready).await
    }

    /// Forgets the readiness seen in `direction` (after `WouldBlock` from an operation run
    /// outside [`poll_io`](Self::poll_io)).
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.registration.clear_ready(direction);
    }
}

impl<S: Source> Drop for Registered<S> {
    fn drop(&mut self) {
        // Failing to deregister means the fd is already unusable; closing it (next) also
        // removes it from the epoll set.
        let _ = self.registration.deregister(&mut self.source);
    }
}
