//! An unmodified sync HTTP client (ureq 2) in 50 green threads against a server that takes
//! 300 ms per request: with `patch_all` the requests overlap on one OS thread.
#![cfg(all(target_os = "linux", target_env = "gnu"))] // the `patch` feature's platform

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use greenery::green;

fn serve(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    std::thread::sleep(Duration::from_millis(300));
    write!(
        &stream,
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    )
}

/// Tests that count the process's threads, and tests that may start one (a DNS lookup starts a
/// blocking-pool thread), run one at a time.
static THREADS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

#[test]
fn fifty_ureq_gets_overlap_on_one_os_thread() {
    let _alone = THREADS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    greenery::monkey::patch_all();
    let (bodies, elapsed, extra_threads) = green::run(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = green::spawn(move || {
            // An error ends the loop: a kill shows up as one (ECANCELED).
            while let Ok((stream, _)) = listener.accept() {
                green::spawn(move || serve(stream));
            }
        });
        let before = threads();
        let start = Instant::now();
        let requests: Vec<_> = (0..50)
            .map(|_| {
                let url = url.clone();
                green::spawn(move || ureq::get(&url).call().unwrap().into_string().unwrap())
            })
            .collect();
        // All fifty are now in flight.
        green::yield_now();
        // Growth only: the thread of the test before, or a pool thread, may exit meanwhile.
        let extra = threads().saturating_sub(before);
        let bodies: Vec<String> = requests.into_iter().map(|r| r.join().unwrap()).collect();
        server.kill();
        (bodies, start.elapsed(), extra)
    });
    assert!(bodies.iter().all(|body| body == "ok"));
    assert_eq!(extra_threads, 0, "the requests ran on the runtime's thread");
    assert!(elapsed >= Duration::from_millis(300));
    // Sequential: 15 s. Overlapped: ~0.3 s; a generous bound for a loaded machine.
    assert!(
        elapsed < Duration::from_secs(5),
        "requests did not overlap: {elapsed:?}"
    );
}

#[test]
fn ureq_to_a_host_name_resolves_off_the_loop() {
    let _alone = THREADS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    greenery::monkey::patch_all();
    let body = green::run(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        green::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            serve(stream)
        });
        ureq::get(&format!("http://localhost:{port}/"))
            .call()
            .unwrap()
            .into_string()
            .unwrap()
    });
    assert_eq!(body, "ok");
}
