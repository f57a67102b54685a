//! `patch_all`: unmodified blocking std code yields inside green threads (feature `patch`).
//! One test per row of the coverage table in `greenery::monkey` (patch section).

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::{Finally, Log};
use greenery::green;

fn patched() {
    greenery::monkey::patch_all();
}

/// Tests that count the process's threads, and tests that may start one (a DNS lookup starts
/// a blocking-pool thread), run one at a time.
static THREADS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// OS threads of this process, from `/proc/self/status`.
fn os_threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

const MS: Duration = Duration::from_millis(1);

#[test]
fn thread_sleep_in_a_thousand_green_threads_overlaps_on_one_os_thread() {
    let _alone = THREADS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    patched();
    let (elapsed, woke, threads_during) = green::run(|| {
        let threads_before = os_threads();
        let start = Instant::now();
        let sleepers: Vec<_> = (0..1_000)
            .map(|_| {
                green::spawn(move || {
                    std::thread::sleep(100 * MS); // unmodified std
                    start.elapsed()
                })
            })
            .collect();
        // Every sleeper is now parked in clock_nanosleep.
        green::yield_now();
        // Growth only: the thread of the test before, or a pool thread, may exit meanwhile.
        let threads_during = os_threads().saturating_sub(threads_before);
        let woke: Vec<Duration> = sleepers.into_iter().map(|s| s.join().unwrap()).collect();
        (start.elapsed(), woke, threads_during)
    });
    assert_eq!(threads_during, 0, "no OS thread was added");
    assert!(woke.iter().all(|&w| w >= 100 * MS), "a sleep ended early");
    // Sequential sleeps would take 100 s; overlapping ones about 0.1 s.
    assert!(
        elapsed < Duration::from_secs(10),
        "sleeps did not overlap: {elapsed:?}"
    );
}

#[test]
fn thread_sleep_on_a_plain_os_thread_passes_through() {
    patched();
    let start = Instant::now();
    std::thread::sleep(30 * MS);
    assert!(start.elapsed() >= 30 * MS);
    // Also outside a green thread but inside a runtime (async code): a real, blocking sleep.
    greenery::run(async {
        let start = Instant::now();
        std::thread::sleep(30 * MS);
        assert!(start.elapsed() >= 30 * MS);
    });
}

#[test]
fn c_sleeps_are_cooperative() {
    patched();
    let log = Log::new();
    green::run({
        let log = log.clone();
        move || {
            let l = log.clone();
            let ticker = green::spawn(move || {
                for i in 0..3 {
                    l.push(format!("tick {i}"));
                    green::sleep(10 * MS);
                }
            });
            // SAFETY: plain libc calls with valid arguments.
            unsafe {
                libc::usleep(15_000);
                log.push("usleep done");
                let ts = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 15_000_000,
                };
                libc::nanosleep(&ts, std::ptr::null_mut());
                log.push("nanosleep done");
            }
            ticker.join().unwrap();
        }
    });
    log.assert("tick 0\ntick 1\nusleep done\ntick 2\nnanosleep done");
}

