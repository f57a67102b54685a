//! [`Semaphore`], [`BoundedSemaphore`] and [`Lock`]: counted permits with FIFO waiters.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::links::{check, Linkable, Links};
use super::waitlist::Key;
use crate::runtime::observe::{self, WaitOn};
use crate::time::Elapsed;

/// The error of releasing something that was not held: a [`BoundedSemaphore`] released more
/// often than acquired, an unlocked [`Lock`], an [`RLock`](super::RLock) the caller does not
/// own. The message is the one Python gives.
///
/// ```
/// let lock = greenery::sync::Lock::new();
/// let err: greenery::sync::ReleaseError = lock.release().unwrap_err();
/// assert_eq!(err.to_string(), "release unlocked lock");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseError(&'static str);

impl ReleaseError {
    pub(crate) const SEMAPHORE: ReleaseError = ReleaseError("Semaphore released too many times");
    pub(crate) const LOCK: ReleaseError = ReleaseError("release unlocked lock");
    pub(crate) const RLOCK: ReleaseError = ReleaseError("cannot release un-acquired lock");
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for ReleaseError {}

pub(crate) struct State {
    permits: usize,
    /// The most permits a bounded semaphore may hold.
    bound: Option<usize>,
    waiters: Links,
}

impl Linkable for State {
    const SERVES_ALL: bool = false;

    /// Whether a permit is free for a waiter the pass has not served yet (gevent's `ready()`;
    /// a served waiter takes its permit when it runs, at once in a pass).
    fn ready(&self) -> bool {
        self.permits > self.waiters.served()
    }

    fn links(&mut self) -> &mut Links {
        &mut self.waiters
    }
}

type Shared = Rc<RefCell<State>>;

fn new_shared(permits: usize, bound: Option<usize>) -> Shared {
    Rc::new(RefCell::new(State {
        permits,
        bound,
        waiters: Links::default(),
    }))
}

/// Adds a permit; the semaphore's pass serves the waiters while permits are free.
fn release(shared: &Shared, error: ReleaseError) -> Result<(), ReleaseError> {
    {
        let mut state = shared.borrow_mut();
        if state.bound.is_some_and(|bound| state.permits >= bound) {
            return Err(error);
        }
        state.permits += 1;
    }
    check(shared);
    Ok(())
}

fn try_acquire(shared: &Shared) -> Option<SemaphoreGuard> {
    let mut state = shared.borrow_mut();
    if state.permits == 0 {
        return None;
    }
    state.permits -= 1;
    Some(SemaphoreGuard {
        shared: Some(shared.clone()),
    })
}

/// A counter of permits: [`acquire`](Semaphore::acquire) waits while it is zero; waiters are
/// served in the order they started waiting (gevent's `Semaphore`, SEMANTICS rule 23).
///
/// [`release`](Semaphore::release) (or dropping the [`SemaphoreGuard`]) does not switch: it
/// queues the semaphore's notification pass, which resumes waiters in line order while
/// permits are free, and until it runs the releasing task may acquire again ("barging", as
/// in gevent). A plain semaphore may be released more often than acquired: it
/// just counts up. Cloning gives another handle to the same semaphore.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use greenery::sync::Semaphore;
/// greenery::run(async {
///     let sem = Semaphore::new(1);
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let workers: Vec<_> = (0..3)
///         .map(|i| {
///             let (sem, log) = (sem.clone(), log.clone());
///             greenery::spawn(async move {
///                 let _permit = sem.acquire().await;
///                 log.borrow_mut().push(i);
///                 greenery::yield_now().await;
///             })
///         })
///         .collect();
///     greenery::joinall(workers).await;
///     assert_eq!(*log.borrow(), [0, 1, 2]);
/// });
/// ```
#[derive(Clone)]
pub struct Semaphore {
    shared: Shared,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// ```
    /// let sem = greenery::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            shared: new_shared(permits, None),
        }
    }

    /// Takes a permit, waiting in line while there is none. Returns at once, without
    /// yielding, when one is free, even if others wait (barging).
    ///
    /// ```
    /// greenery::run(async {
    ///     let sem = greenery::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire {
        Acquire::new(self.shared.clone())
    }

    /// Takes a permit if one is free (gevent's `acquire(blocking=False)`).
    ///
    /// ```
    /// let sem = greenery::sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphoreGuard> {
        try_acquire(&self.shared)
    }

    /// Like [`acquire`](Self::acquire), but gives up after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let sem = greenery::sync::Semaphore::new(0);
    ///     assert!(sem.acquire_timeout(Duration::from_millis(1)).await.is_err());
    /// });
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphoreGuard, Elapsed> {
        crate::time::timeout(timeout, self.acquire()).await
    }

    /// Adds a permit (gevent's `release()`), for permits taken with
    /// [`SemaphoreGuard::forget`]; wakes the first waiter.
    ///
    /// ```
    /// let sem = greenery::sync::Semaphore::new(1);
    /// sem.release(); // allowed: counts up
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn release(&self) {
        let _ = release(&self.shared, ReleaseError::SEMAPHORE);
    }

    /// The number of free permits (gevent's `counter`).
    ///
    /// ```
    /// let sem = greenery::sync::Semaphore::new(2);
    /// let _p = sem.try_acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.shared.borrow().permits
    }

    /// How many tasks wait in line.
    ///
    /// ```
    /// greenery::run(async {
    ///     let sem = greenery::sync::Semaphore::new(0);
    ///     let s = sem.clone();
    ///     let waiter = greenery::spawn(async move { s.acquire().await.forget() });
    ///     greenery::yield_now().await;
    ///     assert_eq!(sem.waiters(), 1);
    ///     waiter.kill(); // a killed waiter leaves the line
    ///     assert_eq!(sem.waiters(), 0);
    /// });
    /// ```
    pub fn waiters(&self) -> usize {
        self.shared.borrow().waiters.len()
    }
}

