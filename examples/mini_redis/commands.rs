//! The command table, dispatch, and the commands that work on keys of any type or on the
//! connection: `PING`, `ECHO`, `DEL`, `EXISTS`, `EXPIRE`, `TTL`, `TYPE`, `QUIT`, and
//! `CONFIG GET` / `COMMAND` answered just enough for `redis-benchmark` and `redis-cli`.

use std::ops::Range;
use std::time::{Duration, Instant};

use crate::db::Entry;
use crate::resp;
use crate::{hashes, info, lists, sets, sorted_sets, strings, Shared};

/// One request's arguments, the command name first: ranges into the input buffer.
pub struct Args<'a> {
    pub data: &'a [u8],
    pub ranges: &'a [Range<usize>],
}

impl<'a> Args<'a> {
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn get(&self, i: usize) -> &'a [u8] {
        &self.data[self.ranges[i].clone()]
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.ranges.iter().map(|r| &self.data[r.clone()])
    }
}

/// A command: its name, how many arguments it takes, what runs it.
struct Command {
    /// Lowercase, as error messages spell it.
    name: &'static str,
    /// As Redis counts it, the name included: `n` exactly n, `-n` at least n.
    arity: i32,
    run: fn(&Shared, &Args<'_>, &mut Vec<u8>),
}

const fn command(
    name: &'static str,
    arity: i32,
    run: fn(&Shared, &Args<'_>, &mut Vec<u8>),
) -> Command {
    Command { name, arity, run }
}

const COMMANDS: &[Command] = &[
    command("get", 2, strings::get),
    command("set", -3, strings::set),
    command("ping", -1, ping),
    command("echo", 2, echo),
    command("incr", 2, strings::incr),
    command("mget", -2, strings::mget),
    command("mset", -3, strings::mset),
    command("del", -2, del),
    command("exists", -2, exists),
    command("expire", 3, expire),
    command("ttl", 2, ttl),
    command("type", 2, type_),
    command("lpush", -3, lists::lpush),
    command("rpush", -3, lists::rpush),
    command("lpop", -2, lists::lpop),
    command("rpop", -2, lists::rpop),
    command("lrange", 4, lists::lrange),
    command("llen", 2, lists::llen),
    command("sadd", -3, sets::sadd),
    command("spop", -2, sets::spop),
    command("scard", 2, sets::scard),
    command("hset", -4, hashes::hset),
    command("hget", 3, hashes::hget),
    command("zadd", -4, sorted_sets::zadd),
    command("zpopmin", -2, sorted_sets::zpopmin),
    command("zcard", 2, sorted_sets::zcard),
    command("info", -1, info::info),
    command("config", -2, config),
    command("command", -1, |_, _, out| resp::array(out, Some(0))),
    command("quit", -1, |_, _, out| resp::simple(out, "OK")),
];

/// What the connection does after a request.
#[derive(PartialEq, Eq)]
pub enum Next {
    Continue,
    Close,
}

/// Runs one request (at least its name), appending its reply to `out`.
pub fn execute(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) -> Next {
    let name = args.get(0);
    let Some(command) = COMMANDS
        .iter()
        .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    else {
        unknown(args, out);
        return Next::Continue;
    };
    let n = args.len() as i32;
    if n != command.arity && (command.arity > 0 || n < -command.arity) {
        wrong_arity(out, command.name);
        return Next::Continue;
    }
    info::add(&shared.stats.total_commands_processed, 1);
    (command.run)(shared, args, out);
    match command.name {
        "quit" => Next::Close,
        _ => Next::Continue,
    }
}

pub const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";
pub const SYNTAX_ERROR: &str = "ERR syntax error";

/// An integer as Redis reads one (`string2ll`): an optional `-`, then digits with no
/// leading zero; no `+`, no spaces, no `-0`.
pub fn integer(arg: &[u8]) -> Option<i64> {
    let digits = arg.strip_prefix(b"-").unwrap_or(arg);
    match digits {
        [b'1'..=b'9', ..] => std::str::from_utf8(arg).ok()?.parse().ok(),
        [b'0'] if digits.len() == arg.len() => Some(0),
        _ => None,
    }
}

/// The optional count of `LPOP`/`SPOP`/`ZPOPMIN` (argument 2), as Redis checks it.
pub fn count(args: &Args<'_>) -> Result<Option<usize>, &'static str> {
    if args.len() < 3 {
        return Ok(None);
    }
    match integer(args.get(2)) {
        Some(n) if n >= 0 => Ok(Some(n as usize)),
        _ => Err("ERR value is out of range, must be positive"),
    }
}

pub fn wrong_arity(out: &mut Vec<u8>, name: &str) {
    resp::error(
        out,
        &format!("ERR wrong number of arguments for '{name}' command"),
    );
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

fn ping(_: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    match args.len() {
        1 => resp::simple(out, "PONG"),
        2 => resp::bulk(out, Some(args.get(1))),
        _ => wrong_arity(out, "ping"),
    }
}

fn echo(_: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    resp::bulk(out, Some(args.get(1)));
}

fn del(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let removed = args.iter().skip(1).filter(|k| shared.db.remove(k)).count();
    resp::int(out, removed as i64);
}

fn exists(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let found = args
        .iter()
        .skip(1)
        .filter(|k| shared.db.with_live(k, |e| e.is_some()))
        .count();
    resp::int(out, found as i64);
}

/// `EXPIRE key seconds`: 1 if the key exists; a time not in the future deletes it.
fn expire(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
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
    let existed = shared.db.with_live(key, |e| match e {
        Some(entry) => {
            entry.expires = at;
            true
        }
        None => false,
    });
    if existed && at.is_none() {
        shared.db.remove(key);
    }
    resp::int(out, existed as i64);
}

fn ttl(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let ttl = shared.db.with_live(args.get(1), |e| match e {
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

fn type_(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let name = shared
        .db
        .with_live(args.get(1), |e| e.map_or("none", |e| e.value.type_name()));
    resp::simple(out, name);
}

/// `CONFIG GET param`: what `redis-benchmark` asks before it starts (no persistence here),
/// and the query buffer limit.
fn config(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    if args.len() != 3 || !args.get(1).eq_ignore_ascii_case(b"GET") {
        return unknown(args, out);
    }
    let param = args.get(2).to_ascii_lowercase();
    let value = match &param[..] {
        b"save" => String::new(),
        b"appendonly" => "no".into(),
        b"client-query-buffer-limit" => shared.config.query_buffer_limit.to_string(),
        _ => return resp::array(out, Some(0)),
    };
    resp::array(out, Some(2));
    resp::bulk(out, Some(&param));
    resp::bulk(out, Some(value.as_bytes()));
}
