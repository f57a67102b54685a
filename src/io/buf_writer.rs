//! [`BufWriter`]: buffered writing on any [`PollWrite`] stream.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{ready, Context, Poll};

use super::stream::PollWrite;
use super::wait::abandonable;

const DEFAULT_CAPACITY: usize = 8 * 1024;

/// Collects small writes into one buffer and sends it in one system call when it fills or
/// on [`flush`](BufWriter::flush) (gevent's `socket.makefile('wb')`, tokio's `BufWriter`).
///
/// Wraps any [`PollWrite`]: a [`TcpStream`](crate::net::TcpStream) or a reference to one, a
/// write half, a [`UnixStream`](crate::net::UnixStream), an [`AsyncFd`](super::AsyncFd), a
/// child's stdin. A write as large as the buffer skips it (after what was buffered).
///
/// Dropping a `BufWriter` does **not** flush (a destructor cannot wait): bytes still
/// buffered are lost. `flush().await` before letting it go.
///
/// ```
/// use greenery::io::{BufReader, BufWriter};
/// use greenery::net::UnixStream;
///
/// greenery::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let mut writer = BufWriter::new(&a);
///     for word in ["one", "two", "three"] {
///         writer.write_all(word.as_bytes()).await.unwrap();
///         writer.write_all(b"\n").await.unwrap();
///     }
///     assert_eq!(writer.buffer(), b"one\ntwo\nthree\n"); // nothing sent yet
///     writer.flush().await.unwrap(); // one write(2)
///     drop(a);
///     let lines: Vec<String> = {
///         let mut lines = BufReader::new(b).lines();
///         let mut all = Vec::new();
///         while let Some(line) = lines.next().await {
///             all.push(line.unwrap());
///         }
///         all
///     };
///     assert_eq!(lines, ["one", "two", "three"]);
/// });
/// ```
pub struct BufWriter<W> {
    inner: W,
    out: Outgoing,
}

/// The buffer: `buf[written..]` waits to be written out (a flush cut short by `Pending`
/// resumes at `written`).
struct Outgoing {
    buf: Vec<u8>,
    written: usize,
}

impl Outgoing {
    fn poll_flush<W: PollWrite + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        inner: &W,
    ) -> Poll<io::Result<()>> {
        while self.written < self.buf.len() {
            match ready!(inner.poll_write(cx, &self.buf[self.written..])) {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write the buffered data",
                    )))
                }
                Ok(n) => self.written += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
        self.buf.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    fn poll_write<W: PollWrite + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        inner: &W,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.buf.len() + data.len() > self.buf.capacity() {
            ready!(self.poll_flush(cx, inner))?;
        }
        if data.len() >= self.buf.capacity() {
            inner.poll_write(cx, data)
        } else {
            self.buf.extend_from_slice(data);
            Poll::Ready(Ok(data.len()))
        }
    }
}

impl<W: PollWrite> BufWriter<W> {
    /// A writer with an 8 KiB buffer.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     assert_eq!(greenery::io::BufWriter::new(a).capacity(), 8192);
    /// });
    /// ```
    pub fn new(inner: W) -> BufWriter<W> {
        BufWriter::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// A writer with a buffer of `capacity` bytes (at least one).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     assert_eq!(greenery::io::BufWriter::with_capacity(100, a).capacity(), 100);
    /// });
    /// ```
    pub fn with_capacity(capacity: usize, inner: W) -> BufWriter<W> {
        BufWriter {
            inner,
            out: Outgoing {
                buf: Vec::with_capacity(capacity.max(1)),
                written: 0,
            },
        }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     assert!(greenery::io::BufWriter::new(a).get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The wrapped stream, mutably (writing to it directly overtakes the buffered bytes).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::new(a);
    ///     let _stream: &mut greenery::net::UnixStream = writer.get_mut();
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The wrapped stream; bytes still buffered are lost ([`flush`](Self::flush) first).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::new(a);
    ///     writer.write_all(b"x").await.unwrap();
    ///     writer.flush().await.unwrap();
    ///     let a = writer.into_inner();
    ///     assert!(a.peer_addr().is_ok());
    /// });
    /// ```
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The bytes buffered and not yet written out.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::new(a);
    ///     writer.write_all(b"pending").await.unwrap();
    ///     assert_eq!(writer.buffer(), b"pending");
    /// });
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.out.buf[self.out.written..]
    }

    /// The buffer's size.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     assert_eq!(greenery::io::BufWriter::with_capacity(16, a).capacity(), 16);
    /// });
    /// ```
    pub fn capacity(&self) -> usize {
        self.out.buf.capacity()
    }

    /// Polls writing out everything buffered. `WriteZero` if the stream accepts nothing.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::new(a);
    ///     writer.write_all(b"x").await.unwrap();
    ///     poll_fn(|cx| writer.poll_flush(cx)).await.unwrap();
    ///     assert!(writer.buffer().is_empty());
    /// });
    /// ```
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.out.poll_flush(cx, &self.inner)
    }

    /// Polls a write of `data`: into the buffer (writing the buffer out first if `data` does
    /// not fit), or straight to the stream if `data` is at least as large as the buffer.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::new(a);
    ///     assert_eq!(poll_fn(|cx| writer.poll_write(cx, b"abc")).await.unwrap(), 3);
    ///     assert_eq!(writer.buffer(), b"abc");
    /// });
    /// ```
    pub fn poll_write(&mut self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.out.poll_write(cx, &self.inner, data)
    }

    /// Writes `data` (see [`poll_write`](Self::poll_write)); returns how much was taken.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::new(a);
    ///     assert_eq!(writer.write(b"abc").await.unwrap(), 3);
    /// });
    /// ```
    pub async fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let BufWriter { inner, out } = self;
        let inner: &W = inner;
        abandonable(inner, false, poll_fn(|cx| out.poll_write(cx, inner, data))).await
    }

    /// Writes all of `data` (buffered where it fits).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::with_capacity(4, &a);
    ///     writer.write_all(b"0123456789").await.unwrap(); // larger than the buffer
    ///     writer.flush().await.unwrap();
    ///     let mut got = [0; 10];
    ///     b.read_exact(&mut got).await.unwrap();
    ///     assert_eq!(&got, b"0123456789");
    /// });
    /// ```
    pub async fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            match self.write(data).await {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write whole buffer",
                    ))
                }
                Ok(n) => data = &data[n..],
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Writes out everything buffered.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut writer = greenery::io::BufWriter::new(&a);
    ///     writer.write_all(b"hi").await.unwrap();
    ///     writer.flush().await.unwrap();
    ///     let mut got = [0; 2];
    ///     b.read_exact(&mut got).await.unwrap();
    ///     assert_eq!(&got, b"hi");
    /// });
    /// ```
    pub async fn flush(&mut self) -> io::Result<()> {
        let BufWriter { inner, out } = self;
        let inner: &W = inner;
        abandonable(inner, false, poll_fn(|cx| out.poll_flush(cx, inner))).await
    }
}

impl<W: fmt::Debug> fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufWriter")
            .field("inner", &self.inner)
            .field("buffered", &(self.out.buf.len() - self.out.written))
            .field("capacity", &self.out.buf.capacity())
            .finish()
    }
}
