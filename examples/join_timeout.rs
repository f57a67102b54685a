//! seed001_join_timeout (seed 001, `join([timeout])` notes): a join with a timeout returns
//! either way (check the state afterwards); a task can be joined many times; joining a task
//! that was never started cannot finish — without a timeout the runtime reports LoopExit
//! instead of hanging; a task joining itself never wakes.
//!
//! Reference: `../shared/reference/seed001_join_timeout.py`. Adaptations: `join` returns `()`,
//! printed as Python's `None`; booleans print as `True`/`False`.

use std::time::Duration;

use greenery::task::{Builder, TaskState};
use greenery::time::sleep;
use greenery::Task;

async fn task(n: f64) -> f64 {
    println!("task {n} running");
    sleep(Duration::from_secs_f64(n)).await;
    println!("task {n} done");
    n
}

fn py(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

fn main() {
    greenery::run(async {
        let g = greenery::spawn(task(0.3));
        let t = g.task();
        t.join_timeout(Duration::from_millis(100)).await;
        println!(
            "join(timeout=0.1) -> None | dead: {} | ready: {}",
            py(t.is_finished()),
            py(t.is_finished())
        );
        t.join_timeout(Duration::from_millis(100)).await;
        println!(
            "join(timeout=0.1) again -> None | dead: {}",
            py(t.is_finished())
        );
        t.join().await;
        let value = g.await.expect("task failed");
        println!(
            "join() -> None | dead: {} | value: {value}",
            py(t.is_finished())
        );
        t.join().await;
        println!("joining a finished greenlet again returns at once");

        // Created but never started: it can never finish.
        let u = Builder::new().spawn_unstarted(task(0.01)).task();
        println!(
            "never started: started = {}",
            py(u.state() != TaskState::Unstarted)
        );
        u.join_timeout(Duration::from_millis(50)).await;
        println!(
            "join(timeout=0.05) on it -> None | dead: {}",
            py(u.is_finished())
        );
        if let Err(exit) = greenery::catch_loop_exit(u.join()).await {
            let first = exit.to_string();
            println!(
                "join() on it -> LoopExit: {}",
                first.lines().next().unwrap_or("")
            );
        }

        // Joining yourself: no error, the task just never wakes up.
        let s = greenery::spawn(async {
            Task::current().join().await;
            println!("never printed");
        })
        .task();
        s.join_timeout(Duration::from_millis(100)).await;
        println!(
            "join(timeout=0.1) on a self-joining greenlet -> None | dead: {}",
            py(s.is_finished())
        );
    });
}
