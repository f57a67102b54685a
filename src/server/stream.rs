//! [`StreamServer`]: accept TCP connections and run a handler task for each.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use crate::net::{TcpListener, TcpStream, ToSocketAddrs};
use crate::pool::{Group, Pool};
use crate::runtime::JoinHandle;
use crate::sync::Event;

/// The first pause after an accept error that means "out of resources" (gevent's
/// `min_delay`); it doubles on each repeat up to [`MAX_BACKOFF`] and resets on success.
const MIN_BACKOFF: Duration = Duration::from_millis(10);
/// The longest pause between accepts while resources stay exhausted (gevent's `max_delay`).
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Spawns the handler task for a connection into the group, or, for a pool, returns the
/// future that waits for a slot and then spawns it (the accept loop drives that future).
/// The handler's future is never boxed: the task holds it directly.
type Spawner = Rc<dyn Fn(&Handlers, TcpStream, SocketAddr) -> Option<Admission>>;
type Admission = Pin<Box<dyn Future<Output = ()>>>;
type AcceptErrorHook = Rc<dyn Fn(&io::Error)>;

/// A TCP server that runs `handler(stream, peer_addr)` in a task of its own for every
/// connection (gevent's `StreamServer`, `socketserver.ThreadingTCPServer`).
///
/// Cloning gives another handle to the same server, e.g. to [`stop`](Self::stop) it from
/// another task. See the [module docs](crate::server) for the tour.
///
/// ```
/// use greenery::net::TcpStream;
/// use greenery::server::StreamServer;
///
/// greenery::run(async {
///     let server = StreamServer::bind("127.0.0.1:0", |conn: TcpStream, peer| async move {
///         let _ = conn.write_all(format!("hello {}", peer.ip()).as_bytes()).await;
///     })
///     .await
///     .unwrap();
///     let serving = server.start();
///     let client = TcpStream::connect(server.local_addr()).await.unwrap();
///     let mut greeting = Vec::new();
///     client.read_to_end(&mut greeting).await.unwrap();
///     assert_eq!(greeting, b"hello 127.0.0.1");
///     server.stop().await;
///     assert!(serving.await.unwrap().is_ok()); // serving ended because of stop()
/// });
/// ```
#[derive(Clone)]
pub struct StreamServer {
    inner: Rc<Inner>,
}

struct Inner {
    /// The listener; taken (closed, once the accept loop lets go) by `stop`.
    listener: RefCell<Option<Rc<TcpListener>>>,
    local_addr: SocketAddr,
    spawner: Spawner,
    /// Where handler tasks run: an unbounded group, or the pool given to `with_pool`.
    handlers: RefCell<Handlers>,
    on_accept_error: RefCell<Option<AcceptErrorHook>>,
    accept_errors: Cell<u64>,
    /// Set by `stop`: the accept loop ends, and serving cannot start again.
    stopping: Event,
    /// Whether an accept loop runs now.
    serving: Cell<bool>,
    /// Set when an accept loop ends (cleared when one starts): `stop` waits for it.
    released: Event,
}

#[derive(Clone)]
enum Handlers {
    Group(Group),
    Pool(Pool),
}

impl Handlers {
    fn group(&self) -> &Group {
        match self {
            Handlers::Group(group) => group,
            Handlers::Pool(pool) => pool,
        }
    }
}

/// What an accept error means for the accept loop.
enum AcceptError {
    /// One connection failed (it was aborted, or the network path went away): accept the
    /// next one at once (accept(2) tells to treat these like `EAGAIN`).
    Connection,
    /// The listener itself is unusable: stop serving with the error.
    Fatal,
    /// Out of descriptors or memory (or unknown): wait a little, then accept again.
    Resources,
}

fn classify(err: &io::Error) -> AcceptError {
    match err.raw_os_error() {
        Some(libc::EBADF | libc::EINVAL | libc::ENOTSOCK) => AcceptError::Fatal,
        Some(
            libc::ECONNABORTED
            | libc::EINTR
            | libc::EPROTO
            | libc::EPERM
            | libc::ENETDOWN
            | libc::ENOPROTOOPT
            | libc::EHOSTDOWN
            | libc::ENONET
            | libc::EHOSTUNREACH
            | libc::EOPNOTSUPP
            | libc::ENETUNREACH,
        ) => AcceptError::Connection,
        _ if err.kind() == io::ErrorKind::ConnectionAborted => AcceptError::Connection,
        _ => AcceptError::Resources,
    }
}

