//! IO beyond sockets: readiness for any file descriptor ([`AsyncFd`]) and buffered reading
//! and writing ([`BufReader`], [`BufWriter`], [`Lines`]) on every greenery stream.
//!
//! * [`AsyncFd`] puts any non-blocking descriptor on the reactor: a pipe, a terminal, an
//!   `eventfd`, an `inotify` descriptor, a child's pipes (which [`crate::process`] wraps
//!   already). tokio's `AsyncFd`, smol's `Async`.
//! * [`BufReader`] adds `read_line`, `read_until`, [`lines`](BufReader::lines),
//!   `fill_buf`/`consume`; [`BufWriter`] collects small writes until
//!   [`flush`](BufWriter::flush). Together they are gevent's `socket.makefile()`. They
//!   wrap any [`PollRead`] / [`PollWrite`]: TCP and Unix streams (or references to them, so
//!   one stream can have a reader and a writer at once), their halves, [`AsyncFd`], a
//!   child's pipes. No cargo feature needed.
//! * With the `futures-io` feature, [`AsyncFd`], [`BufReader`] and [`BufWriter`] (like the
//!   socket types) implement `futures_io::AsyncRead`/`AsyncBufRead`/`AsyncWrite`.
//!
//! A line-oriented server, gevent's `makefile()` style:
//!
//! ```
//! use greenery::io::{BufReader, BufWriter};
//! use greenery::net::{TcpListener, TcpStream};
//!
//! greenery::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     greenery::spawn(async move {
//!         let (conn, _) = listener.accept().await.unwrap();
//!         let mut lines = BufReader::new(&conn).lines();
//!         let mut out = BufWriter::new(&conn);
//!         while let Some(line) = lines.next().await {
//!             out.write_all(line.unwrap().to_uppercase().as_bytes()).await.unwrap();
//!             out.write_all(b"\n").await.unwrap();
//!             out.flush().await.unwrap();
//!         }
//!     });
//!
//!     let client = TcpStream::connect(addr).await.unwrap();
//!     client.write_all(b"hello\nworld\n").await.unwrap();
//!     let mut replies = BufReader::new(&client);
//!     let mut line = String::new();
//!     replies.read_line(&mut line).await.unwrap();
//!     replies.read_line(&mut line).await.unwrap();
//!     assert_eq!(line, "HELLO\nWORLD\n");
//! });
//! ```

mod async_fd;
mod buf_reader;
mod buf_writer;
#[cfg(feature = "futures-io")]
mod futures_io;
mod stream;
pub(crate) mod sys;
mod wait;

pub use async_fd::AsyncFd;
pub use buf_reader::{BufReader, Lines};
pub use buf_writer::BufWriter;
pub use stream::{PollRead, PollWrite};

pub(crate) use stream::sealed;
