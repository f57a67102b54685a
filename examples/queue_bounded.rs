//! seed001_queue_bounded (seed 001, test_8.py): three producers each put one name into a
//! bounded queue of 3; after they are joined, a consumer prints what is in it. A fourth
//! producer shows backpressure: `put` on the full queue waits until the consumer takes an
//! item.
//!
//! Reference: `../shared/reference/seed001_queue_bounded.py`; the output matches it line for
//! line, with these adaptations: Python's `True` prints as Rust's `true`; the reference ends
//! the consumer's iteration by putting `StopIteration`, here the queue carries
//! `Option<&str>` and `None` ends it; `not extra.dead` is `!is_finished()`. The producers
//! are structs started like gevent's `Greenlet` subclass (`spawn_unstarted` + `start`).

use greenery::queue::Queue;
use greenery::task::Builder;
use greenery::JoinHandle;

/// A producer that puts one name into the queue (the seed's `MyGreenlet_1`).
struct Producer {
    input: &'static str,
    q: Queue<Option<&'static str>>,
}

impl Producer {
    async fn run(self) {
        println!("put {} ...", self.input);
        self.q.put(Some(self.input)).await.unwrap();
        println!("put {} done", self.input);
    }

    fn start(self) -> JoinHandle<()> {
        let handle = Builder::new().spawn_unstarted(self.run());
        handle.task().start();
        handle
    }
}

/// Prints every item until the `None` that ends the stream.
async fn print_all(q: Queue<Option<&'static str>>) {
    while let Some(item) = q.get().await {
        println!("{item}");
    }
}

fn main() {
    greenery::run(async {
        let q = Queue::bounded(3).expect("capacity 3 is not zero");
        let producers: Vec<_> = ["张三", "李四", "王五"]
            .into_iter()
            .map(|input| {
                Producer {
                    input,
                    q: q.clone(),
                }
                .start()
            })
            .collect();
        for p in producers {
            p.await.expect("producer failed");
        }
        println!("queue full: {} qsize: {}", q.is_full(), q.len());

        let extra = Producer {
            input: "赵六",
            q: q.clone(),
        }
        .start(); // the queue is full: this put waits
        greenery::yield_now().await;
        println!("extra producer still blocked: {}", !extra.is_finished());

        let consumer = greenery::spawn(print_all(q.clone()));
        extra.await.expect("producer failed");
        q.put(None).await.unwrap();
        consumer.await.expect("consumer failed");
    });
}
