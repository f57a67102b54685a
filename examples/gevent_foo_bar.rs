//! seed003_gevent_foo_bar: explicit context switches with `yield_now` (gevent's `sleep(0)`).
//!
//! Reference: `../shared/reference/seed003_gevent_foo_bar.py`; the output matches it line for
//! line.

async fn foo() {
    println!("Running in foo");
    greenery::yield_now().await;
    println!("Explicit context switch to foo again");
}

async fn bar() {
    println!("Explicit context to bar");
    greenery::yield_now().await;
    println!("Implicit context switch back to bar");
}

fn main() {
    greenery::run(async {
        greenery::joinall([greenery::spawn(foo()), greenery::spawn(bar())]).await;
    });
}