impl Semaphore {
    /// Reserves a place in line now for a task that will poll the future later, so work
    /// queued by `Pool::apply_async` is admitted in call order.
    pub(crate) fn acquire_reserved(&self) -> Acquire {
        let mut acquire = self.acquire();
        let mut state = self.shared.borrow_mut();
        if state.permits == 0 {
            acquire.key = Some(state.waiters.link(None));
        }
        drop(state);
        acquire
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_state("Semaphore", &self.shared, f)
    }
}

fn debug_state(name: &str, shared: &Shared, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let state = shared.borrow();
    f.debug_struct(name)
        .field("permits", &state.permits)
        .field("waiters", &state.waiters.len())
        .finish()
}

/// A [`Semaphore`] that refuses to hold more permits than it started with: an extra
/// [`release`](BoundedSemaphore::release) is an error (gevent's `BoundedSemaphore`).
///
/// ```
/// let sem = greenery::sync::BoundedSemaphore::new(1);
/// sem.try_acquire().unwrap().forget();
/// assert!(sem.release().is_ok());
/// let err = sem.release().unwrap_err();
/// assert_eq!(err.to_string(), "Semaphore released too many times");
/// ```
#[derive(Clone)]
pub struct BoundedSemaphore {
    shared: Shared,
}

impl BoundedSemaphore {
    /// A semaphore with `permits` permits, at most.
    ///
    /// ```
    /// let sem = greenery::sync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            shared: new_shared(permits, Some(permits)),
        }
    }

    /// Takes a permit, waiting in line while there is none (see [`Semaphore::acquire`]).
    ///
    /// ```
    /// greenery::run(async {
    ///     let sem = greenery::sync::BoundedSemaphore::new(1);
    ///     let _permit = sem.acquire().await;
    ///     assert!(sem.try_acquire().is_none());
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire {
        Acquire::new(self.shared.clone())
    }

    /// Takes a permit if one is free.
    ///
    /// ```
    /// let sem = greenery::sync::BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphoreGuard> {
        try_acquire(&self.shared)
    }

    /// Like [`acquire`](Self::acquire), but gives up after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let sem = greenery::sync::BoundedSemaphore::new(1);
    ///     let _held = sem.acquire().await;
    ///     assert!(sem.acquire_timeout(Duration::from_millis(1)).await.is_err());
    /// });
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphoreGuard, Elapsed> {
        crate::time::timeout(timeout, self.acquire()).await
    }

    /// Returns a permit taken with [`SemaphoreGuard::forget`]; an error if all permits are
    /// already free.
    ///
    /// ```
    /// let sem = greenery::sync::BoundedSemaphore::new(1);
    /// assert!(sem.release().is_err()); // nothing to give back
    /// sem.try_acquire().unwrap().forget();
    /// assert!(sem.release().is_ok());
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        release(&self.shared, ReleaseError::SEMAPHORE)
    }

    /// The number of free permits.
    ///
    /// ```
    /// let sem = greenery::sync::BoundedSemaphore::new(2);
    /// let _p = sem.try_acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.shared.borrow().permits
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_state("BoundedSemaphore", &self.shared, f)
    }
}

