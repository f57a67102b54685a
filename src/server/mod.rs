//! Servers: [`StreamServer`] runs one task per TCP connection (gevent's
//! `gevent.server.StreamServer`, the seeds' `socketserver.ThreadingTCPServer`).
//!
//! A server owns a listening socket and a handler: an async closure that gets each accepted
//! [`TcpStream`](crate::net::TcpStream) and the peer's address. Every connection runs the
//! handler in its own task, so a slow client holds up nobody else.
//!
//! ```
//! use greenery::net::TcpStream;
//! use greenery::server::StreamServer;
//!
//! greenery::run(async {
//!     let server = StreamServer::bind("127.0.0.1:0", |conn: TcpStream, _peer| async move {
//!         let mut buf = [0; 64];
//!         let n = conn.read(&mut buf).await.unwrap_or(0);
//!         let _ = conn.write_all(&buf[..n]).await;
//!     })
//!     .await
//!     .unwrap();
//!     server.start(); // accept in a task of its own
//!
//!     let client = TcpStream::connect(server.local_addr()).await.unwrap();
//!     client.write_all(b"ping").await.unwrap();
//!     let mut back = [0; 4];
//!     client.read_exact(&mut back).await.unwrap();
//!     assert_eq!(&back, b"ping");
//!
//!     server.stop().await; // stop accepting, let handlers finish, close the listener
//!     assert!(server.is_closed());
//! });
//! ```
//!
//! # What it does for you
//!
//! * **Serving.** [`serve_forever`](StreamServer::serve_forever) accepts in the calling
//!   task until the server is stopped; [`start`](StreamServer::start) does the same in a
//!   spawned task and returns at once.
//! * **Bounding.** [`with_pool`](StreamServer::with_pool) runs handlers in a
//!   [`Pool`](crate::pool::Pool): when every slot is taken the server stops accepting (new
//!   connections wait in the kernel's backlog) and admits them in arrival order as handlers
//!   end. Without a pool, handlers run in an unbounded [`Group`](crate::pool::Group).
//! * **Stopping.** [`stop`](StreamServer::stop) stops accepting and closes the listener
//!   (new connections are refused), then gives the running handlers
//!   [`DEFAULT_STOP_TIMEOUT`](StreamServer::DEFAULT_STOP_TIMEOUT) (gevent's 1 s) to finish
//!   and kills the rest; [`stop_timeout`](StreamServer::stop_timeout) picks the grace
//!   period. Call it from any task except a handler of the same server (it would wait for
//!   itself): from a handler, `greenery::spawn` a task that stops the server.
//! * **Accept errors.** Errors from `accept` are counted
//!   ([`accept_errors`](StreamServer::accept_errors)) and passed to the callback set with
//!   [`on_accept_error`](StreamServer::on_accept_error) (the library never prints). Running
//!   out of file descriptors (`EMFILE`, `ENFILE`) or kernel memory makes the server back off
//!   (10 ms, doubling up to 1 s, as gevent does) and then accept again, so it keeps serving
//!   once descriptors free up instead of spinning; an error about one aborted connection is
//!   retried at once; an error that means the listener itself is unusable (`EBADF`,
//!   `EINVAL`, `ENOTSOCK`) ends the serving with that error.
//! * **Panics.** A handler that panics ends its own task only: the server keeps serving.
//!   The runtime reports the panic according to its [`PanicPolicy`](crate::PanicPolicy).

mod stream;

pub use stream::StreamServer;
