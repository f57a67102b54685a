//! SEMANTICS rules 11-13: kill drops the task where it waits (destructors run), an unstarted
//! task never runs, joiners see `Killed`; killall order; what happens at exit.

mod common;

use std::time::Duration;

use common::mix::{self, for_each_mix, run_on};
use common::{paused, Finally, Log};
use greenery::time::sleep;
use std::future::Future;

use greenery::{spawn, yield_now, Task};

fn sleeper(log: &Log, name: &'static str) -> impl std::future::Future<Output = ()> {
    let log = log.clone();
    async move {
        let _finally = Finally(log.clone(), name.to_string());
        log.push(format!("{name} sleeping"));
        sleep(Duration::from_secs(10)).await;
        log.push(format!("{name} woke (never)"));
    }
}

/// Rule 11 (r12): kill drops the task at its await point; its destructors run before kill
/// returns; an unstarted task never runs; killing a finished task does nothing. Under every
/// mix of green threads and async tasks (a green thread unwinds where it waits).
#[test]
fn rule11_kill() {
    for_each_mix(
        &[
            "g sleeping",
            "g dropped",
            "killed: finished = true",
            "state after kill: killed",
            // n never ran: not even its first line.
            "killed before start: finished = true",
        ],
        |log| {
            let log = log.clone();
            run_on(&paused(), async move {
                let g = mix::spawn(sleeper(&log, "g"));
                yield_now().await;
                g.kill();
                log.push(format!("killed: finished = {}", g.is_finished()));
                g.kill(); // no-op on a finished task
                log.push(format!("state after kill: {}", g.task().state()));
                assert!(g.await.unwrap_err().is_killed());

                let n = mix::spawn(sleeper(&log, "n"));
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

/// Rule 12 (r13): killing several tasks in order runs their destructors in that order
/// (gevent's `killall`), under every mix. Unlike gevent, a kill nothing catches cannot be
/// ignored: Rust has no way to refuse a drop (see `catch_kill`).
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
                        mix::spawn(async move {
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
fn joiners_of_a_killed_task_wake_in_order_and_see_killed() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let target = spawn(std::future::pending::<()>());
            let joiners: Vec<_> = (0..2)
                .map(|i| {
                    let (log, t) = (log.clone(), target.task());
                    spawn(async move {
                        t.join().await;
                        log.push(format!("joiner {i}: {}", t.state()));
                    })
                })
                .collect();
            yield_now().await;
            target.kill();
            log.push("killed");
            greenery::joinall(joiners).await;
        }
    });
    assert_eq!(
        log.take(),
        ["killed", "joiner 0: killed", "joiner 1: killed"]
    );
}

#[test]
fn a_task_that_kills_itself_is_dropped_at_its_next_suspension() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            let h = spawn(async move {
                let _f = Finally(l.clone(), "self".to_string());
                Task::current().kill();
                l.push("still running after self-kill");
                yield_now().await;
                l.push("never");
            });
            let t = h.task();
            assert!(h.await.unwrap_err().is_killed());
            log.push(format!("state {}", t.state()));
        }
    });
    assert_eq!(
        log.take(),
        [
            "still running after self-kill",
            "self dropped",
            // the handle was consumed, the `Task` still says how it ended
            "state killed"
        ]
    );
}

#[test]
fn killing_the_main_task_does_nothing() {
    let done = greenery::run(async {
        Task::current().kill();
        yield_now().await;
        "main finished"
    });
    assert_eq!(done, "main finished");
}

#[test]
fn a_destructor_may_spawn_and_kill_during_a_kill() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            struct SpawnOnDrop(Log, greenery::Task);
            impl Drop for SpawnOnDrop {
                fn drop(&mut self) {
                    self.1.kill();
                    let log = self.0.clone();
                    spawn(async move { log.push("spawned by a destructor") });
                }
            }
            let other = spawn(std::future::pending::<()>());
            let guard = SpawnOnDrop(log.clone(), other.task());
            let h = spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            yield_now().await;
            h.kill();
            assert!(other.await.unwrap_err().is_killed());
            yield_now().await;
        }
    });
    assert_eq!(log.take(), ["spawned by a destructor"]);
}

