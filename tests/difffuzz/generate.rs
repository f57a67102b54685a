//! Random programs from a seed.
//!
//! A program has 1-4 spawned tasks and a few shared objects. Main spawns the "early" tasks
//! before it first yields (so every task may kill or join them), then runs its own operations,
//! spawning the "late" tasks among them (only main refers to those), and ends with a join
//! stage or with nothing (rule 13). Sleeps and timeouts are multiples of 5 virtual ms; the
//! fuzzer then moves any timer whose deadline ties with another (see `interp::Outcome::ties`).
//!
//! What the generator leaves out on purpose, because greenery differs from gevent by design
//! (docs/scheduling.md, "where greenery differs") or gevent's behaviour is an artifact:
//! - a task killing itself (greenery: dropped at its next suspension, gevent: at once);
//! - killing or joining main (main is not a task in gevent);
//! - `put_nowait`/`get_nowait` on a Channel (gevent's are a zero timeout that waits a loop turn);
//! - exactly equal deadlines (artifact A1), see above;
//! - failures and `kill(exception)`: traced stderr text is not comparable.
//!
//! Kills are generated anywhere: greenery's kill takes effect at once (a deliberate
//! difference), and `prelude.py`'s kill does the same on gevent.

use super::program::{Op, Program, QueueKind};
use crate::common::XorShift;

struct Gen {
    rng: XorShift,
    next_value: u32,
    program: Program,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        self.rng.below(n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.below(100) < percent
    }

    fn duration(&mut self) -> u32 {
        5 * (1 + self.below(8) as u32)
    }

    fn maybe_timeout(&mut self) -> Option<u32> {
        if self.chance(50) {
            Some(self.duration())
        } else {
            None
        }
    }

    fn value(&mut self) -> u32 {
        self.next_value += 1;
        self.next_value
    }

    /// One operation of task `t`, which may refer to the tasks in `refs`.
    fn op(&mut self, refs: &[usize], depth: usize) -> Op {
        let p = &self.program;
        let events = p.events;
        let queues = p.queues.len();
        let sems = p.sems.len();
        let plain: Vec<usize> = (0..queues)
            .filter(|&i| p.queues[i] != QueueKind::Channel)
            .collect();
        // (weight, kind) for what is possible here.
        let mut menu: Vec<(usize, u8)> = vec![(8, b'y'), (10, b's')];
        if events > 0 {
            menu.extend([(5, b'S'), (2, b'C'), (8, b'w')]);
        }
        if queues > 0 {
            menu.extend([(9, b'p'), (9, b'g')]);
        }
        if !plain.is_empty() {
            menu.extend([(2, b'P'), (2, b'G')]);
        }
        if sems > 0 {
            menu.extend([(6, b'a'), (5, b'r')]);
        }
        if !refs.is_empty() {
            menu.extend([(3, b'k'), (4, b'j'), (2, b'J')]);
        }
        if depth < 2 {
            menu.push((5, b'T'));
        }
        let total: usize = menu.iter().map(|(w, _)| w).sum();
        let mut pick = self.below(total);
        let kind = menu
            .iter()
            .find(|(w, _)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|(_, k)| *k)
            .expect("a weighted pick");
        match kind {
            b'y' => Op::Yield,
            b's' => Op::Sleep(self.duration()),
            b'S' => Op::Set(self.below(events)),
            b'C' => Op::Clear(self.below(events)),
            b'w' => Op::Wait(self.below(events), self.maybe_timeout()),
            b'p' => {
                let q = self.below(queues);
                let v = self.value();
                Op::Put(q, v, self.maybe_timeout())
            }
            b'g' => Op::Get(self.below(queues), self.maybe_timeout()),
            b'P' => {
                let q = plain[self.below(plain.len())];
                Op::PutNowait(q, self.value())
            }
            b'G' => Op::GetNowait(plain[self.below(plain.len())]),
            b'a' => Op::Acquire(self.below(sems), self.maybe_timeout()),
            b'r' => Op::Release(self.below(sems)),
            b'k' => Op::Kill(refs[self.below(refs.len())]),
            b'j' => Op::Join(refs[self.below(refs.len())], self.maybe_timeout()),
            b'J' => {
                let mut ks: Vec<usize> = refs.iter().copied().filter(|_| self.chance(60)).collect();
                if ks.is_empty() {
                    ks.push(refs[self.below(refs.len())]);
                }
                let n = if ks.len() > 1 && self.chance(25) {
                    Some(1 + self.below(ks.len() - 1) as u32)
                } else {
                    None
                };
                Op::JoinAll(ks, self.maybe_timeout(), n)
            }
            b'T' => {
                let d = self.duration();
                let n = 1 + self.below(3);
                let body = (0..n).map(|_| self.op(refs, depth + 1)).collect();
                Op::Timeout(d, body)
            }
            _ => unreachable!(),
        }
    }

