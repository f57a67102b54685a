//! The blocked-loop monitor (gevent's monitor thread and `max_blocking_time`): a watchdog OS
//! thread that notices when one task poll has run for longer than a threshold — the loop has
//! not turned, so every other task waits — and reports it once per stall, naming the task and
//! the system call the loop's thread is in. This is how one finds the blocking call no hook
//! sees (a `std::sync::Mutex`, a `recv` on a std channel, a CPU-bound loop).
//!
//! The loop publishes, in atomics the watchdog reads: a poll counter (odd while a task is being
//! polled), the polled task's id and spawn location. Time the loop spends waiting in
//! `epoll_wait` is not a stall: the counter is even then. Names of named tasks are kept in a
//! map the watchdog can read. The watchdog holds none of the runtime (which is not `Send`): it
//! stops when the runtime is dropped.
//!
//! A backtrace of the blocked thread is not taken: capturing another thread's stack needs a
//! signal handler that walks it, and nothing that walks a stack is async-signal-safe. The
//! report gives instead the system call the thread is in (from `/proc/self/task/TID/syscall`
//! on Linux) and the task's spawn location.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::core::report;
use super::info::Human;

/// What the monitor reports about one stall.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// let stalls = Arc::new(Mutex::new(Vec::new()));
/// let seen = stalls.clone();
/// let rt = greenery::Builder::new()
///     .monitor(Duration::from_millis(20))
///     .on_stall(move |stall| seen.lock().unwrap().push(stall.task))
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     let blocker = greenery::spawn(async {
///         std::thread::sleep(Duration::from_millis(200)); // blocks the loop: no hook sees it
///     });
///     blocker.await.unwrap();
/// });
/// drop(rt);
/// assert_eq!(*stalls.lock().unwrap(), [1]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stall {
    /// The id of the task whose poll blocks the loop (0: the main future).
    pub task: u64,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Where it was spawned (for the main future: where `block_on` was called).
    pub location: Option<&'static Location<'static>>,
    /// How long the poll had run when the monitor reported it (at least this long).
    pub blocked_for: Duration,
    /// The system call the loop's thread was in ("futex", "read", "nanosleep", ...), or
    /// "running" when it was running code; `None` where the OS does not say.
    pub syscall: Option<String>,
}

impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("greenery: the loop has been blocked for ")?;
        write!(f, "{} by ", Human(self.blocked_for))?;
        match (&self.name, self.task) {
            (_, 0) => f.write_str("main")?,
            (Some(name), id) => write!(f, "task #{id} '{name}'")?,
            (None, id) => write!(f, "task #{id}")?,
        }
        if let Some(at) = self.location {
            let verb = if self.task == 0 { "run" } else { "spawned" };
            write!(f, " ({verb} at {at})")?;
        }
        match self.syscall.as_deref() {
            Some("running") => f.write_str(", running (not in a system call)"),
            Some(call) => write!(f, ", in the {call} system call"),
            None => Ok(()),
        }
    }
}

/// A stall callback, as [`Builder::on_stall`](crate::Builder::on_stall) takes it.
#[derive(Clone)]
pub(crate) struct OnStall(pub(crate) Arc<dyn Fn(&Stall) + Send + Sync>);

impl fmt::Debug for OnStall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnStall(..)")
    }
}

/// What the loop and the watchdog share.
struct Shared {
    /// Polls begun and ended, counted: odd while a poll runs.
    polls: AtomicU64,
    task: AtomicU64,
    /// A `&'static Location` or null.
    location: AtomicPtr<Location<'static>>,
    /// The loop thread's id (Linux), 0 until known.
    tid: AtomicI32,
    names: Mutex<HashMap<u64, Arc<str>>>,
    stop: Mutex<bool>,
    stopped: Condvar,
}

/// The loop's side of the monitor; dropping it stops the watchdog.
pub(crate) struct Monitor {
    shared: Arc<Shared>,
    watchdog: Option<JoinHandle<()>>,
}

impl Monitor {
    /// Starts the watchdog for stalls longer than `threshold`.
    pub(crate) fn start(threshold: Duration, on_stall: Option<OnStall>) -> io::Result<Monitor> {
        let shared = Arc::new(Shared {
            polls: AtomicU64::new(0),
            task: AtomicU64::new(0),
            location: AtomicPtr::new(std::ptr::null_mut()),
            tid: AtomicI32::new(0),
            names: Mutex::new(HashMap::new()),
            stop: Mutex::new(false),
            stopped: Condvar::new(),
        });
        let on_stall = on_stall
            .unwrap_or_else(|| OnStall(Arc::new(|stall: &Stall| report(format_args!("{stall}")))));
        let watched = shared.clone();
        let watchdog = std::thread::Builder::new()
            .name("greenery-monitor".into())
            .spawn(move || watch(&watched, threshold, &on_stall))?;
        Ok(Monitor {
            shared,
            watchdog: Some(watchdog),
        })
    }

