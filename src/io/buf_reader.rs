//! [`BufReader`] and its [`Lines`]: buffered reading on any [`PollRead`] stream.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use super::stream::PollRead;
use super::wait::abandonable;

const DEFAULT_CAPACITY: usize = 8 * 1024;

/// Adds a buffer to a stream: lines and delimited records in as few system calls as the data
/// allows (gevent's `socket.makefile('rb')`, tokio's `BufReader`, std's `BufRead`).
///
/// Wraps any [`PollRead`]: a [`TcpStream`](crate::net::TcpStream) or a reference to one (all
/// of greenery's stream operations take `&self`, so `BufReader::new(&stream)` reads while
/// the same stream is written to directly), a read half, a
/// [`UnixStream`](crate::net::UnixStream), an [`AsyncFd`](super::AsyncFd), a child's stdout.
///
/// ```
/// use greenery::io::BufReader;
/// use greenery::net::UnixStream;
///
/// greenery::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     greenery::spawn(async move {
///         b.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n").await.unwrap();
///     });
///     let mut reader = BufReader::new(&a);
///     let mut line = String::new();
///     reader.read_line(&mut line).await.unwrap();
///     assert_eq!(line, "GET / HTTP/1.0\r\n");
///     let mut header = Vec::new();
///     reader.read_until(b'\n', &mut header).await.unwrap();
///     assert_eq!(header, b"Host: x\r\n");
/// });
/// ```
///
/// Every wait is cancellation-safe in the sense that bytes read from the stream are never
/// lost: they are in the buffer, or (for [`read_until`](Self::read_until)) already appended
/// to the caller's vector. [`read_line`](Self::read_line) is the exception: cancelled
/// mid-line, the part of the line read so far is dropped (use [`lines`](Self::lines), whose
/// [`Lines::next`] keeps it).
pub struct BufReader<R> {
    inner: R,
    buf: Buffer,
}

/// The buffer: `data[pos..filled]` is read and not yet consumed.
struct Buffer {
    data: Box<[u8]>,
    pos: usize,
    filled: usize,
}

impl Buffer {
    fn available(&self) -> &[u8] {
        &self.data[self.pos..self.filled]
    }

    fn consume(&mut self, amt: usize) {
        self.pos = self.pos.saturating_add(amt).min(self.filled);
    }

