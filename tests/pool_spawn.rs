//! Pool and Group: SEMANTICS rule 25 (spawn blocks; FIFO admission), rule 27 (apply_async,
//! greenery's tracked variant), join/kill/len/free_count, bad input, random interleavings.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use common::{run_paused, Log, XorShift};
use greenery::pool::{Group, Pool, ZeroSize};
use greenery::time::sleep;
use greenery::{spawn, yield_now};

/// Port of semantics/r22_pool.
#[test]
fn rule25_spawn_blocks_while_full_and_spawners_are_admitted_fifo() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let pool = Pool::new(1).unwrap();
            let job = {
                let log = log.clone();
                move |name: String| {
                    let log = log.clone();
                    async move {
                        log.push(format!("job {name} start"));
                        sleep(Duration::from_millis(10)).await;
                        log.push(format!("job {name} end"));
                    }
                }
            };
            pool.spawn(job("first".into())).await;
            log.push(format!("free_count after one spawn: {}", pool.free_count()));
            let spawners: Vec<_> = ["a", "b", "c"]
                .into_iter()
                .map(|name| {
                    let (pool, log, job) = (pool.clone(), log.clone(), job.clone());
                    spawn(async move {
                        log.push(format!("spawner {name} waiting for a slot"));
                        pool.spawn(job(name.to_string())).await;
                        log.push(format!("spawner {name} admitted"));
                    })
                })
                .collect();
            greenery::joinall(spawners).await;
            pool.join().await;
            log.push(format!("pool.join() returned; len {}", pool.len()));
        }
    });
    log.assert(
        "free_count after one spawn: 0
         job first start
         spawner a waiting for a slot
         spawner b waiting for a slot
         spawner c waiting for a slot
         job first end
         spawner a admitted
         job a start
         job a end
         spawner b admitted
         job b start
         job b end
         spawner c admitted
         job c start
         job c end
         pool.join() returned; len 0",
    );
}

/// semantics/r24_pool_apply_async, with greenery's deliberate difference from gevent:
/// work queued by apply_async on a full pool is tracked, so `len` counts it (4, gevent: 2)
/// and `join` waits for it (gevent returns with only the first two ready).
#[test]
fn rule27_apply_async_never_blocks_and_stays_tracked() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let pool = Pool::new(2).unwrap();
            let slow = |i: u32| {
                let log = log.clone();
                async move {
                    log.push(format!("slow {i} start"));
                    sleep(Duration::from_millis(20)).await;
                    log.push(format!("slow {i} end"));
                    i
                }
            };
            let rs: Vec<_> = (0..4).map(|i| pool.apply_async(slow(i))).collect();
            log.push(format!(
                "4 apply_async calls returned at once; pool len {} | free {}",
                pool.len(),
                pool.free_count()
            ));
            pool.join().await;
            log.push(format!(
                "pool.join() returned; ready: {:?}",
                rs.iter().map(|r| r.is_finished()).collect::<Vec<_>>()
            ));
            let values: Vec<u32> = greenery::try_joinall(rs).await.unwrap();
            log.push(format!("values {values:?}"));
            log.push(format!("apply -> {}", pool.apply(slow(9)).await.unwrap()));
        }
    });
    log.assert(
        "4 apply_async calls returned at once; pool len 4 | free 0
         slow 0 start
         slow 1 start
         slow 0 end
         slow 1 end
         slow 2 start
         slow 3 start
         slow 2 end
         slow 3 end
         pool.join() returned; ready: [true, true, true, true]
         values [0, 1, 2, 3]
         slow 9 start
         slow 9 end
         apply -> 9",
    );
}

#[test]
fn queued_apply_async_and_blocked_spawners_share_one_fifo_line() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let pool = Pool::new(1).unwrap();
            let job = |name: &'static str| {
                let log = log.clone();
                async move {
                    log.push(name);
                    sleep(Duration::from_millis(1)).await;
                }
            };
            pool.spawn(job("first")).await;
            let queued = pool.apply_async(job("queued"));
            let p = pool.clone();
            let j = job("spawned");
            let spawner = spawn(async move {
                p.spawn(j).await;
            });
            yield_now().await; // the spawner starts waiting for a slot
            pool.apply_async(job("queued later"));
            spawner.await.unwrap();
            pool.join().await;
            assert!(queued.is_finished());
        }
    });
    log.assert("first\nqueued\nspawned\nqueued later");
}

