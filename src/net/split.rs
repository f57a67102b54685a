//! The halves of a [`TcpStream`]: one task reads while another writes.

use std::error::Error;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::TcpStream;

/// The reading half of a [`TcpStream`], borrowed by [`TcpStream::split`].
#[derive(Debug, Clone, Copy)]
pub struct ReadHalf<'a> {
    pub(super) stream: &'a TcpStream,
}

/// The writing half of a [`TcpStream`], borrowed by [`TcpStream::split`].
#[derive(Debug, Clone, Copy)]
pub struct WriteHalf<'a> {
    pub(super) stream: &'a TcpStream,
}

/// The reading half of a [`TcpStream`], owned: made by [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    pub(super) stream: Rc<TcpStream>,
}

/// The writing half of a [`TcpStream`], owned: made by [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedWriteHalf {
    pub(super) stream: Rc<TcpStream>,
}

macro_rules! read_methods {
    () => {
        /// Reads into `buf` (see [`TcpStream::read`]).
        pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
            self.stream.read(buf).await
        }

        /// Polls a read (see [`TcpStream::poll_read`]).
        pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            self.stream.poll_read(cx, buf)
        }

        /// Reads exactly `buf.len()` bytes (see [`TcpStream::read_exact`]).
        pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
            self.stream.read_exact(buf).await
        }

        /// Reads until end of stream (see [`TcpStream::read_to_end`]).
        pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
            self.stream.read_to_end(buf).await
        }

        /// Reads without consuming (see [`TcpStream::peek`]).
        pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
            self.stream.peek(buf).await
        }

        /// The local address of the connection.
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.stream.local_addr()
        }

        /// The peer's address.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.stream.peer_addr()
        }
    };
}

macro_rules! write_methods {
    () => {
        /// Writes some of `buf` (see [`TcpStream::write`]).
        pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
            self.stream.write(buf).await
        }

        /// Polls a write (see [`TcpStream::poll_write`]).
        pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.stream.poll_write(cx, buf)
        }

        /// Writes all of `buf` (see [`TcpStream::write_all`]).
        pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
            self.stream.write_all(buf).await
        }

        /// Does nothing (see [`TcpStream::flush`]).
        pub async fn flush(&self) -> io::Result<()> {
            Ok(())
        }

        /// Shuts down the write direction: the peer reads end of stream.
        pub fn shutdown(&self) -> io::Result<()> {
            self.stream.shutdown(Shutdown::Write)
        }

        /// The local address of the connection.
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.stream.local_addr()
        }

        /// The peer's address.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.stream.peer_addr()
        }
    };
}

impl ReadHalf<'_> {
    read_methods!();
}

impl OwnedReadHalf {
    read_methods!();

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
    write_methods!();
}

impl OwnedWriteHalf {
    write_methods!();

    /// Puts the halves of one stream back together (see [`OwnedReadHalf::reunite`]).
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        other.reunite(self)
    }
}

/// The halves given to `reunite` came from different streams; here they are back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same TcpStream")
    }
}

impl Error for ReuniteError {}