#[test]
fn killing_a_joiner_removes_only_its_own_waiter() {
    let out = greenery::try_run(async {
        let t = spawn(async {
            sleep(Duration::from_millis(10)).await;
            "t done"
        });
        let target = t.task();
        let joiner = spawn(async move { t.await.unwrap() });
        yield_now().await; // the joiner now waits on t
        let mut main_join = std::pin::pin!(target.join());
        let mut first = true;
        std::future::poll_fn(|cx| {
            if std::mem::take(&mut first) {
                assert!(main_join.as_mut().poll(cx).is_pending());
                joiner.kill(); // drops the joiner's JoinHandle while main is current
                return std::task::Poll::Pending;
            }
            main_join.as_mut().poll(cx)
        })
        .await;
        target.state()
    });
    assert_eq!(out, Ok(greenery::task::TaskState::Finished));
}

/// Pushes its line when dropped: a `finally` block.
struct Said(Log, String);

impl Drop for Said {
    fn drop(&mut self) {
        self.0.push(self.1.clone());
    }
}

fn alive(task: &Task) -> &'static str {
    if task.is_finished() {
        "dead"
    } else {
        "alive"
    }
}

fn say(log: &Log, line: &'static str) -> impl std::future::Future<Output = ()> + 'static {
    let log = log.clone();
    async move { log.push(line) }
}

/// Rules 11-12 with a kill that is caught (`tests/gevent/kill_caught.py`): a kill caught by
/// `catch_kill` travels through the back of the run queue like gevent's; `kill().await` waits
/// for the end, a kill that is not awaited returns at once; `kill_with` gives the joiner a
/// reason; a caught kill can be ignored, so `kill_timeout` returns with the task alive; a task
/// that kills itself sees the kill at its next suspension.
#[test]
fn rule12_a_caught_kill_goes_through_the_run_queue() {
    let log = Log::new();
    paused().block_on({
        let log = log.clone();
        async move {
            let sleeper = |name: &'static str| {
                let log = log.clone();
                async move {
                    let _finally = Said(log.clone(), format!("{name} finally"));
                    log.push(format!("{name} sleeping"));
                    let sleeping = sleep(Duration::from_secs(10));
                    if greenery::catch_kill(sleeping).await.is_err() {
                        log.push(format!("{name} caught the kill"));
                    }
                }
            };
            let g = spawn(sleeper("g")).task();
            yield_now().await;
            spawn(say(&log, "queued before the kill"));
            log.push("kill()");
            g.kill().await;
            log.push(format!("kill() returned; {}", alive(&g)));

            log.push("---");
            let b = spawn(sleeper("b")).task();
            yield_now().await;
            spawn(say(&log, "queued before the kill"));
            b.kill();
            log.push(format!("kill(block=False) returned; {}", alive(&b)));
            spawn(say(&log, "queued after the kill"));
            yield_now().await;
            log.push(format!("after sleep(0): {}", alive(&b)));

            log.push("--- kill with a reason, nothing catches it");
            let c = spawn({
                let log = log.clone();
                async move {
                    let _finally = Said(log.clone(), "c finally".into());
                    log.push("c sleeping");
                    sleep(Duration::from_secs(10)).await;
                }
            })
            .task();
            yield_now().await;
            c.kill_with("halt").await;
            let error = c.error().unwrap();
            let outcome = if c.is_successful() {
                "successful"
            } else {
                "failed"
            };
            log.push(format!(
                "joiner sees: {} | {outcome}",
                error.kill_reason().unwrap()
            ));

            log.push("--- caught and ignored");
            let s = spawn({
                let log = log.clone();
                async move {
                    let sleeping = sleep(Duration::from_secs(10));
                    if greenery::catch_kill(sleeping).await.is_err() {
                        log.push("stubborn caught the kill");
                        sleep(Duration::from_millis(50)).await;
                        log.push("stubborn finishing");
                    }
                    "ret"
                }
            });
            yield_now().await;
            let dead = s.task().kill_timeout(Duration::from_millis(10)).await;
            assert!(!dead);
            log.push(format!("kill(timeout=0.01) returned; {}", alive(&s.task())));
            s.task().join().await;
            log.push(format!("value {}", s.value().unwrap()));

            log.push("--- a greenlet that kills itself");
            let l = log.clone();
            spawn(async move {
                let body = async {
                    l.push("before kill");
                    Task::current().kill();
                    l.push("after kill(block=False)");
                    yield_now().await;
                    l.push("never");
                };
                if greenery::catch_kill(body).await.is_err() {
                    l.push("caught at the next block");
                }
            })
            .await
            .unwrap();
            log.push("end");
        }
    });
    log.assert(&common::gevent(include_str!("gevent/kill_caught.out")));
}