/// Runs `future` until `stop` is set; `None` if the stop came first (checked first, so a
/// set event wins over a ready future).
async fn until_stopped<F: Future>(stop: &Event, future: F) -> Option<F::Output> {
    let mut stopped = pin!(stop.wait());
    let mut future = pin!(future);
    poll_fn(|cx| {
        if stopped.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        future.as_mut().poll(cx).map(Some)
    })
    .await
}

/// Marks an accept loop as running; on drop (return, error, or the task killed) lets
/// `stop` know the loop has let go of the listener.
struct Serving<'a> {
    inner: &'a Inner,
}

impl<'a> Serving<'a> {
    fn begin(inner: &'a Inner) -> io::Result<Serving<'a>> {
        if inner.serving.replace(true) {
            return Err(io::Error::other("the StreamServer is already serving"));
        }
        inner.released.clear();
        Ok(Serving { inner })
    }
}

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.inner.serving.set(false);
        self.inner.released.set();
    }
}

impl StreamServer {
    /// How long [`stop`](Self::stop) lets running handlers finish before killing them
    /// (gevent's `stop_timeout`).
    ///
    /// ```
    /// assert_eq!(greenery::server::StreamServer::DEFAULT_STOP_TIMEOUT.as_secs(), 1);
    /// ```
    pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(1);

    /// A server accepting on `listener`, running `handler(stream, peer)` in a new task for
    /// every connection. Nothing is accepted until [`serve_forever`](Self::serve_forever)
    /// or [`start`](Self::start); meanwhile connections wait in the kernel's backlog.
    ///
    /// ```
    /// use greenery::net::{TcpListener, TcpStream};
    /// use greenery::server::StreamServer;
    ///
    /// greenery::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let server = StreamServer::new(listener, |_conn: TcpStream, _peer| async {}).unwrap();
    ///     assert!(server.local_addr().port() > 0);
    /// });
    /// ```
    pub fn new<H, F>(listener: TcpListener, handler: H) -> io::Result<StreamServer>
    where
        H: Fn(TcpStream, SocketAddr) -> F + 'static,
        F: Future<Output = ()> + 'static,
    {
        let local_addr = listener.local_addr()?;
        let handler = Rc::new(handler);
        let spawner: Spawner = Rc::new(move |handlers: &Handlers, stream, peer| {
            let handler = handler.clone();
            // The handler is called inside its task, so a panic there ends that task only.
            let task = async move { handler(stream, peer).await };
            match handlers {
                Handlers::Group(group) => {
                    drop(group.spawn(task));
                    None
                }
                Handlers::Pool(pool) => {
                    let pool = pool.clone();
                    Some(Box::pin(async move { drop(pool.spawn(task).await) }))
                }
            }
        });
        Ok(StreamServer {
            inner: Rc::new(Inner {
                listener: RefCell::new(Some(Rc::new(listener))),
                local_addr,
                spawner,
                handlers: RefCell::new(Handlers::Group(Group::new())),
                on_accept_error: RefCell::new(None),
                accept_errors: Cell::new(0),
                stopping: Event::new(),
                serving: Cell::new(false),
                released: Event::new(),
            }),
        })
    }

    /// Binds a listener to `addr` (port 0: the OS picks one, see
    /// [`local_addr`](Self::local_addr)) and makes a server of it, as [`new`](Self::new).
    ///
    /// ```
    /// use greenery::server::StreamServer;
    ///
    /// greenery::run(async {
    ///     let server = StreamServer::bind("127.0.0.1:0", |_conn, _peer| async {}).await.unwrap();
    ///     let taken = server.local_addr();
    ///     let err = StreamServer::bind(taken, |_conn, _peer| async {}).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// });
    /// ```
    pub async fn bind<H, F>(addr: impl ToSocketAddrs, handler: H) -> io::Result<StreamServer>
    where
        H: Fn(TcpStream, SocketAddr) -> F + 'static,
        F: Future<Output = ()> + 'static,
    {
        StreamServer::new(TcpListener::bind(addr).await?, handler)
    }

    /// Runs handlers in `pool` (gevent's `spawn=Pool(n)`): at most `pool.size()` at once.
    /// While the pool is full the server does not accept; waiting connections are admitted
    /// in arrival order as slots free up. Set it before serving starts.
    ///
    /// ```
    /// use greenery::{pool::Pool, server::StreamServer};
    ///
    /// greenery::run(async {
    ///     let pool = Pool::new(100).unwrap();
    ///     let server = StreamServer::bind("127.0.0.1:0", |_conn, _peer| async {})
    ///         .await
    ///         .unwrap()
    ///         .with_pool(pool.clone());
    ///     assert_eq!(server.connections(), 0);
    ///     assert_eq!(pool.free_count(), 100);
    /// });
    /// ```
    pub fn with_pool(self, pool: Pool) -> StreamServer {
        *self.inner.handlers.borrow_mut() = Handlers::Pool(pool);
        self
    }

