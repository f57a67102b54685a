//! Time: [`sleep`], [`timeout`], [`interval`], and the runtime's clock.
//!
//! Timers live in one heap per runtime and fire in deadline order, ties in the order they
//! were armed (SEMANTICS rule 4). They are exact: a blocking wait ends at the deadline to the
//! nanosecond the OS allows (a timer fd on Linux), not at the next millisecond. With
//! [`Builder::start_paused`](crate::Builder::start_paused) the clock is virtual and jumps to
//! the next deadline whenever every task is waiting.

mod interval;

pub use crate::runtime::timer::{sleep, sleep_until, timeout, timeout_at, Elapsed, Sleep, Timeout};
pub use interval::{interval, Interval};

use std::future::Future;

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
    crate::runtime::timer::now()
}

/// Runs `future` for at most `duration`; on timeout, returns `timeout_value` instead
/// (gevent's `with_timeout(seconds, func, timeout_value=...)`). The future is dropped on
/// timeout, so every primitive it waited on forgets it.
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let never = std::future::pending::<&str>();
///     let out = greenery::time::timeout_or(Duration::from_millis(1), never, "TV").await;
///     assert_eq!(out, "TV");
/// });
/// ```
pub async fn timeout_or<F: Future>(
    duration: Duration,
    future: F,
    timeout_value: F::Output,
) -> F::Output {
    timeout(duration, future).await.unwrap_or(timeout_value)
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
