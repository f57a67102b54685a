//! Stackful green threads, and greenlets whose `switch` is a plain call: gevent and greenlet
//! code ported without `async`.
//!
//! # Green threads
//!
//! A green thread runs a closure on a stack of its own. Inside it, blocking-style calls
//! ([`sleep`], [`yield_now`], [`JoinHandle::join`](crate::JoinHandle::join), and
//! [`block_on`] of any future: queues, events, locks, sockets, timeouts) suspend only that
//! green thread; the others, and every async task, keep running on the same OS thread. A
//! green thread is an ordinary task of the runtime: [`spawn`] returns the same
//! [`JoinHandle`](crate::JoinHandle) and [`Task`](crate::Task) as async tasks do (names, ids,
//! states, kill, join with a timeout, panics as [`JoinError`](crate::JoinError), LoopExit
//! reports), and every scheduling rule of `docs/scheduling.md` holds for any mix of green
//! threads and async tasks. [`run`] runs a whole program as a green thread:
//!
//! ```
//! use std::time::Duration;
//! use greenery::green;
//!
//! let order = green::run(|| {
//!     let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
//!     let worker = |name: &'static str, ms: u64| {
//!         let log = log.clone();
//!         green::spawn(move || {
//!             green::sleep(Duration::from_millis(ms)); // a plain call: no .await
//!             log.borrow_mut().push(name);
//!         })
//!     };
//!     let (slow, fast) = (worker("slow", 20), worker("fast", 10));
//!     slow.join().unwrap();
//!     fast.join().unwrap();
//!     log.take()
//! });
//! assert_eq!(order, ["fast", "slow"]);
//! ```
//!
//! Async code awaits a green thread's handle like any other; a green thread waits for an
//! async task with `join` or `block_on`:
//!
//! ```
//! greenery::run(async {
//!     let green = greenery::green::spawn(|| {
//!         let task = greenery::spawn(async { 20 });
//!         task.join().unwrap() + 1 // a green thread waits for an async task
//!     });
//!     assert_eq!(green.await.unwrap(), 21); // an async task waits for a green thread
//! });
//! ```
//!
//! A kill ([`Task::kill`](crate::Task::kill)) unwinds the green thread where it waits: the
//! destructors on its stack run, innermost first, before `kill` returns. A panic ends it
//! with [`JoinError::Panicked`](crate::JoinError::Panicked). Dropping the runtime unwinds
//! every green thread still suspended. While a green thread unwinds it never suspends: a
//! destructor's `sleep` or `yield_now` returns at once, a switch fails, and a `block_on` of a
//! future that is not ready panics (which, during an unwind, aborts like any panic in a
//! destructor).
//!
//! # Greenlets
//!
//! A [`Greenlet`] is greenlet's `greenlet`: a function on its own stack that runs only when
//! switched to, with a [`switch`](Greenlet::switch) that is a plain call at any call depth.
//! Greenlets need no runtime; inside a green thread they may block, and the green thread then
//! waits as a whole. Raw switches never give other tasks a turn.
//!
//! ```
//! use greenery::green::Greenlet;
//!
//! let (ping, pong) = (Greenlet::<u32>::declare(), Greenlet::<u32>::declare());
//! ping.set_body({ let pong = pong.clone(); move |n| pong.switch(n + 1) }).unwrap();
//! pong.set_body({ let ping = ping.clone(); move |n| ping.switch(n * 10) }).unwrap();
//! // main starts ping with 1; ping starts pong with 2; pong switches 20 back into ping, whose
//! // body returns it to its parent, main. (pong is left waiting in its switch.)
//! assert_eq!(ping.switch(1).unwrap(), 20);
//! ```
//!
//! Which greenlet to use: this one to port greenlet code (plain calls, any depth, any mix of
//! green threads); [`crate::greenlet::Greenlet`], the async one, inside async code that wants
//! explicit transfers without a stack per greenlet (its switches are awaited, and its bodies
//! are futures).
//!
//! # Stacks
//!
//! Each green thread and greenlet has a stack of [`DEFAULT_STACK_SIZE`] (256 KiB) unless the
//! runtime ([`Builder::green_stack_size`](crate::Builder::green_stack_size)) or the spawn
//! ([`Builder::stack_size`]) says otherwise. Stacks are mapped once, with a guard page below,
//! committed page by page as they are touched (an idle green thread costs a few KiB), and
//! reused through a per-thread pool of up to 1,024 stacks. A green thread that overflows its
//! stack is stopped with a message naming it ("greenery: green thread #5 'worker' overflowed
//! its stack of 256 KiB") and the process aborts, as std does for threads. Each stack is two
//! memory mappings, so Linux's default `vm.max_map_count` (65,530) allows about 32,000 green
//! threads at once; raise it for more (`sysctl vm.max_map_count=262144`); a spawn the kernel
//! refuses is an error naming that limit. Debug builds use much more stack per call than
//! release builds: give deeply recursive green threads more.
//!
//! # What green threads share
//!
//! Green threads are not OS threads: they all run on the thread that runs the runtime and
//! share its thread-locals, its `std::thread::current()`, and its panic state. A
//! `thread_local!` `RefCell` borrowed across a blocking call is still borrowed in the green
//! thread that runs next; a `std::sync::Mutex` held across a blocking call blocks the whole OS
//! thread when another green thread takes it (a deadlock): use greenery's
//! [`sync`](crate::sync) types across blocking calls. Green threads never move between OS
//! threads (`Greenlet`, `JoinHandle`s and the closures are `!Send` where it matters).
//!
//! # Platforms
//!
//! Green threads use corosensei for the context switch and are available on Unix targets
//! (tested on x86_64 Linux with glibc; corosensei also supports aarch64, riscv64,
//! loongarch64 and powerpc64 there). The module does not exist on other targets.

mod block;
mod greenlet;
mod message;
mod node;
mod stack;
mod switch;
mod thread;

pub use self::block::{block_on, idle, is_green, sleep, try_block_on, yield_now, NotGreen};
#[cfg(feature = "patch")]
pub(crate) use self::block::{park, Unparked};
pub use self::greenlet::{getcurrent, Greenlet};
pub use self::stack::DEFAULT_STACK_SIZE;
#[cfg(feature = "patch")]
pub(crate) use self::switch::in_fiber;
pub use self::thread::{run, spawn, thread, try_run, Builder, GreenThread};
