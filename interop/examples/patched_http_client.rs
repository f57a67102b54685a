//! 50 green threads each make an unmodified `ureq` GET to a local HTTP server that takes 300 ms
//! per request: with `greenery::monkey::patch_all()` they wait together, on one OS thread, and
//! all are done in about 0.3 s (sequential requests would take 15 s).
//!
//! The server is plain `std::net` too: a green thread per connection, `std::thread::sleep` for
//! the slow work. Run with `cargo run -p greenery-interop --example patched_http_client`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use greenery::green;

/// Answers one HTTP/1.1 request after 300 ms of "work".
fn serve(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear(); // skip the request line and headers, up to the empty line
    }
    std::thread::sleep(Duration::from_millis(300));
    let body = "hello from green\n";
    write!(
        &stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() {
    println!("the patch feature needs Linux with glibc");
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn main() {
    greenery::monkey::patch_all();
    let (ok, elapsed) = green::run(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        green::spawn(move || {
            // An error ends the loop: a kill shows up as one (ECANCELED).
            while let Ok((stream, _)) = listener.accept() {
                green::spawn(move || serve(stream));
            }
        });
        let start = Instant::now();
        let requests: Vec<_> = (0..50)
            .map(|_| {
                let url = url.clone();
                green::spawn(move || {
                    let response = ureq::get(&url).call().map_err(Box::new)?;
                    Ok::<_, Box<ureq::Error>>(response.into_string())
                })
            })
            .collect();
        let ok = requests
            .into_iter()
            .filter_map(|request| request.join().ok())
            .filter(|body| matches!(body, Ok(Ok(text)) if text == "hello from green\n"))
            .count();
        (ok, start.elapsed())
    });
    println!(
        "{ok} of 50 requests answered in {:.2} s",
        elapsed.as_secs_f64()
    );
}
