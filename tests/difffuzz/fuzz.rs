//! The comparison loop: prepare programs, run both sides, confirm and minimise divergences.

use std::path::Path;

use super::generate::generate;
use super::interp;
use super::program::{walk_mut, Op, Program};
use super::python;

/// A gevent run is trusted only if no timer fired later than this (virtual ms): beyond, two
/// timers 5 ms apart could have fired in the wrong order.
pub const MAX_LATE: f64 = 2.5;

/// The slower pace (real ms per virtual ms) for runs that were late or differed.
pub const SLOW: f64 = 4.0;

/// Moves the timers of operations `ids` (pre-order ids) 5 ms later.
pub fn bump(program: &mut Program, ids: &[usize]) {
    let mut id = 0;
    for ops in &mut program.tasks {
        walk_mut(ops, &mut |op| {
            if ids.contains(&id) {
                if let Some(d) = op.timer_mut() {
                    *d += 5;
                }
            }
            id += 1;
        });
    }
}

/// Moves tied timers apart until no deadline ties; `None` if that does not settle.
pub fn settle(mut program: Program) -> Option<Program> {
    for _ in 0..30 {
        let ties = interp::run(&program).ties;
        if ties.is_empty() {
            return Some(program);
        }
        bump(&mut program, &ties);
    }
    None
}

/// The program of `seed`, settled (see [`settle`]).
pub fn prepare(seed: u64) -> Option<Program> {
    settle(generate(seed))
}

/// One program whose traces differ.
#[derive(Clone, Debug)]
pub struct Divergence {
    /// The program's index in the slice given to [`compare`].
    pub index: usize,
    pub program: Program,
    pub greenery: Vec<String>,
    pub gevent: Vec<String>,
}

impl Divergence {
    /// The text of a case file: a comment with both traces, then the program.
    pub fn case_file(&self, title: &str) -> String {
        let mut out = format!("# {title}\n# gevent:\n");
        for line in &self.gevent {
            out.push_str(&format!("#   {line}\n"));
        }
        out.push_str("# greenery:\n");
        for line in &self.greenery {
            out.push_str(&format!("#   {line}\n"));
        }
        out.push_str(&self.program.to_string());
        out
    }

    /// The program, then both traces side by side up to a few lines past the first difference.
    pub fn report(&self) -> String {
        let first = self
            .greenery
            .iter()
            .zip(&self.gevent)
            .position(|(a, b)| a != b)
            .unwrap_or(self.greenery.len().min(self.gevent.len()));
        let mut out = format!("{}\n{:<32} | greenery\n", self.program, "gevent");
        let n = self.greenery.len().max(self.gevent.len());
        for i in 0..n {
            let a = self.gevent.get(i).map(String::as_str).unwrap_or("");
            let b = self.greenery.get(i).map(String::as_str).unwrap_or("");
            let mark = if i == first {
                "  <-- first difference"
            } else {
                ""
            };
            out.push_str(&format!("{a:<32} | {b}{mark}\n"));
        }
        out
    }
}

/// What [`compare`] found.
#[derive(Debug, Default)]
pub struct Comparison {
    pub divergences: Vec<Divergence>,
    /// Programs whose gevent runs were late at every pace tried: no verdict.
    pub inconclusive: Vec<usize>,
}

/// Runs every program on both sides and returns those whose traces differ. A gevent run that
/// was late or differs is run again at a slower pace, twice if need be (timing noise would go
/// away there); only differences that a punctual gevent run shows are divergences.
pub fn compare(python: &Path, programs: &[Program], jobs: usize) -> Result<Comparison, String> {
    let mut greenery: Vec<Vec<String>> = Vec::new();
    for program in programs {
        greenery.push(interp::run(program).trace);
    }
    let mut todo: Vec<usize> = (0..programs.len()).collect();
    let mut result = Comparison::default();
    for scale in [1.0, SLOW, SLOW * SLOW] {
        if todo.is_empty() {
            break;
        }
        let named: Vec<(String, &Program)> = todo
            .iter()
            .map(|&i| (format!("p{i}"), &programs[i]))
            .collect();
        let runs = python::run(python, &named, scale, jobs)?;
        let mut late = Vec::new();
        for &i in &todo {
            let run = runs.get(&format!("p{i}")).ok_or("a missing gevent run")?;
            if run.late > MAX_LATE {
                late.push(i);
            } else if run.trace != greenery[i] {
                if scale == 1.0 {
                    late.push(i); // confirm at a slower pace first
                } else {
                    result.divergences.push(Divergence {
                        index: i,
                        program: programs[i].clone(),
                        greenery: greenery[i].clone(),
                        gevent: run.trace.clone(),
                    });
                }
            }
        }
        todo = late;
    }
    result.inconclusive = todo;
    result.divergences.sort_by_key(|d| d.index);
    Ok(result)
}

// ----- minimisation ---------------------------------------------------------------------------

/// Where an operation sits: its task and its index path through timeout blocks.
type At = (usize, Vec<usize>);

fn positions(ops: &[Op], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, op) in ops.iter().enumerate() {
        prefix.push(i);
        out.push(prefix.clone());
        if let Op::Timeout(_, body) = op {
            positions(body, prefix, out);
        }
        prefix.pop();
    }
}

fn list_at<'a>(ops: &'a mut Vec<Op>, path: &[usize]) -> &'a mut Vec<Op> {
    match path {
        [] | [_] => ops,
        [first, rest @ ..] => match &mut ops[*first] {
            Op::Timeout(_, body) => list_at(body, rest),
            _ => unreachable!("a path goes through blocks"),
        },
    }
}

