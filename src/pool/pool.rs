//! [`Pool`]: a [`Group`] that runs at most `size` tasks at once.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::ops::Deref;

use super::group::{Group, Inner};
use crate::runtime::JoinHandle;
use crate::sync::Semaphore;

/// `Pool::new(0)`: a pool needs at least one slot.
///
/// ```
/// assert_eq!(greenery::pool::Pool::new(0).unwrap_err(), greenery::pool::ZeroSize);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroSize;

impl fmt::Display for ZeroSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a pool needs a size of at least 1")
    }
}

impl Error for ZeroSize {}

/// A [`Group`] that runs at most `size` tasks at once (gevent's `pool.Pool`, SEMANTICS rules
/// 25-27). Every method of [`Group`] is available on a pool (`map`, `imap`, `apply_async`,
/// `join`, `kill`, ...) and respects the limit.
///
/// [`spawn`](Pool::spawn) makes the caller wait while the pool is full; blocked spawners are
/// admitted in FIFO order, one per freed slot, and the admitted task starts when its spawner
/// next yields. When the last handle to the pool is dropped, its tasks are killed.
///
/// ```
/// use std::time::Duration;
/// use greenery::{pool::Pool, time::sleep};
/// greenery::run(async {
///     let pool = Pool::new(2).unwrap();
///     for i in 0..4 {
///         // the third spawn waits until one of the first two tasks ends
///         pool.spawn(async move { sleep(Duration::from_millis(5)).await; i }).await;
///     }
///     assert!(pool.len() <= 2);
///     pool.join().await;
///     assert_eq!(pool.free_count(), 2);
/// });
/// ```
#[derive(Clone)]
pub struct Pool {
    group: Group,
    size: usize,
}

impl Pool {
    /// A pool of `size` slots; an error for zero.
    ///
    /// ```
    /// assert!(greenery::pool::Pool::new(0).is_err());
    /// assert_eq!(greenery::pool::Pool::new(3).unwrap().size(), 3);
    /// ```
    pub fn new(size: usize) -> Result<Pool, ZeroSize> {
        if size == 0 {
            return Err(ZeroSize);
        }
        Ok(Pool {
            group: Group::with_inner(Inner::new(Some(Semaphore::new(size)))),
            size,
        })
    }

    /// Waits for a free slot, then spawns `future` in it (scheduled, as
    /// [`spawn`](crate::spawn)); returns at once, without yielding, when a slot is free.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// greenery::run(async {
    ///     let pool = greenery::pool::Pool::new(1).unwrap();
    ///     let first = pool.spawn(async { 1 }).await; // a slot is free: no wait
    ///     let second = pool.spawn(async { 2 }).await; // waits until `first` ends
    ///     assert!(first.is_finished());
    ///     assert_eq!(second.await.unwrap(), 2);
    /// });
    /// ```
    pub async fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.group.inner().spawn_admitted(future).await
    }

    /// How many tasks may run at once.
    ///
    /// ```
    /// assert_eq!(greenery::pool::Pool::new(4).unwrap().size(), 4);
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many slots are free now (gevent's `free_count()`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let pool = greenery::pool::Pool::new(2).unwrap();
    ///     let _h = pool.spawn(async {}).await;
    ///     assert_eq!(pool.free_count(), 1);
    /// });
    /// ```
    pub fn free_count(&self) -> usize {
        self.slots().available_permits()
    }

    /// Whether every slot is taken.
    ///
    /// ```
    /// greenery::run(async {
    ///     let pool = greenery::pool::Pool::new(1).unwrap();
    ///     let _h = pool.spawn(async {}).await;
    ///     assert!(pool.is_full());
    /// });
    /// ```
    pub fn is_full(&self) -> bool {
        self.free_count() == 0
    }

    fn slots(&self) -> &Semaphore {
        self.group
            .inner()
            .slots
            .as_ref()
            .unwrap_or_else(|| unreachable!("a pool always has slots"))
    }
}

impl IntoIterator for &Pool {
    type Item = crate::runtime::Task;
    type IntoIter = std::vec::IntoIter<crate::runtime::Task>;

    /// The pool's unfinished tasks, in spawn order (see [`Group::iter`]).
    fn into_iter(self) -> Self::IntoIter {
        self.group.iter()
    }
}

impl Deref for Pool {
    type Target = Group;

    fn deref(&self) -> &Group {
        &self.group
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("free", &self.free_count())
            .field("len", &self.len())
            .finish()
    }
}
