//! Networking: a TCP echo server (greenery's `StreamServer` against tokio's current_thread
//! runtime) and memory per idle connection.
//!
//! * **echo**: 100 connections x 1,000 round trips of 64 bytes. The server runs in a thread
//!   pinned to core 0 and measures its own CPU time (`CLOCK_THREAD_CPUTIME_ID`); the client
//!   (the same tokio current_thread client for both servers) runs in a thread pinned to
//!   core 1. Reported: requests (round trips) per second of wall time, and server CPU per
//!   request. Runtimes take turns round by round; the table shows medians.
//! * **idle memory**: 10,000 connections that each wait in `read`; live heap bytes (a
//!   counting global allocator) after every handler has started, minus before, per
//!   connection. The client side is std sockets held in a preallocated `Vec`.
//!
//! * **patched** (with `--features patch`): the same echo served by plain `std::net` in green
//!   threads under `patch_all`, compared with the raw greenery accept loop.
//!
//! Run with `cargo bench -p greenery-bench --bench net` (figures in `docs/benchmarks.md`;
//! `--features patch` adds the patched server).
//! Without `--bench` (e.g. `cargo test -p greenery-bench --benches`) it runs a tiny round of
//! each as a smoke test. `cargo bench -p greenery-bench --bench net -- greenery` runs one
//! server only (for `perf`).

