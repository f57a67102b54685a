//! Child processes (gevent's `gevent.subprocess`, tokio's `tokio::process`): spawn a
//! program, write its stdin, read its stdout and stderr, wait for its exit status, kill it,
//! all without blocking the loop and without a thread per child.
//!
//! [`Command`] is `std::process::Command` with an async [`spawn`](Command::spawn),
//! [`output`](Command::output) and [`status`](Command::status); a [`Child`]'s pipes are on
//! the reactor, and its exit is watched through a pidfd (Linux ≥ 5.3), which turns readable
//! when the child exits.
//!
//! ```
//! use greenery::process::{Command, Stdio};
//! use greenery::io::BufReader;
//!
//! greenery::run(async {
//!     // gevent: subprocess.check_output(["printf", "a\nb\n"])
//!     let output = Command::new("printf").arg("a\\nb\\n").output().await.unwrap();
//!     assert!(output.status.success());
//!     assert_eq!(output.stdout, b"a\nb\n");
//!
//!     // A child's output line by line, while it runs.
//!     let mut child = Command::new("sh")
//!         .args(["-c", "echo one; sleep 0.01; echo two"])
//!         .stdout(Stdio::piped())
//!         .spawn()
//!         .unwrap();
//!     let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
//!     assert_eq!(lines.next().await.unwrap().unwrap(), "one");
//!     assert_eq!(lines.next().await.unwrap().unwrap(), "two");
//!     assert!(child.wait().await.unwrap().success());
//! });
//! ```
//!
//! What to know:
//!
//! * **Timeouts** are [`time::timeout`](crate::time::timeout) around any wait:
//!   `timeout(d, child.wait()).await`; on `Err(Elapsed)` the child still runs, so
//!   [`kill`](Child::kill) it.
//! * **Dropping a `Child`** leaves the process running, as std does, unless
//!   [`Command::kill_on_drop`] was set: then it is sent `SIGKILL` and reaped by a small task
//!   (no zombie), as tokio's `kill_on_drop`. A child that was neither waited for nor killed
//!   on drop stays a zombie after it exits, until this process ends: wait for your children.
//! * **Spawning** (fork and exec) happens in the calling task, as in std and tokio: it takes
//!   about as long as the `fork`, and everything else waits meanwhile.
//! * **Without pidfd** (kernels before 5.3, sandboxes that forbid `pidfd_open`) a waiting
//!   child listens for `SIGCHLD` instead, and every `SIGCHLD` makes each waiting child check
//!   for its own exit (still no thread). [`Child::uses_pidfd`] says which is in use.
//! * Creating a process needs a running runtime (its pipes are registered with it).

mod exit;
mod pipes;

pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};

use std::ffi::OsStr;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::path::Path;
use std::pin::pin;
use std::task::Poll;

use exit::ExitWatch;

