//! The key space: typed values with optional expiry times, shared by every connection.
//!
//! Keys expire lazily (a read of an expired key deletes it) and [`Db::sweep`] removes the
//! expired keys nobody reads. A collection whose last element goes takes its key with it,
//! as in Redis.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::sets::Set;
use crate::sorted_sets::SortedSet;

/// A string value.
pub type Str = Vec<u8>;
/// A list value.
pub type List = VecDeque<Vec<u8>>;
/// A hash value: field to value.
pub type Hash = HashMap<Vec<u8>, Vec<u8>>;

/// A key's value, of one of Redis's types.
pub enum Value {
    Str(Str),
    List(List),
    Set(Set),
    Hash(Hash),
    SortedSet(SortedSet),
}

impl Value {
    /// The name `TYPE` replies.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Hash(_) => "hash",
            Value::SortedSet(_) => "zset",
        }
    }
}

/// A Redis type that commands ask the key space for by type.
pub trait Kind: Default {
    /// The value as this type, if it is one.
    fn of(value: &mut Value) -> Option<&mut Self>;
    /// Wraps a new value of this type.
    fn into_value(self) -> Value;
    /// Whether the key goes: a collection with no elements left (a string never does).
    fn is_gone(&self) -> bool;
}

macro_rules! kind {
    ($type:ty, $variant:ident, $gone:expr) => {
        impl Kind for $type {
            fn of(value: &mut Value) -> Option<&mut Self> {
                match value {
                    Value::$variant(inner) => Some(inner),
                    _ => None,
                }
            }
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
            fn is_gone(&self) -> bool {
                $gone(self)
            }
        }
    };
}

kind!(Str, Str, |_: &Str| false);
kind!(List, List, List::is_empty);
kind!(Set, Set, Set::is_empty);
kind!(Hash, Hash, Hash::is_empty);
kind!(SortedSet, SortedSet, SortedSet::is_empty);

/// A command met a key of another type: `-WRONGTYPE ...`.
#[derive(Debug)]
pub struct WrongType;

impl WrongType {
    /// Redis's text for it.
    pub const TEXT: &'static str =
        "WRONGTYPE Operation against a key holding the wrong kind of value";
}

/// A value and when it expires.
pub struct Entry {
    pub value: Value,
    pub expires: Option<Instant>,
}

impl Entry {
    /// A value that never expires.
    pub fn new(value: Value) -> Entry {
        Entry {
            value,
            expires: None,
        }
    }

    pub fn is_live(&self, now: impl FnOnce() -> Instant) -> bool {
        self.expires.is_none_or(|at| at > now())
    }
}

/// The key space.
#[derive(Default)]
pub struct Db {
    map: RefCell<HashMap<Vec<u8>, Entry>>,
}

impl Db {
    /// The live entry for `key`, of any type, deleting it if it has expired.
    pub fn with_live<R>(&self, key: &[u8], f: impl FnOnce(Option<&mut Entry>) -> R) -> R {
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

    /// The live value of type `T` at `key` (`None`: no such key); deletes the key if `f`
    /// leaves the value empty.
    pub fn get<T: Kind, R>(
        &self,
        key: &[u8],
        f: impl FnOnce(Option<&mut T>) -> R,
    ) -> Result<R, WrongType> {
        let (result, gone) = self.with_live(key, |entry| match entry {
            None => Ok((f(None), false)),
            Some(entry) => {
                let value = T::of(&mut entry.value).ok_or(WrongType)?;
                let result = f(Some(&mut *value));
                Ok((result, value.is_gone()))
            }
        })?;
        if gone {
            self.map.borrow_mut().remove(key);
        }
        Ok(result)
    }

    /// As [`Db::get`], creating an empty `T` (that never expires) when the key is missing.
    pub fn get_or_create<T: Kind, R>(
        &self,
        key: &[u8],
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, WrongType> {
        let mut map = self.map.borrow_mut();
        if !map.get(key).is_some_and(|e| e.is_live(Instant::now)) {
            map.insert(key.to_vec(), Entry::new(T::default().into_value()));
        }
        let entry = map.get_mut(key);
        let value = entry.and_then(|e| T::of(&mut e.value)).ok_or(WrongType)?;
        let result = f(value);
        if value.is_gone() {
            map.remove(key);
        }
        Ok(result)
    }

    /// Sets `key` to `entry`, whatever it held.
    pub fn insert(&self, key: &[u8], entry: Entry) {
        let mut map = self.map.borrow_mut();
        match map.get_mut(key) {
            Some(slot) => *slot = entry, // no new key allocation
            None => {
                map.insert(key.to_vec(), entry);
            }
        }
    }

    /// Removes `key`; whether it was live.
    pub fn remove(&self, key: &[u8]) -> bool {
        let removed = self.map.borrow_mut().remove(key);
        removed.is_some_and(|e| e.is_live(Instant::now))
    }

    /// Removes every expired key.
    pub fn sweep(&self) {
        let now = Instant::now();
        self.map.borrow_mut().retain(|_, e| e.is_live(|| now));
    }
}
