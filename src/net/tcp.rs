//! TCP: [`TcpListener`], [`TcpStream`] and its read/write halves.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use mio::Interest;

use super::addr::{each_addr, ToSocketAddrs};
use super::registered::Registered;
use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::runtime::io::Direction;

/// A TCP socket server, listening for connections (std's `TcpListener`, async).
///
/// ```
/// use greenery::net::{TcpListener, TcpStream};
///
/// greenery::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = greenery::spawn(async move {
///         let (conn, _peer) = listener.accept().await.unwrap();
///         let mut buf = [0; 5];
///         conn.read_exact(&mut buf).await.unwrap();
///         conn.write_all(&buf).await.unwrap();
///     });
///     let client = TcpStream::connect(addr).await.unwrap();
///     client.write_all(b"hello").await.unwrap();
///     let mut echo = [0; 5];
///     client.read_exact(&mut echo).await.unwrap();
///     assert_eq!(&echo, b"hello");
///     server.await.unwrap();
/// });
/// ```
pub struct TcpListener {
    inner: Registered<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to `addr` (a host name is resolved off the loop; each resolved
    /// address is tried in turn). Port 0 picks a free port: see
    /// [`local_addr`](Self::local_addr). Like std, sets `SO_REUSEADDR`; the backlog is 1024.
    ///
    /// ```
    /// greenery::run(async {
    ///     let a = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let taken = a.local_addr().unwrap();
    ///     let err = greenery::net::TcpListener::bind(taken).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// });
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move {
            TcpListener::from_mio(mio::net::TcpListener::bind(addr)?)
        })
        .await
    }

    /// Wraps a listener made with std (it is switched to non-blocking mode).
    ///
    /// ```
    /// greenery::run(async {
    ///     let std = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let listener = greenery::net::TcpListener::from_std(std).unwrap();
    ///     assert!(listener.local_addr().unwrap().port() > 0);
    /// });
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::from_mio(mio::net::TcpListener::from_std(listener))
    }

    fn from_mio(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            inner: Registered::new(listener, Interest::READABLE)?,
        })
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// Errors such as running out of file descriptors (`EMFILE`) are returned; the listener
    /// stays usable, so a server can log them, wait, and accept again.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let client = greenery::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let (server, peer) = listener.accept().await.unwrap();
    /// assert_eq!(peer, client.local_addr().unwrap());
    /// assert_eq!(server.peer_addr().unwrap(), peer);
    /// # });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        self.inner
            .parked(Direction::Read, poll_fn(|cx| self.poll_accept(cx)))
            .await
    }

    /// Polls for a connection: the building block of [`accept`](Self::accept).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # greenery::run(async {
    /// # let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let client = greenery::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// let (_server, peer) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    /// assert_eq!(peer, client.local_addr().unwrap());
    /// # });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = match self.inner.poll_io(cx, Direction::Read, |l| l.accept()) {
            Poll::Ready(Ok(accepted)) => accepted,
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => return Poll::Pending,
        };
        Poll::Ready(TcpStream::from_mio(stream).map(|stream| (stream, addr)))
    }

    /// The connections, as a [`Stream`] that never ends (std's `incoming`).
    ///
    /// ```
    /// use futures_core::Stream;
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    ///
    /// greenery::run(async {
    ///     let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let _client = greenery::spawn(greenery::net::TcpStream::connect(addr));
    ///     let mut incoming = listener.incoming();
    ///     let next = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     assert!(next.unwrap().is_ok());
    /// });
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// # greenery::run(async {
    /// let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let addr = listener.local_addr().unwrap();
    /// assert!(addr.ip().is_loopback() && addr.port() != 0); // port 0 picked a free port
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().local_addr()
    }

    /// Sets `IP_TTL` for accepted connections.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// listener.set_ttl(42).unwrap();
    /// assert_eq!(listener.ttl().unwrap(), 42);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert!(listener.ttl().unwrap() > 0); // the system default, usually 64
    /// # });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get().ttl()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// assert!(listener.take_error().unwrap().is_none()); // nothing went wrong
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get().take_error()
    }
}

fd_impls!(TcpListener);

/// The connections of a [`TcpListener`]: a [`Stream`] of `io::Result<TcpStream>` that never
/// ends. Made by [`TcpListener::incoming`].
///
/// ```
/// use futures_core::Stream;
/// use std::{future::poll_fn, pin::Pin};
/// # greenery::run(async {
/// # let listener = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let client = greenery::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
/// let mut incoming: greenery::net::Incoming<'_> = listener.incoming();
/// let server = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await.unwrap().unwrap();
/// assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}

