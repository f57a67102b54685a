//! `futures_io::AsyncRead`/`AsyncWrite` for the stream types (cargo feature `futures-io`).

use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::{OwnedReadHalf, OwnedWriteHalf, TcpStream, UnixStream};

macro_rules! async_read {
    ($($ty:ty),*) => {$(
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                (*self).poll_read(cx, buf)
            }
        }
    )*};
}

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
