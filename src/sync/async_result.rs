//! [`AsyncResult`]: a one-shot value or error that tasks wait for.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::event::{Event, EventWait};
use crate::runtime::observe::{self, noting, WaitOn};
use crate::time::Elapsed;

/// A one-shot result: set once with a value or an error, read by any number of waiters, who
/// wake in the order they started waiting (gevent's `AsyncResult`, SEMANTICS rule 18).
///
/// Setting does not switch: it queues the notification pass that resumes the waiters, as an
/// [`Event`]'s `set` does. Unlike gevent (artifact A4), a second `set`/`set_error` is
/// rejected with [`AlreadySet`] and the first result stays. Cloning gives another handle to
/// the same result.
///
/// ```
/// use greenery::sync::AsyncResult;
/// greenery::run(async {
///     let result: AsyncResult<i32, String> = AsyncResult::new();
///     let r = result.clone();
///     let getter = greenery::spawn(async move { r.get().await });
///     greenery::yield_now().await;
///     result.set(42).unwrap();
///     assert_eq!(getter.await.unwrap(), Ok(42));
///     assert!(result.successful());
///     assert!(result.set(7).is_err()); // one-shot
/// });
/// ```
pub struct AsyncResult<T, E> {
    inner: Rc<Inner<T, E>>,
}

struct Inner<T, E> {
    result: RefCell<Option<Result<T, E>>>,
    /// Set with the result: its waiters are this result's.
    ready: Event,
}

/// The error of setting an [`AsyncResult`] that already holds a result.
///
/// ```
/// let r = greenery::sync::AsyncResult::<u8, ()>::new();
/// r.set(1).unwrap();
/// let err: greenery::sync::AlreadySet = r.set(2).unwrap_err();
/// assert_eq!(err.to_string(), "the AsyncResult already holds a result");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlreadySet(());

impl fmt::Display for AlreadySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the AsyncResult already holds a result")
    }
}

impl Error for AlreadySet {}

impl<T, E> AsyncResult<T, E> {
    /// A new, empty result.
    ///
    /// ```
    /// let r = greenery::sync::AsyncResult::<String, std::io::Error>::new();
    /// assert!(!r.ready());
    /// ```
    pub fn new() -> Self {
        AsyncResult {
            inner: Rc::new(Inner {
                result: RefCell::new(None),
                ready: Event::new(),
            }),
        }
    }

    /// Stores `value` and wakes every waiter (deferred: the caller keeps running).
    ///
    /// ```
    /// let r = greenery::sync::AsyncResult::<u8, ()>::new();
    /// r.set(3).unwrap();
    /// assert_eq!(r.value(), Some(3));
    /// ```
    pub fn set(&self, value: T) -> Result<(), AlreadySet> {
        self.complete(Ok(value))
    }

    /// Stores `error` and wakes every waiter (gevent's `set_exception`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let r = greenery::sync::AsyncResult::<(), &str>::new();
    ///     r.set_error("bad").unwrap();
    ///     assert_eq!(r.get().await, Err("bad"));
    ///     assert!(r.ready() && !r.successful());
    /// });
    /// ```
    pub fn set_error(&self, error: E) -> Result<(), AlreadySet> {
        self.complete(Err(error))
    }

    fn complete(&self, result: Result<T, E>) -> Result<(), AlreadySet> {
        {
            let mut slot = self.inner.result.borrow_mut();
            if slot.is_some() {
                return Err(AlreadySet(()));
            }
            *slot = Some(result);
        }
        self.inner.ready.set();
        Ok(())
    }

    /// Whether a value or an error has been set.
    ///
    /// ```
    /// let r = greenery::sync::AsyncResult::<u8, ()>::new();
    /// assert!(!r.ready());
    /// r.set_error(()).unwrap();
    /// assert!(r.ready());
    /// ```
    pub fn ready(&self) -> bool {
        self.inner.result.borrow().is_some()
    }

    /// Whether a value (not an error) has been set.
    ///
    /// ```
    /// let r = greenery::sync::AsyncResult::<u8, ()>::new();
    /// r.set(1).unwrap();
    /// assert!(r.successful());
    /// ```
    pub fn successful(&self) -> bool {
        matches!(*self.inner.result.borrow(), Some(Ok(_)))
    }

    /// Waits until the result is ready, without taking it; returns at once if it is, unless
    /// its notification pass is pending or running (then the caller joins it, as
    /// [`Event::wait`] does).
    ///
    /// ```
    /// greenery::run(async {
    ///     let r = greenery::sync::AsyncResult::<u8, ()>::new();
    ///     let setter = r.clone();
    ///     greenery::spawn(async move { setter.set(5).unwrap() });
    ///     r.wait().await;
    ///     assert_eq!(r.value(), Some(5));
    /// });
    /// ```
    pub fn wait(&self) -> ResultWait<T, E> {
        ResultWait {
            wait: self.inner.ready.wait(),
            _result: PhantomData,
        }
    }

