//! SEMANTICS rules 1-7: the run queue, `yield_now`, timers, `idle`, join and joinall order.
//! Each test ports the real gevent output of `../shared/reference/semantics/rNN_*.out` and
//! runs under every mix of green threads and async tasks (`common::mix`): the same trace each
//! time.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::mix::{self, for_each_mix, real, run_on, spawn};
use common::paused;
use greenery::sync::Event;
use greenery::time::sleep;
use greenery::{joinall, yield_now};

const MS: Duration = Duration::from_millis(1);

/// Rule 1 (r01): spawn only schedules; spawned tasks start in spawn order when the spawner
/// yields, and the spawner resumes after them.
#[test]
fn rule01_spawn_is_deferred() {
    for_each_mix(
        &[
            "after spawn: state = scheduled | finished = false",
            "main still running",
            "run a",
            "run b",
            "run c",
            "main resumed",
        ],
        |log| {
            let log = log.clone();
            run_on(&real(), async move {
                let f = |name: &'static str| {
                    let log = log.clone();
                    async move { log.push(format!("run {name}")) }
                };
                let a = spawn(f("a"));
                let _b = spawn(f("b"));
                log.push(format!(
                    "after spawn: state = {} | finished = {}",
                    a.task().state(),
                    a.is_finished()
                ));
                let _c = spawn(f("c"));
                log.push("main still running");
                yield_now().await;
                log.push("main resumed");
            });
        },
    );
}

/// Rule 2 (r02): `yield_now` goes to the back of the FIFO; main is an ordinary member.
#[test]
fn rule02_yield_now_round_robin() {
    for_each_mix(
        &[
            "main 0", "A 0", "B 0", "C 0", "main 1", "A 1", "B 1", "C 1", "A 2", "B 2", "C 2",
            "done",
        ],
        |log| {
            let log = log.clone();
            run_on(&real(), async move {
                let worker = |name: &'static str| {
                    let log = log.clone();
                    async move {
                        for i in 0..3 {
                            log.push(format!("{name} {i}"));
                            yield_now().await;
                        }
                    }
                };
                let gs: Vec<_> = ["A", "B", "C"].map(|n| spawn(worker(n))).into();
                for i in 0..2 {
                    log.push(format!("main {i}"));
                    yield_now().await;
                }
                joinall(gs).await;
                log.push("done");
            });
        },
    );
}

/// Rule 3 (r03): the run queue is drained before due timers: a `yield_now` caller resumes
/// before a sleeper whose timer is already due.
#[test]
fn rule03_run_queue_before_due_timers() {
    for_each_mix(&["sleep(0) resumed", "sleep(0.01) resumed"], |log| {
        let log = log.clone();
        run_on(&real(), async move {
            let sleeper = |d: Duration, name: &'static str| {
                let log = log.clone();
                async move {
                    sleep(d).await;
                    log.push(format!("{name} resumed"));
                }
            };
            let a = spawn(sleeper(10 * MS, "sleep(0.01)"));
            yield_now().await;
            std::thread::sleep(20 * MS); // blocking: a's timer is due
            let b = spawn(sleeper(Duration::ZERO, "sleep(0)"));
            joinall([a, b]).await;
        });
    });
}

/// Rule 4 (r04): timers fire in deadline order; equal sleeps wake in start order; due timers
/// fire before the wake-ups they cause.
#[test]
fn rule04_timer_order() {
    for_each_mix(
        &["s1 woke", "s2 woke", "s3 woke", "short woke", "long woke"],
        |log| {
            let log = log.clone();
            run_on(&paused(), async move {
                let sleeper = |name: &'static str, d: Duration| {
                    let log = log.clone();
                    async move {
                        sleep(d).await;
                        log.push(format!("{name} woke"));
                    }
                };
                joinall(["s1", "s2", "s3"].map(|n| spawn(sleeper(n, 20 * MS)))).await;
                joinall([
                    spawn(sleeper("long", 30 * MS)),
                    spawn(sleeper("short", 10 * MS)),
                ])
                .await;
            });
        },
    );
    for_each_mix(
        &[
            "main blocks now",
            "A(0.01) woke",
            "B(0.02) woke",
            "joiner of A resumed",
        ],
        |log| {
            let log = log.clone();
            run_on(&real(), async move {
                let sleeper = |name: &'static str, d: Duration| {
                    let log = log.clone();
                    async move {
                        sleep(d).await;
                        log.push(format!("{name} woke"));
                    }
                };
                let a = spawn(sleeper("A(0.01)", 10 * MS));
                let b = spawn(sleeper("B(0.02)", 20 * MS));
                let a_task = a.task();
                let j = spawn({
                    let log = log.clone();
                    async move {
                        a_task.join().await;
                        log.push("joiner of A resumed");
                    }
                });
                yield_now().await;
                std::thread::sleep(50 * MS); // both timers become due
                log.push("main blocks now");
                joinall([a, b, j]).await;
            });
        },
    );
}

