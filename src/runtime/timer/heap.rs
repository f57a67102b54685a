//! The timer heap: deadlines in order, ties broken by arming order (SEMANTICS rule 4).
//!
//! Entries live in a slab; the heap holds `(deadline, sequence, key)`. A cancelled timer is
//! removed from the slab at once and its heap entry is skipped when it reaches the top (it is
//! recognised by its sequence number); the heap is rebuilt when stale entries outnumber live
//! ones, so cancelled timeouts cost no unbounded memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;
use std::time::Instant;

use slab::Slab;

struct Entry {
    seq: u64,
    waker: Option<Waker>,
}

/// A handle to an armed timer: its slab key and sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    key: usize,
    seq: u64,
}

#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    entries: Slab<Entry>,
    next_seq: u64,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers::default()
    }

    /// Arms a timer for `deadline` that wakes `waker`.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: &Waker) -> TimerKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        let key = self.entries.insert(Entry {
            seq,
            waker: Some(waker.clone()),
        });
        self.heap.push(Reverse((deadline, seq, key)));
        TimerKey { key, seq }
    }

    fn entry(&mut self, timer: TimerKey) -> Option<&mut Entry> {
        self.entries
            .get_mut(timer.key)
            .filter(|entry| entry.seq == timer.seq)
    }

    /// Whether the timer has fired; if not, makes sure it will wake `waker`.
    pub(crate) fn poll_fired(&mut self, timer: TimerKey, waker: &Waker) -> bool {
        match self.entry(timer) {
            Some(entry) => match &mut entry.waker {
                Some(current) => {
                    if !current.will_wake(waker) {
                        *current = waker.clone();
                    }
                    false
                }
                None => true,
            },
            None => true,
        }
    }

    /// Disarms (or forgets a fired) timer.
    pub(crate) fn remove(&mut self, timer: TimerKey) {
        if self.entry(timer).is_some() {
            self.entries.remove(timer.key);
        }
        if self.heap.len() > 64 && self.heap.len() > 2 * self.entries.len() {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let heap = std::mem::take(&mut self.heap).into_vec();
        let entries = &self.entries;
        let live = heap.into_iter().filter(|Reverse((_, seq, key))| {
            entries
                .get(*key)
                .is_some_and(|entry| entry.seq == *seq && entry.waker.is_some())
        });
        self.heap = live.collect();
    }

    /// The earliest deadline of an armed timer.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((deadline, seq, key))) = self.heap.peek().copied() {
            match self.entries.get(key) {
                Some(entry) if entry.seq == seq && entry.waker.is_some() => return Some(deadline),
                _ => {
                    self.heap.pop();
                }
            }
        }
        None
    }

    /// Fires every timer due at `now`, in deadline order, returning their wakers in order.
    pub(crate) fn fire_due(&mut self, now: Instant) -> Vec<Waker> {
        let mut due = Vec::new();
        while let Some(Reverse((deadline, seq, key))) = self.heap.peek().copied() {
            if deadline > now {
                break;
            }
            self.heap.pop();
            if let Some(entry) = self.entries.get_mut(key) {
                if entry.seq == seq {
                    due.extend(entry.waker.take());
                }
            }
        }
        due
    }

    /// How many timers are armed (for run info: it walks every entry).
    pub(crate) fn armed(&self) -> usize {
        self.entries
            .iter()
            .filter(|(_, entry)| entry.waker.is_some())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::task::Wake;
    use std::time::Duration;

    struct Log(usize, Arc<Mutex<Vec<usize>>>);
    impl Wake for Log {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn fires_in_deadline_order_ties_in_arming_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let waker = |i| Waker::from(Arc::new(Log(i, log.clone())));
        let base = Instant::now();
        let mut timers = Timers::new();
        timers.insert(base + Duration::from_millis(20), &waker(0));
        timers.insert(base + Duration::from_millis(10), &waker(1));
        timers.insert(base + Duration::from_millis(20), &waker(2));
        let cancelled = timers.insert(base + Duration::from_millis(5), &waker(3));
        timers.remove(cancelled);
        assert_eq!(
            timers.next_deadline(),
            Some(base + Duration::from_millis(10))
        );
        timers
            .fire_due(base + Duration::from_millis(30))
            .into_iter()
            .for_each(Waker::wake);
        assert_eq!(*log.lock().unwrap(), vec![1, 0, 2]);
        assert_eq!(timers.armed(), 0);
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn cancelled_timers_do_not_pile_up() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let waker = Waker::from(Arc::new(Log(0, log)));
        let base = Instant::now();
        let mut timers = Timers::new();
        for i in 0..10_000 {
            let key = timers.insert(base + Duration::from_millis(i), &waker);
            timers.remove(key);
        }
        assert!(
            timers.heap.len() <= 65,
            "heap kept {} stale entries",
            timers.heap.len()
        );
    }
}