/// A TCP connection (std's `TcpStream`, async).
///
/// Every operation takes `&self`, as `std::io::Read for &TcpStream` does, so one task may
/// read while another writes (see [`split`](Self::split) and
/// [`into_split`](Self::into_split)); when several tasks wait in one direction, every one
/// of them is woken on readiness and retries. Reads return `Ok(0)` at end of stream; a refused connection, a reset and a timeout
/// are `io::Error`s of kind `ConnectionRefused`, `ConnectionReset` and `TimedOut`.
///
/// ```
/// use std::net::Shutdown;
/// use greenery::net::{TcpListener, TcpStream};
///
/// greenery::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     // Loopback connect completes before the server accepts (SEMANTICS rule 38).
///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
///     let (server, _) = listener.accept().await.unwrap();
///     client.write_all(b"bye").await.unwrap();
///     client.shutdown(Shutdown::Write).unwrap();
///     let mut got = Vec::new();
///     server.read_to_end(&mut got).await.unwrap();
///     assert_eq!(got, b"bye");
/// });
/// ```
pub struct TcpStream {
    inner: Registered<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each resolved address in turn (host names are resolved
    /// off the loop). Waits for the handshake without blocking other tasks.
    ///
    /// ```
    /// greenery::run(async {
    ///     // Find a port nobody listens on.
    ///     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    ///     let err = greenery::net::TcpStream::connect(port).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// });
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        each_addr(addr, TcpStream::connect_addr).await
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        // A non-blocking connect is done when the socket turns writable: then SO_ERROR says
        // how it went, and a peer address proves it connected (see mio's `connect` docs).
        loop {
            stream.inner.ready(Direction::Write).await;
            if let Some(err) = stream.inner.get().take_error()? {
                return Err(err);
            }
            match stream.inner.get().peer_addr() {
                Ok(_) => return Ok(stream),
                Err(err)
                    if err.kind() == io::ErrorKind::NotConnected
                        || err.raw_os_error() == Some(libc::EINPROGRESS) =>
                {
                    stream.inner.clear_ready(Direction::Write);
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Wraps a connected stream made with std (it is switched to non-blocking mode).
    ///
    /// ```
    /// # greenery::run(async {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = greenery::net::TcpStream::from_std(std).unwrap();
    /// assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// # });
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// The registered socket, for `greenery::io` and `greenery::hyper`.
    pub(crate) fn registered(&self) -> &Registered<mio::net::TcpStream> {
        &self.inner
    }

    fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            inner: Registered::new(stream, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// Reads into `buf`; returns how many bytes arrived, `0` at end of stream.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.write_all(b"hello").await.unwrap();
    /// let mut buf = [0; 16];
    /// let n = s.read(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"hello");
    /// # });
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).await
    }

    /// Polls a read into `buf`: the building block of [`read`](Self::read).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.write_all(b"hi").await.unwrap();
    /// let mut buf = [0; 8];
    /// let n = poll_fn(|cx| s.poll_read(cx, &mut buf)).await.unwrap();
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
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.write_all(b"ab").await.unwrap();
    /// c.shutdown(std::net::Shutdown::Write).unwrap();
    /// let mut buf = [0; 3]; // one more byte than will ever arrive
    /// let err = s.read_exact(&mut buf).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # });
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_exact(buf).await
    }

    /// Reads until end of stream, appending to `buf`; returns how many bytes were read.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.write_all(b"all of it").await.unwrap();
    /// drop(c); // closing the connection ends the stream
    /// let mut got = Vec::new();
    /// assert_eq!(s.read_to_end(&mut got).await.unwrap(), 9);
    /// assert_eq!(got, b"all of it");
    /// # });
    /// ```
    pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.inner.read_to_end(buf).await
    }

    /// Reads into `buf` without taking the bytes off the stream.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.write_all(b"peek").await.unwrap();
    /// let mut buf = [0; 4];
    /// assert_eq!(s.peek(&mut buf).await.unwrap(), 4);
    /// s.read_exact(&mut buf).await.unwrap(); // the peeked bytes are still there
    /// assert_eq!(&buf, b"peek");
    /// # });
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.io(Direction::Read, |s| s.peek(buf)).await
    }

