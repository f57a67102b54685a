//! No fd leak: after 10,000 connections the process has as many fds open as before.
//!
//! Alone in its test binary so no other test opens fds meanwhile.

use std::time::Duration;

use greenery::net::{TcpListener, TcpStream};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn fds_return_to_baseline_after_10_000_connections() {
    greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let baseline = open_fds();
        let server = greenery::spawn(async move {
            for _ in 0..10_000 {
                let (conn, _) = listener.accept().await.unwrap();
                drop(conn);
            }
            listener
        });
        for _ in 0..10_000 {
            let conn = TcpStream::connect(addr).await.unwrap();
            // Close with RST: no TIME_WAIT, so repeated runs do not exhaust local ports.
            socket2::SockRef::from(&conn)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
        }
        let listener = server.await.unwrap();
        assert_eq!(open_fds(), baseline);
        drop(listener);
        assert_eq!(open_fds(), baseline - 1);
    });
}
