//! The futures of a [`Queue`](super::Queue)'s waiting operations: [`Put`], [`Get`], [`Next`]
//! and [`QueueJoin`], and the turn-taking they share.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::error::Closed;
use super::handout::Lines;
use super::queue::Shared;
use super::store::{Fifo, Store};
use crate::runtime::observe::{self, WaitOn};
use crate::runtime::pass;
use crate::sync::waitlist::Key;
use crate::sync::EventWait;

/// One poll of a getter. The first takes an item if there is one; otherwise the getter waits
/// in line until the hand-out pass serves it (gevent's getter blocks even if items arrive
/// meanwhile: they are the pass's to hand out). Served, it takes its item; if a running task
/// took it first, it waits again in its place. With `stream`, a getter sees the end: `None`
/// once the queue is closed and empty.
pub(super) fn poll_get<T, S: Store<T>>(
    shared: &Shared<T, S>,
    key: &mut Option<Key>,
    cx: &mut Context<'_>,
    stream: bool,
) -> Poll<Option<T>> {
    let mut lines = shared.lines.borrow_mut();
    let served = key.is_none_or(|key| lines.getters.is_notified(key));
    if served {
        let (item, due) = shared.state.borrow_mut().take(&mut lines);
        if let Some(item) = item {
            if let Some(key) = key.take() {
                lines.getters.remove(key);
            }
            drop(lines);
            shared.start_if(due);
            return Poll::Ready(Some(item));
        }
    }
    if stream && lines.closed {
        // Every waiter was woken by `close`: nothing to pass on.
        if let Some(key) = key.take() {
            lines.getters.remove(key);
        }
        return Poll::Ready(None);
    }
    let due = match *key {
        Some(key) => {
            lines.getters.rearm(key, cx.waker());
            false
        }
        None => {
            *key = Some(lines.getters.push(Some(cx.waker().clone()), ()));
            lines.putter_waits() && lines.schedule()
        }
    };
    drop(lines);
    shared.start_if(due);
    observe::note(WaitOn::Primitive("Queue::get"));
    Poll::Pending
}

/// A getter leaves (dropped: killed or timed out). If the pass had served it, the item it
/// was served for goes to the next getter.
pub(super) fn leave_getters(lines_rc: &Rc<RefCell<Lines>>, key: &mut Option<Key>) {
    let Some(key) = key.take() else { return };
    let due = {
        let mut lines = lines_rc.borrow_mut();
        let (served, ()) = lines.getters.remove(key);
        served && lines.len > 0 && lines.getter_waits() && lines.schedule()
    };
    if due {
        pass::start(lines_rc.clone());
    }
}

/// The future of [`Queue::put`](super::Queue::put). Dropping it before it finishes leaves the
/// line and drops the item; a slot the hand-out pass had given it goes to the next putter.
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

impl<T, S> Put<T, S> {
    /// Leaves the line and returns the item, unless it was put.
    pub(super) fn take_back(&mut self) -> Option<T> {
        let item = self.item.take()?;
        self.leave();
        Some(item)
    }

    /// Leaves the line. If the pass had admitted it, the slot goes to the next putter.
    fn leave(&mut self) {
        let Some(key) = self.key.take() else { return };
        let due = {
            let mut lines = self.shared.lines.borrow_mut();
            let (admitted, ()) = lines.putters.remove(key);
            admitted && lines.has_room() && lines.putter_waits() && lines.schedule()
        };
        if due {
            pass::start(self.shared.lines.clone());
        }
    }
}

impl<T, S: Store<T>> Future for Put<T, S> {
    type Output = Result<(), Closed<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let shared = &*this.shared;
        let mut lines = shared.lines.borrow_mut();
        if lines.closed {
            // Every putter was woken by `close`: nothing to pass on.
            if let Some(key) = this.key.take() {
                lines.putters.remove(key);
            }
            let item = this.item.take().expect("Put polled after it finished");
            return Poll::Ready(Err(Closed(item)));
        }
        // Room puts at once, putters in line or not (gevent's put); a waiting putter puts
        // once the pass admitted it.
        let admitted = this.key.is_none_or(|key| lines.putters.is_notified(key));
        if admitted && lines.has_room() {
            if let Some(key) = this.key.take() {
                lines.putters.remove(key);
            }
            let item = this.item.take().expect("Put polled after it finished");
            let due = shared.state.borrow_mut().commit(item, &mut lines);
            drop(lines);
            shared.start_if(due);
            return Poll::Ready(Ok(()));
        }
        let due = match this.key {
            Some(key) => {
                lines.putters.rearm(key, cx.waker());
                false
            }
            None => {
                this.key = Some(lines.putters.push(Some(cx.waker().clone()), ()));
                lines.getter_waits() && lines.schedule()
            }
        };
        drop(lines);
        shared.start_if(due);
        observe::note(WaitOn::Primitive("Queue::put"));
        Poll::Pending
    }
}

impl<T, S> Drop for Put<T, S> {
    fn drop(&mut self) {
        self.leave();
    }
}

impl<T, S> fmt::Debug for Put<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Queue::get`](super::Queue::get). Dropping it leaves the line; an item the
/// hand-out pass had served it goes to the next getter.
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
        poll_get(&this.shared, &mut this.key, cx, false)
            .map(|item| item.unwrap_or_else(|| unreachable!("only a stream's getter sees the end")))
    }
}

impl<T, S> Drop for Get<T, S> {
    fn drop(&mut self) {
        leave_getters(&self.shared.lines, &mut self.key);
    }
}

impl<T, S> fmt::Debug for Get<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Queue::next`](super::Queue::next): `Some(item)`, or `None` once the queue
/// is closed and drained. Dropping it leaves the line; an item the hand-out pass had served it
/// goes to the next getter.
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
        poll_get(&this.shared, &mut this.key, cx, true)
    }
}

impl<T, S> Drop for Next<T, S> {
    fn drop(&mut self) {
        leave_getters(&self.shared.lines, &mut self.key);
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
    wait: EventWait,
    _queue: PhantomData<fn() -> (T, S)>,
}

impl<T, S> QueueJoin<T, S> {
    pub(super) fn new(wait: EventWait) -> Self {
        QueueJoin {
            wait,
            _queue: PhantomData,
        }
    }
}

impl<T, S> Unpin for QueueJoin<T, S> {}

impl<T, S> Future for QueueJoin<T, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let poll = Pin::new(&mut self.wait).poll(cx);
        observe::pending_on(poll, WaitOn::Primitive("Queue::join"))
    }
}

impl<T, S> fmt::Debug for QueueJoin<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueJoin")
            .field("wait", &self.wait)
            .finish()
    }
}
