//! Async generators: bodies that also await runtime futures, resumed with `.await` and
//! consumed as a `Stream` under `greenery::run` (virtual clock: `start_paused(true)`).

mod generator_common;

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use futures_core::Stream;
use generator_common::{Exc, Log};
use greenery::generator::{AsyncGenerator, Co, Generator, GeneratorError, GeneratorState::*};
use greenery::time::{sleep, timeout};

fn paused<F: Future>(future: F) -> F::Output {
    greenery::Builder::new()
        .start_paused(true)
        .build()
        .expect("runtime")
        .block_on(future)
}

/// Milliseconds of virtual time since `start`.
fn ms(start: std::time::Instant) -> u128 {
    (greenery::time::now() - start).as_millis()
}

async fn next_item<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Polls `future` once in the current task.
async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

#[test]
fn a_stream_with_sleeps_interleaves_with_a_task_by_deadline() {
    let log = Log::default();
    paused(async {
        let start = greenery::time::now();
        let l = log.clone();
        let ticker = greenery::spawn(async move {
            for _ in 0..3 {
                sleep(Duration::from_millis(25)).await;
                l.print(format!("task at {}ms", ms(start)));
            }
        });
        let l = log.clone();
        let mut ticks = pin!(AsyncGenerator::<u32>::new(|co| async move {
            for i in 0..4 {
                sleep(Duration::from_millis(20)).await;
                l.print(format!("yield {i} at {}ms", ms(start)));
                co.yield_(i).await;
            }
        }));
        while let Some(i) = next_item(&mut ticks).await {
            log.print(format!("got {i}"));
        }
        log.print(format!("stream ended at {}ms", ms(start)));
        ticker.await.unwrap();
    });
    assert_eq!(
        log.lines(),
        [
            "yield 0 at 20ms",
            "got 0",
            "task at 25ms",
            "yield 1 at 40ms",
            "got 1",
            "task at 50ms",
            "yield 2 at 60ms",
            "got 2",
            "task at 75ms",
            "yield 3 at 80ms",
            "got 3",
            "stream ended at 80ms",
        ]
    );
}

#[test]
fn resume_send_and_throw_across_sleeps() {
    paused(async {
        let g: AsyncGenerator<u64, Result<u64, Exc>, u64, Exc> =
            AsyncGenerator::new(|co: Co<u64, u64, Exc>| async move {
                let mut total = 0;
                loop {
                    match co.yield_(total).await {
                        Ok(x) => {
                            sleep(Duration::from_millis(x)).await;
                            total += x;
                        }
                        Err(Exc::Value(_)) => total = 0,
                        Err(other) => return Err(other),
                    }
                }
            });
        let start = greenery::time::now();
        assert_eq!(g.next().await, Ok(Yielded(0)));
        assert_eq!(g.resume(30).await, Ok(Yielded(30)));
        assert_eq!(g.resume(12).await, Ok(Yielded(42)));
        assert_eq!(ms(start), 42);
        assert_eq!(g.throw(Exc::Value("reset")).await, Ok(Yielded(0)));
        assert_eq!(
            g.throw(Exc::Key("stop")).await,
            Ok(Complete(Err(Exc::Key("stop"))))
        );
        assert_eq!(g.resume(1).await, Err(GeneratorError::Finished));
    });
}

#[test]
fn a_second_resume_while_the_body_waits_is_already_executing() {
    paused(async {
        let g: AsyncGenerator<&str> = AsyncGenerator::new(|co| async move {
            sleep(Duration::from_millis(5)).await;
            co.yield_("slept").await;
        });
        let mut first = g.next();
        assert!(poll_once(&mut first).await.is_pending());
        assert_eq!(g.next().await, Err(GeneratorError::AlreadyExecuting));
        assert_eq!(first.await, Ok(Yielded("slept")));
        assert_eq!(g.next().await, Ok(Complete(())));
    });
}

#[test]
fn cancelling_a_resume_mid_wait_closes_the_generator() {
    let log = Log::default();
    paused(async {
        let l = log.clone();
        let g: AsyncGenerator<u8> = AsyncGenerator::new(|co| async move {
            let _finally = l.finally("guard ran");
            co.yield_(1).await;
            sleep(Duration::from_secs(60)).await;
            co.yield_(2).await;
        });
        assert_eq!(g.next().await, Ok(Yielded(1)));
        assert!(timeout(Duration::from_millis(10), g.next()).await.is_err());
        log.print("timed out");
        assert!(g.is_finished());
        assert_eq!(g.next().await, Err(GeneratorError::Finished));
    });
    assert_eq!(log.lines(), ["guard ran", "timed out"]);
}