/// A mutual-exclusion lock without an owner: a bounded semaphore of one permit (gevent's
/// patched `threading.Lock`; gevent itself uses `Semaphore(1)`). Any task may release it;
/// releasing it while unlocked is an error. For a lock its owner may take again, see
/// [`RLock`](super::RLock).
///
/// ```
/// greenery::run(async {
///     let lock = greenery::sync::Lock::new();
///     let guard = lock.acquire().await;
///     assert!(lock.is_locked());
///     drop(guard);
///     assert!(lock.release().is_err()); // not locked
/// });
/// ```
#[derive(Clone)]
pub struct Lock {
    shared: Shared,
}

impl Lock {
    /// A new, unlocked lock.
    ///
    /// ```
    /// let lock = greenery::sync::Lock::new();
    /// assert!(!lock.is_locked());
    /// ```
    pub fn new() -> Lock {
        Lock {
            shared: new_shared(1, Some(1)),
        }
    }

    /// Locks it, waiting in line while another holds it; FIFO, with barging (rule 23).
    ///
    /// ```
    /// greenery::run(async {
    ///     let lock = greenery::sync::Lock::new();
    ///     let _guard = lock.acquire().await;
    ///     assert!(lock.is_locked());
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire {
        Acquire::new(self.shared.clone())
    }

    /// Locks it if it is free.
    ///
    /// ```
    /// let lock = greenery::sync::Lock::new();
    /// let guard = lock.try_acquire();
    /// assert!(guard.is_some());
    /// assert!(lock.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphoreGuard> {
        try_acquire(&self.shared)
    }

    /// Like [`acquire`](Self::acquire), but gives up after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let lock = greenery::sync::Lock::new();
    ///     let _held = lock.acquire().await;
    ///     assert!(lock.acquire_timeout(Duration::from_millis(1)).await.is_err());
    /// });
    /// ```
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphoreGuard, Elapsed> {
        crate::time::timeout(timeout, self.acquire()).await
    }

    /// Unlocks a lock whose guard was [`forget`](SemaphoreGuard::forget)-ten; an error if it
    /// is not locked.
    ///
    /// ```
    /// let lock = greenery::sync::Lock::new();
    /// lock.try_acquire().unwrap().forget();
    /// assert!(lock.release().is_ok());
    /// assert!(lock.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        release(&self.shared, ReleaseError::LOCK)
    }

    /// Whether some task holds the lock.
    ///
    /// ```
    /// let lock = greenery::sync::Lock::new();
    /// let guard = lock.try_acquire();
    /// assert!(lock.is_locked());
    /// drop(guard);
    /// assert!(!lock.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.shared.borrow().permits == 0
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.is_locked())
            .finish()
    }
}

