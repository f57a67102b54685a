//! [`Queue`]: FIFO, LIFO and priority queues, unbounded or bounded, joinable.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

use super::error::{Empty, PutError, TaskDoneError, ZeroCapacity};
use super::handout::Lines;
use super::store::{Fifo, Lifo, Priority, Store};
use super::wait::{leave_getters, poll_get, Get, Next, Put, QueueJoin};
use crate::runtime::pass;
use crate::sync::waitlist::Key;
use crate::sync::Event;

pub(super) struct State<T, S> {
    pub(super) items: S,
    pub(super) unfinished: usize,
    /// Set while no item is unfinished (gevent's `_cond`): `join` waits on it.
    pub(super) joined: Event,
    _item: PhantomData<T>,
}

/// What a queue's handles and futures share: the items, and apart (a pass must not depend on
/// `T`) the getters, the putters and the hand-out pass.
pub(super) struct Inner<T, S> {
    pub(super) state: RefCell<State<T, S>>,
    pub(super) lines: Rc<RefCell<Lines>>,
}

impl<T, S: Store<T>> State<T, S> {
    /// Stores an item put by the running task; returns whether the hand-out pass is due
    /// (getters wait): the caller starts it once `lines` is released.
    pub(super) fn commit(&mut self, item: T, lines: &mut Lines) -> bool {
        self.items.push(item);
        lines.len = self.items.len();
        if self.unfinished == 0 {
            self.joined.clear();
        }
        self.unfinished += 1;
        lines.getter_waits() && lines.schedule()
    }

    /// Takes an item, and whether the hand-out pass is due (putters wait for the slot it
    /// frees).
    pub(super) fn take(&mut self, lines: &mut Lines) -> (Option<T>, bool) {
        let item = self.items.pop();
        lines.len = self.items.len();
        let due = item.is_some() && lines.putter_waits() && lines.schedule();
        (item, due)
    }
}

impl<T, S: Store<T>> Inner<T, S> {
    /// Takes an item if there is one (for a task that does not wait).
    pub(super) fn try_take(&self) -> Option<T> {
        let (item, due) = self.state.borrow_mut().take(&mut self.lines.borrow_mut());
        self.start_if(due);
        item
    }

    /// Starts the hand-out pass if it is due.
    pub(super) fn start_if(&self, due: bool) {
        if due {
            pass::start(self.lines.clone());
        }
    }
}

pub(super) type Shared<T, S> = Rc<Inner<T, S>>;

/// A queue of items between tasks (gevent's `Queue`, `JoinableQueue`, `LifoQueue` and
/// `PriorityQueue`; SEMANTICS rules 19-22). `S` orders the items: [`Fifo`] (the default),
/// [`Lifo`] or [`Priority`]; see the [module docs](super) for the scheduling rules.
///
/// Cloning gives another handle to the same queue. A `Queue` is also a
/// [`Stream`] of its items, for consumers: [`next`](Queue::next) takes one, and the stream
/// ends once the queue is [closed](Queue::close) and drained.
///
/// ```
/// use greenery::queue::Queue;
/// greenery::run(async {
///     let q = Queue::new();
///     let consumer = {
///         let q = q.clone();
///         greenery::spawn(async move { q.get().await + q.get().await })
///     };
///     q.put(1).await.unwrap();
///     q.put(2).await.unwrap();
///     assert_eq!(consumer.await.unwrap(), 3);
/// });
/// ```
pub struct Queue<T, S = Fifo<T>> {
    shared: Shared<T, S>,
    /// The place in line of this handle used as a [`Stream`].
    stream_key: Option<Key>,
}

/// A queue with `task_done`/`join`: every [`Queue`] is joinable (as in gevent ≥ 25.4, where
/// `JoinableQueue is Queue`).
///
/// ```
/// greenery::run(async {
///     let q: greenery::queue::JoinableQueue<u8> = greenery::queue::Queue::new();
///     q.put(1).await.unwrap();
///     q.get().await;
///     q.task_done().unwrap();
///     q.join().await;
/// });
/// ```
pub type JoinableQueue<T> = Queue<T>;

/// A queue that hands out the last item put first: [`Queue::lifo`].
///
/// ```
/// let q: greenery::queue::LifoQueue<u8> = greenery::queue::Queue::lifo();
/// q.try_put(1).unwrap();
/// q.try_put(2).unwrap();
/// assert_eq!(q.try_get(), Ok(2));
/// ```
pub type LifoQueue<T> = Queue<T, Lifo<T>>;

/// A queue that hands out the smallest item first: [`Queue::priority`].
///
/// ```
/// let q: greenery::queue::PriorityQueue<u8> = greenery::queue::Queue::priority();
/// q.try_put(2).unwrap();
/// q.try_put(1).unwrap();
/// assert_eq!(q.try_get(), Ok(1));
/// ```
pub type PriorityQueue<T> = Queue<T, Priority<T>>;

