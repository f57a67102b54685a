//! `greenery::process` with real child processes: pipes both ways, exit statuses, timeouts
//! and kills, many children at once without blocking the loop, kill-on-drop reaping.

use std::cell::Cell;
use std::os::unix::process::ExitStatusExt;
use std::rc::Rc;
use std::time::Duration;

use greenery::io::BufReader;
use greenery::process::{Command, Stdio};
use greenery::time::{sleep, timeout};

/// The state letter of process `pid` from /proc (`None` once it is gone, i.e. reaped).
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(") ").next()?.chars().next()
}

#[test]
fn stdin_in_stdout_out_and_the_exit_status() {
    greenery::run(async {
        let mut child = Command::new("sh")
            .args(["-c", "tr a-z A-Z; echo done >&2; exit 4"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        assert!(
            child.uses_pidfd(),
            "this kernel has pidfd_open (Linux >= 5.3)"
        );
        let stdin = child.stdin.take().unwrap();
        stdin.write_all(b"shout this").await.unwrap();
        drop(stdin);
        let output = child.wait_with_output().await.unwrap();
        assert_eq!(output.stdout, b"SHOUT THIS");
        assert_eq!(output.stderr, b"done\n");
        assert_eq!(output.status.code(), Some(4));
    });
}

#[test]
fn a_large_output_on_both_pipes_does_not_deadlock() {
    greenery::run(async {
        let output = Command::new("sh")
            .args([
                "-c",
                "head -c 1000000 /dev/zero; head -c 700000 /dev/zero >&2",
            ])
            .output()
            .await
            .unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout.len(), 1_000_000);
        assert_eq!(output.stderr.len(), 700_000);
    });
}

#[test]
fn a_timed_out_wait_leaves_the_child_running_until_killed() {
    greenery::run(async {
        let mut child = Command::new("sleep").arg("60").spawn().unwrap();
        let pid = child.id();
        assert!(timeout(Duration::from_millis(20), child.wait())
            .await
            .is_err());
        assert!(matches!(proc_state(pid), Some('S' | 'R')));
        child.kill().await.unwrap();
        let status = child.try_wait().unwrap().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(proc_state(pid), None); // reaped: no zombie
        child.start_kill().unwrap(); // reaped already: nothing is signalled
    });
}

#[test]
fn waiting_children_do_not_block_other_tasks() {
    greenery::run(async {
        let ticks = Rc::new(Cell::new(0));
        let ticker = greenery::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    sleep(Duration::from_millis(2)).await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let children: Vec<_> = (0..4)
            .map(|i| {
                greenery::spawn(async move {
                    let out = Command::new("sh")
                        .args(["-c", &format!("sleep 0.1; echo {i}")])
                        .output()
                        .await
                        .unwrap();
                    String::from_utf8(out.stdout).unwrap()
                })
            })
            .collect();
        let mut outputs = Vec::new();
        for child in children {
            outputs.push(child.await.unwrap());
        }
        assert_eq!(outputs, ["0\n", "1\n", "2\n", "3\n"]);
        assert!(ticks.get() > 0, "the ticker ran while the children did");
        ticker.kill();
    });
}

#[test]
fn lines_of_a_running_child_arrive_as_it_prints_them() {
    greenery::run(async {
        let mut child = Command::new("sh")
            .args(["-c", "echo one; read reply; echo \"got $reply\""])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().await.unwrap().unwrap(), "one");
        stdin.write_all(b"two\n").await.unwrap(); // the child waited for this
        assert_eq!(lines.next().await.unwrap().unwrap(), "got two");
        assert!(lines.next().await.is_none());
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn kill_on_drop_kills_and_reaps_and_plain_drop_leaves_the_child_alone() {
    greenery::run(async {
        let killed = Command::new("sleep")
            .arg("60")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let killed_pid = killed.id();
        let kept = Command::new("sleep").arg("60").spawn().unwrap();
        let kept_pid = kept.id();
        drop(killed);
        drop(kept);
        let mut waited = 0;
        while proc_state(killed_pid).is_some() {
            assert!(waited < 5000, "the killed child was not reaped");
            sleep(Duration::from_millis(1)).await;
            waited += 1;
        }
        assert!(matches!(proc_state(kept_pid), Some('S' | 'R')));
        // Clean up the one we left running.
        // SAFETY: kill and waitpid on our own unreaped child; `status` is ours to write.
        unsafe {
            libc::kill(kept_pid as i32, libc::SIGKILL);
            let mut status = 0;
            libc::waitpid(kept_pid as i32, &mut status, 0);
        }
    });
}

#[test]
fn a_terminated_child_reports_the_signal() {
    greenery::run(async {
        let mut child = Command::new("sleep").arg("60").spawn().unwrap();
        child.send_signal(libc::SIGTERM).unwrap();
        assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGTERM));
        let mut other = Command::new("sleep")
            .arg("60")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let err = other.send_signal(-5).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    });
}

#[test]
fn spawn_errors_are_returned() {
    greenery::run(async {
        let err = Command::new("/definitely/not/here").spawn().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
    let err = Command::new("true").spawn().unwrap_err();
    assert!(
        err.to_string().contains("inside a greenery runtime"),
        "{err}"
    );
}
