//! SEMANTICS rule 35: `throw`, `close`, `finally` (guards), dropping, and the generator's
//! bad-input errors. Port of `semantics/r41_generator_throw_close.py`. A Python exception is
//! the generator's `E` ([`Exc`]); `finally` is a guard's `Drop`.

mod generator_common;

use std::cell::OnceCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::{Rc, Weak};

use generator_common::{Exc, Log};
use greenery::generator::{Co, Generator, GeneratorError, GeneratorState::*};

fn catcher(log: &Log) -> Generator<&'static str, Result<(), Exc>, (), Exc> {
    let log = log.clone();
    Generator::new(|co: Co<&str, (), Exc>| async move {
        loop {
            match co.yield_("ready").await {
                Ok(()) => {}
                Err(Exc::Value(m)) => {
                    log.print(format!("caught {}", Exc::Value(m)));
                    co.yield_("after-catch").await?;
                }
                Err(other) => return Err(other),
            }
        }
    })
}

fn body(log: &Log) -> Generator<i32, (), (), Exc> {
    let log = log.clone();
    Generator::new(|co: Co<i32, (), Exc>| async move {
        log.print("body start");
        let _finally = log.finally("body finally");
        let _ = co.yield_(1).await;
    })
}

fn yielded<Y: std::fmt::Debug, R: std::fmt::Debug, E: std::fmt::Debug>(
    state: Result<greenery::generator::GeneratorState<Y, R>, GeneratorError<E>>,
) -> Y {
    match state {
        Ok(Yielded(value)) => value,
        other => panic!("expected a yield, got {other:?}"),
    }
}

#[test]
fn r41_throw_close_and_drop_in_reference_order() {
    let log = Log::default();
    let c = catcher(&log);
    log.print(yielded(c.next()));
    log.print(format!("throw -> {}", yielded(c.throw(Exc::Value("x")))));
    log.print(format!("next -> {}", yielded(c.next())));

    let u = body(&log);
    match u.throw(Exc::Key("k")) {
        Err(GeneratorError::Thrown(e)) => log.print(format!("throw into unstarted raised {e}")),
        other => panic!("{other:?}"),
    }
    match u.next() {
        Err(GeneratorError::Finished) => log.print("then next() -> exhausted"),
        other => panic!("{other:?}"),
    }

    let b = body(&log);
    yielded(b.next());
    assert_eq!(b.close(), Ok(()));
    log.print("close -> None");
    assert_eq!(b.close(), Ok(()));
    log.print("close again -> None");
    assert_eq!(body(&log).close(), Ok(()));
    log.print("close unstarted -> None");

    // `ignores_close` (yielding in `finally`) and `returns_on_close` (catching GeneratorExit)
    // cannot be written: close drops the body, and no code of it can resume afterwards.

    let gc_me = body(&log);
    yielded(gc_me.next());
    log.print("dropping the last reference");
    drop(gc_me);
    log.print("after del");

    // `stopper` (PEP 479) has no analogue: a body ends only by returning.
    assert_eq!(
        log.lines(),
        [
            "ready",
            "caught ValueError('x')",
            "throw -> after-catch",
            "next -> ready",
            "throw into unstarted raised KeyError('k')",
            "then next() -> exhausted",
            "body start",
            "body finally",
            "close -> None",
            "close again -> None",
            "close unstarted -> None",
            "body start",
            "dropping the last reference",
            "body finally",
            "after del",
        ]
    );
}

#[test]
fn an_uncaught_throw_comes_back_as_the_return_value_after_guards_run() {
    let log = Log::default();
    let c = catcher(&log);
    assert_eq!(c.next(), Ok(Yielded("ready")));
    assert_eq!(c.throw(Exc::Key("k")), Ok(Complete(Err(Exc::Key("k")))));
    assert!(c.is_finished());
    // A second throw into the finished generator comes straight back.
    assert_eq!(
        c.throw(Exc::Value("late")),
        Err(GeneratorError::Thrown(Exc::Value("late")))
    );
    // The `?` inside the handler passes a throw at the second yield on.
    let c = catcher(&log);
    c.next().unwrap();
    assert_eq!(c.throw(Exc::Value("1")), Ok(Yielded("after-catch")));
    assert_eq!(c.throw(Exc::Value("2")), Ok(Complete(Err(Exc::Value("2")))));
    assert_eq!(log.lines(), ["caught ValueError('1')"]);
}

#[test]
fn throw_into_unstarted_never_runs_the_body_but_drops_what_it_captured() {
    let log = Log::default();
    let captured = log.finally("captured value dropped");
    let g: Generator<(), (), (), Exc> = Generator::new(|co| {
        let log = log.clone();
        async move {
            let _keep = captured;
            log.print("body ran");
            let _ = co.yield_(()).await;
        }
    });
    assert_eq!(
        g.throw(Exc::Key("k")),
        Err(GeneratorError::Thrown(Exc::Key("k")))
    );
    assert_eq!(log.lines(), ["captured value dropped"]);
    assert!(g.is_finished());
}

#[test]
fn close_runs_guards_in_reverse_order_once() {
    let log = Log::default();
    let l = log.clone();
    let g: Generator<u8> = Generator::new(|co| async move {
        let _outer = l.finally("outer guard");
        co.yield_(1).await;
        let _inner = l.finally("inner guard");
        co.yield_(2).await;
        l.print("never reached");
    });
    assert_eq!(g.next(), Ok(Yielded(1)));
    assert_eq!(g.next(), Ok(Yielded(2)));
    assert_eq!(g.close(), Ok(()));
    assert_eq!(g.close(), Ok(()));
    drop(g);
    assert_eq!(log.lines(), ["inner guard", "outer guard"]);
}

