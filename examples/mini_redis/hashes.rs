//! Hash commands: `HSET key field value [field value ...]`, `HGET`.

use crate::commands::{wrong_arity, Args};
use crate::db::{Hash, WrongType};
use crate::{resp, Shared};

/// `HSET`: how many fields were new.
pub fn hset(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    if args.len() % 2 == 1 {
        return wrong_arity(out, "hset");
    }
    let result = shared.db.get_or_create::<Hash, _>(args.get(1), |hash| {
        let mut added = 0;
        for i in (2..args.len()).step_by(2) {
            let value = args.get(i + 1).to_vec();
            match hash.get_mut(args.get(i)) {
                Some(slot) => *slot = value,
                None => {
                    hash.insert(args.get(i).to_vec(), value);
                    added += 1;
                }
            }
        }
        added
    });
    match result {
        Ok(added) => resp::int(out, added),
        Err(WrongType) => resp::error(out, WrongType::TEXT),
    }
}

pub fn hget(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let result = shared.db.get::<Hash, _>(args.get(1), |hash| {
        let value = hash.and_then(|h| h.get(args.get(2)));
        resp::bulk(out, value.map(|v| &v[..]));
    });
    if result.is_err() {
        resp::error(out, WrongType::TEXT);
    }
}
