//! One connection: read what the client sent, run every complete request in it
//! (pipelining), write the replies with one `write_all`; with bounded memory.
//!
//! * The input buffer holds the request being received (its arguments are ranges into it).
//!   Its allocation grows by doubling, but only the part about to be read into is touched,
//!   so the memory in use follows the bytes received; it is given back once a large
//!   request is done.
//! * A request bigger than the query buffer limit (`--client-query-buffer-limit`, 1 GB by
//!   default, as Redis's `client-query-buffer-limit`) closes the connection.
//! * Replies are flushed as soon as [`OUTPUT_LIMIT`] bytes are pending, and writing waits
//!   for the client to read, so a client that never reads stops its own connection (the
//!   server stops reading from it) instead of growing a buffer.
//!
//! A malformed request gets `-ERR Protocol error: ...`, as Redis answers, and the connection
//! is closed cleanly: the write side is shut down first and unread input is drained for a
//! moment, so the client reads the error instead of a reset. A request cut short by the end
//! of the stream, or over the query buffer limit, gets the same treatment.

use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::time::Duration;

use greenery::net::TcpStream;

use crate::commands::{execute, Args, Next};
use crate::info::add;
use crate::resp::{self, Parser, ProtocolError};
use crate::Shared;

/// Pending reply bytes that trigger a write before more requests run.
pub const OUTPUT_LIMIT: usize = 64 * 1024;
/// Room for one read.
const READ_CHUNK: usize = 16 * 1024;
/// Room for one read into a large bulk string whose length is known.
const BULK_READ: usize = 1 << 20;
/// Buffers bigger than this are given back after the request that needed them.
const KEEP: usize = 4 * READ_CHUNK;

/// What a client over the query buffer limit reads before the connection closes. Redis
/// closes such a client without a reply and logs `Closing client that reached max query
/// buffer length`; mini_redis sends that line first, so the client knows why.
pub const QUERY_BUFFER_LIMIT_ERROR: &str =
    "ERR Closing client that reached max query buffer length";

/// The bytes read from a connection and not yet parsed: `buf[start..end]`, starting with
/// the request being received.
struct Input {
    /// Its length is the part of the allocation written so far (bytes read, or zeros
    /// for the next read); the rest of the capacity is untouched, so not resident.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The query buffer limit: the longest request.
    limit: usize,
}

impl Input {
    fn new(limit: usize) -> Input {
        Input {
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            limit,
        }
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Free space for the next read: moves pending bytes to the front, or makes room after
    /// them when the request being received fills the buffer: the next [`READ_CHUNK`], or
    /// up to [`BULK_READ`] of a bulk string known to end at `known_len`. The allocation
    /// doubles (up to the limit) but only that room is zero-filled.
    fn spare(&mut self, known_len: usize) -> &mut [u8] {
        if self.buf.len() - self.end < READ_CHUNK / 4 {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < READ_CHUNK / 4 {
                let most = self.limit.saturating_add(READ_CHUNK);
                let room = known_len
                    .saturating_sub(self.end)
                    .clamp(READ_CHUNK, BULK_READ);
                let len = (self.end + room).min(most);
                if len > self.buf.capacity() {
                    let capacity = (2 * self.buf.capacity()).clamp(len, most.max(len));
                    self.buf.reserve_exact(capacity - self.buf.len());
                }
                self.buf.resize(len, 0);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Gives back a large buffer once most of it is no longer needed.
    fn shrink(&mut self) {
        let pending = self.end - self.start;
        if self.buf.capacity() > KEEP && pending < self.buf.capacity() / 4 {
            let mut buf = vec![0; (2 * pending).max(READ_CHUNK)];
            buf[..pending].copy_from_slice(self.pending());
            self.buf = buf;
            self.start = 0;
            self.end = pending;
        }
    }
}

/// Serves one connection until it closes.
pub async fn serve(conn: TcpStream, shared: Rc<Shared>) -> io::Result<()> {
    conn.set_nodelay(true)?;
    let stats = &shared.stats;
    add(&stats.total_connections_received, 1);
    let mut input = Input::new(shared.config.query_buffer_limit);
    let mut parser = Parser::new(shared.config.limits);
    let mut out = Vec::with_capacity(1024);
    loop {
        let n = conn.read(input.spare(parser.known_len())).await?;
        add(&stats.total_reads_processed, 1);
        add(&stats.total_net_input_bytes, n as u64);
        if n == 0 {
            if input.pending().is_empty() {
                return Ok(());
            }
            let error = "ERR Protocol error: unexpected end of stream in a request";
            return close_with(&conn, &mut out, error).await;
        }
        input.end += n;
        let scanned = parser.scanned();
        loop {
            let len = match parser.parse(input.pending()) {
                Ok(Some(len)) => len,
                Ok(None) => break,
                Err(ProtocolError(error)) => {
                    let error = format!("ERR Protocol error: {error}");
                    return close_with(&conn, &mut out, &error).await;
                }
            };
            let next = if parser.args().is_empty() {
                Next::Continue
            } else {
                let request = Args {
                    data: input.pending(),
                    ranges: parser.args(),
                };
                execute(&shared, &request, &mut out)
            };
            input.consume(len);
            if next == Next::Close {
                conn.write_all(&out).await?;
                return Ok(());
            }
            if out.len() >= OUTPUT_LIMIT {
                conn.write_all(&out).await?; // waits while the client does not read
                out.clear();
            }
        }
        add(&stats.parser_scanned_bytes, parser.scanned() - scanned);
        if input.pending().len().max(parser.known_len()) > input.limit {
            add(&stats.client_query_buffer_limit_disconnections, 1);
            return close_with(&conn, &mut out, QUERY_BUFFER_LIMIT_ERROR).await;
        }
        if !out.is_empty() {
            conn.write_all(&out).await?;
            out.clear();
        }
        input.shrink();
        parser.shrink();
        if out.capacity() > 4 * OUTPUT_LIMIT {
            out = Vec::with_capacity(1024);
        }
    }
}

/// Writes the pending replies and the error, then closes so that the client reads it: shut
/// down our write side and drain (briefly, up to a limit) what the client still sends,
/// since closing a socket with unread input resets the connection.
async fn close_with(conn: &TcpStream, out: &mut Vec<u8>, error: &str) -> io::Result<()> {
    resp::error(out, error);
    conn.write_all(out).await?;
    conn.shutdown(Shutdown::Write)?;
    let mut sink = [0; 4096];
    let drain = async {
        let mut drained = 0;
        while drained < 1 << 20 {
            match conn.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    };
    let _ = greenery::time::timeout(Duration::from_secs(1), drain).await;
    Ok(())
}
