//! seed004_queue_work (seed 004, 进程的通信): a `Work` object around a [`Queue`]: `send`
//! puts one message, `receive` prints what it gets, `sendall` puts 1, 2, 3 with a sleep
//! between items. The receiver gets the greeting first (its sender was spawned first), then
//! each number as it arrives.
//!
//! Reference: `../shared/reference/seed004_queue_work.py` (the seed's endless loops bounded:
//! `sendall` stops after 3 items, 0.05 s apart, the receiver after 4); the output matches it
//! line for line. The seed sends both a string and integers through one queue; here the
//! queue carries a `Message` enum that prints either.

use std::fmt;
use std::time::Duration;

use greenery::queue::Queue;
use greenery::time::sleep;

enum Message {
    Text(&'static str),
    Number(u32),
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Text(text) => f.write_str(text),
            Message::Number(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Clone)]
struct Work {
    q: Queue<Message>,
}

impl Work {
    async fn send(&self, message: &'static str) {
        self.q.put(Message::Text(message)).await.unwrap();
    }

    async fn receive(&self, n: usize) {
        for _ in 0..n {
            println!("接受到值 {}", self.q.get().await);
        }
    }

    async fn sendall(&self, n: u32) {
        for i in 1..=n {
            self.q.put(Message::Number(i)).await.unwrap();
            sleep(Duration::from_millis(50)).await;
        }
    }
}

fn main() {
    greenery::run(async {
        let work = Work { q: Queue::new() };
        let send = {
            let work = work.clone();
            greenery::spawn(async move { work.send("你好").await })
        };
        let receive = {
            let work = work.clone();
            greenery::spawn(async move { work.receive(4).await })
        };
        let sendall = {
            let work = work.clone();
            greenery::spawn(async move { work.sendall(3).await })
        };
        sendall.await.expect("sendall failed");
        receive.await.expect("receive failed");
        send.await.expect("send failed");
        println!("all done");
    });
}
