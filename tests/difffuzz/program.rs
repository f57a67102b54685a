//! The program description both sides run: shared objects, tasks, and their operations, with a
//! line-based text form so that a case can be saved, read back and run on its own.
//!
//! ```text
//! # comment
//! objects e0 e1 q0=inf q1=2 q2=chan s0=1
//! t0:
//!   spawn t1
//!   joinall t1 t=40
//! t1:
//!   timeout 20 {
//!     get q1
//!   }
//!   put q0 7 t=15
//! ```
//!
//! Times are virtual milliseconds. Task 0 is the main task; only it spawns.

use std::fmt::{self, Write};

/// A queue's kind: unbounded, bounded, or a rendezvous channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueKind {
    Unbounded,
    Bounded(u32),
    Channel,
}

/// One operation of a task. `Option<u32>` fields are optional timeouts in virtual ms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `sleep(0)` / `yield_now()`.
    Yield,
    Sleep(u32),
    Set(usize),
    Clear(usize),
    Wait(usize, Option<u32>),
    Put(usize, u32, Option<u32>),
    PutNowait(usize, u32),
    Get(usize, Option<u32>),
    GetNowait(usize),
    Acquire(usize, Option<u32>),
    Release(usize),
    Spawn(usize),
    Kill(usize),
    Join(usize, Option<u32>),
    /// Tasks, timeout, count.
    JoinAll(Vec<usize>, Option<u32>, Option<u32>),
    /// A block of operations under a `Timeout`.
    Timeout(u32, Vec<Op>),
}

/// A whole program.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Program {
    pub events: usize,
    pub queues: Vec<QueueKind>,
    /// Initial counters of the semaphores.
    pub sems: Vec<u32>,
    /// Task 0 is main.
    pub tasks: Vec<Vec<Op>>,
}

impl Op {
    /// The duration of the timer this operation arms, if any (for the deadline check).
    pub fn timer(&self) -> Option<u32> {
        match self {
            Op::Sleep(d) | Op::Timeout(d, _) => Some(*d),
            Op::Wait(_, t)
            | Op::Put(_, _, t)
            | Op::Get(_, t)
            | Op::Acquire(_, t)
            | Op::Join(_, t)
            | Op::JoinAll(_, t, _) => *t,
            _ => None,
        }
    }

    /// Drops the optional timeout of a waiting operation (sleeps and blocks keep theirs).
    pub fn drop_timeout(&mut self) {
        match self {
            Op::Wait(_, t)
            | Op::Put(_, _, t)
            | Op::Get(_, t)
            | Op::Acquire(_, t)
            | Op::Join(_, t)
            | Op::JoinAll(_, t, _) => *t = None,
            _ => {}
        }
    }

    /// The timer duration, mutably (to move a deadline that ties with another).
    pub fn timer_mut(&mut self) -> Option<&mut u32> {
        match self {
            Op::Sleep(d) | Op::Timeout(d, _) => Some(d),
            Op::Wait(_, t)
            | Op::Put(_, _, t)
            | Op::Get(_, t)
            | Op::Acquire(_, t)
            | Op::Join(_, t)
            | Op::JoinAll(_, t, _) => t.as_mut(),
            _ => None,
        }
    }
}

/// Visits every operation of `ops` in pre-order (blocks before their contents).
pub fn walk<'a>(ops: &'a [Op], f: &mut impl FnMut(&'a Op)) {
    for op in ops {
        f(op);
        if let Op::Timeout(_, body) = op {
            walk(body, f);
        }
    }
}

/// Visits every operation mutably, in the same order as [`walk`].
pub fn walk_mut(ops: &mut [Op], f: &mut impl FnMut(&mut Op)) {
    for op in ops {
        f(op);
        if let Op::Timeout(_, body) = op {
            walk_mut(body, f);
        }
    }
}

