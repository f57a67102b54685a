//! Synchronisation between tasks: [`Event`], [`AsyncResult`], [`Semaphore`],
//! [`BoundedSemaphore`], [`Lock`] and [`RLock`] (gevent's `gevent.event` and `gevent.lock`).
//!
//! Every primitive here belongs to one runtime and is `!Send`: its state is a plain
//! `RefCell`, no atomics. Handles are cheap to clone (an `Rc`), so each task can own one.
//! They all follow gevent's scheduling rules (SEMANTICS rules 17, 18, 23, 24):
//!
//! - **Waiters line up FIFO.** Whoever started waiting first is woken first.
//! - **Waking never switches.** `set()`, `release()` and friends only queue the object's
//!   notification pass, once (gevent's `_check_and_notify`); the caller keeps running until
//!   it yields or blocks. When the loop reaches the pass, it resumes the waiters one after the
//!   other, each until it blocks (an Event's all of them; a semaphore's while a permit is
//!   free). A wait on a set [`Event`] returns at once, unless the event's pass is pending or
//!   running: then it joins it.
//! - **The running task may barge.** Nothing is reserved for a waiter: until the pass runs,
//!   the running task can take the permit itself, and the pass serves nobody for it; the
//!   waiter keeps its place at the front of the line.
//! - **Leaving the line is clean.** A waiter whose future is dropped (its task killed, a
//!   timeout expired) leaves the line at once; if the pass had served it and it had not run
//!   yet, what it was served for passes to the next waiter, so nothing is lost or given to a
//!   dead task.
//! - **Nobody can release you: [`LoopExit`](crate::LoopExit).** Waiting only parks a waker,
//!   so a program whose tasks all wait on each other ends in `LoopExit` instead of hanging.
//!
//! # A tour
//!
//! An [`Event`] wakes every waiter, in the order they waited:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use greenery::sync::Event;
//!
//! greenery::run(async {
//!     let ev = Event::new();
//!     let log = Rc::new(RefCell::new(Vec::new()));
//!     let waiters: Vec<_> = (0..3)
//!         .map(|i| {
//!             let (ev, log) = (ev.clone(), log.clone());
//!             greenery::spawn(async move {
//!                 ev.wait().await;
//!                 log.borrow_mut().push(i);
//!             })
//!         })
//!         .collect();
//!     greenery::yield_now().await; // all three are waiting now
//!     ev.set();
//!     log.borrow_mut().push(99); // set() did not switch
//!     greenery::joinall(waiters).await;
//!     assert_eq!(*log.borrow(), [99, 0, 1, 2]);
//! });
//! ```
//!
//! A [`Semaphore`] (and [`Lock`], a semaphore of one) hands out permits as RAII guards;
//! `acquire_timeout` gives up after a while, and a task that holds an [`RLock`] may take it
//! again:
//!
//! ```
//! use std::time::Duration;
//! use greenery::sync::{Lock, RLock};
//!
//! greenery::run(async {
//!     let lock = Lock::new();
//!     let guard = lock.acquire().await;
//!     assert!(lock.acquire_timeout(Duration::from_millis(5)).await.is_err());
//!     drop(guard);
//!     assert!(lock.try_acquire().is_some());
//!
//!     let rlock = RLock::new();
//!     let _a = rlock.acquire().await;
//!     let _b = rlock.acquire().await; // re-entrant
//! });
//! ```
//!
//! An [`AsyncResult`] carries one value or error to any number of waiters (it plays
//! `Future.result()` or `apply_async(...).get()`):
//!
//! ```
//! use greenery::sync::AsyncResult;
//!
//! greenery::run(async {
//!     let answer: AsyncResult<u32, String> = AsyncResult::new();
//!     let a = answer.clone();
//!     greenery::spawn(async move { a.set(42).unwrap() });
//!     assert_eq!(answer.get().await, Ok(42));
//! });
//! ```
//!
//! The primitives cannot leave their thread (they are `!Send`); use `std::sync` or a
//! [`KeepAlive`](crate::runtime::KeepAlive)-guarded waker to talk to other threads:
//!
//! ```compile_fail
//! fn needs_send<T: Send>(_: T) {}
//! needs_send(greenery::sync::Event::new());
//! ```
//!
//! Where greenery differs from gevent: guards release on drop (gevent's `with` block);
//! `AsyncResult` is one-shot (a second `set` is an error, not an overwrite); `Lock` exists
//! (gevent has only `Semaphore(1)`) and, like `threading.Lock`, refuses to be released while
//! unlocked.

mod async_result;
mod event;
mod links;
mod rlock;
mod semaphore;
pub(crate) mod waitlist;

pub use async_result::{AlreadySet, AsyncResult, ResultWait};
pub use event::{Event, EventWait};
pub use rlock::{RLock, RLockAcquire, RLockGuard};
pub use semaphore::{Acquire, BoundedSemaphore, Lock, ReleaseError, Semaphore, SemaphoreGuard};
