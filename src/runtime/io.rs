//! The reactor: a mio `Poll`, the IO sources registered with it, and (on Linux) a timer fd
//! that makes blocking waits end exactly at the next timer deadline.
//!
//! Sources are edge-triggered: a task tries its IO, and only when the OS says `WouldBlock`
//! does it clear the readiness it had seen and park its waker; the next readiness event wakes
//! it. [`Registration`] is the interface the socket types use.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::io;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use mio::event::Source;
use mio::{Events, Interest, Token};
use pin_project_lite::pin_project;
use slab::Slab;

use super::context;
use super::core::Core;
use super::observe::{self, WaitOn};

const WAKER_TOKEN: Token = Token(usize::MAX);
#[cfg(target_os = "linux")]
const TIMER_TOKEN: Token = Token(usize::MAX - 1);

const READABLE: u8 = 1;
const WRITABLE: u8 = 2;
const READ_CLOSED: u8 = 4;
const WRITE_CLOSED: u8 = 8;
/// An error event is recorded once per direction, so the side that meets `WouldBlock` after
/// the error was taken (by a `recv`, say) forgets it without hiding it from the other side.
const READ_ERROR: u8 = 16;
const WRITE_ERROR: u8 = 32;

/// Which half of a source a task waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness bits that let an operation in this direction be tried.
    fn ready_mask(self) -> u8 {
        match self {
            Direction::Read => READABLE | READ_CLOSED | READ_ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | WRITE_ERROR,
        }
    }

    /// The data bit alone: what a short transfer proves drained.
    fn data_mask(self) -> u8 {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }
}

/// One registered source: the readiness seen so far and the tasks parked on each direction
/// (several tasks may wait on one direction, e.g. two acceptors sharing a listener).
struct IoEntry {
    /// The descriptor, when the registration was told (for run info).
    fd: Option<RawFd>,
    readiness: u8,
    readers: Vec<Waker>,
    writers: Vec<Waker>,
}

impl IoEntry {
    fn waiters(&mut self, direction: Direction) -> &mut Vec<Waker> {
        match direction {
            Direction::Read => &mut self.readers,
            Direction::Write => &mut self.writers,
        }
    }
}

pub(crate) struct Reactor {
    poll: RefCell<mio::Poll>,
    events: RefCell<Events>,
    sources: RefCell<Slab<IoEntry>>,
    /// How many wakers are parked in `sources`: waiting IO keeps the loop alive (no LoopExit).
    waiting: Cell<usize>,
    #[cfg(target_os = "linux")]
    timer: timerfd::TimerFd,
    /// The deadline the timer fd is armed for.
    #[cfg(target_os = "linux")]
    timer_deadline: Cell<Option<Instant>>,
}

impl Reactor {
    pub(crate) fn new() -> io::Result<(Reactor, mio::Waker)> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        #[cfg(target_os = "linux")]
        let timer = timerfd::TimerFd::new(poll.registry(), TIMER_TOKEN)?;
        Ok((
            Reactor {
                poll: RefCell::new(poll),
                events: RefCell::new(Events::with_capacity(1024)),
                sources: RefCell::new(Slab::new()),
                waiting: Cell::new(0),
                #[cfg(target_os = "linux")]
                timer,
                #[cfg(target_os = "linux")]
                timer_deadline: Cell::new(None),
            },
            waker,
        ))
    }

    pub(crate) fn waiting(&self) -> usize {
        self.waiting.get()
    }

    /// Adds `waker` to `waiters` (once) and counts it as waiting IO.
    fn park(&self, waiters: &mut Vec<Waker>, waker: &Waker) {
        if !waiters.iter().any(|w| w.will_wake(waker)) {
            waiters.push(waker.clone());
            self.waiting.set(self.waiting.get() + 1);
        }
    }

    /// Waits for IO for at most `timeout` (`None`: until something happens); `deadline` is
    /// the timer deadline the timeout was computed from, armed exactly on Linux. Pushes the
    /// wakers of ready sources onto `ready` and returns whether a foreign wake arrived.
    pub(crate) fn poll(
        &self,
        timeout: Option<Duration>,
        deadline: Option<Instant>,
        ready: &mut Vec<Waker>,
    ) -> bool {
        #[cfg(target_os = "linux")]
        let timeout = match (timeout, deadline) {
            (Some(remaining), Some(deadline)) if !remaining.is_zero() => {
                // epoll's timeout has millisecond granularity; the timer fd has nanoseconds.
                // It stays armed for the same deadline until it fires.
                if self.timer_deadline.get() == Some(deadline) {
                    None
                } else {
                    match self.timer.arm(remaining) {
                        Ok(()) => {
                            self.timer_deadline.set(Some(deadline));
                            None
                        }
                        Err(_) => Some(remaining),
                    }
                }
            }
            _ => timeout,
        };
        #[cfg(not(target_os = "linux"))]
        let _ = deadline;
        let mut events = self.events.borrow_mut();
        if let Err(err) = self.poll.borrow_mut().poll(&mut events, timeout) {
            // EINTR: a signal arrived; the loop simply goes round again.
            debug_assert_eq!(err.kind(), io::ErrorKind::Interrupted, "{err}");
            return false;
        }
        let mut remote = false;
        let mut sources = self.sources.borrow_mut();
        for event in events.iter() {
            match event.token() {
                WAKER_TOKEN => remote = true,
                #[cfg(target_os = "linux")]
                // No read of the expiry count: re-arming resets it, and every expiry is a
                // new edge. That keeps a timer wake at two syscalls (settime, epoll_wait).
                TIMER_TOKEN => self.timer_deadline.set(None),
                Token(key) => {
                    let Some(entry) = sources.get_mut(key) else {
                        continue;
                    };
                    let mut bits = 0;
                    if event.is_readable() {
                        bits |= READABLE;
                    }
                    if event.is_writable() {
                        bits |= WRITABLE;
                    }
                    if event.is_read_closed() {
                        bits |= READ_CLOSED;
                    }
                    if event.is_write_closed() {
                        bits |= WRITE_CLOSED;
                    }
                    if event.is_error() {
                        bits |= READ_ERROR | WRITE_ERROR;
                    }
                    entry.readiness |= bits;
                    for direction in [Direction::Read, Direction::Write] {
                        if entry.readiness & direction.ready_mask() != 0 {
                            let waiters = entry.waiters(direction);
                            self.waiting.set(self.waiting.get() - waiters.len());
                            ready.append(waiters);
                        }
                    }
                }
            }
        }
        remote
    }
}

