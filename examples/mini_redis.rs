//! mini_redis: a small Redis-compatible server on greenery's `StreamServer`.
//!
//! ```text
//! cargo run --release --example mini_redis                       # 127.0.0.1, a free port
//! cargo run --release --example mini_redis -- --addr 127.0.0.1:6380
//! redis-cli -p 6380 set greeting hello ex 60
//! redis-benchmark -p 6380 -q -n 100000 -c 50 -t ping,set,get
//! ```
//!
//! It prints `mini_redis listening on ADDR` on stdout once bound and serves until killed.
//! Options: `--addr ADDR` (default `127.0.0.1:0`: the OS picks a port) and
//! `--max-clients N` (default 10,000: more connections wait in the kernel's backlog until a
//! handler slot frees up; a `greenery::pool::Pool` bounds the handlers).
//!
//! Protocol: RESP2 requests (arrays of bulk strings, as `redis-cli` and `redis-benchmark`
//! send them) and inline commands (`PING\r\n`, as typed into `nc`). Commands: `PING`,
//! `ECHO`, `GET`, `SET key value [EX s | PX ms] [NX | XX]`, `DEL`, `EXISTS`, `INCR`,
//! `EXPIRE`, `TTL`, `MGET`, `MSET`, plus `QUIT`, and `CONFIG GET` / `COMMAND` answered just
//! enough for `redis-benchmark` and interactive `redis-cli`. Replies and error texts follow
//! Redis 7.
//!
//! Each connection is one task. It reads what the client sent, runs every complete request
//! in it (pipelining: many requests per read), and writes the replies with one `write_all`.
//! Bounded memory per connection:
//! * replies are flushed as soon as [`OUTPUT_LIMIT`] bytes are pending, and writing waits
//!   for the client to read, so a client that never reads stops its own connection (the
//!   server stops reading from it) instead of growing a buffer;
//! * a request may not declare more than [`MAX_ARGS`] arguments or a bulk string longer than
//!   [`MAX_BULK`] bytes, and an inline command must end within [`MAX_INLINE`] bytes.
//!
//! A malformed request (`*abc`, a `+` where a `$` belongs, a bulk string not followed by
//! CRLF) gets `-ERR Protocol error: ...`, as Redis answers, and the connection is closed
//! cleanly: the write side is shut down first and unread input is drained for a moment,
//! so the client reads the error instead of a reset. A request cut short by the end of
//! the stream gets the same treatment. Wrong arguments or unknown commands get an error
//! reply and the connection stays usable.
//!
//! Keys expire lazily (a read of an expired key deletes it) and a sweeper task removes the
//! expired keys nobody reads, once a second.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write as _;
use std::net::Shutdown;
use std::ops::Range;
use std::rc::Rc;
use std::time::{Duration, Instant};

use greenery::net::TcpStream;
use greenery::pool::Pool;
use greenery::server::StreamServer;

/// Pending reply bytes that trigger a write before more requests run.
const OUTPUT_LIMIT: usize = 64 * 1024;
/// The most arguments one request may declare (Redis: 1024 * 1024).
const MAX_ARGS: i64 = 1024 * 1024;
/// The longest bulk string (Redis's `proto-max-bulk-len`: 512 MB).
const MAX_BULK: i64 = 512 * 1024 * 1024;
/// The longest inline command, or header line, without its line end (Redis: 64 KiB).
const MAX_INLINE: usize = 64 * 1024;
/// Room for one read.
const READ_CHUNK: usize = 16 * 1024;

mod resp {
    //! RESP2 requests: parsing (with the limits above) and reply encoding.

    use super::*;

    /// A malformed request: the text after `Protocol error: `.
    #[derive(Debug, PartialEq, Eq)]
    pub struct ProtocolError(pub String);

    /// Finds `\r\n` at or after `from`; the index of the `\r`.
    fn line_end(buf: &[u8], from: usize) -> Option<usize> {
        buf.get(from..)?
            .windows(2)
            .position(|w| w == b"\r\n")
            .map(|i| from + i)
    }

