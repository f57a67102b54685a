//! seed003_stream_server_echo (seed 003, the SocketServer section): `ThreadingTCPServer`
//! runs one thread per client; gevent's `StreamServer` runs one greenlet per connection and
//! calls `handle(socket, address)` in it. greenery's [`StreamServer`] runs one task per
//! connection. Loopback only, port 0, three clients, then the server stops.
//!
//! Reference: `../shared/reference/seed003_stream_server_echo.py`; the output matches it line
//! for line. Python's `%r`/`print` rendering of bytes (`b'echo:hello 0'`) is reproduced by
//! `py_bytes`; `server.server_port` is `local_addr().port()`, `server.closed` is
//! `is_closed()`, and `gevent.joinall(clients, timeout=5)` is a `timeout` around awaiting
//! each client in turn (`g.value` in client order).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use greenery::net::TcpStream;
use greenery::server::StreamServer;

/// Python's `repr` of a `bytes` value: `b'...'` with Python's escapes.
fn py_bytes(data: &[u8]) -> String {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = format!("b{quote}");
    for &byte in data {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(byte) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push(quote);
    out
}

fn python_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

async fn client(port: u16, i: usize) -> std::io::Result<Vec<u8>> {
    let c = TcpStream::connect(("127.0.0.1", port)).await?;
    c.write_all(format!("hello {i}").as_bytes()).await?;
    let mut reply = Vec::new();
    c.read_to_end(&mut reply).await?; // until the server closes the connection
    Ok(reply)
}

fn main() {
    greenery::run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let handle = {
            let log = log.clone();
            // One task per connection, like ThreadingMixIn.process_request.
            move |sock: TcpStream, _address| {
                let log = log.clone();
                async move {
                    let mut buf = [0; 1024];
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    let data = &buf[..n];
                    log.borrow_mut()
                        .push(format!("server got {}", py_bytes(data)));
                    let _ = sock.write_all(&[b"echo:", data].concat()).await;
                } // dropping `sock` closes it
            }
        };
        let server = StreamServer::bind("127.0.0.1:0", handle)
            .await
            .expect("bind");
        server.start(); // accepting happens in a task of its own
        let port = server.local_addr().port();
        println!(
            "server started on 127.0.0.1, port chosen by the OS: {}",
            python_bool(port > 0)
        );

        let clients: Vec<_> = (0..3).map(|i| greenery::spawn(client(port, i))).collect();
        let all_done = async {
            let mut values = Vec::new();
            for client in clients {
                values.push(client.await); // in client order
            }
            values
        };
        let values = greenery::time::timeout(Duration::from_secs(5), all_done)
            .await
            .expect("clients finish within 5 s");
        for (i, value) in values.into_iter().enumerate() {
            let reply = value.expect("client task").expect("client IO");
            println!("client {i} received {}", py_bytes(&reply));
        }
        // The handler tasks ran concurrently; print what the server saw, sorted.
        let mut lines = log.borrow().clone();
        lines.sort();
        for line in lines {
            println!("{line}");
        }
        server.stop().await;
        println!(
            "server stopped; closed: {}",
            python_bool(server.is_closed())
        );
    });
}
