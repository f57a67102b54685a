//! Unix signals as awaitable events: [`ctrl_c`] and [`Signals`], a stream of chosen signals
//! (gevent's `gevent.signal_handler`, tokio's `tokio::signal`).
//!
//! A signal handler may do almost nothing safely, so greenery's does what every async
//! runtime's does: it records the signal and writes a byte to a pipe that the reactor
//! watches (signal-hook's self-pipe, which chains with handlers other libraries install).
//! The task waiting in [`Signals::recv`] then wakes like any IO wait, on the loop's thread,
//! where it may do anything.
//!
//! ```no_run
//! use greenery::signal::{Signals, SIGINT, SIGTERM};
//!
//! greenery::run(async {
//!     let mut signals = Signals::new([SIGINT, SIGTERM]).unwrap();
//!     // ... start serving in other tasks ...
//!     let signal = signals.recv().await;
//!     println!("got signal {signal}, shutting down");
//! });
//! ```
//!
//! What to know:
//!
//! * A signal is caught from the moment a [`Signals`] for it exists; one sent before is not
//!   seen (and, for `SIGINT`/`SIGTERM`, kills the process as usual).
//! * Once caught, a signal's default action never comes back in this process, even after
//!   every `Signals` for it is dropped (tokio behaves the same): after the first
//!   [`ctrl_c`], Ctrl-C no longer ends the program unless you handle it.
//! * Several `Signals` may watch one signal: each receives it. Deliveries of one signal
//!   that arrive before the task looks are merged into one (as the kernel merges pending
//!   signals).
//! * `SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV` cannot be caught: `InvalidInput`.
//! * A task waiting in `recv` keeps the loop alive, as a socket read does.

use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use mio::Interest;

use crate::runtime::io::{Direction, Registration};

pub use libc::{
    SIGALRM, SIGCHLD, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
};

/// Waits for the next Ctrl-C (`SIGINT`).
///
/// The handler is installed when the future is first polled: a Ctrl-C before that is not
/// seen. From then on Ctrl-C no longer ends the process by itself (see the module docs).
///
/// ```no_run
/// greenery::run(async {
///     println!("press Ctrl-C");
///     greenery::signal::ctrl_c().await.unwrap();
///     println!("bye");
/// });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    Signals::new([SIGINT])?.recv().await;
    Ok(())
}

/// The signals from a chosen set, as they arrive: [`recv`](Signals::recv) waits for the
/// next one, and a `Signals` is a `futures_core::Stream` of signal numbers that never ends.
///
/// ```
/// use greenery::signal::{Signals, SIGUSR2};
///
/// greenery::run(async {
///     let mut signals = Signals::new([SIGUSR2]).unwrap();
///     // SAFETY: raise has no memory preconditions; SIGUSR2 is caught from here on.
///     unsafe { libc::raise(SIGUSR2) };
///     assert_eq!(signals.recv().await, SIGUSR2);
/// });
/// ```
pub struct Signals {
    registration: Registration,
    delivery: signal_hook_mio::v1_0::Signals,
    /// Received but not yet returned.
    pending: VecDeque<i32>,
}

impl Signals {
    /// Catches `signals` from now on, for this `Signals`. Errors: `InvalidInput` for a signal
    /// that cannot be caught, or a number that is no signal; an error outside a runtime.
    ///
    /// ```
    /// use greenery::signal::{Signals, SIGHUP, SIGUSR1};
    /// greenery::run(async {
    ///     assert!(Signals::new([SIGHUP, SIGUSR1]).is_ok());
    ///     let err = Signals::new([libc::SIGKILL]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    pub fn new(signals: impl IntoIterator<Item = i32>) -> io::Result<Signals> {
        let signals: Vec<i32> = signals.into_iter().collect();
        for &signal in &signals {
            check(signal)?;
        }
        let mut delivery = signal_hook_mio::v1_0::Signals::new(&signals)?;
        let registration = Registration::new(&mut delivery, None, Interest::READABLE)?;
        Ok(Signals {
            registration,
            delivery,
            pending: VecDeque::new(),
        })
    }

    /// Catches `signal` too, from now on.
    ///
    /// ```
    /// use greenery::signal::{Signals, SIGTERM, SIGWINCH};
    /// greenery::run(async {
    ///     let signals = Signals::new([SIGTERM]).unwrap();
    ///     signals.add(SIGWINCH).unwrap();
    ///     assert!(signals.add(libc::SIGSTOP).is_err());
    /// });
    /// ```
    pub fn add(&self, signal: i32) -> io::Result<()> {
        check(signal)?;
        self.delivery.add_signal(signal)
    }

    /// Polls for the next signal: the number of one that arrived, or `Pending` (the task is
    /// woken when one does).
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use greenery::signal::{Signals, SIGUSR2};
    /// greenery::run(async {
    ///     let mut signals = Signals::new([SIGUSR2]).unwrap();
    ///     // SAFETY: raise has no memory preconditions; SIGUSR2 is caught.
    ///     unsafe { libc::raise(SIGUSR2) };
    ///     assert_eq!(poll_fn(|cx| signals.poll_recv(cx)).await, SIGUSR2);
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<i32> {
        let Signals {
            registration,
            delivery,
            pending,
        } = self;
        poll_recv(cx, registration, delivery, pending)
    }

    /// Waits for the next signal and returns its number.
    ///
    /// ```
    /// use greenery::signal::{Signals, SIGUSR2};
    /// greenery::run(async {
    ///     let mut signals = Signals::new([SIGUSR2]).unwrap();
    ///     greenery::spawn(async {
    ///         // SAFETY: raise has no memory preconditions; SIGUSR2 is caught.
    ///         unsafe { libc::raise(SIGUSR2) };
    ///     });
    ///     assert_eq!(signals.recv().await, SIGUSR2);
    /// });
    /// ```
    pub async fn recv(&mut self) -> i32 {
        let Signals {
            registration,
            delivery,
            pending,
        } = self;
        let registration = &*registration;
        let recv = poll_fn(|cx| poll_recv(cx, registration, delivery, pending));
        registration.parked(Direction::Read, recv).await
    }
}

fn check(signal: i32) -> io::Result<()> {
    if signal_hook::consts::FORBIDDEN.contains(&signal) || !(1..=libc::SIGRTMAX()).contains(&signal)
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signal} cannot be caught"),
        ));
    }
    Ok(())
}

fn poll_recv(
    cx: &mut Context<'_>,
    registration: &Registration,
    delivery: &mut signal_hook_mio::v1_0::Signals,
    pending: &mut VecDeque<i32>,
) -> Poll<i32> {
    loop {
        if let Some(signal) = pending.pop_front() {
            return Poll::Ready(signal);
        }
        if registration.poll_ready(cx, Direction::Read).is_pending() {
            return Poll::Pending;
        }
        // Drains the self-pipe to `WouldBlock`, then collects the recorded signals; one that
        // arrives after the drain writes the pipe again, a new edge for the reactor.
        pending.extend(delivery.pending());
        if pending.is_empty() {
            return registration.park_after_would_block(cx, Direction::Read);
        }
    }
}

impl Stream for Signals {
    type Item = i32;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<i32>> {
        self.get_mut().poll_recv(cx).map(Some)
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        // Failing means the pipe is gone already; dropping `delivery` next unregisters the
        // handler's action and closes it.
        let _ = self.registration.deregister(&mut self.delivery);
    }
}

impl fmt::Debug for Signals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signals")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}
