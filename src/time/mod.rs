//! Time: [`sleep`], [`timeout`], [`interval`], and the runtime's clock.
//!
//! Timers live in one heap per runtime and fire in deadline order, ties in the order they
//! were armed (SEMANTICS rule 4). They are exact: a blocking wait ends at the deadline to the
//! nanosecond the OS allows (a timer fd on Linux), not at the next millisecond. With
//! [`Builder::start_paused`](crate::Builder::start_paused) the clock is virtual and jumps to
//! the next deadline whenever every task is waiting.

pub(crate) mod clock;
mod interval;
mod sleep;
mod timeout;
pub(crate) mod timers;

pub use interval::{interval, Interval};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

use std::time::Instant;

/// The runtime's current time: the real monotonic clock, or the virtual one of a paused
/// runtime. Outside a runtime, `Instant::now()`.
///
/// ```
/// greenery::run(async {
///     let t = greenery::time::now();
///     assert!(greenery::time::now() >= t);
/// });
/// ```
pub fn now() -> Instant {
    crate::runtime::context::with_core(|core| core.now()).unwrap_or_else(Instant::now)
}
