//! The real `redis-cli` and an unmodified `redis-benchmark` run against mini_redis.

use std::process::Command;

use crate::{redis_tool, Server};

#[test]
fn works_with_the_real_redis_cli_and_redis_benchmark() {
    let Some(cli) = redis_tool("redis-cli") else {
        println!("notice: redis-cli not installed (Debian: redis-tools); skipping this test");
        return;
    };
    let server = Server::start(&[]);
    let port = server.addr.port().to_string();
    let run = |args: &[&str]| -> String {
        let output = Command::new(&cli)
            .args(["-h", "127.0.0.1", "-p", &port])
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "redis-cli {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(run(&["PING"]), "PONG\n");
    assert_eq!(run(&["SET", "greeting", "hello", "EX", "60"]), "OK\n");
    assert_eq!(run(&["GET", "greeting"]), "hello\n");
    assert_eq!(run(&["TTL", "greeting"]), "60\n");
    assert_eq!(run(&["INCR", "counter"]), "1\n");
    assert_eq!(run(&["MSET", "a", "1", "b", "2"]), "OK\n");
    assert_eq!(run(&["MGET", "a", "missing", "b"]), "1\n\n2\n");
    assert_eq!(run(&["EXISTS", "a", "b"]), "2\n");
    assert_eq!(run(&["DEL", "a"]), "1\n");
    assert_eq!(run(&["ECHO", "spaces and\ttabs"]), "spaces and\ttabs\n");
    assert_eq!(run(&["RPUSH", "list", "x", "y", "z"]), "3\n");
    assert_eq!(run(&["LRANGE", "list", "-2", "-1"]), "y\nz\n");
    assert_eq!(run(&["LPOP", "list", "2"]), "x\ny\n");
    assert!(run(&["GET", "list"]).starts_with("WRONGTYPE Operation against a key"));
    assert!(run(&["NOSUCH", "x"]).starts_with("ERR unknown command 'NOSUCH'"));

    let Some(bench) = redis_tool("redis-benchmark") else {
        println!("notice: redis-benchmark not installed; skipping its part");
        return;
    };
    // No -t: every test a default run has; redis-benchmark stops at the first error reply.
    let output = Command::new(bench)
        .args(["-h", "127.0.0.1", "-p", &port])
        .args(["-q", "-n", "600", "-c", "5", "-P", "4"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !text.contains("rror") && !stderr.contains("rror"),
        "{text}{stderr}"
    );
    let results: Vec<&str> = text
        .split(['\r', '\n'])
        .filter(|line| line.contains(" requests per second"))
        .map(|line| line.split(": ").next().unwrap())
        .collect();
    let default_tests = [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "LPUSH",
        "RPUSH",
        "LPOP",
        "RPOP",
        "SADD",
        "HSET",
        "SPOP",
        "ZADD",
        "ZPOPMIN",
        "LPUSH (needed to benchmark LRANGE)",
        "LRANGE_100 (first 100 elements)",
        "LRANGE_300 (first 300 elements)",
        "LRANGE_500 (first 500 elements)",
        "LRANGE_600 (first 600 elements)",
        "MSET (10 keys)",
    ];
    assert_eq!(results, default_tests, "{text}");
    assert_eq!(run(&["PING"]), "PONG\n"); // still serving
    assert_eq!(run(&["LLEN", "mylist"]), "600\n"); // what the LRANGE tests read
}