impl<T> Queue<T> {
    /// An unbounded FIFO queue: `put` never waits.
    ///
    /// ```
    /// let q = greenery::queue::Queue::new();
    /// q.try_put("a").unwrap();
    /// assert_eq!(q.capacity(), None);
    /// ```
    pub fn new() -> Queue<T> {
        Queue::build(None)
    }

    /// A FIFO queue holding at most `capacity` items: `put` waits while it is full. An error
    /// for a capacity of zero (use [`Channel`](super::Channel) for a rendezvous).
    ///
    /// ```
    /// let q = greenery::queue::Queue::bounded(1).unwrap();
    /// q.try_put('a').unwrap();
    /// assert!(q.try_put('b').is_err());
    /// assert!(greenery::queue::Queue::<u8>::bounded(0).is_err());
    /// ```
    pub fn bounded(capacity: usize) -> Result<Queue<T>, ZeroCapacity> {
        Queue::with_store(Some(capacity))
    }

    /// An unbounded LIFO queue (gevent's `LifoQueue()`); bounded:
    /// `LifoQueue::with_store(Some(n))`.
    ///
    /// ```
    /// let q = greenery::queue::Queue::lifo();
    /// for x in [3, 1, 2] { q.try_put(x).unwrap(); }
    /// assert_eq!([q.try_get(), q.try_get(), q.try_get()], [Ok(2), Ok(1), Ok(3)]);
    /// ```
    pub fn lifo() -> LifoQueue<T> {
        Queue::build(None)
    }

    /// An unbounded priority queue, smallest item first (gevent's `PriorityQueue()`);
    /// bounded: `PriorityQueue::with_store(Some(n))`.
    ///
    /// ```
    /// let q = greenery::queue::Queue::priority();
    /// for x in [3, 1, 2] { q.try_put(x).unwrap(); }
    /// assert_eq!([q.try_get(), q.try_get(), q.try_get()], [Ok(1), Ok(2), Ok(3)]);
    /// ```
    pub fn priority() -> PriorityQueue<T>
    where
        T: Ord,
    {
        Queue::build(None)
    }
}

impl<T, S: Store<T>> Queue<T, S> {
    fn build(capacity: Option<usize>) -> Queue<T, S> {
        let joined = Event::new();
        joined.set();
        Queue {
            shared: Rc::new(Inner {
                state: RefCell::new(State {
                    items: S::default(),
                    unfinished: 0,
                    joined,
                    _item: PhantomData,
                }),
                lines: Rc::new(RefCell::new(Lines::new(capacity))),
            }),
            stream_key: None,
        }
    }

    /// A queue with any [`Store`]; `None` is unbounded, `Some(0)` an error.
    ///
    /// ```
    /// use greenery::queue::{Lifo, Queue};
    /// let q = Queue::<u8, Lifo<u8>>::with_store(Some(1)).unwrap();
    /// assert_eq!(q.capacity(), Some(1));
    /// assert!(Queue::<u8, Lifo<u8>>::with_store(Some(0)).is_err());
    /// ```
    pub fn with_store(capacity: Option<usize>) -> Result<Queue<T, S>, ZeroCapacity> {
        if capacity == Some(0) {
            return Err(ZeroCapacity);
        }
        Ok(Queue::build(capacity))
    }

    /// Puts `item`, waiting while a bounded queue is full; blocked putters are admitted in
    /// FIFO order by the queue's hand-out pass. Never yields when there is room (even with
    /// putters in line): waiting getters are served by the pass, once the caller yields or
    /// blocks. On a [closed](Self::close) queue — closed before or while it
    /// waits — the item comes back in [`Closed`](super::Closed) (gevent's `ShutDown`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::bounded(1).unwrap();
    ///     q.put(1).await.unwrap(); // room: returns at once
    ///     let q2 = q.clone();
    ///     let putter = greenery::spawn(async move { q2.put(2).await }); // waits: full
    ///     assert_eq!(q.get().await, 1);
    ///     putter.await.unwrap().unwrap();
    ///     assert_eq!(q.get().await, 2);
    /// });
    /// ```
    pub fn put(&self, item: T) -> Put<T, S> {
        Put {
            shared: self.shared.clone(),
            item: Some(item),
            key: None,
        }
    }

