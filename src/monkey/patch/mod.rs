//! gevent's `monkey.patch_all()`, for real: unmodified blocking code — std's sleeps and
//! sockets, and the sync crates built on them — yields inside green threads.
//!
//! With the `patch` cargo feature, greenery defines the libc functions that blocking std code
//! and C libraries call (`clock_nanosleep`, `recv`, `send`, `accept4`, `connect`, `poll`, ...;
//! the table below). rustc links every exported `#[no_mangle]` function of every crate into
//! the executable, and they land in its dynamic symbol table too, so std's calls and those of C
//! libraries bound through the PLT reach them instead of glibc's. Each passes straight through
//! to glibc (found with `dlsym(RTLD_NEXT, ..)`) until [`patch_all`] arms them; armed, a call
//! made by a green thread on something that would block (a sleep; a socket in blocking mode
//! that is not ready) parks that green thread on greenery's reactor, and the OS thread runs the
//! others meanwhile. Outside green threads every call still passes through.
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use std::time::Duration;
//! use greenery::green;
//!
//! greenery::monkey::patch_all();
//! green::run(|| {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap(); // plain std::net
//!     let addr = listener.local_addr().unwrap();
//!     let server = green::spawn(move || {
//!         let (mut conn, _) = listener.accept().unwrap(); // parks this green thread only
//!         let mut buf = [0; 5];
//!         conn.read_exact(&mut buf).unwrap();
//!         conn.write_all(&buf).unwrap();
//!     });
//!     std::thread::sleep(Duration::from_millis(10)); // parks main's green thread only
//!     let mut client = TcpStream::connect(addr).unwrap();
//!     client.write_all(b"hello").unwrap();
//!     let mut echo = [0; 5];
//!     client.read_exact(&mut echo).unwrap();
//!     assert_eq!(&echo, b"hello");
//!     server.join().unwrap();
//! });
//! ```
//!
//! # What the hooks keep
//!
//! - **The user's choices.** A socket the user set non-blocking (`set_nonblocking`,
//!   `O_NONBLOCK`, `SOCK_NONBLOCK`, `MSG_DONTWAIT`) still returns `WouldBlock` at once.
//!   `SO_RCVTIMEO`/`SO_SNDTIMEO` still end a call with the error a blocking socket gives
//!   (`EAGAIN`, so `WouldBlock`; `EINPROGRESS` for `connect`). Greenery sets `O_NONBLOCK`
//!   itself only on sockets, only when a green thread first waits on one, and hides it: the
//!   user's `F_GETFL` does not show it, a plain OS thread using the socket still gets blocking
//!   calls (emulated with the real `poll`).
//! - **Files, pipes, terminals** and every other non-socket fd keep their semantics: their
//!   calls pass straight through (and may block the OS thread, as in gevent).
//! - **Kills.** A green thread killed while parked in a hooked call gets an error from it
//!   (`ECANCELED`; a sleep ends early with nothing left, so std stops retrying), and unwinds at
//!   its next Rust-level blocking call, running its destructors: a hook's `extern "C"` frame
//!   cannot be unwound through. A killed green thread that keeps calling hooks without ever
//!   reaching such a call is abandoned after 1,000 calls rather than spinning.
//! - **Panics and kills in progress.** While a green thread unwinds, hooked calls block the OS
//!   thread as libc would (a destructor's `flush` still completes); they never suspend.
//! - **errno** is read right after each real call and set just before returning, never across
//!   a park. A forked child (`pre_exec`) passes everything through.
//!
//! # Coverage
//!
//! | call path | intercepted | shown by |
//! |---|---|---|
//! | `std::thread::sleep` (`clock_nanosleep`), `nanosleep`, libc `sleep`, `usleep` | yes | `patch.rs::thread_sleep_*`, `c_sleeps_are_cooperative` |
//! | `TcpListener::accept` (`accept4`), `accept` | yes | `patch.rs::std_net_echo_*` |
//! | `TcpStream::connect` (`connect`), `connect_timeout` (`ioctl` + `connect` + `poll`) | yes | `patch.rs::connect_*` |
//! | `Read`/`Write` on sockets (`recv`, `send`), `read`/`write`, `readv`/`writev`, `recvfrom`/`sendto`, `recvmsg`/`sendmsg`, `peek` | yes | `patch.rs::std_net_echo_*`, `udp_*` |
//! | `set_nonblocking` (`ioctl FIONBIO`), `fcntl(F_GETFL/F_SETFL)`, `try_clone` (`F_DUPFD_CLOEXEC`), `dup`/`dup2`/`dup3`, `close` | bookkeeping | `patch.rs::user_nonblocking_*`; no fd leaked: `std_net_echo_*` |
//! | `set_read_timeout`/`set_write_timeout` (`SO_RCVTIMEO`/`SO_SNDTIMEO`) | honoured | `patch.rs::read_timeout_*` |
//! | `poll` (C libraries, `connect_timeout`) | yes | `patch.rs::connect_*`, `c_poll_*` |
//! | `getaddrinfo` (`ToSocketAddrs` for host names) | yes: runs on the blocking pool | `patch.rs::host_names_resolve_off_the_loop` |
//! | `_FORTIFY_SOURCE` variants `__read_chk`, `__recv_chk`, `__recvfrom_chk`, `__poll_chk` | yes | `patch.rs::fortified_*` |
//! | sync crates on std sockets: `ureq`, the `redis` crate's sync client | yes | `interop/tests/patch_ureq.rs`, `interop/tests/patch_redis.rs` |
//! | a kill while parked in any of the above | the call fails with `ECANCELED`; the green thread unwinds at its next Rust-level blocking call | `patch.rs::a_green_thread_killed_in_recv_or_sleep_unwinds`, `a_killed_green_thread_that_ignores_its_errors_is_abandoned_not_spun` |
//! | `std::sync::Mutex`/`Condvar`/`mpsc`, `thread::park`, `JoinHandle::join` (futex via `syscall`) | **no**: blocks the OS thread; with another green thread on the other side, a deadlock | use greenery's `sync`/`queue` types; the blocked-loop monitor names the culprit |
//! | raw syscalls (`rustix`'s `linux_raw` backend, `libc::syscall`) | **no** | the crate's libc backend, or `spawn_blocking` |
//! | glibc-internal calls (glibc's own resolver sockets, `system`, `posix_spawn` internals) | **no** | `greenery::process`, `spawn_blocking` |
//! | `select`, `pselect`, `ppoll`, `epoll_wait` from user code | **no** | `poll`, or greenery's `AsyncFd` |
//! | regular files, pipes, terminals (`std::fs`, stdin/stdout) | **no**, on purpose | `spawn_blocking`, `greenery::io::AsyncFd` |
//! | `waitpid` (`Command::status`) | **no** | `greenery::process` |
//! | a `cdylib` opened with `dlopen` | **no**: libc is earlier in the global scope | link it with `-Wl,-Bsymbolic-functions`, or load it before libc |
//!
//! What is not intercepted blocks the whole OS thread, silently; the blocked-loop monitor
//! reports such a stall with the task that caused it.
//!
//! # Limits
//!
//! Linux with glibc only (`dlsym(RTLD_NEXT)`; `ioctl` and `fcntl` are defined with a fixed
//! third argument, ABI-compatible with their variadic declarations on x86_64 and aarch64).
//! Hooks are not async-signal-safe: do not call socket functions from signal handlers of a
//! patched program. Another crate defining the same symbols makes the link fail or pick one.

