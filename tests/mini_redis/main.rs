//! `examples/mini_redis` as a black box: the example binary on 127.0.0.1 port 0, driven by a
//! raw RESP client (always) and by the real `redis-cli`, `redis-benchmark` and
//! `redis-server` (when they are installed; otherwise those tests print a notice and pass).
//! `parser.rs` drives the example's request parser directly, counting its work.

mod parser;
mod replies;
mod tools;

#[allow(dead_code)] // the test uses the parser, not the reply encoders
#[path = "../../examples/mini_redis/resp.rs"]
mod resp;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server process, running; killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// The example binary, with extra command-line arguments.
    fn start(args: &[&str]) -> Server {
        // target/<profile>/deps/mini_redis-<hash> -> target/<profile>/examples/mini_redis
        let exe = std::env::current_exe().expect("test binary path");
        let binary = exe
            .parent()
            .and_then(Path::parent)
            .map(|dir| dir.join("examples").join("mini_redis"))
            .expect("target profile dir");
        let mut child = Command::new(&binary)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", binary.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("mini_redis listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Server { child, addr }
    }

    /// A real `redis-server` without persistence, if one is installed.
    fn start_redis_server() -> Option<Server> {
        let binary = redis_tool("redis-server")?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--logfile", "/dev/null"])
            .spawn()
            .unwrap();
        let server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        for _ in 0..100 {
            if TcpStream::connect(server.addr).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start listening on {}", server.addr);
    }

    fn connect(&self) -> Client {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        }
    }

    /// The server's resident memory, from /proc.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

use Reply::*;

fn bulk(s: &str) -> Reply {
    Bulk(Some(s.as_bytes().to_vec()))
}

fn ok() -> Reply {
    Simple("OK".into())
}

struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

fn encode(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    out
}

impl Client {
    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn call(&mut self, args: &[&str]) -> Reply {
        self.send_raw(&encode(args));
        self.reply()
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        assert!(line.ends_with("\r\n"), "truncated reply line {line:?}");
        line.truncate(line.len() - 2);
        line
    }

    fn reply(&mut self) -> Reply {
        let line = self.line();
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" => Simple(rest.into()),
            "-" => Error(rest.into()),
            ":" => Int(rest.parse().unwrap()),
            "$" => {
                let len: i64 = rest.parse().unwrap();
                if len < 0 {
                    return Bulk(None);
                }
                let mut data = vec![0; len as usize + 2];
                self.reader.read_exact(&mut data).unwrap();
                assert_eq!(&data[len as usize..], b"\r\n");
                data.truncate(len as usize);
                Bulk(Some(data))
            }
            "*" => {
                let len: usize = rest.parse().unwrap();
                Array((0..len).map(|_| self.reply()).collect())
            }
            _ => panic!("bad reply line {line:?}"),
        }
    }

    /// One reply, exactly as the server sent it.
    fn raw_reply(&mut self) -> Vec<u8> {
        let mut reply = Vec::new();
        self.reader.read_until(b'\n', &mut reply).unwrap();
        assert!(reply.ends_with(b"\r\n"), "truncated reply {reply:?}");
        let kind = reply[0];
        let len: i64 = match kind {
            b'$' | b'*' => std::str::from_utf8(&reply[1..reply.len() - 2])
                .unwrap()
                .parse()
                .unwrap(),
            _ => 0,
        };
        match kind {
            b'$' if len >= 0 => {
                let mut data = vec![0; len as usize + 2];
                self.reader.read_exact(&mut data).unwrap();
                reply.extend(data);
            }
            b'*' => {
                for _ in 0..len {
                    let element = self.raw_reply();
                    reply.extend(element);
                }
            }
            _ => {}
        }
        reply
    }

    /// The server's `INFO stats` counters.
    fn stats(&mut self) -> HashMap<String, u64> {
        let Bulk(Some(text)) = self.call(&["INFO", "stats"]) else {
            panic!("INFO did not reply a bulk string");
        };
        String::from_utf8(text)
            .unwrap()
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_owned(), value.parse().unwrap()))
            .collect()
    }

    /// Asserts the server closed the connection cleanly (end of stream, not a reset).
    fn assert_closed(&mut self) {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "unexpected bytes {rest:?}");
    }
}

fn is_error(reply: &Reply, prefix: &str) -> bool {
    matches!(reply, Error(text) if text.starts_with(prefix))
}

