//! The runtime's clock: real time, or a virtual clock that only moves when the runtime is idle.

use std::cell::Cell;
use std::time::{Duration, Instant};

pub(crate) struct Clock {
    /// `Some(start)` when paused: the virtual time is `start + offset`.
    paused_at: Option<Instant>,
    offset: Cell<Duration>,
}

impl Clock {
    pub(crate) fn new(paused: bool) -> Clock {
        Clock {
            paused_at: paused.then(Instant::now),
            offset: Cell::new(Duration::ZERO),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    pub(crate) fn now(&self) -> Instant {
        match self.paused_at {
            Some(start) => start + self.offset.get(),
            None => Instant::now(),
        }
    }

    /// Moves a paused clock forward to `deadline` (never backwards).
    pub(crate) fn advance_to(&self, deadline: Instant) {
        if let Some(start) = self.paused_at {
            let offset = deadline.saturating_duration_since(start);
            if offset > self.offset.get() {
                self.offset.set(offset);
            }
        }
    }
}
