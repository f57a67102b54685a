//! Run info (gevent's `print_run_info`): every live task with its state, spawn location, how
//! long it has waited and what it waits on, noted by the real primitives it waits in.

use std::rc::Rc;
use std::time::Duration;

use greenery::queue::{Channel, Queue};
use greenery::runtime::{run_info, RunInfo, TaskEntry, Wait};
use greenery::sync::{Event, Lock, RLock};
use greenery::task::TaskState;
use greenery::Builder;

fn tracked() -> greenery::Runtime {
    Builder::new().track_tasks(true).build().unwrap()
}

/// The entry of the task with id `id`.
fn entry(info: &RunInfo, id: u64) -> &TaskEntry {
    info.tasks
        .iter()
        .find(|task| task.id == id)
        .unwrap_or_else(|| panic!("no task {id} in\n{info}"))
}

/// The task's wait, checking that it waits and has waited a while.
fn waits_on(info: &RunInfo, id: u64) -> Wait {
    let task = entry(info, id);
    assert_eq!(task.state, TaskState::Waiting, "{task}");
    assert!(task.waiting_for.is_some(), "{task}");
    task.waits_on
        .unwrap_or_else(|| panic!("task {id} says nothing: {task}"))
}

#[test]
fn each_primitive_says_what_its_task_waits_on() {
    tracked().block_on(async {
        let queue = Queue::<u32>::new();
        let bounded = Queue::<u32>::bounded(1).unwrap();
        bounded.put(0).await.unwrap();
        let channel = Channel::<u32>::new();
        let event = Event::new();
        let lock = Lock::new();
        let rlock = RLock::new();
        let held = lock.acquire().await;
        let rheld = rlock.acquire().await;
        let result = greenery::sync::AsyncResult::<u32, ()>::new();
        let sleeper = greenery::spawn(greenery::time::sleep(Duration::from_secs(30)));
        let forever = greenery::spawn(greenery::time::sleep(Duration::MAX));
        let handles = vec![
            greenery::spawn({
                let q = queue.clone();
                async move {
                    let _ = q.get().await;
                }
            }),
            greenery::spawn({
                let q = bounded.clone();
                async move { q.put(1).await.unwrap() }
            }),
            greenery::spawn({
                let c = channel.clone();
                async move {
                    let _ = c.get().await;
                }
            }),
            greenery::spawn({
                let e = event.clone();
                async move { e.wait().await }
            }),
            greenery::spawn({
                let l = lock.clone();
                async move {
                    let _ = l.acquire().await;
                }
            }),
            greenery::spawn({
                let r = rlock.clone();
                async move {
                    let _ = r.acquire().await;
                }
            }),
            greenery::spawn({
                let r = result.clone();
                async move {
                    let _ = r.wait().await;
                }
            }),
            greenery::spawn({
                let s = sleeper.task();
                async move { s.join().await }
            }),
            greenery::spawn({
                let q = queue.clone();
                // A timeout around a wait: the wait says, not the timer.
                async move {
                    let _ = greenery::time::timeout(Duration::from_secs(30), q.get()).await;
                }
            }),
        ];
        greenery::yield_now().await;
        let info = run_info();
        assert!(info.tracked);
        // The sleeper: 30 s from a clock read just before; it has not run for long.
        match waits_on(&info, 1) {
            Wait::Sleep {
                remaining: Some(left),
            } => assert!(left > Duration::from_secs(20) && left <= Duration::from_secs(30)),
            other => panic!("{other:?}"),
        }
        assert_eq!(waits_on(&info, 2), Wait::Sleep { remaining: None });
        let expected = [
            Wait::Primitive("Queue::get"),
            Wait::Primitive("Queue::put"),
            Wait::Primitive("Channel::get"),
            Wait::Primitive("Event::wait"),
            Wait::Primitive("Semaphore::acquire"),
            Wait::Primitive("RLock::acquire"),
            Wait::Primitive("AsyncResult::wait"),
            Wait::Join { task: 1 },
            Wait::Primitive("Queue::get"),
        ];
        for (i, wait) in expected.iter().enumerate() {
            assert_eq!(&waits_on(&info, 3 + i as u64), wait, "task {}", 3 + i);
        }
        assert_eq!(info.timers, 2, "{info}"); // the 30 s sleep and the timeout; MAX arms none
        for h in handles {
            h.kill();
        }
        sleeper.kill();
        forever.kill();
        drop((held, rheld));
    });
}

#[test]
fn a_socket_read_names_its_descriptor() {
    use std::os::fd::AsRawFd;
    tracked().block_on(async {
        let listener = greenery::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let client = greenery::net::TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let fd = server.as_raw_fd();
        let reader = greenery::spawn(async move {
            let mut buf = [0u8; 8];
            server.read(&mut buf).await.unwrap()
        });
        greenery::yield_now().await;
        let info = run_info();
        assert_eq!(waits_on(&info, 1), Wait::Read { fd: Some(fd) });
        assert_eq!(info.io_waiters, 1);
        assert_eq!(
            info.to_string()
                .lines()
                .nth(2)
                .unwrap()
                .split(" on ")
                .nth(1)
                .unwrap()
                .split(';')
                .next()
                .unwrap(),
            format!("read fd {fd}")
        );
        client.write_all(b"hi").await.unwrap();
        assert_eq!(reader.await.unwrap(), 2);
    });
}

