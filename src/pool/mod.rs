//! Groups and pools of tasks: [`Group`] and [`Pool`] (gevent's `gevent.pool`).
//!
//! A [`Group`] tracks the tasks spawned through it so they can be joined or killed together.
//! A [`Pool`] is a group that runs at most `size` tasks at once (SEMANTICS rules 25-27):
//!
//! - **`Pool::spawn` waits for a slot.** The caller blocks while the pool is full; blocked
//!   spawners are admitted FIFO, one per freed slot, and the admitted task starts when its
//!   spawner next yields.
//! - **`map` and `imap` keep input order; `imap_unordered` yields in completion order.**
//!   Inputs start in input order as slots free up.
//! - **`apply` waits for the result; `apply_async` never waits.**
//! - **Nothing escapes the pool.** gevent's `apply_async` on a full pool returns a greenlet
//!   the pool does not track, so `pool.join()` can return before that work even started
//!   (rule 27). greenery deliberately does not lose track of work: `apply_async` on a full
//!   pool spawns a tracked task that waits for a slot (in call order, with the blocked
//!   spawners), `len()` counts it, and `join()` waits for it.
//! - **Dropping the last handle kills the tasks** (gevent abandons them).
//!
//! # A tour
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use greenery::{pool::Pool, time::sleep};
//!
//! greenery::run(async {
//!     let pool = Pool::new(2).unwrap();
//!     let log = Rc::new(RefCell::new(Vec::new()));
//!     let results = pool
//!         .map([30u64, 10, 20], |ms| {
//!             let log = log.clone();
//!             async move {
//!                 sleep(Duration::from_millis(ms)).await;
//!                 log.borrow_mut().push(ms);
//!                 ms / 10
//!             }
//!         })
//!         .await
//!         .unwrap();
//!     assert_eq!(results, [3, 1, 2]); // input order
//!     assert_eq!(*log.borrow(), [10, 30, 20]); // two at a time: 20 starts when 10 ends
//!
//!     // apply_async never waits, and join() waits for everything, queued work included
//!     let handles: Vec<_> = (0..4).map(|i| pool.apply_async(async move { i })).collect();
//!     assert_eq!(pool.len(), 4);
//!     pool.join().await;
//!     assert!(handles.iter().all(|h| h.is_finished()));
//! });
//! ```

mod group;
mod imap;
#[allow(clippy::module_inception)]
mod pool;

pub use group::{Group, GroupJoin};
pub use imap::{IMap, IMapUnordered};
pub use pool::{Pool, ZeroSize};
