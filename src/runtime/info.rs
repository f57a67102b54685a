//! Run info (gevent's `print_run_info`): every live task with its id, name, state, spawn
//! location, how long it has waited and what it waits on, and the loop's counters.
//!
//! Spawn locations and waits are kept only by a runtime that tracks its tasks
//! ([`Builder::track_tasks`](crate::Builder::track_tasks), `GREENERY_TRACK_TASKS=1`, or
//! anything that implies it: a trace, the monitor, the `tracing` feature); otherwise the dump
//! has ids, names and states.

use std::fmt;
use std::os::fd::RawFd;
use std::panic::Location;
use std::time::Duration;

use super::context;
use super::core::{report, Core};
use super::task::{TaskRef, TaskState, MAIN};

/// What a waiting task waits on, as the primitive it waits in noted it.
///
/// ```
/// use greenery::runtime::Wait;
/// assert_eq!(Wait::Primitive("Queue::get").to_string(), "Queue::get");
/// assert_eq!(Wait::Read { fd: Some(7) }.to_string(), "read fd 7");
/// assert_eq!(Wait::Join { task: 5 }.to_string(), "join task 5");
/// let nap = Wait::Sleep { remaining: Some(std::time::Duration::from_millis(1200)) };
/// assert_eq!(nap.to_string(), "sleep until +1.200 s");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Wait {
    /// A timer: `sleep`, `sleep_until`, an interval (`remaining`: `None` for a sleep that
    /// never ends).
    Sleep {
        /// The time left until the deadline, when the run info was taken.
        remaining: Option<Duration>,
    },
    /// A socket or descriptor becoming readable.
    Read {
        /// The descriptor, when known.
        fd: Option<RawFd>,
    },
    /// A socket or descriptor becoming writable.
    Write {
        /// The descriptor, when known.
        fd: Option<RawFd>,
    },
    /// Another task's end: a join handle, [`Task::join`](crate::Task::join).
    Join {
        /// The joined task's id.
        task: u64,
    },
    /// A primitive that keeps a line of waiters, or a wait on several things at once:
    /// "Queue::get", "Queue::put", "Channel::get", "Event::wait", "Semaphore::acquire" (a
    /// `Lock` too), "RLock::acquire", "AsyncResult::wait", "joinall", "wait", "wait_all",
    /// "idle"; in a trace, "yield" for a task that woke itself.
    Primitive(&'static str),
    /// A libc call a green thread made, parked by greenery's hooks (the `patch` feature):
    /// "green thread in read on fd 7".
    Hooked {
        /// The kind of call: "read", "write", "poll", "sleep", "getaddrinfo".
        call: &'static str,
        /// The descriptor it waits on, if any.
        fd: Option<RawFd>,
        /// The time left until the call's timeout, if it has one.
        remaining: Option<Duration>,
    },
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fd = |f: &mut fmt::Formatter<'_>, fd: &Option<RawFd>| match fd {
            Some(fd) => write!(f, " fd {fd}"),
            None => Ok(()),
        };
        match self {
            Wait::Sleep {
                remaining: Some(left),
            } => write!(f, "sleep until +{}", Human(*left)),
            Wait::Sleep { remaining: None } => f.write_str("sleep forever"),
            Wait::Read { fd: which } => {
                f.write_str("read")?;
                fd(f, which)
            }
            Wait::Write { fd: which } => {
                f.write_str("write")?;
                fd(f, which)
            }
            Wait::Join { task } => write!(f, "join task {task}"),
            Wait::Primitive(name) => f.write_str(name),
            Wait::Hooked {
                call,
                fd: which,
                remaining,
            } => {
                write!(f, "green thread in {call}")?;
                if let Some(which) = which {
                    write!(f, " on fd {which}")?;
                }
                match remaining {
                    Some(left) => write!(f, " until +{}", Human(*left)),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A duration the way a person reads it: "850 µs", "12.3 ms", "1.200 s".
pub(crate) struct Human(pub(crate) Duration);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        if nanos >= 1_000_000_000 {
            write!(f, "{:.3} s", self.0.as_secs_f64())
        } else if nanos >= 1_000_000 {
            write!(f, "{:.1} ms", nanos as f64 / 1e6)
        } else {
            write!(f, "{} µs", nanos / 1_000)
        }
    }
}

/// One task in a [`RunInfo`].
///
/// ```
/// let rt = greenery::Builder::new().track_tasks(true).build().unwrap();
/// rt.block_on(async {
///     let _h = greenery::task::Builder::new().name("idle").spawn(std::future::pending::<()>());
///     greenery::yield_now().await;
///     let info = greenery::runtime::run_info();
///     let task = &info.tasks[1]; // tasks[0] is main
///     assert_eq!(task.name.as_deref(), Some("idle"));
///     assert_eq!(task.state, greenery::task::TaskState::Waiting);
///     assert!(task.location.unwrap().file().ends_with(".rs"));
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskEntry {
    /// The task's id (0: the main future).
    pub id: u64,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// What it is doing.
    pub state: TaskState,
    /// Where it was spawned (for the main future: where `run` or `block_on` was called), when
    /// the runtime tracks tasks.
    pub location: Option<&'static Location<'static>>,
    /// How long it has been waiting (since its last poll), when it waits and the runtime
    /// tracks tasks.
    pub waiting_for: Option<Duration>,
    /// What it waits on, when it waits in a primitive that says (every greenery primitive does)
    /// and the runtime tracks tasks.
    pub waits_on: Option<Wait>,
}

impl fmt::Display for TaskEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.id) {
            (_, 0) => f.write_str("main")?,
            (Some(name), id) => write!(f, "task #{id} '{name}'")?,
            (None, id) => write!(f, "task #{id}")?,
        }
        write!(f, ": {}", self.state)?;
        if let Some(waited) = self.waiting_for {
            write!(f, " {}", Human(waited))?;
        }
        if let Some(wait) = &self.waits_on {
            write!(f, " on {wait}")?;
        }
        if let Some(at) = self.location {
            let verb = if self.id == 0 { "run" } else { "spawned" };
            write!(f, "; {verb} at {at}")?;
        }
        Ok(())
    }
}

