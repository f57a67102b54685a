//! Interop with the futures ecosystem, other runtimes and threads: one test per row of
//! `docs/interop.md`.

use std::pin::pin;
use std::thread;
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use futures::future::{self, Either};
use futures::StreamExt;
use greenery::queue::Queue;
use greenery::runtime::{foreign, LoopExitPolicy};
use greenery::time::sleep;
use greenery::{spawn, spawn_blocking, try_run};

/// futures-util's combinators are plain futures: they drive greenery's futures as they are.
#[test]
fn futures_util_combinators_drive_greenery_futures() {
    let (first, doubled, items) = greenery::run(async {
        let q = Queue::new();
        let producer = q.clone();
        spawn(async move {
            sleep(Duration::from_millis(5)).await;
            for i in 1..=3 {
                producer.put(i).await.unwrap();
            }
            producer.close();
        });
        // select: a queue get against a long sleep
        let first = match future::select(pin!(q.get()), pin!(sleep(Duration::from_secs(60)))).await
        {
            Either::Left((item, _)) => item,
            Either::Right(_) => unreachable!("the sleep is an hour"),
        };
        // join_all over join handles
        let handles = (0..3).map(|i| spawn(async move { i * 2 }));
        let doubled: Vec<i32> = future::join_all(handles)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        // StreamExt on a greenery stream (a queue ends once closed and drained)
        let items: Vec<i32> = q.map(|i| i * 10).collect().await;
        (first, doubled, items)
    });
    assert_eq!((first, doubled, items), (1, vec![0, 2, 4], vec![20, 30]));
}

fn fed_by_a_thread(items: Vec<u32>) -> (mpsc::UnboundedReceiver<u32>, thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded();
    let feeder = thread::spawn(move || {
        for item in items {
            thread::sleep(Duration::from_millis(5));
            // After a LoopExit the receiver is gone: the send fails, harmlessly.
            let _ = tx.unbounded_send(item);
        }
    });
    (rx, feeder)
}

/// A futures channel fed by a std thread: greenery cannot see the thread, so a task waiting on
/// it alone is LoopExit, whose text names the way out.
#[test]
fn a_channel_fed_by_a_thread_is_loop_exit_without_foreign() {
    let (mut rx, feeder) = fed_by_a_thread(vec![7]);
    let err = try_run(async move { rx.next().await }).unwrap_err();
    assert!(err.to_string().contains("runtime::foreign"), "{err}");
    feeder.join().unwrap();
}

/// `foreign` keeps the loop alive while the wrapped future is pending.
#[test]
fn foreign_waits_for_a_channel_fed_by_a_thread() {
    let (rx, feeder) = fed_by_a_thread(vec![1, 2, 3]);
    let got = greenery::run(async move { foreign(rx.collect::<Vec<_>>()).await });
    assert_eq!(got, [1, 2, 3]);
    feeder.join().unwrap();

    let (tx, rx) = oneshot::channel();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        tx.send("one shot").unwrap();
    });
    assert_eq!(greenery::run(foreign(rx)), Ok("one shot"));
    sender.join().unwrap();
}

/// `LoopExitPolicy::Wait` makes the whole runtime wait for wakes it cannot see.
#[test]
fn the_wait_policy_waits_without_a_wrapper() {
    let (mut rx, feeder) = fed_by_a_thread(vec![9]);
    let rt = greenery::Builder::new()
        .on_loop_exit(LoopExitPolicy::Wait)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(rx.next()), Some(9));
    feeder.join().unwrap();
}

/// A future that needs tokio's reactor (its timers, its sockets) panics outside a tokio
/// runtime: run it on one (here on another thread) and await its join handle through
/// `foreign`.
#[test]
fn a_tokio_future_runs_on_tokio_and_is_awaited_through_foreign() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let tokio_handle = rt.handle().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let tokio_thread = thread::spawn(move || {
        rt.block_on(async {
            let _ = stopped.await;
        })
    });
    let out = greenery::run(async move {
        let job = tokio_handle.spawn(async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            "from tokio"
        });
        foreign(job).await.unwrap()
    });
    assert_eq!(out, "from tokio");
    stop.send(()).unwrap();
    tokio_thread.join().unwrap();
}

/// async-io (smol's reactor) drives its timers from its own thread: `foreign` is all it takes.
#[test]
fn an_async_io_timer_fires_through_foreign() {
    let fired = greenery::run(async {
        let start = std::time::Instant::now();
        foreign(smol::Timer::after(Duration::from_millis(10))).await;
        start.elapsed() >= Duration::from_millis(10)
    });
    assert!(fired);
}

/// Work on a thread of the blocking pool needs no wrapper: greenery knows the job is running.
#[test]
fn spawn_blocking_needs_no_wrapper() {
    let (tx, rx) = std::sync::mpsc::channel();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        tx.send(42).unwrap();
    });
    let got = greenery::run(async move { spawn_blocking(move || rx.recv().unwrap()).await });
    assert_eq!(got.unwrap(), 42);
    sender.join().unwrap();
}

/// With the `futures-io` feature, greenery's sockets take futures-util's `AsyncReadExt` and
/// `AsyncWriteExt` (`cargo test --features futures-io --test interop`).
#[cfg(feature = "futures-io")]
#[test]
fn futures_io_extension_methods_work_on_greenery_sockets() {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use greenery::net::{TcpListener, TcpStream};
    // Called through the traits: greenery's own inherent methods of the same names would
    // shadow them.
    let echoed = greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            AsyncReadExt::read_to_end(&mut conn, &mut buf)
                .await
                .unwrap();
            AsyncWriteExt::write_all(&mut conn, &buf).await.unwrap();
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        AsyncWriteExt::write_all(&mut client, b"over futures-io")
            .await
            .unwrap();
        AsyncWriteExt::close(&mut client).await.unwrap();
        let mut back = Vec::new();
        AsyncReadExt::read_to_end(&mut client, &mut back)
            .await
            .unwrap();
        back
    });
    assert_eq!(echoed, b"over futures-io");
}

/// A child's stdout is a `futures_io::AsyncRead` too, read through futures-util's extension.
#[cfg(feature = "futures-io")]
#[test]
fn futures_io_reads_a_childs_stdout() {
    use futures::io::AsyncReadExt;
    use greenery::process::{Command, Stdio};
    let out = greenery::run(async {
        let mut child = Command::new("echo")
            .arg("over a pipe")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut out = Vec::new();
        AsyncReadExt::read_to_end(&mut stdout, &mut out)
            .await
            .unwrap();
        assert!(child.wait().await.unwrap().success());
        out
    });
    assert_eq!(out, b"over a pipe\n");
}
