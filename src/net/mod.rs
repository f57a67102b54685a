//! Sockets on the reactor: TCP, UDP and Unix domain sockets with std's method names, made
//! async.
//!
//! Each type mirrors its `std::net` (or `std::os::unix::net`) namesake: the same
//! constructors, the same `read`/`write`/`accept`/`send_to`/`recv_from`/`shutdown`/option
//! methods, with `.await` where std would block. Blocking here parks only the calling task:
//! the others keep running on the same thread.
//!
//! # An echo server in twenty lines
//!
//! ```
//! use greenery::net::{TcpListener, TcpStream};
//!
//! greenery::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     // One task per connection, all on this thread.
//!     let server = greenery::spawn(async move {
//!         loop {
//!             let (conn, _) = listener.accept().await.unwrap();
//!             greenery::spawn(async move {
//!                 let mut buf = [0; 1024];
//!                 loop {
//!                     match conn.read(&mut buf).await {
//!                         Ok(0) | Err(_) => break, // end of stream, or the peer reset
//!                         Ok(n) => conn.write_all(&buf[..n]).await.unwrap(),
//!                     }
//!                 }
//!             });
//!         }
//!     });
//!     let clients: Vec<_> = (0..3u8)
//!         .map(|i| {
//!             greenery::spawn(async move {
//!                 let conn = TcpStream::connect(addr).await.unwrap();
//!                 conn.write_all(&[i; 3]).await.unwrap();
//!                 let mut back = [0; 3];
//!                 conn.read_exact(&mut back).await.unwrap();
//!                 back
//!             })
//!         })
//!         .collect();
//!     for (i, client) in clients.into_iter().enumerate() {
//!         assert_eq!(client.await.unwrap(), [i as u8; 3]);
//!     }
//!     server.kill();
//! });
//! ```
//!
//! # How it works, and what to expect
//!
//! * Every socket is non-blocking and registered with the runtime's mio reactor
//!   (edge-triggered). An operation is tried at once; only when the OS answers `WouldBlock`
//!   does the task park until the reactor reports the socket ready again. So a loopback
//!   `connect` completes without waiting for the server to `accept` (SEMANTICS rule 38), and
//!   a read with data already buffered does not yield.
//! * Sockets need a running runtime: creating one outside [`run`](crate::run) is an error.
//! * A task waiting for IO keeps the runtime alive: a server blocked in `accept` is not a
//!   [`LoopExit`](crate::LoopExit) (SEMANTICS rule 15). Bound waits with
//!   [`time::timeout`](crate::time::timeout); its `Elapsed` converts into an `io::Error` of
//!   kind `TimedOut`.
//! * Errors are std's: `read` returns `Ok(0)` at end of stream; a refused connection, a
//!   reset, a half-closed write end, an address in use surface as `io::Error` with the
//!   kinds `ConnectionRefused`, `ConnectionReset`, `BrokenPipe`, `AddrInUse`.
//! * Host names (`"localhost:6379"`) are resolved by the system resolver on the blocking
//!   pool ([`spawn_blocking`](crate::spawn_blocking)); each address is tried in turn, as std
//!   does. IP literals skip the pool.
//! * All operations take `&self`. A [`TcpStream`] can be [`split`](TcpStream::split) (or
//!   [`into_split`](TcpStream::into_split) to move the halves into two tasks) so one task
//!   reads while another writes. Several tasks may wait in one direction (two acceptors
//!   sharing a listener): readiness wakes them all, and each retries its operation.
//! * Dropping a socket closes it; a task of yours blocked on it (through an `Rc`) is woken.
//!   To make another task's blocked `read` return, [`shutdown`](TcpStream::shutdown) the
//!   socket: the read returns `Ok(0)`.
//! * With the cargo feature `futures-io`, [`TcpStream`], its owned halves and [`UnixStream`]
//!   implement `futures_io::AsyncRead` and `AsyncWrite`.

/// `AsRawFd`, `AsFd` and `Debug` for socket types, through the mio socket each one wraps
/// (its `inner: Registered<_>`).
macro_rules! fd_impls {
    ($($ty:ty),*) => {$(
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(self.inner.get())
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(self.inner.get())
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(self.inner.get(), f)
            }
        }
    )*};
}

mod addr;
#[cfg(feature = "futures-io")]
mod futures_io;
#[cfg(feature = "futures-io")]
pub(crate) use futures_io::async_read;
pub(crate) mod io_util;
pub(crate) mod registered;
mod split;
mod tcp;
mod udp;
mod unix;
mod unix_datagram;

pub use addr::{lookup_host, ToSocketAddrs};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, SocketAddrV4, SocketAddrV6};
pub use tcp::{Incoming, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixIncoming, UnixListener, UnixStream};
pub use unix_datagram::UnixDatagram;