/// A snapshot of a runtime: its live tasks and its loop's counters (gevent's
/// `format_run_info`). Its `Display` is the dump [`print_run_info`] prints, one task a line.
///
/// ```
/// let rt = greenery::Builder::new().track_tasks(true).build().unwrap();
/// rt.block_on(async {
///     let q = greenery::queue::Queue::<u32>::new();
///     let getter = greenery::spawn(async move { q.get().await });
///     greenery::yield_now().await;
///     let info = greenery::runtime::run_info();
///     let line = info.to_string().lines().nth(2).unwrap().to_string();
///     assert!(line.starts_with("task #1: waiting "), "{line}");
///     assert!(line.contains(" on Queue::get; spawned at "), "{line}");
///     getter.kill();
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunInfo {
    /// The main future (while `block_on` runs), then every unfinished task, in spawn order.
    pub tasks: Vec<TaskEntry>,
    /// Tasks queued to run.
    pub run_queue: usize,
    /// Timers armed (sleeps, timeouts, delayed starts).
    pub timers: usize,
    /// Wakers parked on IO readiness.
    pub io_waiters: usize,
    /// [`KeepAlive`](crate::runtime::KeepAlive)s alive: blocking jobs, foreign futures.
    pub keep_alives: usize,
    /// Whether the runtime tracks tasks (spawn locations and waits are known).
    pub tracked: bool,
}

impl fmt::Display for RunInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "greenery run info: {} tasks; run queue {}, timers {}, IO waiters {}, keep-alives {}",
            self.tasks.len(),
            self.run_queue,
            self.timers,
            self.io_waiters,
            self.keep_alives
        )?;
        for task in &self.tasks {
            writeln!(f, "{task}")?;
        }
        if !self.tracked {
            writeln!(
                f,
                "(spawn locations and waits are kept with Builder::track_tasks(true) or \
                 GREENERY_TRACK_TASKS=1)"
            )?;
        }
        Ok(())
    }
}

impl Core {
    /// The run info of this runtime; `main` says whether its main future is being run.
    pub(crate) fn run_info(&self, main: bool) -> RunInfo {
        let entry = |id: u64, name: Option<String>, state: TaskState| TaskEntry {
            id,
            name,
            state,
            location: None,
            waiting_for: None,
            waits_on: None,
        };
        let mut tasks: Vec<(TaskRef, TaskEntry)> = Vec::new();
        if main {
            let state = self.task_state(MAIN);
            tasks.push((MAIN, entry(0, Some("main".to_string()), state)));
        }
        {
            let slots = self.tasks.borrow();
            let first = tasks.len();
            tasks.extend(
                slots
                    .iter()
                    .filter(|(_, slot)| !slot.phase.is_finished())
                    .map(|(index, slot)| {
                        let task = TaskRef {
                            index: index as u32,
                            id: slot.id,
                        };
                        let name = slot.name().map(|name| name.to_string());
                        (task, entry(slot.id, name, TaskState::of(slot)))
                    }),
            );
            tasks[first..].sort_by_key(|(task, _)| task.id);
        }
        if let Some(observer) = &self.observer {
            let clock_now = self.now();
            for (task, entry) in &mut tasks {
                observer.describe(*task, entry, clock_now);
            }
        }
        RunInfo {
            tasks: tasks.into_iter().map(|(_, entry)| entry).collect(),
            run_queue: self.run_queue.borrow().len(),
            timers: self.timers.borrow().armed(),
            io_waiters: self.reactor.waiting(),
            keep_alives: self.shared.sources(),
            tracked: self.observer.is_some(),
        }
    }
}

/// A snapshot of the current runtime: every live task (with its spawn location, how long it
/// has waited and what it waits on, when the runtime tracks tasks) and the loop's counters.
/// [`Runtime::run_info`](crate::Runtime::run_info) takes one from outside.
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// use std::time::Duration;
/// let rt = greenery::Builder::new().track_tasks(true).build().unwrap();
/// rt.block_on(async {
///     let _sleeper = greenery::spawn(greenery::time::sleep(Duration::from_secs(5)));
///     greenery::yield_now().await;
///     let info = greenery::runtime::run_info();
///     assert_eq!(info.timers, 1);
///     match info.tasks[1].waits_on {
///         Some(greenery::runtime::Wait::Sleep { remaining: Some(left) }) => {
///             assert!(left <= Duration::from_secs(5))
///         }
///         other => panic!("{other:?}"),
///     }
/// });
/// ```
#[track_caller]
pub fn run_info() -> RunInfo {
    context::with_core(|core| core.run_info(true))
        .unwrap_or_else(|| panic!("greenery::runtime::run_info must be called inside a runtime"))
}

/// Prints [`run_info`] on stderr, as gevent's `print_run_info` does (a dump that cannot be
/// written, stderr being closed, is dropped).
///
/// # Panics
/// Outside a runtime.
///
/// ```
/// greenery::run(async {
///     greenery::runtime::print_run_info(); // "greenery run info: 1 tasks; ..." on stderr
/// });
/// ```
#[track_caller]
pub fn print_run_info() {
    let info = run_info();
    report(format_args!("{}", info.to_string().trim_end()));
}