#[test]
fn apply_async_with_calls_back_with_the_result() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let pool = Pool::new(2).unwrap();
            for i in 0..3u32 {
                let l = log.clone();
                pool.apply_async_with(
                    async move {
                        sleep(Duration::from_millis(10 * u64::from(i))).await;
                        i + 100
                    },
                    move |v| l.push(v.to_string()),
                );
            }
            log.push("end");
            pool.join().await;
        }
    });
    log.assert("end\n100\n101\n102");
}

#[test]
fn pool_of_size_zero_is_an_error() {
    assert_eq!(Pool::new(0).unwrap_err(), ZeroSize);
    assert_eq!(ZeroSize.to_string(), "a pool needs a size of at least 1");
}

#[test]
fn spawn_and_join_with_timeouts() {
    run_paused(async {
        let pool = Pool::new(1).unwrap();
        pool.spawn(sleep(Duration::from_secs(60))).await;
        // the blocking spawn gives up; its future is dropped, nothing is spawned
        let ran = Rc::new(Cell::new(false));
        let r = ran.clone();
        let attempt = greenery::time::timeout(
            Duration::from_millis(5),
            pool.spawn(async move { r.set(true) }),
        )
        .await;
        assert!(attempt.is_err());
        assert!(!pool.join_timeout(Duration::from_millis(5)).await);
        assert_eq!(pool.len(), 1);
        pool.kill();
        assert!(pool.join_timeout(Duration::ZERO).await);
        assert_eq!(pool.free_count(), 1);
        yield_now().await;
        assert!(!ran.get());
    });
}

#[test]
fn a_killed_blocked_spawner_leaves_the_line() {
    let log = Log::new();
    run_paused({
        let log = log.clone();
        async move {
            let pool = Pool::new(1).unwrap();
            pool.spawn(sleep(Duration::from_millis(10))).await;
            let spawners: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|name| {
                    let (pool, log) = (pool.clone(), log.clone());
                    spawn(async move {
                        let l = log.clone();
                        pool.spawn(async move { l.push(format!("job {name}")) })
                            .await;
                    })
                })
                .collect();
            yield_now().await;
            spawners[0].kill();
            greenery::joinall(spawners).await;
            pool.join().await;
        }
    });
    log.assert("job b");
}

#[test]
fn kill_kills_every_task_in_spawn_order_and_frees_the_slots() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let pool = Pool::new(2).unwrap();
            for name in ["a", "b", "queued"] {
                let finally = common::Finally(log.clone(), name.to_string());
                pool.apply_async(async move {
                    let _f = finally;
                    std::future::pending::<()>().await;
                });
            }
            yield_now().await;
            pool.kill();
            assert!(pool.is_empty());
            assert_eq!(pool.free_count(), 2);
        }
    });
    log.assert("a dropped\nb dropped\nqueued dropped");
}

#[test]
fn dropping_the_last_handle_kills_the_tasks() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let group = Group::new();
            let finally = common::Finally(log.clone(), "task".to_string());
            let h = group.spawn(async move {
                let _f = finally;
                std::future::pending::<()>().await;
            });
            let other = group.clone();
            drop(group);
            assert!(!h.is_finished()); // a handle is still alive
            drop(other);
            assert!(h.await.unwrap_err().is_killed());
        }
    });
    log.assert("task dropped");
}

#[test]
fn a_group_has_no_limit_and_join_does_not_yield_when_empty() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let group = Group::new();
            let l = log.clone();
            spawn(async move { l.push("other") });
            group.join().await;
            log.push("joined empty group");
            let hs: Vec<_> = (0..100).map(|i| group.spawn(async move { i })).collect();
            assert_eq!(group.len(), 100);
            group.join().await;
            assert_eq!(greenery::try_joinall(hs).await.unwrap().len(), 100);
        }
    });
    log.assert("joined empty group\nother");
}

