//! Blocking-style calls inside a green thread: [`block_on`] and what is built on it.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use super::node::{Resume, Suspend};
use super::switch;

/// Why a blocking-style call was refused: it was made outside a green thread, where nothing
/// could resume the caller (plain async code, `main` outside [`run`](super::run), or a
/// greenlet switched to from such code).
///
/// ```
/// let err = greenery::green::try_block_on(async { 1 }).unwrap_err();
/// assert!(err.to_string().contains("inside a green thread"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotGreen(());

impl fmt::Display for NotGreen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "blocking calls (green::block_on, sleep, yield_now, JoinHandle::join) must be made \
             inside a green thread: start one with greenery::green::run or green::spawn, or \
             .await the future in async code",
        )
    }
}

impl Error for NotGreen {}

/// Runs `future` to completion from plain code in a green thread: only this green thread
/// waits; every other task runs meanwhile. The whole async API (queues, events, locks,
/// sockets, timeouts) is usable this way from code that is not `async`.
///
/// # Panics
/// Outside a green thread (see [`try_block_on`]); and while the green thread unwinds a panic
/// or a kill (a destructor cannot wait: like a panic in a destructor during unwinding, this
/// aborts the process), unless `future` is ready at once.
///
/// ```
/// use greenery::sync::Event;
/// use greenery::green;
///
/// green::run(|| {
///     let event = Event::new();
///     let setter = green::spawn({
///         let event = event.clone();
///         move || event.set()
///     });
///     green::block_on(event.wait()); // only this green thread waits
///     setter.join().unwrap();
/// });
/// ```
#[track_caller]
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub fn block_on<F: Future>(future: F) -> F::Output {
    match try_block_on(future) {
        Ok(output) => output,
        Err(err) => panic!("{err}"),
    }
}

/// Like [`block_on`], but outside a green thread returns `Err(NotGreen)` instead of
/// panicking (the future is then dropped unpolled).
///
/// ```
/// greenery::green::run(|| {
///     assert_eq!(greenery::green::try_block_on(async { 7 }), Ok(7));
/// });
/// ```
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub fn try_block_on<F: Future>(future: F) -> Result<F::Output, NotGreen> {
    if !switch::in_fiber() {
        return Err(NotGreen(()));
    }
    // SAFETY: on a fiber's stack (checked above), used only within this call.
    let me = unsafe { switch::running_fiber() };
    let mut future = pin!(future);
    loop {
        if me.dying.get() && !std::thread::panicking() {
            // It caught its kill and blocks again: the kill goes on.
            switch::kill_unwind();
        }
        let cx = switch::task_cx();
        if cx.is_null() {
            return Err(NotGreen(()));
        }
        // SAFETY: `task_cx` is the `Context` of the green thread poll driving this fiber: set
        // by `with_cx` for the duration of that poll, during which we run. It is read again
        // after every suspension, since each resume comes from a new poll.
        if let Poll::Ready(output) = future.as_mut().poll(unsafe { &mut *cx }) {
            return Ok(output);
        }
        if std::thread::panicking() {
            // Suspending now would leave this thread's panic count raised while other green
            // threads run, and a fiber killed mid-unwind could not be unwound again.
            panic!(
                "greenery: a green thread cannot block while it unwinds a panic or a kill \
                 (a destructor called a blocking function)"
            );
        }
        match switch::suspend(me, Suspend::Block) {
            Resume::Go(_) => {}
            Resume::Kill => switch::kill_unwind(),
        }
    }
}

/// Why [`park`] did not wait.
#[cfg_attr(not(feature = "patch"), allow(dead_code))]
pub(crate) enum Unparked {
    /// Not in a green thread that can block (plain code, a greenlet driven from outside).
    NotGreen,
    /// The green thread unwinds a panic or a kill: it must not suspend now.
    Unwinding,
    /// The green thread was killed (before or while it waited).
    Killed,
}