/// Rule 5 (r05): `idle` resumes once the run queue is empty, before timers not yet due.
#[test]
fn rule05_idle() {
    for_each_mix(
        &[
            "idler: idle()",
            "yielder 0",
            "yielder 1",
            "yielder 2",
            "idler resumed",
            "timed woke",
        ],
        |log| {
            let log = log.clone();
            run_on(&paused(), async move {
                let l = log.clone();
                let idler = spawn(async move {
                    l.push("idler: idle()");
                    greenery::idle().await;
                    l.push("idler resumed");
                });
                let l = log.clone();
                let yielder = spawn(async move {
                    for i in 0..3 {
                        l.push(format!("yielder {i}"));
                        yield_now().await;
                    }
                });
                let l = log.clone();
                let timed = spawn(async move {
                    sleep(10 * MS).await;
                    l.push("timed woke");
                });
                joinall([idler, yielder, timed]).await;
            });
        },
    );
}

/// Rule 6 (r07): joiners resume in join order after the target ends; joining a finished task
/// does not yield.
#[test]
fn rule06_join_wake_order() {
    for_each_mix(
        &[
            "main joining",
            "target start",
            "joiner 0 joining",
            "joiner 1 joining",
            "joiner 2 joining",
            "target end",
            "main resumed",
            "joiner 0 resumed",
            "joiner 1 resumed",
            "joiner 2 resumed",
            "join on finished task returned before late ran",
            "late task ran",
            "value T",
        ],
        |log| {
            let log = log.clone();
            run_on(&paused(), async move {
                let l = log.clone();
                let t = spawn(async move {
                    l.push("target start");
                    sleep(10 * MS).await;
                    l.push("target end");
                    "T"
                });
                let target = t.task();
                let js: Vec<_> = (0..3)
                    .map(|i| {
                        let (l, target) = (log.clone(), target.clone());
                        spawn(async move {
                            l.push(format!("joiner {i} joining"));
                            target.join().await;
                            l.push(format!("joiner {i} resumed"));
                        })
                    })
                    .collect();
                log.push("main joining");
                target.join().await;
                log.push("main resumed");
                joinall(js).await;
                let l = log.clone();
                let _late = spawn(async move { l.push("late task ran") });
                target.join().await;
                log.push("join on finished task returned before late ran");
                yield_now().await;
                log.push(format!("value {}", t.await.unwrap()));
            });
        },
    );
}

/// Rule 7 (r08): joinall returns finished-first (input order) then completion order; `wait`
/// with a timeout or a count; `try_joinall` returns the first failure and kills nothing.
#[test]
fn rule07_joinall() {
    std::panic::set_hook(Box::new(|_| {}));
    for_each_mix(
        &[
            "y z x",
            "wait 30ms: [1]",
            "count 1: [1]",
            "all: [1, 2, 0]",
            "x y z",
            "first failure: bad1",
            "running: [true, true, false]",
        ],
        |log| {
            let log = log.clone();
            run_on(&paused(), async move {
                let w = |name: &'static str, d: u32| {
                    spawn(async move {
                        sleep(MS * d).await;
                        name
                    })
                };
                let names = |results: Vec<Result<&'static str, greenery::JoinError>>| {
                    results
                        .into_iter()
                        .map(Result::unwrap)
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                log.push(names(
                    joinall(vec![w("x", 60), w("y", 20), w("z", 40)]).await,
                ));
                let gs = vec![w("x", 60), w("y", 20), w("z", 40)];
                let tasks: Vec<_> = gs.iter().map(|g| g.task()).collect();
                let done = greenery::wait(&tasks, Some(30 * MS), None).await;
                log.push(format!("wait 30ms: {done:?}"));
                let done = greenery::wait(&tasks, None, Some(1)).await;
                log.push(format!("count 1: {done:?}"));
                let done = greenery::wait(&tasks, None, None).await;
                log.push(format!("all: {done:?}"));
                log.push(names(joinall(gs).await));

                // try_joinall: the first failure in completion order; the others go on.
                let fail = |name: &'static str, d: u32| {
                    spawn(async move {
                        sleep(MS * d).await;
                        if name.starts_with("bad") {
                            std::panic::panic_any(name);
                        }
                        name
                    })
                };
                let gs = vec![fail("ok", 60), fail("bad2", 40), fail("bad1", 20)];
                let tasks: Vec<_> = gs.iter().map(|g| g.task()).collect();
                let err = greenery::try_joinall(gs).await.unwrap_err();
                let first = err.into_panic().downcast::<&str>().unwrap();
                log.push(format!("first failure: {first}"));
                let running: Vec<bool> = tasks.iter().map(|t| !t.is_finished()).collect();
                log.push(format!("running: {running:?}"));
                greenery::wait(&tasks, None, None).await;
            });
        },
    );
}

