//! Timeouts as a scope around a future: [`with_timeout`] and [`with_timeout_or`] (gevent's
//! `Timeout` and `with_timeout`, SEMANTICS rule 28).
//!
//! A timeout only fires while the future waits: code that never yields is never interrupted,
//! and leaving the scope (the future finishing first) cancels the timer. Each call is its
//! own scope, so nested timeouts are distinct: the one that fired is the one whose `Err` you
//! get. gevent's silent `Timeout(s, False)` is `with_timeout(..).await.ok()`; a custom
//! exception is `.map_err(..)`.
//!
//! ```
//! use std::time::Duration;
//! use greenery::time::sleep;
//! use greenery::timeout::{with_timeout, with_timeout_or};
//!
//! greenery::run(async {
//!     let slow = sleep(Duration::from_secs(60));
//!     assert!(with_timeout(Duration::from_millis(5), slow).await.is_err());
//!
//!     // nested: the inner scope fires first and the outer one keeps running
//!     let outer = with_timeout(Duration::from_secs(5), async {
//!         with_timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await
//!     });
//!     assert!(matches!(outer.await, Ok(Err(_))));
//!
//!     let value = with_timeout_or(Duration::from_millis(5), async { sleep(Duration::from_secs(60)).await; "done" }, "TV");
//!     assert_eq!(value.await, "TV");
//! });
//! ```

use std::future::Future;
use std::time::Duration;

pub use crate::time::Elapsed;

/// Runs `future` for at most `duration`: its output, or `Err(Elapsed)` (gevent's
/// `with_timeout(seconds, func)` raising `Timeout`). The future is dropped on timeout, so
/// every primitive it waited on forgets it. Same as [`time::timeout`](crate::time::timeout).
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let fast = greenery::timeout::with_timeout(Duration::from_millis(500), async { "fast" });
///     assert_eq!(fast.await, Ok("fast"));
/// });
/// ```
pub fn with_timeout<F: Future>(duration: Duration, future: F) -> crate::time::Timeout<F> {
    crate::time::timeout(duration, future)
}

/// Runs `future` for at most `duration`; on timeout returns `timeout_value` instead (gevent's
/// `with_timeout(seconds, func, timeout_value=...)`).
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let never = std::future::pending::<&str>();
///     let out = greenery::timeout::with_timeout_or(Duration::from_millis(1), never, "TV").await;
///     assert_eq!(out, "TV");
/// });
/// ```
pub async fn with_timeout_or<F: Future>(
    duration: Duration,
    future: F,
    timeout_value: F::Output,
) -> F::Output {
    crate::time::timeout(duration, future)
        .await
        .unwrap_or(timeout_value)
}