    /// An operation for main's prologue: one that never switches.
    fn quiet_op(&mut self) -> Option<Op> {
        let p = &self.program;
        let (events, sems) = (p.events, p.sems.len());
        let plain: Vec<usize> = (0..p.queues.len())
            .filter(|&i| p.queues[i] != QueueKind::Channel)
            .collect();
        match self.below(4) {
            0 if events > 0 => Some(Op::Set(self.below(events))),
            1 if sems > 0 => Some(Op::Release(self.below(sems))),
            2 if !plain.is_empty() => {
                let q = plain[self.below(plain.len())];
                Some(Op::PutNowait(q, self.value()))
            }
            3 if !plain.is_empty() => Some(Op::GetNowait(plain[self.below(plain.len())])),
            _ => None,
        }
    }
}

/// The program of `seed`.
pub fn generate(seed: u64) -> Program {
    let mut g = Gen {
        rng: XorShift::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        next_value: 0,
        program: Program::default(),
    };
    // Warm the generator up: nearby seeds start far apart.
    for _ in 0..4 {
        g.rng.next();
    }
    let spawned = 1 + g.below(4);
    g.program.events = g.below(3);
    for _ in 0..g.below(3) {
        let kind = match g.below(20) {
            0..=6 => QueueKind::Unbounded,
            7..=14 => QueueKind::Bounded(1 + g.below(2) as u32),
            _ => QueueKind::Channel,
        };
        g.program.queues.push(kind);
    }
    if g.chance(50) {
        let n = g.below(3) as u32;
        g.program.sems.push(n);
    }
    let early: Vec<usize> = (1..=spawned).filter(|_| g.chance(75)).collect();
    let late: Vec<usize> = (1..=spawned).filter(|k| !early.contains(k)).collect();
    g.program.tasks = vec![Vec::new(); spawned + 1];
    for t in 1..=spawned {
        let refs: Vec<usize> = early.iter().copied().filter(|&k| k != t).collect();
        let n = 1 + g.below(6);
        let ops = (0..n).map(|_| g.op(&refs, 0)).collect();
        g.program.tasks[t] = ops;
    }
    // Main: the prologue spawns the early tasks among operations that never switch.
    let mut main = Vec::new();
    for &k in &early {
        if g.chance(30) {
            if let Some(op) = g.quiet_op() {
                main.push(op);
            }
        }
        main.push(Op::Spawn(k));
    }
    // The body, with the late spawns among it.
    let mut refs = early.clone();
    let mut pending_late = late.clone();
    let body = g.below(5);
    for _ in 0..body {
        if !pending_late.is_empty() && g.chance(40) {
            let k = pending_late.remove(0);
            main.push(Op::Spawn(k));
            refs.push(k);
        }
        main.push(g.op(&refs, 0));
    }
    for k in pending_late {
        main.push(Op::Spawn(k));
        refs.push(k);
    }
    // The end: join everything, some, or nothing (the rest is abandoned, rule 13).
    let all: Vec<usize> = (1..=spawned).collect();
    match g.below(10) {
        0..=3 => {
            let t = g.maybe_timeout().map(|d| d * 2);
            main.push(Op::JoinAll(all, t, None));
        }
        4..=5 => {
            for k in all {
                if g.chance(60) {
                    let t = g.maybe_timeout();
                    main.push(Op::Join(k, t));
                }
            }
        }
        6 => {
            let n = Some(1 + g.below(spawned) as u32);
            main.push(Op::JoinAll(all, g.maybe_timeout(), n));
        }
        _ => {}
    }
    g.program.tasks[0] = main;
    g.program
}
