//! `futures_io` traits for the types of this module (cargo feature `futures-io`):
//! [`AsyncFd`] reads and writes, [`BufReader`] is an `AsyncBufRead`, [`BufWriter`] an
//! `AsyncWrite` whose `poll_flush` writes out its buffer; a child's pipes read and write.

use std::io;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};

use super::{AsyncFd, BufReader, BufWriter, PollRead, PollWrite};

impl<T: AsFd> AsyncRead for AsyncFd<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        AsyncFd::poll_read(&self, cx, buf)
    }
}

impl<T: AsFd> AsyncWrite for AsyncFd<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncFd::poll_write(&self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Nothing to shut down on a plain descriptor: closing it is dropping it.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl<R: PollRead + Unpin> AsyncRead for BufReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        BufReader::poll_read(self.get_mut(), cx, buf)
    }
}

impl<R: PollRead + Unpin> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        BufReader::poll_fill_buf(self.get_mut(), cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        BufReader::consume(self.get_mut(), amt)
    }
}

impl<W: PollWrite + Unpin> AsyncWrite for BufWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        BufWriter::poll_write(self.get_mut(), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        BufWriter::poll_flush(self.get_mut(), cx)
    }

    /// Flushes; the stream itself is closed when the writer is dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(BufWriter::poll_flush(self.get_mut(), cx))?;
        Poll::Ready(Ok(()))
    }
}

crate::net::async_read!(crate::process::ChildStdout, crate::process::ChildStderr);

impl AsyncWrite for crate::process::ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        PollWrite::poll_write(&*self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Nothing to do: the pipe closes when the `ChildStdin` is dropped.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