/// An IO source registered with the current runtime's reactor.
///
/// The socket types keep one beside their mio source: `poll_io` runs an operation, parking the
/// task on `WouldBlock` until the source is ready again. Deregisters when dropped, waking any
/// task still parked on it (that task then gets an error instead of hanging).
pub(crate) struct Registration {
    core: Rc<Core>,
    key: usize,
}

impl Registration {
    /// Registers `source` (descriptor `fd`, when known: run info names it) for `interest`
    /// with the runtime driving this thread.
    pub(crate) fn new(
        source: &mut impl Source,
        fd: Option<RawFd>,
        interest: Interest,
    ) -> io::Result<Registration> {
        let core = context::current_core().ok_or_else(|| {
            io::Error::other("greenery IO must be used inside a greenery runtime (greenery::run)")
        })?;
        let key = {
            let reactor = &core.reactor;
            let mut sources = reactor.sources.borrow_mut();
            let entry = sources.vacant_entry();
            let key = entry.key();
            reactor
                .poll
                .borrow()
                .registry()
                .register(source, Token(key), interest)?;
            entry.insert(IoEntry {
                fd,
                readiness: 0,
                readers: Vec::new(),
                writers: Vec::new(),
            });
            key
        };
        Ok(Registration { core, key })
    }

    /// Ready when the source is ready in `direction` (or closed, or in error); otherwise parks
    /// the task's waker until it is.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, direction: Direction) -> Poll<()> {
        let reactor = &self.core.reactor;
        let mut sources = reactor.sources.borrow_mut();
        let entry = &mut sources[self.key];
        if entry.readiness & direction.ready_mask() != 0 {
            return Poll::Ready(());
        }
        reactor.park(entry.waiters(direction), cx.waker());
        observe::note(WaitOn::Io(entry.fd, direction));
        Poll::Pending
    }

    /// Removes `waker` from the tasks parked on `direction` (its wait was cancelled), so a
    /// task that stopped waiting neither gets a stale wake-up nor keeps the loop alive.
    pub(crate) fn forget_waker(&self, direction: Direction, waker: &Waker) {
        let reactor = &self.core.reactor;
        let mut sources = reactor.sources.borrow_mut();
        let waiters = sources[self.key].waiters(direction);
        let before = waiters.len();
        waiters.retain(|w| !w.will_wake(waker));
        reactor
            .waiting
            .set(reactor.waiting.get() - (before - waiters.len()));
    }

    /// Forgets the data readiness in `direction` after a short transfer drained the kernel
    /// buffer. A hang-up or error seen in that direction stays: the next operation must meet
    /// it (a read at end of stream returns 0 at once).
    pub(crate) fn clear_data_ready(&self, direction: Direction) {
        let mut sources = self.core.reactor.sources.borrow_mut();
        sources[self.key].readiness &= !direction.data_mask();
    }

    /// Forgets everything that made `direction` look ready (data, a hang-up, an error already
    /// taken) after the OS said `WouldBlock`: the next wait parks until a new event.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        let mut sources = self.core.reactor.sources.borrow_mut();
        sources[self.key].readiness &= !direction.ready_mask();
    }

    /// The OS said `WouldBlock` in `direction`: [`clear_ready`](Self::clear_ready), then park
    /// the task's waker, so the caller returns `Pending` and the next readiness event wakes
    /// it. Every operation parks this way after `WouldBlock`, so no IO future can retry in a
    /// loop without yielding.
    pub(crate) fn park_after_would_block<T>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<T> {
        let reactor = &self.core.reactor;
        let mut sources = reactor.sources.borrow_mut();
        let entry = &mut sources[self.key];
        entry.readiness &= !direction.ready_mask();
        reactor.park(entry.waiters(direction), cx.waker());
        observe::note(WaitOn::Io(entry.fd, direction));
        Poll::Pending
    }

    /// Runs `op` once the source is ready in `direction`; on `WouldBlock` parks the task
    /// until the next readiness event (see [`park_after_would_block`](Self::park_after_would_block)).
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        if self.poll_ready(cx, direction).is_pending() {
            return Poll::Pending;
        }
        match op() {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                self.park_after_would_block(cx, direction)
            }
            result => Poll::Ready(result),
        }
    }

    /// `poll_io` as a future; dropping it while parked takes its waker back.
    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.parked(
            direction,
            poll_fn(|cx| self.poll_io(cx, direction, &mut op)),
        )
        .await
    }

    /// Runs `future`, an operation that parks on this source in `direction`; if it is dropped
    /// while parked (a timeout, a kill), the task's waker is taken back, so a cancelled wait
    /// neither gets a stale wake-up nor keeps the loop from reporting LoopExit.
    pub(crate) fn parked<F: Future>(&self, direction: Direction, future: F) -> Parked<'_, F> {
        Parked {
            registration: self,
            direction,
            future,
            waker: None,
        }
    }

    /// Wakes every task parked on this source, in both directions: the source is about to be
    /// closed, and each retries its operation (and meets the error) instead of waiting for an
    /// event that will never come.
    #[cfg_attr(not(feature = "patch"), allow(dead_code))]
    pub(crate) fn wake_all(&self) {
        let reactor = &self.core.reactor;
        let waiters: Vec<Waker> = {
            let mut sources = reactor.sources.borrow_mut();
            let entry = &mut sources[self.key];
            let mut waiters = std::mem::take(&mut entry.readers);
            waiters.append(&mut entry.writers);
            waiters
        };
        reactor.waiting.set(reactor.waiting.get() - waiters.len());
        waiters.into_iter().for_each(Waker::wake);
    }

    /// Removes `source` from the reactor (call before the source is closed).
    pub(crate) fn deregister(&self, source: &mut impl Source) -> io::Result<()> {
        self.core
            .reactor
            .poll
            .borrow()
            .registry()
            .deregister(source)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let reactor = &self.core.reactor;
        let entry = reactor.sources.borrow_mut().remove(self.key);
        for waker in entry.readers.into_iter().chain(entry.writers) {
            reactor.waiting.set(reactor.waiting.get() - 1);
            waker.wake();
        }
    }
}

