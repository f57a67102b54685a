//! Pool map, imap, imap_unordered: SEMANTICS rule 26 (the .out indents "start"/"end"; the
//! log compares trimmed lines).

mod common;

use std::pin::Pin;
use std::time::Duration;

use common::{run_paused, Log};
use futures_core::Stream;
use greenery::pool::{Group, Pool};
use greenery::time::sleep;
use greenery::JoinError;

async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Port of semantics/r23_pool_map.
#[test]
fn rule26_map_imap_keep_input_order_imap_unordered_completion_order() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let pool = Pool::new(2).unwrap();
            let f = {
                let log = log.clone();
                move |x: u64| {
                    let log = log.clone();
                    async move {
                        log.push(format!("start {x}"));
                        let ms = [50, 10, 20, 5][x as usize];
                        sleep(Duration::from_millis(ms)).await;
                        log.push(format!("end {x}"));
                        x * 10
                    }
                }
            };
            let results = pool.map(0..4, f.clone()).await.unwrap();
            log.push(format!("map -> {results:?}"));
            log.push("imap:");
            let mut it = pool.imap(0..4, f.clone());
            while let Some(r) = next(&mut it).await {
                log.push(format!("imap yielded {}", r.unwrap()));
            }
            log.push("imap_unordered:");
            let mut it = pool.imap_unordered(0..4, f);
            while let Some(r) = next(&mut it).await {
                log.push(format!("imap_unordered yielded {}", r.unwrap()));
            }
        }
    });
    log.assert(
        "  start 0
           start 1
           end 1
           start 2
           end 2
           start 3
           end 3
           end 0
         map -> [0, 10, 20, 30]
         imap:
           start 0
           start 1
           end 1
           start 2
           end 2
           start 3
           end 3
           end 0
         imap yielded 0
         imap yielded 10
         imap yielded 20
         imap yielded 30
         imap_unordered:
           start 0
           start 1
           end 1
         imap_unordered yielded 10
           start 2
           end 2
         imap_unordered yielded 20
           start 3
           end 3
         imap_unordered yielded 30
           end 0
         imap_unordered yielded 0",
    );
}

#[test]
fn map_reports_the_first_failure_in_input_order() {
    greenery::run(async {
        let pool = Pool::new(2).unwrap();
        std::panic::set_hook(Box::new(|_| {}));
        let err: JoinError = pool
            .map(0..4, |x| async move {
                if x == 1 {
                    panic!("bad {x}");
                }
                x
            })
            .await
            .unwrap_err();
        let _ = std::panic::take_hook();
        assert!(err.is_panic());
    });
}

#[test]
fn imap_unordered_reports_killed_jobs_and_ends() {
    run_paused(async {
        let group = Group::new();
        let mut it = group.imap_unordered(0..3u64, |x| async move {
            sleep(Duration::from_millis(10 * (x + 1))).await;
            x
        });
        assert_eq!(next(&mut it).await.unwrap().unwrap(), 0);
        group.kill(); // jobs 1 and 2 are killed
        let rest: Vec<bool> = [next(&mut it).await, next(&mut it).await]
            .into_iter()
            .map(|r| r.unwrap().unwrap_err().is_killed())
            .collect();
        assert_eq!(rest, [true, true]);
        assert!(next(&mut it).await.is_none());
    });
}

#[test]
fn empty_inputs_end_at_once() {
    greenery::run(async {
        let pool = Pool::new(1).unwrap();
        assert!(pool
            .map(Vec::<u8>::new(), |x| async move { x })
            .await
            .unwrap()
            .is_empty());
        let mut it = pool.imap(Vec::<u8>::new(), |x| async move { x });
        assert!(next(&mut it).await.is_none());
        let mut it = pool.imap_unordered(Vec::<u8>::new(), |x| async move { x });
        assert!(next(&mut it).await.is_none());
    });
}

#[test]
fn dropping_an_imap_stops_starting_new_work() {
    run_paused(async {
        let pool = Pool::new(1).unwrap();
        let started = std::rc::Rc::new(std::cell::Cell::new(0));
        let s = started.clone();
        let mut it = pool.imap(0..10, move |x| {
            let s = s.clone();
            async move {
                s.set(s.get() + 1);
                sleep(Duration::from_millis(1)).await;
                x
            }
        });
        assert_eq!(next(&mut it).await.unwrap().unwrap(), 0);
        drop(it);
        pool.join().await;
        sleep(Duration::from_millis(20)).await;
        assert!(started.get() <= 2, "started {}", started.get());
    });
}
