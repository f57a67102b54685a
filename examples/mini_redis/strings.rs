//! String commands: `GET`, `SET key value [EX s | PX ms] [NX | XX]`, `INCR`, `MGET`, `MSET`.

use std::time::{Duration, Instant};

use crate::commands::{integer, wrong_arity, Args, NOT_AN_INTEGER, SYNTAX_ERROR};
use crate::db::{Entry, Str, Value, WrongType};
use crate::{resp, Shared};

pub fn get(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let found = shared
        .db
        .get::<Str, _>(args.get(1), |value| resp::bulk(out, value.map(|v| &v[..])));
    if found.is_err() {
        resp::error(out, WrongType::TEXT);
    }
}

/// `SET key value [EX seconds | PX milliseconds] [NX | XX]`: replaces a value of any type.
pub fn set(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
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
            return resp::error(out, SYNTAX_ERROR);
        }
        i += 1;
    }
    let key = args.get(1);
    let exists = shared.db.with_live(key, |e| e.is_some());
    if (nx && exists) || (xx && !exists) {
        return resp::bulk(out, None);
    }
    let entry = Entry {
        value: Value::Str(args.get(2).to_vec()),
        expires: ttl,
    };
    shared.db.insert(key, entry);
    resp::simple(out, "OK");
}

/// `INCR key`: keeps the key's expiry, as Redis does.
pub fn incr(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let key = args.get(1);
    let result = shared.db.get::<Str, _>(key, |value| {
        let Some(value) = value else {
            return Ok(None);
        };
        let n = integer(value).ok_or(NOT_AN_INTEGER)?;
        let n = n
            .checked_add(1)
            .ok_or("ERR increment or decrement would overflow")?;
        *value = n.to_string().into_bytes();
        Ok(Some(n))
    });
    match result {
        Ok(Ok(Some(n))) => resp::int(out, n),
        Ok(Ok(None)) => {
            shared.db.insert(key, Entry::new(Value::Str(b"1".to_vec())));
            resp::int(out, 1);
        }
        Ok(Err(text)) => resp::error(out, text),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}

/// `MGET key...`: nil for a missing key or one of another type.
pub fn mget(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    resp::array(out, Some(args.len() - 1));
    for key in args.iter().skip(1) {
        let found = shared
            .db
            .get::<Str, _>(key, |value| resp::bulk(out, value.map(|v| &v[..])));
        if found.is_err() {
            resp::bulk(out, None);
        }
    }
}

pub fn mset(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    if args.len() % 2 == 0 {
        return wrong_arity(out, "mset");
    }
    for i in (1..args.len()).step_by(2) {
        let value = Value::Str(args.get(i + 1).to_vec());
        shared.db.insert(args.get(i), Entry::new(value));
    }
    resp::simple(out, "OK");
}
