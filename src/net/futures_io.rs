//! `futures_io::AsyncRead`/`AsyncWrite` for the stream types (cargo feature `futures-io`).

use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncWrite;

use super::{OwnedReadHalf, OwnedWriteHalf, TcpStream, UnixStream};

/// `AsyncRead` for types with a `poll_read(&self, cx, buf)` (an inherent one, or
/// [`PollRead`](crate::io::PollRead)'s where that trait is in scope).
macro_rules! async_read {
    ($($ty:ty),*) => {$(
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                (*self).poll_read(cx, buf)
            }
        }
    )*};
}
pub(crate) use async_read;

macro_rules! async_write {
    ($($ty:ty => $shutdown:expr),*) => {$(
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                (*self).poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            /// Shuts down the write direction: the peer reads end of stream.
            fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                let shutdown: fn(&$ty) -> io::Result<()> = $shutdown;
                Poll::Ready(shutdown(&self))
            }
        }
    )*};
}

async_read!(
    TcpStream,
    &TcpStream,
    OwnedReadHalf,
    UnixStream,
    &UnixStream
);
async_write!(
    TcpStream => |s| s.shutdown(Shutdown::Write),
    &TcpStream => |s| s.shutdown(Shutdown::Write),
    OwnedWriteHalf => |s| s.shutdown(),
    UnixStream => |s| s.shutdown(Shutdown::Write),
    &UnixStream => |s| s.shutdown(Shutdown::Write)
);
