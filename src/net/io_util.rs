//! `read_exact`, `read_to_end` and `write_all` over any `poll_read`/`poll_write`.

use std::future::poll_fn;
use std::io;
use std::task::{ready, Context, Poll};

/// Reads until `buf` is full; `UnexpectedEof` when the stream ends first.
pub(crate) async fn read_exact(
    buf: &mut [u8],
    mut poll_read: impl FnMut(&mut Context<'_>, &mut [u8]) -> Poll<io::Result<usize>>,
) -> io::Result<()> {
    let mut filled = 0;
    poll_fn(|cx| poll_fill(buf, &mut filled, |buf| poll_read(cx, buf))).await
}

/// One poll of `read_exact`: reads into `buf[*filled..]` until it is full (`filled` keeps the
/// progress between polls); `UnexpectedEof` when the stream ends first.
pub(crate) fn poll_fill(
    buf: &mut [u8],
    filled: &mut usize,
    mut poll_read: impl FnMut(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    while *filled < buf.len() {
        match ready!(poll_read(&mut buf[*filled..])) {
            Ok(0) => {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "failed to fill whole buffer",
                )))
            }
            Ok(n) => *filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Poll::Ready(Err(err)),
        }
    }
    Poll::Ready(Ok(()))
}

/// Reads until end of stream, appending to `buf`; returns how many bytes were added.
pub(crate) async fn read_to_end(
    buf: &mut Vec<u8>,
    mut poll_read: impl FnMut(&mut Context<'_>, &mut [u8]) -> Poll<io::Result<usize>>,
) -> io::Result<usize> {
    let start = buf.len();
    poll_fn(|cx| loop {
        // Read into a zeroed window of at most 64 KiB past the data, so each read zeroes
        // only what it may fill.
        buf.reserve(32 * 1024);
        let filled = buf.len();
        let window = (buf.capacity() - filled).min(64 * 1024);
        buf.resize(filled + window, 0);
        let result = poll_read(cx, &mut buf[filled..]);
        let got = match &result {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(filled + got);
        match result {
            Poll::Ready(Ok(0)) => return Poll::Ready(Ok(buf.len() - start)),
            Poll::Ready(Ok(_)) => {}
            Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => return Poll::Pending,
        }
    })
    .await
}

/// Writes all of `buf`; `WriteZero` if the stream accepts nothing.
pub(crate) async fn write_all(
    buf: &[u8],
    mut poll_write: impl FnMut(&mut Context<'_>, &[u8]) -> Poll<io::Result<usize>>,
) -> io::Result<()> {
    let mut written = 0;
    poll_fn(|cx| {
        while written < buf.len() {
            match ready!(poll_write(cx, &buf[written..])) {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write whole buffer",
                    )))
                }
                Ok(n) => written += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
        Poll::Ready(Ok(()))
    })
    .await
}
