//! List commands: `LPUSH`, `RPUSH`, `LPOP`/`RPOP key [count]`, `LRANGE`, `LLEN`.

use crate::commands::{count, integer, wrong_arity, Args, NOT_AN_INTEGER};
use crate::db::{List, WrongType};
use crate::{resp, Shared};

/// Which end of the list.
#[derive(Clone, Copy)]
enum End {
    Left,
    Right,
}

pub fn lpush(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    push(shared, args, out, End::Left);
}

pub fn rpush(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    push(shared, args, out, End::Right);
}

pub fn lpop(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    pop(shared, args, out, End::Left, "lpop");
}

pub fn rpop(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    pop(shared, args, out, End::Right, "rpop");
}

/// `LPUSH key element...`: each element in turn goes to the head (so they end up reversed).
fn push(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>, end: End) {
    let result = shared.db.get_or_create::<List, _>(args.get(1), |list| {
        for element in args.iter().skip(2) {
            match end {
                End::Left => list.push_front(element.to_vec()),
                End::Right => list.push_back(element.to_vec()),
            }
        }
        list.len()
    });
    match result {
        Ok(len) => resp::int(out, len as i64),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}

/// `LPOP key [count]`: one element or nil; with a count, an array of up to `count` elements,
/// or a nil array when the key does not exist.
fn pop(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>, end: End, name: &str) {
    if args.len() > 3 {
        return wrong_arity(out, name);
    }
    let count = match count(args) {
        Ok(count) => count,
        Err(text) => return resp::error(out, text),
    };
    let result = shared.db.get::<List, _>(args.get(1), |list| {
        let pop_one = |list: &mut List| match end {
            End::Left => list.pop_front(),
            End::Right => list.pop_back(),
        };
        match (list, count) {
            (None, None) => resp::bulk(out, None),
            (None, Some(_)) => resp::array(out, None),
            (Some(list), None) => resp::bulk(out, pop_one(list).as_deref()),
            (Some(list), Some(count)) => {
                let count = count.min(list.len());
                resp::array(out, Some(count));
                for _ in 0..count {
                    resp::bulk(out, pop_one(list).as_deref());
                }
            }
        }
    });
    if result.is_err() {
        resp::error(out, WrongType::TEXT);
    }
}

/// `LRANGE key start stop`: inclusive, negative indexes count from the tail, out-of-range
/// indexes are clamped.
pub fn lrange(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let (Some(start), Some(stop)) = (integer(args.get(2)), integer(args.get(3))) else {
        return resp::error(out, NOT_AN_INTEGER);
    };
    let result = shared.db.get::<List, _>(args.get(1), |list| {
        let Some(list) = list else {
            return resp::array(out, Some(0));
        };
        let len = list.len() as i64;
        let from_tail = |i: i64| if i < 0 { i + len } else { i };
        let (start, stop) = (from_tail(start).max(0), from_tail(stop).min(len - 1));
        if start > stop {
            return resp::array(out, Some(0));
        }
        resp::array(out, Some((stop - start + 1) as usize));
        for element in list.range(start as usize..=stop as usize) {
            resp::bulk(out, Some(element));
        }
    });
    if result.is_err() {
        resp::error(out, WrongType::TEXT);
    }
}

pub fn llen(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    match shared
        .db
        .get::<List, _>(args.get(1), |list| list.map_or(0, |l| l.len()))
    {
        Ok(len) => resp::int(out, len as i64),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}
