//! The blocking-work pool: results, panics, bounds, reuse and reaping, and LoopExit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use greenery::blocking::ThreadPool;
use greenery::time::sleep;

#[test]
fn a_thousand_jobs_all_complete_with_their_results() {
    let pool = ThreadPool::new(4);
    let peak = Arc::new(AtomicUsize::new(0));
    let running = Arc::new(AtomicUsize::new(0));
    let sum = greenery::run({
        let pool = pool.clone();
        let (peak, running) = (peak.clone(), running.clone());
        async move {
            let jobs: Vec<_> = (0..1000u64)
                .map(|i| {
                    let (peak, running) = (peak.clone(), running.clone());
                    pool.spawn(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        let out = i * 2;
                        running.fetch_sub(1, Ordering::SeqCst);
                        out
                    })
                })
                .collect();
            let mut sum = 0;
            for (i, job) in jobs.into_iter().enumerate() {
                let out = job.await.unwrap();
                assert_eq!(out, i as u64 * 2);
                sum += out;
            }
            sum
        }
    });
    assert_eq!(sum, 999 * 1000);
    assert!(peak.load(Ordering::SeqCst) <= 4);
    assert!(pool.threads() <= 4);
}

#[test]
fn the_pool_never_runs_more_than_its_bound() {
    let pool = ThreadPool::new(2);
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    greenery::run({
        let pool = pool.clone();
        let (running, peak) = (running.clone(), peak.clone());
        async move {
            let jobs: Vec<_> = (0..6)
                .map(|_| {
                    let (running, peak) = (running.clone(), peak.clone());
                    pool.spawn(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(10));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                })
                .collect();
            for job in jobs {
                job.await.unwrap();
            }
        }
    });
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    assert_eq!(pool.threads(), 2);
}

#[test]
fn other_tasks_run_while_a_job_blocks() {
    let order = greenery::run(async {
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let barrier = Arc::new(Barrier::new(2));
        // The job blocks its pool thread until the loop-side task has run and released it:
        // that can only happen if the loop keeps running while the job waits.
        let job = greenery::spawn_blocking({
            let barrier = barrier.clone();
            move || {
                barrier.wait();
                "job done"
            }
        });
        let ticker = greenery::spawn({
            let log = log.clone();
            async move {
                log.borrow_mut().push("ticker ran");
                greenery::spawn_blocking(move || barrier.wait())
                    .await
                    .unwrap();
            }
        });
        let done = job.await.unwrap();
        log.borrow_mut().push(done);
        ticker.await.unwrap();
        let log = log.borrow().clone();
        log
    });
    assert_eq!(order, ["ticker ran", "job done"]);
}

#[test]
fn a_panicking_job_is_an_error_for_its_awaiter() {
    greenery::run(async {
        let err = greenery::spawn_blocking(|| -> u32 { panic!("job failed") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.to_string(), "task panicked: job failed");
        // The pool thread survived.
        assert_eq!(greenery::spawn_blocking(|| 7).await.unwrap(), 7);
    });
}

#[test]
fn threads_are_reused_then_reaped_when_idle() {
    let pool = ThreadPool::new(4).idle_timeout(Duration::from_millis(50));
    greenery::run({
        let pool = pool.clone();
        async move {
            let first = pool.spawn(|| std::thread::current().id()).await.unwrap();
            assert_eq!(pool.threads(), 1);
            // Sequential jobs reuse the idle thread.
            for _ in 0..5 {
                let again = pool.spawn(|| std::thread::current().id()).await.unwrap();
                assert_eq!(again, first);
            }
            assert_eq!(pool.threads(), 1);
        }
    });
    // Idle threads exit after the timeout.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pool.threads() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "idle thread not reaped"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // And the pool starts a new one on demand.
    assert_eq!(greenery::run(async { pool.spawn(|| 1).await }).unwrap(), 1);
}

#[test]
fn no_loop_exit_while_a_job_runs() {
    // The main task waits only for the job; the job is a "may wake" source, so the loop
    // waits for it instead of reporting LoopExit.
    let result = greenery::try_run(async {
        greenery::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(50));
            "slow"
        })
        .await
        .unwrap()
    });
    assert_eq!(result, Ok("slow"));
    // A detached job (handle dropped) also keeps the loop from declaring LoopExit until it
    // finishes; the wait below ends when its result is seen.
    let seen = Arc::new(AtomicUsize::new(0));
    let result = greenery::try_run({
        let seen = seen.clone();
        async move {
            drop(greenery::spawn_blocking({
                let seen = seen.clone();
                move || {
                    std::thread::sleep(Duration::from_millis(20));
                    seen.store(1, Ordering::SeqCst);
                }
            }));
            while seen.load(Ordering::SeqCst) == 0 {
                sleep(Duration::from_millis(5)).await;
            }
        }
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn loop_exit_is_still_reported_once_jobs_are_done() {
    let result = greenery::try_run(async {
        greenery::spawn_blocking(|| 1).await.unwrap();
        std::future::pending::<()>().await
    });
    assert!(result.is_err());
}

#[test]
fn spawn_blocking_works_outside_a_runtime() {
    // No greenery runtime to keep alive: the handle is an ordinary future any executor
    // can await.
    let handle = greenery::spawn_blocking(|| 5);
    let tokio = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(tokio.block_on(handle).unwrap(), 5);
}

/// A job spawned before `run` and awaited inside it keeps that runtime from reporting
/// LoopExit while it runs.
#[test]
fn a_job_spawned_outside_a_runtime_keeps_the_awaiting_runtime_alive() {
    let pool = greenery::blocking::ThreadPool::new(1);
    let (go, gate) = std::sync::mpsc::channel::<()>();
    let job = pool.spawn(move || {
        gate.recv().unwrap(); // runs until the runtime is waiting on it
        "done"
    });
    let out = greenery::try_run(async move {
        greenery::spawn(async move {
            greenery::yield_now().await; // main is parked on the job by now
            go.send(()).unwrap();
        });
        job.await.unwrap()
    });
    assert_eq!(out, Ok("done"));
}