    /// The unconsumed bytes, reading more first if there are none (empty at end of stream).
    fn poll_fill<R: PollRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &R,
    ) -> Poll<io::Result<&[u8]>> {
        if self.pos >= self.filled {
            let n = ready!(reader.poll_read(cx, &mut self.data))?;
            self.pos = 0;
            self.filled = n;
        }
        Poll::Ready(Ok(self.available()))
    }

    /// Appends bytes up to and including `byte` (or to end of stream) to `out`; `read` counts
    /// what this call appended so far, across `Pending`s.
    fn poll_read_until<R: PollRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &R,
        byte: u8,
        out: &mut Vec<u8>,
        read: &mut usize,
    ) -> Poll<io::Result<usize>> {
        loop {
            let (done, used) = match ready!(self.poll_fill(cx, reader)) {
                Ok(available) => match available.iter().position(|&b| b == byte) {
                    Some(i) => {
                        out.extend_from_slice(&available[..=i]);
                        (true, i + 1)
                    }
                    None => {
                        out.extend_from_slice(available);
                        (available.is_empty(), available.len())
                    }
                },
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Poll::Ready(Err(err)),
            };
            self.consume(used);
            *read += used;
            if done {
                return Poll::Ready(Ok(std::mem::take(read)));
            }
        }
    }

    /// Reads into `out`: from the buffer if it holds anything, else straight from the
    /// stream when `out` is at least as large as the buffer, else through the buffer.
    fn poll_read<R: PollRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &R,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.pos >= self.filled && out.len() >= self.data.len() {
            return reader.poll_read(cx, out);
        }
        let available = ready!(self.poll_fill(cx, reader))?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<R: PollRead> BufReader<R> {
    /// A reader with an 8 KiB buffer.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let reader = greenery::io::BufReader::new(a);
    ///     assert_eq!(reader.capacity(), 8192);
    /// });
    /// ```
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_capacity(DEFAULT_CAPACITY, inner)
    }

    /// A reader with a buffer of `capacity` bytes (at least one).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let reader = greenery::io::BufReader::with_capacity(64, a);
    ///     assert_eq!(reader.capacity(), 64);
    /// });
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> BufReader<R> {
        BufReader {
            inner,
            buf: Buffer {
                data: vec![0; capacity.max(1)].into_boxed_slice(),
                pos: 0,
                filled: 0,
            },
        }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let reader = greenery::io::BufReader::new(a);
    ///     assert!(reader.get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped stream, mutably (reading from it directly skips the buffered bytes).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     let _stream: &mut greenery::net::UnixStream = reader.get_mut();
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The wrapped stream; bytes still in the buffer are lost (read [`buffer`](Self::buffer)
    /// first).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let a = greenery::io::BufReader::new(a).into_inner();
    ///     assert!(a.peer_addr().is_ok());
    /// });
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The bytes read from the stream and not consumed yet.
    ///
    /// ```
    /// use greenery::io::BufReader;
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"one\ntwo\n").await.unwrap();
    ///     let mut reader = BufReader::new(a);
    ///     reader.read_line(&mut String::new()).await.unwrap();
    ///     assert_eq!(reader.buffer(), b"two\n");
    /// });
    /// ```
    pub fn buffer(&self) -> &[u8] {
        self.buf.available()
    }

    /// The buffer's size.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     assert_eq!(greenery::io::BufReader::with_capacity(10, a).capacity(), 10);
    /// });
    /// ```
    pub fn capacity(&self) -> usize {
        self.buf.data.len()
    }

    /// Runs a poll function over the buffer and the stream, taking back the parked waker if
    /// the future is dropped while waiting.
    fn wait<'a, T>(
        &'a mut self,
        mut op: impl FnMut(&mut Buffer, &R, &mut Context<'_>) -> Poll<T> + 'a,
    ) -> impl Future<Output = T> + 'a {
        let BufReader { inner, buf } = self;
        let inner: &R = inner;
        abandonable(inner, true, poll_fn(move |cx| op(buf, inner, cx)))
    }

    /// Returns the buffered bytes, reading more from the stream first if there are none;
    /// empty at end of stream. Pair with [`consume`](Self::consume).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"abc").await.unwrap();
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     let got = poll_fn(|cx| reader.poll_fill_buf(cx).map_ok(|b| b.to_vec())).await;
    ///     assert_eq!(got.unwrap(), b"abc");
    /// });
    /// ```
    pub fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.buf.poll_fill(cx, &self.inner)
    }

    /// [`poll_fill_buf`](Self::poll_fill_buf) as a future.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"abc").await.unwrap();
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     assert_eq!(reader.fill_buf().await.unwrap(), b"abc");
    ///     reader.consume(2);
    ///     assert_eq!(reader.fill_buf().await.unwrap(), b"c");
    /// });
    /// ```
    pub async fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.wait(|buf, inner, cx| buf.poll_fill(cx, inner).map_ok(|_| ()))
            .await?;
        Ok(self.buf.available())
    }

    /// Marks `amt` buffered bytes as used (at most all of them).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"xyz").await.unwrap();
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     reader.fill_buf().await.unwrap();
    ///     reader.consume(1);
    ///     assert_eq!(reader.buffer(), b"yz");
    /// });
    /// ```
    pub fn consume(&mut self, amt: usize) {
        self.buf.consume(amt);
    }

    /// Polls a read into `buf`, from the buffer first.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"abc").await.unwrap();
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     let mut out = [0; 2];
    ///     assert_eq!(poll_fn(|cx| reader.poll_read(cx, &mut out)).await.unwrap(), 2);
    ///     assert_eq!(reader.buffer(), b"c");
    /// });
    /// ```
    pub fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.buf.poll_read(cx, &self.inner, buf)
    }

    /// Reads into `buf`, from the buffer first; `Ok(0)` at end of stream.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"abc").await.unwrap();
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     let mut out = [0; 8];
    ///     assert_eq!(reader.read(&mut out).await.unwrap(), 3);
    /// });
    /// ```
    pub async fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.wait(|buf, inner, cx| buf.poll_read(cx, inner, out))
            .await
    }

    /// Fills `out`; `UnexpectedEof` when the stream ends first.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"abcd").await.unwrap();
    ///     drop(b);
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     let mut out = [0; 3];
    ///     reader.read_exact(&mut out).await.unwrap();
    ///     assert_eq!(&out, b"abc");
    ///     let err = reader.read_exact(&mut out).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// });
    /// ```
    pub async fn read_exact(&mut self, out: &mut [u8]) -> io::Result<()> {
        let mut filled = 0;
        self.wait(|buf, inner, cx| {
            crate::net::io_util::poll_fill(out, &mut filled, |out| buf.poll_read(cx, inner, out))
        })
        .await
    }

    /// Appends bytes to `out` up to and including `byte`, or to end of stream; returns how
    /// many were appended (0 at end of stream).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"key=value;rest").await.unwrap();
    ///     drop(b);
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     let mut field = Vec::new();
    ///     assert_eq!(reader.read_until(b';', &mut field).await.unwrap(), 10);
    ///     assert_eq!(field, b"key=value;");
    ///     field.clear();
    ///     assert_eq!(reader.read_until(b';', &mut field).await.unwrap(), 4);
    ///     assert_eq!(reader.read_until(b';', &mut field).await.unwrap(), 0);
    /// });
    /// ```
    pub async fn read_until(&mut self, byte: u8, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut read = 0;
        self.wait(|buf, inner, cx| buf.poll_read_until(cx, inner, byte, out, &mut read))
            .await
    }

    /// Appends one line, with its `\n` (if the stream did not end first), to `line`; returns
    /// how many bytes that was (0 at end of stream). Not UTF-8: `InvalidData`, and `line` is
    /// left as it was.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all("naïve\nlast".as_bytes()).await.unwrap();
    ///     drop(b);
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     let mut line = String::new();
    ///     assert_eq!(reader.read_line(&mut line).await.unwrap(), 7);
    ///     assert_eq!(line, "naïve\n");
    ///     line.clear();
    ///     reader.read_line(&mut line).await.unwrap();
    ///     assert_eq!(line, "last");
    ///     assert_eq!(reader.read_line(&mut line).await.unwrap(), 0);
    /// });
    /// ```
    pub async fn read_line(&mut self, line: &mut String) -> io::Result<usize> {
        let mut bytes = Vec::new();
        let n = self.read_until(b'\n', &mut bytes).await?;
        line.push_str(&utf8(bytes)?);
        Ok(n)
    }

    /// Reads to end of stream, appending to `out`; returns how many bytes were appended.
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"head\nbody").await.unwrap();
    ///     drop(b);
    ///     let mut reader = greenery::io::BufReader::new(a);
    ///     reader.read_line(&mut String::new()).await.unwrap();
    ///     let mut rest = Vec::new();
    ///     assert_eq!(reader.read_to_end(&mut rest).await.unwrap(), 4);
    ///     assert_eq!(rest, b"body");
    /// });
    /// ```
    pub async fn read_to_end(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        let start = out.len();
        out.extend_from_slice(self.buf.available());
        self.buf.consume(usize::MAX);
        let inner = &self.inner;
        let rest = crate::net::io_util::read_to_end(out, |cx, chunk| inner.poll_read(cx, chunk));
        abandonable(inner, true, rest).await?;
        Ok(out.len() - start)
    }

    /// The lines of the stream, without their `\n` or `\r\n` (std's `BufRead::lines`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"one\r\ntwo\nthree").await.unwrap();
    ///     drop(b);
    ///     let mut lines = greenery::io::BufReader::new(a).lines();
    ///     let mut all = Vec::new();
    ///     while let Some(line) = lines.next().await {
    ///         all.push(line.unwrap());
    ///     }
    ///     assert_eq!(all, ["one", "two", "three"]);
    /// });
    /// ```
    pub fn lines(self) -> Lines<R> {
        Lines {
            reader: self,
            line: Vec::new(),
            read: 0,
        }
    }
}

