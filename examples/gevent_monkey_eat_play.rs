//! seed001_gevent_monkey_eat_play (seed 001, 三 协程, test_3.py "基于gevent"): with
//! `monkey.patch_all()`, `time.sleep` yields to the hub, so the two tasks sleep at the same
//! time and the whole program takes about 3 s, not 1 + 3 = 4 s.
//!
//! Reference: `../shared/reference/seed001_gevent_monkey_eat_play.py`; the output matches it
//! line for line. The patch is the `use` line: `greenery::monkey::time` stands where
//! Python's patched `time` module was, and each sleep gains an `.await`.

use greenery::monkey::time::{sleep, Duration, Instant};

async fn eat(name: &str) {
    println!("{name} eat 1 ");
    sleep(Duration::from_secs(1)).await;
    println!("{name} eat 2 ");
}

async fn play(name: &str) {
    println!("{name} play 1");
    sleep(Duration::from_secs(3)).await;
    println!("{name} play 2");
}

fn main() {
    let start = Instant::now();
    greenery::run(async {
        let g1 = greenery::spawn(eat("egon"));
        let g2 = greenery::spawn(play("alex"));
        g1.await.unwrap();
        g2.await.unwrap(); // the same as joinall([g1, g2])
    });
    println!("elapsed {} s", start.elapsed().as_secs_f64().round());
}
