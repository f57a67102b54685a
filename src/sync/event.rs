//! [`Event`]: a flag tasks can wait for.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::waitlist::{Key, WaitList};
use crate::runtime::observe::{self, WaitOn};

/// A flag that tasks wait for: [`set`](Event::set) wakes every waiter, in the order they
/// started waiting (gevent's `Event`, SEMANTICS rule 17).
///
/// `set` does not switch: the setter keeps running and the waiters run when it next yields
/// or blocks. Waiters woken by a `set` return even if the flag is cleared again before they
/// run. Cloning gives another handle to the same event.
///
/// ```
/// use greenery::sync::Event;
/// greenery::run(async {
///     let ready = Event::new();
///     let r = ready.clone();
///     let waiter = greenery::spawn(async move {
///         r.wait().await;
///         "woken"
///     });
///     greenery::yield_now().await; // the waiter starts waiting
///     ready.set();
///     ready.clear(); // too late to stop the wake-up
///     assert_eq!(waiter.await.unwrap(), "woken");
/// });
/// ```
#[derive(Clone, Default)]
pub struct Event {
    inner: Rc<RefCell<State>>,
}

#[derive(Default)]
struct State {
    set: bool,
    waiters: WaitList,
}

impl Event {
    /// A new event, not set.
    ///
    /// ```
    /// let ev = greenery::sync::Event::new();
    /// assert!(!ev.is_set());
    /// ```
    pub fn new() -> Event {
        Event::default()
    }

    /// Sets the flag and wakes every current waiter (deferred: the caller keeps running).
    ///
    /// ```
    /// let ev = greenery::sync::Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn set(&self) {
        let mut state = self.inner.borrow_mut();
        state.set = true;
        state.waiters.notify_all();
    }

    /// Clears the flag; waiters already woken by [`set`](Event::set) still return.
    ///
    /// ```
    /// let ev = greenery::sync::Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        self.inner.borrow_mut().set = false;
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// let ev = greenery::sync::Event::default();
    /// assert!(!ev.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.inner.borrow().set
    }

    /// Waits until the flag is set; returns at once, without yielding, if it is.
    ///
    /// ```
    /// greenery::run(async {
    ///     let ev = greenery::sync::Event::new();
    ///     ev.set();
    ///     ev.wait().await; // does not yield
    /// });
    /// ```
    pub fn wait(&self) -> EventWait {
        EventWait {
            event: self.clone(),
            key: None,
        }
    }

    /// Waits at most `timeout`; returns whether the event was set (gevent's
    /// `wait(timeout)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let ev = greenery::sync::Event::new();
    ///     assert!(!ev.wait_timeout(Duration::from_millis(1)).await);
    /// });
    /// ```
    pub async fn wait_timeout(&self, timeout: Duration) -> bool {
        crate::time::timeout(timeout, self.wait()).await.is_ok()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.borrow();
        f.debug_struct("Event")
            .field("set", &state.set)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

/// The future of [`Event::wait`]. Dropping it leaves the line.
///
/// ```
/// greenery::run(async {
///     let ev = greenery::sync::Event::new();
///     let wait: greenery::sync::EventWait = ev.wait();
///     ev.set();
///     wait.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct EventWait {
    event: Event,
    key: Option<Key>,
}

impl Future for EventWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.event.inner.borrow_mut();
        let woken = this.key.is_some_and(|key| state.waiters.is_notified(key));
        if woken || state.set {
            if let Some(key) = this.key.take() {
                state.waiters.remove(key);
            }
            return Poll::Ready(());
        }
        match this.key {
            Some(key) => state.waiters.set_waker(key, cx.waker()),
            None => this.key = Some(state.waiters.push(Some(cx.waker().clone()), ())),
        }
        observe::note(WaitOn::Primitive("Event::wait"));
        Poll::Pending
    }
}

impl Drop for EventWait {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.event.inner.borrow_mut().waiters.remove(key);
        }
    }
}
