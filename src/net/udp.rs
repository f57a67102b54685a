//! UDP: [`UdpSocket`].

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::task::{Context, Poll};

use mio::Interest;

use super::addr::{each_addr, lookup_host, ToSocketAddrs};
use super::registered::Registered;
use crate::runtime::io::Direction;

/// A UDP socket (std's `UdpSocket`, async).
///
/// ```
/// use greenery::net::UdpSocket;
///
/// greenery::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// });
/// ```
pub struct UdpSocket {
    inner: Registered<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port), trying each resolved address.
    ///
    /// ```
    /// # greenery::run(async {
    /// let socket = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_ne!(socket.local_addr().unwrap().port(), 0); // port 0 picked a free port
    /// # });
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| async move {
            UdpSocket::from_mio(mio::net::UdpSocket::bind(addr)?)
        })
        .await
    }

    /// Wraps a socket made with std (it is switched to non-blocking mode).
    ///
    /// ```
    /// # greenery::run(async {
    /// let std = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let addr = std.local_addr().unwrap();
    /// let socket = greenery::net::UdpSocket::from_std(std).unwrap();
    /// assert_eq!(socket.local_addr().unwrap(), addr);
    /// # });
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        UdpSocket::from_mio(mio::net::UdpSocket::from_std(socket))
    }

    fn from_mio(socket: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            inner: Registered::new(socket, Interest::READABLE | Interest::WRITABLE)?,
        })
    }

    /// Sets the default peer for [`send`](Self::send) and the only source
    /// [`recv`](Self::recv) accepts, trying each resolved address.
    ///
    /// ```
    /// greenery::run(async {
    ///     let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.connect(b.local_addr().unwrap()).await.unwrap();
    ///     b.connect(a.local_addr().unwrap()).await.unwrap();
    ///     a.send(b"hi").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv(&mut buf).await.unwrap(), 2);
    /// });
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        each_addr(addr, |addr| async move { self.inner.get().connect(addr) }).await
    }

    /// Sends `buf` to `target` (its first resolved address); returns the bytes sent.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_eq!(a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap(), 4);
    /// let mut buf = [0; 8];
    /// assert_eq!(b.recv_from(&mut buf).await.unwrap(), (4, a.local_addr().unwrap()));
    /// # });
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = lookup_host(target)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to")
            })?;
        self.inner
            .io(Direction::Write, |s| s.send_to(buf, target))
            .await
    }

    /// Receives one datagram into `buf` and returns its length and sender. A datagram
    /// longer than `buf` is truncated.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"too long", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 3];
    /// let (n, from) = b.recv_from(&mut buf).await.unwrap();
    /// assert_eq!((&buf[..n], from), (&b"too"[..], a.local_addr().unwrap())); // truncated
    /// # });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.io(Direction::Read, |s| s.recv_from(buf)).await
    }

    /// Polls for a datagram: the building block of [`recv_from`](Self::recv_from).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// let (n, _) = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
    /// assert_eq!(&buf[..n], b"hi");
    /// # });
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.inner
            .poll_io(cx, Direction::Read, |s| s.recv_from(buf))
    }

    /// Receives the next datagram into `buf` without removing it from the queue.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// let peeked = b.peek_from(&mut buf).await.unwrap();
    /// assert_eq!(b.recv_from(&mut buf).await.unwrap(), peeked); // it was still queued
    /// # });
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.io(Direction::Read, |s| s.peek_from(buf)).await
    }

    /// Sends `buf` to the connected peer.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(a.send(b"hi").await.unwrap(), 2);
    /// let mut buf = [0; 8];
    /// assert_eq!(b.recv_from(&mut buf).await.unwrap(), (2, a.local_addr().unwrap()));
    /// # });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives a datagram from the connected peer.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// b.connect(a.local_addr().unwrap()).await.unwrap();
    /// a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 2);
    /// # });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.io(Direction::Read, |s| s.recv(buf)).await
    }

    /// Receives a datagram from the connected peer without removing it from the queue.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// b.connect(a.local_addr().unwrap()).await.unwrap();
    /// a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// assert_eq!(b.peek(&mut buf).await.unwrap(), 2);
    /// assert_eq!(b.recv(&mut buf).await.unwrap(), 2); // it was still queued
    /// # });
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.io(Direction::Read, |s| s.peek(buf)).await
    }

    /// The address the socket is bound to.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(a.local_addr().unwrap().ip().is_loopback());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().local_addr()
    }

    /// The connected peer's address (`NotConnected` if none).
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_eq!(a.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get().peer_addr()
    }

    /// Sets `SO_BROADCAST`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.set_broadcast(true).unwrap();
    /// assert!(a.broadcast().unwrap());
    /// # });
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner.get().set_broadcast(on)
    }

    /// Reads `SO_BROADCAST`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(!a.broadcast().unwrap()); // off by default
    /// # });
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.get().broadcast()
    }

    /// Sets `IP_TTL`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.set_ttl(9).unwrap();
    /// assert_eq!(a.ttl().unwrap(), 9);
    /// # });
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(a.ttl().unwrap() > 0); // the system default, usually 64
    /// # });
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get().ttl()
    }

    /// Joins an IPv4 multicast group on `interface`.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let group = Ipv4Addr::new(239, 1, 2, 3);
    /// a.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    /// let err = a.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse); // already a member
    /// # });
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.get().join_multicast_v4(multiaddr, interface)
    }

    /// Joins an IPv6 multicast group on interface index `interface`.
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// # greenery::run(async {
    /// let a = greenery::net::UdpSocket::bind("[::1]:0").await.unwrap();
    /// let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x1234);
    /// a.join_multicast_v6(&group, 1).unwrap(); // interface 1: loopback
    /// a.leave_multicast_v6(&group, 1).unwrap();
    /// # });
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.get().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let group = Ipv4Addr::new(239, 1, 2, 3);
    /// a.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    /// a.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    /// assert!(a.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).is_err()); // not a member now
    /// # });
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.get().leave_multicast_v4(multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group.
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// # greenery::run(async {
    /// let a = greenery::net::UdpSocket::bind("[::1]:0").await.unwrap();
    /// let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x1234);
    /// a.join_multicast_v6(&group, 1).unwrap(); // interface 1: loopback
    /// a.leave_multicast_v6(&group, 1).unwrap();
    /// assert!(a.leave_multicast_v6(&group, 1).is_err()); // not a member now
    /// # });
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.get().leave_multicast_v6(multiaddr, interface)
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// ```
    /// # greenery::run(async {
    /// # let a = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(a.take_error().unwrap().is_none()); // nothing went wrong
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.get().take_error()
    }
}

fd_impls!(UdpSocket);
