//! How a [`Queue`](super::Queue) orders its items: [`Fifo`], [`Lifo`], [`Priority`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

/// The item storage of a [`Queue`](super::Queue): decides which item `get` returns next.
///
/// ```
/// use greenery::queue::{Queue, Store};
///
/// /// Hands out the largest item first.
/// #[derive(Default)]
/// struct Largest(Vec<u32>);
///
/// impl Store<u32> for Largest {
///     fn push(&mut self, item: u32) {
///         self.0.push(item);
///         self.0.sort();
///     }
///     fn pop(&mut self) -> Option<u32> {
///         self.0.pop()
///     }
///     fn len(&self) -> usize {
///         self.0.len()
///     }
/// }
///
/// let q: Queue<u32, Largest> = Queue::with_store(None).unwrap();
/// q.try_put(1).unwrap();
/// q.try_put(3).unwrap();
/// assert_eq!(q.try_get(), Ok(3));
/// ```
pub trait Store<T>: Default {
    /// Adds an item.
    fn push(&mut self, item: T);
    /// Removes the next item to hand out.
    fn pop(&mut self) -> Option<T>;
    /// How many items are stored.
    fn len(&self) -> usize;
    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out (gevent's `Queue`).
///
/// ```
/// let q: greenery::queue::Queue<u8, greenery::queue::Fifo<u8>> = greenery::queue::Queue::new();
/// q.try_put(1).unwrap();
/// q.try_put(2).unwrap();
/// assert_eq!(q.try_get(), Ok(1));
/// ```
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out (gevent's `LifoQueue`).
///
/// ```
/// use greenery::queue::{Lifo, Queue};
/// let q: Queue<u8, Lifo<u8>> = Queue::with_store(Some(2)).unwrap();
/// q.try_put(1).unwrap();
/// q.try_put(2).unwrap();
/// assert_eq!(q.try_get(), Ok(2));
/// ```
pub struct Lifo<T>(Vec<T>);

/// Smallest first (gevent's `PriorityQueue`); wrap items in `std::cmp::Reverse` for largest
/// first.
///
/// ```
/// use greenery::queue::{Priority, Queue};
/// let q: Queue<(u8, &str), Priority<(u8, &str)>> = Queue::with_store(None).unwrap();
/// q.try_put((2, "low")).unwrap();
/// q.try_put((1, "high")).unwrap();
/// assert_eq!(q.try_get(), Ok((1, "high")));
/// ```
pub struct Priority<T: Ord>(BinaryHeap<Reverse<T>>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(BinaryHeap::new())
    }
}

impl<T> Store<T> for Fifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> Store<T> for Lifo<T> {
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord> Store<T> for Priority<T> {
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> fmt::Debug for Fifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fifo({} items)", self.0.len())
    }
}

impl<T> fmt::Debug for Lifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lifo({} items)", self.0.len())
    }
}

impl<T: Ord> fmt::Debug for Priority<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Priority({} items)", self.0.len())
    }
}
