//! A mio source registered with the runtime's reactor: the one piece every socket type wraps.

use std::io;
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};

use mio::event::Source;
use mio::Interest;

use super::io_util;
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
    pub(crate) fn new(mut source: S, interest: Interest) -> io::Result<Registered<S>>
    where
        S: AsRawFd,
    {
        let fd = source.as_raw_fd();
        let registration = Registration::new(&mut source, Some(fd), interest)?;
        Ok(Registered {
            registration,
            source,
        })
    }

    /// The reactor registration, for wrappers that run their own operations on the source
    /// (`greenery::io`'s buffered streams park on it; `greenery::hyper` reads into
    /// uninitialised buffers).
    pub(crate) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// The source, for operations that never block (addresses, options, shutdown).
    pub(crate) fn get(&self) -> &S {
        &self.source
    }

    /// Runs `op` once the source is ready in `direction`; on `WouldBlock` parks the task until
    /// the next readiness event.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
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
        op: impl FnOnce(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let result = self.poll_io(cx, direction, op);
        if let Poll::Ready(Ok(n)) = result {
            if n > 0 && n < len {
                self.registration.clear_data_ready(direction);
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

    /// Forgets the readiness seen in `direction`, hang-up and error included (after
    /// `WouldBlock`, or its equivalent, from an operation run outside
    /// [`poll_io`](Self::poll_io)).
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

/// The byte-stream operations TCP and Unix streams share: one implementation, on the source.
impl<S: Source> Registered<S>
where
    for<'a> &'a S: io::Read + io::Write,
{
    /// Polls a read into `buf` (a short read forgets the readiness, see `poll_transfer`).
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_transfer(cx, Direction::Read, len, |s| io::Read::read(&mut &*s, buf))
    }

    /// Polls a write of `buf`.
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_transfer(cx, Direction::Write, buf.len(), |s| {
            io::Write::write(&mut &*s, buf)
        })
    }

    /// Reads into `buf`, waiting for data.
    pub(crate) async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let read = std::future::poll_fn(|cx| self.poll_read(cx, buf));
        self.parked(Direction::Read, read).await
    }

    /// Fills `buf`; `UnexpectedEof` when the stream ends first.
    pub(crate) async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        let read = io_util::read_exact(buf, |cx, buf| self.poll_read(cx, buf));
        self.parked(Direction::Read, read).await
    }

    /// Reads to end of stream, appending to `buf`.
    pub(crate) async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let read = io_util::read_to_end(buf, |cx, chunk| self.poll_read(cx, chunk));
        self.parked(Direction::Read, read).await
    }

    /// Writes some of `buf`, waiting for buffer space.
    pub(crate) async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let write = std::future::poll_fn(|cx| self.poll_write(cx, buf));
        self.parked(Direction::Write, write).await
    }

    /// Writes all of `buf`; `WriteZero` if the stream accepts nothing.
    pub(crate) async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        let write = io_util::write_all(buf, |cx, buf| self.poll_write(cx, buf));
        self.parked(Direction::Write, write).await
    }
}