    /// Puts `item` if there is room (gevent's `put_nowait`), else gives it back in
    /// [`PutError::Full`], or in [`PutError::Closed`] when the queue is closed.
    ///
    /// ```
    /// let q = greenery::queue::Queue::bounded(1).unwrap();
    /// assert!(q.try_put(1).is_ok());
    /// assert_eq!(q.try_put(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        let due = {
            let mut lines = self.shared.lines.borrow_mut();
            if lines.closed {
                return Err(PutError::Closed(item));
            }
            if !lines.has_room() {
                return Err(PutError::Full(item));
            }
            self.shared.state.borrow_mut().commit(item, &mut lines)
        };
        self.shared.start_if(due);
        Ok(())
    }

    /// Like [`put`](Self::put), but gives the item back in [`PutError::Full`] if the queue
    /// stays full for `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::bounded(1).unwrap();
    ///     q.put(1).await.unwrap();
    ///     let err = q.put_timeout(2, Duration::from_millis(1)).await.unwrap_err();
    ///     assert_eq!(err.into_inner(), 2);
    /// });
    /// ```
    pub async fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        let mut put = self.put(item);
        match crate::time::timeout(timeout, &mut put).await {
            Ok(result) => result.map_err(PutError::from),
            Err(_) => Err(PutError::Full(put.take_back().unwrap_or_else(|| {
                unreachable!("an unfinished put still holds its item")
            }))),
        }
    }

    /// Closes the queue (gevent's `shutdown()`): from now on every put fails with
    /// [`Closed`](super::Closed) (waiting putters too), while getters take what is left; then
    /// [`next`](Self::next) and the [`Stream`] see the end (`None`). Closing twice does
    /// nothing. Items already put stay `unfinished` for [`join`](Self::join) until marked
    /// done.
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::new();
    ///     let consumer = {
    ///         let q = q.clone();
    ///         greenery::spawn(async move {
    ///             let mut got = Vec::new();
    ///             while let Some(item) = q.next().await {
    ///                 got.push(item);
    ///             }
    ///             got // the queue was closed and drained
    ///         })
    ///     };
    ///     for i in 0..3 {
    ///         q.put(i).await.unwrap();
    ///     }
    ///     q.close();
    ///     assert!(q.put(3).await.is_err());
    ///     assert_eq!(consumer.await.unwrap(), [0, 1, 2]);
    /// });
    /// ```
    pub fn close(&self) {
        let mut lines = self.shared.lines.borrow_mut();
        if std::mem::replace(&mut lines.closed, true) {
            return;
        }
        lines.getters.notify_all();
        lines.putters.notify_all();
    }

    /// Whether the queue was closed (gevent's `is_shutdown`).
    ///
    /// ```
    /// let q = greenery::queue::Queue::<u8>::new();
    /// q.close();
    /// assert!(q.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.lines.borrow().closed
    }

    /// Takes the next item, waiting while the queue is empty, like [`get`](Self::get); but
    /// once the queue is [closed](Self::close) and drained, `None`: the consumer's loop,
    /// `while let Some(item) = q.next().await`, needs no sentinel. (Inherent, so no extension
    /// trait is needed; the same as the [`Stream`]'s.)
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::new();
    ///     q.put("last").await.unwrap();
    ///     q.close();
    ///     assert_eq!(q.next().await, Some("last"));
    ///     assert_eq!(q.next().await, None);
    /// });
    /// ```
    pub fn next(&self) -> Next<T, S> {
        Next {
            shared: self.shared.clone(),
            key: None,
        }
    }

    /// Takes the next item, waiting while the queue is empty; waiting getters are served in
    /// FIFO order. Returns at once, without yielding, when an item is there.
    ///
    /// `get` is for queues that are never closed: on a closed queue with nothing left it waits
    /// forever (which [`run`](crate::run) reports as LoopExit when nothing else can happen);
    /// use [`next`](Self::next), which returns `None` there.
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::new();
    ///     let q2 = q.clone();
    ///     greenery::spawn(async move { q2.put("hi").await });
    ///     assert_eq!(q.get().await, "hi"); // waits for the put
    /// });
    /// ```
    pub fn get(&self) -> Get<T, S> {
        Get {
            shared: self.shared.clone(),
            key: None,
        }
    }

    /// Takes the next item if there is one (gevent's `get_nowait`).
    ///
    /// ```
    /// let q = greenery::queue::Queue::<u8>::new();
    /// assert_eq!(q.try_get(), Err(greenery::queue::Empty));
    /// ```
    pub fn try_get(&self) -> Result<T, Empty> {
        self.shared.try_take().ok_or(Empty)
    }

    /// Like [`get`](Self::get), but gives up with [`Empty`] after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::<u8>::new();
    ///     assert!(q.get_timeout(Duration::from_millis(1)).await.is_err());
    /// });
    /// ```
    pub async fn get_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        crate::time::timeout(timeout, self.get())
            .await
            .map_err(|_| Empty)
    }

    /// How many items are in the queue (gevent's `qsize()`).
    ///
    /// ```
    /// let q = greenery::queue::Queue::new();
    /// q.try_put(1).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.state.borrow().items.len()
    }

    /// Whether the queue holds no item.
    ///
    /// ```
    /// let q = greenery::queue::Queue::<u8>::new();
    /// assert!(q.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a bounded queue is at capacity (never for an unbounded one).
    ///
    /// ```
    /// let q = greenery::queue::Queue::bounded(1).unwrap();
    /// assert!(!q.is_full());
    /// q.try_put(1).unwrap();
    /// assert!(q.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        !self.shared.lines.borrow().has_room()
    }

    /// The capacity; `None` when unbounded (gevent's `maxsize`).
    ///
    /// ```
    /// assert_eq!(greenery::queue::Queue::<u8>::bounded(3).unwrap().capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.shared.lines.borrow().capacity
    }

    /// How many tasks wait to get an item.
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::<u8>::new();
    ///     let q2 = q.clone();
    ///     let getter = greenery::spawn(async move { q2.get().await });
    ///     greenery::yield_now().await;
    ///     assert_eq!(q.getters(), 1);
    ///     getter.kill(); // a killed getter leaves the line
    ///     assert_eq!(q.getters(), 0);
    /// });
    /// ```
    pub fn getters(&self) -> usize {
        self.shared.lines.borrow().getters.len()
    }

    /// How many tasks wait to put an item.
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::bounded(1).unwrap();
    ///     q.put(0).await.unwrap();
    ///     let q2 = q.clone();
    ///     greenery::spawn(async move { q2.put(1).await });
    ///     greenery::yield_now().await;
    ///     assert_eq!(q.putters(), 1);
    /// });
    /// ```
    pub fn putters(&self) -> usize {
        self.shared.lines.borrow().putters.len()
    }

    /// Items put and not yet marked done with [`task_done`](Self::task_done).
    ///
    /// ```
    /// let q = greenery::queue::Queue::new();
    /// q.try_put(1).unwrap();
    /// q.try_get().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1);
    /// q.task_done().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 0);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.shared.state.borrow().unfinished
    }

    /// Marks one item as processed; when none is left unfinished, [`join`](Self::join)ers
    /// wake. An error when called more often than items were put.
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::new();
    ///     q.put("job").await.unwrap();
    ///     let worker = {
    ///         let q = q.clone();
    ///         greenery::spawn(async move {
    ///             let _job = q.get().await;
    ///             q.task_done().unwrap();
    ///         })
    ///     };
    ///     q.join().await; // returns once the worker called task_done
    ///     assert!(worker.is_finished());
    ///     assert!(q.task_done().is_err());
    /// });
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.shared.state.borrow_mut();
        if state.unfinished == 0 {
            return Err(TaskDoneError);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            state.joined.set();
        }
        Ok(())
    }

    /// Waits until every item put has been marked done; returns at once if none is
    /// unfinished (unless the pass of the last `task_done` is still to run: then it joins
    /// it, as gevent's `join()`, an `Event.wait()`, does).
    ///
    /// ```
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::<u8>::new();
    ///     q.join().await; // nothing unfinished: returns at once
    /// });
    /// ```
    pub fn join(&self) -> QueueJoin<T, S> {
        QueueJoin::new(self.shared.state.borrow().joined.wait())
    }

    /// Like [`join`](Self::join), but waits at most `timeout`; returns whether every item
    /// was done.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let q = greenery::queue::Queue::new();
    ///     q.put(1).await.unwrap();
    ///     assert!(!q.join_timeout(Duration::from_millis(1)).await);
    /// });
    /// ```
    pub async fn join_timeout(&self, timeout: Duration) -> bool {
        crate::time::timeout(timeout, self.join()).await.is_ok()
    }
}

/// The stream of the items; it ends once the queue is closed and drained.
impl<T, S: Store<T>> Stream for Queue<T, S> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        poll_get(&this.shared, &mut this.stream_key, cx, true)
    }
}

impl<T, S> Clone for Queue<T, S> {
    fn clone(&self) -> Self {
        Queue {
            shared: self.shared.clone(),
            stream_key: None,
        }
    }
}

impl<T, S: Store<T>> Default for Queue<T, S> {
    fn default() -> Self {
        Queue::build(None)
    }
}

impl<T, S> Unpin for Queue<T, S> {}

impl<T, S> Drop for Queue<T, S> {
    fn drop(&mut self) {
        leave_getters(&self.shared.lines, &mut self.stream_key);
    }
}

impl<T, S> fmt::Debug for Queue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines = self.shared.lines.borrow();
        f.debug_struct("Queue")
            .field("len", &lines.len)
            .field("capacity", &lines.capacity)
            .field("getters", &lines.getters.len())
            .field("putters", &lines.putters.len())
            .field("closed", &lines.closed)
            .finish()
    }
}
