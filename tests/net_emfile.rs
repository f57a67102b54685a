//! Running out of file descriptors: `accept` reports the error, and the listener serves the
//! waiting connection once fds are free again.
//!
//! Alone in its test binary: it lowers the process's fd limit.

use std::fs::File;

use greenery::net::{TcpListener, TcpStream};

#[test]
fn accept_reports_emfile_and_recovers_when_fds_free_up() {
    greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();

        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the rlimit struct we pass, which lives on our stack.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        let original = limit;
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as libc::rlim_t;
        limit.rlim_cur = open + 8;
        // SAFETY: setrlimit reads the rlimit struct we pass; lowering the soft limit is
        // always allowed.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);

        // Use up every fd we may still open.
        let mut filler = Vec::new();
        while let Ok(file) = File::open("/dev/null") {
            filler.push(file);
        }
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        // Still out of fds: still an error, not a hang.
        assert!(listener.accept().await.is_err());

        filler.clear();
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        client.write_all(b"ok").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");

        // SAFETY: as above; restoring the limit we read.
        assert_eq!(
            unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &original) },
            0
        );
    });
}
