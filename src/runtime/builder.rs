//! Runtime options.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::core::Core;
use super::monitor::{OnStall, Stall};
use super::Runtime;

/// What happens when a spawned task panics.
///
/// In every case the panic is caught at the task boundary; the payload goes to the task's
/// [`JoinHandle`](crate::JoinHandle) as [`JoinError::Panicked`](crate::JoinError::Panicked).
///
/// ```
/// let rt = greenery::Builder::new()
///     .on_task_panic(greenery::PanicPolicy::Silent)
///     .build()
///     .unwrap();
/// # std::panic::set_hook(Box::new(|_| {}));
/// let err = rt.block_on(greenery_spawn_panics());
/// assert!(err.is_panic());
/// # async fn greenery_spawn_panics() -> greenery::JoinError {
/// #     greenery::spawn(async { panic!("boom") }).await.unwrap_err()
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PanicPolicy {
    /// Print one line on stderr, in the spirit of gevent's `... failed with ...`, unless a
    /// joiner observes the panic (the default). Printed when the task dies without a join
    /// handle, or when its handle is dropped without having been awaited to the error.
    #[default]
    Report,
    /// Print nothing (std's panic hook still prints its own message; replace it with
    /// `std::panic::set_hook` to silence that too).
    Silent,
    /// Stop the runtime: `block_on` resumes the panic on its caller.
    Abort,
}

/// What the runtime does when nothing it can see could ever wake the waiting program (see
/// [`Builder::on_loop_exit`]).
///
/// ```
/// use greenery::runtime::LoopExitPolicy;
/// let rt = greenery::Builder::new().on_loop_exit(LoopExitPolicy::Report).build().unwrap();
/// assert!(rt.try_block_on(std::future::pending::<()>()).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LoopExitPolicy {
    /// Report [`LoopExit`](crate::LoopExit) ("This operation would block forever"), gevent's
    /// behaviour (the default): `run` panics with it, `try_run` returns it,
    /// [`catch_loop_exit`](crate::catch_loop_exit) catches it.
    #[default]
    Report,
    /// Never report it: block until something wakes a task, even a wake source greenery
    /// cannot see (another thread, another runtime's reactor). A program that really is
    /// stuck then hangs; [`catch_loop_exit`](crate::catch_loop_exit) and
    /// [`wait_all`](crate::wait_all) never resolve by themselves.
    Wait,
}

#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) start_paused: bool,
    pub(crate) panic_policy: PanicPolicy,
    pub(crate) loop_exit: LoopExitPolicy,
    pub(crate) switch_interval: Duration,
    pub(crate) timer_slack: Duration,
    pub(crate) green_stack_size: usize,
    pub(crate) track_tasks: bool,
    pub(crate) trace: Option<PathBuf>,
    pub(crate) monitor: Option<Duration>,
    pub(crate) on_stall: Option<OnStall>,
}