    /// The loop runs on this thread (called by `block_on`).
    pub(crate) fn entered_loop(&self) {
        self.shared.tid.store(thread_id(), Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn poll_start(&self, task: u64, location: Option<&'static Location<'static>>) {
        let shared = &self.shared;
        let ptr = location.map_or(std::ptr::null_mut(), |at| {
            (at as *const Location<'static>).cast_mut()
        });
        shared.task.store(task, Ordering::Relaxed);
        shared.location.store(ptr, Ordering::Relaxed);
        // Only the loop writes the counter: a load and a store, no read-modify-write.
        let polls = shared.polls.load(Ordering::Relaxed);
        shared.polls.store(polls + 1, Ordering::Release);
    }

    #[inline]
    pub(crate) fn poll_end(&self) {
        let polls = self.shared.polls.load(Ordering::Relaxed);
        self.shared.polls.store(polls + 1, Ordering::Release);
    }

    /// Task `task` is named `name` (kept for reports while it lives).
    pub(crate) fn named(&self, task: u64, name: &Rc<str>) {
        let mut names = self
            .shared
            .names
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        names.insert(task, Arc::from(&**name));
    }

    /// Task `task` ended.
    pub(crate) fn unnamed(&self, task: u64) {
        let mut names = self
            .shared
            .names
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        names.remove(&task);
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        *self
            .shared
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.stopped.notify_all();
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}

/// The watchdog: samples the poll counter every quarter threshold; a poll seen running for
/// the threshold is reported, once.
fn watch(shared: &Shared, threshold: Duration, on_stall: &OnStall) {
    let period = (threshold / 4).max(Duration::from_micros(100));
    // The poll being watched (its counter value) and when it was first seen.
    let mut watched: Option<(u64, Instant)> = None;
    let mut reported = None;
    let mut stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let deadline = Instant::now() + period;
        while !*stop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            stop = shared
                .stopped
                .wait_timeout(stop, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if *stop {
            return;
        }
        let polls = shared.polls.load(Ordering::Acquire);
        if polls % 2 == 0 {
            watched = None;
            continue;
        }
        match watched {
            Some((seen, since)) if seen == polls => {
                let blocked_for = since.elapsed();
                if reported != Some(polls) && blocked_for >= threshold {
                    reported = Some(polls);
                    if let Some(stall) = describe(shared, polls, blocked_for) {
                        drop(stop);
                        (on_stall.0)(&stall);
                        stop = shared.stop.lock().unwrap_or_else(PoisonError::into_inner);
                    }
                }
            }
            _ => watched = Some((polls, Instant::now())),
        }
    }
}

/// The stall of poll number `polls`, unless that poll ended meanwhile.
fn describe(shared: &Shared, polls: u64, blocked_for: Duration) -> Option<Stall> {
    let task = shared.task.load(Ordering::Relaxed);
    let location = shared.location.load(Ordering::Relaxed);
    let syscall = syscall(shared.tid.load(Ordering::Relaxed));
    if shared.polls.load(Ordering::Acquire) != polls {
        return None;
    }
    let name = {
        let names = shared.names.lock().unwrap_or_else(PoisonError::into_inner);
        names.get(&task).map(|name| name.to_string())
    };
    Some(Stall {
        task,
        name,
        // SAFETY: the loop only ever stores null or a pointer made from a
        // `&'static Location<'static>`, which is valid for the whole program.
        location: unsafe { location.as_ref() },
        blocked_for,
        syscall,
    })
}

/// The id of the calling thread (Linux), or 0.
fn thread_id() -> i32 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions and cannot fail.
        unsafe { libc::syscall(libc::SYS_gettid) as i32 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// The system call thread `tid` of this process is in, by name (Linux).
fn syscall(tid: i32) -> Option<String> {
    if tid == 0 || !cfg!(target_os = "linux") {
        return None;
    }
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")).ok()?;
    let first = text.split_whitespace().next()?;
    if first == "running" {
        return Some("running".to_string());
    }
    let number: libc::c_long = first.parse().ok()?;
    if number < 0 {
        return Some("running".to_string()); // blocked, but not in a system call
    }
    Some(match syscall_name(number) {
        Some(name) => name.to_string(),
        None => format!("#{number}"),
    })
}

/// The name of system call `number` for the calls a blocked thread is usually in.
#[cfg(target_os = "linux")]
fn syscall_name(number: libc::c_long) -> Option<&'static str> {
    use libc::*;
    let known: &[(c_long, &str)] = &[
        (SYS_read, "read"),
        (SYS_write, "write"),
        (SYS_readv, "readv"),
        (SYS_writev, "writev"),
        (SYS_pread64, "pread64"),
        (SYS_pwrite64, "pwrite64"),
        (SYS_futex, "futex"),
        (SYS_ppoll, "ppoll"),
        (SYS_pselect6, "pselect6"),
        (SYS_epoll_pwait, "epoll_pwait"),
        (SYS_nanosleep, "nanosleep"),
        (SYS_clock_nanosleep, "clock_nanosleep"),
        (SYS_recvfrom, "recvfrom"),
        (SYS_sendto, "sendto"),
        (SYS_recvmsg, "recvmsg"),
        (SYS_sendmsg, "sendmsg"),
        (SYS_accept4, "accept4"),
        (SYS_connect, "connect"),
        (SYS_wait4, "wait4"),
        (SYS_waitid, "waitid"),
        (SYS_openat, "openat"),
        (SYS_close, "close"),
        (SYS_fsync, "fsync"),
        (SYS_fdatasync, "fdatasync"),
        (SYS_flock, "flock"),
        (SYS_fcntl, "fcntl"),
        (SYS_ioctl, "ioctl"),
        (SYS_getrandom, "getrandom"),
        (SYS_rt_sigtimedwait, "rt_sigtimedwait"),
        (SYS_sched_yield, "sched_yield"),
        #[cfg(target_arch = "x86_64")]
        (SYS_poll, "poll"),
        #[cfg(target_arch = "x86_64")]
        (SYS_select, "select"),
        #[cfg(target_arch = "x86_64")]
        (SYS_epoll_wait, "epoll_wait"),
        #[cfg(target_arch = "x86_64")]
        (SYS_accept, "accept"),
        #[cfg(target_arch = "x86_64")]
        (SYS_pause, "pause"),
    ];
    known
        .iter()
        .find(|(known, _)| *known == number)
        .map(|(_, name)| *name)
}

#[cfg(not(target_os = "linux"))]
fn syscall_name(_: i64) -> Option<&'static str> {
    None
}
