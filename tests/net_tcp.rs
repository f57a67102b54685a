//! TCP on real loopback sockets: round trips, concurrency, large transfers, half-close,
//! resets, refused connections, timeouts, kills, and fd hygiene.

use std::cell::RefCell;
use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use greenery::net::{TcpListener, TcpStream};
use greenery::time::{sleep, timeout};

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A connected (client, server) pair.
async fn pair() -> (TcpStream, TcpStream) {
    let (listener, addr) = listener().await;
    let client = TcpStream::connect(addr).await.unwrap();
    let (server, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    (client, server)
}

fn set_linger_zero(stream: &TcpStream) {
    socket2::SockRef::from(stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
}

#[test]
fn echo_round_trip() {
    greenery::run(async {
        let (listener, addr) = listener().await;
        let server = greenery::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            let mut buf = [0; 64];
            loop {
                let n = conn.read(&mut buf).await.unwrap();
                if n == 0 {
                    return;
                }
                conn.write_all(&buf[..n]).await.unwrap();
            }
        });
        let client = TcpStream::connect(addr).await.unwrap();
        for word in [&b"alpha"[..], b"beta", b"gamma"] {
            client.write_all(word).await.unwrap();
            let mut back = vec![0; word.len()];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(back, word);
        }
        client.shutdown(Shutdown::Write).unwrap();
        server.await.unwrap();
        let mut rest = Vec::new();
        assert_eq!(client.read_to_end(&mut rest).await.unwrap(), 0);
    });
}

#[test]
fn loopback_connect_does_not_wait_for_accept() {
    // SEMANTICS rule 38: the handshake completes in the kernel, before anyone accepts; even
    // the request can be sent before the server first runs.
    let log = Rc::new(RefCell::new(Vec::new()));
    greenery::run({
        let log = log.clone();
        async move {
            let (listener, addr) = listener().await;
            let server = greenery::spawn({
                let log = log.clone();
                async move {
                    log.borrow_mut().push("server: accept()");
                    let (conn, _) = listener.accept().await.unwrap();
                    log.borrow_mut().push("server: accepted");
                    let mut buf = [0; 2];
                    conn.read_exact(&mut buf).await.unwrap();
                    conn.write_all(&buf.to_ascii_uppercase()).await.unwrap();
                }
            });
            let client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"hi").await.unwrap();
            log.borrow_mut().push("client: connected and sent");
            let mut buf = [0; 2];
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"HI");
            server.await.unwrap();
            assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        }
    });
    // The server task ran (and parked in accept) while connect waited for the handshake;
    // which of the two is woken first by the same readiness batch is not specified.
    let log = log.borrow();
    assert_eq!(log[0], "server: accept()");
    assert_eq!(log.len(), 3);
    let without_server = greenery::run(async {
        let (listener, addr) = listener().await;
        // Nobody ever accepts: connecting and writing still complete.
        let client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hi").await.unwrap();
        let connected = client.peer_addr().unwrap() == addr;
        drop(listener);
        connected
    });
    assert!(without_server);
}

#[test]
fn many_concurrent_clients_on_one_thread() {
    const CLIENTS: usize = 200;
    greenery::run(async {
        let (listener, addr) = listener().await;
        let server = greenery::spawn(async move {
            loop {
                let (conn, _) = listener.accept().await.unwrap();
                greenery::spawn(async move {
                    let mut buf = [0; 16];
                    loop {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => conn.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                });
            }
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                greenery::spawn(async move {
                    let conn = TcpStream::connect(addr).await.unwrap();
                    let msg = (i as u32).to_be_bytes();
                    for _ in 0..5 {
                        conn.write_all(&msg).await.unwrap();
                        let mut back = [0; 4];
                        conn.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg);
                        greenery::yield_now().await;
                    }
                    i
                })
            })
            .collect();
        let done = greenery::try_joinall(clients).await.unwrap();
        assert_eq!(done, (0..CLIENTS).collect::<Vec<_>>());
        server.kill();
    });
}

