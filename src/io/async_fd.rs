//! [`AsyncFd`]: any non-blocking file descriptor on the reactor.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll, Waker};

use mio::unix::SourceFd;
use mio::Interest;

use super::sys;
use crate::net::io_util;
use crate::runtime::io::{Direction, Registration};

/// A file descriptor registered with the runtime's reactor: pipes, a child's pipes, a
/// terminal, an `eventfd`, an `inotify` or `signalfd` descriptor, a pidfd, a socket made
/// elsewhere (tokio's `AsyncFd`, smol's `Async`).
///
/// The descriptor must be in non-blocking mode (`O_NONBLOCK`): [`new`](AsyncFd::new) refuses
/// a blocking one with `InvalidInput`, since a read on it would stall every task. Files and
/// directories cannot be polled (the kernel says `EPERM`): read those on the blocking pool
/// ([`spawn_blocking`](crate::spawn_blocking)).
///
/// Two ways to do IO:
///
/// * [`read`](AsyncFd::read) / [`write`](AsyncFd::write) (and `read_exact`, `write_all`,
///   `read_to_end`): `read(2)`/`write(2)` on the descriptor, waiting while it would block.
/// * [`read_with`](AsyncFd::read_with) / [`write_with`](AsyncFd::write_with): your own
///   operation on the wrapped value, retried each time the descriptor turns ready until it
///   stops answering `WouldBlock`. Registration is edge-triggered, so the operation must
///   return `WouldBlock` when there is nothing left (non-blocking syscalls do).
///
/// With `read`/`write` it is also a [`PollRead`](super::PollRead) /
/// [`PollWrite`](super::PollWrite), so [`BufReader`](super::BufReader) reads lines from it.
/// Dropping it deregisters the descriptor, then drops the wrapped value (which closes it if
/// it owns it).
///
/// ```
/// use std::os::fd::{FromRawFd, OwnedFd};
/// use greenery::io::AsyncFd;
///
/// greenery::run(async {
///     // An eventfd: a counter the kernel makes readable while it is non-zero.
///     // SAFETY: eventfd has no memory preconditions; a non-negative return is a new fd.
///     let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
///     assert!(raw >= 0);
///     // SAFETY: `raw` is a fresh descriptor that nothing else owns.
///     let counter = AsyncFd::new(unsafe { OwnedFd::from_raw_fd(raw) }).unwrap();
///
///     let waiter = greenery::spawn({
///         let counter = std::rc::Rc::new(counter);
///         let reader = counter.clone();
///         greenery::spawn(async move {
///             counter.write_all(&5u64.to_ne_bytes()).await.unwrap();
///         });
///         async move {
///             let mut value = [0; 8];
///             reader.read_exact(&mut value).await.unwrap(); // waits for the write
///             u64::from_ne_bytes(value)
///         }
///     });
///     assert_eq!(waiter.await.unwrap(), 5);
/// });
/// ```
pub struct AsyncFd<T: AsFd> {
    registration: Registration,
    /// `None` only inside [`into_inner`](AsyncFd::into_inner), after it took the value.
    inner: Option<T>,
}