/// A process builder: `std::process::Command`'s builder methods, with async
/// [`spawn`](Command::spawn), [`output`](Command::output) and [`status`](Command::status).
///
/// ```
/// use greenery::process::Command;
/// greenery::run(async {
///     let status = Command::new("sh").args(["-c", "exit 3"]).status().await.unwrap();
///     assert_eq!(status.code(), Some(3));
/// });
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command for `program` (looked up in `PATH` as std does), inheriting this process's
    /// environment, working directory and standard streams.
    ///
    /// ```
    /// let cmd = greenery::process::Command::new("ls");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds an argument.
    ///
    /// ```
    /// let mut cmd = greenery::process::Command::new("ls");
    /// cmd.arg("-l");
    /// assert_eq!(cmd.as_std().get_args().collect::<Vec<_>>(), ["-l"]);
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// let mut cmd = greenery::process::Command::new("ls");
    /// cmd.args(["-l", "-a"]);
    /// assert_eq!(cmd.as_std().get_args().count(), 2);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let out = Command::new("sh").args(["-c", "printf $GREETING"])
    ///         .env("GREETING", "hello").output().await.unwrap();
    ///     assert_eq!(out.stdout, b"hello");
    /// });
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets several environment variables for the child.
    ///
    /// ```
    /// let mut cmd = greenery::process::Command::new("env");
    /// cmd.envs([("A", "1"), ("B", "2")]);
    /// assert_eq!(cmd.as_std().get_envs().count(), 2);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    ///
    /// ```
    /// let mut cmd = greenery::process::Command::new("env");
    /// cmd.env_remove("HOME");
    /// assert_eq!(cmd.as_std().get_envs().count(), 1); // recorded as removed
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what [`env`](Self::env) adds).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let out = Command::new("/usr/bin/env").env_clear().env("ONLY", "1")
    ///         .output().await.unwrap();
    ///     assert_eq!(out.stdout, b"ONLY=1\n");
    /// });
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let out = Command::new("pwd").current_dir("/").output().await.unwrap();
    ///     assert_eq!(out.stdout, b"/\n");
    /// });
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's standard input: `Stdio::piped()` gives [`Child::stdin`].
    ///
    /// ```
    /// use greenery::process::{Command, Stdio};
    /// greenery::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
    ///     assert!(child.stdin.is_some());
    ///     child.kill().await.unwrap();
    /// });
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets the child's standard output: `Stdio::piped()` gives [`Child::stdout`].
    ///
    /// ```
    /// use greenery::process::{Command, Stdio};
    /// greenery::run(async {
    ///     let mut child = Command::new("true").stdout(Stdio::piped()).spawn().unwrap();
    ///     assert!(child.stdout.is_some());
    ///     child.wait().await.unwrap();
    /// });
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's standard error: `Stdio::piped()` gives [`Child::stderr`].
    ///
    /// ```
    /// use greenery::process::{Command, Stdio};
    /// greenery::run(async {
    ///     let mut child = Command::new("true").stderr(Stdio::null()).spawn().unwrap();
    ///     assert!(child.stderr.is_none());
    ///     child.wait().await.unwrap();
    /// });
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] kills it (`SIGKILL`) and reaps it (default: no, as
    /// std).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let child = Command::new("sleep").arg("60").kill_on_drop(true).spawn().unwrap();
    ///     drop(child); // killed, and reaped by a small task
    /// });
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The std command, for what this wrapper does not forward (`uid`, `pre_exec`, ...).
    ///
    /// ```
    /// let cmd = greenery::process::Command::new("ls");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std command, mutably.
    ///
    /// ```
    /// use std::os::unix::process::CommandExt;
    /// let mut cmd = greenery::process::Command::new("ls");
    /// cmd.as_std_mut().arg0("list");
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the program. Errors: the program cannot be started (`NotFound`, ...), or no
    /// runtime is running on this thread.
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut child = Command::new("true").spawn().unwrap();
    ///     assert!(child.wait().await.unwrap().success());
    ///     let err = Command::new("/no/such/program").spawn().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        self.spawn_watched(true)
    }

    /// [`spawn`](Self::spawn), with `pidfd: false` forcing the `SIGCHLD` fallback.
    fn spawn_watched(&mut self, pidfd: bool) -> io::Result<Child> {
        if crate::runtime::context::current_core().is_none() {
            return Err(io::Error::other(
                "greenery processes must be spawned inside a greenery runtime (greenery::run)",
            ));
        }
        let mut std = self.std.spawn()?;
        let mut register = || -> io::Result<Child> {
            Ok(Child {
                stdin: std.stdin.take().map(ChildStdin::new).transpose()?,
                stdout: std.stdout.take().map(ChildStdout::new).transpose()?,
                stderr: std.stderr.take().map(ChildStderr::new).transpose()?,
                process: None,
                kill_on_drop: self.kill_on_drop,
            })
        };
        let registered = register().and_then(|child| Ok((child, ExitWatch::new(std.id(), pidfd)?)));
        match registered {
            Ok((mut child, exit)) => {
                child.process = Some(Process {
                    std,
                    exit,
                    status: None,
                });
                Ok(child)
            }
            Err(err) => {
                // Registering our ends failed: leave no unreachable child running.
                let _ = std.kill();
                let _ = std.wait();
                Err(err)
            }
        }
    }

    /// Runs the program to completion with stdout and stderr captured (stdin as set, by
    /// default inherited) and returns its status and output (gevent's
    /// `subprocess.run(..., capture_output=True)`).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let out = Command::new("sh").args(["-c", "echo out; echo err >&2; exit 1"])
    ///         .output().await.unwrap();
    ///     assert_eq!(out.status.code(), Some(1));
    ///     assert_eq!(out.stdout, b"out\n");
    ///     assert_eq!(out.stderr, b"err\n");
    /// });
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        self.std.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.spawn()?.wait_with_output().await
    }

    /// Runs the program to completion and returns its exit status (gevent's
    /// `subprocess.call`).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     assert!(Command::new("true").status().await.unwrap().success());
    ///     assert!(!Command::new("false").status().await.unwrap().success());
    /// });
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }
}

