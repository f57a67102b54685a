//! Runtime options.

use std::io;
use std::time::Duration;

use super::core::Core;
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

    /// Creates the runtime: its reactor (an epoll instance and a timer fd on Linux).
    ///
    /// ```
    /// let rt = greenery::Builder::new().build()?;
    /// assert_eq!(rt.block_on(async { "built" }), "built");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(&self) -> io::Result<Runtime> {
        Ok(Runtime {
            core: Core::new(self.config.clone())?,
        })
    }
}
