//! `examples/graceful_shutdown` as a black box: a real `SIGTERM` (and `SIGINT`) sent to the
//! running example binary while a request is in flight; the request completes, new
//! connections are refused, and the process exits with status 0.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
    addr: SocketAddr,
}

fn start() -> Server {
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("examples").join("graceful_shutdown"))
        .unwrap();
    let mut child = Command::new(&binary)
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", binary.display()));
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    Server { child, out, addr }
}

fn ask(conn: &mut BufReader<TcpStream>, request: &str) -> String {
    conn.get_mut().write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    conn.read_line(&mut line).unwrap();
    line
}

fn graceful_stop_on(signal: i32, name: &str) {
    let mut server = start();
    let conn = TcpStream::connect(server.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut conn = BufReader::new(conn);
    assert_eq!(ask(&mut conn, "ping\n"), "pong\n"); // the handler is running

    conn.get_mut().write_all(b"slow\n").unwrap();
    std::thread::sleep(Duration::from_millis(50)); // the handler is inside its sleep
                                                   // SAFETY: kill(2) on our own child's pid; no memory is involved.
    assert_eq!(unsafe { libc::kill(server.child.id() as i32, signal) }, 0);

    let mut line = String::new();
    server.out.read_line(&mut line).unwrap();
    assert_eq!(
        line,
        format!("{name}: shutting down, 1 connection(s) open\n")
    );
    // The request in flight completes...
    let mut reply = String::new();
    conn.read_line(&mut reply).unwrap();
    assert_eq!(reply, "done\n");
    // ...and then the server is gone: no new connections.
    drop(conn);
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut server.out, &mut rest).unwrap();
    assert_eq!(rest, "stopped (0 handler(s) cut short)\n");
    assert!(TcpStream::connect(server.addr).is_err());
}

#[test]
fn sigterm_drains_the_request_in_flight_then_exits_cleanly() {
    graceful_stop_on(libc::SIGTERM, "SIGTERM");
}

#[test]
fn ctrl_c_does_the_same() {
    graceful_stop_on(libc::SIGINT, "SIGINT");
}
