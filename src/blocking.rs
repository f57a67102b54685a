//! Blocking work off the loop: [`spawn_blocking`] and [`ThreadPool`].
//!
//! greenery runs every task on one thread, so a call that blocks that thread (a slow
//! computation, a blocking library call, a DNS lookup, file IO) stalls every task. Hand such
//! work to [`spawn_blocking`]: the closure runs on a small pool of OS threads and the task
//! that awaits the returned [`BlockingHandle`] sleeps until it is done, while the other tasks
//! keep running. This is gevent's `threadpool` (`get_hub().threadpool.spawn(f).get()`) and
//! the seeds' `ThreadPoolExecutor.submit(f).result()`.
//!
//! ```
//! use std::time::Duration;
//!
//! greenery::run(async {
//!     // Another task keeps running while the pool thread sleeps.
//!     let ticker = greenery::spawn(async {
//!         greenery::time::sleep(Duration::from_millis(1)).await;
//!         "tick"
//!     });
//!     let sum = greenery::spawn_blocking(|| {
//!         std::thread::sleep(Duration::from_millis(20)); // blocks a pool thread, not the loop
//!         (1..=100u32).sum::<u32>()
//!     });
//!     assert_eq!(sum.await.unwrap(), 5050);
//!     assert_eq!(ticker.await.unwrap(), "tick");
//! });
//! ```
//!
//! A panic in the closure is caught on the pool thread and delivered to the awaiter as
//! [`JoinError::Panicked`]. While a job is queued or running, the runtime that spawned it
//! does not report [`LoopExit`](crate::LoopExit): the job will wake its awaiter. A detached
//! job (its handle dropped) keeps the loop alive too, as in gevent's threadpool: the job may
//! still wake something through a channel or a waker it holds. So a program blocked forever
//! while a job runs reports LoopExit only once the job ends, and a job that never ends keeps
//! it waiting; give such jobs a way to stop. Threads are
//! started on demand up to the pool's bound (8 for the global pool), reused for later jobs,
//! and exit after sitting idle for the pool's idle timeout (10 s by default); jobs beyond the
//! bound wait in a FIFO queue. Use your own [`ThreadPool`] for another bound.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::runtime::context;
use crate::runtime::waker::KeepAlive;
use crate::runtime::JoinError;

/// How many threads the global pool (the one [`spawn_blocking`] uses) runs at most.
///
/// ```
/// use greenery::blocking::{ThreadPool, DEFAULT_MAX_THREADS};
/// assert_eq!(DEFAULT_MAX_THREADS, 8);
/// assert_eq!(ThreadPool::global().max_threads(), DEFAULT_MAX_THREADS);
/// ```
pub const DEFAULT_MAX_THREADS: usize = 8;

/// How long a pool thread waits for a job before it exits, unless configured otherwise.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(greenery::blocking::DEFAULT_IDLE_TIMEOUT, Duration::from_secs(10));
/// ```
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `f` on the global [`ThreadPool`] and returns a future of its result.
///
/// The job starts at once (it does not wait to be awaited); dropping the handle detaches it.
///
/// ```
/// greenery::run(async {
///     let len = greenery::spawn_blocking(|| std::fs::read_dir(".").map(|d| d.count()));
///     assert!(len.await.unwrap().unwrap() > 0);
/// });
/// ```
pub fn spawn_blocking<F, T>(f: F) -> BlockingHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    ThreadPool::global().spawn(f)
}

/// A bounded pool of OS threads for blocking work (gevent's `ThreadPool`).
///
/// Cloning gives another handle to the same pool. Its threads exit when idle, so a pool
/// nobody uses costs nothing.
///
/// ```
/// use std::time::Duration;
///
/// let pool = greenery::blocking::ThreadPool::new(2).idle_timeout(Duration::from_millis(50));
/// greenery::run(async move {
///     let jobs: Vec<_> = (0..4u64).map(|i| pool.spawn(move || i * i)).collect();
///     let mut squares = Vec::new();
///     for job in jobs {
///         squares.push(job.await.unwrap());
///     }
///     assert_eq!(squares, [0, 1, 4, 9]);
///     assert!(pool.threads() <= 2);
/// });
/// ```
#[derive(Clone)]
pub struct ThreadPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    state: Mutex<PoolState>,
    /// Signalled when a job is queued for an idle thread.
    job_ready: Condvar,
    max_threads: usize,
}

struct PoolState {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    idle_timeout: Duration,
}

type Job = Box<dyn FnOnce() -> Done + Send>;

