//! The halves of a [`TcpStream`]: one task reads while another writes.

use std::error::Error;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::TcpStream;

/// The reading half of a [`TcpStream`], borrowed by [`TcpStream::split`].
///
/// ```
/// # greenery::run(async {
/// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
/// # let (s, _) = l.accept().await.unwrap();
/// let (reader, _writer) = s.split();
/// let copy = reader; // borrowed halves are `Copy`
/// c.write_all(b"ab").await.unwrap();
/// let mut buf = [0; 1];
/// reader.read_exact(&mut buf).await.unwrap();
/// copy.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"b");
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ReadHalf<'a> {
    pub(super) stream: &'a TcpStream,
}

/// The writing half of a [`TcpStream`], borrowed by [`TcpStream::split`].
///
/// ```
/// # greenery::run(async {
/// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
/// # let (s, _) = l.accept().await.unwrap();
/// let (_reader, writer) = s.split();
/// writer.write_all(b"from the half").await.unwrap();
/// writer.shutdown().unwrap();
/// let mut got = Vec::new();
/// c.read_to_end(&mut got).await.unwrap();
/// assert_eq!(got, b"from the half");
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WriteHalf<'a> {
    pub(super) stream: &'a TcpStream,
}

/// The reading half of a [`TcpStream`], owned: made by [`TcpStream::into_split`].
///
/// ```
/// # greenery::run(async {
/// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
/// # let (s, _) = l.accept().await.unwrap();
/// let (reader, _writer) = s.into_split();
/// let task = greenery::spawn(async move {
///     let mut got = Vec::new();
///     reader.read_to_end(&mut got).await.unwrap();
///     got
/// });
/// c.write_all(b"owned").await.unwrap();
/// drop(c);
/// assert_eq!(task.await.unwrap(), b"owned");
/// # });
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    pub(super) stream: Rc<TcpStream>,
}

/// The writing half of a [`TcpStream`], owned: made by [`TcpStream::into_split`].
///
/// ```
/// # greenery::run(async {
/// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
/// # let (s, _) = l.accept().await.unwrap();
/// let (_reader, writer) = s.into_split();
/// let task = greenery::spawn(async move { writer.write_all(b"owned").await });
/// let mut buf = [0; 5];
/// c.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"owned");
/// # task.await.unwrap().unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    pub(super) stream: Rc<TcpStream>,
}

macro_rules! read_methods {
    // `$split`: the `TcpStream` method that makes these halves, for the examples.
    ($split:literal) => {
        /// The stream this half belongs to (`greenery::io` parks on its registration).
        pub(crate) fn stream(&self) -> &TcpStream {
            &self.stream
        }

        /// Reads into `buf` (see [`TcpStream::read`]).
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// c.write_all(b"hello").await.unwrap();
        /// let mut buf = [0; 16];
        /// let n = reader.read(&mut buf).await.unwrap();
        /// assert_eq!(&buf[..n], b"hello");
        /// # });
        /// ```
        pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
            self.stream.read(buf).await
        }

        /// Polls a read (see [`TcpStream::poll_read`]).
        ///
        /// ```
        /// use std::future::poll_fn;
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// c.write_all(b"hi").await.unwrap();
        /// let mut buf = [0; 8];
        /// let n = poll_fn(|cx| reader.poll_read(cx, &mut buf)).await.unwrap();
        /// assert_eq!(&buf[..n], b"hi");
        /// # });
        /// ```
        pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            self.stream.poll_read(cx, buf)
        }

        /// Reads exactly `buf.len()` bytes (see [`TcpStream::read_exact`]).
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// c.write_all(b"exact").await.unwrap();
        /// let mut buf = [0; 5];
        /// reader.read_exact(&mut buf).await.unwrap();
        /// assert_eq!(&buf, b"exact");
        /// # });
        /// ```
        pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
            self.stream.read_exact(buf).await
        }

        /// Reads until end of stream (see [`TcpStream::read_to_end`]).
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// c.write_all(b"all of it").await.unwrap();
        /// drop(c); // closing the connection ends the stream
        /// let mut got = Vec::new();
        /// assert_eq!(reader.read_to_end(&mut got).await.unwrap(), 9);
        /// # });
        /// ```
        pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
            self.stream.read_to_end(buf).await
        }

        /// Reads without consuming (see [`TcpStream::peek`]).
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// c.write_all(b"peek").await.unwrap();
        /// let mut buf = [0; 4];
        /// assert_eq!(reader.peek(&mut buf).await.unwrap(), 4);
        /// reader.read_exact(&mut buf).await.unwrap(); // the peeked bytes are still there
        /// assert_eq!(&buf, b"peek");
        /// # });
        /// ```
        pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
            self.stream.peek(buf).await
        }

        /// The local address of the connection.
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// assert_eq!(reader.local_addr().unwrap(), c.peer_addr().unwrap());
        /// # });
        /// ```
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.stream.local_addr()
        }

        /// The peer's address.
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// assert_eq!(reader.peer_addr().unwrap(), c.local_addr().unwrap());
        /// # });
        /// ```
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.stream.peer_addr()
        }
    };
}

