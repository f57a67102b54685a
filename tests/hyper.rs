//! hyper 1 on greenery (feature `hyper`): a hyper server and a hyper client in one runtime
//! over keep-alive, the `http_hello` and `http_client` example binaries talking to each
//! other, `curl` against the server (when installed), and the header-read timeout driven by
//! greenery's `Timer`.

use std::cell::RefCell;
use std::convert::Infallible;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

use greenery::io::BufReader;
use greenery::net::{TcpListener, TcpStream};
use greenery::process::{Child, Command, Stdio};
use greenery::time::timeout;

const PATIENCE: Duration = Duration::from_secs(20);

#[test]
fn hyper_server_and_client_keep_alive_with_non_send_state() {
    greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Not Send: every request appends to it.
        let seen: Rc<RefCell<Vec<String>>> = Rc::default();
        let server = greenery::spawn({
            let seen = seen.clone();
            async move {
                let mut connections = 0;
                loop {
                    let (conn, _) = listener.accept().await.unwrap();
                    connections += 1;
                    let seen = seen.clone();
                    let service = service_fn(move |request: Request<Incoming>| {
                        let seen = seen.clone();
                        async move {
                            let path = request.uri().path().to_owned();
                            let body = request.into_body().collect().await?.to_bytes();
                            seen.borrow_mut().push(format!("{path} {}", body.len()));
                            let reply = format!(
                                "{path} #{} on connection {connections}",
                                seen.borrow().len()
                            );
                            Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from(reply))))
                        }
                    });
                    greenery::spawn(
                        http1::Builder::new()
                            .timer(greenery::hyper::Timer)
                            .serve_connection(conn, service),
                    );
                }
            }
        });

        let conn = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(conn).await.unwrap();
        let connection = greenery::spawn(connection);
        let mut replies = Vec::new();
        for (path, body) in [("/a", "x"), ("/b", ""), ("/c", "a longer body")] {
            let request = Request::post(path)
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            let response = timeout(PATIENCE, sender.send_request(request))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(response.status(), 200);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            replies.push(String::from_utf8(body.to_vec()).unwrap());
        }
        assert_eq!(
            replies,
            [
                "/a #1 on connection 1",
                "/b #2 on connection 1",
                "/c #3 on connection 1"
            ]
        );
        assert_eq!(*seen.borrow(), ["/a 1", "/b 0", "/c 13"]);
        drop(sender); // the client connection ends cleanly
        timeout(PATIENCE, connection)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        server.kill();
    });
}

#[test]
fn the_header_read_timeout_runs_on_greenery_timers() {
    greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = greenery::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            let service = service_fn(|_: Request<Incoming>| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
            });
            http1::Builder::new()
                .timer(greenery::hyper::Timer)
                .header_read_timeout(Duration::from_millis(50))
                .serve_connection(conn, service)
                .await
        });
        let conn = TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap(); // never finished
        let start = greenery::time::now();
        let mut reply = Vec::new();
        timeout(PATIENCE, conn.read_to_end(&mut reply))
            .await
            .unwrap()
            .unwrap();
        // hyper answers 408 (or just closes) once the timer fires, not before.
        assert!(greenery::time::now() - start >= Duration::from_millis(40));
        let reply = String::from_utf8_lossy(&reply);
        assert!(
            reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
            "{reply}"
        );
        assert!(server.await.unwrap().is_err()); // the connection ended in a timeout
    });
}

/// `target/<profile>/examples/NAME`, next to this test binary's `deps` directory.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join(name))
        .unwrap()
}

/// Starts the `http_hello` example on a free port and returns it with its address.
async fn start_hello() -> (Child, String) {
    let mut server = Command::new(example("http_hello"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the http_hello example is built by `cargo test --features hyper`");
    let mut first = String::new();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    timeout(PATIENCE, out.read_line(&mut first))
        .await
        .unwrap()
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    (server, addr)
}

#[test]
fn the_client_example_talks_to_the_hello_example() {
    greenery::run(async {
        let (mut server, addr) = start_hello().await;
        let output = timeout(
            PATIENCE,
            Command::new(example("http_client"))
                .args([format!("http://{addr}/"), format!("http://{addr}/nowhere")])
                .output(),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            stdout,
            format!(
                "http://{addr}/ 200 OK\n<b>hello world</b>\n\
                 http://{addr}/nowhere 404 Not Found\n<h1>Not Found</h1>\n"
            )
        );
        server.kill().await.unwrap();
    });
}

#[test]
fn curl_gets_hello_world_and_json_from_the_hello_example() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: curl is not installed; skipping the curl test");
        return;
    }
    greenery::run(async {
        let (mut server, addr) = start_hello().await;
        let curl = |path: &str| {
            let url = format!("http://{addr}{path}");
            async move {
                let out = timeout(
                    PATIENCE,
                    Command::new("curl")
                        .args(["-s", "-i", "--http1.1", &url, &url])
                        .output(),
                )
                .await
                .unwrap()
                .unwrap();
                assert!(out.status.success(), "{out:?}");
                String::from_utf8(out.stdout).unwrap()
            }
        };
        // Two requests per curl run: the second reuses the keep-alive connection.
        let html = curl("/").await;
        assert_eq!(html.matches("HTTP/1.1 200 OK").count(), 2, "{html}");
        assert!(html.contains("content-type: text/html"), "{html}");
        assert!(html.ends_with("<b>hello world</b>"), "{html}");
        let json = curl("/json").await;
        assert!(json.contains("content-type: application/json"), "{json}");
        // Requests 3 and 4 of this server (counted across connections).
        assert!(json.contains(r#"{"hello":"world","requests":3}"#), "{json}");
        assert!(
            json.ends_with(r#"{"hello":"world","requests":4}"#),
            "{json}"
        );
        server.kill().await.unwrap();
    });
}