/// Random spawns into pools of random sizes, from several spawner tasks, with random job
/// lengths and the odd kill: never more than `size` jobs at once, every surviving job runs
/// exactly once, and nothing deadlocks.
#[test]
fn random_spawns_never_exceed_the_size_nor_lose_work() {
    for seed in 1..=20u64 {
        run_paused(async move {
            let mut rng = XorShift::new(seed);
            let size = 1 + rng.below(4) as usize;
            let pool = Pool::new(size).unwrap();
            let running = Rc::new(Cell::new(0usize));
            let ran = Rc::new(std::cell::RefCell::new(Vec::new()));
            let mut spawners = Vec::new();
            let mut expected = Vec::new();
            for s in 0..(1 + rng.below(4)) {
                let jobs: Vec<(u64, u64, bool)> = (0..(1 + rng.below(10)))
                    .map(|j| (s * 100 + j, rng.below(4), rng.below(2) == 0))
                    .collect();
                expected.extend(jobs.iter().map(|j| j.0));
                let (pool, running, ran) = (pool.clone(), running.clone(), ran.clone());
                spawners.push(spawn(async move {
                    let mut handles = Vec::new();
                    for (id, len, async_) in jobs {
                        let (running, ran) = (running.clone(), ran.clone());
                        let job = async move {
                            running.set(running.get() + 1);
                            assert!(running.get() <= size);
                            match len {
                                0 => {}
                                1 => yield_now().await,
                                n => sleep(Duration::from_millis(n)).await,
                            }
                            running.set(running.get() - 1);
                            ran.borrow_mut().push(id);
                        };
                        handles.push(if async_ {
                            pool.apply_async(job)
                        } else {
                            pool.spawn(job).await
                        });
                    }
                    greenery::try_joinall(handles).await.unwrap();
                }));
            }
            greenery::try_joinall(spawners).await.unwrap();
            pool.join().await;
            let mut got = ran.borrow().clone();
            got.sort_unstable();
            expected.sort_unstable();
            assert_eq!(got, expected, "seed {seed}");
            assert_eq!(pool.free_count(), size);
        });
    }
}

/// Bug: `apply` from a task of the same pool waited for a slot its caller held (LoopExit for
/// a `Pool(1)`). gevent runs it inline in the caller (`tests/gevent/pool_apply_inline.py`).
#[test]
fn apply_from_inside_the_pool_runs_in_the_caller() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let pool = Pool::new(1).unwrap();
            let inner = {
                let log = log.clone();
                move |caller: greenery::Task| {
                    let log = log.clone();
                    async move {
                        let here = if greenery::Task::current() == caller {
                            "in the caller"
                        } else {
                            "in another greenlet"
                        };
                        log.push(format!("inner runs {here}"));
                        "inner"
                    }
                }
            };
            let outer = {
                let (pool, log, inner) = (pool.clone(), log.clone(), inner.clone());
                async move {
                    log.push(format!(
                        "outer applies to its own full pool; free slots: {}",
                        pool.free_count()
                    ));
                    let result = pool.apply(inner(greenery::Task::current())).await;
                    log.push(format!("outer got {}", result.unwrap()));
                    "outer"
                }
            };
            let g = pool.spawn(outer).await;
            log.push(format!("main: outer returned {}", g.await.unwrap()));
            let result = pool.apply(inner(greenery::Task::current())).await;
            log.push(format!("main applies from outside: {}", result.unwrap()));
        }
    });
    log.assert(&common::gevent(include_str!(
        "gevent/pool_apply_inline.out"
    )));
}

/// `contains`, `len` and iteration see the unfinished tasks, in spawn order (gevent's
/// `in`, `len()` and `for`).
#[test]
fn contains_len_and_iteration_follow_the_unfinished_tasks() {
    greenery::run(async {
        let pool = Pool::new(3).unwrap();
        let a = pool.spawn(sleep(Duration::from_millis(1))).await;
        let b = pool.spawn(sleep(Duration::from_millis(5))).await;
        let outsider = spawn(async {});
        let ids = |pool: &Pool| pool.iter().map(|t| t.id()).collect::<Vec<_>>();
        assert_eq!(ids(&pool), [a.id(), b.id()]);
        assert!(pool.contains(&a.task()) && !pool.contains(&outsider.task()));
        a.task().join().await;
        assert_eq!((pool.len(), ids(&pool)), (1, vec![b.id()]));
        for task in &pool {
            task.kill();
        }
        assert!(pool.is_empty() && !pool.contains(&b.task()));
    });
}