/// The next line of `reader` without its `\n` or `\r\n`, built in `line` across
/// `Pending`s; `Ok(None)` at end of stream.
fn poll_line<R: PollRead + ?Sized>(
    cx: &mut Context<'_>,
    buf: &mut Buffer,
    reader: &R,
    line: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<Option<String>>> {
    let n = ready!(buf.poll_read_until(cx, reader, b'\n', line, read))?;
    if n == 0 && line.is_empty() {
        return Poll::Ready(Ok(None));
    }
    let mut line = std::mem::take(line);
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Poll::Ready(utf8(line).map(Some))
}

fn utf8(bytes: Vec<u8>) -> io::Result<String> {
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

impl<R: fmt::Debug> fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufReader")
            .field("inner", &self.inner)
            .field("buffered", &(self.buf.filled - self.buf.pos))
            .field("capacity", &self.buf.data.len())
            .finish()
    }
}

/// The lines of a [`BufReader`] ([`BufReader::lines`]): an inherent async
/// [`next`](Lines::next) and a `futures_core::Stream`. Cancellation-safe: a line cut short
/// by a dropped `next` is kept and completed by the next call.
///
/// ```
/// use greenery::io::BufReader;
///
/// greenery::run(async {
///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
///     b.write_all(b"a\nb\n").await.unwrap();
///     drop(b);
///     let mut lines = BufReader::new(a).lines();
///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("a"));
///     assert_eq!(lines.next().await.unwrap().unwrap(), "b");
///     assert!(lines.next().await.is_none());
/// });
/// ```
pub struct Lines<R> {
    reader: BufReader<R>,
    /// The line being read, kept across cancelled calls.
    line: Vec<u8>,
    read: usize,
}