impl From<std::process::Command> for Command {
    /// Wraps a std command (kill on drop: off).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut cmd = Command::from(std::process::Command::new("true"));
    ///     assert!(cmd.status().await.unwrap().success());
    /// });
    /// ```
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

/// A running (or exited) child process, made by [`Command::spawn`]. Its piped standard
/// streams are the public fields: `take()` them to move them into tasks.
///
/// ```
/// use std::time::Duration;
/// use greenery::process::Command;
/// use greenery::time::timeout;
///
/// greenery::run(async {
///     let mut child = Command::new("sleep").arg("60").spawn().unwrap();
///     // gevent: p.wait(timeout=0.05) raising TimeoutExpired, then p.kill()
///     assert!(timeout(Duration::from_millis(50), child.wait()).await.is_err());
///     child.kill().await.unwrap();
///     assert_eq!(child.try_wait().unwrap().unwrap().code(), None); // killed by a signal
/// });
/// ```
pub struct Child {
    /// Our end of the child's stdin, if it was `Stdio::piped()`.
    pub stdin: Option<ChildStdin>,
    /// Our end of the child's stdout, if it was `Stdio::piped()`.
    pub stdout: Option<ChildStdout>,
    /// Our end of the child's stderr, if it was `Stdio::piped()`.
    pub stderr: Option<ChildStderr>,
    /// `None` only while `Drop` hands the process to its reaper.
    process: Option<Process>,
    kill_on_drop: bool,
}

struct Process {
    std: std::process::Child,
    exit: ExitWatch,
    /// Once reaped: the pid may then belong to another process, so no signal is sent.
    status: Option<ExitStatus>,
}

impl Process {
    async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = self.exit.wait(&mut self.std).await?;
        self.status = Some(status);
        Ok(status)
    }
}

impl Child {
    fn process(&self) -> &Process {
        match &self.process {
            Some(process) => process,
            None => unreachable!("a Child's process is taken only by its Drop"),
        }
    }

    fn process_mut(&mut self) -> &mut Process {
        match &mut self.process {
            Some(process) => process,
            None => unreachable!("a Child's process is taken only by its Drop"),
        }
    }
}

impl Child {
    /// The child's process id (it may belong to another process once the child was
    /// reaped).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut child = Command::new("true").spawn().unwrap();
    ///     assert!(child.id() > 0);
    ///     child.wait().await.unwrap();
    /// });
    /// ```
    pub fn id(&self) -> u32 {
        self.process().std.id()
    }

    /// Whether the exit is watched through a pidfd (`false`: the `SIGCHLD` fallback).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut child = Command::new("true").spawn().unwrap();
    ///     println!("pidfd: {}", child.uses_pidfd()); // true on Linux >= 5.3
    ///     child.wait().await.unwrap();
    /// });
    /// ```
    pub fn uses_pidfd(&self) -> bool {
        !self.process().exit.is_fallback()
    }

