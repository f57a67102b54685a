//! Emits programs as Python for the real gevent and runs them, many per process.
//!
//! Each program becomes a function `pN(R)` whose tasks are nested functions calling the
//! helpers of `prelude.py` (one per operation). A batch is the prelude, the functions and a
//! call of the driver; it is piped to `python -u - SCALE`, which prints `=== NAME LATE` and
//! then the program's trace, for each program in turn.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::program::{Op, Program, QueueKind};

const PRELUDE: &str = include_str!("prelude.py");

fn opt(t: Option<u32>) -> String {
    t.map(|t| format!(", {t}")).unwrap_or_default()
}

fn emit_ops(out: &mut String, t: usize, ops: &[Op], depth: usize, next_block: &mut usize) {
    let pad = "    ".repeat(depth);
    if ops.is_empty() {
        let _ = writeln!(out, "{pad}pass");
    }
    for op in ops {
        let line = match op {
            Op::Yield => format!("R.yield_('t{t}')"),
            Op::Sleep(d) => format!("R.sleep('t{t}', {d})"),
            Op::Set(e) => format!("R.set('t{t}', E, {e})"),
            Op::Clear(e) => format!("R.clear('t{t}', E, {e})"),
            Op::Wait(e, d) => format!("R.wait('t{t}', E, {e}{})", opt(*d)),
            Op::Put(q, v, d) => format!("R.put('t{t}', Q, {q}, {v}{})", opt(*d)),
            Op::PutNowait(q, v) => format!("R.put_nowait('t{t}', Q, {q}, {v})"),
            Op::Get(q, d) => format!("R.get('t{t}', Q, {q}{})", opt(*d)),
            Op::GetNowait(q) => format!("R.get_nowait('t{t}', Q, {q})"),
            Op::Acquire(s, d) => format!("R.acquire('t{t}', S, {s}{})", opt(*d)),
            Op::Release(s) => format!("R.release('t{t}', S, {s})"),
            Op::Spawn(k) => format!("R.spawn('t{t}', G, {k}, t{k})"),
            Op::Kill(k) => format!("R.kill('t{t}', G, {k})"),
            Op::Join(k, d) => format!("R.join('t{t}', G, {k}{})", opt(*d)),
            Op::JoinAll(ks, d, n) => {
                let ks: Vec<String> = ks.iter().map(usize::to_string).collect();
                let d = d.map(|d| d.to_string()).unwrap_or("None".into());
                let n = n.map(|n| n.to_string()).unwrap_or("None".into());
                format!("R.joinall('t{t}', G, [{}], {d}, {n})", ks.join(", "))
            }
            Op::Timeout(d, body) => {
                let b = *next_block;
                *next_block += 1;
                let _ = writeln!(out, "{pad}def b{b}():");
                emit_ops(out, t, body, depth + 1, next_block);
                format!("R.within('t{t}', {d}, b{b})")
            }
        };
        let _ = writeln!(out, "{pad}{line}");
    }
}

/// The Python function `def NAME(R): ...` that runs `program` on gevent.
pub fn emit(name: &str, program: &Program) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "def {name}(R):");
    let _ = writeln!(out, "    E = [Event() for _ in range({})]", program.events);
    let queues: Vec<String> = program
        .queues
        .iter()
        .map(|kind| match kind {
            QueueKind::Unbounded => "Queue()".to_string(),
            QueueKind::Bounded(n) => format!("Queue({n})"),
            QueueKind::Channel => "Channel()".to_string(),
        })
        .collect();
    let _ = writeln!(out, "    Q = [{}]", queues.join(", "));
    let sems: Vec<String> = program
        .sems
        .iter()
        .map(|n| format!("Semaphore({n})"))
        .collect();
    let _ = writeln!(out, "    S = [{}]", sems.join(", "));
    let _ = writeln!(out, "    G = [None] * {}", program.tasks.len());
    let mut next_block = 0;
    // Spawned tasks first: main's body refers to them.
    for (t, ops) in program
        .tasks
        .iter()
        .enumerate()
        .skip(1)
        .chain(program.tasks.iter().enumerate().take(1))
    {
        let _ = writeln!(out, "    def t{t}():");
        emit_ops(&mut out, t, ops, 2, &mut next_block);
    }
    let _ = writeln!(out, "    R.main(t0, G)");
    out
}

/// A whole batch script: the prelude, one function per program, and the driver call.
pub fn batch(programs: &[(String, &Program)]) -> String {
    let mut out = String::from(PRELUDE);
    out.push('\n');
    for (name, program) in programs {
        out.push_str(&emit(name, program));
        out.push('\n');
    }
    let names: Vec<String> = programs
        .iter()
        .map(|(n, _)| format!("('{n}', {n})"))
        .collect();
    let _ = writeln!(out, "drive([{}], float(sys.argv[1]))", names.join(", "));
    out
}

/// One program's run on gevent.
#[derive(Clone, Debug)]
pub struct GeventRun {
    pub trace: Vec<String>,
    /// The worst timer lateness seen, in virtual ms.
    pub late: f64,
}

/// The Python of the project's gevent venv (`.ci/gevent-venv`, made on first use, once per
/// test binary), or why there is none.
pub fn python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let out = Command::new(root.join(".ci/gevent-venv"))
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| format!("cannot run .ci/gevent-venv: {e}"))?;
            if !out.status.success() {
                return Err(format!(".ci/gevent-venv failed ({})", out.status));
            }
            Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
        .clone()
}

fn run_one_batch(python: &Path, script: &str, scale: f64) -> Result<String, String> {
    let mut child = Command::new(python)
        .args(["-u", "-", &scale.to_string()])
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let script = script.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("python failed: {e}"))?;
    writer
        .join()
        .expect("the writer thread")
        .map_err(|e| format!("cannot write the script: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() || !stdout.ends_with("=== end\n") {
        return Err(format!(
            "the gevent batch failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout)
}

/// Runs `programs` on gevent in `jobs` Python processes at once, each virtual ms lasting
/// `scale` real ms. Returns each program's run by name.
pub fn run(
    python: &Path,
    programs: &[(String, &Program)],
    scale: f64,
    jobs: usize,
) -> Result<HashMap<String, GeventRun>, String> {
    let chunk = programs.len().div_ceil(jobs.max(1)).max(1);
    let outputs: Vec<Result<String, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = programs
            .chunks(chunk)
            .enumerate()
            .map(|(i, part)| {
                let script = batch(part);
                if let Some(dir) = std::env::var_os("DIFFFUZZ_DUMP") {
                    let file = Path::new(&dir).join(format!("batch{i}-x{scale}.py"));
                    std::fs::write(&file, &script).expect("DIFFFUZZ_DUMP: cannot write");
                }
                s.spawn(move || run_one_batch(python, &script, scale))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a batch thread"))
            .collect()
    });
    let mut runs = HashMap::new();
    for output in outputs {
        let output = output?;
        let mut current: Option<(String, GeventRun)> = None;
        for line in output.lines() {
            if let Some(header) = line.strip_prefix("=== ") {
                if let Some((name, run)) = current.take() {
                    runs.insert(name, run);
                }
                if header == "end" {
                    break;
                }
                let (name, late) = header.split_once(' ').ok_or("a bad header")?;
                current = Some((
                    name.to_string(),
                    GeventRun {
                        trace: Vec::new(),
                        late: late.parse().map_err(|_| "a bad lateness")?,
                    },
                ));
            } else if let Some((_, run)) = current.as_mut() {
                run.trace.push(line.to_string());
            }
        }
    }
    Ok(runs)
}