macro_rules! write_methods {
    // `$split`: the `TcpStream` method that makes these halves, for the examples.
    ($split:literal) => {
        /// The stream this half belongs to (`greenery::io` parks on its registration).
        pub(crate) fn stream(&self) -> &TcpStream {
            &self.stream
        }

        /// Writes some of `buf` (see [`TcpStream::write`]).
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// assert_eq!(writer.write(b"hi").await.unwrap(), 2); // an empty buffer takes all
        /// let mut buf = [0; 2];
        /// c.read_exact(&mut buf).await.unwrap();
        /// assert_eq!(&buf, b"hi");
        /// # });
        /// ```
        pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
            self.stream.write(buf).await
        }

        /// Polls a write (see [`TcpStream::poll_write`]).
        ///
        /// ```
        /// use std::future::poll_fn;
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// assert_eq!(poll_fn(|cx| writer.poll_write(cx, b"hi")).await.unwrap(), 2);
        /// let mut buf = [0; 2];
        /// c.read_exact(&mut buf).await.unwrap();
        /// assert_eq!(&buf, b"hi");
        /// # });
        /// ```
        pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.stream.poll_write(cx, buf)
        }

        /// Writes all of `buf` (see [`TcpStream::write_all`]).
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// writer.write_all(b"every byte").await.unwrap();
        /// let mut buf = [0; 10];
        /// c.read_exact(&mut buf).await.unwrap();
        /// assert_eq!(&buf, b"every byte");
        /// # });
        /// ```
        pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
            self.stream.write_all(buf).await
        }

        /// Does nothing (see [`TcpStream::flush`]).
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// writer.write_all(b"x").await.unwrap();
        /// writer.flush().await.unwrap(); // a no-op: the byte is already in the kernel
        /// let mut buf = [0; 1];
        /// c.read_exact(&mut buf).await.unwrap();
        /// assert_eq!(&buf, b"x");
        /// # });
        /// ```
        pub async fn flush(&self) -> io::Result<()> {
            Ok(())
        }

        /// Shuts down the write direction: the peer reads end of stream.
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// writer.shutdown().unwrap();
        /// let mut buf = [0; 8];
        /// assert_eq!(c.read(&mut buf).await.unwrap(), 0); // the peer reads end of stream
        /// # });
        /// ```
        pub fn shutdown(&self) -> io::Result<()> {
            self.stream.shutdown(Shutdown::Write)
        }

        /// The local address of the connection.
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// assert_eq!(writer.local_addr().unwrap(), c.peer_addr().unwrap());
        /// # });
        /// ```
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.stream.local_addr()
        }

        /// The peer's address.
        ///
        /// ```
        /// # greenery::run(async {
        /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        /// # let (s, _) = l.accept().await.unwrap();
        #[doc = concat!("let (reader, writer) = s.", $split, "();")]
        /// assert_eq!(writer.peer_addr().unwrap(), c.local_addr().unwrap());
        /// # });
        /// ```
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.stream.peer_addr()
        }
    };
}

impl ReadHalf<'_> {
    read_methods!("split");
}

impl OwnedReadHalf {
    read_methods!("into_split");

    /// Puts the halves of one stream back together; gives them back if they are from
    /// different streams.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let stream = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// let (r, w) = stream.into_split();
    /// let stream = r.reunite(w).unwrap();
    /// # drop(stream);
    /// # });
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Rc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        drop(other);
        match Rc::try_unwrap(self.stream) {
            Ok(stream) => Ok(stream),
            Err(_) => unreachable!("a TcpStream's Rc is held only by its two halves"),
        }
    }
}

impl WriteHalf<'_> {
    write_methods!("split");
}

impl OwnedWriteHalf {
    write_methods!("into_split");

    /// Puts the halves of one stream back together (see [`OwnedReadHalf::reunite`]).
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// let (reader, writer) = s.into_split();
    /// let s = writer.reunite(reader).unwrap();
    /// assert_eq!(s.peer_addr().unwrap(), c.local_addr().unwrap());
    /// # });
    /// ```
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        other.reunite(self)
    }
}

/// The halves given to `reunite` came from different streams; here they are back.
///
/// ```
/// # greenery::run(async {
/// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
/// # let (s, _) = l.accept().await.unwrap();
/// let (r1, w1) = s.into_split();
/// let (_r2, w2) = c.into_split();
/// let err = r1.reunite(w2).unwrap_err();
/// assert_eq!(err.to_string(), "tried to reunite halves that are not from the same TcpStream");
/// let greenery::net::ReuniteError(r1, _w2) = err; // the halves come back unchanged
/// assert!(r1.reunite(w1).is_ok());
/// # });
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same TcpStream")
    }
}

impl Error for ReuniteError {}