impl<T: AsFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor with the runtime driving this thread, for reading and
    /// writing. Errors: `InvalidInput` if the descriptor is blocking; the OS's error if it
    /// cannot be polled (`EPERM` for files) or is registered already (`EEXIST`); an error
    /// outside a runtime.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use greenery::io::AsyncFd;
    ///
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     let err = AsyncFd::new(a.try_clone().unwrap()).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput); // still blocking
    ///     a.set_nonblocking(true).unwrap();
    ///     assert!(AsyncFd::new(a).is_ok());
    /// });
    /// ```
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        let fd = inner.as_fd().as_raw_fd();
        if !sys::is_nonblocking(fd)? {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "AsyncFd needs a non-blocking descriptor (set O_NONBLOCK first)",
            ));
        }
        let registration = Registration::new(
            &mut SourceFd(&fd),
            Some(fd),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        Ok(AsyncFd {
            registration,
            inner: Some(inner),
        })
    }

    /// The wrapped value.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let fd = greenery::io::AsyncFd::new(a).unwrap();
    ///     assert!(fd.get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &T {
        match &self.inner {
            Some(inner) => inner,
            None => unreachable!("AsyncFd's value is taken only by into_inner"),
        }
    }

    /// Deregisters the descriptor and gives the value back (still non-blocking).
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap().into_inner();
    ///     assert!(greenery::io::AsyncFd::new(a).is_ok()); // registrable again
    /// });
    /// ```
    pub fn into_inner(mut self) -> T {
        self.deregister();
        match self.inner.take() {
            Some(inner) => inner,
            None => unreachable!("AsyncFd's value is taken only by into_inner"),
        }
    }

    fn raw(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }

    fn deregister(&self) {
        // Failing means the descriptor is already unusable (closed behind our back).
        let _ = self.registration.deregister(&mut SourceFd(&self.raw()));
    }

    /// Runs `op` on the value once the descriptor is readable; on `WouldBlock` parks the task
    /// until the next readiness event and returns `Pending`.
    ///
    /// ```
    /// use std::io::Read;
    /// use std::os::unix::net::UnixStream;
    /// use std::future::poll_fn;
    ///
    /// greenery::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     std::io::Write::write_all(&mut &b, b"hi").unwrap();
    ///     let mut buf = [0; 2];
    ///     poll_fn(|cx| a.poll_read_with(cx, |mut s| s.read(&mut buf))).await.unwrap();
    ///     assert_eq!(&buf, b"hi");
    /// });
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.registration
            .poll_io(cx, Direction::Read, || op(self.get_ref()))
    }

    /// [`poll_read_with`](Self::poll_read_with) for the write direction.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use std::future::poll_fn;
    ///
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     let n = poll_fn(|cx| a.poll_write_with(cx, |mut s| s.write(b"hi"))).await.unwrap();
    ///     assert_eq!(n, 2);
    /// });
    /// ```
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.registration
            .poll_io(cx, Direction::Write, || op(self.get_ref()))
    }

    /// Runs `op` on the value until it does not answer `WouldBlock`, waiting for the
    /// descriptor to turn readable in between (smol's `Async::read_with`).
    ///
    /// ```
    /// use std::io::Read;
    /// use std::os::unix::net::UnixStream;
    ///
    /// greenery::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     greenery::spawn(async move { std::io::Write::write_all(&mut &b, b"later").unwrap() });
    ///     let mut buf = [0; 5];
    ///     let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
    ///     assert_eq!(&buf[..n], b"later");
    /// });
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let inner = self.get_ref();
        self.registration.io(Direction::Read, || op(inner)).await
    }

    /// [`read_with`](Self::read_with) for the write direction.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    ///
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     assert_eq!(a.write_with(|mut s| s.write(b"hi")).await.unwrap(), 2);
    /// });
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let inner = self.get_ref();
        self.registration.io(Direction::Write, || op(inner)).await
    }

    /// Polls a `read(2)` into `buf`.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::future::poll_fn;
    ///
    /// greenery::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     std::io::Write::write_all(&mut &b, b"x").unwrap();
    ///     let mut buf = [0; 4];
    ///     assert_eq!(poll_fn(|cx| a.poll_read(cx, &mut buf)).await.unwrap(), 1);
    /// });
    /// ```
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        // No "short read means drained" shortcut here (sockets have one): an inotify read
        // stops short of an event that does not fit, with more waiting.
        let fd = self.raw();
        self.registration
            .poll_io(cx, Direction::Read, || sys::read(fd, buf))
    }

    /// Polls a `write(2)` of `buf`.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::future::poll_fn;
    ///
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     assert_eq!(poll_fn(|cx| a.poll_write(cx, b"xy")).await.unwrap(), 2);
    /// });
    /// ```
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let fd = self.raw();
        self.registration
            .poll_io(cx, Direction::Write, || sys::write(fd, buf))
    }

    /// Reads into `buf`, waiting for data; `Ok(0)` at end of file.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// greenery::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     drop(b);
    ///     assert_eq!(a.read(&mut [0; 8]).await.unwrap(), 0); // the peer is gone
    /// });
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let read = poll_fn(|cx| self.poll_read(cx, buf));
        self.registration.parked(Direction::Read, read).await
    }

    /// Fills `buf`; `UnexpectedEof` when the descriptor reaches end of file first.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// greenery::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     std::io::Write::write_all(&mut &b, b"abc").unwrap();
    ///     let mut buf = [0; 3];
    ///     a.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"abc");
    /// });
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        let read = io_util::read_exact(buf, |cx, buf| self.poll_read(cx, buf));
        self.registration.parked(Direction::Read, read).await
    }

    /// Reads to end of file, appending to `buf`; returns how many bytes were added.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// greenery::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     std::io::Write::write_all(&mut &b, b"all of it").unwrap();
    ///     drop(b);
    ///     let mut out = Vec::new();
    ///     assert_eq!(a.read_to_end(&mut out).await.unwrap(), 9);
    /// });
    /// ```
    pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let read = io_util::read_to_end(buf, |cx, chunk| self.poll_read(cx, chunk));
        self.registration.parked(Direction::Read, read).await
    }

    /// Writes some of `buf`, waiting for room.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     assert_eq!(a.write(b"abc").await.unwrap(), 3);
    /// });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let write = poll_fn(|cx| self.poll_write(cx, buf));
        self.registration.parked(Direction::Write, write).await
    }

    /// Writes all of `buf`; `WriteZero` if the descriptor accepts nothing.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// greenery::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     a.set_nonblocking(true).unwrap();
    ///     let a = greenery::io::AsyncFd::new(a).unwrap();
    ///     a.write_all(b"abc").await.unwrap();
    /// });
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        let write = io_util::write_all(buf, |cx, buf| self.poll_write(cx, buf));
        self.registration.parked(Direction::Write, write).await
    }

    /// Takes back the waker a cancelled wait left parked (see `PollRead`'s sealed part).
    pub(crate) fn forget_waker(&self, read: bool, waker: &Waker) {
        let direction = if read {
            Direction::Read
        } else {
            Direction::Write
        };
        self.registration.forget_waker(direction, waker);
    }
}

impl<T: AsFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            self.deregister();
        }
    }
}

impl<T: AsFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.raw()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AsyncFd").field(self.get_ref()).finish()
    }
}
