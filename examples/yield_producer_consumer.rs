//! Seed 001, 协程 test_1.py ("基于yield, 暂停功能"): a producer drives a consumer generator
//! with `send`, then closes it.
//!
//! Reference: `seed001_yield_producer_consumer.py` (its loop reduced to 5 rounds; the consumer
//! prints what it receives). `--count N` times N send round trips instead, as the seed does
//! with 1,000,000, and prints the elapsed time (the golden run passes no arguments).

use std::hint::black_box;
use std::time::Instant;

use greenery::generator::{Co, Generator};

/// 任务1: 接收数据, 处理数据 (task 1: receive data, process it).
fn consumer(quiet: bool) -> Generator<(), (), u64> {
    Generator::new(move |co: Co<(), u64>| async move {
        loop {
            if !quiet {
                println!("consumer");
            }
            let Ok(x) = co.yield_(()).await;
            if !quiet {
                println!("consumer received {x}");
            } else {
                black_box(x);
            }
        }
    })
}

/// 任务2: 生产数据 (task 2: produce data).
fn producer(rounds: u64, quiet: bool) {
    let g = consumer(quiet);
    g.next()
        .expect("prime: runs the consumer up to its first yield");
    for i in 0..rounds {
        if !quiet {
            println!("producer {i}");
        }
        g.send(i).expect("the consumer yields again");
    }
    g.close().expect("the consumer is suspended, not running");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {
            producer(5, false);
            println!("done");
        }
        [flag, n] if flag == "--count" => {
            let Ok(count) = n.parse::<u64>() else {
                eprintln!("--count needs a whole number, got {n:?}");
                std::process::exit(2);
            };
            let start = Instant::now();
            producer(count, true);
            let elapsed = start.elapsed();
            let per = elapsed.as_nanos() as f64 / count.max(1) as f64;
            println!("{count} send round trips in {elapsed:?} ({per:.2} ns each)");
        }
        _ => {
            eprintln!("usage: yield_producer_consumer [--count N]");
            std::process::exit(2);
        }
    }
}
