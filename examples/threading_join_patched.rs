//! seed000_threading_join_patched (seed 000, the join section, `T1_job`/`T2_job`), kept in
//! its threading shape as under `gevent.monkey.patch_all()`: threads are tasks and
//! `time.sleep` yields, so T2 runs to completion while T1 sleeps.
//!
//! Reference: `../shared/reference/seed000_threading_join_patched.py`; the output matches it
//! line for line. The "patch" is the `use` line (`greenery::monkey::thread` for
//! `threading`/`time`); `Thread(target=f).start()` is `thread::spawn(f()).await`, which, like
//! the patched `start()`, runs the new task up to its first blocking call. The last two lines
//! check what the patch replaced: `thread::sleep` is greenery's `time::sleep`, and the thread
//! handles are greenery's.

use std::any::{type_name, type_name_of_val};

use greenery::monkey::thread;
use greenery::monkey::time::Duration;

async fn t1_job() {
    println!("T1 start\n");
    for _ in 0..10 {
        thread::sleep(Duration::from_millis(100)).await;
    }
    println!("T1 finish");
}

async fn t2_job() {
    println!("T2 start");
    println!("T2 finish");
}

fn python_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn main() {
    greenery::run(async {
        let thread1 = thread::spawn(t1_job()).await; // add a thread, and start it
        let thread2 = thread::spawn(t2_job()).await;
        thread1.join().await.unwrap();
        thread2.join().await.unwrap();
        println!("all done\n");
        let sleep_is_greenery =
            type_name_of_val(&thread::sleep) == type_name_of_val(&greenery::time::sleep);
        println!(
            "time.sleep is gevent.sleep: {}",
            python_bool(sleep_is_greenery)
        );
        let patched = type_name::<thread::JoinHandle<()>>().starts_with("greenery::");
        println!("threading patched: {}", python_bool(patched));
    });
}
