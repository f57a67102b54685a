//! Real signals sent to this test process. Test binaries run tests on parallel threads, so
//! each test uses signals no other test here uses (and this binary holds nothing else).

use std::collections::BTreeSet;
use std::time::Duration;

use futures_core::Stream;
use greenery::signal::{ctrl_c, Signals, SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGWINCH};
use greenery::time::timeout;

/// Sends `signal` to this process (any thread may take it; the handler only writes a pipe).
fn send(signal: i32) {
    // SAFETY: kill(2) with our own pid and a signal number; no memory is involved.
    let rc = unsafe { libc::kill(libc::getpid(), signal) };
    assert_eq!(rc, 0);
}

const PATIENCE: Duration = Duration::from_secs(10);

#[test]
fn recv_returns_a_signal_sent_to_the_process() {
    greenery::run(async {
        let mut signals = Signals::new([SIGUSR1]).unwrap();
        let waiter = greenery::spawn(async move {
            let signal = timeout(PATIENCE, signals.recv()).await.unwrap();
            (signal, signals)
        });
        greenery::yield_now().await; // the waiter is parked on the self-pipe
        send(SIGUSR1);
        let (signal, mut signals) = waiter.await.unwrap();
        assert_eq!(signal, SIGUSR1);
        // Sent again: received again.
        send(SIGUSR1);
        assert_eq!(timeout(PATIENCE, signals.recv()).await.unwrap(), SIGUSR1);
    });
}

#[test]
fn every_signals_watching_a_signal_receives_it() {
    greenery::run(async {
        let mut first = Signals::new([SIGUSR2]).unwrap();
        let mut second = Signals::new([SIGUSR2]).unwrap();
        send(SIGUSR2);
        assert_eq!(timeout(PATIENCE, first.recv()).await.unwrap(), SIGUSR2);
        assert_eq!(timeout(PATIENCE, second.recv()).await.unwrap(), SIGUSR2);
    });
}

#[test]
fn a_stream_of_several_signals_yields_each() {
    greenery::run(async {
        let mut signals = Signals::new([SIGHUP]).unwrap();
        signals.add(SIGWINCH).unwrap();
        send(SIGHUP);
        send(SIGWINCH);
        let mut got = BTreeSet::new();
        while got.len() < 2 {
            let next = std::future::poll_fn(|cx| std::pin::Pin::new(&mut signals).poll_next(cx));
            got.insert(timeout(PATIENCE, next).await.unwrap().unwrap());
        }
        assert_eq!(got, BTreeSet::from([SIGHUP, SIGWINCH]));
    });
}

#[test]
fn ctrl_c_completes_on_sigint() {
    greenery::run(async {
        let waiter = greenery::spawn(async { timeout(PATIENCE, ctrl_c()).await });
        greenery::yield_now().await; // ctrl_c has installed its handler
        send(SIGINT); // would kill the process without the handler
        waiter.await.unwrap().unwrap().unwrap();
    });
}

#[test]
fn uncatchable_and_bogus_signals_are_refused() {
    greenery::run(async {
        for signal in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 100_000] {
            let err = Signals::new([signal]).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{signal}");
        }
    });
    assert!(Signals::new([SIGUSR1]).is_err()); // no runtime
}