/// Rule 3, second half: a task spinning on `yield_now` cannot keep a due timer from firing.
/// With a zero switch interval the bound is exact: the clock is read every 32 polls, so the
/// spinner sees the timer's effect within 32 polls (plus the timed task's own turn) of the
/// timer becoming due. (gevent's bound is its 5 ms switch interval, greenery's default.)
#[test]
fn rule03_spinning_task_does_not_starve_timers() {
    let rt = greenery::Builder::new()
        .switch_interval(Duration::ZERO)
        .build()
        .unwrap();
    let spins_after_due = rt.block_on(async {
        let flag = std::rc::Rc::new(std::cell::Cell::new(false));
        let timed = greenery::spawn({
            let flag = flag.clone();
            async move {
                sleep(MS).await;
                flag.set(true);
            }
        });
        yield_now().await; // the timer is armed
        let spinner = greenery::spawn(async move {
            let mut spins = 0u64;
            std::thread::sleep(2 * MS); // blocking: the timer is now due
            while !flag.get() {
                spins += 1;
                yield_now().await;
            }
            spins
        });
        let spins = spinner.await.unwrap();
        timed.await.unwrap();
        spins
    });
    assert!(
        (1..=34).contains(&spins_after_due),
        "the due timer fired after {spins_after_due} spins"
    );
}

/// Two tasks finishing in the same loop iteration are returned by joinall in completion
/// order, not input order.
#[test]
fn joinall_orders_simultaneous_completions_by_completion() {
    paused().block_on(async {
        let late = greenery::spawn(async {
            sleep(10 * MS).await;
            yield_now().await;
            "second"
        });
        let early = greenery::spawn(async {
            sleep(10 * MS).await;
            "first"
        });
        let got: Vec<_> = joinall([late, early])
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, ["first", "second"]);
    });
}

/// Rule 7 (`tests/gevent/joinall_resumes_at_the_last_notification.py`, a divergence the
/// differential fuzzer found): joinall is resumed by each task's end notification in turn and
/// returns from the last one it needs; t3's end is notified after the pass of the event t3
/// set, so main ends the program before t1's joinall returns.
#[test]
fn rule07_joinall_returns_at_the_last_end_notification_it_needs() {
    let out = include_str!("gevent/joinall_resumes_at_the_last_notification.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        run_on(&paused(), async move {
            let e = Event::new();
            let gs: Rc<RefCell<Vec<greenery::Task>>> = Rc::default();
            log.push("main start");
            spawn({
                let (gs, log) = (gs.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    let tasks = gs.borrow().clone();
                    let done = greenery::wait(&tasks, None, None).await;
                    log.push(format!("t1 joinall {}", names(&done, &[2, 3])));
                    log.push("t1 end");
                }
            });
            let t2 = spawn({
                let log = log.clone();
                async move {
                    log.push("t2 start");
                    log.push("t2 end");
                }
            });
            let t3 = spawn({
                let (e, log) = (e.clone(), log.clone());
                async move {
                    log.push("t3 start");
                    e.set();
                    log.push("t3 set e");
                    log.push("t3 end");
                }
            });
            gs.borrow_mut().extend([t2.task(), t3.task()]);
            e.wait().await;
            log.push("main wait e true");
            log.push("main end");
        });
    });
}