/// Builds a [`Runtime`] with options.
///
/// ```
/// use std::time::Duration;
/// let rt = greenery::Builder::new().start_paused(true).build().unwrap();
/// let waited = rt.block_on(async {
///     let start = greenery::time::now();
///     greenery::time::sleep(Duration::from_secs(3600)).await; // instant: the clock jumps
///     greenery::time::now() - start
/// });
/// assert_eq!(waited, Duration::from_secs(3600));
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: real time, [`PanicPolicy::Report`], a 5 ms switch interval.
    ///
    /// ```
    /// let rt = greenery::Builder::new().build().unwrap();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn new() -> Builder {
        Builder {
            config: Config {
                start_paused: false,
                panic_policy: PanicPolicy::Report,
                loop_exit: LoopExitPolicy::Report,
                switch_interval: Duration::from_millis(5),
                timer_slack: Duration::ZERO,
                green_stack_size: 256 * 1024,
                track_tasks: false,
                trace: None,
                monitor: None,
                on_stall: None,
            },
        }
    }

    /// Starts with a virtual clock: whenever every task is waiting and only timers can wake
    /// one, the clock jumps to the next deadline instead of sleeping. Timer-order tests then
    /// run instantly and deterministically.
    ///
    /// ```
    /// let rt = greenery::Builder::new().start_paused(true).build().unwrap();
    /// rt.block_on(greenery::time::sleep(std::time::Duration::from_secs(60))); // returns at once
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.config.start_paused = paused;
        self
    }

    /// What to do when a spawned task panics.
    ///
    /// ```
    /// let rt = greenery::Builder::new()
    ///     .on_task_panic(greenery::PanicPolicy::Abort)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_task_panic(&mut self, policy: PanicPolicy) -> &mut Builder {
        self.config.panic_policy = policy;
        self
    }

    /// What to do when nothing greenery can see could ever wake the waiting program:
    /// report [`LoopExit`](crate::LoopExit) (the default) or wait for a wake greenery cannot
    /// see. Prefer [`runtime::foreign`](crate::runtime::foreign) around the one future that
    /// needs it; `Wait` is for programs built around other event sources.
    ///
    /// ```
    /// use std::time::Duration;
    /// use greenery::runtime::LoopExitPolicy;
    /// let rt = greenery::Builder::new().on_loop_exit(LoopExitPolicy::Wait).build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
    /// let waker_thread = std::thread::spawn(move || {
    ///     let waker = rx.recv().unwrap();
    ///     std::thread::sleep(Duration::from_millis(10));
    ///     waker.wake(); // a wake greenery cannot see coming
    /// });
    /// let mut sent = Some(tx);
    /// rt.block_on(std::future::poll_fn(|cx| match sent.take() {
    ///     Some(tx) => {
    ///         tx.send(cx.waker().clone()).unwrap();
    ///         std::task::Poll::Pending
    ///     }
    ///     None => std::task::Poll::Ready(()),
    /// }));
    /// waker_thread.join().unwrap();
    /// ```
    pub fn on_loop_exit(&mut self, policy: LoopExitPolicy) -> &mut Builder {
        self.config.loop_exit = policy;
        self
    }

    /// How long tasks may run back to back before IO and timers get a look (gevent's switch
    /// interval, 5 ms by default). The clock is read every 32 polls, so the bound is the
    /// interval plus at most 32 polls.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = greenery::Builder::new()
    ///     .switch_interval(Duration::from_millis(1))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn switch_interval(&mut self, interval: Duration) -> &mut Builder {
        self.config.switch_interval = interval;
        self
    }

    /// Lets a blocking wait for the next timer end up to `slack` after its deadline, so timers
    /// due within that window fire in one wake-up. The default, zero, makes timers exact, at
    /// the cost of one thread wake-up per distinct deadline; a slack of 50 µs to 1 ms trades
    /// lateness for CPU (see `docs/benchmarks.md`). Timers never fire early, and their order is
    /// unchanged.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = greenery::Builder::new()
    ///     .timer_slack(Duration::from_micros(100))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(greenery::time::sleep(Duration::from_millis(1)));
    /// ```
    pub fn timer_slack(&mut self, slack: Duration) -> &mut Builder {
        self.config.timer_slack = slack;
        self
    }

    /// The usable stack size of the green threads spawned on this runtime, in bytes
    /// (256 KiB unless set; rounded up to whole pages, with a guard page on top). Pages are
    /// committed only when touched, so an idle green thread costs the few pages it used, not
    /// this size; a green thread that needs more than its stack is stopped with a message
    /// naming it. [`green::Builder::stack_size`](crate::green::Builder::stack_size) sets it
    /// for one green thread.
    ///
    /// ```
    /// let rt = greenery::Builder::new().green_stack_size(1 << 20).build().unwrap();
    /// let sum = rt.block_on(async {
    ///     greenery::green::spawn(|| {
    ///         let buffer = [1u8; 512 * 1024]; // more than the default stack holds
    ///         buffer.iter().map(|&b| u32::from(b)).sum::<u32>()
    ///     })
    ///     .await
    /// });
    /// assert_eq!(sum.unwrap(), 512 * 1024);
    /// ```
    pub fn green_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.config.green_stack_size = bytes;
        self
    }

    /// Keeps, for every task, where it was spawned, what it waits on and since when, for
    /// [`run_info`](crate::runtime::run_info) (gevent's `print_run_info`). Off by default: it
    /// costs a record per task and a clock read per poll that returns `Pending`. The
    /// environment variable `GREENERY_TRACK_TASKS=1` turns it on for runtimes whose builder
    /// did not; [`trace`](Self::trace), [`monitor`](Self::monitor) and the `tracing` feature
    /// imply it.
    ///
    /// ```
    /// let rt = greenery::Builder::new().track_tasks(true).build().unwrap();
    /// rt.block_on(async {
    ///     let info = greenery::runtime::run_info();
    ///     assert!(info.tasks[0].location.is_some()); // main: where block_on was called
    /// });
    /// ```
    pub fn track_tasks(&mut self, on: bool) -> &mut Builder {
        self.config.track_tasks = on;
        self
    }

    /// Records a scheduling trace — spawns, polls, parks (with what each task waits on),
    /// wakes, kills, exits, greenlet switches and the loop's waits, with timestamps — into
    /// `path` as Chrome trace-event JSON, which Perfetto (ui.perfetto.dev) and
    /// `chrome://tracing` open: one track per task. The file is written when the runtime is
    /// dropped and by [`Runtime::flush_trace`]. `GREENERY_TRACE=PATH` in the environment does
    /// the same for runtimes whose builder did not (the second runtime of a process writes
    /// `PATH` with `-2` before its extension, and so on). Implies
    /// [`track_tasks`](Self::track_tasks). Building fails if the file cannot be created.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("greenery-doc-{}.json", std::process::id()));
    /// let rt = greenery::Builder::new().trace(&path).build().unwrap();
    /// rt.block_on(async { greenery::spawn(async {}).await.unwrap() });
    /// drop(rt);
    /// let json = std::fs::read_to_string(&path).unwrap();
    /// assert!(json.starts_with("{\"traceEvents\":["));
    /// assert!(json.contains("\"name\":\"spawn\""));
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn trace(&mut self, path: impl Into<PathBuf>) -> &mut Builder {
        self.config.trace = Some(path.into());
        self
    }

    /// Starts the blocked-loop monitor (gevent's monitor thread and `max_blocking_time`): a
    /// watchdog thread that reports, once per stall, a task poll that has run for longer than
    /// `threshold` — the loop did not turn meanwhile, so every other task waited. The report
    /// names the task (id, name, spawn location) and the system call the loop's thread is in
    /// (Linux), and goes to [`on_stall`](Self::on_stall) or else as one line to stderr. Time
    /// the loop spends waiting for IO or timers is never a stall. `GREENERY_MONITOR=1` in the
    /// environment starts it with a threshold of 100 ms (gevent's default) for runtimes whose
    /// builder did not; `GREENERY_MONITOR=50ms` (or `0.05`, in seconds) sets the threshold.
    /// Implies [`track_tasks`](Self::track_tasks).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = greenery::Builder::new().monitor(Duration::from_millis(100)).build().unwrap();
    /// rt.block_on(greenery::time::sleep(Duration::from_millis(200))); // idle, not a stall
    /// ```
    pub fn monitor(&mut self, threshold: Duration) -> &mut Builder {
        self.config.monitor = Some(threshold);
        self
    }

    /// Where the [`monitor`](Self::monitor)'s reports go instead of stderr. The callback runs
    /// on the monitor's thread while the loop is still blocked.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = greenery::Builder::new()
    ///     .monitor(Duration::from_millis(50))
    ///     .on_stall(|stall| println!("{stall}"))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_stall(&mut self, callback: impl Fn(&Stall) + Send + Sync + 'static) -> &mut Builder {
        self.config.on_stall = Some(OnStall(Arc::new(callback)));
        self
    }

    /// Creates the runtime: its reactor (an epoll instance and a timer fd on Linux).
    ///
    /// Fails when the OS refuses the reactor, when the trace file cannot be created, and when
    /// `GREENERY_MONITOR` holds something that is not a duration.
    ///
    /// ```
    /// let rt = greenery::Builder::new().build()?;
    /// assert_eq!(rt.block_on(async { "built" }), "built");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(&self) -> io::Result<Runtime> {
        let mut config = self.config.clone();
        from_environment(&mut config)?;
        Ok(Runtime {
            core: Core::new(config)?,
        })
    }
}

