//! hyper 1 on greenery (cargo feature `hyper`): servers and clients with no adapter crate.
//!
//! * [`TcpStream`] and [`UnixStream`] implement hyper's `rt::Read` and `rt::Write`, so they
//!   go straight into `hyper::server::conn::http1::Builder::serve_connection` and
//!   `hyper::client::conn::http1::handshake`. Reads go into hyper's buffer without zeroing
//!   it first; writes are vectored (`writev`).
//! * [`Timer`] is hyper's `rt::Timer` on greenery's timers (header-read timeouts,
//!   keep-alive), and [`Executor`] its `rt::Executor`, spawning greenery tasks.
//! * Services need not be `Send`: a handler may hold `Rc<RefCell<_>>` state, as every
//!   greenery task may.
//!
//! gevent's `pywsgi` hello world, and a hyper client asking it twice over one keep-alive
//! connection:
//!
//! ```
//! use std::convert::Infallible;
//! use http_body_util::{BodyExt, Full};
//! use hyper::body::{Bytes, Incoming};
//! use hyper::{Request, Response};
//! use greenery::net::{TcpListener, TcpStream};
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from("<b>hello world</b>"))))
//! }
//!
//! greenery::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     greenery::spawn(async move {
//!         loop {
//!             let (conn, _) = listener.accept().await.unwrap();
//!             greenery::spawn(
//!                 hyper::server::conn::http1::Builder::new()
//!                     .timer(greenery::hyper::Timer)
//!                     .serve_connection(conn, hyper::service::service_fn(hello)),
//!             );
//!         }
//!     });
//!
//!     let conn = TcpStream::connect(addr).await.unwrap();
//!     let (mut sender, connection) = hyper::client::conn::http1::handshake(conn).await.unwrap();
//!     greenery::spawn(connection);
//!     for _ in 0..2 {
//!         let request = Request::get("/").body(Full::<Bytes>::default()).unwrap();
//!         let response = sender.send_request(request).await.unwrap();
//!         assert_eq!(response.status(), 200);
//!         let body = response.into_body().collect().await.unwrap().to_bytes();
//!         assert_eq!(body, "<b>hello world</b>");
//!     }
//! });
//! ```

use std::future::Future;
use std::io::{self, IoSlice};
use std::mem::ManuallyDrop;
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use ::hyper::rt::{self, ReadBufCursor};

use crate::io::sys;
use crate::net::registered::Registered;
use crate::net::{TcpStream, UnixStream};
use crate::runtime::io::Direction;

/// A read into hyper's buffer, which may be uninitialised: `read(2)` only writes to it.
fn poll_read_cursor<S: mio::event::Source + AsRawFd>(
    registered: &Registered<S>,
    cx: &mut Context<'_>,
    mut buf: ReadBufCursor<'_>,
) -> Poll<io::Result<()>> {
    // SAFETY: `as_mut` hands out the unfilled part of hyper's buffer, maybe uninitialised;
    // `read_uninit` lets only the kernel write into it (initialised bytes stay initialised).
    let unfilled = unsafe { buf.as_mut() };
    let len = unfilled.len();
    let n = ready!(registered.poll_transfer(cx, Direction::Read, len, |s| {
        sys::read_uninit(s.as_raw_fd(), unfilled)
    }))?;
    // SAFETY: read(2) returned `n`: it initialised exactly the first `n` bytes handed to it.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

/// A vectored write: one `writev(2)` for hyper's headers and body.
fn poll_write_vectored<S: mio::event::Source + AsRawFd>(
    registered: &Registered<S>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    let len = bufs.iter().map(|b| b.len()).sum();
    registered.poll_transfer(cx, Direction::Write, len, |s| {
        sys::writev(s.as_raw_fd(), bufs)
    })
}

macro_rules! hyper_io {
    ($($ty:ty),*) => {$(
        impl rt::Read for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read_cursor(self.registered(), cx, buf)
            }
        }

        impl rt::Write for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                <$ty>::poll_write(&self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                poll_write_vectored(self.registered(), cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            /// Nothing to flush: greenery's sockets do not buffer.
            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            /// Shuts down the write direction: the peer reads end of stream.
            fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.shutdown(Shutdown::Write))
            }
        }
    )*};
}