mod fds;
mod hooks;
mod real;
mod wait;

use std::sync::atomic::{AtomicBool, Ordering};

static ARMED: AtomicBool = AtomicBool::new(false);
static FORKED: AtomicBool = AtomicBool::new(false);

/// Whether the hooks act (armed, and not in a forked child).
#[inline]
fn armed() -> bool {
    ARMED.load(Ordering::Relaxed) && !FORKED.load(Ordering::Relaxed)
}

/// Arms the libc hooks for the whole process (gevent's `monkey.patch_all()`): from now on,
/// blocking std and libc calls made inside green threads park the green thread instead of the
/// OS thread. Calls made outside green threads are unaffected. Calling it again does nothing.
///
/// ```
/// use std::{cell::RefCell, rc::Rc, time::Duration};
/// greenery::monkey::patch_all();
/// assert!(greenery::monkey::is_patched());
/// let log = Rc::new(RefCell::new(Vec::new()));
/// greenery::green::run({
///     let log = log.clone();
///     move || {
///         let l = log.clone();
///         let sleeper = greenery::green::spawn(move || {
///             std::thread::sleep(Duration::from_millis(10));
///             l.borrow_mut().push("sleeper");
///         });
///         std::thread::sleep(Duration::from_millis(50)); // parks main only: the sleeper runs
///         log.borrow_mut().push("main");
///         sleeper.join().unwrap();
///     }
/// });
/// assert_eq!(*log.borrow(), ["sleeper", "main"]);
/// ```
pub fn patch_all() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        extern "C" fn in_child() {
            FORKED.store(true, Ordering::Relaxed);
        }
        // SAFETY: registering a plain function as the fork-child handler.
        unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
    });
    ARMED.store(true, Ordering::Relaxed);
}

/// Whether [`patch_all`] has armed the hooks.
///
/// ```
/// greenery::monkey::patch_all();
/// assert!(greenery::monkey::is_patched());
/// ```
pub fn is_patched() -> bool {
    ARMED.load(Ordering::Relaxed)
}
