//! The errors of queue operations.

use std::error::Error;
use std::fmt;

/// A put into a closed queue (see [`Queue::close`](super::Queue::close)); carries the item
/// back (gevent's `ShutDown`, raised by `put` after `shutdown()`).
///
/// ```
/// greenery::run(async {
///     let q = greenery::queue::Queue::new();
///     q.close();
///     let closed: greenery::queue::Closed<i32> = q.put(1).await.unwrap_err();
///     assert_eq!(closed.into_inner(), 1);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Closed<T>(pub T);

impl<T> Closed<T> {
    /// The item that was not put.
    ///
    /// ```
    /// let q = greenery::queue::Queue::new();
    /// q.close();
    /// assert_eq!(q.try_put('x').unwrap_err().into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is closed")
    }
}

impl<T> Error for Closed<T> {}

/// A put that did not wait, or waited too long: the queue was full (`try_put`, gevent's
/// `Full`) or stayed full until the timeout (`put_timeout`), or it is closed. Carries the item
/// back.
///
/// ```
/// use greenery::queue::{PutError, Queue};
/// let q = Queue::bounded(1).unwrap();
/// q.try_put(1).unwrap();
/// assert!(matches!(q.try_put(2), Err(PutError::Full(2))));
/// q.close();
/// assert!(matches!(q.try_put(3), Err(PutError::Closed(3))));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// No room (gevent's `queue.Full`).
    Full(T),
    /// The queue is closed (gevent's `ShutDown`).
    Closed(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// let q = greenery::queue::Queue::bounded(1).unwrap();
    /// q.try_put('a').unwrap();
    /// assert_eq!(q.try_put('b').unwrap_err().into_inner(), 'b');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::Closed(item) => item,
        }
    }

    /// Whether the queue was closed (rather than full).
    ///
    /// ```
    /// let q = greenery::queue::Queue::bounded(1).unwrap();
    /// q.try_put(1).unwrap();
    /// assert!(!q.try_put(2).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, PutError::Closed(_))
    }
}

impl<T> From<Closed<T>> for PutError<T> {
    fn from(Closed(item): Closed<T>) -> Self {
        PutError::Closed(item)
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("the queue is full"),
            PutError::Closed(_) => f.write_str("the queue is closed"),
        }
    }
}

impl<T> Error for PutError<T> {}

/// A get that found nothing: the queue was empty (`try_get`) or stayed empty until the
/// timeout (`get_timeout`) (gevent's `queue.Empty`).
///
/// ```
/// let q = greenery::queue::Queue::<u8>::new();
/// assert_eq!(q.try_get().unwrap_err().to_string(), "the queue is empty");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}

impl Error for Empty {}

/// `Queue::bounded(0)`: a queue needs room for at least one item. A rendezvous (gevent's
/// `Channel`, the old meaning of `Queue(0)`) is [`Channel`](super::Channel).
///
/// ```
/// let err = greenery::queue::Queue::<u8>::bounded(0).unwrap_err();
/// assert_eq!(err, greenery::queue::ZeroCapacity);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroCapacity;

impl fmt::Display for ZeroCapacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bounded queue needs a capacity of at least 1 (use Channel for a rendezvous)")
    }
}

impl Error for ZeroCapacity {}

/// `task_done()` called more often than items were put.
///
/// ```
/// let q = greenery::queue::Queue::<u8>::new();
/// assert_eq!(q.task_done(), Err(greenery::queue::TaskDoneError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl Error for TaskDoneError {}
