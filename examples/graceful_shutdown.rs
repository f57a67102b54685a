//! A `StreamServer` that stops gracefully on Ctrl-C or `SIGTERM`: it stops accepting,
//! lets the requests in flight finish (up to 5 s), then exits with status 0.
//!
//! The protocol is one line per request: `ping` answers `pong` at once, `slow` answers
//! `done` after 300 ms (a request in flight at shutdown time), anything else is echoed.
//!
//! ```sh
//! cargo run --example graceful_shutdown -- 127.0.0.1:7001
//! # in another terminal: nc 127.0.0.1 7001, type slow, then kill -TERM <pid> (or Ctrl-C)
//! ```

use std::time::Duration;

use greenery::io::BufReader;
use greenery::net::TcpStream;
use greenery::server::StreamServer;
use greenery::signal::{Signals, SIGINT, SIGTERM};

async fn handle(conn: TcpStream) {
    let mut lines = BufReader::new(&conn).lines();
    while let Some(Ok(line)) = lines.next().await {
        let reply = match line.as_str() {
            "ping" => "pong".to_owned(),
            "slow" => {
                greenery::time::sleep(Duration::from_millis(300)).await;
                "done".to_owned()
            }
            other => other.to_owned(),
        };
        if conn
            .write_all(format!("{reply}\n").as_bytes())
            .await
            .is_err()
        {
            break;
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7001".into());
    greenery::run(async move {
        // Catch the signals before serving, so none arrives unhandled.
        let mut signals = Signals::new([SIGINT, SIGTERM])?;
        let server = StreamServer::bind(addr.as_str(), |conn, _| handle(conn)).await?;
        server.start();
        println!("listening on {}", server.local_addr());
        let signal = signals.recv().await;
        let name = if signal == SIGINT {
            "SIGINT"
        } else {
            "SIGTERM"
        };
        println!(
            "{name}: shutting down, {} connection(s) open",
            server.connections()
        );
        let killed = server.stop_timeout(Duration::from_secs(5)).await;
        println!("stopped ({killed} handler(s) cut short)");
        Ok(())
    })
}