    /// Writes some of `buf`; returns how many bytes the kernel took.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// assert_eq!(c.write(b"some bytes").await.unwrap(), 10); // an empty buffer takes all
    /// let mut buf = [0; 10];
    /// s.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"some bytes");
    /// # });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).await
    }

    /// Polls a write of `buf`: the building block of [`write`](Self::write).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// assert_eq!(poll_fn(|cx| c.poll_write(cx, b"hi")).await.unwrap(), 2);
    /// let mut buf = [0; 2];
    /// s.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"hi");
    /// # });
    /// ```
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    /// Writes all of `buf`, waiting for buffer space as often as needed.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// let reader = greenery::spawn(async move {
    ///     let mut got = Vec::new();
    ///     s.read_to_end(&mut got).await.unwrap();
    ///     got.len()
    /// });
    /// let big = vec![7u8; 1 << 20]; // more than the socket buffers hold
    /// c.write_all(&big).await.unwrap();
    /// drop(c);
    /// assert_eq!(reader.await.unwrap(), big.len());
    /// # });
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).await
    }

    /// Does nothing: TCP has no user-space buffer. Here for std's `Write` shape.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.write_all(b"x").await.unwrap();
    /// c.flush().await.unwrap(); // a no-op: the byte is already in the kernel
    /// let mut buf = [0; 1];
    /// s.read_exact(&mut buf).await.unwrap();
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
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.shutdown(Shutdown::Write).unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(s.read(&mut buf).await.unwrap(), 0); // the peer reads end of stream
    /// # });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get().shutdown(how)
    }

    /// The local address of the connection.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// assert_eq!(c.local_addr().unwrap(), s.peer_addr().unwrap());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// assert_eq!(c.peer_addr().unwrap(), l.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().peer_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when `true`).
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let s = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// s.set_nodelay(true).unwrap();
    /// assert!(s.nodelay().unwrap());
    /// # });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.get().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// assert!(!c.nodelay().unwrap()); // Nagle's algorithm is on by default
    /// c.set_nodelay(true).unwrap();
    /// assert!(c.nodelay().unwrap());
    /// # });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.get().nodelay()
    }

    /// Sets `IP_TTL`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// c.set_ttl(7).unwrap();
    /// assert_eq!(c.ttl().unwrap(), 7);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// assert!(c.ttl().unwrap() > 0); // the system default, usually 64
    /// # });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get().ttl()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let l = greenery::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let c = greenery::net::TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    /// # let (s, _) = l.accept().await.unwrap();
    /// assert!(c.take_error().unwrap().is_none()); // a healthy connection
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get().take_error()
    }

    /// Borrowed read and write halves: a reader and a writer for two futures driven
    /// concurrently by one task (with a join combinator), or passed to code that wants
    /// one direction only. To use the halves from two tasks, see
    /// [`into_split`](Self::into_split).
    ///
    /// ```
    /// use greenery::net::{TcpListener, TcpStream};
    ///
    /// greenery::run(async {
    ///     let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     let (reader, writer) = s.split();
    ///     c.write_all(b"ping").await.unwrap();
    ///     let mut buf = [0; 4];
    ///     reader.read_exact(&mut buf).await.unwrap();
    ///     writer.write_all(&buf).await.unwrap();
    ///     let mut back = [0; 4];
    ///     c.read_exact(&mut back).await.unwrap();
    ///     assert_eq!(&back, b"ping");
    /// });
    /// ```
    pub fn split(&self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf { stream: self }, WriteHalf { stream: self })
    }

    /// Owned read and write halves, to move into separate tasks;
    /// [`OwnedReadHalf::reunite`] puts them back together. The connection closes when
    /// both halves are dropped.
    ///
    /// ```
    /// use greenery::net::{TcpListener, TcpStream};
    ///
    /// greenery::run(async {
    ///     let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
    ///     let (s, _) = l.accept().await.unwrap();
    ///     let (reader, writer) = s.into_split();
    ///     let echo = greenery::spawn(async move {
    ///         let mut buf = [0; 4];
    ///         reader.read_exact(&mut buf).await.unwrap();
    ///         buf
    ///     });
    ///     writer.write_all(b"late").await.unwrap(); // the server writes...
    ///     c.write_all(b"ping").await.unwrap(); // ...while its reader task waits
    ///     assert_eq!(&echo.await.unwrap(), b"ping");
    /// });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Rc::new(self);
        (
            OwnedReadHalf {
                stream: stream.clone(),
            },
            OwnedWriteHalf { stream },
        )
    }
}

fd_impls!(TcpStream);
