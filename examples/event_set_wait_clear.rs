//! seed003_event_set_wait_clear (seed 003, 事件 section): ten tasks print `start`, wait on one
//! [`Event`], and print `execute` once the main task sets it. `set` does not switch: the
//! waiters run later, in the order they started waiting. The flag stays set until cleared;
//! a wait with a timeout on a cleared event gives up and says so.
//!
//! Reference: `../shared/reference/seed003_event_set_wait_clear.py`; the output matches it
//! line for line, with one adaptation: Python's `True`/`False` print as Rust's
//! `true`/`false`. gevent's `wait()` returns the flag, which is what `is_set()` reads after
//! `wait().await`; `wait(timeout=0.1)` is `wait_timeout`.

use std::time::Duration;

use greenery::sync::Event;

async fn work(i: usize, event: Event) {
    println!("start {i}");
    event.wait().await;
    println!("execute {i}");
}

fn main() {
    greenery::run(async {
        let event = Event::new();
        let tasks: Vec<_> = (0..10)
            .map(|i| greenery::spawn(work(i, event.clone())))
            .collect();

        event.clear();
        println!("spawned 10 greenlets; none has run yet");
        greenery::yield_now().await; // all ten run up to `event.wait()`
        let input = "true"; // stands in for raw_input('input:')
        println!("input: {input}");
        if input == "true" {
            event.set(); // does not switch: the waiters are woken later, in wait order
            println!("event set; is_set() = {}", event.is_set());
        }
        greenery::joinall(tasks).await;

        // The flag stays set: a later wait returns at once.
        event.wait().await;
        println!("wait() on a set event -> {}", event.is_set());
        event.clear();
        let set = event.wait_timeout(Duration::from_millis(100)).await;
        println!("wait(timeout=0.1) on a cleared event -> {set}");
    });
}
