//! A plain TCP echo server: one task per connection, all on one thread.
//!
//! ```text
//! cargo run --example echo_server -- 127.0.0.1:7000
//! # elsewhere:
//! nc 127.0.0.1 7000        # type lines; each comes back
//! ```
//!
//! With no argument it listens on 127.0.0.1:7000. It runs until interrupted. With `--once`
//! after the address it serves a single connection and exits (handy in scripts:
//! `echo hi | nc -q1 127.0.0.1 7000`).

use greenery::net::{TcpListener, TcpStream};

async fn echo(conn: TcpStream) -> std::io::Result<u64> {
    let mut buf = vec![0; 16 * 1024];
    let mut total = 0;
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        conn.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".to_owned());
    let once = args.next().as_deref() == Some("--once");
    let result = greenery::run(async move {
        let listener = TcpListener::bind(addr.as_str()).await?;
        eprintln!("echo server listening on {}", listener.local_addr()?);
        loop {
            let (conn, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of fds and the like: report and keep serving.
                Err(err) => {
                    eprintln!("accept: {err}");
                    greenery::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let handler = greenery::spawn(async move {
                match echo(conn).await {
                    Ok(bytes) => eprintln!("{peer}: closed after {bytes} bytes"),
                    Err(err) => eprintln!("{peer}: {err}"),
                }
            });
            if once {
                let _ = handler.await;
                return Ok::<(), std::io::Error>(());
            }
        }
    });
    if let Err(err) = result {
        eprintln!("echo_server: {err}");
        std::process::exit(1);
    }
}
