//! The futures of a [`Queue`](super::Queue)'s waiting operations: [`Put`], [`Get`], [`Next`]
//! and [`QueueJoin`], and the turn-taking they share.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::Closed;
use super::queue::Shared;
use super::store::{Fifo, Store};
use crate::runtime::observe::{self, WaitOn};
use crate::sync::waitlist::Key;

pub(super) fn poll_get<T, S: Store<T>>(
    shared: &Shared<T, S>,
    key: &mut Option<Key>,
    cx: &mut Context<'_>,
) -> Poll<T> {
    let mut state = shared.borrow_mut();
    let item = state.take();
    let poll = state.getters.wait_turn(key, item, cx.waker());
    observe::pending_on(poll, WaitOn::Primitive("Queue::get"))
}

/// One poll of a getter that sees the end: `None` once the queue is closed and empty.
pub(super) fn poll_next<T, S: Store<T>>(
    shared: &Shared<T, S>,
    key: &mut Option<Key>,
    cx: &mut Context<'_>,
) -> Poll<Option<T>> {
    let mut state = shared.borrow_mut();
    let item = state.take();
    if item.is_none() && state.closed {
        // Every waiter was woken by `close`: nothing to pass on.
        state.getters.leave(key, false);
        return Poll::Ready(None);
    }
    let poll = state.getters.wait_turn(key, item, cx.waker()).map(Some);
    observe::pending_on(poll, WaitOn::Primitive("Queue::get"))
}

/// The future of [`Queue::put`](super::Queue::put). Dropping it before it finishes leaves the line and drops
/// the item; a wake-up it had received passes to the next putter.
///
/// ```
/// greenery::run(async {
///     let q = greenery::queue::Queue::new();
///     let put: greenery::queue::Put<u8> = q.put(1);
///     put.await.unwrap();
///     assert_eq!(q.len(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Put<T, S = Fifo<T>> {
    pub(super) shared: Shared<T, S>,
    pub(super) item: Option<T>,
    pub(super) key: Option<Key>,
}

impl<T, S> Unpin for Put<T, S> {}

impl<T, S: Store<T>> Future for Put<T, S> {
    type Output = Result<(), Closed<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut state = this.shared.borrow_mut();
        if state.closed {
            // Every putter was woken by `close`: nothing to pass on.
            if let Some(key) = this.key.take() {
                state.putters.remove(key);
            }
            let item = this.item.take().expect("Put polled after it finished");
            return Poll::Ready(Err(Closed(item)));
        }
        if state.has_room() {
            if let Some(key) = this.key {
                if state.putters.is_notified(key)
                    && state.getters.notified() > 0
                    && !state.items.is_empty()
                {
                    // gevent's hand-out pass alternates: one putter, then one getter. A
                    // getter woken for an item already there goes first.
                    cx.waker().wake_by_ref();
                    observe::note(WaitOn::Primitive("Queue::put"));
                    return Poll::Pending;
                }
                state.putters.remove(key);
                this.key = None;
            }
            let item = this.item.take().expect("Put polled after it finished");
            state.commit(item);
            return Poll::Ready(Ok(()));
        }
        state.putters.park(&mut this.key, cx.waker());
        observe::note(WaitOn::Primitive("Queue::put"));
        Poll::Pending
    }
}

impl<T, S> Drop for Put<T, S> {
    fn drop(&mut self) {
        if self.key.is_some() {
            // The slot it was woken for may still be free: pass the wake-up on.
            self.shared.borrow_mut().putters.leave(&mut self.key, true);
        }
    }
}

impl<T, S> fmt::Debug for Put<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Queue::get`](super::Queue::get). Dropping it leaves the line; a wake-up it had received
/// passes to the next getter.
///
/// ```
/// greenery::run(async {
///     let q = greenery::queue::Queue::new();
///     q.put(1).await.unwrap();
///     let get: greenery::queue::Get<u8> = q.get();
///     assert_eq!(get.await, 1);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Get<T, S = Fifo<T>> {
    pub(super) shared: Shared<T, S>,
    pub(super) key: Option<Key>,
}

impl<T, S> Unpin for Get<T, S> {}

impl<T, S: Store<T>> Future for Get<T, S> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        poll_get(&this.shared, &mut this.key, cx)
    }
}

impl<T, S> Drop for Get<T, S> {
    fn drop(&mut self) {
        if self.key.is_some() {
            self.shared.borrow_mut().getters.leave(&mut self.key, true);
        }
    }
}

impl<T, S> fmt::Debug for Get<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Queue::next`](super::Queue::next): `Some(item)`, or `None` once the queue is closed and
/// drained. Dropping it leaves the line; a wake-up it had received passes to the next getter.
///
/// ```
/// greenery::run(async {
///     let q = greenery::queue::Queue::<u8>::new();
///     q.close();
///     let next: greenery::queue::Next<u8> = q.next();
///     assert_eq!(next.await, None);
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Next<T, S = Fifo<T>> {
    pub(super) shared: Shared<T, S>,
    pub(super) key: Option<Key>,
}

impl<T, S> Unpin for Next<T, S> {}

impl<T, S: Store<T>> Future for Next<T, S> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        poll_next(&this.shared, &mut this.key, cx)
    }
}

impl<T, S> Drop for Next<T, S> {
    fn drop(&mut self) {
        if self.key.is_some() {
            self.shared.borrow_mut().getters.leave(&mut self.key, true);
        }
    }
}

impl<T, S> fmt::Debug for Next<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Queue::join`](super::Queue::join).
///
/// ```
/// greenery::run(async {
///     let q = greenery::queue::Queue::<u8>::new();
///     let join: greenery::queue::QueueJoin<u8> = q.join();
///     join.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct QueueJoin<T, S = Fifo<T>> {
    pub(super) shared: Shared<T, S>,
    pub(super) key: Option<Key>,
}

impl<T, S> Unpin for QueueJoin<T, S> {}

impl<T, S> Future for QueueJoin<T, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.shared.borrow_mut();
        let woken = this.key.is_some_and(|key| state.joiners.is_notified(key));
        if woken || state.unfinished == 0 {
            if let Some(key) = this.key.take() {
                state.joiners.remove(key);
            }
            return Poll::Ready(());
        }
        match this.key {
            Some(key) => state.joiners.set_waker(key, cx.waker()),
            None => this.key = Some(state.joiners.push(Some(cx.waker().clone()), ())),
        }
        observe::note(WaitOn::Primitive("Queue::join"));
        Poll::Pending
    }
}

impl<T, S> Drop for QueueJoin<T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.borrow_mut().joiners.remove(key);
        }
    }
}

impl<T, S> fmt::Debug for QueueJoin<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueJoin")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
