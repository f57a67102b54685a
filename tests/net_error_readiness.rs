//! Error and hang-up readiness is consumed once: after a socket reports an error (an ICMP
//! "port unreachable" on a connected UDP socket, a reset TCP peer, a vanished Unix peer), the
//! next operation that finds nothing to do parks the task instead of spinning, so timers and
//! other tasks keep running.
//!
//! Each scenario runs on its own thread under a watchdog: before the fix the runtime spun at
//! 100% CPU inside `poll_io` and the `timeout` never fired, so a hang is reported as a failure
//! instead of stalling the test binary.

use std::io::ErrorKind;
use std::sync::mpsc;
use std::time::Duration;

use greenery::time::timeout;

/// Runs `scenario` on a fresh thread and fails if it has not finished within 20 s.
fn within_watchdog(scenario: fn()) {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        scenario();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("the runtime hung: error readiness turned WouldBlock into a busy loop")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the scenario panicked"),
    }
}

fn closed_udp_port() -> std::net::SocketAddr {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap() // dropped: nobody listens there any more
}

#[test]
fn connected_udp_recv_after_icmp_error_parks_and_times_out() {
    within_watchdog(|| {
        greenery::run(async {
            let socket = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.connect(closed_udp_port()).await.unwrap();
            socket.send(b"ping").await.unwrap();
            let mut buf = [0; 16];
            let err = socket.recv(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
            // The error is consumed: the next recv has nothing to read and must wait.
            let waited = timeout(Duration::from_millis(200), socket.recv(&mut buf)).await;
            assert!(
                waited.is_err(),
                "recv returned {waited:?} instead of waiting"
            );
        });
    });
}

#[test]
fn a_spinning_socket_does_not_starve_other_tasks() {
    within_watchdog(|| {
        greenery::run(async {
            let socket = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.connect(closed_udp_port()).await.unwrap();
            socket.send(b"ping").await.unwrap();
            greenery::time::sleep(Duration::from_millis(20)).await; // the ICMP error arrives
            let ticker = greenery::spawn(async {
                for _ in 0..3 {
                    greenery::time::sleep(Duration::from_millis(5)).await;
                }
                "ticked"
            });
            let reader = greenery::spawn(async move {
                let mut buf = [0; 16];
                let first = socket.recv(&mut buf).await.map_err(|e| e.kind());
                let second = timeout(Duration::from_millis(100), socket.recv(&mut buf)).await;
                (first, second.is_err())
            });
            assert_eq!(ticker.await.unwrap(), "ticked");
            assert_eq!(
                reader.await.unwrap(),
                (Err(ErrorKind::ConnectionRefused), true)
            );
        });
    });
}

#[test]
fn unconnected_udp_send_to_a_closed_port_then_recv_from_waits() {
    within_watchdog(|| {
        greenery::run(async {
            let socket = greenery::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.send_to(b"ping", closed_udp_port()).await.unwrap();
            greenery::time::sleep(Duration::from_millis(20)).await;
            let mut buf = [0; 16];
            // An unconnected socket gets no ICMP errors: recv_from just waits.
            let waited = timeout(Duration::from_millis(100), socket.recv_from(&mut buf)).await;
            assert!(waited.is_err());
        });
    });
}

#[test]
fn reset_tcp_peer_reports_once_then_reads_end_of_stream() {
    within_watchdog(|| {
        greenery::run(async {
            let listener = greenery::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let client = greenery::net::TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            // Linger 0 makes close send a RST instead of a FIN.
            socket2::SockRef::from(&server)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(server);
            let mut buf = [0; 16];
            let first = timeout(Duration::from_secs(5), client.read(&mut buf))
                .await
                .expect("the reset wakes the reader");
            assert_eq!(first.unwrap_err().kind(), ErrorKind::ConnectionReset);
            // After the reset the stream is at its end: reads return 0, never spin.
            for _ in 0..3 {
                let next = timeout(Duration::from_secs(5), client.read(&mut buf)).await;
                assert_eq!(next.expect("no hang").unwrap(), 0);
            }
            let write = timeout(Duration::from_secs(5), client.write(b"x")).await;
            assert!(write.expect("no hang").is_err());
        });
    });
}

#[test]
fn unix_datagram_to_a_vanished_peer_errors_then_recv_waits() {
    within_watchdog(|| {
        greenery::run(async {
            let dir = std::env::temp_dir().join(format!("greenery-err-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let peer_path = dir.join("peer.sock");
            let _ = std::fs::remove_file(&peer_path);
            let peer = std::os::unix::net::UnixDatagram::bind(&peer_path).unwrap();
            let socket = greenery::net::UnixDatagram::unbound().unwrap();
            socket.connect(&peer_path).unwrap();
            socket.send(b"hello").await.unwrap();
            drop(peer);
            let err = socket.send(b"again").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
            let mut buf = [0; 16];
            let waited = timeout(Duration::from_millis(100), socket.recv(&mut buf)).await;
            assert!(
                waited.is_err(),
                "recv returned {waited:?} instead of waiting"
            );
            std::fs::remove_dir_all(&dir).unwrap();
        });
    });
}
