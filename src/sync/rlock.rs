//! [`RLock`]: a lock its owner may take again.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::links::{check, Linkable, Links};
use super::semaphore::ReleaseError;
use super::waitlist::Key;
use crate::runtime::context;
use crate::runtime::observe::{self, WaitOn};
use crate::runtime::task::{TaskRef, MAIN};
use crate::time::Elapsed;

struct State {
    owner: Option<TaskRef>,
    depth: usize,
    /// gevent's RLock waits on a `Semaphore(1)`: served only while the lock is free.
    waiters: Links,
}

impl Linkable for State {
    const SERVES_ALL: bool = false;

    /// Whether the lock is free for a waiter the pass has not served yet.
    fn ready(&self) -> bool {
        self.owner.is_none() && self.waiters.served() == 0
    }

    fn links(&mut self) -> &mut Links {
        &mut self.waiters
    }
}

type Shared = Rc<RefCell<State>>;

/// The task running now (the main future outside spawned tasks, or outside a runtime).
fn me() -> TaskRef {
    context::with_core(|core| core.current_task())
        .flatten()
        .unwrap_or(MAIN)
}

/// A re-entrant lock: the task that holds it may acquire it again (each acquire needs its
/// release); other tasks wait in line, FIFO; only the owner may release it (gevent's `RLock`,
/// SEMANTICS rule 24). Cloning gives another handle to the same lock.
///
/// ```
/// greenery::run(async {
///     let lock = greenery::sync::RLock::new();
///     let outer = lock.acquire().await;
///     let inner = lock.acquire().await; // same task: no deadlock
///     drop(inner);
///     drop(outer);
///     let l = lock.clone();
///     greenery::spawn(async move {
///         let _guard = l.acquire().await;
///     })
///     .await
///     .unwrap();
/// });
/// ```
#[derive(Clone)]
pub struct RLock {
    shared: Shared,
}

impl RLock {
    /// A new, unlocked lock.
    ///
    /// ```
    /// let lock = greenery::sync::RLock::new();
    /// assert!(!lock.is_locked());
    /// ```
    pub fn new() -> RLock {
        RLock {
            shared: Rc::new(RefCell::new(State {
                owner: None,
                depth: 0,
                waiters: Links::default(),
            })),
        }
    }

    /// Takes the lock (again, if the caller holds it), waiting in line while another task
    /// holds it.
    ///
    /// ```
    /// greenery::run(async {
    ///     let lock = greenery::sync::RLock::new();
    ///     let _outer = lock.acquire().await;
    ///     let _inner = lock.acquire().await;
    ///     assert!(lock.is_owned());
    /// });
    /// ```
    pub fn acquire(&self) -> RLockAcquire {
        RLockAcquire {
            shared: self.shared.clone(),
            key: None,
        }
    }

    /// Takes the lock if it is free or the caller holds it.
    ///
    /// ```
    /// greenery::run(async {
    ///     let lock = greenery::sync::RLock::new();
    ///     let _held = lock.try_acquire().unwrap();
    ///     let l = lock.clone();
    ///     let other = greenery::spawn(async move { l.try_acquire().is_some() });
    ///     assert!(!other.await.unwrap());
    /// });
    /// ```
    pub fn try_acquire(&self) -> Option<RLockGuard> {
        let mut state = self.shared.borrow_mut();
        take(&mut state, me()).then(|| RLockGuard {
            shared: Some(self.shared.clone()),
        })
    }

    /// Like [`acquire`](Self::acquire), but gives up after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let lock = greenery::sync::RLock::new();
    ///     let _held = lock.acquire().await;
    ///     let l = lock.clone();
    ///     let other = greenery::spawn(async move {
    ///         l.acquire_timeout(Duration::from_millis(1)).await.is_ok()
    ///     });
    ///     assert!(!other.await.unwrap());
    /// });
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<RLockGuard, Elapsed> {
        crate::time::timeout(timeout, self.acquire()).await
    }

    /// Undoes one acquire whose guard was [`forget`](RLockGuard::forget)-ten. An error
    /// (Python's "cannot release un-acquired lock") when the caller does not hold the lock.
    ///
    /// ```
    /// greenery::run(async {
    ///     let lock = greenery::sync::RLock::new();
    ///     assert!(lock.release().is_err());
    ///     lock.acquire().await.forget();
    ///     let l = lock.clone();
    ///     let intruder = greenery::spawn(async move { l.release() });
    ///     assert!(intruder.await.unwrap().is_err()); // not the owner
    ///     assert!(lock.release().is_ok());
    /// });
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        {
            let mut state = self.shared.borrow_mut();
            if state.owner != Some(me()) {
                return Err(ReleaseError::RLOCK);
            }
            state.depth -= 1;
        }
        freed(&self.shared);
        Ok(())
    }

    /// Whether some task holds the lock.
    ///
    /// ```
    /// greenery::run(async {
    ///     let lock = greenery::sync::RLock::new();
    ///     let guard = lock.acquire().await;
    ///     assert!(lock.is_locked());
    ///     drop(guard);
    ///     assert!(!lock.is_locked());
    /// });
    /// ```
    pub fn is_locked(&self) -> bool {
        self.shared.borrow().owner.is_some()
    }

    /// Whether the calling task holds the lock.
    ///
    /// ```
    /// greenery::run(async {
    ///     let lock = greenery::sync::RLock::new();
    ///     let _guard = lock.acquire().await;
    ///     let l = lock.clone();
    ///     assert!(lock.is_owned());
    ///     assert!(!greenery::spawn(async move { l.is_owned() }).await.unwrap());
    /// });
    /// ```
    pub fn is_owned(&self) -> bool {
        self.shared.borrow().owner == Some(me())
    }
}