pin_project! {
    /// The future of [`Registration::parked`].
    pub(crate) struct Parked<'a, F> {
        registration: &'a Registration,
        direction: Direction,
        #[pin]
        future: F,
        waker: Option<Waker>,
    }

    impl<F> PinnedDrop for Parked<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(waker) = this.waker.take() {
                this.registration.forget_waker(*this.direction, &waker);
            }
        }
    }
}

impl<F: Future> Future for Parked<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let result = this.future.poll(cx);
        *this.waker = result.is_pending().then(|| cx.waker().clone());
        result
    }
}

#[cfg(target_os = "linux")]
mod timerfd {
    //! A `timerfd` registered with the poll: armed with the time to the next deadline, it
    //! ends a blocking `epoll_wait` with nanosecond precision.

    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Duration;

    use mio::unix::SourceFd;
    use mio::{Interest, Registry, Token};

    /// The timer fd, or `None` where none could be made (or under Miri, which cannot emulate
    /// one): `arm` then fails and the reactor falls back to epoll's millisecond timeout.
    pub(super) struct TimerFd {
        fd: Option<OwnedFd>,
    }

    impl TimerFd {
        pub(super) fn new(registry: &Registry, token: Token) -> io::Result<TimerFd> {
            if cfg!(miri) {
                return Ok(TimerFd { fd: None });
            }
            // SAFETY: timerfd_create has no memory-safety preconditions; a negative return is
            // an error, anything else a new fd that we own from here on.
            let raw = unsafe {
                libc::timerfd_create(
                    libc::CLOCK_MONOTONIC,
                    libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
                )
            };
            if raw < 0 {
                return Ok(TimerFd { fd: None });
            }
            // SAFETY: `raw` is a freshly created fd owned by nobody else.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            registry.register(&mut SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
            Ok(TimerFd { fd: Some(fd) })
        }

        /// Fires once after `after` (which must not be zero: zero disarms).
        pub(super) fn arm(&self, after: Duration) -> io::Result<()> {
            let Some(fd) = &self.fd else {
                return Err(io::ErrorKind::Unsupported.into());
            };
            let spec = libc::itimerspec {
                it_interval: libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: libc::timespec {
                    tv_sec: after.as_secs().min(i64::MAX as u64 / 2) as libc::time_t,
                    tv_nsec: after.subsec_nanos().max(1) as libc::c_long,
                },
            };
            // SAFETY: `spec` is a valid itimerspec on our stack, the old-value pointer may be
            // null, and `fd` is an open timer fd.
            let rc =
                unsafe { libc::timerfd_settime(fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
            if rc < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }
    }
}