/// How many runtimes took their trace path from `GREENERY_TRACE`.
static ENV_TRACES: AtomicUsize = AtomicUsize::new(0);

/// Applies `GREENERY_TRACK_TASKS`, `GREENERY_TRACE` and `GREENERY_MONITOR` to what the
/// builder left unset.
fn from_environment(config: &mut Config) -> io::Result<()> {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    if !config.track_tasks {
        config.track_tasks = var("GREENERY_TRACK_TASKS").is_some_and(|value| value != "0");
    }
    if config.trace.is_none() {
        if let Some(path) = var("GREENERY_TRACE") {
            let nth = ENV_TRACES.fetch_add(1, Ordering::Relaxed) + 1;
            config.trace = Some(numbered(PathBuf::from(path), nth));
        }
    }
    if config.monitor.is_none() {
        if let Some(value) = var("GREENERY_MONITOR") {
            let text = value.to_string_lossy();
            let threshold = parse_threshold(&text).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "GREENERY_MONITOR={text}: expected 1 (a 100 ms threshold) or a \
                         duration such as 50ms, 0.2s or 0.05 (seconds)"
                    ),
                )
            })?;
            config.monitor = Some(threshold);
        }
    }
    Ok(())
}

/// `path` for the `nth` runtime of the process: `out.json`, then `out-2.json`, ...
fn numbered(path: PathBuf, nth: usize) -> PathBuf {
    if nth == 1 {
        return path;
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{nth}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{nth}"),
    };
    path.with_file_name(name)
}

