//! The `tracing` feature: one span per task, named "task", with the task's id, name and spawn
//! location, entered around every poll. Run with `cargo test --features tracing --test
//! tracing_spans`.
#![cfg(feature = "tracing")]

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the subscriber saw: spans with their fields, and "enter N"/"exit N"/"event in N".
#[derive(Default)]
struct Seen {
    spans: HashMap<u64, (String, HashMap<String, String>)>,
    log: Vec<String>,
}

struct Recorder {
    seen: Arc<Mutex<Seen>>,
    next: AtomicU64,
}

thread_local! {
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

struct Fields(HashMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Fields(HashMap::new());
        attrs.record(&mut fields);
        let name = attrs.metadata().name().to_string();
        self.seen.lock().unwrap().spans.insert(id, (name, fields.0));
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {
        let current = STACK.with(|stack| stack.borrow().last().copied());
        let text = format!("event in {}", current.unwrap_or(0));
        self.seen.lock().unwrap().log.push(text);
    }

    fn enter(&self, span: &Id) {
        STACK.with(|stack| stack.borrow_mut().push(span.into_u64()));
        let text = format!("enter {}", span.into_u64());
        self.seen.lock().unwrap().log.push(text);
    }

    fn exit(&self, span: &Id) {
        STACK.with(|stack| stack.borrow_mut().pop());
        let text = format!("exit {}", span.into_u64());
        self.seen.lock().unwrap().log.push(text);
    }
}

async fn work() {
    tracing::info!("first poll");
    greenery::yield_now().await;
    tracing::info!("second poll");
}

#[test]
fn every_task_has_a_span_entered_around_each_poll() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let subscriber = Recorder {
        seen: seen.clone(),
        next: AtomicU64::new(0),
    };
    let mut line = 0;
    tracing::subscriber::with_default(subscriber, || {
        greenery::run(async {
            line = line!() + 1;
            let worker = greenery::task::Builder::new().name("worker").spawn(work());
            worker.await.unwrap();
        })
    });
    let seen = seen.lock().unwrap();
    let (main_id, main) = seen
        .spans
        .iter()
        .find(|(_, (_, fields))| fields.get("id").map(String::as_str) == Some("0"))
        .expect("the main future's span");
    assert_eq!(main.0, "task");
    assert_eq!(main.1["name"], "main");
    let (worker_id, worker) = seen
        .spans
        .iter()
        .find(|(_, (_, fields))| fields.get("id").map(String::as_str) == Some("1"))
        .expect("the worker's span");
    assert_eq!(worker.0, "task");
    assert_eq!(worker.1["name"], "worker");
    let location = &worker.1["location"];
    assert!(
        location.starts_with(&format!("{}:{line}:", file!())),
        "{location}"
    );
    let (m, w) = (main_id, worker_id);
    assert_eq!(
        seen.log,
        [
            format!("enter {m}"),
            format!("exit {m}"),
            format!("enter {w}"),
            format!("event in {w}"),
            format!("exit {w}"),
            format!("enter {w}"),
            format!("event in {w}"),
            format!("exit {w}"),
            format!("enter {m}"),
            format!("exit {m}"),
        ]
    );
}