    fn parse_int(digits: &[u8]) -> Option<i64> {
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    /// Parses one request from the start of `buf` into `args` (ranges into `buf`).
    /// `Ok(Some(n))`: a request of `n` bytes (with no arguments: an empty line or array,
    /// to skip); `Ok(None)`: incomplete, read more.
    pub fn parse(buf: &[u8], args: &mut Vec<Range<usize>>) -> Result<Option<usize>, ProtocolError> {
        args.clear();
        match buf.first() {
            None => Ok(None),
            Some(b'*') => parse_array(buf, args),
            Some(_) => parse_inline(buf, args),
        }
    }

    fn parse_array(
        buf: &[u8],
        args: &mut Vec<Range<usize>>,
    ) -> Result<Option<usize>, ProtocolError> {
        let Some(end) = line_end(buf, 1) else {
            return too_long(buf.len(), "too big mbulk count string");
        };
        let count = parse_int(&buf[1..end])
            .filter(|&n| n <= MAX_ARGS)
            .ok_or_else(|| ProtocolError("invalid multibulk length".into()))?;
        let mut pos = end + 2;
        for _ in 0..count.max(0) {
            match buf.get(pos) {
                None => return Ok(None),
                Some(b'$') => {}
                Some(&other) => {
                    return Err(ProtocolError(format!(
                        "expected '$', got '{}'",
                        char::from(other).escape_default()
                    )))
                }
            }
            let Some(end) = line_end(buf, pos + 1) else {
                return too_long(buf.len() - pos, "too big bulk count string");
            };
            let len = parse_int(&buf[pos + 1..end])
                .filter(|&n| (0..=MAX_BULK).contains(&n))
                .ok_or_else(|| ProtocolError("invalid bulk length".into()))?
                as usize;
            let start = end + 2;
            if buf.len() < start + len + 2 {
                return Ok(None);
            }
            if &buf[start + len..start + len + 2] != b"\r\n" {
                return Err(ProtocolError("expected CRLF after a bulk string".into()));
            }
            args.push(start..start + len);
            pos = start + len + 2;
        }
        Ok(Some(pos))
    }

    fn parse_inline(
        buf: &[u8],
        args: &mut Vec<Range<usize>>,
    ) -> Result<Option<usize>, ProtocolError> {
        let Some(newline) = buf.iter().position(|&b| b == b'\n') else {
            return too_long(buf.len(), "too big inline request");
        };
        let line = if newline > 0 && buf[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let mut i = 0;
        while i < line {
            if buf[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let start = i;
            while i < line && !buf[i].is_ascii_whitespace() {
                i += 1;
            }
            args.push(start..i);
        }
        Ok(Some(newline + 1))
    }

    /// Incomplete is fine until the unfinished line passes [`MAX_INLINE`].
    fn too_long(pending: usize, what: &str) -> Result<Option<usize>, ProtocolError> {
        if pending > MAX_INLINE {
            Err(ProtocolError(what.into()))
        } else {
            Ok(None)
        }
    }

    pub fn simple(out: &mut Vec<u8>, text: &str) {
        out.push(b'+');
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    pub fn error(out: &mut Vec<u8>, text: &str) {
        out.push(b'-');
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    pub fn int(out: &mut Vec<u8>, n: i64) {
        let _ = write!(out, ":{n}\r\n");
    }

    pub fn bulk(out: &mut Vec<u8>, value: Option<&[u8]>) {
        match value {
            None => out.extend_from_slice(b"$-1\r\n"),
            Some(value) => {
                let _ = write!(out, "${}\r\n", value.len());
                out.extend_from_slice(value);
                out.extend_from_slice(b"\r\n");
            }
        }
    }

    pub fn array(out: &mut Vec<u8>, len: usize) {
        let _ = write!(out, "*{len}\r\n");
    }
}

/// A value and when it expires.
struct Entry {
    value: Vec<u8>,
    expires: Option<Instant>,
}

impl Entry {
    fn is_live(&self, now: impl FnOnce() -> Instant) -> bool {
        self.expires.is_none_or(|at| at > now())
    }
}

/// The key space, shared by every connection's task.
#[derive(Default)]
struct Db {
    map: RefCell<HashMap<Vec<u8>, Entry>>,
}

impl Db {
    /// The live entry for `key`, deleting it if it has expired.
    fn with_live<R>(&self, key: &[u8], f: impl FnOnce(Option<&mut Entry>) -> R) -> R {
        let mut map = self.map.borrow_mut();
        let live = match map.get(key) {
            Some(entry) => entry.is_live(Instant::now),
            None => return f(None),
        };
        if !live {
            map.remove(key);
            return f(None);
        }
        f(map.get_mut(key))
    }

    fn sweep(&self) {
        let now = Instant::now();
        self.map.borrow_mut().retain(|_, e| e.is_live(|| now));
    }
}

/// One request's arguments: ranges into the input buffer.
struct Args<'a> {
    data: &'a [u8],
    ranges: &'a [Range<usize>],
}

impl<'a> Args<'a> {
    fn len(&self) -> usize {
        self.ranges.len()
    }

    fn get(&self, i: usize) -> &'a [u8] {
        &self.data[self.ranges[i].clone()]
    }

    fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.ranges.iter().map(|r| &self.data[r.clone()])
    }
}

const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";

fn integer(arg: &[u8]) -> Option<i64> {
    std::str::from_utf8(arg).ok()?.parse().ok()
}

fn wrong_arity(out: &mut Vec<u8>, name: &str) {
    resp::error(
        out,
        &format!("ERR wrong number of arguments for '{name}' command"),
    );
}

/// What the connection does after a request.
#[derive(PartialEq, Eq)]
enum Next {
    Continue,
    Close,
}

/// Runs one request, appending its reply to `out`.
fn execute(db: &Db, args: &Args<'_>, out: &mut Vec<u8>) -> Next {
    let name = args.get(0);
    let is = |cmd: &str| name.eq_ignore_ascii_case(cmd.as_bytes());
    let n = args.len();
    // (the lowercase name for error messages, the allowed argument counts with the name)
    let arity = |out: &mut Vec<u8>, ok: bool, cmd: &str| {
        if !ok {
            wrong_arity(out, cmd);
        }
        ok
    };
    if is("GET") {
        if arity(out, n == 2, "get") {
            db.with_live(args.get(1), |e| resp::bulk(out, e.map(|e| &e.value[..])));
        }
    } else if is("SET") {
        if arity(out, n >= 3, "set") {
            set(db, args, out);
        }
    } else if is("PING") {
        if arity(out, n <= 2, "ping") {
            match n {
                1 => resp::simple(out, "PONG"),
                _ => resp::bulk(out, Some(args.get(1))),
            }
        }
    } else if is("ECHO") {
        if arity(out, n == 2, "echo") {
            resp::bulk(out, Some(args.get(1)));
        }
    } else if is("DEL") {
        if arity(out, n >= 2, "del") {
            let mut map = db.map.borrow_mut();
            let now = Instant::now();
            let removed = args
                .iter()
                .skip(1)
                .filter(|k| map.remove(*k).is_some_and(|e| e.is_live(|| now)))
                .count();
            resp::int(out, removed as i64);
        }
    } else if is("EXISTS") {
        if arity(out, n >= 2, "exists") {
            let found = args
                .iter()
                .skip(1)
                .filter(|k| db.with_live(k, |e| e.is_some()))
                .count();
            resp::int(out, found as i64);
        }
    } else if is("INCR") {
        if arity(out, n == 2, "incr") {
            incr(db, args.get(1), out);
        }
    } else if is("EXPIRE") {
        if arity(out, n == 3, "expire") {
            expire(db, args, out);
        }
    } else if is("TTL") {
        if arity(out, n == 2, "ttl") {
            let ttl = db.with_live(args.get(1), |e| match e {
                None => -2,
                Some(Entry { expires: None, .. }) => -1,
                Some(Entry {
                    expires: Some(at), ..
                }) => {
                    let left = at.saturating_duration_since(Instant::now());
                    ((left.as_millis() + 500) / 1000) as i64
                }
            });
            resp::int(out, ttl);
        }
    } else if is("MGET") {
        if arity(out, n >= 2, "mget") {
            resp::array(out, n - 1);
            for key in args.iter().skip(1) {
                db.with_live(key, |e| resp::bulk(out, e.map(|e| &e.value[..])));
            }
        }
    } else if is("MSET") {
        if arity(out, n >= 3 && n % 2 == 1, "mset") {
            let mut map = db.map.borrow_mut();
            for i in (1..n).step_by(2) {
                let entry = Entry {
                    value: args.get(i + 1).to_vec(),
                    expires: None,
                };
                map.insert(args.get(i).to_vec(), entry);
            }
            resp::simple(out, "OK");
        }
    } else if is("QUIT") {
        resp::simple(out, "OK");
        return Next::Close;
    } else if is("CONFIG") && n == 3 && args.get(1).eq_ignore_ascii_case(b"GET") {
        // What redis-benchmark asks before it starts: no persistence here.
        let param = args.get(2).to_ascii_lowercase();
        let value: Option<&[u8]> = match &param[..] {
            b"save" => Some(b""),
            b"appendonly" => Some(b"no"),
            _ => None,
        };
        match value {
            Some(value) => {
                resp::array(out, 2);
                resp::bulk(out, Some(&param));
                resp::bulk(out, Some(value));
            }
            None => resp::array(out, 0),
        }
    } else if is("COMMAND") {
        resp::array(out, 0); // interactive redis-cli asks for command docs
    } else {
        unknown(args, out);
    }
    Next::Continue
}

fn unknown(args: &Args<'_>, out: &mut Vec<u8>) {
    let mut text = format!(
        "ERR unknown command '{}', with args beginning with: ",
        String::from_utf8_lossy(args.get(0))
    );
    for arg in args.iter().skip(1) {
        text.push_str(&format!("'{}' ", String::from_utf8_lossy(arg)));
    }
    // A reply line must not contain CR or LF.
    let text: String = text
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    resp::error(out, &text);
}

/// `SET key value [EX seconds | PX milliseconds] [NX | XX]`.
fn set(db: &Db, args: &Args<'_>, out: &mut Vec<u8>) {
    let mut ttl = None;
    let (mut nx, mut xx) = (false, false);
    let mut i = 3;
    while i < args.len() {
        let opt = args.get(i);
        if opt.eq_ignore_ascii_case(b"NX") && !xx {
            nx = true;
        } else if opt.eq_ignore_ascii_case(b"XX") && !nx {
            xx = true;
        } else if (opt.eq_ignore_ascii_case(b"EX") || opt.eq_ignore_ascii_case(b"PX"))
            && ttl.is_none()
            && i + 1 < args.len()
        {
            let Some(amount) = integer(args.get(i + 1)) else {
                return resp::error(out, NOT_AN_INTEGER);
            };
            let per_unit = if opt.eq_ignore_ascii_case(b"EX") {
                1000
            } else {
                1
            };
            let ms = amount.checked_mul(per_unit).filter(|&ms| ms > 0);
            let at = ms.and_then(|ms| Instant::now().checked_add(Duration::from_millis(ms as u64)));
            let Some(at) = at else {
                return resp::error(out, "ERR invalid expire time in 'set' command");
            };
            ttl = Some(at);
            i += 1;
        } else {
            return resp::error(out, "ERR syntax error");
        }
        i += 1;
    }
    let key = args.get(1);
    let exists = db.with_live(key, |e| e.is_some());
    if (nx && exists) || (xx && !exists) {
        return resp::bulk(out, None);
    }
    let entry = Entry {
        value: args.get(2).to_vec(),
        expires: ttl,
    };
    let mut map = db.map.borrow_mut();
    match map.get_mut(key) {
        Some(slot) => *slot = entry, // no new key allocation
        None => {
            map.insert(key.to_vec(), entry);
        }
    }
    resp::simple(out, "OK");
}

/// `INCR key`: keeps the key's expiry, as Redis does.
fn incr(db: &Db, key: &[u8], out: &mut Vec<u8>) {
    let result = db.with_live(key, |e| match e {
        None => Ok(None),
        Some(entry) => {
            let n = integer(&entry.value).ok_or(NOT_AN_INTEGER)?;
            let n = n
                .checked_add(1)
                .ok_or("ERR increment or decrement would overflow")?;
            entry.value = n.to_string().into_bytes();
            Ok(Some(n))
        }
    });
    match result {
        Ok(Some(n)) => resp::int(out, n),
        Ok(None) => {
            let entry = Entry {
                value: b"1".to_vec(),
                expires: None,
            };
            db.map.borrow_mut().insert(key.to_vec(), entry);
            resp::int(out, 1);
        }
        Err(text) => resp::error(out, text),
    }
}

/// `EXPIRE key seconds`: 1 if the key exists; a time not in the future deletes it.
fn expire(db: &Db, args: &Args<'_>, out: &mut Vec<u8>) {
    let Some(seconds) = integer(args.get(2)) else {
        return resp::error(out, NOT_AN_INTEGER);
    };
    let key = args.get(1);
    let at = match seconds.checked_mul(1000) {
        Some(ms) if ms <= 0 => None,
        Some(ms) => match Instant::now().checked_add(Duration::from_millis(ms as u64)) {
            Some(at) => Some(at),
            None => return resp::error(out, "ERR invalid expire time in 'expire' command"),
        },
        None => return resp::error(out, "ERR invalid expire time in 'expire' command"),
    };
    let existed = db.with_live(key, |e| match e {
        Some(entry) => {
            entry.expires = at;
            true
        }
        None => false,
    });
    if existed && at.is_none() {
        db.map.borrow_mut().remove(key);
    }
    resp::int(out, existed as i64);
}

/// The bytes read from a connection and not yet parsed: `buf[start..end]`.
struct Input {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Input {
    fn new() -> Input {
        Input {
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
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

    /// Free space for the next read: moves pending bytes to the front, or grows the
    /// buffer when a request is bigger than it (parsing limits how big one can get).
    fn spare(&mut self) -> &mut [u8] {
        if self.buf.len() - self.end < READ_CHUNK / 4 {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < READ_CHUNK / 4 {
                let len = self.buf.len();
                self.buf.resize(len * 2, 0);
            }
        }
        &mut self.buf[self.end..]
    }
}

/// Writes the error, then closes so that the client reads it: shut down our write side
/// and drain (briefly, up to a limit) what the client still sends, since closing a socket
/// with unread input resets the connection.
async fn close_with(conn: &TcpStream, out: &mut Vec<u8>, error: &str) -> std::io::Result<()> {
    resp::error(out, &format!("ERR Protocol error: {error}"));
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

/// Serves one connection until it closes.
async fn serve_client(conn: TcpStream, db: Rc<Db>) -> std::io::Result<()> {
    conn.set_nodelay(true)?;
    let mut input = Input::new();
    let mut out = Vec::with_capacity(1024);
    let mut args = Vec::new();
    loop {
        let n = conn.read(input.spare()).await?;
        if n == 0 {
            if input.pending().is_empty() {
                return Ok(());
            }
            return close_with(&conn, &mut out, "unexpected end of stream in a request").await;
        }
        input.end += n;
        loop {
            let parsed = resp::parse(input.pending(), &mut args);
            let len = match parsed {
                Ok(Some(len)) => len,
                Ok(None) => break,
                Err(resp::ProtocolError(error)) => {
                    return close_with(&conn, &mut out, &error).await;
                }
            };
            let next = if args.is_empty() {
                Next::Continue
            } else {
                let request = Args {
                    data: input.pending(),
                    ranges: &args,
                };
                execute(&db, &request, &mut out)
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
        if !out.is_empty() {
            conn.write_all(&out).await?;
            out.clear();
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: mini_redis [--addr ADDR] [--max-clients N]");
    std::process::exit(2);
}

fn main() {
    let mut addr = "127.0.0.1:0".to_owned();
    let mut max_clients = 10_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            ("--max-clients", Some(value)) => {
                max_clients = value.parse().unwrap_or_else(|_| usage());
            }
            _ => usage(),
        }
    }
    let result = greenery::run(async move {
        let db = Rc::new(Db::default());
        let pool = Pool::new(max_clients).map_err(std::io::Error::other)?;
        let handler_db = db.clone();
        let server = StreamServer::bind(addr.as_str(), move |conn, _peer| {
            let db = handler_db.clone();
            async move {
                // A connection's IO error (a reset, say) ends that connection only.
                let _ = serve_client(conn, db).await;
            }
        })
        .await?
        .with_pool(pool)
        .on_accept_error(|err| eprintln!("mini_redis: accept: {err}"));
        println!("mini_redis listening on {}", server.local_addr());
        std::io::stdout().flush()?;
        greenery::spawn(async move {
            loop {
                greenery::time::sleep(Duration::from_secs(1)).await;
                db.sweep();
            }
        });
        server.serve_forever().await
    });
    if let Err(err) = result {
        eprintln!("mini_redis: {err}");
        std::process::exit(1);
    }
}
