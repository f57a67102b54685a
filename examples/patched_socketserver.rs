//! seed003_socketserver_patched on plain `std::net` (feature `patch`): a threading TCP server
//! with a request handler, served by a "thread", with client "threads", where every thread is
//! a green thread and every socket call is std's own, made cooperative by
//! `greenery::monkey::patch_all()`.
//!
//! Reference: `../shared/reference/seed003_socketserver_patched.py`; the output matches it
//! line for line. The mapping: `ThreadingTCPServer` is a `std::net::TcpListener` whose
//! `serve_forever` accepts in a loop and starts a green thread per request (ThreadingMixIn);
//! `server.shutdown()` sets a flag and wakes the blocked `accept` with a connection, as
//! socketserver's own poll loop notices its flag; `threading.Thread(..).start()` is
//! `green::spawn`, `t.join(timeout=5)` a join under `time::timeout`.
//!
//! Run with `cargo run --features patch --example patched_socketserver`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use greenery::green;

type Seen = Rc<RefCell<Vec<Vec<u8>>>>;

/// `BaseRequestHandler.handle`: one request per connection.
fn handle(mut request: TcpStream, seen: &Seen) -> std::io::Result<()> {
    let mut buf = [0; 1024];
    let n = request.read(&mut buf)?;
    let data = &buf[..n];
    seen.borrow_mut().push(data.to_vec());
    request.write_all(&[b"echo:", data].concat())
}

/// `socketserver.ThreadingTCPServer`, reduced to what the snippet uses.
struct Server {
    listener: TcpListener,
    shutting_down: Cell<bool>,
    seen: Seen,
}

impl Server {
    fn serve_forever(&self) {
        loop {
            let Ok((request, _)) = self.listener.accept() else {
                continue;
            };
            if self.shutting_down.get() {
                return;
            }
            let seen = self.seen.clone();
            green::spawn(move || {
                let _ = handle(request, &seen);
            });
        }
    }

    fn shutdown(&self, address: SocketAddr) {
        self.shutting_down.set(true);
        let _ = TcpStream::connect(address); // wakes the accept
    }
}

fn py_bytes(data: &[u8]) -> String {
    let mut out = String::from("b'");
    for &byte in data {
        match byte {
            b'\\' | b'\'' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push('\'');
    out
}

fn client(port: u16, i: usize, out: Rc<RefCell<HashMap<usize, Vec<u8>>>>) -> std::io::Result<()> {
    let mut c = TcpStream::connect(("127.0.0.1", port))?;
    c.write_all(format!("hello {i}").as_bytes())?;
    let mut buf = [0; 1024];
    let n = c.read(&mut buf)?;
    out.borrow_mut().insert(i, buf[..n].to_vec());
    Ok(())
}

fn main() {
    greenery::monkey::patch_all();
    green::run(|| {
        let server = Rc::new(Server {
            listener: TcpListener::bind("127.0.0.1:0").expect("bind"),
            shutting_down: Cell::new(false),
            seen: Rc::default(),
        });
        let address = server.listener.local_addr().expect("address");
        let serving = {
            let server = server.clone();
            green::spawn(move || server.serve_forever())
        };

        let replies = Rc::new(RefCell::new(HashMap::new()));
        let clients: Vec<_> = (0..3)
            .map(|i| {
                let replies = replies.clone();
                green::spawn(move || client(address.port(), i, replies))
            })
            .collect();
        for t in clients {
            let _ = green::block_on(greenery::time::timeout(Duration::from_secs(5), t));
        }
        for i in 0..3 {
            let reply = replies.borrow().get(&i).map(|r| py_bytes(r));
            println!(
                "client {i} received {}",
                reply.unwrap_or_else(|| "None".into())
            );
        }
        let mut seen = server.seen.borrow().clone();
        seen.sort();
        let seen: Vec<String> = seen.iter().map(|data| py_bytes(data)).collect();
        println!("server saw [{}]", seen.join(", "));
        server.shutdown(address);
        let serving_task = serving.task();
        serving.join().expect("serve_forever");
        let finished = if serving_task.is_finished() {
            "True"
        } else {
            "False"
        };
        println!("serve_forever thread finished: {finished}");
    });
}
