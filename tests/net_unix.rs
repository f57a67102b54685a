//! Unix domain sockets: stream listener/connect, pairs, datagrams.

use std::io::ErrorKind;
use std::net::Shutdown;
use std::path::PathBuf;

use greenery::net::{UnixDatagram, UnixListener, UnixStream};

/// A fresh directory for socket files, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("greenery-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn stream_echo_through_a_socket_file() {
    let dir = TempDir::new("echo");
    let path = dir.0.join("echo.sock");
    greenery::run(async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let server = greenery::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            conn.read_to_end(&mut buf).await.unwrap();
            conn.write_all(&buf).await.unwrap();
        });
        let client = UnixStream::connect(&path).await.unwrap();
        let payload = vec![7u8; 1 << 20]; // more than the socket buffer
        let writer = {
            let payload = payload.clone();
            let client = std::rc::Rc::new(client);
            let c = client.clone();
            greenery::spawn(async move {
                c.write_all(&payload).await.unwrap();
                c.shutdown(Shutdown::Write).unwrap();
            });
            client
        };
        let mut back = Vec::new();
        writer.read_to_end(&mut back).await.unwrap();
        assert!(back == payload);
        server.await.unwrap();
    });
}

#[test]
fn connecting_to_a_missing_or_dead_socket_fails() {
    let dir = TempDir::new("missing");
    greenery::run(async {
        let err = UnixStream::connect(dir.0.join("nobody")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let path = dir.0.join("dead.sock");
        drop(UnixListener::bind(&path).unwrap()); // the file stays, nobody listens
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let err = UnixListener::bind(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    });
}

#[test]
fn stream_pair_half_close_and_peer_drop() {
    greenery::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        a.write_all(b"abc").await.unwrap();
        a.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"abc");
        b.write_all(b"back").await.unwrap();
        let mut buf = [0; 4];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"back");
        drop(a);
        let err = b.write_all(b"to nobody").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        let err = b.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn datagrams_by_path_and_by_pair() {
    let dir = TempDir::new("dgram");
    greenery::run(async {
        let server_path = dir.0.join("server.sock");
        let server = UnixDatagram::bind(&server_path).unwrap();
        let client = UnixDatagram::bind(dir.0.join("client.sock")).unwrap();
        let receiver = greenery::spawn(async move {
            let mut buf = [0; 32];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            server
                .send_to(&buf[..n], from.as_pathname().unwrap())
                .await
                .unwrap();
            buf[..n].to_vec()
        });
        client.send_to(b"hello", &server_path).await.unwrap();
        let mut buf = [0; 32];
        let (n, from) = client.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        assert_eq!(from.as_pathname(), Some(server_path.as_path()));
        assert_eq!(receiver.await.unwrap(), b"hello");

        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"x").await.unwrap();
        a.send(b"yz").await.unwrap();
        assert_eq!(b.recv(&mut buf).await.unwrap(), 1);
        assert_eq!(b.recv(&mut buf).await.unwrap(), 2);
        let unbound = UnixDatagram::unbound().unwrap();
        unbound.connect(dir.0.join("client.sock")).unwrap();
        assert!(unbound.peer_addr().is_ok());
    });
}
