//! SEMANTICS rule 34: `next`/`send`, the just-started rule, `StopIteration.value`.
//! Port of `semantics/r40_generator_send.py`; Python's `None` is `S::default()` (`S = Option`).

mod generator_common;

use generator_common::{repr, Log};
use greenery::generator::{Co, Generator, GeneratorError, GeneratorState::*};

fn gen(log: &Log) -> Generator<i32, &'static str, Option<&'static str>> {
    let log = log.clone();
    Generator::new(|co: Co<i32, Option<&str>>| async move {
        log.print("gen start");
        let Ok(x) = co.yield_(1).await;
        log.print(format!("got {}", repr(x)));
        let Ok(y) = co.yield_(2).await;
        log.print(format!("got {}", repr(y)));
        "ret-val"
    })
}

#[test]
fn r40_send_rules_in_reference_order() {
    let log = Log::default();
    let g = gen(&log);
    log.print("created; nothing ran yet");
    match g.send(Some("hi")) {
        Err(GeneratorError::JustStarted) => {
            // Adapted: Python says "non-None"; greenery's unit is `()`.
            log.print("TypeError: can't send non-None value to a just-started generator")
        }
        other => panic!("expected JustStarted, got {other:?}"),
    }
    // Python's `send(None)` to a just-started generator is `next()`.
    match g.next() {
        Ok(Yielded(v)) => log.print(format!("send(None) -> {v}")),
        other => panic!("{other:?}"),
    }
    match g.send(Some("a")) {
        Ok(Yielded(v)) => log.print(format!("send('a') -> {v}")),
        other => panic!("{other:?}"),
    }
    match g.send(Some("b")) {
        Ok(Complete(value)) => log.print(format!("StopIteration.value = '{value}'")),
        other => panic!("{other:?}"),
    }
    match g.next() {
        Err(GeneratorError::Finished) => log.print("again: StopIteration.value = None"),
        other => panic!("{other:?}"),
    }
    let all: Vec<i32> = gen(&log).collect();
    log.print(format!("for-loop over gen(): {all:?}"));
    assert_eq!(
        log.lines(),
        [
            "created; nothing ran yet",
            "TypeError: can't send non-None value to a just-started generator",
            "gen start",
            "send(None) -> 1",
            "got 'a'",
            "send('a') -> 2",
            "got 'b'",
            "StopIteration.value = 'ret-val'",
            "again: StopIteration.value = None",
            "gen start",
            "got None",
            "got None",
            "for-loop over gen(): [1, 2]",
        ]
    );
}

#[test]
fn just_started_error_leaves_the_generator_unstarted() {
    let log = Log::default();
    let g = gen(&log);
    assert_eq!(g.send(Some("hi")), Err(GeneratorError::JustStarted));
    assert_eq!(g.send(Some("again")), Err(GeneratorError::JustStarted));
    assert!(log.lines().is_empty(), "the body must not run");
    assert!(!g.is_finished());
    assert_eq!(g.next(), Ok(Yielded(1)));
    assert_eq!(log.lines(), ["gen start"]);
}

#[test]
fn a_unit_send_starts_a_generator() {
    let g: Generator<&str> = Generator::new(|co| async move {
        co.yield_("first").await;
    });
    assert_eq!(g.send(()), Ok(Yielded("first")));
    assert_eq!(g.resume(()), Ok(Complete(())));
}

#[test]
fn the_return_value_is_reported_once_then_finished() {
    let g: Generator<(), String> = Generator::new(|_co| async { "value".to_string() });
    assert_eq!(g.next(), Ok(Complete("value".to_string())));
    assert!(g.is_finished());
    for _ in 0..3 {
        assert_eq!(g.next(), Err(GeneratorError::Finished));
        assert_eq!(g.send(()), Err(GeneratorError::Finished));
    }
}

#[test]
fn sending_to_a_finished_generator_is_an_error_and_drops_the_value() {
    let g: Generator<(), (), String> = Generator::new(|_co| async {});
    assert_eq!(g.next(), Ok(Complete(())));
    assert_eq!(g.send("late".into()), Err(GeneratorError::Finished));
}