impl ThreadPool {
    /// A pool running at most `max_threads` threads at once (0 is taken as 1), whose threads
    /// exit after [`DEFAULT_IDLE_TIMEOUT`] without work.
    ///
    /// ```
    /// let pool = greenery::blocking::ThreadPool::new(0);
    /// assert_eq!(pool.max_threads(), 1); // 0 is taken as 1
    /// assert_eq!(pool.threads(), 0); // threads start on demand
    /// ```
    pub fn new(max_threads: usize) -> ThreadPool {
        ThreadPool::with_config(max_threads.max(1), DEFAULT_IDLE_TIMEOUT)
    }

    /// Sets how long a thread waits for a job before it exits (builder style; see
    /// [`set_idle_timeout`](Self::set_idle_timeout)).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = greenery::blocking::ThreadPool::new(1).idle_timeout(Duration::from_secs(1));
    /// assert_eq!(pool.max_threads(), 1);
    /// ```
    #[must_use]
    pub fn idle_timeout(self, timeout: Duration) -> ThreadPool {
        self.set_idle_timeout(timeout);
        self
    }

    /// Sets how long a thread waits for a job before it exits; threads already waiting keep
    /// the timeout they started waiting with.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = greenery::blocking::ThreadPool::new(1);
    /// pool.set_idle_timeout(Duration::from_millis(1));
    /// greenery::run(async { pool.spawn(|| ()).await.unwrap() });
    /// for _ in 0..1000 {
    ///     if pool.threads() == 0 {
    ///         break; // the idle thread exited after 1 ms without work
    ///     }
    ///     std::thread::sleep(Duration::from_millis(1));
    /// }
    /// assert_eq!(pool.threads(), 0);
    /// ```
    pub fn set_idle_timeout(&self, timeout: Duration) {
        self.inner.lock().idle_timeout = timeout;
    }

    fn with_config(max_threads: usize, idle_timeout: Duration) -> ThreadPool {
        ThreadPool {
            inner: Arc::new(PoolInner {
                state: Mutex::new(PoolState {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    idle_timeout,
                }),
                job_ready: Condvar::new(),
                max_threads,
            }),
        }
    }

    /// The process-wide pool [`spawn_blocking`] uses: [`DEFAULT_MAX_THREADS`] threads.
    ///
    /// ```
    /// let pool = greenery::blocking::ThreadPool::global();
    /// assert_eq!(pool.max_threads(), greenery::blocking::DEFAULT_MAX_THREADS);
    /// ```
    pub fn global() -> &'static ThreadPool {
        static GLOBAL: OnceLock<ThreadPool> = OnceLock::new();
        GLOBAL.get_or_init(|| ThreadPool::new(DEFAULT_MAX_THREADS))
    }

    /// The most threads this pool runs at once.
    ///
    /// ```
    /// let pool = greenery::blocking::ThreadPool::new(3);
    /// assert_eq!(pool.max_threads(), 3);
    /// ```
    pub fn max_threads(&self) -> usize {
        self.inner.max_threads
    }

    /// How many threads the pool has right now (busy or idle).
    ///
    /// ```
    /// let pool = greenery::blocking::ThreadPool::new(4);
    /// assert_eq!(pool.threads(), 0); // threads start on demand
    /// ```
    pub fn threads(&self) -> usize {
        self.inner.lock().threads
    }

    /// Runs `f` on one of the pool's threads and returns a future of its result.
    ///
    /// Inside a runtime, the job keeps that runtime from reporting
    /// [`LoopExit`](crate::LoopExit) until it finishes. A panic in `f` is delivered as
    /// [`JoinError::Panicked`]; a job the pool could not run (no thread could be started) as
    /// [`JoinError::Killed`].
    ///
    /// ```
    /// let pool = greenery::blocking::ThreadPool::new(1);
    /// greenery::run(async move {
    ///     let err = pool.spawn(|| -> u8 { panic!("boom") }).await.unwrap_err();
    ///     assert!(err.is_panic());
    /// });
    /// ```
    pub fn spawn<F, T>(&self, f: F) -> BlockingHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Mutex::new(Slot {
            result: None,
            waker: None,
            keep_alive: context::with_core(|core| KeepAlive::new(core.shared.clone())),
        }));
        let job = JobGuard {
            slot: Some(slot.clone()),
        };
        self.inner.submit(Box::new(move || job.run(f)));
        BlockingHandle { slot }
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("max_threads", &self.inner.max_threads)
            .field("threads", &self.threads())
            .finish()
    }
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // Jobs run outside the lock and catch their panics, so poisoning cannot leave the
        // state half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn submit(self: &Arc<Self>, job: Job) {
        let mut state = self.lock();
        state.queue.push_back(job);
        if state.queue.len() <= state.idle {
            drop(state);
            self.job_ready.notify_one();
            return;
        }
        if state.threads < self.max_threads {
            let pool = self.clone();
            let started = std::thread::Builder::new()
                .name("greenery-blocking".into())
                .spawn(move || pool.work());
            match started {
                Ok(_) => state.threads += 1,
                Err(_) if state.threads == 0 => {
                    // Nobody could ever run the queued jobs: fail them (their guards wake
                    // the awaiters with `Killed`) rather than leave them hanging.
                    let failed = std::mem::take(&mut state.queue);
                    drop(state);
                    drop(failed);
                }
                // The running threads will get to the job.
                Err(_) => {}
            }
        }
    }

    /// A pool thread: runs queued jobs; exits after `idle_timeout` without one.
    fn work(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                let done = job();
                // Count this thread as available before waking the awaiter, so a job it
                // submits in response finds it instead of starting another thread.
                self.lock().idle += 1;
                drop(done);
                state = self.lock();
                state.idle -= 1;
                continue;
            }
            state.idle += 1;
            let timeout = state.idle_timeout;
            let (next, wait) = self
                .job_ready
                .wait_timeout(state, timeout)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if wait.timed_out() && state.queue.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }
}