#[test]
fn spawn_locations_are_the_callers() {
    tracked().block_on(async {
        let line_a = line!() + 1;
        let a = greenery::spawn(std::future::pending::<()>());
        let line_b = line!() + 3;
        let b = greenery::task::Builder::new()
            .name("named")
            .spawn(std::future::pending::<()>());
        let line_c = line!() + 1;
        let c = greenery::green::spawn(|| greenery::green::sleep(Duration::from_secs(9)));
        let line_d = line!() + 1;
        let d = greenery::spawn_later(Duration::from_secs(9), async {});
        let group = greenery::pool::Group::new();
        let line_e = line!() + 1;
        let e = group.spawn(std::future::pending::<()>());
        greenery::yield_now().await;
        let info = run_info();
        for (id, line) in [
            (1, line_a),
            (2, line_b),
            (3, line_c),
            (4, line_d),
            (5, line_e),
        ] {
            let at = entry(&info, id).location.expect("tracked");
            assert_eq!((at.file(), at.line()), (file!(), line), "task {id}");
        }
        assert_eq!(entry(&info, 2).name.as_deref(), Some("named"));
        // A green thread's sleep is the same timer as an async one's.
        assert!(matches!(
            waits_on(&info, 3),
            Wait::Sleep { remaining: Some(_) }
        ));
        // Not started yet: a delayed start waits on its timer, noted by nothing.
        assert_eq!(entry(&info, 4).waits_on, None);
        for h in [a, b, e] {
            h.kill();
        }
        c.kill();
        d.kill();
    });
}

#[test]
fn main_is_listed_first_with_where_it_was_run() {
    let rt = tracked();
    let line = line!() + 1;
    rt.block_on(async {
        let info = run_info();
        let main = &info.tasks[0];
        assert_eq!((main.id, main.state), (0, TaskState::Running));
        assert_eq!(main.location.unwrap().line(), line);
        assert_eq!(info.tasks.len(), 1);
        assert_eq!(
            main.to_string(),
            format!("main: running; run at {}", main.location.unwrap())
        );
    });
}

#[test]
fn the_dump_has_one_line_per_task() {
    tracked().block_on(async {
        let event = Event::new();
        let waiter = greenery::task::Builder::new().name("waiter").spawn({
            let e = event.clone();
            async move { e.wait().await }
        });
        let runnable = greenery::spawn(async {});
        greenery::yield_now().await;
        greenery::spawn(async {}).await.unwrap(); // task 3, gone again
        let _queued = runnable; // finished: not listed
        let fresh = greenery::spawn(async {});
        let text = run_info().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "greenery run info: 3 tasks; run queue 1, timers 0, IO waiters 0, keep-alives 0"
        );
        assert!(
            lines[1].starts_with("main: running; run at tests/run_info.rs:"),
            "{text}"
        );
        assert!(lines[2].starts_with("task #1 'waiter': waiting "), "{text}");
        assert!(
            lines[2].contains(" on Event::wait; spawned at tests/run_info.rs:"),
            "{text}"
        );
        assert!(
            lines[3].starts_with("task #4: scheduled; spawned at tests/run_info.rs:"),
            "{text}"
        );
        assert_eq!(lines.len(), 4, "{text}");
        event.set();
        waiter.await.unwrap();
        fresh.await.unwrap();
    });
}

#[test]
#[cfg(not(feature = "tracing"))] // the feature tracks every runtime's tasks
fn without_tracking_the_dump_has_ids_names_and_states() {
    greenery::run(async {
        let _h = greenery::task::Builder::new()
            .name("plain")
            .spawn(std::future::pending::<()>());
        greenery::yield_now().await;
        let info = run_info();
        assert!(!info.tracked);
        let task = entry(&info, 1);
        assert_eq!(
            (task.location, task.waits_on, task.waiting_for),
            (None, None, None)
        );
        assert_eq!(task.to_string(), "task #1 'plain': waiting");
        assert!(info
            .to_string()
            .ends_with("(spawn locations and waits are kept with Builder::track_tasks(true) or GREENERY_TRACK_TASKS=1)\n"));
    });
}

#[test]
fn a_runtime_between_block_ons_lists_its_tasks_without_main() {
    let rt = tracked();
    let flag = Rc::new(Event::new());
    let f = flag.clone();
    let waiting = rt.spawn(async move { f.wait().await });
    rt.block_on(greenery::yield_now());
    let info = rt.run_info();
    assert_eq!(info.tasks.len(), 1);
    assert_eq!(waits_on(&info, 1), Wait::Primitive("Event::wait"));
    flag.set();
    rt.block_on(waiting).unwrap();
    assert!(rt.run_info().tasks.is_empty());
}

#[test]
fn how_long_a_task_waited_grows_while_it_waits() {
    tracked().block_on(async {
        let event = Event::new();
        let e = event.clone();
        let waiter = greenery::spawn(async move { e.wait().await });
        greenery::yield_now().await;
        let before = entry(&run_info(), 1).waiting_for.unwrap();
        greenery::time::sleep(Duration::from_millis(20)).await;
        let after = entry(&run_info(), 1).waiting_for.unwrap();
        assert!(
            after >= before + Duration::from_millis(20),
            "{before:?} {after:?}"
        );
        event.set();
        waiter.await.unwrap();
    });
}
