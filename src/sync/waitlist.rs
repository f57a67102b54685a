//! The one wait-list mechanism every primitive of `sync`, `queue` and `pool` shares.
//!
//! A [`WaitList`] is a FIFO of parked waiters, each a node holding the waiter's [`Waker`], a
//! `notified` flag and an optional payload. Nodes live in a slab threaded as a doubly linked
//! list, so pushing, removing from the middle and notifying the head are O(1).
//!
//! The protocol, shared by all primitives:
//! - A waiter future pushes a node the first time it must wait and keeps its [`Key`]; only
//!   that future ever removes the node (on success or when dropped), so keys never dangle.
//! - Notifying marks a node and wakes its task. The primitives notify from their
//!   notification passes (`runtime/pass.rs`), which run the woken task at once; a wake that
//!   cannot (the task is queued already) leaves the mark for when it runs.
//! - A notified waiter that finds the resource gone (a running task barged in first) clears
//!   its flag and keeps its place in line; one that is dropped while notified (killed, timed
//!   out) reports it, so the primitive can serve someone else.

use std::task::Waker;

use slab::Slab;

/// The address of a waiter's node in its [`WaitList`].
pub(crate) type Key = usize;

const NIL: usize = usize::MAX;

struct Node<P> {
    waker: Option<Waker>,
    notified: bool,
    prev: usize,
    next: usize,
    payload: P,
}

/// A FIFO of waiters (see the module docs).
pub(crate) struct WaitList<P = ()> {
    nodes: Slab<Node<P>>,
    head: usize,
    tail: usize,
    notified: usize,
}

impl<P> Default for WaitList<P> {
    fn default() -> Self {
        WaitList {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
            notified: 0,
        }
    }
}

impl<P> WaitList<P> {
    /// Adds a waiter at the back of the line. `waker` may be `None` for a place reserved
    /// before its task first runs; a notification then only marks it.
    pub(crate) fn push(&mut self, waker: Option<Waker>, payload: P) -> Key {
        let key = self.nodes.insert(Node {
            waker,
            notified: false,
            prev: self.tail,
            next: NIL,
            payload,
        });
        match self.tail {
            NIL => self.head = key,
            tail => self.nodes[tail].next = key,
        }
        self.tail = key;
        key
    }

    /// Removes a waiter; returns whether it was notified and its payload.
    pub(crate) fn remove(&mut self, key: Key) -> (bool, P) {
        let node = self.nodes.remove(key);
        match node.prev {
            NIL => self.head = node.next,
            prev => self.nodes[prev].next = node.next,
        }
        match node.next {
            NIL => self.tail = node.prev,
            next => self.nodes[next].prev = node.prev,
        }
        if node.notified {
            self.notified -= 1;
        }
        (node.notified, node.payload)
    }

