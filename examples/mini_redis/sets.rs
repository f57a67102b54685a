//! Set commands: `SADD`, `SPOP key [count]` (random members, as Redis pops), `SCARD`.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::commands::{count, Args, SYNTAX_ERROR};
use crate::db::WrongType;
use crate::{resp, Shared};

/// A set of byte strings that can give up a random member in O(1): the members in a
/// vector, and where each one is in it.
#[derive(Default)]
pub struct Set {
    members: Vec<Vec<u8>>,
    index: HashMap<Vec<u8>, usize>,
}

impl Set {
    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Adds `member`; whether it was new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        if self.index.contains_key(member) {
            return false;
        }
        self.index.insert(member.to_vec(), self.members.len());
        self.members.push(member.to_vec());
        true
    }

    /// Removes and returns a member picked at random.
    pub fn pop_random(&mut self) -> Option<Vec<u8>> {
        if self.members.is_empty() {
            return None;
        }
        let i = (random() % self.members.len() as u64) as usize;
        let member = self.members.swap_remove(i);
        self.index.remove(&member);
        if let Some(moved) = self.members.get(i) {
            if let Some(slot) = self.index.get_mut(moved) {
                *slot = i; // the last member moved into the hole
            }
        }
        Some(member)
    }
}

/// xorshift64*, seeded once per thread from the standard library's random hash keys.
fn random() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(RandomState::new().hash_one(0u8) | 1);
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

pub fn sadd(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let result = shared.db.get_or_create::<Set, _>(args.get(1), |set| {
        args.iter().skip(2).filter(|m| set.insert(m)).count()
    });
    match result {
        Ok(added) => resp::int(out, added as i64),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}

/// `SPOP key [count]`: one member or nil; with a count, an array of up to `count` members
/// (empty when the key does not exist).
pub fn spop(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    if args.len() > 3 {
        return resp::error(out, SYNTAX_ERROR);
    }
    let count = match count(args) {
        Ok(count) => count,
        Err(text) => return resp::error(out, text),
    };
    let result = shared
        .db
        .get::<Set, _>(args.get(1), |set| match (set, count) {
            (None, None) => resp::bulk(out, None),
            (None, Some(_)) => resp::array(out, Some(0)),
            (Some(set), None) => resp::bulk(out, set.pop_random().as_deref()),
            (Some(set), Some(count)) => {
                let count = count.min(set.len());
                resp::array(out, Some(count));
                for _ in 0..count {
                    resp::bulk(out, set.pop_random().as_deref());
                }
            }
        });
    if result.is_err() {
        resp::error(out, WrongType::TEXT);
    }
}

pub fn scard(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    match shared
        .db
        .get::<Set, _>(args.get(1), |set| set.map_or(0, |s| s.len()))
    {
        Ok(len) => resp::int(out, len as i64),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}
