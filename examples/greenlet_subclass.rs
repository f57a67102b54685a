//! seed001_greenlet_subclass: a struct with a `run` method, started as a green thread
//! (gevent's `Greenlet` subclass overriding `_run`); two of them sleeping 50 ms per step
//! alternate strictly, in start order, and `joinall` collects their return values.
//!
//! Reference: `../shared/reference/seed001_greenlet_subclass.py`; the output matches it line
//! for line. A `gevent.Greenlet` is a scheduled green thread (not a raw greenlet that runs
//! only when switched to), so `start()` is `green::Builder::spawn_unstarted` plus
//! `Task::start`; its `_run` is plain blocking-style code, as in Python.

use std::rc::Rc;
use std::time::Duration;

use greenery::green;
use greenery::JoinHandle;

struct MyGreenlet {
    task_name: &'static str,
    nums: usize,
}

impl MyGreenlet {
    fn new(task_name: &'static str, nums: usize) -> Rc<MyGreenlet> {
        Rc::new(MyGreenlet { task_name, nums })
    }

    /// What the greenlet does once started.
    fn run(&self) -> usize {
        for i in 0..self.nums {
            println!("--- I do {}, this is num {i}", self.task_name);
            green::sleep(Duration::from_millis(50));
        }
        self.nums
    }

    /// Creates the green thread (not yet scheduled) and schedules it: gevent's
    /// `Greenlet(...)` and `start()`.
    fn start(self: &Rc<Self>) -> JoinHandle<usize> {
        let me = self.clone();
        let handle = green::Builder::new()
            .name(self.task_name)
            .spawn_unstarted(move || me.run())
            .expect("a stack for the green thread");
        handle.task().start();
        handle
    }
}

fn main() {
    green::run(|| {
        let t1 = MyGreenlet::new("dancing", 5).start();
        let t2 = MyGreenlet::new("singing", 8).start();
        // Waits for both; the values come back in the order given.
        let values = green::block_on(greenery::try_joinall([t1, t2])).expect("neither fails");
        println!("values {} {}", values[0], values[1]);
    });
}