/// Waits for `future` like [`block_on`], for code that must never unwind: the libc hooks,
/// whose `extern "C"` frames a kill cannot unwind through. A kill makes it return
/// `Err(Killed)` (the caller reports an error to its caller, and the green thread unwinds at
/// its next Rust-level blocking call); so does every later call while the kill is pending. A
/// green thread that keeps calling it after its kill, without ever reaching such a call, is
/// abandoned after [`PARK_AFTER_KILL`] calls rather than spinning.
#[cfg_attr(not(feature = "patch"), allow(dead_code))]
pub(crate) fn park<F: Future>(future: F) -> Result<F::Output, Unparked> {
    if !switch::in_fiber() {
        return Err(Unparked::NotGreen);
    }
    if std::thread::panicking() {
        return Err(Unparked::Unwinding);
    }
    // SAFETY: on a fiber's stack (checked above), used only within this call.
    let me = unsafe { switch::running_fiber() };
    // Before the context check: a kill may resume the fiber outside any poll.
    if me.dying.get() {
        let calls = me.parks_after_kill.get() + 1;
        me.parks_after_kill.set(calls);
        if calls > PARK_AFTER_KILL {
            // Its killer abandons it (see `Node::kill`): this suspension never returns.
            let _ = switch::suspend(me, Suspend::Block);
        }
        return Err(Unparked::Killed);
    }
    if switch::task_cx().is_null() {
        return Err(Unparked::NotGreen);
    }
    let mut future = pin!(future);
    loop {
        let cx = switch::task_cx();
        // SAFETY: as in `try_block_on`: the context of the poll driving this fiber.
        if let Poll::Ready(output) = future.as_mut().poll(unsafe { &mut *cx }) {
            return Ok(output);
        }
        match switch::suspend(me, Suspend::Block) {
            Resume::Go(_) => {}
            Resume::Kill => return Err(Unparked::Killed),
        }
    }
}

/// How many hooked calls a killed green thread may still make before it is abandoned.
#[cfg_attr(not(feature = "patch"), allow(dead_code))]
pub(crate) const PARK_AFTER_KILL: u32 = 1_000;

/// Whether the code running now is a green thread (or a greenlet inside one) that may block.
///
/// ```
/// assert!(!greenery::green::is_green());
/// greenery::green::run(|| assert!(greenery::green::is_green()));
/// ```
pub fn is_green() -> bool {
    switch::in_fiber() && !switch::task_cx().is_null()
}

/// Suspends this green thread for `duration` (gevent's `sleep(seconds)`; `Duration::ZERO` is
/// `sleep(0)`, see [`yield_now`]). Other tasks run meanwhile.
///
/// During an unwind (a destructor of a killed green thread) it returns at once.
///
/// # Panics
/// Outside a green thread.
///
/// ```
/// use std::time::{Duration, Instant};
/// greenery::green::run(|| {
///     let start = Instant::now();
///     greenery::green::sleep(Duration::from_millis(10));
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
#[track_caller]
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub fn sleep(duration: Duration) {
    if !std::thread::panicking() {
        block_on(crate::time::sleep(duration));
    }
}

/// Goes to the back of the run queue (gevent's `sleep(0)`): every task queued now runs once
/// before this green thread resumes.
///
/// # Panics
/// Outside a green thread.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// let log = Rc::new(RefCell::new(Vec::new()));
/// greenery::green::run({
///     let log = log.clone();
///     move || {
///         let l = log.clone();
///         greenery::green::spawn(move || l.borrow_mut().push("spawned"));
///         greenery::green::yield_now();
///         log.borrow_mut().push("main");
///     }
/// });
/// assert_eq!(*log.borrow(), ["spawned", "main"]);
/// ```
#[track_caller]
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub fn yield_now() {
    if !std::thread::panicking() {
        block_on(crate::runtime::yield_now());
    }
}

/// Waits until the runtime has nothing else to do (gevent's `idle()`).
///
/// # Panics
/// Outside a green thread.
///
/// ```
/// greenery::green::run(|| greenery::green::idle());
/// ```
#[track_caller]
pub fn idle() {
    block_on(crate::runtime::idle());
}

impl<T> crate::JoinHandle<T> {
    /// Waits for the task from a green thread, as a plain call, and returns its result
    /// (`block_on(handle)`; in async code, `.await` the handle instead).
    ///
    /// # Panics
    /// Outside a green thread.
    ///
    /// ```
    /// greenery::green::run(|| {
    ///     let h = greenery::green::spawn(|| 6 * 7);
    ///     assert_eq!(h.join().unwrap(), 42);
    /// });
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T, crate::JoinError> {
        block_on(self)
    }
}
