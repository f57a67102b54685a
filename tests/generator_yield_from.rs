//! SEMANTICS rule 36: `yield from` (`Co::yield_from`) forwards next/send/throw/close and
//! evaluates to the sub-generator's return value; close and drop run inner guards first.
//! Port of `semantics/r42_yield_from.py` (its `reenter` part is in `generator_throw_close`),
//! plus delegation three levels deep.

mod generator_common;

use generator_common::{repr, Exc, Log};
use greenery::generator::{Co, Generator, GeneratorError, GeneratorState::*};

type Gen<R> = Generator<&'static str, R, Option<&'static str>, Exc>;

fn inner(log: &Log) -> Gen<Result<&'static str, Exc>> {
    let log = log.clone();
    Generator::new(|co: Co<&str, Option<&str>, Exc>| async move {
        let _finally = log.finally("inner finally");
        let attempt: Result<(), Exc> = async {
            let a = co.yield_("i1").await?;
            log.print(format!("inner got {}", repr(a)));
            let b = co.yield_("i2").await?;
            log.print(format!("inner got {}", repr(b)));
            Ok(())
        }
        .await;
        match attempt {
            Ok(()) => {}
            Err(Exc::Value(m)) => {
                log.print(format!("inner caught {}", Exc::Value(m)));
                co.yield_("i-caught").await?;
            }
            Err(other) => return Err(other),
        }
        Ok("inner-ret")
    })
}

fn outer(log: &Log) -> Gen<Result<(), Exc>> {
    let log = log.clone();
    Generator::new(|co: Co<&str, Option<&str>, Exc>| async move {
        let _finally = log.finally("outer finally");
        let r = co
            .yield_from(inner(&log))
            .await
            .expect("a fresh sub-generator")?;
        log.print(format!("outer: yield from returned '{r}'"));
        co.yield_("o1").await?;
        Ok(())
    })
}

fn yielded<R: std::fmt::Debug>(
    state: Result<greenery::generator::GeneratorState<&str, R>, GeneratorError<Exc>>,
) -> &str {
    match state {
        Ok(Yielded(value)) => value,
        other => panic!("expected a yield, got {other:?}"),
    }
}

#[test]
fn r42_yield_from_in_reference_order() {
    let log = Log::default();
    let o = outer(&log);
    log.print(yielded(o.next()));
    log.print(yielded(o.send(Some("A"))));
    log.print(yielded(o.send(Some("B"))));
    log.print("--- throw");
    let o2 = outer(&log);
    yielded(o2.next());
    log.print(format!("throw -> {}", yielded(o2.throw(Exc::Value("V")))));
    log.print("--- close");
    let o3 = outer(&log);
    yielded(o3.next());
    o3.close().unwrap();
    log.print("closed");
    log.print("--- drop o2 (paused inside inner) and o (paused in outer)");
    drop(o2);
    drop(o);
    assert_eq!(
        log.lines(),
        [
            "i1",
            "inner got 'A'",
            "i2",
            "inner got 'B'",
            "inner finally",
            "outer: yield from returned 'inner-ret'",
            "o1",
            "--- throw",
            "inner caught ValueError('V')",
            "throw -> i-caught",
            "--- close",
            "inner finally",
            "outer finally",
            "closed",
            "--- drop o2 (paused inside inner) and o (paused in outer)",
            "inner finally",
            "outer finally",
            "outer finally",
        ]
    );
}

#[test]
fn an_uncaught_throw_unwinds_inner_then_outer() {
    let log = Log::default();
    let o = outer(&log);
    yielded(o.next());
    assert_eq!(o.throw(Exc::Key("k")), Ok(Complete(Err(Exc::Key("k")))));
    assert_eq!(log.lines(), ["inner finally", "outer finally"]);
}

