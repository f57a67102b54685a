//! seed001_threading_patched (seed 001, 线程 test_1.py and test_2.py), in threading shape as
//! under `gevent.monkey.patch_all()`: a function target, and a "Thread subclass" with a
//! `run` method, started with [`greenery::monkey::thread::spawn`].
//!
//! Reference: `../shared/reference/seed001_threading_patched.py` (sleeps 0.05 s, 3 steps);
//! the output matches it line for line. As with gevent's patched `Thread.start()` (SEMANTICS
//! rule 37), awaiting `thread::spawn` runs the new task up to its first blocking call before
//! it returns, so each thread's first line comes before the `start() returned` line.
//! Adaptation: at exit Python's `threading` waits for the non-daemon threads test_1 never
//! joins; Rust (like std at process exit) would drop them, so `main` joins them explicitly
//! after test_1 returns.

use greenery::monkey::thread::{self, JoinHandle};
use greenery::monkey::time::Duration;

async fn test(msg: &'static str, n: usize) {
    for _ in 0..n {
        println!("{msg}------ {n}");
        thread::sleep(Duration::from_millis(50)).await;
    }
    println!("DONE!");
}

/// The `threading.Thread` subclass: its state, and the `run` method the thread executes.
struct MyThread {
    meg: &'static str,
    n: usize,
}

impl MyThread {
    async fn run(self) {
        for _ in 0..self.n {
            println!("{}------ {}", self.meg, self.n);
            thread::sleep(Duration::from_millis(50)).await;
        }
        println!("DONE!");
    }
}

async fn test_2_main() {
    let t1 = MyThread {
        meg: "I am dacing",
        n: 3,
    };
    let t2 = MyThread {
        meg: "I am singing",
        n: 3,
    };
    let t1 = thread::spawn(t1.run()).await;
    println!("(t1.start() returned)");
    let t2 = thread::spawn(t2.run()).await;
    println!("(t2.start() returned)");
    t1.join().await.unwrap();
    t2.join().await.unwrap(); // wait for the threads before going on
    println!("Done");
}

async fn test_1_main() -> Vec<JoinHandle<()>> {
    let t1 = thread::spawn(test("I am dacing", 3)).await;
    let t2 = thread::spawn(test("I am singing", 3)).await;
    println!("Main threading done");
    vec![t1, t2]
}

fn main() {
    greenery::run(async {
        println!("=== test_2 (joined)");
        test_2_main().await;
        println!("=== test_1 (not joined; the interpreter waits for them at exit)");
        let unjoined = test_1_main().await;
        // What Python's interpreter does at exit for non-daemon threads.
        for t in unjoined {
            t.join().await.unwrap();
        }
    });
}