#[test]
fn every_command_over_raw_resp() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    assert_eq!(c.call(&["PING"]), Simple("PONG".into()));
    assert_eq!(c.call(&["ping", "hello"]), bulk("hello"));
    assert_eq!(c.call(&["ECHO", "hi there"]), bulk("hi there"));

    assert_eq!(c.call(&["GET", "k"]), Bulk(None));
    assert_eq!(c.call(&["SET", "k", "v"]), ok());
    assert_eq!(c.call(&["GET", "k"]), bulk("v"));
    assert_eq!(c.call(&["SET", "k", "v2", "NX"]), Bulk(None));
    assert_eq!(c.call(&["SET", "new", "v", "XX"]), Bulk(None));
    assert_eq!(c.call(&["SET", "k", "v2", "XX"]), ok());
    assert_eq!(c.call(&["GET", "k"]), bulk("v2"));

    assert_eq!(c.call(&["TTL", "k"]), Int(-1));
    assert_eq!(c.call(&["TTL", "missing"]), Int(-2));
    assert_eq!(c.call(&["SET", "ex", "1", "EX", "100"]), ok());
    assert!(matches!(c.call(&["TTL", "ex"]), Int(99..=100)));
    assert_eq!(c.call(&["SET", "px", "1", "px", "100000"]), ok());
    assert!(matches!(c.call(&["TTL", "px"]), Int(99..=100)));
    assert_eq!(c.call(&["SET", "short", "1", "PX", "30"]), ok());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.call(&["GET", "short"]), Bulk(None));
    assert_eq!(c.call(&["TTL", "short"]), Int(-2));

    assert_eq!(c.call(&["EXPIRE", "k", "50"]), Int(1));
    assert!(matches!(c.call(&["TTL", "k"]), Int(49..=50)));
    assert_eq!(c.call(&["EXPIRE", "missing", "50"]), Int(0));
    assert_eq!(c.call(&["EXPIRE", "k", "0"]), Int(1)); // a past time deletes
    assert_eq!(c.call(&["EXISTS", "k"]), Int(0));

    assert_eq!(c.call(&["INCR", "n"]), Int(1));
    assert_eq!(c.call(&["INCR", "n"]), Int(2));
    assert_eq!(c.call(&["GET", "n"]), bulk("2"));
    assert_eq!(c.call(&["SET", "big", "9223372036854775807"]), ok());
    assert!(is_error(
        &c.call(&["INCR", "big"]),
        "ERR increment or decrement would overflow"
    ));
    assert_eq!(c.call(&["INCR", "ex"]), Int(2));
    assert!(matches!(c.call(&["TTL", "ex"]), Int(99..=100))); // INCR keeps the expiry
    assert_eq!(c.call(&["SET", "word", "abc"]), ok());
    assert!(is_error(
        &c.call(&["INCR", "word"]),
        "ERR value is not an integer or out of range"
    ));

    assert_eq!(c.call(&["MSET", "a", "1", "b", "2"]), ok());
    assert_eq!(
        c.call(&["MGET", "a", "nope", "b"]),
        Array(vec![bulk("1"), Bulk(None), bulk("2")])
    );
    assert_eq!(c.call(&["EXISTS", "a", "a", "b", "nope"]), Int(3));
    assert_eq!(c.call(&["DEL", "a", "b", "nope"]), Int(2));
    assert_eq!(c.call(&["EXISTS", "a", "b"]), Int(0));

    // Errors: the connection stays usable after each.
    assert_eq!(
        c.call(&["FOO", "bar", "baz"]),
        Error("ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' ".into())
    );
    assert_eq!(
        c.call(&["GET"]),
        Error("ERR wrong number of arguments for 'get' command".into())
    );
    assert!(is_error(
        &c.call(&["MSET", "a"]),
        "ERR wrong number of arguments for 'mset'"
    ));
    assert_eq!(
        c.call(&["SET", "a", "1", "EX", "0"]),
        Error("ERR invalid expire time in 'set' command".into())
    );
    assert_eq!(
        c.call(&["SET", "a", "1", "EX", "x"]),
        Error("ERR value is not an integer or out of range".into())
    );
    assert_eq!(
        c.call(&["SET", "a", "1", "PX"]),
        Error("ERR syntax error".into())
    );
    assert_eq!(
        c.call(&["SET", "a", "1", "EX", "5", "PX", "5"]),
        Error("ERR syntax error".into())
    );
    assert_eq!(
        c.call(&["EXPIRE", "a", "soon"]),
        Error("ERR value is not an integer or out of range".into())
    );
    assert_eq!(c.call(&["PING"]), Simple("PONG".into()));

    // Inline commands, as typed into a terminal.
    c.send_raw(b"PING\r\nECHO  inline\n\r\n");
    assert_eq!(c.reply(), Simple("PONG".into()));
    assert_eq!(c.reply(), bulk("inline"));
    assert_eq!(c.call(&["QUIT"]), ok());
    c.assert_closed();
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    let mut batch = Vec::new();
    for i in 0..2000 {
        batch.extend(encode(&["SET", &format!("key{i}"), &format!("{i}")]));
        batch.extend(encode(&["INCR", &format!("key{i}")]));
        batch.extend(encode(&["GET", &format!("key{i}")]));
    }
    c.send_raw(&batch);
    for i in 0..2000 {
        assert_eq!(c.reply(), ok());
        assert_eq!(c.reply(), Int(i + 1));
        assert_eq!(c.reply(), bulk(&format!("{}", i + 1)));
    }
    // Requests split at every byte boundary still parse.
    for byte in encode(&["ECHO", "split"]) {
        c.send_raw(&[byte]);
    }
    assert_eq!(c.reply(), bulk("split"));
}