hyper_io!(TcpStream, UnixStream);

/// hyper's `rt::Executor` on greenery: each future becomes a detached greenery task (used
/// by hyper for background work such as HTTP/2 streams and upgrades). Call it inside a
/// runtime, as hyper does from a connection's task.
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// use hyper::rt::Executor as _;
///
/// greenery::run(async {
///     let ran = Rc::new(Cell::new(false));
///     greenery::hyper::Executor.execute({
///         let ran = ran.clone();
///         async move { ran.set(true) }
///     });
///     greenery::yield_now().await; // the task runs when we yield
///     assert!(ran.get());
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Executor;

impl<F: Future + 'static> rt::Executor<F> for Executor {
    fn execute(&self, future: F) {
        drop(crate::spawn(async move {
            future.await;
        }));
    }
}

/// hyper's `rt::Timer` on greenery's timer heap (exact timers, and the virtual clock of
/// [`Builder::start_paused`](crate::Builder::start_paused)): pass it to hyper's
/// `Builder::timer` for header-read timeouts and keep-alive.
///
/// hyper requires its sleeps to be `Send`; greenery's are tied to their runtime's thread. A
/// sleep from this timer is therefore checked: polled on another thread it panics (only
/// possible if the connection future was moved, which greenery's `!Send` sockets prevent),
/// and dropped on another thread it is leaked, never touched.
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer as _;
///
/// greenery::run(async {
///     let start = greenery::time::now();
///     greenery::hyper::Timer.sleep(Duration::from_millis(5)).await;
///     assert!(greenery::time::now() - start >= Duration::from_millis(5));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer;

impl rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(Sleep::new(crate::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(Sleep::new(crate::time::sleep_until(deadline)))
    }

    fn now(&self) -> Instant {
        crate::time::now()
    }
}

thread_local! {
    /// This thread's id, cached (thread ids are never reused).
    static THREAD: ThreadId = std::thread::current().id();
}

/// The calling thread's id; `None` while its thread-locals are being destroyed.
fn current_thread() -> Option<ThreadId> {
    THREAD.try_with(|id| *id).ok()
}

/// A greenery sleep that may cross threads as a value but is only ever touched on the
/// thread that made it.
struct Sleep {
    owner: ThreadId,
    inner: ManuallyDrop<crate::time::Sleep>,
}

impl Sleep {
    fn new(inner: crate::time::Sleep) -> Sleep {
        Sleep {
            owner: std::thread::current().id(),
            inner: ManuallyDrop::new(inner),
        }
    }
}

// SAFETY: the only !Send part is `inner` (its `Rc` to the runtime core). It is polled only
// after checking that the current thread is `owner` (else `poll` panics before touching
// it) and dropped only on `owner` (elsewhere it is leaked). Moving the bytes of a value to
// another thread does not touch the `Rc`'s count, so no `Rc` is ever used off its thread.
unsafe impl Send for Sleep {}
// SAFETY: no method takes `&Sleep` and reaches `inner`: `poll` needs `Pin<&mut Sleep>`.
unsafe impl Sync for Sleep {}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        assert!(
            current_thread() == Some(this.owner),
            "greenery::hyper::Timer: a sleep was polled off the thread of its runtime"
        );
        Pin::new(&mut *this.inner).poll(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if current_thread() == Some(self.owner) {
            // SAFETY: `inner` is dropped once, here, and never used afterwards.
            unsafe { ManuallyDrop::drop(&mut self.inner) }
        }
    }
}

impl rt::Sleep for Sleep {}