    /// Calls `hook` with every error `accept` returns (the server itself never prints).
    /// What the server then does depends on the error: see the
    /// [module docs](crate::server).
    ///
    /// ```
    /// use greenery::server::StreamServer;
    ///
    /// greenery::run(async {
    ///     let server = StreamServer::bind("127.0.0.1:0", |_conn, _peer| async {})
    ///         .await
    ///         .unwrap()
    ///         .on_accept_error(|err| eprintln!("accept failed: {err}"));
    ///     assert_eq!(server.accept_errors(), 0);
    /// });
    /// ```
    pub fn on_accept_error(self, hook: impl Fn(&io::Error) + 'static) -> StreamServer {
        *self.inner.on_accept_error.borrow_mut() = Some(Rc::new(hook));
        self
    }

    /// The address the server listens on (still known after it is stopped).
    ///
    /// ```
    /// greenery::run(async {
    ///     let server = greenery::server::StreamServer::bind("127.0.0.1:0", |_c, _p| async {})
    ///         .await
    ///         .unwrap();
    ///     assert!(server.local_addr().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// How many accept calls have failed so far.
    ///
    /// ```
    /// greenery::run(async {
    ///     let server = greenery::server::StreamServer::bind("127.0.0.1:0", |_c, _p| async {})
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(server.accept_errors(), 0);
    /// });
    /// ```
    pub fn accept_errors(&self) -> u64 {
        self.inner.accept_errors.get()
    }

    /// How many handler tasks are running now (with a pool, waiting work included).
    ///
    /// ```
    /// greenery::run(async {
    ///     let server = greenery::server::StreamServer::bind("127.0.0.1:0", |_c, _p| async {})
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(server.connections(), 0);
    /// });
    /// ```
    pub fn connections(&self) -> usize {
        self.inner.handlers.borrow().group().len()
    }

    /// Whether an accept loop is running now.
    ///
    /// ```
    /// greenery::run(async {
    ///     let server = greenery::server::StreamServer::bind("127.0.0.1:0", |_c, _p| async {})
    ///         .await
    ///         .unwrap();
    ///     assert!(!server.is_serving());
    ///     server.start();
    ///     greenery::yield_now().await; // the accept task starts
    ///     assert!(server.is_serving());
    ///     server.stop().await;
    ///     assert!(!server.is_serving());
    /// });
    /// ```
    pub fn is_serving(&self) -> bool {
        self.inner.serving.get()
    }

