//! Unix stream sockets: [`UnixListener`], [`UnixStream`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use mio::Interest;

use super::registered::Registered;
use crate::runtime::io::Direction;

/// A Unix stream socket server (std's `UnixListener`, async).
///
/// ```
/// use greenery::net::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("echo.sock");
/// # let _ = std::fs::remove_file(&path);
/// greenery::run(async {
///     let listener = UnixListener::bind(&path).unwrap();
///     let client = UnixStream::connect(&path).await.unwrap();
///     let (server, _) = listener.accept().await.unwrap();
///     client.write_all(b"hi").await.unwrap();
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hi");
/// });
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct UnixListener {
    inner: Registered<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds a listener to the socket file `path` (which must not exist yet).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    ///     let err = greenery::net::UnixListener::bind(&path).unwrap_err(); // the file exists now
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_mio(mio::net::UnixListener::bind(path)?)
    }

    /// Wraps a listener made with std (it is switched to non-blocking mode).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let std = std::os::unix::net::UnixListener::bind(&path).unwrap();
    ///     let listener = greenery::net::UnixListener::from_std(std).unwrap();
    ///     let _client = greenery::net::UnixStream::connect(&path).await.unwrap();
    ///     assert!(listener.accept().await.is_ok());
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::from_mio(mio::net::UnixListener::from_std(listener))
    }

    fn from_mio(listener: mio::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            inner: Registered::new(listener, Interest::READABLE)?,
        })
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     let _client = greenery::net::UnixStream::connect(&path).await.unwrap();
    ///     let (_server, peer) = listener.accept().await.unwrap();
    ///     assert!(peer.is_unnamed()); // the client bound no path of its own
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        self.inner
            .parked(Direction::Read, poll_fn(|cx| self.poll_accept(cx)))
            .await
    }

    /// Polls for a connection: the building block of [`accept`](Self::accept).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     let _client = greenery::net::UnixStream::connect(&path).await.unwrap();
    ///     let (_server, peer) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    ///     assert!(peer.is_unnamed());
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = match self.inner.poll_io(cx, Direction::Read, |l| l.accept()) {
            Poll::Ready(Ok(accepted)) => accepted,
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => return Poll::Pending,
        };
        Poll::Ready(UnixStream::from_mio(stream).map(|stream| (stream, addr)))
    }

    /// The connections, as a [`Stream`] that never ends.
    ///
    /// ```
    /// use futures_core::Stream;
    /// use std::{future::poll_fn, pin::Pin};
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     let client = greenery::net::UnixStream::connect(&path).await.unwrap();
    ///     let mut incoming = listener.incoming();
    ///     let next = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     let server = next.unwrap().unwrap(); // never `None`: the stream never ends
    ///     client.write_all(b"hi").await.unwrap();
    ///     let mut buf = [0; 2];
    ///     server.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"hi");
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     assert!(listener.take_error().unwrap().is_none()); // nothing went wrong
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get().take_error()
    }
}

fd_impls!(UnixListener);

/// The connections of a [`UnixListener`], as a never-ending [`Stream`].
///
/// ```
/// use futures_core::Stream;
/// use std::{future::poll_fn, pin::Pin};
/// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("doc.sock");
/// # let _ = std::fs::remove_file(&path);
/// greenery::run(async {
///     let listener = greenery::net::UnixListener::bind(&path).unwrap();
///     let mut incoming: greenery::net::UnixIncoming<'_> = listener.incoming();
///     let _clients = [
///         greenery::net::UnixStream::connect(&path).await.unwrap(),
///         greenery::net::UnixStream::connect(&path).await.unwrap(),
///     ];
///     for _ in 0..2 {
///         let next = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
///         assert!(next.unwrap().is_ok());
///     }
/// });
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for UnixIncoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixIncoming")
            .field("listener", self.listener)
            .finish()
    }
}