/// Rules 6-7 (`tests/gevent/joinall_resumes_after_earlier_joiners.py`, found by the
/// differential fuzzer): a task's end is notified to its joiners in the order they joined;
/// t2's joinall, resumed by t3's end, still waits for t1's, whose pass resumes main (which
/// joined t1 first) before it, and main ends the program.
#[test]
fn rule07_joinall_resumes_after_the_earlier_joiners_of_the_last_task() {
    let out = include_str!("gevent/joinall_resumes_after_earlier_joiners.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        run_on(&paused(), async move {
            let e = Event::new();
            let g: Rc<RefCell<Vec<greenery::Task>>> = Rc::default();
            log.push("main start");
            let t1 = spawn({
                let (g, log) = (g.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    yield_now().await;
                    log.push("t1 yielded");
                    let t3 = g.borrow()[1].clone();
                    t3.kill().await;
                    log.push("t1 kill t3");
                    log.push("t1 end");
                }
            });
            let t3 = spawn({
                let (e, log) = (e.clone(), log.clone());
                async move {
                    log.push("t3 start");
                    let _killed = common::Said(log.clone(), "t3 killed"); // never ends otherwise
                    e.wait().await;
                }
            });
            spawn({
                let (g, log) = (g.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    let tasks = g.borrow().clone();
                    let done = greenery::wait(&tasks, None, None).await;
                    log.push(format!("t2 joinall {}", names(&done, &[1, 3])));
                    log.push("t2 end");
                }
            });
            g.borrow_mut().extend([t1.task(), t3.task()]);
            t1.await.unwrap();
            log.push("main join t1 done");
            log.push("main end");
        });
    });
}

/// Rule 7 with a count (`tests/gevent/joinall_count_resumes_at_the_nth_notification.py`,
/// found by the differential fuzzer): `count=2` returns from the pass of the second task to
/// end, after the joiners the first one's pass resumed.
#[test]
fn rule07_joinall_with_a_count_returns_at_the_nth_end_notification() {
    let out = include_str!("gevent/joinall_count_resumes_at_the_nth_notification.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        run_on(&paused(), async move {
            let g: Rc<RefCell<Vec<greenery::Task>>> = Rc::default();
            log.push("main start");
            let t1 = spawn({
                let log = log.clone();
                async move {
                    log.push("t1 start");
                    let _killed = common::Said(log.clone(), "t1 killed"); // never ends otherwise
                    sleep(15 * MS).await;
                }
            });
            let t3 = spawn({
                let (g, log) = (g.clone(), log.clone());
                async move {
                    log.push("t3 start");
                    let t1 = g.borrow()[0].clone();
                    let done = greenery::wait(&[t1], None, None).await;
                    log.push(format!("t3 joinall {}", names(&done, &[1])));
                    log.push("t3 end");
                }
            });
            let t2 = spawn({
                let (g, log) = (g.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    let t1 = g.borrow()[0].clone();
                    t1.kill().await;
                    log.push("t2 kill t1");
                    log.push("t2 end");
                }
            });
            g.borrow_mut().extend([t1.task(), t2.task(), t3.task()]);
            let tasks = g.borrow().clone();
            let done = greenery::wait(&tasks, None, Some(2)).await;
            log.push(format!("main joinall {}", names(&done, &[1, 2, 3])));
            log.push("main end");
        });
    });
}

/// Rule 7 with a count (`tests/gevent/joinall_count_returns_exactly_n.py`, found by the
/// differential fuzzer): `count=1` returns one task, even when more have ended.
#[test]
fn rule07_joinall_with_a_count_returns_exactly_that_many() {
    let out = include_str!("gevent/joinall_count_returns_exactly_n.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        run_on(&paused(), async move {
            log.push("main start");
            let gs: Vec<_> = ["t1", "t2"]
                .into_iter()
                .map(|name| {
                    let log = log.clone();
                    spawn(async move {
                        log.push(format!("{name} start"));
                        log.push(format!("{name} end"));
                    })
                })
                .collect();
            yield_now().await;
            let tasks: Vec<_> = gs.iter().map(|g| g.task()).collect();
            let done = greenery::wait(&tasks, None, Some(1)).await;
            log.push(format!("main joinall {}", names(&done, &[1, 2])));
            log.push("main end");
        });
    });
}

/// The names `tN` of the tasks at `done` (indices into `numbers`, the tasks' N).
fn names(done: &[usize], numbers: &[usize]) -> String {
    let names: Vec<String> = done.iter().map(|&i| format!("t{}", numbers[i])).collect();
    names.join(" ")
}
