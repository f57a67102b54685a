//! SEMANTICS rules 1-15 for green threads and for every mix of green threads and async tasks.
//!
//! Each scenario is written once with async bodies and run under four mixes: all async (the
//! reference, as in `scheduling_order.rs`), all green, and alternating green/async in both
//! phases. A green task runs its body with `green::block_on` on a stack of its own, so every
//! wait in it is a plain blocking call on that stack; the traces must be identical, which is
//! what "green threads are scheduled by the same executor under the same rules" means.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use common::{paused, Finally, Log};
use greenery::task::TaskState;
use greenery::time::sleep;
use greenery::{green, joinall, yield_now, JoinHandle};

const MS: Duration = Duration::from_millis(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mix {
    Async,
    Green,
    GreenFirst,
    AsyncFirst,
}

const MIXES: [Mix; 4] = [Mix::Async, Mix::Green, Mix::GreenFirst, Mix::AsyncFirst];

thread_local! {
    static MIX: Cell<(Mix, usize)> = const { Cell::new((Mix::Async, 0)) };
    /// Green threads started under the current mix (each checks it really is one).
    static GREENS: Cell<usize> = const { Cell::new(0) };
}

/// Runs `body` as a green thread's whole life, checking it is one.
fn as_green<F: Future>(body: F) -> F::Output {
    assert!(green::is_green());
    GREENS.with(|n| n.set(n.get() + 1));
    green::block_on(body)
}

/// Whether the next spawn (or main, for `index == usize::MAX`) is a green thread.
fn next_is_green() -> bool {
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

/// Spawns `body` as an async task or as a green thread that blocks on it, as the mix says.
fn spawn<F>(body: F) -> JoinHandle<F::Output>
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

/// Runs `main` (as the first member of the mix) on `rt`.
fn run_on<F>(rt: &greenery::Runtime, main: F) -> F::Output
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

/// Runs `scenario` once per mix and checks each trace against `expected`.
#[track_caller]
fn for_each_mix(expected: &[&str], scenario: impl Fn(&Log)) {
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

fn real() -> greenery::Runtime {
    greenery::Runtime::new().unwrap()
}

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

#[test]
fn rule02_yield_round_robin() {
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

#[test]
fn rule07_joinall_and_wait() {
    for_each_mix(
        &[
            "y z x",
            "wait 30ms: [1]",
            "count 1: [1]",
            "all: [1, 2, 0]",
            "x y z",
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
            });
        },
    );
}

#[test]
fn rule08_a_panic_is_delivered_to_the_joiner_and_the_loop_goes_on() {
    std::panic::set_hook(Box::new(|_| {}));
    for_each_mix(&["joiner got: task panicked: boom", "other ran"], |log| {
        let log = log.clone();
        run_on(&real(), async move {
            let failing = spawn(async {
                yield_now().await;
                panic!("boom");
            });
            let l = log.clone();
            let other = spawn(async move {
                yield_now().await;
                yield_now().await;
                l.push("other ran");
            });
            let err = failing.await.unwrap_err();
            log.push(format!("joiner got: {err}"));
            other.await.unwrap();
        });
    });
}

#[test]
fn rule11_kill_runs_destructors_where_the_task_waits() {
    for_each_mix(
        &[
            "g sleeping",
            "g dropped",
            "killed: finished = true",
            "state after kill: killed",
            "killed before start: finished = true",
        ],
        |log| {
            let log = log.clone();
            run_on(&paused(), async move {
                let sleeper = |name: &'static str| {
                    let log = log.clone();
                    async move {
                        let _finally = Finally(log.clone(), name.to_string());
                        log.push(format!("{name} sleeping"));
                        sleep(Duration::from_secs(10)).await;
                        log.push(format!("{name} woke (never)"));
                    }
                };
                let g = spawn(sleeper("g"));
                yield_now().await;
                g.kill();
                log.push(format!("killed: finished = {}", g.is_finished()));
                log.push(format!("state after kill: {}", g.task().state()));
                assert!(g.await.unwrap_err().is_killed());
                let n = spawn(sleeper("n"));
                n.kill();
                log.push(format!(
                    "killed before start: finished = {}",
                    n.is_finished()
                ));
                yield_now().await;
                assert!(n.await.unwrap_err().is_killed());
            });
        },
    );
}

#[test]
fn rule12_killall_in_order() {
    for_each_mix(
        &[
            "killed 0 dropped",
            "killed 1 dropped",
            "killed 2 dropped",
            "all finished: true",
        ],
        |log| {
            let log = log.clone();
            run_on(&paused(), async move {
                let ws: Vec<_> = (0..3)
                    .map(|i| {
                        let log = log.clone();
                        spawn(async move {
                            let _f = Finally(log, format!("killed {i}"));
                            sleep(Duration::from_secs(10)).await;
                        })
                    })
                    .collect();
                yield_now().await;
                ws.iter().for_each(|w| {
                    w.kill();
                });
                log.push(format!(
                    "all finished: {}",
                    ws.iter().all(|w| w.is_finished())
                ));
            });
        },
    );
}

#[test]
fn rule13_tasks_alive_at_the_end_are_dropped_in_spawn_order() {
    for_each_mix(
        &[
            "main ends",
            "first dropped",
            "second dropped",
            "never started dropped",
        ],
        |log| {
            let log = log.clone();
            run_on(&real(), async move {
                for name in ["first", "second"] {
                    let guard = Finally(log.clone(), name.to_string());
                    spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await;
                    });
                }
                yield_now().await;
                let guard = Finally(log.clone(), "never started".to_string());
                spawn(async move {
                    let _guard = guard;
                    unreachable!("spawned after main's last yield");
                });
                log.push("main ends");
            });
        },
    );
}