mod common;
use common::{median, pin_to, thread_cpu};

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const MSG: usize = 64;

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` unchanged; the counter is only arithmetic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System.alloc` with this `layout` (the caller's contract).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `realloc` is passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// User and system CPU time of the calling thread (`getrusage(RUSAGE_THREAD)`, tick
/// sampled: fine over a whole round).
fn thread_user_sys() -> (Duration, Duration) {
    // SAFETY: an all-zero rusage is a valid value; getrusage only writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` lives on our stack for the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_THREAD)");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (tv(usage.ru_utime), tv(usage.ru_stime))
}

/// Raises the fd limit to at least `want` (the hard limit too, if we may).
fn raise_fd_limit(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: pointers to rlimit values on our stack.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        let wanted = libc::rlimit {
            rlim_cur: want.max(lim.rlim_cur),
            rlim_max: want.max(lim.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) != 0 {
            let soft = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            libc::setrlimit(libc::RLIMIT_NOFILE, &soft);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    lim.rlim_cur
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Server {
    /// `greenery::server::StreamServer`.
    Greenery,
    /// A plain greenery accept loop with `greenery::spawn` per connection (what the runtime
    /// costs without the server's task tracking).
    GreeneryRaw,
    /// tokio current_thread, accept loop + `tokio::spawn`.
    Tokio,
    /// Plain `std::net` in green threads under `greenery::monkey::patch_all()`: a std accept
    /// loop with `green::spawn` per connection and std's `read`/`write_all` (feature `patch`).
    #[cfg(feature = "patch")]
    Patched,
}

/// Server thread CPU: total (clock), user and system (rusage).
struct Cpu {
    total: Duration,
    user: Duration,
    sys: Duration,
}

/// The echo server: serves `conns` connections (until each closes), then returns its
/// thread's CPU time. Sends its address first.
fn echo_server(kind: Server, conns: usize, addr_tx: mpsc::Sender<SocketAddr>) -> Cpu {
    pin_to(0);
    let start = thread_cpu();
    let (user0, sys0) = thread_user_sys();
    match kind {
        Server::Greenery => greenery::run(async move {
            use greenery::net::TcpStream;
            let left = Rc::new(Cell::new(conns));
            let done = greenery::sync::Event::new();
            let (l, d) = (left.clone(), done.clone());
            let server = greenery::server::StreamServer::bind(
                "127.0.0.1:0",
                move |conn: TcpStream, _peer| {
                    let (left, done) = (l.clone(), d.clone());
                    async move {
                        let _ = conn.set_nodelay(true);
                        let mut buf = [0; 4096];
                        loop {
                            match conn.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    if conn.write_all(&buf[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        left.set(left.get() - 1);
                        if left.get() == 0 {
                            done.set();
                        }
                    }
                },
            )
            .await
            .unwrap();
            addr_tx.send(server.local_addr()).unwrap();
            server.start();
            done.wait().await;
            server.stop().await;
        }),
        Server::GreeneryRaw => greenery::run(async move {
            let listener = greenery::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let mut handlers = Vec::new();
            for _ in 0..conns {
                let (conn, _) = listener.accept().await.unwrap();
                handlers.push(greenery::spawn(async move {
                    let _ = conn.set_nodelay(true);
                    let mut buf = [0; 4096];
                    loop {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if conn.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }));
            }
            for h in handlers {
                h.await.unwrap();
            }
        }),
        #[cfg(feature = "patch")]
        Server::Patched => greenery::green::run(move || {
            use std::io::{Read, Write};
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let mut handlers = Vec::new();
            for _ in 0..conns {
                let (mut conn, _) = listener.accept().unwrap();
                handlers.push(greenery::green::spawn(move || {
                    let _ = conn.set_nodelay(true);
                    let mut buf = [0; 4096];
                    loop {
                        match conn.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if conn.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }));
            }
            for h in handlers {
                h.join().unwrap();
            }
        }),
        Server::Tokio => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let mut handlers = Vec::new();
                for _ in 0..conns {
                    let (mut conn, _) = listener.accept().await.unwrap();
                    handlers.push(tokio::spawn(async move {
                        let _ = conn.set_nodelay(true);
                        let mut buf = [0; 4096];
                        loop {
                            match conn.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    if conn.write_all(&buf[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                    }));
                }
                for h in handlers {
                    h.await.unwrap();
                }
            });
        }
    }
    let (user1, sys1) = thread_user_sys();
    Cpu {
        total: thread_cpu() - start,
        user: user1 - user0,
        sys: sys1 - sys0,
    }
}

/// The client (the same for both servers): `conns` connections, `trips` round trips of
/// 64 bytes each, on a tokio current_thread runtime pinned to core 1. Returns wall time.
fn echo_client(addr: SocketAddr, conns: usize, trips: usize) -> Duration {
    pin_to(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut streams = Vec::new();
        for _ in 0..conns {
            let s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.set_nodelay(true).unwrap();
            streams.push(s);
        }
        let start = Instant::now();
        let tasks: Vec<_> = streams
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    let msg = [7u8; MSG];
                    let mut back = [0u8; MSG];
                    for _ in 0..trips {
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        start.elapsed()
    })
}

struct EchoRun {
    rps: f64,
    cpu_ns_per_req: f64,
    user_ns_per_req: f64,
    sys_ns_per_req: f64,
}

fn echo_round(kind: Server, conns: usize, trips: usize) -> EchoRun {
    let (tx, rx) = mpsc::channel();
    let server = std::thread::spawn(move || echo_server(kind, conns, tx));
    let addr = rx.recv().unwrap();
    let wall = std::thread::spawn(move || echo_client(addr, conns, trips))
        .join()
        .unwrap();
    let cpu = server.join().unwrap();
    let requests = (conns * trips) as f64;
    let per_req = |d: Duration| d.as_nanos() as f64 / requests;
    EchoRun {
        rps: requests / wall.as_secs_f64(),
        cpu_ns_per_req: per_req(cpu.total),
        user_ns_per_req: per_req(cpu.user),
        sys_ns_per_req: per_req(cpu.sys),
    }
}

/// The child process of [`idle_memory`]: opens `conns` connections to `addr`, holds them
/// until its stdin closes.
fn idle_client(addr: &str, conns: usize) {
    raise_fd_limit(conns as u64 + 1_000);
    let clients: Vec<_> = (0..conns)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    drop(clients);
}

/// Idle connections: live heap bytes per connection held by the server.
fn idle_memory(kind: Server, conns: usize) -> f64 {
    let (tx, rx) = mpsc::channel();
    let started = Arc::new(AtomicUsize::new(0));
    let server = {
        let started = started.clone();
        std::thread::spawn(move || idle_server(kind, conns, tx, started))
    };
    let addr = rx.recv().unwrap();
    // Let the server settle (its first allocations) before the baseline.
    std::thread::sleep(Duration::from_millis(50));
    let before = LIVE.load(Ordering::SeqCst);
    // The clients live in a child process (this binary again), so the fd limit only has to
    // cover the server's sockets.
    let mut clients = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--idle-client", &addr.to_string(), &conns.to_string()])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while started.load(Ordering::SeqCst) < conns {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    let after = LIVE.load(Ordering::SeqCst);
    drop(clients.stdin.take()); // the child closes its sockets and exits
    clients.wait().unwrap();
    server.join().unwrap();
    (after as f64 - before as f64) / conns as f64
}

fn idle_server(
    kind: Server,
    conns: usize,
    addr_tx: mpsc::Sender<SocketAddr>,
    started: Arc<AtomicUsize>,
) {
    match kind {
        Server::Greenery => greenery::run(async move {
            let left = Rc::new(Cell::new(conns));
            let done = greenery::sync::Event::new();
            let (l, d) = (left.clone(), done.clone());
            let server = greenery::server::StreamServer::bind(
                "127.0.0.1:0",
                move |conn: greenery::net::TcpStream, _peer| {
                    let (left, done, started) = (l.clone(), d.clone(), started.clone());
                    async move {
                        started.fetch_add(1, Ordering::SeqCst);
                        let mut buf = [0; MSG];
                        while let Ok(1..) = conn.read(&mut buf).await {}
                        left.set(left.get() - 1);
                        if left.get() == 0 {
                            done.set();
                        }
                    }
                },
            )
            .await
            .unwrap();
            addr_tx.send(server.local_addr()).unwrap();
            server.start();
            done.wait().await;
            server.stop().await;
        }),
        Server::GreeneryRaw => greenery::run(async move {
            let listener = greenery::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let mut handlers = Vec::with_capacity(conns);
            for _ in 0..conns {
                let (conn, _) = listener.accept().await.unwrap();
                let started = started.clone();
                handlers.push(greenery::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let mut buf = [0; MSG];
                    while let Ok(1..) = conn.read(&mut buf).await {}
                }));
            }
            for h in handlers {
                h.await.unwrap();
            }
        }),
        #[cfg(feature = "patch")]
        Server::Patched => unreachable!("idle memory leaves the patched server out"),
        Server::Tokio => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use tokio::io::AsyncReadExt;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let mut handlers = Vec::with_capacity(conns);
                for _ in 0..conns {
                    let (mut conn, _) = listener.accept().await.unwrap();
                    let started = started.clone();
                    handlers.push(tokio::spawn(async move {
                        started.fetch_add(1, Ordering::SeqCst);
                        let mut buf = [0; MSG];
                        while let Ok(1..) = conn.read(&mut buf).await {}
                    }));
                }
                for h in handlers {
                    h.await.unwrap();
                }
            });
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, addr, conns] = &args[..] {
        if flag == "--idle-client" {
            return idle_client(addr, conns.parse().unwrap());
        }
    }
    let full = args.iter().any(|arg| arg == "--bench");
    let names: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.as_str())
        .collect();
    #[cfg(feature = "patch")]
    greenery::monkey::patch_all(); // pass-through (a few ns a call) for everything not green
    let all = [
        Server::Greenery,
        Server::GreeneryRaw,
        Server::Tokio,
        #[cfg(feature = "patch")]
        Server::Patched,
    ];
    let servers: Vec<Server> = all
        .into_iter()
        .filter(|s| names.is_empty() || names.contains(&format!("{s:?}").to_lowercase().as_str()))
        .collect();
    let (conns, trips, rounds, idle) = if full {
        (100, 1_000, 7, 10_000)
    } else {
        (4, 10, 1, 50)
    };
    let limit = raise_fd_limit(idle as u64 + 1_000);
    let idle = idle.min((limit as usize).saturating_sub(1_000));

    println!("TCP echo: {conns} connections x {trips} round trips of {MSG} bytes, {rounds} rounds (medians)");
    let mut results: Vec<(Server, Vec<EchoRun>)> =
        servers.iter().map(|&s| (s, Vec::new())).collect();
    for _ in 0..rounds {
        for (kind, runs) in &mut results {
            runs.push(echo_round(*kind, conns, trips));
        }
    }
    println!(
        "{:<12} {:>12} {:>16} {:>9} {:>9}",
        "server", "requests/s", "CPU ns/request", "user ns", "sys ns"
    );
    let mut summary = Vec::new();
    for (kind, runs) in &results {
        let rps = median(runs.iter().map(|r| r.rps).collect());
        let cpu = median(runs.iter().map(|r| r.cpu_ns_per_req).collect());
        let user = median(runs.iter().map(|r| r.user_ns_per_req).collect());
        let sys = median(runs.iter().map(|r| r.sys_ns_per_req).collect());
        println!(
            "{:<12} {:>12.0} {:>16.0} {:>9.0} {:>9.0}",
            format!("{kind:?}"),
            rps,
            cpu,
            user,
            sys
        );
        summary.push((*kind, rps, cpu));
    }
    let find = |k: Server| summary.iter().find(|s| s.0 == k).map(|s| (s.1, s.2));
    if let (Some((g_rps, g_cpu)), Some((t_rps, t_cpu))) =
        (find(Server::Greenery), find(Server::Tokio))
    {
        println!(
            "greenery/tokio: requests/s {:.2}x (target >= 1.0), server CPU per request {:.2}x (target <= 0.9)",
            g_rps / t_rps,
            g_cpu / t_cpu
        );
    }

    #[cfg(feature = "patch")]
    if let (Some((p_rps, p_cpu)), Some((r_rps, r_cpu))) =
        (find(Server::Patched), find(Server::GreeneryRaw))
    {
        println!(
            "patched std::net/greenery async: requests/s {:.2}x, server CPU per request {:.2}x (target <= 1.15)",
            p_rps / r_rps,
            p_cpu / r_cpu
        );
    }

    println!("\nidle connections: {idle}, live heap bytes per connection");
    #[cfg(feature = "patch")]
    let servers: Vec<Server> = servers
        .into_iter()
        .filter(|&s| s != Server::Patched) // a green stack per connection: see benches/green.rs
        .collect();
    for &kind in &servers {
        let bytes = idle_memory(kind, idle);
        println!("{:<12} {:>10.0} B", format!("{kind:?}"), bytes);
    }
}