/// The kill goes to the innermost scope; a second kill before the task has seen the first goes
/// to the next one out; a scope dropped before it saw its kill passes it on, here to the task.
#[test]
fn nested_scopes_take_kills_innermost_first_and_none_is_lost() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            let h = spawn(async move {
                let inner = greenery::catch_kill(std::future::pending::<()>());
                let outer = greenery::catch_kill(async {
                    let r = inner.await;
                    l.push(format!("inner: {r:?}"));
                    std::future::pending::<()>().await;
                });
                let r = outer.await;
                l.push(format!("outer: {r:?}"));
                "survived"
            });
            yield_now().await;
            h.kill_with("first");
            h.kill_with("second");
            assert_eq!(h.await.unwrap(), "survived");

            let l = log.clone();
            let h = spawn(async move {
                let _finally = Said(l.clone(), "body dropped".into());
                let mut scope = Some(Box::pin(greenery::catch_kill(std::future::pending::<()>())));
                // The scope is polled once (it enters); woken by the kill, the task drops it
                // before it could see the kill.
                let mut entered = false;
                std::future::poll_fn(|cx| {
                    if std::mem::replace(&mut entered, true) {
                        scope = None;
                        return std::task::Poll::Ready(());
                    }
                    let s = scope.as_mut().expect("kept until the second poll");
                    assert!(s.as_mut().poll(cx).is_pending());
                    std::task::Poll::Pending
                })
                .await;
                l.push("scope dropped");
                yield_now().await;
                l.push("never");
            });
            yield_now().await;
            h.kill();
            assert!(h.await.unwrap_err().is_killed());
        }
    });
    log.assert(
        r#"inner: Err(Killed("first"))
           outer: Err(Killed("second"))
           scope dropped
           body dropped"#,
    );
}

/// A runtime being dropped drops every task, whatever `catch_kill` scope it waits in.
#[test]
fn a_dropped_runtime_drops_tasks_inside_catch_kill() {
    let log = Log::new();
    let rt = greenery::Runtime::new().unwrap();
    let h = rt.spawn({
        let log = log.clone();
        async move {
            let _finally = Said(log.clone(), "dropped".into());
            let _ = greenery::catch_kill(std::future::pending::<()>()).await;
            log.push("never");
        }
    });
    rt.block_on(yield_now());
    drop(rt);
    log.assert("dropped");
    assert_eq!(h.task().state(), greenery::task::TaskState::Killed);
}

/// A kill that arrives during the poll in which the scope's future completes is not lost: the
/// scope returns the value and passes the kill on (here to the task, at its next suspension).
#[test]
fn a_kill_during_the_scopes_last_poll_is_passed_on() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            let h = spawn(async move {
                let _finally = Said(l.clone(), "task dropped".into());
                let r = greenery::catch_kill(async {
                    Task::current().kill();
                    "done"
                })
                .await;
                l.push(format!("scope: {r:?}"));
                yield_now().await;
                l.push("never");
            });
            assert!(h.await.unwrap_err().is_killed());
        }
    });
    log.assert(
        r#"scope: Ok("done")
           task dropped"#,
    );
}
