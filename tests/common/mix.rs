//! Running a scheduling scenario under every mix of green threads and async tasks.
//!
//! A scenario is written once with async bodies. Under a mix, each `spawn` (and the main
//! future, first) becomes either an async task or a green thread that blocks on the body with
//! `green::block_on` (so every wait in it is a plain blocking call on its own stack). The
//! mixes: all async (the reference), all green, and alternating green/async both ways. The
//! traces must be identical: green threads are scheduled by the same executor under the same
//! rules.

use std::cell::Cell;
use std::future::Future;

use greenery::{green, JoinHandle, LoopExit, Runtime};

use super::Log;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    Async,
    Green,
    GreenFirst,
    AsyncFirst,
}

pub const MIXES: [Mix; 4] = [Mix::Async, Mix::Green, Mix::GreenFirst, Mix::AsyncFirst];

thread_local! {
    static MIX: Cell<(Mix, usize)> = const { Cell::new((Mix::Async, 0)) };
    /// Green threads started under the current mix (each checks it really is one).
    static GREENS: Cell<usize> = const { Cell::new(0) };
}

/// Whether the next spawn (main first) is a green thread.
pub fn next_is_green() -> bool {
    MIX.with(|mix| {
        let (kind, n) = mix.get();
        mix.set((kind, n + 1));
        match kind {
            Mix::Async => false,
            Mix::Green => true,
            Mix::GreenFirst => n % 2 == 0,
            Mix::AsyncFirst => n % 2 == 1,
        }
    })
}

/// Runs `body` as a green thread's whole life, checking it is one.
fn as_green<F: Future>(body: F) -> F::Output {
    assert!(green::is_green());
    GREENS.with(|n| n.set(n.get() + 1));
    green::block_on(body)
}

/// Spawns `body` as an async task or as a green thread, as the mix says.
pub fn spawn<F>(body: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if next_is_green() {
        green::spawn(move || as_green(body))
    } else {
        greenery::spawn(body)
    }
}

/// Like [`spawn`], named.
pub fn spawn_named<F>(name: &str, body: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if next_is_green() {
        green::Builder::new()
            .name(name)
            .spawn(move || as_green(body))
            .unwrap()
    } else {
        greenery::task::Builder::new().name(name).spawn(body)
    }
}

/// Runs `main` (the first member of the mix) on `rt`.
pub fn run_on<F>(rt: &Runtime, main: F) -> F::Output
where
    F: Future + 'static,
    F::Output: 'static,
{
    if next_is_green() {
        rt.block_on(green::thread(move || as_green(main)))
    } else {
        rt.block_on(main)
    }
}

/// Like [`run_on`], reporting LoopExit as an error.
pub fn try_run_on<F>(rt: &Runtime, main: F) -> Result<F::Output, LoopExit>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if next_is_green() {
        rt.try_block_on(green::thread(move || as_green(main)))
    } else {
        rt.try_block_on(main)
    }
}

/// Runs `scenario` once per mix and checks each trace against `expected`, and that green
/// threads ran exactly in the mixes that have them.
#[track_caller]
pub fn for_each_mix(expected: &[&str], scenario: impl Fn(&Log)) {
    for mix in MIXES {
        MIX.with(|m| m.set((mix, 0)));
        GREENS.with(|n| n.set(0));
        let log = Log::new();
        scenario(&log);
        assert_eq!(log.take(), expected, "mix {mix:?}");
        let greens = GREENS.with(Cell::get);
        assert_eq!(
            greens == 0,
            mix == Mix::Async,
            "mix {mix:?} ran {greens} green threads"
        );
    }
}

/// Like [`for_each_mix`], against the lines a gevent script printed (a `tests/gevent/NAME.out`,
/// passed as `include_str!("gevent/NAME.out")`).
#[track_caller]
pub fn for_each_mix_like_gevent(out: &str, scenario: impl Fn(&Log)) {
    let expected = super::gevent(out);
    let lines: Vec<&str> = expected.lines().collect();
    for_each_mix(&lines, scenario);
}

/// A runtime on the real clock.
pub fn real() -> Runtime {
    Runtime::new().unwrap()
}
