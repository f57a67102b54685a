//! Golden tests: every `tests/golden/NAME.out` is the exact stdout of `examples/NAME.rs`.
//!
//! `cargo test` builds the examples before running tests; this test runs each binary (with
//! the arguments in `tests/golden/NAME.args`, one per line, if that file exists) and compares
//! its stdout line for line. The `.out` files are the reference outputs of
//! `../shared/reference/` with only the adaptations each example's header names. A file that
//! ends with the reference's `[exit status N]` line also pins the exit status; otherwise the
//! example must exit successfully. `tests/golden/patch/` holds the examples that need the
//! `patch` feature.

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples_dir() -> PathBuf {
    // target/<profile>/deps/golden-<hash> -> target/<profile>/examples
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target profile dir")
        .join("examples")
}

#[test]
fn examples_match_their_golden_output() {
    check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"));
}

/// The examples that need the `patch` feature (built only with it).
#[cfg(feature = "patch")]
#[test]
fn patched_examples_match_their_golden_output() {
    check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/patch"));
}

/// Runs the example of every `NAME.out` in `golden` and compares its output.
fn check(golden: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(golden)
        .expect("tests/golden")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "out").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no golden files found");
    let mut failures = Vec::new();
    for name in &names {
        let binary = examples_dir().join(name);
        let args: Vec<String> = std::fs::read_to_string(golden.join(format!("{name}.args")))
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        let output = Command::new(&binary)
            .args(&args)
            .output()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", binary.display()));
        let expected = std::fs::read_to_string(golden.join(format!("{name}.out"))).unwrap();
        let mut actual = String::from_utf8_lossy(&output.stdout).into_owned();
        let pins_status = expected
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("[exit status "));
        if pins_status {
            actual.push_str(&format!(
                "[exit status {}]\n",
                output.status.code().unwrap_or(-1)
            ));
        }
        if actual != expected || !(pins_status || output.status.success()) {
            failures.push(format!(
                "--- {name} (exit {:?})\nexpected:\n{expected}\nactual:\n{actual}\nstderr:\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        println!(
            "golden {name}: {}",
            if actual == expected { "ok" } else { "MISMATCH" }
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
