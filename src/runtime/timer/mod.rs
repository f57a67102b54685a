//! The timer core: the runtime's clock, its timer heap, and the two futures everything else
//! is built from, [`Sleep`] and [`Timeout`]. [`crate::time`] is the public face.

pub(crate) mod clock;
pub(crate) mod heap;
mod sleep;
mod timeout;

use std::time::Instant;

pub use self::sleep::{sleep, sleep_until, Sleep};
pub use self::timeout::{timeout, timeout_at, Elapsed, Timeout};

/// The runtime's current time (virtual when paused), or `Instant::now()` outside a runtime.
pub(crate) fn now() -> Instant {
    super::context::with_core(|core| core.now()).unwrap_or_else(Instant::now)
}