#[test]
fn close_while_waiting_drops_the_body_and_the_pending_resume_sees_finished() {
    let log = Log::default();
    paused(async {
        let l = log.clone();
        let g: AsyncGenerator<u8> = AsyncGenerator::new(|co| async move {
            let _finally = l.finally("guard ran");
            sleep(Duration::from_secs(1)).await;
            co.yield_(1).await;
        });
        let mut pending = g.next();
        assert!(poll_once(&mut pending).await.is_pending());
        assert_eq!(g.close(), Ok(()));
        assert_eq!(pending.await, Err(GeneratorError::Finished));
    });
    assert_eq!(log.lines(), ["guard ran"]);
}

#[test]
fn an_async_body_may_yield_from_a_sync_generator_that_sleeps() {
    paused(async {
        let start = greenery::time::now();
        let sub: Generator<u128, &str> = Generator::new(move |co| async move {
            sleep(Duration::from_millis(7)).await;
            co.yield_(ms(start)).await;
            "sub-ret"
        });
        let g: AsyncGenerator<u128, &str> =
            AsyncGenerator::new(|co| async move { co.yield_from(sub).await.expect("fresh") });
        assert_eq!(g.next().await, Ok(Yielded(7)));
        assert_eq!(g.next().await, Ok(Complete("sub-ret")));
    });
}

#[test]
fn dropping_a_suspended_async_generator_runs_its_guards() {
    let log = Log::default();
    paused(async {
        let l = log.clone();
        let g: AsyncGenerator<u8> = AsyncGenerator::new(|co| async move {
            let _finally = l.finally("guard ran");
            co.yield_(1).await;
        });
        assert_eq!(g.next().await, Ok(Yielded(1)));
        drop(g);
        log.print("after drop");
    });
    assert_eq!(log.lines(), ["guard ran", "after drop"]);
}

#[test]
fn an_async_generator_needs_no_runtime_when_its_body_never_waits() {
    let g: AsyncGenerator<u8> = AsyncGenerator::new(|co| async move {
        co.yield_(1).await;
    });
    let mut first = tokio_test::task::spawn(g.next());
    assert_eq!(tokio_test::assert_ready!(first.poll()), Ok(Yielded(1)));
    drop(first);
    let mut second = tokio_test::task::spawn(g.next());
    assert_eq!(tokio_test::assert_ready!(second.poll()), Ok(Complete(())));
}

#[test]
fn resuming_a_sync_generator_never_gives_other_tasks_a_turn() {
    let log = Log::default();
    paused(async {
        let l = log.clone();
        let other = greenery::spawn(async move {
            for i in 0..2 {
                l.print(format!("task {i}"));
                greenery::yield_now().await;
            }
        });
        let l = log.clone();
        let g: Generator<u32> = Generator::new(|co| async move {
            for i in 0..3 {
                l.print(format!("body {i}"));
                co.yield_(i).await;
            }
        });
        for i in g {
            log.print(format!("main got {i}"));
        }
        greenery::yield_now().await;
        log.print("main after yield_now");
        other.await.unwrap();
    });
    assert_eq!(
        log.lines(),
        [
            "body 0",
            "main got 0",
            "body 1",
            "main got 1",
            "body 2",
            "main got 2",
            "task 0",
            "main after yield_now",
            "task 1",
        ]
    );
}

#[test]
fn an_async_generator_waiting_on_a_task_lets_that_task_run() {
    let log = Log::default();
    paused(async {
        let l = log.clone();
        let g: AsyncGenerator<u32> = AsyncGenerator::new(|co| async move {
            let worker = greenery::spawn({
                let l = l.clone();
                async move {
                    l.print("worker runs while the consumer waits");
                    7
                }
            });
            l.print("body waits for the worker");
            let Ok(v) = worker.await else { return };
            co.yield_(v).await;
        });
        assert_eq!(g.next().await, Ok(Yielded(7)));
        log.print("consumer got 7");
    });
    assert_eq!(
        log.lines(),
        [
            "body waits for the worker",
            "worker runs while the consumer waits",
            "consumer got 7",
        ]
    );
}
