//! UDP on real loopback sockets.

use std::io::ErrorKind;
use std::time::Duration;

use greenery::net::UdpSocket;
use greenery::time::timeout;

async fn bound() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

#[test]
fn datagrams_keep_their_boundaries_and_senders() {
    greenery::run(async {
        let (a, b, c) = (bound().await, bound().await, bound().await);
        let to = c.local_addr().unwrap();
        a.send_to(b"from a", to).await.unwrap();
        b.send_to(b"from b, longer", to).await.unwrap();
        a.send_to(b"", to).await.unwrap(); // an empty datagram is a datagram
        let mut buf = [0; 64];
        let (n, from) = c.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"from a"[..], a.local_addr().unwrap()));
        let (n, from) = c.peek_from(&mut buf).await.unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"from b, longer"[..], b.local_addr().unwrap())
        );
        let (n, _) = c.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from b, longer");
        assert_eq!(c.recv_from(&mut buf).await.unwrap().0, 0);
    });
}

#[test]
fn a_short_buffer_truncates_the_datagram() {
    greenery::run(async {
        let (a, b) = (bound().await, bound().await);
        a.send_to(b"0123456789", b.local_addr().unwrap())
            .await
            .unwrap();
        let mut small = [0; 4];
        let (n, _) = b.recv_from(&mut small).await.unwrap();
        assert_eq!(&small[..n], b"0123");
    });
}

#[test]
fn a_receiver_waits_without_blocking_other_tasks() {
    greenery::run(async {
        let (a, b) = (bound().await, bound().await);
        let to = b.local_addr().unwrap();
        let receiver = greenery::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0; 16];
            for _ in 0..3 {
                let (n, _) = b.recv_from(&mut buf).await.unwrap();
                got.push(buf[..n].to_vec());
            }
            got
        });
        for msg in [&b"one"[..], b"two", b"three"] {
            greenery::yield_now().await; // the receiver parks between datagrams
            a.send_to(msg, to).await.unwrap();
        }
        assert_eq!(receiver.await.unwrap(), [&b"one"[..], b"two", b"three"]);
    });
}

#[test]
fn connected_sockets_send_and_recv() {
    greenery::run(async {
        let (a, b) = (bound().await, bound().await);
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        a.send(b"ping").await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(b.peek(&mut buf).await.unwrap(), 4);
        assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
        b.send(b"pong").await.unwrap();
        assert_eq!(a.recv(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"pong");
    });
}

#[test]
fn sending_to_a_closed_port_reports_refused_on_a_connected_socket() {
    greenery::run(async {
        let closed = {
            let s = bound().await;
            s.local_addr().unwrap()
        };
        let a = bound().await;
        a.connect(closed).await.unwrap();
        a.send(b"anyone?").await.unwrap();
        // The ICMP port-unreachable comes back as ECONNREFUSED on the next receive.
        let err = a.recv(&mut [0; 8]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn unconnected_errors_and_bad_input() {
    greenery::run(async {
        let a = bound().await;
        assert_eq!(a.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
        let err = a.send_to(b"x", "not an address").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let err = UdpSocket::bind(a.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        a.set_broadcast(true).unwrap();
        assert!(a.broadcast().unwrap());
        a.set_ttl(7).unwrap();
        assert_eq!(a.ttl().unwrap(), 7);
    });
}

#[test]
fn timeout_around_recv() {
    greenery::run(async {
        let a = bound().await;
        let err: std::io::Error = timeout(Duration::from_millis(20), a.recv_from(&mut [0; 8]))
            .await
            .unwrap_err()
            .into();
        assert_eq!(err.kind(), ErrorKind::TimedOut);
    });
}