/// `GREENERY_MONITOR`'s threshold: "1" (gevent's default, 100 ms), "50ms", "0.2s", or a
/// number of seconds.
fn parse_threshold(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text == "1" || text.eq_ignore_ascii_case("true") {
        return Some(Duration::from_millis(100));
    }
    let (number, unit) = match text {
        t if t.ends_with("ms") => (&t[..t.len() - 2], 1e-3),
        t if t.ends_with("us") => (&t[..t.len() - 2], 1e-6),
        t if t.ends_with('s') => (&t[..t.len() - 1], 1.0),
        t => (t, 1.0),
    };
    let seconds = number.trim().parse::<f64>().ok()? * unit;
    (seconds.is_finite() && seconds > 0.0 && seconds < 1e9)
        .then(|| Duration::from_nanos((seconds * 1e9).round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_thresholds_parse() {
        assert_eq!(parse_threshold("1"), Some(Duration::from_millis(100)));
        assert_eq!(parse_threshold("50ms"), Some(Duration::from_millis(50)));
        assert_eq!(parse_threshold("0.2s"), Some(Duration::from_millis(200)));
        assert_eq!(parse_threshold("0.05"), Some(Duration::from_millis(50)));
        assert_eq!(parse_threshold("250us"), Some(Duration::from_micros(250)));
        assert_eq!(parse_threshold("soon"), None);
        assert_eq!(parse_threshold("-1"), None);
        assert_eq!(parse_threshold("0"), None);
    }

    #[test]
    fn env_trace_paths_are_numbered() {
        assert_eq!(
            numbered("t/out.json".into(), 1),
            PathBuf::from("t/out.json")
        );
        assert_eq!(
            numbered("t/out.json".into(), 3),
            PathBuf::from("t/out-3.json")
        );
        assert_eq!(numbered("trace".into(), 2), PathBuf::from("trace-2"));
    }
}
