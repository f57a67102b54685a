//! Timers: sleep, sleep_until, timeout, interval, the paused clock; poll by poll with
//! tokio-test where the future is a leaf.

mod common;

use std::time::Duration;

use common::{paused, Log};
use greenery::time::{advance, interval, now, sleep, sleep_until, timeout};
use greenery::{spawn, yield_now};
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

const MS: Duration = Duration::from_millis(1);

#[test]
fn sleep_is_pending_until_its_deadline_then_ready() {
    paused().block_on(async {
        let mut s = tokio_test::task::spawn(sleep(10 * MS));
        assert_pending!(s.poll());
        advance(9 * MS);
        assert!(!s.is_woken());
        assert_pending!(s.poll());
        advance(MS);
        assert!(s.is_woken());
        assert_ready!(s.poll());
        assert!(s.is_elapsed());
    });
}

#[test]
fn a_due_sleep_yields_once_like_yield_now() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            spawn(async move { l.push("other task") });
            let mut s = tokio_test::task::spawn(sleep(Duration::ZERO));
            assert_pending!(s.poll());
            assert!(s.is_woken(), "a due sleep re-queues itself");
            sleep(Duration::ZERO).await;
            log.push("main after sleep(0)");
            assert_ready!(s.poll());
        }
    });
    assert_eq!(log.take(), ["other task", "main after sleep(0)"]);
}

#[test]
fn the_paused_clock_jumps_to_the_next_deadline() {
    let waited = paused().block_on(async {
        let start = now();
        sleep(Duration::from_secs(3600)).await;
        now() - start
    });
    assert_eq!(waited, Duration::from_secs(3600));
}

#[test]
fn real_sleeps_wait_at_least_their_duration() {
    let waited = greenery::run(async {
        let start = std::time::Instant::now();
        sleep(15 * MS).await;
        start.elapsed()
    });
    assert!(waited >= 15 * MS, "woke after {waited:?}");
}

#[test]
fn sleep_until_a_past_instant_completes_after_one_yield() {
    paused().block_on(async {
        let past = now();
        advance(5 * MS);
        let mut s = tokio_test::task::spawn(sleep_until(past));
        assert_pending!(s.poll());
        assert_ready!(s.poll());
    });
}

#[test]
fn timeout_returns_the_value_when_in_time_and_elapsed_otherwise() {
    paused().block_on(async {
        assert_eq!(timeout(10 * MS, async { 3 }).await, Ok(3));
        let mut t = tokio_test::task::spawn(timeout(10 * MS, std::future::pending::<()>()));
        assert_pending!(t.poll());
        advance(10 * MS);
        let err = assert_ready!(t.poll()).unwrap_err();
        assert_eq!(err.to_string(), "timed out");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    });
}

#[test]
fn timeout_of_zero_polls_the_future_first() {
    paused().block_on(async {
        assert_eq!(
            timeout(Duration::ZERO, async { "ready" }).await,
            Ok("ready")
        );
        assert!(timeout(Duration::ZERO, std::future::pending::<()>())
            .await
            .is_err());
    });
}

#[test]
fn timeout_of_duration_max_never_fires_and_keeps_nothing_alive() {
    let rt = paused();
    let err = rt
        .try_block_on(timeout(Duration::MAX, std::future::pending::<()>()))
        .unwrap_err();
    assert!(err
        .to_string()
        .starts_with("This operation would block forever"));
    assert_eq!(
        rt.block_on(timeout(Duration::MAX, async { 1 })),
        Ok(1),
        "a ready future wins"
    );
}

#[test]
fn a_timed_out_future_is_dropped_and_its_timer_cancelled() {
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let guard = common::Finally(log.clone(), "inner".to_string());
            let inner = async move {
                let _guard = guard;
                sleep(Duration::from_secs(60)).await;
            };
            assert!(timeout(MS, inner).await.is_err());
            log.push("timed out");
        }
    });
    assert_eq!(log.take(), ["inner dropped", "timed out"]);
}

#[test]
fn interval_ticks_at_its_period_and_skips_missed_ticks() {
    paused().block_on(async {
        let start = now();
        let mut every = interval(10 * MS);
        assert_eq!(every.tick().await - start, Duration::ZERO);
        assert_eq!(every.tick().await - start, 10 * MS);
        sleep(35 * MS).await; // miss the ticks at 20 and 30 ms
        let late = every.tick().await - start;
        assert_eq!(late, 20 * MS, "the overdue tick fires at once");
        assert_eq!(every.tick().await - start, 55 * MS, "then one period later");
    });
}

#[test]
fn equal_deadlines_fire_in_arming_order() {
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let deadline = now() + 5 * MS;
            let hs: Vec<_> = (0..12)
                .map(|i| {
                    let log = log.clone();
                    spawn(async move {
                        sleep_until(deadline).await;
                        log.push(i.to_string());
                    })
                })
                .collect();
            greenery::joinall(hs).await;
        }
    });
    let expected: Vec<String> = (0..12).map(|i| i.to_string()).collect();
    assert_eq!(
        log.take(),
        expected,
        "FIFO, not libev's heap order (artifact A1)"
    );
}

#[test]
fn many_cancelled_timeouts_leave_the_runtime_idle() {
    let rt = paused();
    rt.block_on(async {
        for _ in 0..10_000 {
            assert_ready_eq!(
                tokio_test::task::spawn(timeout(Duration::from_secs(5), async { 1 })).poll(),
                Ok(1)
            );
        }
        yield_now().await;
    });
    // Nothing armed: a pending main is reported at once, not after 5 virtual seconds.
    assert!(rt.try_block_on(std::future::pending::<()>()).is_err());
}

#[test]
fn back_to_back_real_sleeps_each_wake_the_loop() {
    // Every sleep blocks the loop on the timer fd; a lost expiry edge would hang here.
    let woke = greenery::run(async {
        let mut woke = 0;
        for i in 0..300u32 {
            sleep(Duration::from_micros(50 + u64::from(i % 7) * 30)).await;
            woke += 1;
        }
        woke
    });
    assert_eq!(woke, 300);
}

#[test]
fn an_interval_too_long_to_represent_ticks_once_then_never() {
    let err = paused()
        .try_block_on(async {
            let mut never = interval(Duration::MAX);
            never.tick().await; // the first tick is now
            never.tick().await;
        })
        .unwrap_err();
    assert_eq!(err.blocked().len(), 1);
}
