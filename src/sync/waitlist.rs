//! The one wait-list mechanism every primitive of `sync`, `queue` and `pool` shares.
//!
//! A [`WaitList`] is a FIFO of parked waiters, each a node holding the waiter's [`Waker`], a
//! `notified` flag and an optional payload. Nodes live in a slab threaded as a doubly linked
//! list, so pushing, removing from the middle and notifying the head are O(1).
//!
//! The protocol, shared by all primitives:
//! - A waiter future pushes a node the first time it must wait and keeps its [`Key`]; only
//!   that future ever removes the node (on success or when dropped), so keys never dangle.
//! - Notifying marks a node and wakes its task. Waking is deferred (it queues the task), so
//!   the notifier keeps running and may take the resource first (gevent's barging).
//! - A notified waiter that finds the resource gone clears its flag and keeps its place in
//!   line; one that is dropped while notified (killed, timed out) reports it, so the
//!   primitive passes the notification on and no wake-up is lost or given to a dead task.

use std::task::{Poll, Waker};

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

    /// Notifies the first waiter in line that is not notified yet; returns whether there was
    /// one.
    pub(crate) fn notify_one(&mut self) -> bool {
        if self.notified == self.nodes.len() {
            return false;
        }
        let mut key = self.head;
        while key != NIL {
            if !self.nodes[key].notified {
                self.notify(key);
                return true;
            }
            key = self.nodes[key].next;
        }
        false
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

    /// The first waiter in line whose payload satisfies `pred`.
    pub(crate) fn find(&self, mut pred: impl FnMut(&P) -> bool) -> Option<Key> {
        let mut key = self.head;
        while key != NIL {
            if pred(&self.nodes[key].payload) {
                return Some(key);
            }
            key = self.nodes[key].next;
        }
        None
    }
}

/// The turn-taking every primitive with a plain line of waiters shares.
impl WaitList<()> {
    /// One poll of a waiter that tries to take something: `taken` is what it got. With
    /// something, it leaves the line (if it was in it); with nothing, it joins the back on its
    /// first poll, or, woken but beaten to it by a running task (barging), keeps its place,
    /// re-armed with the waker it polls with now.
    pub(crate) fn wait_turn<R>(
        &mut self,
        key: &mut Option<Key>,
        taken: Option<R>,
        waker: &Waker,
    ) -> Poll<R> {
        match taken {
            Some(value) => {
                if let Some(key) = key.take() {
                    self.remove(key);
                }
                Poll::Ready(value)
            }
            None => {
                self.park(key, waker);
                Poll::Pending
            }
        }
    }

    /// Joins the back of the line, or re-arms the waiter's place in it.
    pub(crate) fn park(&mut self, key: &mut Option<Key>, waker: &Waker) {
        match *key {
            Some(key) => self.rearm(key, waker),
            None => *key = Some(self.push(Some(waker.clone()), ())),
        }
    }

    /// A waiter gives up (dropped: killed or timed out). If it had been woken and `pass_on`
    /// says there may still be something to take, the wake-up goes to the next in line, so
    /// nothing is handed to a task that is gone.
    pub(crate) fn leave(&mut self, key: &mut Option<Key>, pass_on: bool) {
        if let Some(key) = key.take() {
            let (notified, ()) = self.remove(key);
            if notified && pass_on {
                self.notify_one();
            }
        }
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
        assert!(list.notify_one());
        assert!(list.is_notified(a) && !list.is_notified(b));
        assert!(list.notify_one());
        assert!(!list.notify_one());
        assert_eq!(ca.0.load(Ordering::SeqCst), 1);
        assert_eq!(cb.0.load(Ordering::SeqCst), 1);
        list.clear_notified(a);
        assert_eq!(list.notified(), 1);
        assert_eq!(list.remove(b), (true, 'b'));
        assert_eq!(list.find(|p| *p == 'a'), Some(a));
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
        list.notify_all();
        assert_eq!(list.notified(), 3);
        assert_eq!(list.find(|_| true), Some(keys[1]));
        assert_eq!(list.remove(keys[1]).1, 1);
        assert_eq!(list.remove(keys[3]).1, 3);
        assert_eq!(list.remove(k).1, 9);
        assert_eq!(list.len(), 0);
    }
}