fn take(state: &mut State, me: TaskRef) -> bool {
    match state.owner {
        Some(owner) if owner == me => state.depth += 1,
        Some(_) => return false,
        None => {
            state.owner = Some(me);
            state.depth = 1;
        }
    }
    true
}

/// One level was released: at the last one, the lock is free and its pass serves a waiter.
fn freed(shared: &Shared) {
    {
        let mut state = shared.borrow_mut();
        if state.depth > 0 {
            return;
        }
        state.owner = None;
    }
    check(shared);
}

impl Default for RLock {
    fn default() -> Self {
        RLock::new()
    }
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.borrow();
        f.debug_struct("RLock")
            .field("locked", &state.owner.is_some())
            .field("depth", &state.depth)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

/// One level of an [`RLock`] held: dropping it releases that level.
///
/// ```
/// greenery::run(async {
///     let lock = greenery::sync::RLock::new();
///     let guard: greenery::sync::RLockGuard = lock.acquire().await;
///     drop(guard);
///     assert!(!lock.is_locked());
/// });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct RLockGuard {
    /// `None` once [`forget`](Self::forget) kept the acquire without the guard.
    shared: Option<Shared>,
}

impl RLockGuard {
    /// Keeps the level held without a guard; undo it with [`RLock::release`] from the owner.
    ///
    /// ```
    /// greenery::run(async {
    ///     let lock = greenery::sync::RLock::new();
    ///     lock.acquire().await.forget();
    ///     assert!(lock.is_locked());
    ///     lock.release().unwrap();
    ///     assert!(!lock.is_locked());
    /// });
    /// ```
    pub fn forget(mut self) {
        self.shared = None;
    }
}

impl Drop for RLockGuard {
    fn drop(&mut self) {
        let Some(shared) = &self.shared else {
            return;
        };
        {
            let mut state = shared.borrow_mut();
            // Zero only if the owner also released this level by hand.
            if state.depth == 0 {
                return;
            }
            state.depth -= 1;
        }
        freed(shared);
    }
}

impl fmt::Debug for RLockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLockGuard").finish_non_exhaustive()
    }
}

/// The future of [`RLock::acquire`]. Dropping it leaves the line; if a pass had served it,
/// the lock goes to the next waiter.
///
/// ```
/// greenery::run(async {
///     let lock = greenery::sync::RLock::new();
///     let acquire: greenery::sync::RLockAcquire = lock.acquire();
///     let _guard = acquire.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RLockAcquire {
    shared: Shared,
    key: Option<Key>,
}

impl Future for RLockAcquire {
    type Output = RLockGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RLockGuard> {
        let poll = self.take_turn(cx);
        observe::pending_on(poll, WaitOn::Primitive("RLock::acquire"))
    }
}

impl RLockAcquire {
    /// Takes the lock, or waits in line for the pass to serve it.
    fn take_turn(&mut self, cx: &mut Context<'_>) -> Poll<RLockGuard> {
        let this = self;
        let mut state = this.shared.borrow_mut();
        match this.key {
            // Free, or held by the caller: taken at once (barging, as gevent's RLock).
            None if take(&mut state, me()) => {}
            None => {
                this.key = Some(state.waiters.link(Some(cx.waker())));
                return Poll::Pending;
            }
            Some(key) if !state.waiters.is_served(key) => {
                state.waiters.set_waker(key, cx.waker());
                return Poll::Pending;
            }
            Some(key) if !take(&mut state, me()) => {
                state.waiters.unserve(key, cx.waker());
                return Poll::Pending;
            }
            Some(key) => {
                state.waiters.remove(key);
                this.key = None;
            }
        }
        Poll::Ready(RLockGuard {
            shared: Some(this.shared.clone()),
        })
    }
}

impl Drop for RLockAcquire {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let served = self.shared.borrow_mut().waiters.remove(key);
            if served {
                check(&self.shared);
            }
        }
    }
}

impl fmt::Debug for RLockAcquire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLockAcquire")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::RLock;

    #[test]
    fn a_forgotten_guard_holds_no_reference_to_the_state() {
        crate::run(async {
            let lock = RLock::new();
            lock.acquire().await.forget();
            lock.try_acquire().unwrap().forget();
            assert_eq!(Rc::strong_count(&lock.shared), 1);
            lock.release().unwrap();
            lock.release().unwrap();
            assert!(!lock.is_locked());
            assert_eq!(Rc::strong_count(&lock.shared), 1);
        });
    }
}