    /// Stores the waker the waiter's task polls with now (if it changed).
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) {
        let slot = &mut self.nodes[key].waker;
        match slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Whether the waiter has been notified and not yet re-armed.
    pub(crate) fn is_notified(&self, key: Key) -> bool {
        self.nodes[key].notified
    }

    /// Re-arms a notified waiter that found nothing: it keeps its place in line.
    pub(crate) fn clear_notified(&mut self, key: Key) {
        let node = &mut self.nodes[key];
        if node.notified {
            node.notified = false;
            self.notified -= 1;
        }
    }

    /// A woken waiter found nothing (a running task took it first): it keeps its place in
    /// line, waiting again with the waker it polls with now.
    pub(crate) fn rearm(&mut self, key: Key, waker: &Waker) {
        self.clear_notified(key);
        self.set_waker(key, waker);
    }

    /// Notifies one waiter by key (no-op if already notified).
    pub(crate) fn notify(&mut self, key: Key) {
        let node = &mut self.nodes[key];
        if !node.notified {
            node.notified = true;
            self.notified += 1;
            if let Some(waker) = &node.waker {
                waker.wake_by_ref();
            }
        }
    }

    /// The first waiter in line that is not notified and whose payload satisfies `pred`.
    pub(crate) fn first(&self, mut pred: impl FnMut(&P) -> bool) -> Option<Key> {
        if self.notified == self.nodes.len() {
            return None;
        }
        let mut key = self.head;
        while key != NIL {
            let node = &self.nodes[key];
            if !node.notified && pred(&node.payload) {
                return Some(key);
            }
            key = node.next;
        }
        None
    }

    /// The last waiter in line that is not notified and whose payload satisfies `pred`.
    pub(crate) fn last(&self, mut pred: impl FnMut(&P) -> bool) -> Option<Key> {
        let mut key = self.tail;
        while key != NIL {
            let node = &self.nodes[key];
            if !node.notified && pred(&node.payload) {
                return Some(key);
            }
            key = node.prev;
        }
        None
    }

    /// Moves a waiter to the back of the line; it keeps its key.
    pub(crate) fn move_to_back(&mut self, key: Key) {
        if self.tail == key {
            return;
        }
        let (prev, next) = (self.nodes[key].prev, self.nodes[key].next);
        match prev {
            NIL => self.head = next,
            prev => self.nodes[prev].next = next,
        }
        self.nodes[next].prev = prev;
        let tail = self.tail;
        self.nodes[tail].next = key;
        let node = &mut self.nodes[key];
        node.prev = tail;
        node.next = NIL;
        self.tail = key;
    }

    /// Notifies every waiter, in line order.
    pub(crate) fn notify_all(&mut self) {
        let mut key = self.head;
        while key != NIL {
            self.notify(key);
            key = self.nodes[key].next;
        }
    }

    /// How many waiters are in line.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// How many waiters are notified and have not run yet.
    pub(crate) fn notified(&self) -> usize {
        self.notified
    }

    /// The payload of a waiter.
    pub(crate) fn payload_mut(&mut self, key: Key) -> &mut P {
        &mut self.nodes[key].payload
    }

    /// The payload of a waiter.
    pub(crate) fn payload(&self, key: Key) -> &P {
        &self.nodes[key].payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn notifies_in_fifo_order_and_skips_notified() {
        let mut list = WaitList::default();
        let (ca, wa) = counter();
        let (cb, wb) = counter();
        let a = list.push(Some(wa), 'a');
        let b = list.push(Some(wb), 'b');
        assert_eq!(list.first(|_| true), Some(a));
        list.notify(a);
        assert!(list.is_notified(a) && !list.is_notified(b));
        assert_eq!(list.first(|_| true), Some(b));
        assert_eq!(list.last(|_| true), Some(b));
        list.notify(b);
        assert_eq!(list.first(|_| true), None);
        assert_eq!(list.last(|_| true), None);
        assert_eq!(ca.0.load(Ordering::SeqCst), 1);
        assert_eq!(cb.0.load(Ordering::SeqCst), 1);
        list.clear_notified(a);
        assert_eq!(list.notified(), 1);
        assert_eq!(list.remove(b), (true, 'b'));
        assert_eq!(list.first(|p| *p == 'a'), Some(a));
        assert_eq!(list.remove(a), (false, 'a'));
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn removal_from_the_middle_keeps_the_order() {
        let mut list = WaitList::default();
        let keys: Vec<Key> = (0..5).map(|i| list.push(None, i)).collect();
        list.remove(keys[2]);
        list.remove(keys[0]);
        list.remove(keys[4]);
        let k = list.push(None, 9);
        assert_eq!(list.first(|p| *p > 1), Some(keys[3]));
        assert_eq!(list.last(|p| *p < 9), Some(keys[3]));
        list.notify_all();
        assert_eq!(list.notified(), 3);
        assert_eq!(list.remove(keys[1]).1, 1);
        assert_eq!(list.remove(keys[3]).1, 3);
        assert_eq!(list.remove(k).1, 9);
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn a_waiter_moved_to_the_back_keeps_its_key() {
        let mut list = WaitList::default();
        let keys: Vec<Key> = (0..3).map(|i| list.push(None, i)).collect();
        list.move_to_back(keys[0]);
        list.move_to_back(keys[2]);
        list.move_to_back(keys[2]);
        let order: Vec<i32> = std::iter::from_fn(|| {
            let key = list.first(|_| true)?;
            list.notify(key);
            Some(*list.payload(key))
        })
        .collect();
        assert_eq!(order, [1, 0, 2]);
        assert_eq!(list.last(|_| true), None);
        list.clear_notified(keys[2]);
        assert_eq!(list.last(|_| true), Some(keys[2]));
        list.move_to_back(keys[1]);
        assert_eq!(list.first(|_| true), Some(keys[2]));
    }
}