/// A Unix stream connection (std's `UnixStream`, async). Same operations as
/// [`TcpStream`](super::TcpStream), all taking `&self`.
///
/// ```
/// greenery::run(async {
///     let (a, b) = greenery::net::UnixStream::pair().unwrap();
///     a.write_all(b"over").await.unwrap();
///     drop(a);
///     let mut got = Vec::new();
///     b.read_to_end(&mut got).await.unwrap();
///     assert_eq!(got, b"over");
/// });
/// ```
pub struct UnixStream {
    inner: Registered<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket file `path`. While the listener's backlog is full, retries
    /// every millisecond without blocking other tasks.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let err = greenery::net::UnixStream::connect(&path).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound); // nobody listens yet
    ///     let _listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     let client = greenery::net::UnixStream::connect(&path).await.unwrap();
    ///     assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let path = path.as_ref();
        let stream = loop {
            match mio::net::UnixStream::connect(path) {
                Ok(stream) => break UnixStream::from_mio(stream)?,
                // EAGAIN: the backlog is full; nothing signals when it drains.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    crate::time::sleep(Duration::from_millis(1)).await;
                }
                Err(err) => return Err(err),
            }
        };
        stream.inner.ready(Direction::Write).await;
        match stream.inner.get().take_error()? {
            Some(err) => Err(err),
            None => Ok(stream),
        }
    }

    /// A connected pair of sockets.
    ///
    /// ```
    /// # greenery::run(async {
    /// let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// a.write_all(b"to b").await.unwrap();
    /// let mut buf = [0; 4];
    /// b.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"to b");
    /// # });
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    /// Wraps a connected stream made with std (it is switched to non-blocking mode).
    ///
    /// ```
    /// # greenery::run(async {
    /// let (std_a, std_b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// let a = greenery::net::UnixStream::from_std(std_a).unwrap();
    /// std::io::Write::write_all(&mut &std_b, b"hi").unwrap();
    /// let mut buf = [0; 2];
    /// a.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"hi");
    /// # });
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    /// The registered socket, for `greenery::io` and `greenery::hyper`.
    pub(crate) fn registered(&self) -> &Registered<mio::net::UnixStream> {
        &self.inner
    }

    fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            inner: Registered::new(stream, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// Reads into `buf`; returns how many bytes arrived, `0` at end of stream.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// a.write_all(b"hello").await.unwrap();
    /// let mut buf = [0; 16];
    /// let n = b.read(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"hello");
    /// # });
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).await
    }

    /// Polls a read into `buf`.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// a.write_all(b"hi").await.unwrap();
    /// let mut buf = [0; 8];
    /// let n = poll_fn(|cx| b.poll_read(cx, &mut buf)).await.unwrap();
    /// assert_eq!(&buf[..n], b"hi");
    /// # });
    /// ```
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// a.write_all(b"ab").await.unwrap();
    /// drop(a);
    /// let mut buf = [0; 3]; // one more byte than will ever arrive
    /// let err = b.read_exact(&mut buf).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # });
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_exact(buf).await
    }

    /// Reads until end of stream, appending to `buf`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// a.write_all(b"all of it").await.unwrap();
    /// drop(a); // closing the socket ends the stream
    /// let mut got = Vec::new();
    /// assert_eq!(b.read_to_end(&mut got).await.unwrap(), 9);
    /// assert_eq!(got, b"all of it");
    /// # });
    /// ```
    pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.inner.read_to_end(buf).await
    }

    /// Writes some of `buf`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// assert_eq!(a.write(b"some bytes").await.unwrap(), 10); // an empty buffer takes all
    /// let mut buf = [0; 10];
    /// b.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"some bytes");
    /// # });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).await
    }

    /// Polls a write of `buf`.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// assert_eq!(poll_fn(|cx| a.poll_write(cx, b"hi")).await.unwrap(), 2);
    /// let mut buf = [0; 2];
    /// b.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"hi");
    /// # });
    /// ```
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// let reader = greenery::spawn(async move {
    ///     let mut got = Vec::new();
    ///     b.read_to_end(&mut got).await.unwrap();
    ///     got.len()
    /// });
    /// let big = vec![7u8; 1 << 20]; // more than the socket buffers hold
    /// a.write_all(&big).await.unwrap();
    /// drop(a);
    /// assert_eq!(reader.await.unwrap(), big.len());
    /// # });
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).await
    }

    /// Does nothing: there is no user-space buffer. Here for std's `Write` shape.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// a.write_all(b"x").await.unwrap();
    /// a.flush().await.unwrap(); // a no-op: the byte is already in the kernel
    /// let mut buf = [0; 1];
    /// b.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"x");
    /// # });
    /// ```
    pub async fn flush(&self) -> io::Result<()> {
        Ok(())
    }

    /// Shuts down the read half, the write half (the peer reads end of stream), or both.
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// a.shutdown(Shutdown::Write).unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(b.read(&mut buf).await.unwrap(), 0); // the peer reads end of stream
    /// # });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get().shutdown(how)
    }

    /// The local address.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// assert!(a.local_addr().unwrap().is_unnamed()); // a pair has no paths
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let _listener = greenery::net::UnixListener::bind(&path).unwrap();
    ///     let client = greenery::net::UnixStream::connect(&path).await.unwrap();
    ///     assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().peer_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixStream::pair().unwrap();
    /// assert!(a.take_error().unwrap().is_none()); // nothing went wrong
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get().take_error()
    }
}

fd_impls!(UnixStream);
