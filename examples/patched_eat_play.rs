//! seed001_gevent_monkey_eat_play, patched for real (feature `patch`): after
//! `greenery::monkey::patch_all()`, the literal `std::thread::sleep` inside green threads
//! yields, so the two sleep at the same time and the whole program takes about 3 s, not
//! 1 + 3 = 4 s.
//!
//! Reference: `../shared/reference/seed001_gevent_monkey_eat_play.py`; the output matches it
//! line for line. Compare `gevent_monkey_eat_play.rs`, the async port.
//!
//! Run with `cargo run --features patch --example patched_eat_play`.

use std::time::{Duration, Instant};

use greenery::green;

fn eat(name: &str) {
    println!("{name} eat 1 ");
    std::thread::sleep(Duration::from_secs(1));
    println!("{name} eat 2 ");
}

fn play(name: &str) {
    println!("{name} play 1");
    std::thread::sleep(Duration::from_secs(3));
    println!("{name} play 2");
}

fn main() {
    greenery::monkey::patch_all(); // 识别整个程序中的全部io的操作
    let start = Instant::now();
    green::run(|| {
        let g1 = green::spawn(|| eat("egon"));
        let g2 = green::spawn(|| play("alex"));
        g1.join().unwrap();
        g2.join().unwrap(); // the same as joinall([g1, g2])
    });
    println!("elapsed {} s", start.elapsed().as_secs_f64().round());
}
