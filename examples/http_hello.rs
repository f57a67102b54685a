//! gevent's `pywsgi` hello world on hyper, plus a JSON endpoint (cargo feature `hyper`).
//!
//! ```python
//! from gevent.pywsgi import WSGIServer
//! def application(env, start_response):
//!     if env['PATH_INFO'] == '/':
//!         start_response('200 OK', [('Content-Type', 'text/html')])
//!         return [b"<b>hello world</b>"]
//!     start_response('404 Not Found', [('Content-Type', 'text/html')])
//!     return [b'<h1>Not Found</h1>']
//! WSGIServer(('127.0.0.1', 8088), application).serve_forever()
//! ```
//!
//! `GET /json` answers `{"hello":"world","requests":N}`, N counting the requests served so
//! far: state shared by every connection in an `Rc<Cell<_>>`, no `Send` needed.
//!
//! ```sh
//! cargo run --release --features hyper --example http_hello -- 127.0.0.1:8088
//! curl http://127.0.0.1:8088/ ; curl http://127.0.0.1:8088/json
//! ```

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::CONTENT_TYPE;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};

use greenery::net::TcpListener;

fn respond(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

async fn application(
    request: Request<Incoming>,
    served: Rc<Cell<u64>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    served.set(served.get() + 1);
    Ok(match request.uri().path() {
        "/" => respond(StatusCode::OK, "text/html", "<b>hello world</b>"),
        "/json" => respond(
            StatusCode::OK,
            "application/json",
            format!(r#"{{"hello":"world","requests":{}}}"#, served.get()),
        ),
        _ => respond(StatusCode::NOT_FOUND, "text/html", "<h1>Not Found</h1>"),
    })
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8088".into());
    greenery::run(async move {
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let served = Rc::new(Cell::new(0));
        loop {
            let (conn, _) = listener.accept().await?;
            let served = served.clone();
            let service = service_fn(move |request| application(request, served.clone()));
            greenery::spawn(async move {
                // A connection error (a client hanging up mid-request) ends that connection.
                let _ = http1::Builder::new()
                    .timer(greenery::hyper::Timer)
                    .serve_connection(conn, service)
                    .await;
            });
        }
    })
}