    /// Whether the server was stopped (its listener is closed; gevent's `closed`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let server = greenery::server::StreamServer::bind("127.0.0.1:0", |_c, _p| async {})
    ///         .await
    ///         .unwrap();
    ///     assert!(!server.is_closed());
    ///     server.stop().await;
    ///     assert!(server.is_closed());
    /// });
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.stopping.is_set()
    }

    /// Accepts connections in the calling task, spawning a handler task for each, until
    /// the server is [stopped](Self::stop): then returns `Ok(())`. Accept errors are
    /// handled as the [module docs](crate::server) say; one that makes the listener
    /// unusable is returned. Returns `Ok(())` at once if the server was stopped already,
    /// and an error if it is serving already (one accept loop at a time).
    ///
    /// ```
    /// use greenery::net::TcpStream;
    /// use greenery::server::StreamServer;
    ///
    /// greenery::run(async {
    ///     let server = StreamServer::bind("127.0.0.1:0", |_c, _p| async {}).await.unwrap();
    ///     let (addr, stopper) = (server.local_addr(), server.clone());
    ///     greenery::spawn(async move {
    ///         let _client = TcpStream::connect(addr).await.unwrap();
    ///         stopper.stop().await;
    ///     });
    ///     server.serve_forever().await.unwrap(); // returns once stopped
    ///     assert!(server.is_closed());
    /// });
    /// ```
    pub async fn serve_forever(&self) -> io::Result<()> {
        serve(&self.inner).await
    }

    /// Spawns a task running [`serve_forever`](Self::serve_forever) and returns its handle
    /// (gevent's `start`). Dropping the handle leaves the server running; killing the task
    /// stops accepting (without closing the listener: serving can start again).
    ///
    /// ```
    /// greenery::run(async {
    ///     let server = greenery::server::StreamServer::bind("127.0.0.1:0", |_c, _p| async {})
    ///         .await
    ///         .unwrap();
    ///     let serving = server.start();
    ///     let again = server.start(); // one accept loop at a time
    ///     greenery::yield_now().await;
    ///     assert!(again.await.unwrap().is_err());
    ///     server.stop().await;
    ///     assert!(serving.await.unwrap().is_ok());
    /// });
    /// ```
    pub fn start(&self) -> JoinHandle<io::Result<()>> {
        let inner = self.inner.clone();
        crate::spawn(async move { serve(&inner).await })
    }

    /// Stops the server, giving running handlers
    /// [`DEFAULT_STOP_TIMEOUT`](Self::DEFAULT_STOP_TIMEOUT) to finish: see
    /// [`stop_timeout`](Self::stop_timeout).
    ///
    /// ```
    /// greenery::run(async {
    ///     let server = greenery::server::StreamServer::bind("127.0.0.1:0", |_c, _p| async {})
    ///         .await
    ///         .unwrap();
    ///     server.start();
    ///     assert_eq!(server.stop().await, 0); // no handler had to be killed
    /// });
    /// ```
    pub async fn stop(&self) -> usize {
        self.stop_timeout(Self::DEFAULT_STOP_TIMEOUT).await
    }

    /// Stops accepting and closes the listener (from then on connections are refused),
    /// waits up to `timeout` for the running handlers to finish, kills those still running
    /// and returns how many it killed. Stopping twice is harmless; a stopped server cannot
    /// serve again. Do not call it from one of this server's handlers (it would wait for
    /// itself until the timeout and then kill itself): spawn a task that calls it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use greenery::net::TcpStream;
    /// use greenery::server::StreamServer;
    ///
    /// greenery::run(async {
    ///     // A handler that never ends.
    ///     let server = StreamServer::bind("127.0.0.1:0", |_c, _p| std::future::pending())
    ///         .await
    ///         .unwrap();
    ///     server.start();
    ///     let client = TcpStream::connect(server.local_addr()).await.unwrap();
    ///     greenery::time::sleep(Duration::from_millis(10)).await; // accepted by now
    ///     assert_eq!(server.stop_timeout(Duration::from_millis(10)).await, 1);
    ///     let mut buf = [0; 1];
    ///     assert_eq!(client.read(&mut buf).await.unwrap(), 0); // killed: connection closed
    /// });
    /// ```
    pub async fn stop_timeout(&self, timeout: Duration) -> usize {
        let inner = &self.inner;
        inner.stopping.set();
        // Our reference to the listener goes now; the accept loop's goes when it sees the stop.
        let listener = inner.listener.borrow_mut().take();
        drop(listener);
        if inner.serving.get() {
            inner.released.wait().await;
        }
        let handlers = inner.handlers.borrow().clone();
        let group = handlers.group();
        if group.join_timeout(timeout).await {
            return 0;
        }
        let running = group.len();
        group.kill();
        running
    }
}

/// The accept loop of [`StreamServer::serve_forever`].
async fn serve(inner: &Inner) -> io::Result<()> {
    let Some(listener) = inner.listener.borrow().clone() else {
        return Ok(()); // stopped already
    };
    let _serving = Serving::begin(inner)?;
    let handlers = inner.handlers.borrow().clone();
    let mut backoff = MIN_BACKOFF;
    loop {
        let Some(accepted) = until_stopped(&inner.stopping, listener.accept()).await else {
            return Ok(());
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff = MIN_BACKOFF;
                if let Some(admission) = (inner.spawner)(&handlers, stream, peer) {
                    if until_stopped(&inner.stopping, admission).await.is_none() {
                        return Ok(());
                    }
                }
            }
            Err(err) => {
                inner.accept_errors.set(inner.accept_errors.get() + 1);
                let hook = inner.on_accept_error.borrow().clone();
                if let Some(hook) = hook {
                    hook(&err);
                }
                match classify(&err) {
                    AcceptError::Connection => {}
                    AcceptError::Fatal => return Err(err),
                    AcceptError::Resources => {
                        let pause = crate::time::sleep(backoff);
                        if until_stopped(&inner.stopping, pause).await.is_none() {
                            return Ok(());
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
        }
    }
}

impl fmt::Debug for StreamServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamServer")
            .field("local_addr", &self.inner.local_addr)
            .field("serving", &self.is_serving())
            .field("closed", &self.is_closed())
            .field("connections", &self.connections())
            .finish()
    }
}