#[test]
fn several_mib_each_way_with_partial_reads_and_writes() {
    const LEN: usize = 8 << 20;
    greenery::run(async {
        let (client, server) = pair().await;
        // The server echoes whatever arrives, in odd-sized pieces.
        let echo = greenery::spawn(async move {
            let mut buf = vec![0; 100_003];
            let mut total = 0;
            loop {
                let n = server.read(&mut buf).await.unwrap();
                if n == 0 {
                    server.shutdown(Shutdown::Write).unwrap();
                    return total;
                }
                total += n;
                server.write_all(&buf[..n]).await.unwrap();
            }
        });
        // The client writes on one task (through its write half) while the main task
        // reads, so neither side's kernel buffers can fill up for good.
        let (reader, writer) = client.into_split();
        let payload: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
        let sender = greenery::spawn({
            let payload = payload.clone();
            async move {
                let mut rest = &payload[..];
                let mut writes = 0;
                while !rest.is_empty() {
                    let n = writer.write(rest).await.unwrap();
                    rest = &rest[n..];
                    writes += 1;
                }
                writer.shutdown().unwrap();
                writes
            }
        });
        let mut back = Vec::with_capacity(LEN);
        let mut buf = vec![0; 65_537];
        let mut reads = 0;
        loop {
            let n = reader.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
            reads += 1;
        }
        let writes = sender.await.unwrap();
        assert_eq!(echo.await.unwrap(), LEN);
        assert!(back == payload, "echoed bytes differ");
        // 8 MiB never fits the socket buffers at once: writes were partial, reads many.
        assert!(writes > 1, "writes: {writes}");
        assert!(reads > 1, "reads: {reads}");
    });
}

#[test]
fn half_close_peer_sees_eof_and_can_still_reply() {
    greenery::run(async {
        let (client, server) = pair().await;
        client.write_all(b"request").await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"request");
        // Reading again at end of stream keeps returning 0.
        assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0);
        // The other direction is still open.
        server.write_all(b"reply").await.unwrap();
        drop(server);
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"reply");
        // Writing after our own shutdown(Write) is a broken pipe.
        let err = client.write(b"more").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn peer_reset_mid_stream_is_connection_reset() {
    greenery::run(async {
        let (client, server) = pair().await;
        server.write_all(b"partial").await.unwrap();
        let mut buf = [0; 7];
        client.read_exact(&mut buf).await.unwrap();
        // A blocked reader is woken by the reset.
        let reader = greenery::spawn(async move {
            let mut buf = [0; 16];
            client.read(&mut buf).await
        });
        greenery::yield_now().await; // the reader parks
        set_linger_zero(&server);
        drop(server); // SO_LINGER 0: close sends RST
        let err = reader.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    });
}

