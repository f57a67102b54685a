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
pub use timeout::{timeout, timeout_at, timeout_or, Elapsed, Timeout};

use std::time::{Duration, Instant};

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

/// Moves a paused clock forward by `duration` and fires the timers that became due (their
/// tasks are queued; nothing runs until the caller yields). For poll-by-poll tests of timers.
///
/// # Panics
/// Outside a runtime, when the runtime's clock is not paused
/// ([`Builder::start_paused`](crate::Builder::start_paused)), or when `duration` would move the
/// clock past what `Instant` can represent.
///
/// ```
/// use std::time::Duration;
/// let rt = greenery::Builder::new().start_paused(true).build().unwrap();
/// rt.block_on(async {
///     let before = greenery::time::now();
///     greenery::time::advance(Duration::from_secs(5));
///     assert_eq!(greenery::time::now() - before, Duration::from_secs(5));
/// });
/// ```
#[track_caller]
pub fn advance(duration: Duration) {
    let core = crate::runtime::context::expect_core("greenery::time::advance");
    assert!(
        core.clock.is_paused(),
        "greenery::time::advance needs a paused clock (Builder::start_paused(true))"
    );
    let target = core
        .now()
        .checked_add(duration)
        .expect("greenery::time::advance: the clock would overflow");
    core.clock.advance_to(target);
    core.fire_timers();
}