#[test]
fn malformed_frames_get_a_protocol_error_and_a_clean_close() {
    let server = Server::start(&[]);
    for (bad, error) in [
        (
            &b"*abc\r\n"[..],
            "ERR Protocol error: invalid multibulk length",
        ),
        (
            b"*1\r\n+PING\r\n",
            "ERR Protocol error: expected '$', got '+'",
        ),
        (b"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"),
        (
            b"*1\r\n$4\r\nPINGxx",
            "ERR Protocol error: expected CRLF after a bulk string",
        ),
        (
            b"*99999999999\r\n",
            "ERR Protocol error: invalid multibulk length",
        ),
    ] {
        let mut c = server.connect();
        // A good request before the bad one is still answered.
        c.send_raw(&[&encode(&["PING"])[..], bad].concat());
        assert_eq!(c.reply(), Simple("PONG".into()));
        assert_eq!(c.reply(), Error(error.into()), "for {bad:?}");
        c.assert_closed();
    }
    // A header line that never ends is refused once it passes 64 KiB.
    let mut c = server.connect();
    c.send_raw(b"*");
    c.send_raw(&vec![b'1'; 70 * 1024]);
    assert_eq!(
        c.reply(),
        Error("ERR Protocol error: too big mbulk count string".into())
    );
    c.assert_closed();
    // The server still serves others.
    assert_eq!(server.connect().call(&["PING"]), Simple("PONG".into()));
}

#[test]
fn a_truncated_frame_at_end_of_stream_gets_an_error() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.send_raw(b"*2\r\n$4\r\nECHO\r\n$5\r\nhel");
    c.stream.shutdown(Shutdown::Write).unwrap();
    assert_eq!(
        c.reply(),
        Error("ERR Protocol error: unexpected end of stream in a request".into())
    );
    c.assert_closed();
}

/// A client that pipelines requests for 1 MiB values and never reads cannot make the
/// server buffer the replies: the server stops reading from it and keeps serving others.
#[test]
fn a_client_that_never_reads_does_not_grow_the_server() {
    let server = Server::start(&[]);
    let mut setup = server.connect();
    let value = "x".repeat(1 << 20);
    assert_eq!(setup.call(&["SET", "big", &value]), ok());
    let before = server.rss_kib();

    let mut greedy = server.connect();
    greedy
        .stream
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    // 2,000 GETs ask for 2 GiB of replies; nothing is read.
    let batch: Vec<u8> = (0..2000).flat_map(|_| encode(&["GET", "big"])).collect();
    let _ = greedy.stream.write_all(&batch); // may time out once the server stops reading
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(setup.call(&["PING"]), Simple("PONG".into()));
    let grown = server.rss_kib().saturating_sub(before);
    assert!(grown < 32 * 1024, "the server grew by {grown} KiB");

    // Reading now gets every reply, in full.
    for _ in 0..3 {
        assert_eq!(greedy.reply(), Bulk(Some(value.clone().into_bytes())));
    }
}

