//! HTTP/1.1 hello world: hyper on greenery against hyper on tokio's current_thread runtime,
//! same run, same client (cargo feature `hyper`).
//!
//! Each server runs in its own thread pinned to core 0 and answers `GET /` with
//! `Hello, World!` over keep-alive, with its runtime's hyper timer set (header-read timeout
//! on), as a real server would. The client is `wrk` (`-t1 -c50`, pinned to core 1 with
//! `taskset`); the servers take turns, several rounds, medians reported. Server CPU is the
//! server thread's CPU clock (`pthread_getcpuclockid`) over the round, divided by the
//! requests the server counted.
//!
//! `benches/http.sh` installs `wrk` if needed and runs
//! `cargo bench -p greenery-bench --features hyper --bench http`. Without `--bench` (e.g.
//! `cargo test -p greenery-bench --benches --features hyper`) it runs a tiny smoke round with
//! an in-process hyper client instead of `wrk`.

mod common;
use common::{median, pin_to};

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

const BODY: &[u8] = b"Hello, World!";

fn hello(counter: &AtomicU64) -> Result<Response<Full<Bytes>>, Infallible> {
    counter.fetch_add(1, Ordering::Relaxed);
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

/// Whether the servers get their runtime's hyper timer (header-read timeout on): yes,
/// unless `HTTP_BENCH_TIMER=0`.
fn with_timer() -> bool {
    std::env::var("HTTP_BENCH_TIMER").map_or(true, |v| v != "0")
}

fn greenery_server(listener: std::net::TcpListener, counter: Arc<AtomicU64>) {
    let timer = with_timer();
    greenery::run(async move {
        let listener = greenery::net::TcpListener::from_std(listener).unwrap();
        loop {
            let Ok((conn, _)) = listener.accept().await else {
                continue;
            };
            let _ = conn.set_nodelay(true);
            let counter = counter.clone();
            let service = service_fn(move |_: Request<Incoming>| {
                let reply = hello(&counter);
                async move { reply }
            });
            greenery::spawn(async move {
                let mut builder = http1::Builder::new();
                if timer {
                    builder.timer(greenery::hyper::Timer);
                }
                let _ = builder.serve_connection(conn, service).await;
            });
        }
    })
}

fn tokio_server(listener: std::net::TcpListener, counter: Arc<AtomicU64>) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let timer = with_timer();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        loop {
            let Ok((conn, _)) = listener.accept().await else {
                continue;
            };
            let _ = conn.set_nodelay(true);
            let counter = counter.clone();
            let service = service_fn(move |_: Request<Incoming>| {
                let reply = hello(&counter);
                async move { reply }
            });
            tokio::spawn(async move {
                let mut builder = http1::Builder::new();
                if timer {
                    builder.timer(TokioTimer::new());
                }
                let _ = builder.serve_connection(TokioIo::new(conn), service).await;
            });
        }
    })
}

/// A server running in its own pinned thread: its address, request counter, CPU clock.
struct Server {
    name: &'static str,
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
    clock: libc::clockid_t,
    _thread: std::thread::JoinHandle<()>,
}

