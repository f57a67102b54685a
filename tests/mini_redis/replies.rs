//! mini_redis replies with the same bytes as redis-server: every request of
//! `redis_replies.txt` (lists, sets, hashes, sorted sets, type errors, integer parsing),
//! recorded from redis-server 7.0.15, checked against mini_redis and, when one is installed,
//! against a real redis-server.

use crate::{encode, Reply::Bulk, Server};

/// The file's `\r \n \\ \xHH` escapes.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex = [bytes.next().unwrap(), bytes.next().unwrap()];
                let hex = std::str::from_utf8(&hex).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
            }
            other => panic!("bad escape {other:?} in {text:?}"),
        }
    }
    out
}

/// (arguments, reply) for each line of the file.
fn cases() -> Vec<(Vec<String>, Vec<u8>)> {
    include_str!("redis_replies.txt")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (request, reply) = line.split_once(" => ").expect("a ` => ` on every line");
            let args = request
                .split(' ')
                .map(|arg| String::from_utf8(unescape(arg)).unwrap())
                .collect();
            (args, unescape(reply))
        })
        .collect()
}

/// Sends every request in order on one connection; the first reply that differs.
fn first_difference(server: &Server) -> Option<String> {
    let mut c = server.connect();
    for (args, expected) in cases() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        c.send_raw(&encode(&args));
        let reply = c.raw_reply();
        if reply != expected {
            return Some(format!(
                "{args:?}: expected {:?}, got {:?}",
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&reply)
            ));
        }
    }
    None
}

#[test]
fn replies_are_byte_for_byte_redis_servers() {
    assert!(cases().len() > 100);
    let server = Server::start(&[]);
    assert_eq!(first_difference(&server), None);
}

/// The recorded replies are still what a real redis-server answers.
#[test]
fn the_recorded_replies_are_a_real_redis_servers() {
    let Some(server) = Server::start_redis_server() else {
        println!("notice: redis-server not installed (Debian: redis-server); skipping this test");
        return;
    };
    let version = server.connect().call(&["INFO", "server"]);
    let Bulk(Some(version)) = version else {
        panic!("INFO server: {version:?}");
    };
    if !String::from_utf8_lossy(&version).contains("redis_version:7.0.") {
        println!("notice: the replies were recorded from redis 7.0; skipping this test");
        return;
    }
    assert_eq!(first_difference(&server), None);
}
