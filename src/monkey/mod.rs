//! gevent's `monkey.patch_all()`, two ways.
//!
//! gevent patches Python's standard library at run time so that blocking code (`time.sleep`,
//! `socket`, `threading.Thread`) cooperates with the hub without being rewritten. greenery
//! offers:
//!
//! - **The real thing, for green threads** (feature `patch`, Linux with glibc): [`patch_all`]
//!   makes unmodified blocking std code and sync crates park the calling green thread instead
//!   of the OS thread, by interposing the libc functions they call. See [`patch`] for how, what
//!   is covered and what is not.
//! - **Cooperative stand-ins at std's module paths, for async code** (always available, this
//!   page): porting blocking std code is *swap the `use` line, add `.await`*.
//!
//! ```
//! // Before: use std::{thread, time::Duration};
//! use greenery::monkey::{thread, time::Duration};
//!
//! greenery::run(async {
//!     let worker = thread::spawn(async {
//!         thread::sleep(Duration::from_millis(10)).await; // was: thread::sleep(..);
//!         "done"
//!     })
//!     .await;
//!     assert_eq!(worker.join().await.unwrap(), "done"); // was: worker.join().unwrap()
//! });
//! ```
//!
//! | std (blocks the whole loop)               | greenery::monkey (blocks one task)                | port |
//! |-------------------------------------------|---------------------------------------------------|------|
//! | `std::thread::sleep(d)`                   | [`thread::sleep`]`(d).await`, [`time::sleep`]     | swap `use`, add `.await` |
//! | `std::thread::spawn(closure)`             | [`thread::spawn`]`(async move {..}).await`        | closure body becomes an `async move` block |
//! | `std::thread::yield_now()`                | [`thread::yield_now`]`().await`                   | add `.await` |
//! | `handle.join()`                           | [`thread::JoinHandle::join`]`().await`            | add `.await` |
//! | `std::net::{TcpListener, TcpStream, UdpSocket}` | [`net`]`::{TcpListener, TcpStream, UdpSocket}` | add `.await` to `bind`, `connect`, `accept`, IO |
//! | `std::time::{Duration, Instant}`          | [`time`]`::{Duration, Instant}` (std's own)       | nothing to change |
//! | `Read`/`Write` trait calls on sockets     | inherent `read`, `write_all`, … methods           | drop the trait import, add `.await` |
//! | `set_read_timeout`/`set_write_timeout`    | wrap the call: [`crate::time::timeout`]`(d, s.read(buf)).await` | its `Elapsed` converts into an `io::Error` of kind `TimedOut` |
//!
//! What the stand-ins do **not** cover, because they cannot: anything that calls into std or
//! libc directly still blocks the one thread every task runs on (in green threads, the `patch`
//! feature covers most of it).
//!
//! | still blocks the loop                     | instead |
//! |-------------------------------------------|---------|
//! | `std::thread::sleep`                      | [`thread::sleep`] / [`crate::time::sleep`] |
//! | `std::net` sockets, blocking DNS (`to_socket_addrs`) | [`net`] types; [`crate::net::lookup_host`] |
//! | file IO (`std::fs`), blocking library calls, heavy CPU work | [`crate::spawn_blocking`]`(move \|\| ..).await` |
//! | `std::sync::Mutex`/`Condvar` waits held across tasks | greenery's own synchronisation types |
//! | `std::process::Command::output`           | `spawn_blocking(move \|\| cmd.output())` |
//!
//! Two differences from gevent's patched `threading` (SEMANTICS rule 37): [`thread::spawn`]
//! is awaited and, like a patched `Thread.start()`, returns only after the new task has
//! started and run up to its first blocking point; and at the end of `main`, tasks nobody
//! joined are dropped (as std's threads are at process exit), where Python's interpreter
//! would wait for non-daemon threads: join them explicitly.

pub mod thread;

#[cfg(all(feature = "patch", target_os = "linux", target_env = "gnu"))]
pub mod patch;
#[cfg(all(feature = "patch", target_os = "linux", target_env = "gnu"))]
pub use self::patch::{is_patched, patch_all};
#[cfg(all(feature = "patch", not(all(target_os = "linux", target_env = "gnu"))))]
compile_error!(
    "greenery's `patch` feature interposes glibc's functions and needs Linux with glibc"
);

/// Cooperative sockets at `std::net`'s path: greenery's [`crate::net`] types.
///
/// ```
/// use greenery::monkey::net::{TcpListener, TcpStream};
///
/// greenery::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
///     let (server, _) = listener.accept().await.unwrap();
///     client.write_all(b"x").await.unwrap();
///     assert_eq!(server.read(&mut [0; 1]).await.unwrap(), 1);
/// });
/// ```
pub mod net {
    pub use crate::net::{
        IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, SocketAddrV4, SocketAddrV6, TcpListener,
        TcpStream, ToSocketAddrs, UdpSocket,
    };
}

/// Time at `std::time`'s path: std's `Duration`, `Instant` and `SystemTime`, plus a
/// cooperative [`sleep`](crate::time::sleep).
///
/// `Instant` is std's, read from the real clock; on a runtime built with
/// [`start_paused`](crate::Builder::start_paused) use [`crate::time::now`] for the virtual
/// clock.
///
/// ```
/// use greenery::monkey::time::{sleep, Duration, Instant};
///
/// greenery::run(async {
///     let start = Instant::now();
///     sleep(Duration::from_millis(5)).await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
/// });
/// ```
pub mod time {
    pub use crate::time::{sleep, sleep_until, timeout, Sleep};
    pub use std::time::{Duration, Instant, SystemTime, SystemTimeError, UNIX_EPOCH};
}
