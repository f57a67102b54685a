//! The `redis` crate's sync client, unmodified, in 100 green threads against greenery's
//! `examples/mini_redis` server: with `patch_all` every connection, write and read parks its
//! green thread, and all of them share one OS thread.
#![cfg(all(target_os = "linux", target_env = "gnu"))] // the `patch` feature's platform

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use greenery::green;
use redis::Commands;

/// mini_redis running on a free port; killed when dropped.
struct MiniRedis {
    child: Child,
    url: String,
}

impl MiniRedis {
    /// Starts `target/<profile>/examples/mini_redis`, built by the workspace's `cargo test`
    /// (`None` when it is missing: run `cargo build --example mini_redis` first).
    fn start() -> Option<MiniRedis> {
        let exe = std::env::current_exe().ok()?;
        let binary = exe.parent()?.parent()?.join("examples").join("mini_redis");
        if !Path::new(&binary).exists() {
            println!("notice: {} is not built; skipping", binary.display());
            return None;
        }
        let mut child = Command::new(&binary)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take()?)
            .read_line(&mut line)
            .ok()?;
        let addr = line
            .trim()
            .strip_prefix("mini_redis listening on ")?
            .to_owned();
        Some(MiniRedis {
            child,
            url: format!("redis://{addr}/"),
        })
    }
}

impl Drop for MiniRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_hundred_green_threads_drive_mini_redis_with_the_sync_client() {
    let Some(server) = MiniRedis::start() else {
        return;
    };
    greenery::monkey::patch_all();
    let url = server.url.clone();
    let totals = green::run(move || {
        let client = redis::Client::open(url.as_str()).unwrap();
        let workers: Vec<_> = (0..100u64)
            .map(|i| {
                let client = client.clone();
                green::spawn(move || {
                    let mut conn = client.get_connection().unwrap();
                    for round in 0..10u64 {
                        let key = format!("key:{i}");
                        let _: () = conn.set(&key, i * 100 + round).unwrap();
                        let back: u64 = conn.get(&key).unwrap();
                        assert_eq!(back, i * 100 + round);
                        // `Commands::incr` sends INCRBY, which mini_redis does not have.
                        let _: u64 = redis::cmd("INCR").arg("counter").query(&mut conn).unwrap();
                    }
                    i
                })
            })
            .collect();
        let ids: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
        let mut conn = client.get_connection().unwrap();
        let counter: u64 = conn.get("counter").unwrap();
        (ids, counter)
    });
    assert_eq!(totals, ((0..100).sum::<u64>(), 1_000));
}
