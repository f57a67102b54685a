//! The errors of queue operations.

use std::error::Error;
use std::fmt;

/// A put that could not complete: the queue was full (`try_put`) or stayed full until the
/// timeout (`put_timeout`). Carries the item back (gevent's `queue.Full`).
///
/// ```
/// let q = greenery::queue::Queue::bounded(1).unwrap();
/// q.try_put(1).unwrap();
/// let full: greenery::queue::Full<i32> = q.try_put(2).unwrap_err();
/// assert_eq!(full.0, 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> Full<T> {
    /// The item that was not put.
    ///
    /// ```
    /// let q = greenery::queue::Queue::bounded(1).unwrap();
    /// q.try_put('a').unwrap();
    /// assert_eq!(q.try_put('b').unwrap_err().into_inner(), 'b');
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}

impl<T> Error for Full<T> {}

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
