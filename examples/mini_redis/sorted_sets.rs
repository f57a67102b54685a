//! Sorted set commands: `ZADD key score member [score member ...]` (no flags),
//! `ZPOPMIN key [count]`, `ZCARD`.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::ffi::CString;

use crate::commands::{count, Args, SYNTAX_ERROR};
use crate::db::WrongType;
use crate::{resp, Shared};

/// A score, ordered as Redis orders them (never NaN, no negative zero).
#[derive(Clone, Copy, PartialEq, Debug)]
struct Score(f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Members ordered by score, then by their bytes, as Redis orders them.
#[derive(Default)]
pub struct SortedSet {
    scores: HashMap<Vec<u8>, Score>,
    ordered: BTreeSet<(Score, Vec<u8>)>,
}

impl SortedSet {
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Adds `member` or moves it to `score`; whether it was new.
    fn insert(&mut self, score: Score, member: &[u8]) -> bool {
        match self.scores.get_mut(member) {
            Some(old) => {
                let old = std::mem::replace(old, score);
                self.ordered.remove(&(old, member.to_vec()));
                self.ordered.insert((score, member.to_vec()));
                false
            }
            None => {
                self.scores.insert(member.to_vec(), score);
                self.ordered.insert((score, member.to_vec()));
                true
            }
        }
    }

    fn pop_min(&mut self) -> Option<(Score, Vec<u8>)> {
        let (score, member) = self.ordered.pop_first()?;
        self.scores.remove(&member);
        Some((score, member))
    }
}

/// A score as Redis reads one: all of the argument as `strtod` reads it (decimal, hex,
/// `inf`), no leading space, not NaN, not out of range.
fn parse_score(arg: &[u8]) -> Option<Score> {
    if matches!(arg.first(), None | Some(b' ' | b'\t'..=b'\r')) {
        return None;
    }
    let text = CString::new(arg).ok()?;
    let mut end = std::ptr::null_mut();
    // SAFETY: `text` is a NUL-terminated string that outlives the call and `end` a valid
    // place for `strtod` to store a pointer into it; `__errno_location` returns this
    // thread's errno, which `strtod` sets on overflow or underflow and which we clear first.
    let (value, errno) = unsafe {
        *libc::__errno_location() = 0;
        let value = libc::strtod(text.as_ptr(), &mut end);
        (value, *libc::__errno_location())
    };
    let parsed = end as usize - text.as_ptr() as usize;
    let out_of_range = errno == libc::ERANGE && (value.is_infinite() || value == 0.0);
    if parsed != arg.len() || out_of_range || value.is_nan() {
        return None;
    }
    Some(Score(value + 0.0)) // -0 + 0 is 0
}

pub fn zadd(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    if args.len() % 2 == 1 {
        return resp::error(out, SYNTAX_ERROR);
    }
    let mut pairs = Vec::with_capacity(args.len() / 2 - 1);
    for i in (2..args.len()).step_by(2) {
        let Some(score) = parse_score(args.get(i)) else {
            return resp::error(out, "ERR value is not a valid float");
        };
        pairs.push((score, args.get(i + 1)));
    }
    let result = shared.db.get_or_create::<SortedSet, _>(args.get(1), |set| {
        pairs
            .iter()
            .filter(|(score, member)| set.insert(*score, member))
            .count()
    });
    match result {
        Ok(added) => resp::int(out, added as i64),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}

/// `ZPOPMIN key [count]`: member, score, member, score... of the lowest-scored members.
pub fn zpopmin(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    if args.len() > 3 {
        return resp::error(out, SYNTAX_ERROR);
    }
    let count = match count(args) {
        Ok(count) => count.unwrap_or(1),
        Err(text) => return resp::error(out, text),
    };
    let result = shared.db.get::<SortedSet, _>(args.get(1), |set| {
        let Some(set) = set else {
            return resp::array(out, Some(0));
        };
        let count = count.min(set.len());
        resp::array(out, Some(2 * count));
        for _ in 0..count {
            if let Some((score, member)) = set.pop_min() {
                resp::bulk(out, Some(&member));
                resp::double(out, score.0);
            }
        }
    });
    if result.is_err() {
        resp::error(out, WrongType::TEXT);
    }
}

pub fn zcard(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    match shared
        .db
        .get::<SortedSet, _>(args.get(1), |set| set.map_or(0, |s| s.len()))
    {
        Ok(len) => resp::int(out, len as i64),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}