#[test]
fn values_flow_both_ways_in_order() {
    let g: Generator<i64, i64, i64> = Generator::new(|co| async move {
        let mut total = 0;
        for _ in 0..3 {
            let Ok(x) = co.yield_(total).await;
            total += x;
        }
        total
    });
    assert_eq!(g.next(), Ok(Yielded(0)));
    assert_eq!(g.send(5), Ok(Yielded(5)));
    assert_eq!(g.send(-2), Ok(Yielded(3)));
    assert_eq!(g.send(10), Ok(Complete(13)));
}

#[test]
fn the_iterator_ends_when_the_body_returns_and_stays_ended() {
    let mut g: Generator<u8, &str> = Generator::new(|co| async move {
        co.yield_(1).await;
        co.yield_(2).await;
        "dropped by the iterator"
    });
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(Iterator::next(&mut g), None);
    assert_eq!(g.next(), Err(GeneratorError::Finished));
}

#[test]
fn a_body_may_yield_through_helper_async_fns() {
    async fn twice(co: &Co<u32>, v: u32) {
        co.yield_(v).await;
        co.yield_(v).await;
    }
    let g: Generator<u32> = Generator::new(|co| async move {
        twice(&co, 1).await;
        twice(&co, 2).await;
    });
    assert_eq!(g.collect::<Vec<_>>(), [1, 1, 2, 2]);
}

#[test]
fn the_producer_consumer_example_times_round_trips_with_count() {
    // target/<profile>/deps/generator_send-<hash> -> target/<profile>/examples
    let exe = std::env::current_exe().expect("test binary path");
    let examples = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target profile dir")
        .join("examples")
        .join("yield_producer_consumer");
    let run = |args: &[&str]| {
        std::process::Command::new(&examples)
            .args(args)
            .output()
            .expect("cargo test builds the examples")
    };
    let timed = run(&["--count", "1000"]);
    assert!(timed.status.success());
    let stdout = String::from_utf8_lossy(&timed.stdout);
    assert!(
        stdout.starts_with("1000 send round trips in ") && stdout.trim_end().ends_with("ns each)"),
        "{stdout}"
    );
    let bad = run(&["--count", "many"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--count needs a whole number"));
}

/// `is_running` is Python's `gi_running` / `ag_running` (`tests/gevent/generator_gi_running.py`):
/// true only inside the body, and for an async generator also while its body awaits
/// something in the middle of a resume.
#[test]
fn is_running_is_true_only_inside_the_body() {
    use std::cell::RefCell;
    use std::future::Future;
    use std::rc::Rc;
    use std::task::Poll;

    let log = Rc::new(RefCell::new(Vec::<String>::new()));
    let py = |b: bool| if b { "True" } else { "False" };
    let me: Rc<RefCell<Option<Rc<Generator<i32>>>>> = Rc::default();
    let g = Rc::new(Generator::new({
        let (me, log) = (me.clone(), log.clone());
        move |co| async move {
            let running = me.borrow().as_ref().unwrap().is_running();
            log.borrow_mut()
                .push(format!("inside: gi_running {}", py(running)));
            co.yield_(1).await;
        }
    }));
    *me.borrow_mut() = Some(g.clone());
    let say = |line: String| log.borrow_mut().push(line);
    say(format!("before: gi_running {}", py(g.is_running())));
    let Ok(Yielded(v)) = g.next() else { panic!() };
    say(format!("next -> {v}"));
    say(format!("at the yield: gi_running {}", py(g.is_running())));
    let _ = g.next();
    say(format!("after the end: gi_running {}", py(g.is_running())));
    me.borrow_mut().take();

    greenery::run({
        let log = log.clone();
        async move {
            let a: greenery::generator::AsyncGenerator<i32> =
                greenery::generator::AsyncGenerator::new(|co| async move {
                    greenery::yield_now().await;
                    co.yield_(1).await;
                });
            let mut step = std::pin::pin!(a.next());
            std::future::poll_fn(|cx| {
                assert!(step.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            log.borrow_mut().push(format!(
                "awaiting inside anext: ag_running {}",
                py(a.is_running())
            ));
            let Ok(Yielded(v)) = step.await else { panic!() };
            log.borrow_mut().push(format!("anext -> {v}"));
            log.borrow_mut()
                .push(format!("at the yield: ag_running {}", py(a.is_running())));
        }
    });
    let expected: Vec<&str> = include_str!("gevent/generator_gi_running.out")
        .lines()
        .filter(|line| !line.starts_with("[exit status"))
        .collect();
    assert_eq!(*log.borrow(), expected);
}
