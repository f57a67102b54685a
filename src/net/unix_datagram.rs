//! Unix datagram sockets: [`UnixDatagram`].

use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use mio::Interest;

use super::registered::Registered;
use crate::runtime::io::Direction;

/// A Unix datagram socket (std's `UnixDatagram`, async).
///
/// ```
/// greenery::run(async {
///     let (a, b) = greenery::net::UnixDatagram::pair().unwrap();
///     a.send(b"one").await.unwrap();
///     a.send(b"two").await.unwrap();
///     let mut buf = [0; 8];
///     assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
///     assert_eq!(&buf[..3], b"one");
/// });
/// ```
pub struct UnixDatagram {
    inner: Registered<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// A socket bound to the socket file `path`.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let socket = greenery::net::UnixDatagram::bind(&path).unwrap();
    ///     assert_eq!(socket.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let server = greenery::net::UnixDatagram::bind(&path).unwrap();
    ///     let client = greenery::net::UnixDatagram::unbound().unwrap();
    ///     client.send_to(b"hi", &path).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, from) = server.recv_from(&mut buf).await.unwrap();
    ///     assert!(n == 2 && from.is_unnamed()); // no address to answer to
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of sockets.
    ///
    /// ```
    /// # greenery::run(async {
    /// let (a, b) = greenery::net::UnixDatagram::pair().unwrap();
    /// b.send(b"to a").await.unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(a.recv(&mut buf).await.unwrap(), 4);
    /// # });
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    /// Wraps a socket made with std (it is switched to non-blocking mode).
    ///
    /// ```
    /// # greenery::run(async {
    /// let (std_a, std_b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    /// let a = greenery::net::UnixDatagram::from_std(std_a).unwrap();
    /// std_b.send(b"hi").unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(a.recv(&mut buf).await.unwrap(), 2);
    /// # });
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_mio(mio::net::UnixDatagram::from_std(socket))
    }

    fn from_mio(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            inner: Registered::new(socket, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// Sets the default peer for [`send`](Self::send) (never blocks for Unix sockets).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let server = greenery::net::UnixDatagram::bind(&path).unwrap();
    ///     let client = greenery::net::UnixDatagram::unbound().unwrap();
    ///     client.connect(&path).unwrap();
    ///     client.send(b"hi").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(server.recv(&mut buf).await.unwrap(), 2);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner.get().connect(path)
    }

    /// Sends `buf` to the socket at `path`.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let server = greenery::net::UnixDatagram::bind(&path).unwrap();
    ///     let client = greenery::net::UnixDatagram::unbound().unwrap();
    ///     assert_eq!(client.send_to(b"ping", &path).await.unwrap(), 4);
    ///     let mut buf = [0; 8];
    ///     assert_eq!(server.recv(&mut buf).await.unwrap(), 4);
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.inner
            .io(Direction::Write, |s| s.send_to(buf, path))
            .await
    }

    /// Receives one datagram into `buf`; returns its length and sender.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let server = greenery::net::UnixDatagram::bind(&path).unwrap();
    ///     let client = greenery::net::UnixDatagram::bind(path.with_extension("client")).unwrap();
    ///     client.send_to(b"ping", &path).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, from) = server.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!((n, from.as_pathname()), (4, Some(path.with_extension("client").as_path())));
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.io(Direction::Read, |s| s.recv_from(buf)).await
    }

    /// Sends `buf` to the connected peer.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixDatagram::pair().unwrap();
    /// assert_eq!(a.send(b"ping").await.unwrap(), 4);
    /// let mut buf = [0; 8];
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
    /// # });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixDatagram::pair().unwrap();
    /// a.send(b"too long").await.unwrap();
    /// let mut buf = [0; 3];
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 3); // the rest of the datagram is lost
    /// assert_eq!(&buf, b"too");
    /// # });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.io(Direction::Read, |s| s.recv(buf)).await
    }

    /// Shuts down reading, writing, or both.
    ///
    /// ```
    /// use std::net::Shutdown;
    /// # greenery::run(async {
    /// # let (a, b) = greenery::net::UnixDatagram::pair().unwrap();
    /// a.shutdown(Shutdown::Write).unwrap();
    /// let err = a.send(b"late").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    /// # });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get().shutdown(how)
    }

    /// The local address.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let socket = greenery::net::UnixDatagram::bind(&path).unwrap();
    ///     assert_eq!(socket.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    ///     let unbound = greenery::net::UnixDatagram::unbound().unwrap();
    ///     assert!(unbound.local_addr().unwrap().is_unnamed());
    /// });
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("greenery-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("doc.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// greenery::run(async {
    ///     let _server = greenery::net::UnixDatagram::bind(&path).unwrap();
    ///     let client = greenery::net::UnixDatagram::unbound().unwrap();
    ///     client.connect(&path).unwrap();
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
    /// # let (a, b) = greenery::net::UnixDatagram::pair().unwrap();
    /// assert!(a.take_error().unwrap().is_none()); // nothing went wrong
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get().take_error()
    }
}

fd_impls!(UnixDatagram);
