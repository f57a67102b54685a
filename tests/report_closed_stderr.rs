//! Panic reports never take the program down: with stderr a closed pipe, a report that
//! cannot be written is dropped (before the fix, `eprintln!` panicked on the broken pipe).
//!
//! The test re-runs this binary as a child whose stderr is a pipe the parent has closed.

use std::io::Write;
use std::process::{Command, Stdio};

const CHILD: &str = "GREENERY_CLOSED_STDERR_CHILD";

/// A value whose destructor panics: its report goes through the same path.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("destructor panic");
    }
}

/// The child: waits until writing to stderr fails, then makes greenery report a detached
/// task's panic and a panicking destructor, and says on stdout that it got through.
#[test]
fn child_reports_with_stderr_closed() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    while std::io::stderr().write_all(b".").is_ok() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    std::panic::set_hook(Box::new(|_| {})); // std's hook ignores write errors anyway
    greenery::run(async {
        drop(greenery::spawn(async { panic!("detached task panic") }));
        let dropped = greenery::spawn(async {
            let _guard = PanicsOnDrop;
            std::future::pending::<()>().await
        });
        greenery::yield_now().await;
        dropped.kill();
        greenery::yield_now().await;
    });
    println!("CHILD SURVIVED");
}

#[test]
fn reports_to_a_closed_stderr_are_dropped_silently() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_reports_with_stderr_closed", "--nocapture"])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take()); // the read end is gone: every write to stderr fails
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {stdout}");
    assert!(stdout.contains("CHILD SURVIVED"), "{stdout}");
}
