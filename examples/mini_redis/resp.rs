//! RESP2: requests parsed incrementally as their bytes arrive, and reply encoding.
//!
//! A [`Parser`] keeps its place in the request being received (which element it is in and
//! how far it has searched for that element's line end), so a request that arrives a few
//! bytes at a time costs the same work as one that arrives whole: each byte is searched
//! once, bulk string bodies are skipped without being looked at.
//!
//! This file depends on nothing else in the example, so `tests/mini_redis.rs` includes it
//! to count the parser's work.

use std::io::Write as _;
use std::ops::Range;

/// Limits on one request.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most arguments one request may declare.
    pub max_args: usize,
    /// The longest bulk string.
    pub max_bulk: usize,
    /// The longest inline command or header line, without its line end.
    pub max_inline: usize,
}

impl Limits {
    /// Redis's: 1024 * 1024 arguments, `proto-max-bulk-len` 512 MB, 64 KiB lines.
    pub const REDIS: Limits = Limits {
        max_args: 1024 * 1024,
        max_bulk: 512 * 1024 * 1024,
        max_inline: 64 * 1024,
    };
}

/// A malformed request: the text after `Protocol error: `.
#[derive(Debug, PartialEq, Eq)]
pub struct ProtocolError(pub String);

/// Where the parser is in the current request.
#[derive(Clone, Copy, Debug)]
enum State {
    /// Before the request's first byte.
    Start,
    /// In an inline command (`PING\r\n`), looking for its `\n`.
    Inline,
    /// In the `*<count>\r\n` header, looking for its line end.
    Count,
    /// At a `$<len>\r\n` header, `left` arguments still to come.
    BulkLen { left: usize },
    /// At a bulk string body of `len` bytes and its CRLF, `left` arguments still to come.
    Bulk { left: usize, len: usize },
    /// The request is complete: `pos` is its length.
    Done,
}

/// An incremental RESP2 request parser.
///
/// Call [`Parser::parse`] with the received bytes of the current request (they start at the
/// request's first byte and only grow between calls) until it returns the request's length;
/// the caller then drops those bytes and the next call starts a new request.
#[derive(Debug)]
pub struct Parser {
    limits: Limits,
    state: State,
    /// The start of the current element (a line or a bulk body), from the request's start.
    pos: usize,
    /// How far the search for the current line's end has looked.
    scan: usize,
    args: Vec<Range<usize>>,
    /// Bytes looked at while searching for line ends (the work that grows with input).
    scanned: u64,
}

impl Parser {
    /// A parser waiting for the start of a request.
    pub fn new(limits: Limits) -> Parser {
        Parser {
            limits,
            state: State::Start,
            pos: 0,
            scan: 0,
            args: Vec::new(),
            scanned: 0,
        }
    }

