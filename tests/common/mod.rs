//! Helpers shared by the integration tests.
#![allow(dead_code)] // Each test crate uses its own subset.

pub mod mix;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

/// An ordered record of events, cheap to clone into tasks.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    pub fn snapshot(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// Asserts the log equals the lines of `expected` (one event per line, surrounding
    /// whitespace ignored) and clears it.
    #[track_caller]
    pub fn assert(&self, expected: &str) {
        let want: Vec<&str> = expected
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(self.take(), want);
    }
}

/// The lines a gevent script printed (a `tests/gevent/NAME.out`, passed as
/// `include_str!("gevent/NAME.out")`), without the exit-status line `regen.sh` appends.
pub fn gevent(out: &str) -> String {
    out.lines()
        .filter(|line| !line.starts_with("[exit status"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A runtime with a paused (virtual) clock: timer tests run instantly and deterministically.
pub fn paused() -> greenery::Runtime {
    greenery::Builder::new()
        .start_paused(true)
        .build()
        .expect("runtime")
}

/// [`paused`], for tests whose tasks panic on purpose: no panic report, no panic hook output.
pub fn silent_paused() -> greenery::Runtime {
    std::panic::set_hook(Box::new(|_| {}));
    greenery::Builder::new()
        .start_paused(true)
        .on_task_panic(greenery::PanicPolicy::Silent)
        .build()
        .expect("runtime")
}

/// Records `"{name} dropped"` when dropped: stands in for a `finally` block.
pub struct Finally(pub Log, pub String);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0.push(format!("{} dropped", self.1));
    }
}

/// Records its line when dropped: a task's `except GreenletExit:` (a kill drops the body).
pub struct Said(pub Log, pub &'static str);

impl Drop for Said {
    fn drop(&mut self) {
        self.0.push(self.1);
    }
}

/// Runs `future` on a runtime with a virtual clock (see [`paused`]).
pub fn run_paused<F: Future>(future: F) -> F::Output {
    paused().block_on(future)
}

/// A tiny xorshift PRNG for property tests with fixed seeds.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