/// A permit of a [`Semaphore`], [`BoundedSemaphore`] or [`Lock`]: dropping it gives the
/// permit back.
///
/// ```
/// let sem = greenery::sync::Semaphore::new(1);
/// let guard: greenery::sync::SemaphoreGuard = sem.try_acquire().unwrap();
/// drop(guard);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "dropping the guard releases the permit at once"]
pub struct SemaphoreGuard {
    /// `None` once [`forget`](Self::forget) kept the acquire without the guard.
    shared: Option<Shared>,
}

impl SemaphoreGuard {
    /// Keeps the permit taken without a guard; give it back later with `release()` (the
    /// gevent style of `acquire()` ... `release()`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let sem = greenery::sync::Semaphore::new(1);
    ///     sem.acquire().await.forget();
    ///     assert_eq!(sem.available_permits(), 0);
    ///     sem.release();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub fn forget(mut self) {
        self.shared = None;
    }
}

impl Drop for SemaphoreGuard {
    fn drop(&mut self) {
        // At the bound only when the permit was also released by hand: nothing to return.
        if let Some(shared) = &self.shared {
            let _ = release(shared, ReleaseError::SEMAPHORE);
        }
    }
}

impl fmt::Debug for SemaphoreGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreGuard").finish_non_exhaustive()
    }
}

/// The future of `acquire()` on a [`Semaphore`], [`BoundedSemaphore`] or [`Lock`]. Dropping
/// it leaves the line; if a pass had served it, the permit goes to the next waiter.
///
/// ```
/// greenery::run(async {
///     let sem = greenery::sync::Semaphore::new(1);
///     let acquire: greenery::sync::Acquire = sem.acquire();
///     let _permit = acquire.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire {
    shared: Shared,
    key: Option<Key>,
}

impl Acquire {
    fn new(shared: Shared) -> Acquire {
        Acquire { shared, key: None }
    }
}

impl Future for Acquire {
    type Output = SemaphoreGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphoreGuard> {
        let poll = self.take_turn(cx);
        observe::pending_on(poll, WaitOn::Primitive("Semaphore::acquire"))
    }
}

impl Acquire {
    /// Takes a permit, or waits in line for the pass to serve it.
    fn take_turn(&mut self, cx: &mut Context<'_>) -> Poll<SemaphoreGuard> {
        let this = self;
        let mut state = this.shared.borrow_mut();
        match this.key {
            // A free permit is taken at once, even with others in line (barging).
            None if state.permits > 0 => {}
            None => {
                this.key = Some(state.waiters.link(Some(cx.waker())));
                return Poll::Pending;
            }
            Some(key) if !state.waiters.is_served(key) => {
                state.waiters.set_waker(key, cx.waker());
                return Poll::Pending;
            }
            // Served, but a running task took the permit first: wait for the next pass.
            Some(key) if state.permits == 0 => {
                state.waiters.unserve(key, cx.waker());
                return Poll::Pending;
            }
            Some(key) => {
                state.waiters.remove(key);
                this.key = None;
            }
        }
        state.permits -= 1;
        Poll::Ready(SemaphoreGuard {
            shared: Some(this.shared.clone()),
        })
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Served and gone before it took the permit: another waiter may have it.
            let served = self.shared.borrow_mut().waiters.remove(key);
            if served {
                check(&self.shared);
            }
        }
    }
}

impl fmt::Debug for Acquire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::{BoundedSemaphore, Lock, Semaphore};

    #[test]
    fn a_forgotten_guard_holds_no_reference_to_the_state() {
        let sem = Semaphore::new(2);
        sem.try_acquire().unwrap().forget();
        assert_eq!(Rc::strong_count(&sem.shared), 1);
        sem.release();
        assert_eq!(sem.available_permits(), 2);

        let bounded = BoundedSemaphore::new(1);
        bounded.try_acquire().unwrap().forget();
        assert_eq!(Rc::strong_count(&bounded.shared), 1);
        bounded.release().unwrap();

        let lock = Lock::new();
        lock.try_acquire().unwrap().forget();
        assert_eq!(Rc::strong_count(&lock.shared), 1);
        lock.release().unwrap();
        assert!(!lock.is_locked());
    }
}