    /// Parses on from where the last call stopped. `Ok(Some(n))`: the request is the first `n`
    /// bytes of `buf`, its arguments are [`Parser::args`] (none: an empty line or array, to
    /// skip); `Ok(None)`: incomplete, call again with more bytes.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
        loop {
            match self.state {
                State::Done => {
                    self.args.clear();
                    self.enter(State::Start, 0);
                }
                State::Start => match buf.first() {
                    None => return Ok(None),
                    Some(b'*') => self.enter(State::Count, 1),
                    Some(_) => self.enter(State::Inline, 0),
                },
                State::Inline => {
                    let Some(newline) = self.find_newline(buf) else {
                        return self.unfinished_line(buf.len(), "too big inline request");
                    };
                    let line = &buf[..newline];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    let mut i = 0;
                    for word in line.split(|b| b.is_ascii_whitespace()) {
                        if !word.is_empty() {
                            self.args.push(i..i + word.len());
                        }
                        i += word.len() + 1;
                    }
                    return Ok(Some(self.finish(newline + 1)));
                }
                State::Count => {
                    let Some(end) = self.find_line_end(buf, 1) else {
                        return self.unfinished_line(buf.len(), "too big mbulk count string");
                    };
                    let count = parse_int(&buf[1..end])
                        .filter(|&n| n <= self.limits.max_args as i64)
                        .ok_or_else(|| ProtocolError("invalid multibulk length".into()))?;
                    if count <= 0 {
                        return Ok(Some(self.finish(end + 2)));
                    }
                    let left = count as usize;
                    self.enter(State::BulkLen { left }, end + 2);
                }
                State::BulkLen { left } => {
                    let start = self.pos;
                    match buf.get(start) {
                        None => return Ok(None),
                        Some(b'$') => {}
                        Some(&other) => {
                            return Err(ProtocolError(format!(
                                "expected '$', got '{}'",
                                char::from(other).escape_default()
                            )))
                        }
                    }
                    let Some(end) = self.find_line_end(buf, start + 1) else {
                        let pending = buf.len() - start;
                        return self.unfinished_line(pending, "too big bulk count string");
                    };
                    let len = parse_int(&buf[start + 1..end])
                        .filter(|&n| (0..=self.limits.max_bulk as i64).contains(&n))
                        .ok_or_else(|| ProtocolError("invalid bulk length".into()))?;
                    let len = len as usize;
                    self.enter(State::Bulk { left, len }, end + 2);
                }
                State::Bulk { left, len } => {
                    let start = self.pos;
                    if buf.len() < start + len + 2 {
                        return Ok(None);
                    }
                    if &buf[start + len..start + len + 2] != b"\r\n" {
                        return Err(ProtocolError("expected CRLF after a bulk string".into()));
                    }
                    self.args.push(start..start + len);
                    let next = start + len + 2;
                    if left == 1 {
                        return Ok(Some(self.finish(next)));
                    }
                    self.enter(State::BulkLen { left: left - 1 }, next);
                }
            }
        }
    }

    /// The arguments of the request [`Parser::parse`] returned: ranges into its `buf`.
    pub fn args(&self) -> &[Range<usize>] {
        &self.args
    }

    /// The least length the current request is known to have: the end of the bulk string
    /// being received, or 0 when unknown. The caller grows its buffer no further than this.
    pub fn known_len(&self) -> usize {
        match self.state {
            State::Bulk { len, .. } => self.pos + len + 2,
            _ => 0,
        }
    }

    /// Bytes looked at so far while searching for line ends, on every request: each byte
    /// received is looked at once at most, however it was split into reads.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }

    /// Releases the argument list's memory after a request with very many arguments.
    pub fn shrink(&mut self) {
        if self.args.capacity() > 1024 && self.args.len() < self.args.capacity() / 4 {
            self.args.shrink_to(self.args.len() * 2);
        }
    }

    fn enter(&mut self, state: State, pos: usize) {
        self.state = state;
        self.pos = pos;
        self.scan = pos;
    }

    fn finish(&mut self, len: usize) -> usize {
        self.state = State::Done;
        self.pos = len;
        len
    }

    /// The index of the first `\n` at or after `self.scan`, searching each byte once.
    fn find_newline(&mut self, buf: &[u8]) -> Option<usize> {
        let rest = &buf[self.scan.min(buf.len())..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.scanned += i as u64 + 1;
                let newline = self.scan + i;
                self.scan = newline + 1;
                Some(newline)
            }
            None => {
                self.scanned += rest.len() as u64;
                self.scan = buf.len();
                None
            }
        }
    }

    /// The index of the `\r` of the first `\r\n` of the line that starts at `line_start`.
    fn find_line_end(&mut self, buf: &[u8], line_start: usize) -> Option<usize> {
        loop {
            let newline = self.find_newline(buf)?;
            if newline > line_start && buf[newline - 1] == b'\r' {
                return Some(newline - 1);
            }
        }
    }

    /// Incomplete is fine until the unfinished line passes the line limit.
    fn unfinished_line(&self, pending: usize, what: &str) -> Result<Option<usize>, ProtocolError> {
        if pending > self.limits.max_inline {
            Err(ProtocolError(what.into()))
        } else {
            Ok(None)
        }
    }
}

fn parse_int(digits: &[u8]) -> Option<i64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// `+text`
pub fn simple(out: &mut Vec<u8>, text: &str) {
    out.push(b'+');
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// `-text`
pub fn error(out: &mut Vec<u8>, text: &str) {
    out.push(b'-');
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// `:n`
pub fn int(out: &mut Vec<u8>, n: i64) {
    let _ = write!(out, ":{n}\r\n");
}

/// `$len` and the bytes, or `$-1` (nil).
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

/// `*len`, followed by that many replies; `None`: `*-1` (a nil array).
pub fn array(out: &mut Vec<u8>, len: Option<usize>) {
    match len {
        None => out.extend_from_slice(b"*-1\r\n"),
        Some(len) => {
            let _ = write!(out, "*{len}\r\n");
        }
    }
}

/// A double as Redis 7 replies it in RESP2: a bulk string, `inf`/`-inf`, else `%.17g`.
pub fn double(out: &mut Vec<u8>, value: f64) {
    if value.is_infinite() {
        let text: &[u8] = if value > 0.0 { b"inf" } else { b"-inf" };
        return bulk(out, Some(text));
    }
    let mut text = [0u8; 32];
    // SAFETY: the format is a NUL-terminated C string whose one conversion, `%.17g`, takes
    // the `double` passed; `snprintf` writes at most `text.len()` bytes (the NUL included)
    // into `text`, which outlives the call. A `%.17g` of a finite double needs at most 24.
    let len = unsafe {
        libc::snprintf(
            text.as_mut_ptr().cast(),
            text.len(),
            c"%.17g".as_ptr(),
            value,
        )
    };
    bulk(out, Some(&text[..len.clamp(0, 31) as usize]));
}