impl<R: PollRead> Lines<R> {
    /// Polls for the next line: `Ok(None)` at end of stream.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"x\n").await.unwrap();
    ///     let mut lines = greenery::io::BufReader::new(a).lines();
    ///     let line = poll_fn(|cx| lines.poll_next_line(cx)).await.unwrap();
    ///     assert_eq!(line.as_deref(), Some("x"));
    /// });
    /// ```
    pub fn poll_next_line(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<String>>> {
        let Lines { reader, line, read } = self;
        poll_line(cx, &mut reader.buf, &reader.inner, line, read)
    }

    /// The next line, `Ok(None)` at end of stream (tokio's `Lines::next_line`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"x\n").await.unwrap();
    ///     drop(b);
    ///     let mut lines = greenery::io::BufReader::new(a).lines();
    ///     assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("x"));
    ///     assert_eq!(lines.next_line().await.unwrap(), None);
    /// });
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        let Lines { reader, line, read } = self;
        let BufReader { inner, buf } = reader;
        let inner: &R = inner;
        let next = poll_fn(|cx| poll_line(cx, buf, inner, line, read));
        abandonable(inner, true, next).await
    }

    /// The next line, `None` at end of stream (the `Iterator`-shaped form of
    /// [`next_line`](Self::next_line)).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
    ///     b.write_all(b"only\n").await.unwrap();
    ///     drop(b);
    ///     let mut lines = greenery::io::BufReader::new(a).lines();
    ///     assert_eq!(lines.next().await.unwrap().unwrap(), "only");
    ///     assert!(lines.next().await.is_none());
    /// });
    /// ```
    #[allow(clippy::should_implement_trait)] // an async next: Iterator's cannot wait
    pub async fn next(&mut self) -> Option<io::Result<String>> {
        self.next_line().await.transpose()
    }

    /// The reader back (with a line cut short by a cancelled call, if any, lost).
    ///
    /// ```
    /// greenery::run(async {
    ///     let (a, _b) = greenery::net::UnixStream::pair().unwrap();
    ///     let reader = greenery::io::BufReader::new(a).lines().into_inner();
    ///     assert!(reader.buffer().is_empty());
    /// });
    /// ```
    pub fn into_inner(self) -> BufReader<R> {
        self.reader
    }
}

impl<R: PollRead + Unpin> Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_line(cx).map(Result::transpose)
    }
}

impl<R: fmt::Debug> fmt::Debug for Lines<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lines")
            .field("reader", &self.reader)
            .finish()
    }
}
