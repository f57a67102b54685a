//! The std-shaped shim: `monkey::thread` start semantics (SEMANTICS rule 37), join, names,
//! and ported std networking code.

use std::cell::RefCell;
use std::rc::Rc;

use greenery::monkey::net::{TcpListener, TcpStream};
use greenery::monkey::thread;
use greenery::monkey::time::Duration;

type Log = Rc<RefCell<Vec<String>>>;

fn logger(log: &Log) -> impl Fn(String) {
    let log = log.clone();
    move |line| log.borrow_mut().push(line)
}

#[test]
fn spawn_runs_the_new_task_to_its_first_block_before_returning() {
    // SEMANTICS rule 37 (r50_monkey_patch): t1's first line comes before "t1.start()
    // returned"; a plain greenery::spawn (gevent.spawn) only schedules.
    let log: Log = Rc::default();
    greenery::Builder::new()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on({
            let log = log.clone();
            async move {
                let say = logger(&log);
                let work = |name: &'static str, n: usize| {
                    let say = logger(&log);
                    async move {
                        for i in 0..n {
                            say(format!("{name} {i}"));
                            thread::sleep(Duration::from_millis(20)).await;
                        }
                    }
                };
                say("before start".into());
                let t1 = thread::spawn(work("t1", 2)).await;
                say("t1.start() returned".into());
                let t2 = thread::spawn(work("t2", 2)).await;
                say("t2.start() returned".into());
                let g = greenery::spawn(work("g", 1));
                say("gevent.spawn returned".into());
                t1.join().await.unwrap();
                t2.join().await.unwrap();
                g.await.unwrap();
            }
        });
    assert_eq!(
        *log.borrow(),
        [
            "before start",
            "t1 0",
            "t1.start() returned",
            "t2 0",
            "t2.start() returned",
            "gevent.spawn returned",
            "g 0",
            "t1 1",
            "t2 1",
        ]
    );
}

#[test]
fn spawn_lets_already_queued_tasks_run_before_the_spawner_resumes() {
    // Like gevent's `Thread.start()` waiting on its started event: the spawner is woken by
    // the new task and queues behind whatever was already ready.
    let log: Log = Rc::default();
    greenery::run({
        let log = log.clone();
        async move {
            let say = logger(&log);
            let queued = greenery::spawn({
                let say = logger(&log);
                async move { say("queued task".into()) }
            });
            let t = thread::spawn({
                let say = logger(&log);
                async move {
                    say("new thread".into());
                    7
                }
            })
            .await;
            say("spawn returned".into());
            assert!(t.is_finished());
            assert_eq!(t.join().await.unwrap(), 7);
            queued.await.unwrap();
        }
    });
    assert_eq!(
        *log.borrow(),
        ["queued task", "new thread", "spawn returned"]
    );
}

#[test]
fn join_reports_a_panic_and_builder_names_the_thread() {
    greenery::run(async {
        let t = thread::Builder::new()
            .name("worker")
            .spawn(async {
                thread::yield_now().await;
                thread::current().name()
            })
            .await
            .unwrap();
        assert_eq!(t.thread().name().as_deref(), Some("worker"));
        assert_eq!(t.join().await.unwrap().as_deref(), Some("worker"));
        let bad = thread::spawn(async {
            thread::yield_now().await;
            panic!("thread failed")
        })
        .await;
        let err = bad.join().await.unwrap_err();
        assert!(err.is_panic());
    });
}

#[test]
fn killing_a_started_thread_through_its_handle() {
    greenery::run(async {
        let t = thread::spawn(async {
            thread::sleep(Duration::from_secs(3600)).await;
        })
        .await;
        let inner = t.into_inner();
        inner.kill();
        assert!(inner.await.unwrap_err().is_killed());
    });
}

/// A blocking std echo exchange, ported by swapping the `use` lines and adding `.await`.
#[test]
fn ported_std_networking_code() {
    greenery::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut buf = [0; 5];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        })
        .await;
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"hello").await.unwrap();
        let mut buf = [0; 5];
        stream.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
        server.join().await.unwrap();
    });
}

#[test]
fn two_sleeping_threads_overlap() {
    // seed001_gevent_monkey_eat_play in virtual time: 1 s and 3 s sleeps take 3 s.
    let rt = greenery::Builder::new().start_paused(true).build().unwrap();
    let elapsed = rt.block_on(async {
        let start = greenery::time::now();
        let a = thread::spawn(thread::sleep(Duration::from_secs(1))).await;
        let b = thread::spawn(thread::sleep(Duration::from_secs(3))).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        greenery::time::now() - start
    });
    assert_eq!(elapsed, Duration::from_secs(3));
}
