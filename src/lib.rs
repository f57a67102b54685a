//! greenery: Python's gevent and greenlet, for Rust.
//!
//! A single-threaded coroutine runtime on a mio reactor, with gevent's scheduling order.
//!
//! # A tour
//!
//! [`run`] drives a main future and every task spawned under it on the calling thread.
//! [`spawn`] only schedules a task: it first runs when the spawner yields or blocks, and tasks
//! start in spawn order. [`yield_now`] (gevent's `sleep(0)`) goes to the back of the FIFO run
//! queue, so yielding tasks alternate strictly:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! greenery::run({
//!     let log = log.clone();
//!     async move {
//!         let worker = |name: &'static str| {
//!             let log = log.clone();
//!             async move {
//!                 for i in 0..2 {
//!                     log.borrow_mut().push(format!("{name}{i}"));
//!                     greenery::yield_now().await;
//!                 }
//!             }
//!         };
//!         let a = greenery::spawn(worker("a"));
//!         let b = greenery::spawn(worker("b"));
//!         greenery::joinall([a, b]).await;
//!     }
//! });
//! assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1"]);
//! ```
//!
//! A [`JoinHandle`] is a future of the task's result; a panic inside a task is caught and
//! delivered as [`JoinError::Panicked`]; [`JoinHandle::kill`] drops the task where it waits,
//! running its destructors. Timers ([`time::sleep`], [`time::timeout`]) fire in deadline order.
//!
//! ```
//! use std::time::Duration;
//! use greenery::time::{sleep, timeout};
//!
//! greenery::run(async {
//!     let slow = greenery::spawn(async {
//!         sleep(Duration::from_secs(60)).await;
//!         "never"
//!     });
//!     assert!(timeout(Duration::from_millis(10), greenery::spawn(async {
//!         sleep(Duration::from_secs(60)).await
//!     })).await.is_err());
//!     slow.kill();
//!     assert!(slow.await.unwrap_err().is_killed());
//! });
//! ```
//!
//! When the main future waits for something that nothing can ever provide, [`run`] does not
//! hang: it panics with gevent's [`LoopExit`] ("This operation would block forever"), naming
//! the blocked tasks; [`try_run`] returns it as an error.
//!
//! ```
//! let err = greenery::try_run(async {
//!     let never = greenery::task::Builder::new().spawn_unstarted(async {});
//!     never.await
//! });
//! assert!(err.is_err());
//! ```
//!
//! A future woken from outside greenery (a channel fed by another thread, another runtime's
//! timer) is awaited through [`runtime::foreign`], which keeps the loop alive while it waits;
//! `docs/interop.md` covers futures-util, futures-io, tokio and threads.
//!
//! # Without `async`: green threads
//!
//! gevent code is plain blocking-style code. [`green`] runs closures as green threads, each on
//! a stack of its own, where `sleep`, `join` and `block_on(any future)` are plain calls that
//! suspend only the calling green thread; they are tasks of the same runtime, scheduled in the
//! same order, next to async tasks. [`green::Greenlet`] is greenlet's greenlet, whose `switch`
//! is a plain call.
//!
//! ```
//! use std::time::Duration;
//! use greenery::green;
//!
//! let total = green::run(|| {
//!     let workers: Vec<_> = (1..=3u64)
//!         .map(|i| green::spawn(move || {
//!             green::sleep(Duration::from_millis(10 * i));
//!             i
//!         }))
//!         .collect();
//!     workers.into_iter().map(|w| w.join().unwrap()).sum::<u64>()
//! });
//! assert_eq!(total, 6);
//! ```
//!
//! # Seeing inside the loop
//!
//! [`runtime::print_run_info`] lists every task with its state, what it waits on, for how long,
//! and where it was spawned (gevent's `print_run_info`; spawn locations and waits are kept by
//! runtimes built with [`Builder::track_tasks`]). [`Builder::trace`] (or `GREENERY_TRACE=out.json`)
//! writes a scheduling trace Perfetto opens; [`Builder::monitor`] (or `GREENERY_MONITOR=1`)
//! starts a watchdog that reports a task blocking the loop in a call no hook sees; the `tracing`
//! cargo feature gives every task a `tracing` span, entered on each poll.
//!
//! ```
//! let rt = greenery::Builder::new().track_tasks(true).build().unwrap();
//! rt.block_on(async {
//!     let event = greenery::sync::Event::new();
//!     let e = event.clone();
//!     let waiter = greenery::spawn(async move { e.wait().await });
//!     greenery::yield_now().await;
//!     let info = greenery::runtime::run_info();
//!     assert_eq!(info.tasks[1].waits_on, Some(greenery::runtime::Wait::Primitive("Event::wait")));
//!     event.set();
//!     waiter.await.unwrap();
//! });
//! ```
//!
//! See `docs/scheduling.md` for the scheduling rules and where greenery differs from gevent.
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]

pub mod blocking;
pub mod generator;
#[cfg(unix)]
pub mod green;
pub mod greenlet;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
pub mod monkey;
pub mod net;
pub mod pool;
pub mod process;
pub mod queue;
pub mod runtime;
pub mod server;
pub mod signal;
pub mod sync;
pub mod time;

pub use blocking::spawn_blocking;

pub use runtime::{
    catch_kill, catch_loop_exit, idle, joinall, joinall_indexed, run, spawn, spawn_later,
    try_joinall, try_run, wait, wait_all, yield_now, Builder, JoinError, JoinHandle, Killed,
    LoopExit, PanicPolicy, Runtime, Task,
};

/// Tasks: the spawn [`Builder`](task::Builder), task handles and their states.
pub mod task {
    pub use crate::runtime::{Join, LinkKey, Task, TaskBuilder as Builder, TaskInfo, TaskState};
}