/// Like [`spawn`], named.
fn spawn_named<F>(name: &str, body: F) -> JoinHandle<F::Output>
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

/// Like [`run_on`], reporting LoopExit as an error.
fn try_run_on<F>(rt: &greenery::Runtime, main: F) -> Result<F::Output, greenery::LoopExit>
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

#[test]
fn rule14_loop_exit_names_every_blocked_task() {
    for_each_mix(
        &[
            "main (waiting)",
            "task #1 'reader' (waiting)",
            "task #2 (waiting)",
            "task #3 (unstarted)",
        ],
        |log| {
            let exit = try_run_on(&real(), async {
                let _a = spawn_named("reader", std::future::pending::<()>());
                let b = spawn(std::future::pending::<()>());
                let _c = greenery::task::Builder::new().spawn_unstarted(async {});
                b.await
            })
            .unwrap_err();
            assert!(exit
                .to_string()
                .starts_with("This operation would block forever"));
            for task in exit.blocked() {
                log.push(task.to_string());
            }
        },
    );
}

#[test]
fn rule15_a_pending_timer_is_not_loop_exit() {
    for_each_mix(&["slept", "done"], |log| {
        let log = log.clone();
        run_on(&paused(), async move {
            let l = log.clone();
            let sleeper = spawn(async move {
                sleep(Duration::from_secs(3600)).await;
                l.push("slept");
            });
            sleeper.await.unwrap();
            log.push("done");
        });
    });
}

#[test]
fn a_green_thread_blocks_only_itself() {
    // Written the green way: plain calls, no async.
    let log = Log::new();
    paused().block_on(green::thread({
        let log = log.clone();
        move || {
            let l = log.clone();
            let ticker = green::spawn(move || {
                for i in 0..3 {
                    l.push(format!("tick {i}"));
                    green::sleep(10 * MS);
                }
            });
            let l = log.clone();
            let asynchronous = greenery::spawn(async move {
                sleep(15 * MS).await;
                l.push("async task woke");
            });
            log.push("main sleeps 25 ms");
            green::sleep(25 * MS);
            log.push("main woke");
            ticker.join().unwrap();
            green::block_on(asynchronous).unwrap();
            assert_eq!(greenery::Task::current().state(), TaskState::Running);
        }
    }));
    log.assert(
        "main sleeps 25 ms
         tick 0
         tick 1
         async task woke
         tick 2
         main woke",
    );
}