    /// Waits at most `timeout`; returns whether the result is ready.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let r = greenery::sync::AsyncResult::<u8, ()>::new();
    ///     assert!(!r.wait_timeout(Duration::from_millis(1)).await);
    /// });
    /// ```
    pub async fn wait_timeout(&self, timeout: Duration) -> bool {
        crate::time::timeout(timeout, self.wait()).await.is_ok()
    }
}

impl<T: Clone, E: Clone> AsyncResult<T, E> {
    /// Waits for the result and returns a copy of it: `Ok(value)` or `Err(error)`. Returns
    /// at once if the result is ready (a pass pending or not, as gevent's `get()`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let r = greenery::sync::AsyncResult::<u8, &str>::new();
    ///     let setter = r.clone();
    ///     greenery::spawn(async move { setter.set_error("bad").unwrap() });
    ///     assert_eq!(r.get().await, Err("bad"));
    /// });
    /// ```
    pub async fn get(&self) -> Result<T, E> {
        let ready = self.inner.ready.wait_unless_set();
        noting(WaitOn::Primitive("AsyncResult::wait"), ready).await;
        self.try_get()
            .unwrap_or_else(|| unreachable!("a ready AsyncResult holds a result"))
    }

    /// The result if it is ready, without waiting (gevent's `get_nowait()`).
    ///
    /// ```
    /// let r = greenery::sync::AsyncResult::<u8, ()>::new();
    /// assert_eq!(r.try_get(), None);
    /// r.set(1).unwrap();
    /// assert_eq!(r.try_get(), Some(Ok(1)));
    /// ```
    pub fn try_get(&self) -> Option<Result<T, E>> {
        self.inner.result.borrow().clone()
    }

    /// Like [`get`](Self::get), but gives up after `timeout` with [`Elapsed`] (gevent's
    /// `get(timeout=)` raising `Timeout`).
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let r = greenery::sync::AsyncResult::<u8, ()>::new();
    ///     assert!(r.get_timeout(Duration::from_millis(1)).await.is_err());
    /// });
    /// ```
    pub async fn get_timeout(&self, timeout: Duration) -> Result<Result<T, E>, Elapsed> {
        crate::time::timeout(timeout, self.get()).await
    }

    /// The value, if one was set (gevent's `.value`).
    ///
    /// ```
    /// let r = greenery::sync::AsyncResult::<u8, ()>::new();
    /// assert_eq!(r.value(), None);
    /// r.set(2).unwrap();
    /// assert_eq!(r.value(), Some(2));
    /// ```
    pub fn value(&self) -> Option<T> {
        match &*self.inner.result.borrow() {
            Some(Ok(value)) => Some(value.clone()),
            _ => None,
        }
    }

    /// The error, if one was set (gevent's `.exception`).
    ///
    /// ```
    /// let r = greenery::sync::AsyncResult::<u8, &str>::new();
    /// r.set_error("bad").unwrap();
    /// assert_eq!(r.error(), Some("bad"));
    /// assert_eq!(r.value(), None);
    /// ```
    pub fn error(&self) -> Option<E> {
        match &*self.inner.result.borrow() {
            Some(Err(error)) => Some(error.clone()),
            _ => None,
        }
    }
}

impl<T, E> Default for AsyncResult<T, E> {
    fn default() -> Self {
        AsyncResult::new()
    }
}

impl<T, E> Clone for AsyncResult<T, E> {
    fn clone(&self) -> Self {
        AsyncResult {
            inner: self.inner.clone(),
        }
    }
}

impl<T, E> fmt::Debug for AsyncResult<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncResult")
            .field("ready", &self.ready())
            .field("waiters", &self.inner.ready.waiters())
            .finish()
    }
}

/// The future of [`AsyncResult::wait`]. Dropping it leaves the line.
///
/// ```
/// greenery::run(async {
///     let r = greenery::sync::AsyncResult::<u8, ()>::new();
///     r.set(1).unwrap();
///     let wait: greenery::sync::ResultWait<u8, ()> = r.wait();
///     wait.await; // ready: returns at once
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ResultWait<T, E> {
    wait: EventWait,
    _result: PhantomData<fn() -> (T, E)>,
}

impl<T, E> Future for ResultWait<T, E> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let poll = Pin::new(&mut self.wait).poll(cx);
        observe::pending_on(poll, WaitOn::Primitive("AsyncResult::wait"))
    }
}

impl<T, E> Unpin for ResultWait<T, E> {}

impl<T, E> fmt::Debug for ResultWait<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultWait")
            .field("wait", &self.wait)
            .finish()
    }
}