impl Server {
    fn start(name: &'static str, serve: fn(std::net::TcpListener, Arc<AtomicU64>)) -> Server {
        use std::os::unix::thread::JoinHandleExt;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicU64::new(0));
        let counter = requests.clone();
        let thread = std::thread::spawn(move || {
            pin_to(0);
            serve(listener, counter)
        });
        let mut clock = 0;
        // SAFETY: the thread is alive (it serves forever); `clock` is ours to write.
        let rc = unsafe { libc::pthread_getcpuclockid(thread.as_pthread_t(), &mut clock) };
        assert_eq!(rc, 0, "pthread_getcpuclockid");
        Server {
            name,
            addr,
            requests,
            clock,
            _thread: thread,
        }
    }

    /// The server thread's CPU time so far.
    fn cpu(&self) -> Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` lives on our stack; `clock` is the live server thread's CPU clock.
        let rc = unsafe { libc::clock_gettime(self.clock, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(server thread)");
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }
}

/// One round's figures.
struct Round {
    requests_per_sec: f64,
    cpu_ns_per_request: f64,
}

/// Runs `wrk` against `server` and measures the server's CPU meanwhile.
fn wrk_round(server: &Server, seconds: u32, connections: u32) -> Round {
    let (cpu0, req0) = (server.cpu(), server.requests.load(Ordering::Relaxed));
    let url = format!("http://{}/", server.addr);
    let duration = format!("{seconds}s");
    let conns = connections.to_string();
    let output = Command::new("taskset")
        .args(["-c", "1", "wrk", "-t1", "-c", &conns, "-d", &duration, &url])
        .output()
        .expect("taskset and wrk (benches/http.sh installs wrk)");
    assert!(output.status.success(), "wrk failed: {output:?}");
    let (cpu1, req1) = (server.cpu(), server.requests.load(Ordering::Relaxed));
    let text = String::from_utf8_lossy(&output.stdout);
    let requests_per_sec = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"));
    assert!(!text.contains("Non-2xx"), "errors in wrk output:\n{text}");
    let served = (req1 - req0).max(1);
    Round {
        requests_per_sec,
        cpu_ns_per_request: (cpu1 - cpu0).as_nanos() as f64 / served as f64,
    }
}

/// The smoke round: `requests` GETs over one keep-alive connection from an in-process
/// hyper client (on greenery), checking every answer.
fn smoke_round(server: &Server, requests: u32) {
    let addr = server.addr;
    greenery::run(async move {
        let conn = greenery::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(conn).await.unwrap();
        greenery::spawn(connection);
        for _ in 0..requests {
            let request = Request::get("/").body(Empty::<Bytes>::new()).unwrap();
            let response = sender.send_request(request).await.unwrap();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, BODY);
        }
    });
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let servers: Vec<Server> = [
        ("greenery", greenery_server as fn(_, _)),
        ("tokio", tokio_server as fn(_, _)),
    ]
    .into_iter()
    .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())))
    .map(|(name, serve)| Server::start(name, serve))
    .collect();

    if !bench {
        for server in &servers {
            smoke_round(server, 50);
            println!("http smoke: {} served 50 requests", server.name);
        }
        return;
    }

    let rounds: usize = std::env::var("HTTP_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let seconds = 5;
    let connections = 50;
    for server in &servers {
        wrk_round(server, 1, connections); // warm-up
    }
    let mut results: Vec<Vec<Round>> = servers.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for (server, rounds) in servers.iter().zip(&mut results) {
            let r = wrk_round(server, seconds, connections);
            println!(
                "round {round} {:<9} {:>9.0} req/s {:>6.0} ns CPU/request",
                server.name, r.requests_per_sec, r.cpu_ns_per_request
            );
            rounds.push(r);
        }
    }
    println!(
        "\nmedians over {rounds} rounds of {seconds} s, wrk -t1 -c{connections} (pinned to core 1), \
         server pinned to core 0:"
    );
    println!("| server | requests/s | server CPU ns/request |");
    println!("|---|---|---|");
    let mut medians = Vec::new();
    for (server, rounds) in servers.iter().zip(&results) {
        let rps = median(rounds.iter().map(|r| r.requests_per_sec).collect());
        let cpu = median(rounds.iter().map(|r| r.cpu_ns_per_request).collect());
        println!("| {} | {rps:.0} | {cpu:.0} |", server.name);
        medians.push((rps, cpu));
    }
    if let [(g_rps, g_cpu), (t_rps, t_cpu)] = medians[..] {
        println!(
            "\ngreenery / tokio: requests/s {:.2}x, server CPU per request {:.2}x",
            g_rps / t_rps,
            g_cpu / t_cpu
        );
    }
}
