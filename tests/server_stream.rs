//! `StreamServer` on real sockets (127.0.0.1, port 0): echo under many concurrent clients,
//! pool admission order, graceful stop, stop with a timeout, panicking handlers, and serving
//! again after the accept task is killed.

mod common;

use std::cell::Cell;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use common::{Finally, Log};
use greenery::net::TcpStream;
use greenery::pool::Pool;
use greenery::server::StreamServer;
use greenery::time::{sleep, timeout};

/// Waits (in real time, with a generous bound) until `cond` holds.
async fn until(what: &str, cond: impl Fn() -> bool) {
    let waited = timeout(Duration::from_secs(10), async {
        while !cond() {
            sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out waiting until {what}");
}

async fn echo(conn: TcpStream) {
    let mut buf = [0; 4096];
    loop {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if conn.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn echo_server() -> StreamServer {
    StreamServer::bind("127.0.0.1:0", |conn, _peer| echo(conn))
        .await
        .unwrap()
}

#[test]
fn echo_with_many_concurrent_clients() {
    greenery::run(async {
        let server = echo_server().await;
        server.start();
        let addr = server.local_addr();
        let clients: Vec<_> = (0..200u32)
            .map(|i| {
                greenery::spawn(async move {
                    let conn = TcpStream::connect(addr).await.unwrap();
                    for round in 0..5u32 {
                        let msg = format!("client {i} round {round}");
                        conn.write_all(msg.as_bytes()).await.unwrap();
                        let mut back = vec![0; msg.len()];
                        conn.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg.as_bytes());
                    }
                    i
                })
            })
            .collect();
        for (i, client) in clients.into_iter().enumerate() {
            assert_eq!(client.await.unwrap(), i as u32);
        }
        assert_eq!(server.stop().await, 0);
        assert_eq!(server.connections(), 0);
        assert_eq!(server.accept_errors(), 0);
    });
}

/// With a pool of 2, connections are admitted in arrival order, one per freed slot.
#[test]
fn pool_admits_connections_in_arrival_order() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let pool = Pool::new(2).unwrap();
            let handler_log = log.clone();
            let server = StreamServer::bind("127.0.0.1:0", move |conn: TcpStream, _peer| {
                let log = handler_log.clone();
                async move {
                    let mut id = [0; 1];
                    conn.read_exact(&mut id).await.unwrap();
                    log.push(format!("start {}", id[0]));
                    let mut rest = Vec::new();
                    conn.read_to_end(&mut rest).await.unwrap(); // until the client closes
                    log.push(format!("end {}", id[0]));
                }
            })
            .await
            .unwrap()
            .with_pool(pool.clone());
            server.start();
            let addr = server.local_addr();
            let mut clients = Vec::new();
            for id in 0..5u8 {
                let conn = TcpStream::connect(addr).await.unwrap();
                conn.write_all(&[id]).await.unwrap();
                clients.push(Some(conn));
            }
            let started = |n: usize| {
                let log = log.clone();
                move || {
                    log.snapshot()
                        .iter()
                        .filter(|e| e.starts_with("start"))
                        .count()
                        >= n
                }
            };
            until("two handlers started", started(2)).await;
            assert!(pool.is_full());
            // End the connections in the order 1, 0, 2, 3, 4: each freed slot admits the
            // next waiting connection in arrival order.
            for (close, admitted) in [(1usize, 3usize), (0, 4), (2, 5), (3, 5), (4, 5)] {
                clients[close] = None;
                until("the next admission", started(admitted)).await;
                let ended = format!("end {close}");
                let log2 = log.clone();
                until("the handler ended", move || {
                    log2.snapshot().contains(&ended)
                })
                .await;
            }
            server.stop().await;
        }
    });
    log.assert(
        "start 0
         start 1
         end 1
         start 2
         end 0
         start 3
         end 2
         start 4
         end 3
         end 4",
    );
}

/// `stop` stops accepting at once (new connections are refused) and waits for the handler
/// in flight, whose client still gets its reply.
#[test]
fn stop_lets_the_handler_in_flight_finish_and_refuses_new_connections() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let handler_log = log.clone();
            let server = StreamServer::bind("127.0.0.1:0", move |conn: TcpStream, _peer| {
                let log = handler_log.clone();
                async move {
                    let mut req = [0; 4];
                    conn.read_exact(&mut req).await.unwrap();
                    log.push("handler got the request");
                    sleep(Duration::from_millis(50)).await;
                    conn.write_all(b"done").await.unwrap();
                    log.push("handler replied");
                }
            })
            .await
            .unwrap();
            server.start();
            let addr = server.local_addr();
            let client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"work").await.unwrap();
            let l = log.clone();
            until("the handler has the request", move || {
                !l.snapshot().is_empty()
            })
            .await;

            let stopper = {
                let server = server.clone();
                let log = log.clone();
                greenery::spawn(async move {
                    let killed = server.stop_timeout(Duration::from_secs(10)).await;
                    log.push(format!("stop returned, killed {killed}"));
                })
            };
            let s = server.clone();
            until("the accept loop let go", move || {
                s.is_closed() && !s.is_serving()
            })
            .await;
            let refused = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
            log.push("new connection refused");

            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"done");
            stopper.await.unwrap();
        }
    });
    log.assert(
        "handler got the request
         new connection refused
         handler replied
         stop returned, killed 0",
    );
}