/// A generator that holds a weak reference to itself, as Python's `me` global.
fn self_referencing<F>(
    body: impl FnOnce(Rc<Generator<String, Result<(), String>>>, Co<String>) -> F + 'static,
) -> Rc<Generator<String, Result<(), String>>>
where
    F: std::future::Future<Output = Result<(), String>> + 'static,
{
    Rc::new_cyclic(|me: &Weak<Generator<String, Result<(), String>>>| {
        let me = me.clone();
        Generator::new(move |co| async move {
            let me = me.upgrade().ok_or("generator gone")?;
            body(me, co).await
        })
    })
}

#[test]
fn resuming_a_generator_from_inside_itself_is_already_executing() {
    // r42's `reenter`: `yield next(me)` raises ValueError out of `next(me)`.
    let me = self_referencing(|me, co| async move {
        let inner = me.next().map_err(|e| format!("ValueError: {e}"))?;
        co.yield_(format!("{inner:?}")).await;
        Ok(())
    });
    assert_eq!(
        me.next(),
        Ok(Complete(Err(
            "ValueError: generator already executing".to_string()
        )))
    );
    assert!(me.is_finished());
}

#[test]
fn every_method_refuses_reentry_and_changes_nothing() {
    let me = self_referencing(|me, co| async move {
        let results = [
            format!("{:?}", me.next()),
            format!("{:?}", me.send(())),
            format!("{:?}", me.close()),
            format!("is_finished {}", me.is_finished()),
        ];
        for r in results {
            co.yield_(r).await;
        }
        Ok(())
    });
    let seen: Vec<String> = std::iter::from_fn(|| match me.next() {
        Ok(Yielded(v)) => Some(v),
        _ => None,
    })
    .collect();
    assert_eq!(
        seen,
        [
            "Err(AlreadyExecuting)",
            "Err(AlreadyExecuting)",
            "Err(AlreadyExecuting)",
            "is_finished false",
        ]
    );
}

#[test]
fn a_guard_that_resumes_its_generator_during_close_gets_already_executing() {
    // Python's "generator ignored GeneratorExit" needs code to run after close; a guard's
    // destructor is the only such code, and it cannot resume the generator.
    let seen = Rc::new(OnceCell::new());
    struct Reenter(Weak<Generator<()>>, Rc<OnceCell<String>>);
    impl Drop for Reenter {
        fn drop(&mut self) {
            if let Some(g) = self.0.upgrade() {
                let _ = self.1.set(format!("{:?} {:?}", g.next(), g.close()));
            }
        }
    }
    let s = seen.clone();
    let g = Rc::new_cyclic(|me: &Weak<Generator<()>>| {
        let me = me.clone();
        Generator::new(move |co| async move {
            let _guard = Reenter(me, s);
            co.yield_(()).await;
        })
    });
    g.next().unwrap();
    assert_eq!(g.close(), Ok(()));
    assert_eq!(
        seen.get().map(String::as_str),
        Some("Err(AlreadyExecuting) Err(AlreadyExecuting)")
    );
    assert_eq!(g.next(), Err(GeneratorError::Finished));
}

#[test]
fn a_sync_body_that_awaits_a_foreign_future_is_closed_with_blocked() {
    let log = Log::default();
    let l = log.clone();
    let g: Generator<u8> = Generator::new(|co| async move {
        let _finally = l.finally("guard ran");
        co.yield_(1).await;
        std::future::pending::<()>().await;
        co.yield_(2).await;
    });
    assert_eq!(g.next(), Ok(Yielded(1)));
    assert_eq!(g.next(), Err(GeneratorError::Blocked));
    assert_eq!(log.lines(), ["guard ran"]);
    assert!(g.is_finished());
    assert_eq!(g.next(), Err(GeneratorError::Finished));
}

#[test]
fn awaiting_another_generators_yielder_is_blocked_not_a_hang() {
    let stolen: Rc<OnceCell<Co<u8>>> = Rc::new(OnceCell::new());
    let s = stolen.clone();
    let donor: Generator<u8> = Generator::new(|co| async move {
        let _ = s.set(co);
    });
    assert_eq!(donor.next(), Ok(Complete(())));
    let s = stolen.clone();
    let thief: Generator<u8> = Generator::new(|_co| async move {
        if let Some(co) = s.get() {
            co.yield_(7).await;
        }
    });
    assert_eq!(thief.next(), Err(GeneratorError::Blocked));
}

#[test]
fn a_panicking_body_propagates_and_leaves_the_generator_finished() {
    let log = Log::default();
    let l = log.clone();
    let g: Generator<u8> = Generator::new(|co| async move {
        let _finally = l.finally("unwound");
        co.yield_(1).await;
        panic!("boom");
    });
    assert_eq!(g.next(), Ok(Yielded(1)));
    let panicked = catch_unwind(AssertUnwindSafe(|| g.next()));
    assert!(panicked.is_err());
    assert_eq!(log.lines(), ["unwound"]);
    assert!(g.is_finished());
    assert_eq!(g.next(), Err(GeneratorError::Finished));
    assert_eq!(g.close(), Ok(()));
}

#[test]
fn errors_display_python_like_messages() {
    let cases: [(GeneratorError<Exc>, &str); 4] = [
        (
            GeneratorError::JustStarted,
            "can't send a non-unit value to a just-started generator",
        ),
        (
            GeneratorError::AlreadyExecuting,
            "generator already executing",
        ),
        (GeneratorError::Finished, "generator already finished"),
        (GeneratorError::Thrown(Exc::Key("k")), "KeyError('k')"),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
    assert!(GeneratorError::<Exc>::Blocked
        .to_string()
        .contains("AsyncGenerator"));
}
