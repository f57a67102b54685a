//! [`PollRead`] and [`PollWrite`]: the byte streams the buffered wrappers accept.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use std::os::fd::AsFd;

use super::AsyncFd;
use crate::net::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpStream, UnixStream, WriteHalf};
use crate::runtime::io::Direction;

pub(crate) mod sealed {
    use std::task::Waker;

    /// What a buffered wrapper needs besides `poll_read`/`poll_write`, and why the traits are
    /// sealed: every implementor waits on a reactor registration.
    pub trait Parks {
        /// A wait that returned `Pending` was abandoned (its future dropped): take back the
        /// waker it parked in the `read` (or write) direction, so it neither gets a stale
        /// wake-up nor keeps the loop from reporting `LoopExit`.
        fn forget_waker(&self, read: bool, waker: &Waker);
    }
}

/// A byte stream greenery can read from without blocking: [`TcpStream`], [`UnixStream`], the
/// read halves, [`AsyncFd`], a child's stdout and stderr ([`crate::process`]), and references
/// or `Rc`s to any of them. [`BufReader`](super::BufReader) wraps one.
///
/// Sealed: the wrappers rely on each implementor parking on greenery's reactor. For other
/// byte streams, use the `futures-io` feature's traits.
///
/// ```
/// use std::future::poll_fn;
/// use greenery::io::PollRead;
/// use greenery::net::UnixStream;
///
/// greenery::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     b.write_all(b"hi").await.unwrap();
///     let mut buf = [0; 2];
///     let n = poll_fn(|cx| PollRead::poll_read(&a, cx, &mut buf)).await.unwrap();
///     assert_eq!(&buf[..n], b"hi");
/// });
/// ```
pub trait PollRead: sealed::Parks {
    /// Reads into `buf` if data (or end of stream) is there; otherwise parks the task until
    /// the stream turns readable and returns `Pending`.
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// A byte stream greenery can write to without blocking: [`TcpStream`], [`UnixStream`], the
/// write halves, [`AsyncFd`], a child's stdin, and references or `Rc`s to any of them.
/// [`BufWriter`](super::BufWriter) wraps one. Sealed, as [`PollRead`] is.
///
/// ```
/// use std::future::poll_fn;
/// use greenery::io::PollWrite;
/// use greenery::net::UnixStream;
///
/// greenery::run(async {
///     let (a, _b) = UnixStream::pair().unwrap();
///     let n = poll_fn(|cx| PollWrite::poll_write(&a, cx, b"hi")).await.unwrap();
///     assert_eq!(n, 2);
/// });
/// ```
pub trait PollWrite: sealed::Parks {
    /// Writes some of `buf` if there is room; otherwise parks the task until the stream turns
    /// writable and returns `Pending`.
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
}

fn direction(read: bool) -> Direction {
    if read {
        Direction::Read
    } else {
        Direction::Write
    }
}

/// Implements the traits for a socket type (its registration via `registered()`) or one of
/// its halves (via its stream).
macro_rules! socket_impls {
    ($($ty:ty => |$s:ident| $stream:expr, $read:tt, $write:tt;)*) => {$(
        impl sealed::Parks for $ty {
            fn forget_waker(&self, read: bool, waker: &Waker) {
                let $s = self;
                $stream.registered().registration().forget_waker(direction(read), waker);
            }
        }
        socket_impls!(@read $read $ty);
        socket_impls!(@write $write $ty);
    )*};
    (@read read $ty:ty) => {
        impl PollRead for $ty {
            fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                <$ty>::poll_read(self, cx, buf)
            }
        }
    };
    (@write write $ty:ty) => {
        impl PollWrite for $ty {
            fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                <$ty>::poll_write(self, cx, buf)
            }
        }
    };
    (@read - $ty:ty) => {};
    (@write - $ty:ty) => {};
}

socket_impls! {
    TcpStream => |s| s, read, write;
    UnixStream => |s| s, read, write;
    ReadHalf<'_> => |s| s.stream(), read, -;
    OwnedReadHalf => |s| s.stream(), read, -;
    WriteHalf<'_> => |s| s.stream(), -, write;
    OwnedWriteHalf => |s| s.stream(), -, write;
}

impl<T: AsFd> sealed::Parks for AsyncFd<T> {
    fn forget_waker(&self, read: bool, waker: &Waker) {
        AsyncFd::forget_waker(self, read, waker);
    }
}

impl<T: AsFd> PollRead for AsyncFd<T> {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        AsyncFd::poll_read(self, cx, buf)
    }
}

impl<T: AsFd> PollWrite for AsyncFd<T> {
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        AsyncFd::poll_write(self, cx, buf)
    }
}

/// References and `Rc`s read and write through to what they point at.
macro_rules! pointer_impls {
    ($($ptr:ty),*) => {$(
        impl<T: sealed::Parks + ?Sized> sealed::Parks for $ptr {
            fn forget_waker(&self, read: bool, waker: &Waker) {
                (**self).forget_waker(read, waker)
            }
        }

        impl<T: PollRead + ?Sized> PollRead for $ptr {
            fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                (**self).poll_read(cx, buf)
            }
        }

        impl<T: PollWrite + ?Sized> PollWrite for $ptr {
            fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                (**self).poll_write(cx, buf)
            }
        }
    )*};
}

pointer_impls!(&T, Rc<T>);
