//! Helpers shared by the integration tests.
#![allow(dead_code)] // Each test crate uses its own subset.

use std::cell::RefCell;
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
}

/// A runtime with a paused (virtual) clock: timer tests run instantly and deterministically.
pub fn paused() -> greenery::Runtime {
    greenery::Builder::new()
        .start_paused(true)
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