/// An echo server written with plain `std::net`, a green thread per connection.
fn echo_server(listener: TcpListener) {
    loop {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        green::spawn(move || {
            let mut buf = [0; 1024];
            loop {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if conn.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

#[test]
fn std_net_echo_with_a_thousand_concurrent_connections() {
    patched();
    let fds_before = open_fds();
    let replies = green::run(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = green::spawn(move || echo_server(listener));
        let clients: Vec<_> = (0..1_000u32)
            .map(|i| {
                green::spawn(move || {
                    let mut stream = TcpStream::connect(addr).unwrap();
                    green::yield_now(); // every client connected before any writes
                    let message = format!("hello {i}");
                    stream.write_all(message.as_bytes()).unwrap();
                    let mut echo = vec![0; message.len()];
                    stream.read_exact(&mut echo).unwrap();
                    String::from_utf8(echo).unwrap() == message
                })
            })
            .collect();
        let ok = clients
            .into_iter()
            .filter(|_| true)
            .map(|c| c.join().unwrap())
            .filter(|&ok| ok)
            .count();
        server.kill();
        ok
    });
    assert_eq!(replies, 1_000);
    // Let the kernel finish closing, then every socket must be gone.
    std::thread::sleep(50 * MS);
    assert!(
        open_fds() <= fds_before + 2,
        "fds leaked: {} -> {}",
        fds_before,
        open_fds()
    );
}

#[test]
fn user_nonblocking_sockets_still_say_would_block() {
    patched();
    green::run(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        let start = Instant::now();
        let err = server.read(&mut [0; 8]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert!(start.elapsed() < Duration::from_secs(1));
        listener.set_nonblocking(true).unwrap();
        assert_eq!(listener.accept().unwrap_err().kind(), ErrorKind::WouldBlock);
        // Back to blocking: the read waits (parks) until data comes.
        server.set_nonblocking(false).unwrap();
        let writer = green::spawn(move || {
            green::sleep(10 * MS);
            (&client).write_all(b"late").unwrap();
            client
        });
        let mut buf = [0; 4];
        server.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"late");
        drop(writer.join().unwrap());
    });
}

#[test]
fn read_timeout_gives_the_blocking_sockets_error() {
    patched();
    green::run(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server.set_read_timeout(Some(50 * MS)).unwrap();
        let ticker = green::spawn(|| {
            green::sleep(10 * MS);
            "ticked"
        });
        let start = Instant::now();
        let err = server.read(&mut [0; 8]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock); // what a blocking socket says
        assert!(start.elapsed() >= 50 * MS);
        assert_eq!(ticker.join().unwrap(), "ticked"); // it ran during the wait
    });
}

#[test]
fn connect_timeout_and_refusals_behave_as_in_std() {
    patched();
    green::run(|| {
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = TcpStream::connect(closed).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let err = TcpStream::connect_timeout(&closed, Duration::from_secs(2)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream =
            TcpStream::connect_timeout(&listener.local_addr().unwrap(), Duration::from_secs(2));
        assert!(stream.is_ok());
    });
}

#[test]
fn c_poll_parks_the_green_thread() {
    patched();
    let log = Log::new();
    green::run({
        let log = log.clone();
        move || {
            let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
            let l = log.clone();
            let other = green::spawn(move || {
                l.push("other runs while main polls");
                green::sleep(5 * MS);
                writer.write_all(b"x").unwrap();
                writer // kept open: a closed peer would make the second poll readable
            });
            let mut entry = libc::pollfd {
                fd: std::os::fd::AsRawFd::as_raw_fd(&reader),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut entry, 1, 5_000) };
            log.push(format!(
                "poll returned {ready}, readable {}",
                entry.revents & libc::POLLIN != 0
            ));
            // With the byte read and nothing more coming, a poll times out with 0.
            let mut buf = [0u8; 1];
            (&reader).read_exact(&mut buf).unwrap();
            let mut quiet = libc::pollfd {
                fd: entry.fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: as above.
            let none = unsafe { libc::poll(&mut quiet, 1, 10) };
            log.push(format!("then poll timed out: {none}"));
            drop(other.join().unwrap());
        }
    });
    log.assert(
        "other runs while main polls
         poll returned 1, readable true
         then poll timed out: 0",
    );
}

#[test]
fn udp_recv_from_parks() {
    patched();
    green::run(|| {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = a.local_addr().unwrap();
        let sender = green::spawn(move || {
            green::sleep(5 * MS);
            b.send_to(b"datagram", to).unwrap();
        });
        let mut buf = [0; 16];
        let (n, _) = a.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"datagram");
        sender.join().unwrap();
    });
}

#[test]
fn host_names_resolve_off_the_loop() {
    let _alone = THREADS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    patched();
    green::run(|| {
        use std::net::ToSocketAddrs;
        let addrs: Vec<_> = ("localhost", 80).to_socket_addrs().unwrap().collect();
        assert!(addrs.iter().any(|a| a.ip().is_loopback()), "{addrs:?}");
        let err = ("no-such-host.invalid", 80).to_socket_addrs();
        assert!(err.is_err());
    });
}

extern "C" {
    fn __read_chk(fd: libc::c_int, buf: *mut libc::c_void, n: usize, buflen: usize) -> isize;
}

#[test]
fn fortified_read_is_hooked_too() {
    patched();
    green::run(|| {
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        let writer = green::spawn(move || {
            green::sleep(5 * MS);
            b.write_all(b"fortified").unwrap();
        });
        let mut buf = [0u8; 16];
        let fd = std::os::fd::AsRawFd::as_raw_fd(&a);
        // SAFETY: a valid fd and buffer; buflen is the buffer's size.
        let n = unsafe { __read_chk(fd, buf.as_mut_ptr().cast(), buf.len(), buf.len()) };
        assert_eq!(&buf[..n as usize], b"fortified");
        writer.join().unwrap();
    });
}

#[test]
fn a_green_thread_killed_in_recv_or_sleep_unwinds() {
    patched();
    let log = Log::new();
    green::run({
        let log = log.clone();
        move || {
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            let l = log.clone();
            let reader = green::spawn(move || {
                let _guard = Finally(l.clone(), "reader".to_string());
                let got = (&a).read(&mut [0; 8]);
                l.push(format!(
                    "recv returned {:?}",
                    got.map_err(|e| e.raw_os_error())
                ));
                green::yield_now(); // the next Rust-level blocking call unwinds
                l.push("never");
            });
            let l = log.clone();
            let sleeper = green::spawn(move || {
                let _guard = Finally(l.clone(), "sleeper".to_string());
                std::thread::sleep(Duration::from_secs(3600));
                l.push("sleep returned early");
                green::yield_now();
                l.push("never");
            });
            green::yield_now();
            reader.kill();
            sleeper.kill();
            log.push("both killed");
            assert!(reader.join().unwrap_err().is_killed());
            assert!(sleeper.join().unwrap_err().is_killed());
        }
    });
    log.assert(&format!(
        "recv returned Err(Some({}))
         reader dropped
         sleep returned early
         sleeper dropped
         both killed",
        libc::ECANCELED
    ));
}

/// A kill cannot unwind through a hook, so the hook reports `ECANCELED`; a loop that ignores
/// those errors would call hooks for ever. After 1,000 such calls the green thread is
/// abandoned (its stack leaked, reported) and the kill completes.
#[test]
fn a_killed_green_thread_that_ignores_its_errors_is_abandoned_not_spun() {
    patched();
    green::run(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stubborn = green::spawn(move || {
            for _ in listener.incoming().flatten() {} // ignores every accept error
            unreachable!("incoming() never ends");
        });
        green::yield_now(); // it waits in accept
        stubborn.kill(); // returns: after 1,000 canceled accepts it was abandoned
        assert!(stubborn.join().unwrap_err().is_killed());
    });
}