/// Handlers still running when the stop timeout ends are killed: their destructors run and
/// their clients see the connection closed.
#[test]
fn stop_timeout_kills_stuck_handlers() {
    let log = Log::new();
    greenery::run({
        let log = log.clone();
        async move {
            let accepted = Rc::new(Cell::new(0));
            let (handler_log, handler_accepted) = (log.clone(), accepted.clone());
            let server = StreamServer::bind("127.0.0.1:0", move |conn: TcpStream, _peer| {
                let (log, accepted) = (handler_log.clone(), handler_accepted.clone());
                async move {
                    accepted.set(accepted.get() + 1);
                    let _finally = Finally(log, format!("handler {}", accepted.get()));
                    let _conn = conn;
                    std::future::pending::<()>().await; // stuck forever
                }
            })
            .await
            .unwrap();
            server.start();
            let mut clients = Vec::new();
            for _ in 0..3 {
                clients.push(TcpStream::connect(server.local_addr()).await.unwrap());
            }
            let a = accepted.clone();
            until("three handlers run", move || a.get() == 3).await;
            assert_eq!(server.connections(), 3);
            let killed = server.stop_timeout(Duration::from_millis(20)).await;
            log.push(format!("stop killed {killed}"));
            assert_eq!(server.connections(), 0);
            for client in &clients {
                let mut buf = [0; 1];
                assert_eq!(client.read(&mut buf).await.unwrap(), 0);
            }
        }
    });
    log.assert(
        "handler 1 dropped
         handler 2 dropped
         handler 3 dropped
         stop killed 3",
    );
}

/// A handler that panics (in the closure itself, or in its future) ends its own connection
/// only; the server keeps serving.
#[test]
fn a_panicking_handler_does_not_take_the_server_down() {
    let rt = greenery::Builder::new()
        .on_task_panic(greenery::PanicPolicy::Silent)
        .build()
        .unwrap();
    rt.block_on(async {
        let count = Rc::new(Cell::new(0));
        let server = StreamServer::bind("127.0.0.1:0", move |conn: TcpStream, _peer| {
            count.set(count.get() + 1);
            let nth = count.get();
            if nth == 1 {
                panic!("handler closure panics on connection 1");
            }
            async move {
                if nth == 2 {
                    panic!("handler future panics on connection 2");
                }
                echo(conn).await
            }
        })
        .await
        .unwrap();
        let serving = server.start();
        let addr = server.local_addr();
        for _ in 0..2 {
            let conn = TcpStream::connect(addr).await.unwrap();
            let mut buf = [0; 1];
            // The panicking task dropped the connection: end of stream, or a reset.
            assert!(matches!(conn.read(&mut buf).await, Ok(0) | Err(_)));
        }
        let conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"still here").await.unwrap();
        let mut back = [0; 10];
        conn.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"still here");
        assert!(server.is_serving());
        drop(conn);
        server.stop().await;
        assert!(serving.await.unwrap().is_ok());
    });
}

/// Killing the task that serves stops accepting but keeps the listener: connections wait
/// in the backlog and are served once serving starts again.
#[test]
fn accept_after_the_serving_task_is_killed() {
    greenery::run(async {
        let server = echo_server().await;
        let addr: SocketAddr = server.local_addr();
        let serving = server.start();
        let first = TcpStream::connect(addr).await.unwrap();
        first.write_all(b"one").await.unwrap();
        let mut back = [0; 3];
        first.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"one");

        serving.kill();
        assert!(serving.await.unwrap_err().is_killed());
        assert!(!server.is_serving());
        assert!(!server.is_closed());

        let second = TcpStream::connect(addr).await.unwrap(); // waits in the backlog
        second.write_all(b"two").await.unwrap();
        let again = server.start();
        second.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"two");
        // The first connection's handler was never tied to the accept task.
        first.write_all(b"111").await.unwrap();
        first.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"111");
        drop((first, second));
        assert_eq!(server.stop().await, 0);
        assert!(again.await.unwrap().is_ok());
    });
}

/// One accept loop at a time; a stopped server's `serve_forever` returns at once.
#[test]
fn serve_forever_twice_is_an_error_and_after_stop_returns_at_once() {
    greenery::run(async {
        let server = echo_server().await;
        let serving = server.start();
        greenery::yield_now().await;
        assert!(server.serve_forever().await.is_err());
        server.stop().await;
        assert!(serving.await.unwrap().is_ok());
        assert!(server.serve_forever().await.is_ok());
        let refused = TcpStream::connect(server.local_addr()).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    });
}