impl Program {
    /// Checks the rules both emitters rely on: indices in range, only main spawns, each task
    /// spawned once, a task used by another only if main spawns it before main's first
    /// operation that can yield, and main only uses a task after spawning it; no task kills
    /// itself or refers to main; Channels only with blocking operations.
    pub fn check(&self) -> Result<(), String> {
        let n = self.tasks.len();
        if n == 0 {
            return Err("no main task".into());
        }
        // Where main spawns each task: (position in main's top level, before any yield?).
        let mut spawned_at = vec![None; n];
        let mut yielded = false;
        for (i, op) in self.tasks[0].iter().enumerate() {
            match op {
                Op::Spawn(k) => {
                    if *k == 0 || *k >= n {
                        return Err(format!("spawn of t{k}"));
                    }
                    if spawned_at[*k].is_some() {
                        return Err(format!("t{k} spawned twice"));
                    }
                    spawned_at[*k] = Some((i, !yielded));
                }
                op if !never_yields(op) => yielded = true,
                _ => {}
            }
        }
        for (t, ops) in self.tasks.iter().enumerate() {
            let mut err = None;
            walk(ops, &mut |op| {
                if err.is_some() {
                    return;
                }
                err = self.check_op(t, op).err();
            });
            if let Some(e) = err {
                return Err(format!("t{t}: {e}"));
            }
            // Task references: other tasks only see early-spawned tasks; main only after
            // the spawn.
            for (i, op) in ops.iter().enumerate() {
                let mut refs = Vec::new();
                walk(std::slice::from_ref(op), &mut |op| {
                    refs.extend(task_refs(op))
                });
                for k in refs {
                    if k == 0 || k >= n || k == t {
                        return Err(format!("t{t} refers to t{k}"));
                    }
                    match spawned_at[k] {
                        None => return Err(format!("t{t} refers to t{k}, never spawned")),
                        Some((at, early)) => {
                            let ok = if t == 0 { at < i } else { early };
                            if !ok {
                                return Err(format!("t{t} refers to t{k} before its spawn"));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_op(&self, t: usize, op: &Op) -> Result<(), String> {
        let q = |i: usize| match self.queues.get(i) {
            Some(kind) => Ok(*kind),
            None => Err(format!("no q{i}")),
        };
        match op {
            Op::Set(e) | Op::Clear(e) | Op::Wait(e, _) if *e >= self.events => {
                Err(format!("no e{e}"))
            }
            Op::Put(i, _, _) | Op::Get(i, _) => q(*i).map(drop),
            Op::PutNowait(i, _) | Op::GetNowait(i) => match q(*i)? {
                QueueKind::Channel => Err(format!("nowait on channel q{i}")),
                _ => Ok(()),
            },
            Op::Acquire(s, _) | Op::Release(s) if *s >= self.sems.len() => Err(format!("no s{s}")),
            Op::Spawn(_) if t != 0 => Err("only main spawns".into()),
            Op::Timeout(_, body) if body.is_empty() => Err("empty timeout block".into()),
            Op::Timeout(_, body) if body.iter().any(|op| matches!(op, Op::Spawn(_))) => {
                Err("spawn inside a timeout block".into())
            }
            Op::JoinAll(ts, _, count) if ts.is_empty() || count.is_some_and(|c| c == 0) => {
                Err("empty joinall".into())
            }
            _ => Ok(()),
        }
    }
}

/// Operations that never switch on either side (so main's spawns around them all happen
/// before any other task runs).
pub fn never_yields(op: &Op) -> bool {
    matches!(
        op,
        Op::Spawn(_)
            | Op::Set(_)
            | Op::Clear(_)
            | Op::Release(_)
            | Op::PutNowait(..)
            | Op::GetNowait(_)
    )
}

fn task_refs(op: &Op) -> Vec<usize> {
    match op {
        Op::Spawn(_) => vec![],
        Op::Kill(k) | Op::Join(k, _) => vec![*k],
        Op::JoinAll(ts, _, _) => ts.clone(),
        _ => vec![],
    }
}

fn t_opt(t: Option<u32>) -> String {
    t.map(|t| format!(" t={t}")).unwrap_or_default()
}

fn write_ops(out: &mut String, ops: &[Op], depth: usize) {
    for op in ops {
        let pad = "  ".repeat(depth);
        let line = match op {
            Op::Yield => "yield".to_string(),
            Op::Sleep(d) => format!("sleep {d}"),
            Op::Set(e) => format!("set e{e}"),
            Op::Clear(e) => format!("clear e{e}"),
            Op::Wait(e, t) => format!("wait e{e}{}", t_opt(*t)),
            Op::Put(q, v, t) => format!("put q{q} {v}{}", t_opt(*t)),
            Op::PutNowait(q, v) => format!("put_nowait q{q} {v}"),
            Op::Get(q, t) => format!("get q{q}{}", t_opt(*t)),
            Op::GetNowait(q) => format!("get_nowait q{q}"),
            Op::Acquire(s, t) => format!("acquire s{s}{}", t_opt(*t)),
            Op::Release(s) => format!("release s{s}"),
            Op::Spawn(k) => format!("spawn t{k}"),
            Op::Kill(k) => format!("kill t{k}"),
            Op::Join(k, t) => format!("join t{k}{}", t_opt(*t)),
            Op::JoinAll(ts, t, n) => {
                let names: Vec<String> = ts.iter().map(|k| format!("t{k}")).collect();
                let n = n.map(|n| format!(" n={n}")).unwrap_or_default();
                format!("joinall {}{}{n}", names.join(" "), t_opt(*t))
            }
            Op::Timeout(d, body) => {
                let _ = writeln!(out, "{pad}timeout {d} {{");
                write_ops(out, body, depth + 1);
                "}".to_string()
            }
        };
        let _ = writeln!(out, "{pad}{line}");
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("objects");
        for e in 0..self.events {
            let _ = write!(out, " e{e}");
        }
        for (i, kind) in self.queues.iter().enumerate() {
            let _ = match kind {
                QueueKind::Unbounded => write!(out, " q{i}=inf"),
                QueueKind::Bounded(n) => write!(out, " q{i}={n}"),
                QueueKind::Channel => write!(out, " q{i}=chan"),
            };
        }
        for (i, n) in self.sems.iter().enumerate() {
            let _ = write!(out, " s{i}={n}");
        }
        out.push('\n');
        for (t, ops) in self.tasks.iter().enumerate() {
            let _ = writeln!(out, "t{t}:");
            write_ops(&mut out, ops, 1);
        }
        f.write_str(&out)
    }
}

fn index(word: &str, prefix: char) -> Result<usize, String> {
    word.strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("expected {prefix}N, got {word:?}"))
}

fn number(word: &str) -> Result<u32, String> {
    word.parse()
        .map_err(|_| format!("expected a number, got {word:?}"))
}

/// Parses the text form (see the module docs); `#` starts a comment line.
pub fn parse(text: &str) -> Result<Program, String> {
    let mut program = Program::default();
    // The stack of open operation lists: the task's, then each open timeout block's.
    let mut stack: Vec<(u32, Vec<Op>)> = Vec::new();
    let mut current: Option<usize> = None;
    for (no, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |e: String| format!("line {}: {e}: {raw:?}", no + 1);
        let words: Vec<&str> = line.split_whitespace().collect();
        if words[0] == "objects" {
            for w in &words[1..] {
                let (name, value) = w.split_once('=').unwrap_or((w, ""));
                match name.chars().next() {
                    Some('e') => program.events += 1,
                    Some('q') => program.queues.push(match value {
                        "inf" => QueueKind::Unbounded,
                        "chan" => QueueKind::Channel,
                        n => QueueKind::Bounded(number(n).map_err(err)?),
                    }),
                    Some('s') => program.sems.push(number(value).map_err(err)?),
                    _ => return Err(err(format!("unknown object {w}"))),
                }
            }
            continue;
        }
        if let Some(name) = line.strip_suffix(':') {
            if !stack.is_empty() {
                return Err(err("unclosed timeout block".into()));
            }
            let t = index(name, 't').map_err(err)?;
            if t != program.tasks.len() {
                return Err(err(format!(
                    "tasks must come in order, expected t{}",
                    program.tasks.len()
                )));
            }
            program.tasks.push(Vec::new());
            current = Some(t);
            continue;
        }
        let Some(t) = current else {
            return Err(err("operation outside a task".into()));
        };
        if line == "}" {
            let (d, body) = stack.pop().ok_or_else(|| err("unmatched }".into()))?;
            let op = Op::Timeout(d, body);
            match stack.last_mut() {
                Some((_, ops)) => ops.push(op),
                None => program.tasks[t].push(op),
            }
            continue;
        }
        // Optional `t=` and `n=` words come last.
        let mut timeout = None;
        let mut count = None;
        let mut args: Vec<&str> = Vec::new();
        for w in &words[1..] {
            if let Some(v) = w.strip_prefix("t=") {
                timeout = Some(number(v).map_err(err)?);
            } else if let Some(v) = w.strip_prefix("n=") {
                count = Some(number(v).map_err(err)?);
            } else {
                args.push(w);
            }
        }
        let arg = |i: usize| -> Result<&str, String> {
            args.get(i)
                .copied()
                .ok_or_else(|| err("missing argument".into()))
        };
        let op = match words[0] {
            "yield" => Op::Yield,
            "sleep" => Op::Sleep(number(arg(0)?).map_err(err)?),
            "set" => Op::Set(index(arg(0)?, 'e').map_err(err)?),
            "clear" => Op::Clear(index(arg(0)?, 'e').map_err(err)?),
            "wait" => Op::Wait(index(arg(0)?, 'e').map_err(err)?, timeout),
            "put" => Op::Put(
                index(arg(0)?, 'q').map_err(err)?,
                number(arg(1)?).map_err(err)?,
                timeout,
            ),
            "put_nowait" => Op::PutNowait(
                index(arg(0)?, 'q').map_err(err)?,
                number(arg(1)?).map_err(err)?,
            ),
            "get" => Op::Get(index(arg(0)?, 'q').map_err(err)?, timeout),
            "get_nowait" => Op::GetNowait(index(arg(0)?, 'q').map_err(err)?),
            "acquire" => Op::Acquire(index(arg(0)?, 's').map_err(err)?, timeout),
            "release" => Op::Release(index(arg(0)?, 's').map_err(err)?),
            "spawn" => Op::Spawn(index(arg(0)?, 't').map_err(err)?),
            "kill" => Op::Kill(index(arg(0)?, 't').map_err(err)?),
            "join" => Op::Join(index(arg(0)?, 't').map_err(err)?, timeout),
            "joinall" => {
                let ts = args
                    .iter()
                    .map(|w| index(w, 't'))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(err)?;
                Op::JoinAll(ts, timeout, count)
            }
            "timeout" if words.last() == Some(&"{") => {
                stack.push((number(arg(0)?).map_err(err)?, Vec::new()));
                continue;
            }
            other => return Err(err(format!("unknown operation {other}"))),
        };
        match stack.last_mut() {
            Some((_, ops)) => ops.push(op),
            None => program.tasks[t].push(op),
        }
    }
    if !stack.is_empty() {
        return Err("unclosed timeout block at the end".into());
    }
    program.check()?;
    Ok(program)
}