fn redis_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `EXISTS k k k ...` with `n` one-byte arguments (7 bytes each).
fn exists_request(n: usize) -> Vec<u8> {
    let mut request = format!("*{}\r\n$6\r\nEXISTS\r\n", n + 1).into_bytes();
    for _ in 0..n {
        request.extend(b"$1\r\nk\r\n");
    }
    request
}

/// A request arriving in many small reads is parsed as it comes, never from its start
/// again: the server's parsers look at no more bytes than it received.
#[test]
fn a_request_arriving_slowly_is_parsed_once() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.stream.set_nodelay(true).unwrap();
    let request = exists_request(100_000); // 700 KB
    for chunk in request.chunks(5_000) {
        c.send_raw(chunk);
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(c.reply(), Int(0));
    let stats = c.stats();
    let (scanned, received) = (
        stats["parser_scanned_bytes"],
        stats["total_net_input_bytes"],
    );
    assert!(scanned > 0 && scanned <= received, "{stats:?}");
}

/// Redis's `client-query-buffer-limit`: a request longer than the limit closes the
/// connection, even one made of small arguments; the client reads why first.
#[test]
fn a_request_over_the_query_buffer_limit_is_refused() {
    let server = Server::start(&["--client-query-buffer-limit", "100kb"]);
    let mut c = server.connect();
    assert_eq!(
        c.call(&["CONFIG", "GET", "client-query-buffer-limit"]),
        Array(vec![bulk("client-query-buffer-limit"), bulk("102400")])
    );
    // Under the limit (91 KB), in one request and pipelined: served.
    let under = exists_request(13_000);
    c.send_raw(&[&under[..], &under].concat());
    assert_eq!((c.reply(), c.reply()), (Int(0), Int(0)));

    let limit_error = Error("ERR Closing client that reached max query buffer length".into());
    // 140 KB of 7-byte arguments.
    let mut c = server.connect();
    c.send_raw(&exists_request(20_000));
    assert_eq!(c.reply(), limit_error);
    c.assert_closed();
    // One bulk string declared longer than the limit: refused before its bytes arrive.
    let mut c = server.connect();
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$200000\r\n");
    assert_eq!(c.reply(), limit_error);
    c.assert_closed();

    let stats = server.connect().stats();
    assert_eq!(stats["client_query_buffer_limit_disconnections"], 2);
}

/// After a large request and its reply, the server gives the buffers back: a 40 MB `ECHO`
/// leaves the server's resident memory where it was.
#[test]
fn buffers_shrink_after_a_large_request() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    assert_eq!(c.call(&["PING"]), Simple("PONG".into()));
    let before = server.rss_kib();
    let value = "x".repeat(40 << 20);
    assert_eq!(c.call(&["ECHO", &value]), bulk(&value));
    drop(value);
    assert_eq!(c.call(&["PING"]), Simple("PONG".into()));
    let grown = server.rss_kib().saturating_sub(before);
    assert!(grown < 8 * 1024, "the server kept {grown} KiB");
}

/// `SPOP` takes random members, each exactly once, until the set (and its key) is gone.
#[test]
fn random_pops_take_every_member_once() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    let members: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "s"];
    sadd.extend(members.iter().map(String::as_str));
    assert_eq!(c.call(&sadd), Int(200));
    let mut popped: Vec<String> = (0..150)
        .map(|_| match c.call(&["SPOP", "s"]) {
            Bulk(Some(member)) => String::from_utf8(member).unwrap(),
            other => panic!("SPOP replied {other:?}"),
        })
        .collect();
    assert_eq!(c.call(&["SCARD", "s"]), Int(50));
    let Array(rest) = c.call(&["SPOP", "s", "100"]) else {
        panic!("SPOP with a count replies an array");
    };
    popped.extend(rest.into_iter().map(|reply| match reply {
        Bulk(Some(member)) => String::from_utf8(member).unwrap(),
        other => panic!("SPOP replied {other:?}"),
    }));
    popped.sort_by_key(|m| m[1..].parse::<u32>().unwrap());
    assert_eq!(popped, members);
    assert_eq!(c.call(&["EXISTS", "s"]), Int(0));
    assert_eq!(c.call(&["SPOP", "s"]), Bulk(None));
}
