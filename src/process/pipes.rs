//! A child's pipes: [`ChildStdin`], [`ChildStdout`], [`ChildStderr`] on the reactor.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll, Waker};

use crate::io::{sealed::Parks, sys, AsyncFd, PollRead, PollWrite};

/// Registers our end of a pipe to the child. Making it non-blocking is ours to do: the
/// child's end is a separate open file description, unaffected.
fn register<T: AsFd>(end: T) -> io::Result<AsyncFd<T>> {
    sys::set_nonblocking(end.as_fd().as_raw_fd())?;
    AsyncFd::new(end)
}

macro_rules! pipe_common {
    ($ty:ident, $std:ty) => {
        impl $ty {
            pub(super) fn new(end: $std) -> io::Result<$ty> {
                Ok($ty { fd: register(end)? })
            }
        }

        impl Parks for $ty {
            fn forget_waker(&self, read: bool, waker: &Waker) {
                self.fd.forget_waker(read, waker)
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.fd.as_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.fd.as_raw_fd()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.fd.as_raw_fd())
                    .finish()
            }
        }
    };
}

macro_rules! reader {
    ($(#[$doc:meta])* $ty:ident, $std:ty, $field:literal, $fd:literal) => {
        $(#[$doc])*
        pub struct $ty {
            fd: AsyncFd<$std>,
        }

        pipe_common!($ty, $std);

        impl $ty {
            /// Reads into `buf`, waiting for the child to write; `Ok(0)` once it closed its
            /// end (usually: it exited).
            ///
            /// ```
            /// use greenery::process::{Command, Stdio};
            /// greenery::run(async {
            #[doc = concat!("    let mut child = Command::new(\"sh\").args([\"-c\", \"printf hi >&", $fd, "\"])")]
            #[doc = concat!("        .", $field, "(Stdio::piped()).spawn().unwrap();")]
            #[doc = concat!("    let pipe = child.", $field, ".take().unwrap();")]
            ///     let mut buf = [0; 16];
            ///     let n = pipe.read(&mut buf).await.unwrap();
            ///     assert_eq!(&buf[..n], b"hi");
            ///     child.wait().await.unwrap();
            /// });
            /// ```
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.fd.read(buf).await
            }

            /// Fills `buf`; `UnexpectedEof` if the child closes its end first.
            ///
            /// ```
            /// use greenery::process::{Command, Stdio};
            /// greenery::run(async {
            #[doc = concat!("    let mut child = Command::new(\"sh\").args([\"-c\", \"printf abc >&", $fd, "\"])")]
            #[doc = concat!("        .", $field, "(Stdio::piped()).spawn().unwrap();")]
            #[doc = concat!("    let pipe = child.", $field, ".take().unwrap();")]
            ///     let mut buf = [0; 2];
            ///     pipe.read_exact(&mut buf).await.unwrap();
            ///     assert_eq!(&buf, b"ab");
            ///     let err = pipe.read_exact(&mut buf).await.unwrap_err();
            ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
            ///     child.wait().await.unwrap();
            /// });
            /// ```
            pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
                self.fd.read_exact(buf).await
            }

            /// Reads until the child closes its end, appending to `buf`.
            ///
            /// ```
            /// use greenery::process::{Command, Stdio};
            /// greenery::run(async {
            #[doc = concat!("    let mut child = Command::new(\"sh\").args([\"-c\", \"printf 'a\\nb' >&", $fd, "\"])")]
            #[doc = concat!("        .", $field, "(Stdio::piped()).spawn().unwrap();")]
            #[doc = concat!("    let pipe = child.", $field, ".take().unwrap();")]
            ///     let mut all = Vec::new();
            ///     pipe.read_to_end(&mut all).await.unwrap();
            ///     assert_eq!(all, b"a\nb");
            ///     child.wait().await.unwrap();
            /// });
            /// ```
            pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
                self.fd.read_to_end(buf).await
            }

            /// Polls a read into `buf`.
            ///
            /// ```
            /// use std::future::poll_fn;
            /// use greenery::process::{Command, Stdio};
            /// greenery::run(async {
            #[doc = concat!("    let mut child = Command::new(\"sh\").args([\"-c\", \"printf x >&", $fd, "\"])")]
            #[doc = concat!("        .", $field, "(Stdio::piped()).spawn().unwrap();")]
            #[doc = concat!("    let pipe = child.", $field, ".take().unwrap();")]
            ///     let mut buf = [0; 4];
            ///     assert_eq!(poll_fn(|cx| pipe.poll_read(cx, &mut buf)).await.unwrap(), 1);
            ///     child.wait().await.unwrap();
            /// });
            /// ```
            pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.fd.poll_read(cx, buf)
            }
        }

        impl PollRead for $ty {
            fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.fd.poll_read(cx, buf)
            }
        }
    };
}

reader!(
    /// Our end of the child's standard output (`Command::stdout(Stdio::piped())`). Read it
    /// directly, or line by line with [`BufReader`](crate::io::BufReader).
    ChildStdout,
    std::process::ChildStdout,
    "stdout",
    "1"
);

reader!(
    /// Our end of the child's standard error (`Command::stderr(Stdio::piped())`).
    ChildStderr,
    std::process::ChildStderr,
    "stderr",
    "2"
);

/// Our end of the child's standard input (`Command::stdin(Stdio::piped())`). Drop it to
/// close it: the child then reads end of file.
///
/// ```
/// use greenery::process::{Command, Stdio};
/// greenery::run(async {
///     let mut child = Command::new("cat")
///         .stdin(Stdio::piped())
///         .stdout(Stdio::piped())
///         .spawn()
///         .unwrap();
///     let stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"echoed").await.unwrap();
///     drop(stdin); // cat sees end of file and exits
///     let output = child.wait_with_output().await.unwrap();
///     assert_eq!(output.stdout, b"echoed");
/// });
/// ```
pub struct ChildStdin {
    fd: AsyncFd<std::process::ChildStdin>,
}

pipe_common!(ChildStdin, std::process::ChildStdin);

impl ChildStdin {
    /// Writes some of `buf`, waiting while the pipe is full. `BrokenPipe` once the child
    /// closed its end.
    ///
    /// ```
    /// use greenery::process::{Command, Stdio};
    /// greenery::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
    ///     let stdin = child.stdin.take().unwrap();
    ///     assert_eq!(stdin.write(b"x").await.unwrap(), 1);
    ///     drop(stdin);
    ///     child.wait().await.unwrap();
    /// });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.fd.write(buf).await
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// use greenery::process::{Command, Stdio};
    /// greenery::run(async {
    ///     let mut child = Command::new("wc").arg("-c").stdin(Stdio::piped())
    ///         .stdout(Stdio::piped()).spawn().unwrap();
    ///     let stdin = child.stdin.take().unwrap();
    ///     stdin.write_all(&[b'x'; 100_000]).await.unwrap(); // more than a pipe holds
    ///     drop(stdin);
    ///     let output = child.wait_with_output().await.unwrap();
    ///     assert_eq!(String::from_utf8(output.stdout).unwrap().trim(), "100000");
    /// });
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.fd.write_all(buf).await
    }

    /// Polls a write of `buf`.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use greenery::process::{Command, Stdio};
    /// greenery::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
    ///     let stdin = child.stdin.take().unwrap();
    ///     assert_eq!(poll_fn(|cx| stdin.poll_write(cx, b"x")).await.unwrap(), 1);
    ///     drop(stdin);
    ///     child.wait().await.unwrap();
    /// });
    /// ```
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.fd.poll_write(cx, buf)
    }
}

impl PollWrite for ChildStdin {
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.fd.poll_write(cx, buf)
    }
}
