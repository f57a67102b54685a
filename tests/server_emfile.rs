//! Running out of file descriptors: `accept` fails with `EMFILE`, the server reports it to
//! its hook, backs off instead of spinning, and serves the connection once fds free up.
//!
//! Its own test binary: it fills the process's fd table, which would upset other tests
//! running in parallel threads of the same process.

use std::cell::RefCell;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;
use std::time::Duration;

use greenery::net::TcpStream;
use greenery::server::StreamServer;
use greenery::time::{sleep, timeout};

/// Duplicates `fd` until the process runs out of descriptors; returns the copies.
fn exhaust_fds(fd: i32) -> Vec<OwnedFd> {
    let mut held = Vec::new();
    loop {
        // SAFETY: dup has no memory-safety preconditions; `fd` is open for the whole loop.
        let copy = unsafe { libc::dup(fd) };
        if copy < 0 {
            let err = std::io::Error::last_os_error();
            assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
            return held;
        }
        // SAFETY: `copy` is a new descriptor nobody else owns.
        held.push(unsafe { OwnedFd::from_raw_fd(copy) });
    }
}

#[test]
fn out_of_fds_accept_reports_backs_off_and_recovers() {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both pointers are to rlimit values on our stack.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
        // A small soft limit keeps the table quick to fill.
        let soft = libc::rlimit {
            rlim_cur: old.rlim_cur.min(256),
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &soft), 0);
    }
    let errors = Rc::new(RefCell::new(Vec::new()));
    greenery::run({
        let errors = errors.clone();
        async move {
            let server = StreamServer::bind("127.0.0.1:0", |conn: TcpStream, _peer| async move {
                let _ = conn.write_all(b"served").await;
            })
            .await
            .unwrap()
            .on_accept_error(move |err| errors.borrow_mut().push(err.raw_os_error()));
            server.start();
            greenery::yield_now().await;

            let devnull = std::fs::File::open("/dev/null").unwrap();
            let mut filler = exhaust_fds(devnull.as_raw_fd());
            filler.pop(); // room for the client's socket, none for the server's accept
            let client = TcpStream::connect(server.local_addr()).await.unwrap();
            let s = server.clone();
            let waited = timeout(Duration::from_secs(10), async move {
                while s.accept_errors() < 2 {
                    sleep(Duration::from_millis(1)).await;
                }
            })
            .await;
            assert!(waited.is_ok(), "accept never reported EMFILE");
            // Backing off (10 ms, doubling), not spinning: a handful of retries in 100 ms.
            sleep(Duration::from_millis(100)).await;
            let failed = server.accept_errors();
            assert!(failed <= 20, "{failed} accept errors in ~100 ms: spinning");

            filler.clear(); // descriptors free up
            let mut reply = Vec::new();
            timeout(Duration::from_secs(10), client.read_to_end(&mut reply))
                .await
                .expect("served once fds are back")
                .unwrap();
            assert_eq!(reply, b"served");
            assert_eq!(server.stop().await, 0);
        }
    });
    assert!(errors.borrow().iter().all(|e| *e == Some(libc::EMFILE)));
    // SAFETY: a pointer to an rlimit value on our stack.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) };
}
