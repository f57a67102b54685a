//! The blocked-loop monitor: a blocking call no hook sees (a futex wait in a std channel's
//! `recv_timeout`) is reported once, naming its task; a loop waiting for timers or IO is not.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use greenery::runtime::Stall;
use greenery::Builder;

/// A runtime whose stall reports go into the returned list.
fn monitored(threshold: Duration) -> (greenery::Runtime, Arc<Mutex<Vec<Stall>>>) {
    let stalls = Arc::new(Mutex::new(Vec::new()));
    let seen = stalls.clone();
    let rt = Builder::new()
        .monitor(threshold)
        .on_stall(move |stall| seen.lock().unwrap().push(stall.clone()))
        .build()
        .unwrap();
    (rt, stalls)
}

/// Blocks the OS thread in a futex wait for `duration`: no greenery hook sees it.
fn futex_wait(duration: Duration) {
    let (_tx, rx) = std::sync::mpsc::channel::<()>();
    assert!(rx.recv_timeout(duration).is_err());
}

/// The one stall in `stalls`, checked against the task that caused it.
fn the_stall(stalls: &Mutex<Vec<Stall>>, task: u64, name: &str, line: u32) -> Stall {
    let stalls = stalls.lock().unwrap();
    assert_eq!(stalls.len(), 1, "{stalls:#?}");
    let stall = stalls[0].clone();
    assert_eq!((stall.task, stall.name.as_deref()), (task, Some(name)));
    let at = stall.location.expect("the monitor tracks spawn locations");
    assert_eq!((at.file(), at.line()), (file!(), line));
    assert!(stall.blocked_for >= Duration::from_millis(50), "{stall}");
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(stall.syscall.as_deref(), Some("futex"), "{stall}");
    }
    stall
}

#[test]
fn a_task_blocked_in_a_futex_is_reported_once() {
    let (rt, stalls) = monitored(Duration::from_millis(50));
    let line = line!() + 4;
    rt.block_on(async {
        let blocker = greenery::task::Builder::new()
            .name("blocker")
            .spawn(async { futex_wait(Duration::from_millis(300)) });
        blocker.await.unwrap();
    });
    drop(rt);
    let stall = the_stall(&stalls, 1, "blocker", line);
    let text = stall.to_string();
    assert!(
        text.starts_with("greenery: the loop has been blocked for "),
        "{text}"
    );
    assert!(
        text.contains(" by task #1 'blocker' (spawned at tests/monitor.rs:"),
        "{text}"
    );
}

#[test]
fn a_green_thread_blocked_in_a_futex_is_reported_once() {
    let (rt, stalls) = monitored(Duration::from_millis(50));
    let line = line!() + 4;
    rt.block_on(async {
        let blocker = greenery::green::Builder::new()
            .name("green blocker")
            .spawn(|| futex_wait(Duration::from_millis(300)))
            .unwrap();
        blocker.await.unwrap();
    });
    drop(rt);
    the_stall(&stalls, 1, "green blocker", line);
}

#[test]
fn a_loop_waiting_for_timers_and_io_is_not_stalled() {
    let (rt, stalls) = monitored(Duration::from_millis(50));
    rt.block_on(async {
        let sleeper = greenery::spawn(greenery::time::sleep(Duration::from_millis(300)));
        let listener = greenery::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let accept = greenery::time::timeout(Duration::from_millis(200), listener.accept());
        assert!(accept.await.is_err());
        sleeper.await.unwrap();
    });
    drop(rt);
    assert!(stalls.lock().unwrap().is_empty());
}

#[test]
fn each_stall_is_reported_and_the_main_future_is_named() {
    let (rt, stalls) = monitored(Duration::from_millis(50));
    let line = line!() + 1;
    rt.block_on(async {
        futex_wait(Duration::from_millis(250));
        greenery::yield_now().await; // the loop turns: the next block is a new stall
        futex_wait(Duration::from_millis(250));
    });
    drop(rt);
    let stalls = stalls.lock().unwrap();
    assert_eq!(stalls.len(), 2, "{stalls:#?}");
    for stall in stalls.iter() {
        assert_eq!((stall.task, stall.name.as_deref()), (0, None));
        assert_eq!(stall.location.unwrap().line(), line);
        assert!(stall
            .to_string()
            .contains(" by main (run at tests/monitor.rs:"));
    }
}

#[test]
fn the_monitor_stops_with_its_runtime_and_keeps_nothing_alive() {
    let (rt, stalls) = monitored(Duration::from_millis(10));
    // The callback (holding `stalls`) lives on the watchdog thread.
    assert_eq!(Arc::strong_count(&stalls), 2);
    // Nothing can wake the main future: the monitor is no reason to wait.
    assert!(rt.try_block_on(std::future::pending::<()>()).is_err());
    drop(rt);
    assert_eq!(Arc::strong_count(&stalls), 1); // the watchdog has ended
}

/// The child of the environment test: a runtime from `Runtime::new` blocks for 200 ms.
#[test]
fn child_blocks_under_greenery_monitor() {
    if std::env::var_os("GREENERY_MONITOR").is_none() {
        return;
    }
    match greenery::Runtime::new() {
        Ok(rt) => rt.block_on(async { futex_wait(Duration::from_millis(200)) }),
        Err(err) => println!("BUILD ERROR: {err}"),
    }
}

#[test]
fn greenery_monitor_in_the_environment_reports_to_stderr() {
    let run = |value: &str| {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_blocks_under_greenery_monitor",
                "--nocapture",
            ])
            .env("GREENERY_MONITOR", value)
            .output()
            .unwrap()
    };
    let output = run("50ms");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reports: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("greenery: the loop has been blocked for "))
        .collect();
    assert_eq!(reports.len(), 1, "{stderr}");
    assert!(
        reports[0].contains(" by main (run at tests/monitor.rs:"),
        "{stderr}"
    );

    let output = run("soon");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("BUILD ERROR: GREENERY_MONITOR=soon: expected 1 (a 100 ms threshold)"),
        "{stdout}"
    );
}