    /// Waits for the child to exit, reaps it, and returns its status (at once if it was
    /// reaped already). Closes [`stdin`](Child::stdin) first, so a child reading its input
    /// to the end is not left waiting for us (std and tokio do the same).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut child = Command::new("sh").args(["-c", "exit 7"]).spawn().unwrap();
    ///     assert_eq!(child.wait().await.unwrap().code(), Some(7));
    ///     assert_eq!(child.wait().await.unwrap().code(), Some(7)); // remembered
    /// });
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        self.process_mut().wait().await
    }

    /// The exit status if the child has exited (reaping it), `None` if it still runs.
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut child = Command::new("sleep").arg("60").spawn().unwrap();
    ///     assert!(child.try_wait().unwrap().is_none());
    ///     child.kill().await.unwrap();
    ///     assert!(child.try_wait().unwrap().is_some());
    /// });
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let process = self.process_mut();
        if process.status.is_none() {
            process.status = process.std.try_wait()?;
        }
        Ok(process.status)
    }

    /// Sends `SIGKILL` and returns at once (gevent's `Popen.kill()`); nothing if the child
    /// was reaped already. [`wait`](Self::wait) to reap it.
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut child = Command::new("sleep").arg("60").spawn().unwrap();
    ///     child.start_kill().unwrap();
    ///     let status = child.wait().await.unwrap();
    ///     assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
    /// });
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        self.send_signal(libc::SIGKILL)
    }

    /// Sends `SIGKILL` and waits until the child is gone (tokio's `Child::kill`).
    ///
    /// ```
    /// use greenery::process::Command;
    /// greenery::run(async {
    ///     let mut child = Command::new("sleep").arg("60").spawn().unwrap();
    ///     child.kill().await.unwrap();
    ///     assert!(child.try_wait().unwrap().is_some());
    /// });
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Sends `signal` to the child (gevent's `Popen.send_signal`; `SIGTERM` is
    /// `Popen.terminate()`); nothing if the child was reaped already, so a reused pid is
    /// never signalled. `InvalidInput` for a number that is no signal.
    ///
    /// ```
    /// use greenery::process::Command;
    /// use greenery::signal::SIGTERM;
    /// greenery::run(async {
    ///     let mut child = Command::new("sleep").arg("60").spawn().unwrap();
    ///     child.send_signal(SIGTERM).unwrap();
    ///     let status = child.wait().await.unwrap();
    ///     assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(SIGTERM));
    /// });
    /// ```
    pub fn send_signal(&mut self, signal: i32) -> io::Result<()> {
        let process = self.process();
        if process.status.is_some() {
            return Ok(());
        }
        // Not reaped: the pid is still this child's (a zombie keeps it), so it cannot name
        // another process.
        // SAFETY: kill(2) takes a pid and a signal number; no memory is involved.
        if unsafe { libc::kill(process.std.id() as libc::pid_t, signal) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Closes stdin, reads stdout and stderr to their ends (both at once, so neither pipe
    /// fills up and stalls the child), waits for the exit, and returns it all (gevent's
    /// `Popen.communicate()`; to send input, write it to [`stdin`](Child::stdin) in a task
    /// first).
    ///
    /// ```
    /// use greenery::process::{Command, Stdio};
    /// greenery::run(async {
    ///     let child = Command::new("sh").args(["-c", "echo out; echo err >&2"])
    ///         .stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    ///     let output = child.wait_with_output().await.unwrap();
    ///     assert_eq!((output.stdout, output.stderr), (b"out\n".to_vec(), b"err\n".to_vec()));
    /// });
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let read_out = async {
            match &stdout {
                Some(pipe) => pipe.read_to_end(&mut out).await.map(drop),
                None => Ok(()),
            }
        };
        let read_err = async {
            match &stderr {
                Some(pipe) => pipe.read_to_end(&mut err).await.map(drop),
                None => Ok(()),
            }
        };
        let (read_out, read_err) = join(read_out, read_err).await;
        read_out?;
        read_err?;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout: out,
            stderr: err,
        })
    }
}

/// Runs two futures at once until both are done.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut a_out, mut b_out) = (None, None);
    poll_fn(|cx| {
        if a_out.is_none() {
            if let Poll::Ready(out) = a.as_mut().poll(cx) {
                a_out = Some(out);
            }
        }
        if b_out.is_none() {
            if let Poll::Ready(out) = b.as_mut().poll(cx) {
                b_out = Some(out);
            }
        }
        match (a_out.take(), b_out.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (a_out, b_out) = (a, b);
                Poll::Pending
            }
        }
    })
    .await
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut process) = self.process.take() else {
            return;
        };
        if !self.kill_on_drop || process.status.is_some() {
            return;
        }
        let _ = process.std.kill();
        if let Ok(Some(_)) = process.std.try_wait() {
            return;
        }
        // Killed but not gone yet: a task reaps it when it is (at once, in practice).
        if crate::runtime::context::current_core().is_some() {
            drop(crate::spawn(async move {
                let _ = process.wait().await;
            }));
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let process = self.process.as_ref();
        f.debug_struct("Child")
            .field("id", &process.map(|p| p.std.id()))
            .field("status", &process.and_then(|p| p.status))
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `SIGCHLD` fallback, forced: exit status, output and kill as with a pidfd.
    #[test]
    fn sigchld_fallback_waits_reads_and_kills() {
        crate::run(async {
            let mut child = Command::new("sh")
                .args(["-c", "echo fallback; exit 5"])
                .stdout(Stdio::piped())
                .spawn_watched(false)
                .unwrap();
            assert!(!child.uses_pidfd());
            let mut out = Vec::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_end(&mut out)
                .await
                .unwrap();
            assert_eq!(out, b"fallback\n");
            assert_eq!(child.wait().await.unwrap().code(), Some(5));

            let mut sleeper = Command::new("sleep")
                .arg("60")
                .spawn_watched(false)
                .unwrap();
            let waited =
                crate::time::timeout(std::time::Duration::from_millis(20), sleeper.wait()).await;
            assert!(waited.is_err());
            sleeper.kill().await.unwrap();
            let status = sleeper.try_wait().unwrap().unwrap();
            assert_eq!(
                std::os::unix::process::ExitStatusExt::signal(&status),
                Some(libc::SIGKILL)
            );
        });
    }
}
