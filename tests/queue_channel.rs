//! Channel: SEMANTICS rule 22's rendezvous and its hand-out pass (gevent's `Channel._unlock`):
//! a getter always waits for the pass, which resumes each getter and then, at once, the
//! putter whose item it took. Each test ports a divergence the differential fuzzer found, with
//! the gevent script that pins the order.

mod common;

use common::mix;
use greenery::queue::Channel;
use greenery::{catch_loop_exit, yield_now};

/// `tests/gevent/channel_get_waits_for_the_pass.py`: main's second get waits for the pass
/// even though t2 offers already, and t1's put returns (right after main's first get) first.
#[test]
fn rule22_a_get_waits_for_the_hand_out_pass_even_with_a_putter_waiting() {
    let out = include_str!("gevent/channel_get_waits_for_the_pass.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let ch = Channel::new();
            log.push("main start");
            for (name, v) in [("t1", 1), ("t2", 2)] {
                let (ch, log) = (ch.clone(), log.clone());
                mix::spawn(async move {
                    log.push(format!("{name} start"));
                    ch.put(v).await.unwrap();
                    log.push(format!("{name} put {v}"));
                    log.push(format!("{name} end"));
                });
            }
            log.push(format!("main got {}", ch.get().await));
            log.push(format!("main got {}", ch.get().await));
            log.push("main end");
        });
    });
}

/// `tests/gevent/channel_putter_resumes_right_after_its_getter.py`: the pass resumes the
/// putter right after its getter, before t2, which was runnable already.
#[test]
fn rule22_the_putter_resumes_right_after_the_getter_that_took_its_item() {
    let out = include_str!("gevent/channel_putter_resumes_right_after_its_getter.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let ch = Channel::new();
            log.push("main start");
            mix::spawn({
                let (ch, log) = (ch.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    ch.put(1).await.unwrap();
                    log.push("t1 put 1");
                    log.push("t1 end");
                }
            });
            mix::spawn({
                let log = log.clone();
                async move {
                    log.push("t2 start");
                    yield_now().await;
                    log.push("t2 yielded");
                    log.push("t2 end");
                }
            });
            log.push(format!("main got {}", ch.get().await));
            yield_now().await;
            log.push("main yielded");
            log.push("main end");
        });
    });
}

/// `tests/gevent/channel_pass_pairs_each_getter_with_its_putter.py`: the pass resumes getter,
/// putter, getter, putter, pair by pair.
#[test]
fn rule22_the_pass_pairs_each_getter_with_its_putter() {
    let out = include_str!("gevent/channel_pass_pairs_each_getter_with_its_putter.out");
    mix::for_each_mix_like_gevent(out, |log| {
        let log = log.clone();
        mix::run_on(&common::paused(), async move {
            let ch = Channel::new();
            log.push("main start");
            mix::spawn({
                let (ch, log) = (ch.clone(), log.clone());
                async move {
                    log.push("t1 start");
                    yield_now().await;
                    log.push("t1 yielded");
                    ch.put(2).await.unwrap();
                    log.push("t1 put 2");
                    log.push("t1 end");
                }
            });
            mix::spawn({
                let (ch, log) = (ch.clone(), log.clone());
                async move {
                    log.push("t2 start");
                    log.push(format!("t2 got {}", ch.get().await));
                    log.push("t2 end");
                }
            });
            mix::spawn({
                let (ch, log) = (ch.clone(), log.clone());
                async move {
                    log.push("t3 start");
                    ch.put(3).await.unwrap();
                    log.push("t3 put 3");
                    log.push("t3 end");
                }
            });
            log.push(format!("main got {}", ch.get().await));
            if catch_loop_exit(ch.put(4)).await.is_err() {
                log.push("main loopexit");
            }
        });
    });
}
