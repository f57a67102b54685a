//! seed003_socketserver_patched (seed 003, the SocketServer section), kept in its standard
//! library shape as under `gevent.monkey.patch_all()`: `socketserver.ThreadingTCPServer`
//! with a `BaseRequestHandler` subclass, served by a "thread", with client "threads". After
//! patching, the thread per client is a greenlet; here every "thread" is a task.
//!
//! Reference: `../shared/reference/seed003_socketserver_patched.py`; the output matches it
//! line for line. The mapping: `ThreadingTCPServer(addr, Handler)` is
//! [`StreamServer::bind`] with a handler that builds a `MyRequestHandler` and calls its
//! `handle`; `threading.Thread(target=...).start()` is `monkey::thread::spawn(..).await`;
//! `socket.create_connection` is `monkey::net::TcpStream::connect`; `server.shutdown()` plus
//! `server.server_close()` is `server.stop()` (stop accepting, let handlers finish, close
//! the listener). Python's rendering of bytes (`b'echo:hello 0'`) is reproduced by
//! `py_bytes`, `None` for a missing reply by `py_optional`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use greenery::monkey::net::TcpStream;
use greenery::monkey::thread;
use greenery::monkey::time::Duration;
use greenery::server::StreamServer;

type Seen = Rc<RefCell<Vec<Vec<u8>>>>;

/// The `BaseRequestHandler` subclass: one per connection, `request` is the socket.
struct MyRequestHandler {
    request: TcpStream,
    seen: Seen,
}

impl MyRequestHandler {
    async fn handle(&self) -> std::io::Result<()> {
        let mut buf = [0; 1024];
        let n = self.request.read(&mut buf).await?;
        let data = &buf[..n];
        self.seen.borrow_mut().push(data.to_vec());
        self.request.write_all(&[b"echo:", data].concat()).await
    }
}

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

fn py_optional(reply: Option<&Vec<u8>>) -> String {
    reply.map_or_else(|| "None".to_owned(), |r| py_bytes(r))
}

async fn client(port: u16, i: usize, out: Rc<RefCell<HashMap<usize, Vec<u8>>>>) {
    let Ok(c) = TcpStream::connect(("127.0.0.1", port)).await else {
        return;
    };
    if c.write_all(format!("hello {i}").as_bytes()).await.is_err() {
        return;
    }
    let mut buf = [0; 1024];
    if let Ok(n) = c.read(&mut buf).await {
        out.borrow_mut().insert(i, buf[..n].to_vec());
    }
}

fn main() {
    greenery::run(async {
        let seen: Seen = Rc::default();
        let handler_seen = seen.clone();
        let server = StreamServer::bind(("127.0.0.1", 0), move |request, _client_address| {
            let handler = MyRequestHandler {
                request,
                seen: handler_seen.clone(),
            };
            async move {
                let _ = handler.handle().await;
            }
        })
        .await
        .expect("bind");
        let port = server.local_addr().port();
        let serving = {
            let server = server.clone();
            thread::spawn(async move { server.serve_forever().await }).await
        };

        let replies = Rc::new(RefCell::new(HashMap::new()));
        let mut clients = Vec::new();
        for i in 0..3 {
            clients.push(thread::spawn(client(port, i, replies.clone())).await);
        }
        for t in clients {
            let _ = greenery::time::timeout(Duration::from_secs(5), t.join()).await;
        }
        for i in 0..3 {
            println!(
                "client {i} received {}",
                py_optional(replies.borrow().get(&i))
            );
        }
        let mut seen = seen.borrow().clone();
        seen.sort();
        let seen: Vec<String> = seen.iter().map(|data| py_bytes(data)).collect();
        println!("server saw [{}]", seen.join(", "));
        server.stop().await; // shutdown() + server_close()
        let serving_thread = serving.thread();
        serving
            .join()
            .await
            .expect("serve_forever task")
            .expect("serve_forever");
        println!(
            "serve_forever thread finished: {}",
            if serving_thread.is_finished() {
                "True"
            } else {
                "False"
            }
        );
    });
}
