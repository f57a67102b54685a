//! [`Event`]: a flag tasks can wait for.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::links::{self, Linkable, Links};
use super::waitlist::Key;
use crate::runtime::observe::{self, WaitOn};

/// A flag that tasks wait for: [`set`](Event::set) wakes every waiter, in the order they
/// started waiting (gevent's `Event`, SEMANTICS rule 17).
///
/// `set` does not switch: it queues the event's notification pass, which resumes the
/// waiters one after the other once the setter yields or blocks (each runs until it blocks).
/// Waiters return even if the flag is cleared again before the pass runs, and so do tasks
/// that started waiting meanwhile. Cloning gives another handle to the same event.
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
    waiters: Links,
}

impl Linkable for State {
    const SERVES_ALL: bool = true;

    fn ready(&self) -> bool {
        self.set
    }

    fn links(&mut self) -> &mut Links {
        &mut self.waiters
    }
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

    /// Sets the flag and queues the pass that wakes the waiters (deferred: the caller keeps
    /// running).
    ///
    /// ```
    /// let ev = greenery::sync::Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn set(&self) {
        self.inner.borrow_mut().set = true;
        links::check(&self.inner);
    }

    /// Clears the flag; the waiters of a pass already queued by [`set`](Event::set) still
    /// return.
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

    /// How many tasks wait (or joined a pass and have not run yet).
    pub(crate) fn waiters(&self) -> usize {
        self.inner.borrow().waiters.len()
    }

    /// Waits until the flag is set. If it is, returns at once, without yielding, unless the
    /// event's notification pass is pending or running: then the caller joins it and returns
    /// when the pass gets to it, after the waiters that were blocked (gevent's `wait()`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let ev = greenery::sync::Event::new();
    ///     ev.set();
    ///     ev.wait().await; // does not yield: nobody was waiting, no pass
    /// });
    /// ```
    pub fn wait(&self) -> EventWait {
        EventWait {
            event: self.clone(),
            key: None,
            join_pass: true,
        }
    }

    /// Waits until the flag is set, returning at once if it is, pass or not
    /// (`AsyncResult::get`).
    pub(crate) fn wait_unless_set(&self) -> EventWait {
        EventWait {
            event: self.clone(),
            key: None,
            join_pass: false,
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
    /// Whether a wait on a set event joins a pass pending or running.
    join_pass: bool,
}

impl Future for EventWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.event.inner.borrow_mut();
        match this.key {
            None if state.set && !(this.join_pass && state.waiters.notifying()) => {
                return Poll::Ready(())
            }
            None if state.set => this.key = Some(state.waiters.arrive(cx.waker())),
            None => this.key = Some(state.waiters.link(Some(cx.waker()))),
            Some(key) if state.waiters.is_served(key) => {
                state.waiters.remove(key);
                this.key = None;
                return Poll::Ready(());
            }
            Some(key) => state.waiters.set_waker(key, cx.waker()),
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