struct Slot<T> {
    result: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
    /// Keeps the runtime that spawned (or awaits) the job from reporting LoopExit until the
    /// job is done.
    keep_alive: Option<KeepAlive>,
}

/// A job on its way through the pool: delivers the result to its handle, or `Killed` if it
/// is dropped without running.
struct JobGuard<T> {
    slot: Option<Arc<Mutex<Slot<T>>>>,
}

impl<T> JobGuard<T> {
    /// Runs the job and stores its result; the returned [`Done`] wakes the awaiter.
    fn run(mut self, f: impl FnOnce() -> T) -> Done {
        let result = catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::Panicked);
        self.store(result)
    }

    /// Stores the result and takes what must be released after it: the awaiter's waker and
    /// the runtime's keep-alive guard.
    fn store(&mut self, result: Result<T, JoinError>) -> Done {
        let Some(slot) = self.slot.take() else {
            return Done::default();
        };
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.result = Some(result);
        Done {
            waker: slot.waker.take(),
            _keep_alive: slot.keep_alive.take(),
        }
    }
}

impl<T> Drop for JobGuard<T> {
    fn drop(&mut self) {
        // Dropped without running: the awaiter gets `Killed` (`Done` wakes it as it drops).
        drop(self.store(Err(JoinError::Killed(Default::default()))));
    }
}

/// A finished job's wake-up, delivered when dropped: the awaiter's waker first, then the
/// runtime's keep-alive guard, so the runtime sees the wake queued before the job gone.
#[derive(Default)]
struct Done {
    waker: Option<Waker>,
    _keep_alive: Option<KeepAlive>,
}

impl Drop for Done {
    fn drop(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

/// The result of a [`spawn_blocking`] job: await it for `Result<T, JoinError>`.
///
/// Dropping the handle detaches the job: it still runs to completion.
///
/// ```
/// use greenery::blocking::BlockingHandle;
/// greenery::run(async {
///     let handle: BlockingHandle<u32> = greenery::spawn_blocking(|| 6 * 7);
///     assert_eq!(handle.await.unwrap(), 42);
///     let (tx, rx) = std::sync::mpsc::channel();
///     drop(greenery::spawn_blocking(move || tx.send("ran anyway"))); // detached
///     assert_eq!(greenery::spawn_blocking(move || rx.recv()).await.unwrap(), Ok("ran anyway"));
/// });
/// ```
#[must_use = "a BlockingHandle does nothing unless awaited; the job runs regardless"]
pub struct BlockingHandle<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> BlockingHandle<T> {
    /// Whether the job has finished (its result is waiting to be taken).
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn_blocking(|| 1);
    ///     while !h.is_finished() {
    ///         greenery::yield_now().await;
    ///     }
    ///     assert_eq!(h.await.unwrap(), 1);
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .result
            .is_some()
    }
}

impl<T> Future for BlockingHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(result) = slot.result.take() {
            return Poll::Ready(result);
        }
        match &slot.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        // Spawned outside a runtime, awaited inside one: that runtime must not report
        // LoopExit while the job runs.
        if slot.keep_alive.is_none() {
            slot.keep_alive = context::with_core(|core| KeepAlive::new(core.shared.clone()));
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for BlockingHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
