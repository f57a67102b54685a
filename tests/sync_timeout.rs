//! gevent's with_timeout / Timeout scopes as `time::timeout` / `time::timeout_or`: SEMANTICS
//! rule 28.

mod common;

use std::time::Duration;

use common::{run_paused, Log};
use greenery::time::{sleep, timeout as with_timeout, timeout_or as with_timeout_or};

/// Port of semantics/r25_timeout, with Rust's renderings: a timeout is an `Err(Elapsed)`
/// value, the silent `Timeout(s, False)` is `.ok()`, a custom exception is `.map_err`.
#[test]
fn rule28_timeouts_fire_only_while_waiting_and_nest_distinctly() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            if let Err(e) =
                with_timeout(Duration::from_millis(20), sleep(Duration::from_secs(1))).await
            {
                log.push(format!("caught Timeout: {e}"));
            }
            let silent = with_timeout(Duration::from_millis(20), async {
                sleep(Duration::from_secs(1)).await;
                log.push("not printed");
            })
            .await
            .ok();
            assert!(silent.is_none());
            log.push("silent timeout: block left");
            let custom = with_timeout(Duration::from_millis(20), sleep(Duration::from_secs(1)))
                .await
                .map_err(|_| "too slow");
            log.push(format!("custom error: {custom:?}"));
            let busy = with_timeout(Duration::from_nanos(1), async {
                (0..300_000u64).sum::<u64>()
            })
            .await;
            log.push(format!(
                "a block that never waits is not interrupted: {}",
                busy.is_ok()
            ));
            let outer = with_timeout(Duration::from_millis(50), async {
                let inner =
                    with_timeout(Duration::from_millis(10), sleep(Duration::from_secs(1))).await;
                log.push(format!("inner fired: {}", inner.is_err()));
                sleep(Duration::from_secs(1)).await;
            })
            .await;
            log.push(format!("outer fired: {}", outer.is_err()));
            log.push(format!(
                "with_timeout_or -> {}",
                with_timeout_or(
                    Duration::from_millis(20),
                    async {
                        sleep(Duration::from_secs(1)).await;
                        "late"
                    },
                    "TV"
                )
                .await
            ));
            log.push(format!(
                "fast call -> {:?}",
                with_timeout(Duration::from_millis(500), async { "fast" }).await
            ));
        }
    });
    log.assert(
        "caught Timeout: timed out
         silent timeout: block left
         custom error: Err(\"too slow\")
         a block that never waits is not interrupted: true
         inner fired: true
         outer fired: true
         with_timeout_or -> TV
         fast call -> Ok(\"fast\")",
    );
}
