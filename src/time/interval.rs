//! [`interval`]: ticks at a fixed period.

use std::time::{Duration, Instant};

use super::sleep_until;

/// Ticks every `period`, starting now: the first [`tick`](Interval::tick) completes after one
/// yield. When ticks are missed (the task was busy), the next tick is one period after the
/// late one instead of a burst of catch-up ticks. A zero period ticks on every yield; a period
/// too long to represent (`Duration::MAX`) ticks once and then never again.
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let mut every = greenery::time::interval(Duration::from_millis(2));
///     let first = every.tick().await;
///     let second = every.tick().await;
///     assert_eq!(second - first, Duration::from_millis(2));
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    Interval {
        next: Some(super::now()),
        period,
    }
}

/// The ticker of [`interval`].
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let mut ticks: greenery::time::Interval = greenery::time::interval(Duration::from_millis(1));
///     for _ in 0..3 {
///         ticks.tick().await;
///     }
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    /// `None` once the next tick would be past the end of time: it never comes.
    next: Option<Instant>,
    period: Duration,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = greenery::Builder::new().start_paused(true).build().unwrap();
    /// rt.block_on(async {
    ///     let mut every = greenery::time::interval(Duration::from_secs(1));
    ///     let first = every.tick().await;
    ///     assert_eq!(every.tick().await - first, Duration::from_secs(1));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        let Some(scheduled) = self.next else {
            // A period too long to represent: the next tick never comes.
            return std::future::pending().await;
        };
        sleep_until(scheduled).await;
        let now = super::now();
        self.next = scheduled.checked_add(self.period);
        if self.next.is_some_and(|next| next < now) && !self.period.is_zero() {
            self.next = now.checked_add(self.period);
        }
        scheduled
    }

    /// The period.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     assert_eq!(greenery::time::interval(Duration::from_secs(2)).period(), Duration::from_secs(2));
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}