/// Level `depth` delegates to level `depth - 1`; level 0 yields `l0-a`, `l0-b` and returns the
/// sum of what it was sent. Each level adds its own guard, yields once after its sub-generator
/// returns, and returns the sub-generator's value plus one.
fn level(log: &Log, depth: u32) -> Generator<String, Result<u64, Exc>, u64, Exc> {
    let log = log.clone();
    Generator::new(move |co: Co<String, u64, Exc>| async move {
        let _finally =
            log.finally(["l0 finally", "l1 finally", "l2 finally", "l3 finally"][depth as usize]);
        if depth == 0 {
            let mut sum = 0;
            for name in ["l0-a", "l0-b"] {
                match co.yield_(name.to_string()).await {
                    Ok(x) => sum += x,
                    Err(Exc::Value(m)) => {
                        log.print(format!("l0 caught {m}"));
                        sum += co.yield_("l0-caught".to_string()).await?;
                    }
                    Err(other) => return Err(other),
                }
            }
            return Ok(sum);
        }
        let r = co
            .yield_from(level(&log, depth - 1))
            .await
            .expect("fresh")?;
        log.print(format!("l{depth} got {r}"));
        co.yield_(format!("l{depth}-after")).await?;
        Ok(r + 1)
    })
}

#[test]
fn three_levels_deep_forward_values_sends_and_return_values() {
    let log = Log::default();
    let g = level(&log, 3);
    assert_eq!(g.next(), Ok(Yielded("l0-a".to_string())));
    assert_eq!(g.send(10), Ok(Yielded("l0-b".to_string())));
    assert_eq!(g.send(5), Ok(Yielded("l1-after".to_string())));
    assert_eq!(g.send(0), Ok(Yielded("l2-after".to_string())));
    assert_eq!(g.send(0), Ok(Yielded("l3-after".to_string())));
    assert_eq!(g.send(0), Ok(Complete(Ok(18))));
    assert_eq!(
        log.lines(),
        [
            "l0 finally",
            "l1 got 15",
            "l1 finally",
            "l2 got 16",
            "l2 finally",
            "l3 got 17",
            "l3 finally",
        ]
    );
}

#[test]
fn three_levels_deep_throw_reaches_the_innermost_first() {
    let log = Log::default();
    let g = level(&log, 3);
    g.next().unwrap();
    assert_eq!(
        g.throw(Exc::Value("deep")),
        Ok(Yielded("l0-caught".to_string()))
    );
    assert_eq!(g.send(1), Ok(Yielded("l0-b".to_string())));
    assert_eq!(
        g.throw(Exc::Key("fatal")),
        Ok(Complete(Err(Exc::Key("fatal"))))
    );
    assert_eq!(
        log.lines(),
        [
            "l0 caught deep",
            "l0 finally",
            "l1 finally",
            "l2 finally",
            "l3 finally"
        ]
    );
}

#[test]
fn three_levels_deep_close_and_drop_run_guards_inner_to_outer() {
    let log = Log::default();
    let g = level(&log, 3);
    g.next().unwrap();
    g.close().unwrap();
    log.print("--- drop");
    let g = level(&log, 3);
    g.next().unwrap();
    drop(g);
    assert_eq!(
        log.lines(),
        [
            "l0 finally",
            "l1 finally",
            "l2 finally",
            "l3 finally",
            "--- drop",
            "l0 finally",
            "l1 finally",
            "l2 finally",
            "l3 finally",
        ]
    );
}

#[test]
fn yield_from_a_partly_consumed_sub_sends_the_default_first() {
    let sub: Generator<u64, u64, u64> = Generator::new(|co| async move {
        let Ok(a) = co.yield_(1).await;
        let Ok(b) = co.yield_(2).await;
        a * 100 + b
    });
    assert_eq!(sub.next(), Ok(Yielded(1)));
    let outer: Generator<u64, u64, u64> =
        Generator::new(|co| async move { co.yield_from(sub).await.expect("sub not finished") });
    // `yield from` resumes the sub with `None` (here 0), which the sub receives as `a`.
    assert_eq!(outer.next(), Ok(Yielded(2)));
    assert_eq!(outer.send(7), Ok(Complete(7)));
}

#[test]
fn yield_from_a_finished_sub_is_finished() {
    let sub: Generator<u8> = Generator::new(|_co| async {});
    assert_eq!(sub.next(), Ok(Complete(())));
    let outer: Generator<u8, Result<(), GeneratorError<std::convert::Infallible>>> =
        Generator::new(|co| async move { co.yield_from(sub).await });
    assert_eq!(outer.next(), Ok(Complete(Err(GeneratorError::Finished))));
}