fn edit(program: &Program, (t, path): &At, f: impl FnOnce(&mut Vec<Op>, usize)) -> Program {
    let mut p = program.clone();
    let last = *path.last().expect("a non-empty path");
    f(list_at(&mut p.tasks[*t], path), last);
    p
}

/// `program` without task `k`: its spawn and every reference to it go, later tasks move down.
fn without_task(program: &Program, k: usize) -> Program {
    fn strip(ops: &mut Vec<Op>, k: usize) {
        ops.retain_mut(|op| match op {
            Op::Spawn(j) | Op::Kill(j) | Op::Join(j, _) => *j != k,
            Op::JoinAll(ks, _, n) => {
                ks.retain(|&j| j != k);
                if let Some(c) = n {
                    *c = (*c).min(ks.len() as u32);
                }
                !ks.is_empty()
            }
            Op::Timeout(_, body) => {
                strip(body, k);
                !body.is_empty()
            }
            _ => true,
        });
        walk_mut(ops, &mut |op| match op {
            Op::Spawn(j) | Op::Kill(j) | Op::Join(j, _) if *j > k => *j -= 1,
            Op::JoinAll(ks, _, _) => ks.iter_mut().filter(|j| **j > k).for_each(|j| *j -= 1),
            _ => {}
        });
    }
    let mut p = program.clone();
    p.tasks.remove(k);
    for ops in &mut p.tasks {
        strip(ops, k);
    }
    p
}

/// Every program one step smaller than `program`: a task less, an operation less, a timeout
/// block unwrapped, an operation's timeout dropped.
fn smaller(program: &Program) -> Vec<Program> {
    let mut out: Vec<Program> = (1..program.tasks.len())
        .map(|k| without_task(program, k))
        .collect();
    let mut at: Vec<At> = Vec::new();
    for (t, ops) in program.tasks.iter().enumerate() {
        let mut paths = Vec::new();
        positions(ops, &mut Vec::new(), &mut paths);
        at.extend(paths.into_iter().map(|p| (t, p)));
    }
    for a in &at {
        out.push(edit(program, a, |ops, i| {
            ops.remove(i);
        }));
    }
    for a in &at {
        let p = edit(program, a, |ops, i| {
            if let Op::Timeout(_, body) = ops[i].clone() {
                ops.splice(i..=i, body);
            }
        });
        if p != *program {
            out.push(p);
        }
    }
    for a in &at {
        let p = edit(program, a, |ops, i| ops[i].drop_timeout());
        if p != *program {
            out.push(p);
        }
    }
    out.retain(|p| p.check().is_ok());
    out
}

/// Removes objects nothing uses (cosmetic, after minimisation).
fn drop_unused_objects(program: &Program) -> Program {
    let mut p = program.clone();
    let mut used = (
        vec![false; p.events],
        vec![false; p.queues.len()],
        vec![false; p.sems.len()],
    );
    for ops in &p.tasks {
        super::program::walk(ops, &mut |op| match op {
            Op::Set(e) | Op::Clear(e) | Op::Wait(e, _) => used.0[*e] = true,
            Op::Put(q, ..) | Op::PutNowait(q, _) | Op::Get(q, _) | Op::GetNowait(q) => {
                used.1[*q] = true
            }
            Op::Acquire(s, _) | Op::Release(s) => used.2[*s] = true,
            _ => {}
        });
    }
    let renumber = |used: &[bool]| -> Vec<usize> {
        used.iter()
            .scan(0, |n, &u| {
                let i = *n;
                *n += usize::from(u);
                Some(i)
            })
            .collect()
    };
    let (e, q, s) = (renumber(&used.0), renumber(&used.1), renumber(&used.2));
    for ops in &mut p.tasks {
        walk_mut(ops, &mut |op| match op {
            Op::Set(i) | Op::Clear(i) | Op::Wait(i, _) => *i = e[*i],
            Op::Put(i, ..) | Op::PutNowait(i, _) | Op::Get(i, _) | Op::GetNowait(i) => *i = q[*i],
            Op::Acquire(i, _) | Op::Release(i) => *i = s[*i],
            _ => {}
        });
    }
    p.events = used.0.iter().filter(|u| **u).count();
    p.queues = p
        .queues
        .iter()
        .zip(&used.1)
        .filter(|(_, u)| **u)
        .map(|(k, _)| *k)
        .collect();
    p.sems = p
        .sems
        .iter()
        .zip(&used.2)
        .filter(|(_, u)| **u)
        .map(|(n, _)| *n)
        .collect();
    p
}

/// Shrinks a diverging program while it still diverges (greedy, one step at a time).
pub fn minimize(python: &Path, program: &Program, jobs: usize) -> Result<Divergence, String> {
    let mut best = compare(python, std::slice::from_ref(program), 1)?
        .divergences
        .pop()
        .ok_or("the program does not diverge")?;
    loop {
        let candidates: Vec<Program> = smaller(&best.program)
            .into_iter()
            .filter(|p| interp::run(p).ties.is_empty())
            .collect();
        let found = compare(python, &candidates, jobs)?.divergences;
        match found.into_iter().next() {
            Some(d) => best = d,
            None => break,
        }
    }
    let tidy = drop_unused_objects(&best.program);
    if let Some(d) = compare(python, std::slice::from_ref(&tidy), 1)?
        .divergences
        .pop()
    {
        best = d;
    }
    Ok(best)
}
