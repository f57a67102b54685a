//! gevent's subprocess example (`tests/gevent/subprocess_wait.py`, recorded on the real
//! gevent in `tests/gevent/subprocess_wait.out`): two children waited for with a timeout,
//! the one still running is killed, a ticker task keeps running all along, and input is
//! piped through `tr`.
//!
//! Adaptations: `Popen(..., stdout=PIPE)` is `Command::stdout(Stdio::piped()).spawn()`;
//! `gevent.wait(jobs, timeout=0.5)` is a `timeout_at` around each `wait` with one deadline;
//! `p.poll()` is `try_wait()`; Python's `returncode` of `-9` for a killed child is
//! `-signal`; `subprocess.run(input=...)` writes stdin from a task while
//! `wait_with_output` reads.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use greenery::process::{Child, Command, ExitStatus, Stdio};
use greenery::time::{now, sleep, timeout_at};

/// Python's `repr` of a `bytes` (enough for this output).
fn py_bytes(bytes: &[u8]) -> String {
    let mut text = String::from("b'");
    for &b in bytes {
        match b {
            b'\n' => text.push_str("\\n"),
            b'\'' => text.push_str("\\'"),
            b'\\' => text.push_str("\\\\"),
            0x20..=0x7e => text.push(b as char),
            _ => text.push_str(&format!("\\x{b:02x}")),
        }
    }
    text.push('\'');
    text
}

/// Python's `returncode`: the exit code, or minus the signal that ended the child.
fn returncode(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| -s))
        .unwrap_or(0)
}

fn main() -> std::io::Result<()> {
    greenery::run(async {
        let spawn = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .stdout(Stdio::piped())
                .spawn()
        };
        let mut jobs: Vec<(&str, Child)> = vec![
            ("uname", spawn("uname", &[])?),
            ("sleeper", spawn("sh", &["-c", "sleep 3; echo late"])?),
        ];
        let ticks = Rc::new(Cell::new(0));
        let ticker = greenery::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    sleep(Duration::from_millis(100)).await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });

        let deadline = now() + Duration::from_millis(500);
        for (_, child) in &mut jobs {
            let _ = timeout_at(deadline, child.wait()).await;
        }
        for (name, child) in &mut jobs {
            if child.try_wait()?.is_some() {
                let mut out = Vec::new();
                if let Some(stdout) = &child.stdout {
                    stdout.read_to_end(&mut out).await?;
                }
                println!("{name}: {}", py_bytes(&out));
            } else {
                println!("{name}: job is still running");
                child.kill().await?;
                let status = child.wait().await?;
                println!("{name}: killed, returncode {}", returncode(status));
            }
        }
        let py_bool = |b: bool| if b { "True" } else { "False" };
        println!("the loop kept running: {}", py_bool(ticks.get() >= 3));

        let mut tr = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(stdin) = tr.stdin.take() {
            greenery::spawn(async move { stdin.write_all(b"piped through").await });
        }
        let output = tr.wait_with_output().await?;
        println!(
            "tr: {}, returncode {}",
            py_bytes(&output.stdout),
            returncode(output.status)
        );
        ticker.kill();
        Ok(())
    })
}
