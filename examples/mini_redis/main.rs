//! mini_redis: a small Redis-compatible server on greenery's `StreamServer`.
//!
//! ```text
//! cargo run --release --example mini_redis                       # 127.0.0.1, a free port
//! cargo run --release --example mini_redis -- --addr 127.0.0.1:6380
//! redis-cli -p 6380 set greeting hello ex 60
//! redis-benchmark -p 6380 -q -n 100000 -c 50        # every default test passes
//! ```
//!
//! It prints `mini_redis listening on ADDR` on stdout once bound and serves until killed.
//! Options: `--addr ADDR` (default `127.0.0.1:0`: the OS picks a port), `--max-clients N`
//! (default 10,000: more connections wait in the kernel's backlog until a handler slot frees
//! up; a `greenery::pool::Pool` bounds the handlers) and `--client-query-buffer-limit SIZE`
//! (default `1gb`, units as in redis.conf: `100kb`, `64mb`, or bytes): a longer request
//! closes its connection.
//!
//! Protocol: RESP2 requests (arrays of bulk strings, as `redis-cli` and `redis-benchmark`
//! send them) and inline commands (`PING\r\n`, as typed into `nc`), parsed incrementally
//! (`resp.rs`). Commands, with Redis 7's replies and error texts:
//! * keys and connection (`commands.rs`): `PING`, `ECHO`, `DEL`, `EXISTS`, `EXPIRE`, `TTL`,
//!   `TYPE`, `QUIT`, `INFO` (its `# Stats` section), and `CONFIG GET` / `COMMAND` answered
//!   just enough for `redis-benchmark` and interactive `redis-cli`;
//! * strings (`strings.rs`): `GET`, `SET key value [EX s | PX ms] [NX | XX]`, `INCR`,
//!   `MGET`, `MSET`;
//! * lists (`lists.rs`): `LPUSH`, `RPUSH`, `LPOP`/`RPOP key [count]`, `LRANGE`, `LLEN`;
//! * sets, hashes and sorted sets, what `redis-benchmark` runs: `SADD`, `SPOP`, `SCARD`
//!   (`sets.rs`), `HSET`, `HGET` (`hashes.rs`), `ZADD` without flags, `ZPOPMIN`, `ZCARD`
//!   (`sorted_sets.rs`).
//!
//! A command on a key of another type gets `-WRONGTYPE`, wrong arguments or unknown
//! commands get an error reply and the connection stays usable. Each connection is one task
//! (`conn.rs`: pipelining, memory bounds, protocol errors); the key space (`db.rs`) expires
//! keys lazily and a sweeper task removes the expired keys nobody reads, once a second.

mod commands;
mod conn;
mod db;
mod hashes;
mod info;
mod lists;
mod resp;
mod sets;
mod sorted_sets;
mod strings;

use std::io::Write as _;
use std::rc::Rc;
use std::time::Duration;

use greenery::pool::Pool;
use greenery::server::StreamServer;

/// The server's settings.
pub struct Config {
    addr: String,
    max_clients: usize,
    /// The longest request, in bytes (Redis's `client-query-buffer-limit`).
    pub query_buffer_limit: usize,
    pub limits: resp::Limits,
}

/// What every connection's task shares.
pub struct Shared {
    pub db: db::Db,
    pub stats: info::Stats,
    pub config: Config,
}

/// A size as redis.conf writes one: bytes, or `k`/`kb`/`m`/`mb`/`g`/`gb` (powers of 1000
/// without the `b`, of 1024 with it), in any case.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.to_ascii_lowercase();
    let units = [
        ("kb", 1 << 10),
        ("mb", 1 << 20),
        ("gb", 1 << 30),
        ("k", 1_000),
        ("m", 1_000_000),
        ("g", 1_000_000_000),
        ("", 1),
    ];
    let (number, unit) = units
        .iter()
        .find_map(|&(suffix, unit)| Some((text.strip_suffix(suffix)?, unit)))?;
    number.parse::<usize>().ok()?.checked_mul(unit)
}

fn usage() -> ! {
    eprintln!(
        "usage: mini_redis [--addr ADDR] [--max-clients N] [--client-query-buffer-limit SIZE]"
    );
    std::process::exit(2);
}

fn parse_args() -> Config {
    let mut config = Config {
        addr: "127.0.0.1:0".to_owned(),
        max_clients: 10_000,
        query_buffer_limit: 1 << 30,
        limits: resp::Limits::REDIS,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--addr" => config.addr = value,
            "--max-clients" => config.max_clients = value.parse().unwrap_or_else(|_| usage()),
            "--client-query-buffer-limit" => {
                config.query_buffer_limit = parse_size(&value).unwrap_or_else(|| usage());
            }
            _ => usage(),
        }
    }
    config
}

fn main() {
    let config = parse_args();
    let result = greenery::run(async move {
        let pool = Pool::new(config.max_clients).map_err(std::io::Error::other)?;
        let addr = config.addr.clone();
        let shared = Rc::new(Shared {
            db: db::Db::default(),
            stats: info::Stats::default(),
            config,
        });
        let handler_shared = shared.clone();
        let server = StreamServer::bind(addr.as_str(), move |stream, _peer| {
            let shared = handler_shared.clone();
            async move {
                // A connection's IO error (a reset, say) ends that connection only.
                let _ = conn::serve(stream, shared).await;
            }
        })
        .await?
        .with_pool(pool)
        .on_accept_error(|err| eprintln!("mini_redis: accept: {err}"));
        println!("mini_redis listening on {}", server.local_addr());
        std::io::stdout().flush()?;
        greenery::spawn(async move {
            loop {
                greenery::time::sleep(Duration::from_secs(1)).await;
                shared.db.sweep();
            }
        });
        server.serve_forever().await
    });
    if let Err(err) = result {
        eprintln!("mini_redis: {err}");
        std::process::exit(1);
    }
}