#[test]
fn connection_refused() {
    greenery::run(async {
        let addr = {
            let (listener, addr) = listener().await;
            drop(listener);
            addr
        };
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        // Each address is tried; the last error is returned.
        let err = TcpStream::connect(&[addr, addr][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        let err = TcpStream::connect(&[][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    });
}

#[test]
fn address_in_use() {
    greenery::run(async {
        let (_listener, addr) = listener().await;
        let err = TcpListener::bind(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    });
}

#[test]
fn bad_addresses_are_invalid_input() {
    greenery::run(async {
        for bad in ["127.0.0.1", "127.0.0.1:notaport", "127.0.0.1:99999"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
        }
    });
}

#[test]
fn connect_by_host_name_resolves_off_the_loop() {
    greenery::run(async {
        let (listener, addr) = listener().await;
        let client = TcpStream::connect(("localhost", addr.port())).await;
        // `localhost` may resolve to ::1 first (refused: we listen on IPv4 only); std's
        // rule of trying each address gets us to 127.0.0.1.
        let client = client.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
        let addrs = greenery::net::lookup_host(format!("localhost:{}", addr.port()))
            .await
            .unwrap();
        assert!(addrs.contains(&addr));
    });
}

#[test]
fn accept_after_the_accepting_task_is_killed() {
    greenery::run(async {
        let (listener, addr) = listener().await;
        let listener = Rc::new(listener);
        let acceptor = greenery::spawn({
            let listener = listener.clone();
            async move { listener.accept().await.map(|_| ()) }
        });
        greenery::yield_now().await; // parked in accept
        acceptor.kill();
        assert!(acceptor.await.unwrap_err().is_killed());
        // The listener is fine: a new task accepts.
        let acceptor = greenery::spawn({
            let listener = listener.clone();
            async move { listener.accept().await.map(|(s, _)| s.peer_addr().unwrap()) }
        });
        let client = TcpStream::connect(addr).await.unwrap();
        assert_eq!(
            acceptor.await.unwrap().unwrap(),
            client.local_addr().unwrap()
        );
    });
}

#[test]
fn killing_the_task_that_owns_the_listener_closes_it() {
    greenery::run(async {
        let (listener, addr) = listener().await;
        let server = greenery::spawn(async move {
            let _ = listener.accept().await;
        });
        greenery::yield_now().await;
        server.kill();
        let _ = server.await;
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        // And the port can be bound again.
        let again = TcpListener::bind(addr).await.unwrap();
        assert_eq!(again.local_addr().unwrap(), addr);
    });
}

#[test]
fn shutdown_wakes_a_reader_blocked_in_another_task() {
    greenery::run(async {
        let (client, _server) = pair().await;
        let client = Rc::new(client);
        let reader = greenery::spawn({
            let client = client.clone();
            async move { client.read(&mut [0; 8]).await }
        });
        greenery::yield_now().await;
        assert!(!reader.is_finished());
        client.shutdown(Shutdown::Both).unwrap();
        assert_eq!(reader.await.unwrap().unwrap(), 0);
    });
}

#[test]
fn timeout_around_read_is_timed_out() {
    greenery::run(async {
        let (client, _server) = pair().await;
        let err: std::io::Error = timeout(Duration::from_millis(20), client.read(&mut [0; 8]))
            .await
            .unwrap_err()
            .into();
        assert_eq!(err.kind(), ErrorKind::TimedOut);
        // The stream still works after the abandoned read.
        _server.write_all(b"x").await.unwrap();
        assert_eq!(client.read(&mut [0; 8]).await.unwrap(), 1);
    });
}

#[test]
fn timeout_around_connect_to_a_full_backlog() {
    use socket2::{Domain, Socket, Type};
    greenery::run(async {
        // A listener with a backlog of 0 that never accepts: once its queue is full the
        // kernel drops further SYNs and connect waits (retransmitting) until the timeout.
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        socket
            .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
            .unwrap();
        socket.listen(0).unwrap();
        let addr = socket.local_addr().unwrap().as_socket().unwrap();
        let mut held = Vec::new();
        let mut timed_out = false;
        for _ in 0..16 {
            match timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
                Ok(conn) => held.push(conn.unwrap()),
                Err(elapsed) => {
                    let err: std::io::Error = elapsed.into();
                    assert_eq!(err.kind(), ErrorKind::TimedOut);
                    timed_out = true;
                    break;
                }
            }
        }
        assert!(timed_out, "{} connections completed", held.len());
    });
}

#[test]
fn waiting_in_accept_is_not_loop_exit() {
    // SEMANTICS rule 15: an IO wait keeps the loop alive; a timeout ends it normally.
    let result = greenery::try_run(async {
        let (listener, _addr) = listener().await;
        timeout(Duration::from_millis(30), listener.accept())
            .await
            .is_err()
    });
    assert_eq!(result, Ok(true));
    // And a task blocked in accept is served by a connection made later by a timer.
    let result = greenery::try_run(async {
        let (listener, addr) = listener().await;
        let acceptor = greenery::spawn(async move { listener.accept().await.is_ok() });
        greenery::spawn(async move {
            sleep(Duration::from_millis(20)).await;
            TcpStream::connect(addr).await.unwrap()
        });
        acceptor.await.unwrap()
    });
    assert_eq!(result, Ok(true));
}

#[test]
fn incoming_is_a_stream_of_connections() {
    use futures_core::Stream;
    use std::future::poll_fn;
    use std::pin::Pin;

    greenery::run(async {
        let (listener, addr) = listener().await;
        let clients: Vec<_> = (0..3)
            .map(|_| greenery::spawn(async move { TcpStream::connect(addr).await.unwrap() }))
            .collect();
        let mut incoming = listener.incoming();
        let mut peers = Vec::new();
        for _ in 0..3 {
            let conn = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx))
                .await
                .unwrap()
                .unwrap();
            peers.push(conn.peer_addr().unwrap());
        }
        for client in clients {
            let local = client.await.unwrap().local_addr().unwrap();
            assert!(peers.contains(&local));
        }
    });
}

#[test]
fn peek_does_not_consume_and_options_round_trip() {
    greenery::run(async {
        let (client, server) = pair().await;
        client.write_all(b"abc").await.unwrap();
        let mut buf = [0; 3];
        assert_eq!(server.peek(&mut buf).await.unwrap(), 3);
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abc");
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        assert!(client.take_error().unwrap().is_none());
        let (r, w) = server.split();
        assert_eq!(r.peer_addr().unwrap(), w.peer_addr().unwrap());
    });
}

#[test]
fn reunite_checks_the_halves_match() {
    greenery::run(async {
        let (a, b) = pair().await;
        let (ar, aw) = a.into_split();
        let (br, bw) = b.into_split();
        let err = ar.reunite(bw).unwrap_err();
        let (ar, bw) = (err.0, err.1);
        assert!(ar.reunite(aw).is_ok());
        assert!(bw.reunite(br).is_ok());
    });
}

#[test]
fn sockets_need_a_runtime() {
    let err = std::thread::spawn(|| {
        let std = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        TcpListener::from_std(std).unwrap_err()
    })
    .join()
    .unwrap();
    assert_eq!(err.kind(), ErrorKind::Other);
}

#[cfg(feature = "futures-io")]
#[test]
fn futures_io_traits_read_and_write() {
    use futures_io::{AsyncRead, AsyncWrite};
    use std::future::poll_fn;
    use std::pin::Pin;

    greenery::run(async {
        let (mut client, server) = pair().await;
        let n = poll_fn(|cx| Pin::new(&mut client).poll_write(cx, b"via futures-io"))
            .await
            .unwrap();
        poll_fn(|cx| Pin::new(&mut client).poll_close(cx))
            .await
            .unwrap();
        let (mut reader, _writer) = server.into_split();
        let mut got = Vec::new();
        loop {
            let mut buf = [0; 4];
            let read = poll_fn(|cx| Pin::new(&mut reader).poll_read(cx, &mut buf))
                .await
                .unwrap();
            if read == 0 {
                break;
            }
            got.extend_from_slice(&buf[..read]);
        }
        assert_eq!(&got, &b"via futures-io"[..n]);
    });
}

#[test]
fn a_read_parks_until_data_arrives_then_wakes_its_task_once() {
    use tokio_test::{assert_pending, assert_ready};
    greenery::run(async {
        let (client, server) = pair().await;
        let mut buf = [0; 8];
        let mut read = tokio_test::task::spawn(client.read(&mut buf));
        assert_pending!(read.poll());
        assert_pending!(read.poll()); // still nothing: parked again, no busy loop
        assert!(!read.is_woken());
        server.write_all(b"data").await.unwrap();
        // Let the loop poll the reactor.
        sleep(Duration::from_millis(1)).await;
        assert!(read.is_woken());
        assert_eq!(assert_ready!(read.poll()).unwrap(), 4);
        drop(read);
        assert_eq!(&buf[..4], b"data");
    });
}

/// Two tasks accepting on one listener: each connection wakes both, each gets one.
#[test]
fn two_tasks_may_accept_on_one_listener() {
    greenery::run(async {
        let l = Rc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let addr = l.local_addr().unwrap();
        let acceptor =
            |l: Rc<TcpListener>| greenery::spawn(async move { l.accept().await.is_ok() });
        let (a, b) = (acceptor(l.clone()), acceptor(l.clone()));
        greenery::yield_now().await; // both park in accept
        let _c1 = TcpStream::connect(addr).await.unwrap();
        let _c2 = TcpStream::connect(addr).await.unwrap();
        assert!(a.await.unwrap());
        assert!(b.await.unwrap());
    });
}

/// A read that timed out takes its waker back: nothing else can wake main, so LoopExit.
#[test]
fn a_cancelled_read_does_not_keep_the_loop_alive() {
    let result = greenery::try_run(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (_server, _) = l.accept().await.unwrap();
        let mut buf = [0u8; 8];
        let read = timeout(Duration::from_millis(5), client.read(&mut buf)).await;
        assert_eq!(read.unwrap_err().to_string(), "timed out");
        std::future::pending::<()>().await
    });
    assert!(result.is_err(), "LoopExit, not a hang");
}
