//! Queues between tasks: [`Queue`] (FIFO, unbounded or bounded, joinable), [`LifoQueue`],
//! [`PriorityQueue`] and the rendezvous [`Channel`] (gevent's `gevent.queue`).
//!
//! Like everything in [`sync`](crate::sync), queues belong to one runtime, are `!Send`, and
//! are cheap to clone (each clone is a handle to the same queue). They follow gevent's rules
//! (SEMANTICS rules 19-22):
//!
//! - **One hand-out pass.** A put that finds getters waiting (or a get that frees a slot for
//!   a waiting putter) queues the queue's hand-out pass, once, as gevent's `_unlock`
//!   callback: when the loop reaches it, it serves the waiting getters in the order they
//!   called `get`, each run at once until it blocks, and goes on with items put meanwhile.
//! - **`put` never switches.** On an unbounded queue it never waits either.
//! - **A `get` that finds an item returns at once**, without yielding.
//! - **Items are not reserved.** Until the pass runs, the running task may `get` the item
//!   itself (barging); the getter keeps its place at the front of the line.
//! - **Bounded queues push back.** `put` waits while the queue is full; each round of the
//!   pass admits the first waiting putter if there is room, then serves the first waiting
//!   getter if there is an item (one putter, then one getter, as gevent's).
//! - **A [`Channel`] getter always waits for the pass**, which resumes it and then, at once,
//!   the putter whose item it took.
//! - **`try_put`/`try_get`** (gevent's `put_nowait`/`get_nowait`) fail with
//!   [`PutError::Full`] (which gives the item back) and [`Empty`]; `put_timeout`/`get_timeout`
//!   likewise.
//! - **Closing ends the stream** (gevent's `shutdown()`). After [`Queue::close`], puts fail
//!   with [`Closed`] (waiting putters too) while getters take what is left; then
//!   [`Queue::next`] and the `Stream` return `None`. No sentinel, no idle timeout.
//! - **Leaving is clean.** A getter or putter whose future is dropped (its task killed, a
//!   timeout) leaves the line; what the pass had served it passes to the next in line, and a
//!   putter's item is never half-delivered.
//!
//! # A tour
//!
//! Producers and consumers, with `task_done`/`join` to wait for the work:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use greenery::queue::Queue;
//!
//! greenery::run(async {
//!     let jobs = Queue::bounded(2).unwrap();
//!     let done = Rc::new(RefCell::new(Vec::new()));
//!     for w in 0..2 {
//!         let (jobs, done) = (jobs.clone(), done.clone());
//!         greenery::spawn(async move {
//!             loop {
//!                 let job: u32 = jobs.get().await;
//!                 done.borrow_mut().push((w, job));
//!                 jobs.task_done().unwrap();
//!             }
//!         });
//!     }
//!     for job in 0..6 {
//!         jobs.put(job).await.unwrap(); // waits while two jobs are queued
//!     }
//!     jobs.join().await;
//!     assert_eq!(done.borrow().len(), 6);
//! });
//! ```
//!
//! A consumer loops on [`Queue::next`] until the producer closes the queue; the queue is
//! also a [`Stream`](futures_core::Stream) of its items, which ends there too.
//!
//! ```
//! use greenery::queue::Queue;
//!
//! greenery::run(async {
//!     let q = Queue::new();
//!     let consumer = {
//!         let q = q.clone();
//!         greenery::spawn(async move {
//!             let mut seen = Vec::new();
//!             while let Some(x) = q.next().await {
//!                 seen.push(x);
//!             }
//!             seen
//!         })
//!     };
//!     for x in [1, 2, 3] {
//!         q.put(x).await.unwrap();
//!     }
//!     q.close(); // the consumer drains what is left, then sees the end
//!     assert_eq!(consumer.await.unwrap(), [1, 2, 3]);
//! });
//! ```
//!
//! Where greenery differs from gevent: `Queue::bounded(0)` is an error, not an unbounded
//! queue (gevent's deprecated `Queue(0)`); [`Channel::try_get`] takes an item from a waiting
//! putter at once (gevent's `get_nowait` waits a loop turn). gevent's `shutdown()` throws
//! `ShutDown` into every waiting getter at once; greenery's `close` lets a getter already woken for an item take it (the
//! item is there), and `get` (which cannot fail) keeps waiting on a closed, drained queue:
//! consumers of a queue that may be closed use `next`. `shutdown(immediate=True)` is `close`
//! followed by draining with `try_get` (and `task_done`).

mod channel;
mod error;
mod handout;
#[allow(clippy::module_inception)]
mod queue;
mod store;
mod wait;

pub use channel::{Channel, ChannelGet, ChannelNext, ChannelPut};
pub use error::{Closed, Empty, PutError, TaskDoneError, ZeroCapacity};
pub use queue::{JoinableQueue, LifoQueue, PriorityQueue, Queue};
pub use store::{Fifo, Lifo, Priority, Store};
pub use wait::{Get, Next, Put, QueueJoin};
