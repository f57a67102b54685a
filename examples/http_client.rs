//! An HTTP/1.1 client on hyper and greenery (cargo feature `hyper`): GETs each URL given,
//! in one task per URL, each over its own connection, and prints the status line and body.
//!
//! ```sh
//! cargo run --features hyper --example http_hello &
//! cargo run --features hyper --example http_client -- http://127.0.0.1:8088/ http://127.0.0.1:8088/json
//! ```

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, Uri};

use greenery::net::TcpStream;

async fn get(url: Uri) -> Result<String, Box<dyn std::error::Error>> {
    let host = url.host().ok_or("the URL has no host")?;
    let port = url.port_u16().unwrap_or(80);
    let conn = TcpStream::connect((host, port)).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(conn).await?;
    greenery::spawn(connection); // drives the connection while we talk over `sender`
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::get(path)
        .header(hyper::header::HOST, host)
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(format!(
        "{url} {status}\n{}",
        String::from_utf8_lossy(&body)
    ))
}

fn main() {
    let urls: Vec<Uri> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().unwrap_or_else(|err| panic!("{arg}: {err}")))
        .collect();
    if urls.is_empty() {
        eprintln!("usage: http_client URL...");
        std::process::exit(2);
    }
    let failed = greenery::run(async move {
        let tasks: Vec<_> = urls
            .into_iter()
            .map(|url| greenery::spawn(get(url)))
            .collect();
        let mut failed = false;
        for result in greenery::joinall(tasks).await {
            match result.expect("a client task panicked") {
                Ok(text) => println!("{text}"),
                Err(err) => {
                    eprintln!("error: {err}");
                    failed = true;
                }
            }
        }
        failed
    });
    std::process::exit(i32::from(failed));
}
