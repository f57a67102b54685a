//! The scheduling trace: Chrome trace-event JSON, parsed here with a minimal JSON parser and
//! checked event by event for known programs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use greenery::Builder;

// ----- a minimal JSON parser -----------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(map) => map.get(key),
            _ => None,
        }
    }

    fn str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    fn num(&self, key: &str) -> Option<f64> {
        match self.get(key)? {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn parse(text: &str) -> Json {
        let mut parser = Parser {
            text: text.as_bytes(),
            at: 0,
        };
        let value = parser.value();
        parser.space();
        assert_eq!(
            parser.at,
            parser.text.len(),
            "trailing text after the JSON value"
        );
        value
    }

    fn space(&mut self) {
        while self.at < self.text.len() && self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) {
        self.space();
        assert_eq!(
            self.text.get(self.at),
            Some(&byte),
            "expected '{}' at byte {}",
            byte as char,
            self.at
        );
        self.at += 1;
    }

    fn peek(&mut self) -> u8 {
        self.space();
        *self.text.get(self.at).expect("unexpected end of JSON")
    }

    fn value(&mut self) -> Json {
        match self.peek() {
            b'{' => {
                self.eat(b'{');
                let mut map = BTreeMap::new();
                if self.peek() != b'}' {
                    loop {
                        let key = self.string();
                        self.eat(b':');
                        map.insert(key, self.value());
                        if self.peek() == b',' {
                            self.eat(b',');
                        } else {
                            break;
                        }
                    }
                }
                self.eat(b'}');
                Json::Object(map)
            }
            b'[' => {
                self.eat(b'[');
                let mut items = Vec::new();
                if self.peek() != b']' {
                    loop {
                        items.push(self.value());
                        if self.peek() == b',' {
                            self.eat(b',');
                        } else {
                            break;
                        }
                    }
                }
                self.eat(b']');
                Json::Array(items)
            }
            b'"' => Json::Str(self.string()),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'n' => self.word("null", Json::Null),
            _ => {
                let start = self.at;
                while self.at < self.text.len()
                    && matches!(
                        self.text[self.at],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.at += 1;
                }
                let number = std::str::from_utf8(&self.text[start..self.at]).unwrap();
                Json::Number(
                    number
                        .parse()
                        .unwrap_or_else(|_| panic!("bad number {number:?}")),
                )
            }
        }
    }

    fn word(&mut self, word: &str, value: Json) -> Json {
        assert!(self.text[self.at..].starts_with(word.as_bytes()));
        self.at += word.len();
        value
    }

    fn string(&mut self) -> String {
        self.eat(b'"');
        let mut out = String::new();
        loop {
            let c = self.text[self.at];
            self.at += 1;
            match c {
                b'"' => return out,
                b'\\' => {
                    let escaped = self.text[self.at];
                    self.at += 1;
                    match escaped {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'u' => {
                            let hex =
                                std::str::from_utf8(&self.text[self.at..self.at + 4]).unwrap();
                            self.at += 4;
                            out.push(
                                char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap(),
                            );
                        }
                        other => out.push(other as char),
                    }
                }
                _ => {
                    // Multi-byte UTF-8: copy the whole character.
                    let start = self.at - 1;
                    let len = match c {
                        0..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    self.at = start + len;
                    out.push_str(std::str::from_utf8(&self.text[start..self.at]).unwrap());
                }
            }
        }
    }
}

// ----- reading a trace -----------------------------------------------------------------------

/// The parsed file's events, checked for the trace-event shape every event must have.
fn events(path: &Path) -> Vec<Json> {
    let text = std::fs::read_to_string(path).unwrap();
    let json = Parser::parse(&text);
    assert_eq!(json.str("displayTimeUnit"), Some("ms"));
    let Some(Json::Array(events)) = json.get("traceEvents") else {
        panic!("no traceEvents array");
    };
    for event in events {
        assert!(event.str("name").is_some(), "{event:?}");
        assert!(
            matches!(event.str("ph"), Some("B" | "E" | "X" | "i" | "M")),
            "{event:?}"
        );
        assert!(
            event.num("ts").is_some() && event.num("pid") == Some(1.0),
            "{event:?}"
        );
        assert!(event.num("tid").is_some(), "{event:?}");
    }
    events.clone()
}

/// Every event but the metadata, as "name@track" plus the argument that matters.
fn summary(events: &[Json]) -> Vec<String> {
    events
        .iter()
        .filter(|event| event.str("ph") != Some("M"))
        .map(|event| {
            let name = event.str("name").unwrap();
            let track = event.num("tid").unwrap() as u64;
            let args = event.get("args");
            let arg = |key: &str| args.and_then(|args| args.str(key)).map(str::to_owned);
            let detail = match (name, event.str("ph")) {
                ("spawn", _) => arg("name"),
                ("poll", Some("B")) => None,
                ("poll", _) => arg("result"),
                ("park", _) => arg("on"),
                ("wake" | "kill", _) => arg("by"),
                ("exit", _) => arg("state"),
                _ => None,
            };
            match detail {
                Some(detail) => format!("{name}@{track} {detail}"),
                None => format!("{name}@{track}"),
            }
        })
        .collect()
}

/// The names of the tracks, by track id.
fn tracks(events: &[Json]) -> BTreeMap<u64, String> {
    events
        .iter()
        .filter(|event| event.str("name") == Some("thread_name"))
        .map(|event| {
            let track = event.num("tid").unwrap() as u64;
            (
                track,
                event.get("args").unwrap().str("name").unwrap().to_string(),
            )
        })
        .collect()
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("greenery-trace-{}-{name}.json", std::process::id()))
}

/// Runs `program` on a traced runtime and returns the trace's events.
fn traced<F: std::future::Future>(name: &str, program: F) -> Vec<Json> {
    let path = temp(name);
    let rt = Builder::new().trace(&path).build().unwrap();
    rt.block_on(program);
    drop(rt);
    let events = events(&path);
    std::fs::remove_file(&path).unwrap();
    events
}

// ----- tests ---------------------------------------------------------------------------------

async fn foo() {
    greenery::yield_now().await;
}

async fn bar() {
    greenery::yield_now().await;
}

#[test]
fn gevent_foo_bar_traces_in_exact_order() {
    let events = traced("foo_bar", async {
        let first = greenery::task::Builder::new().name("foo").spawn(foo());
        let second = greenery::task::Builder::new().name("bar").spawn(bar());
        greenery::joinall([first, second]).await;
    });
    assert_eq!(
        summary(&events),
        [
            "poll@1",
            "spawn@1 task #1 'foo'",
            "spawn@1 task #2 'bar'",
            "poll@1 pending",
            "park@1 joinall",
            "poll@2",
            "wake@2 task #1",
            "poll@2 pending",
            "park@2 yield",
            "poll@3",
            "wake@3 task #2",
            "poll@3 pending",
            "park@3 yield",
            "poll@2",
            "poll@2 ready",
            "exit@2 returned",
            "poll@3",
            "poll@3 ready",
            "exit@3 returned",
            // Each end's notification pass resumes joinall in turn, as gevent's
            // (tests/gevent/joinall_resumes_at_the_last_notification.py).
            "wake@1 task #1",
            "poll@1",
            "poll@1 pending",
            "park@1 joinall",
            "wake@1 task #2",
            "poll@1",
            "poll@1 ready",
        ]
    );
    let names: Vec<String> = tracks(&events).into_values().collect();
    assert_eq!(
        names,
        [
            "loop (waiting for IO and timers)",
            "main",
            "task #1 'foo'",
            "task #2 'bar'"
        ]
    );
    let spawn = events
        .iter()
        .find(|e| e.str("name") == Some("spawn"))
        .unwrap();
    let at = spawn.get("args").unwrap().str("at").unwrap();
    assert!(at.starts_with("tests/trace.rs:"), "{at}");
    // Timestamps never go back, and each track's polls begin and end in turn.
    let times: Vec<f64> = events
        .iter()
        .filter_map(|e| e.num("ts"))
        .filter(|&t| t > 0.0)
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn kills_timers_and_the_loops_waits_are_traced() {
    let events = traced("kill", async {
        let victim = greenery::spawn(greenery::time::sleep(Duration::from_secs(60)));
        greenery::time::sleep(Duration::from_millis(20)).await;
        victim.kill();
        let _ = victim.await;
    });
    let summary = summary(&events);
    let expected_parks = summary
        .iter()
        .filter(|e| e.starts_with("park@") && e.contains("sleep until +"))
        .count();
    assert_eq!(expected_parks, 2, "{summary:#?}");
    let tail: Vec<&str> = summary
        .iter()
        .map(String::as_str)
        .skip_while(|e| !e.starts_with("kill@"))
        .collect();
    assert_eq!(tail[..2], ["kill@2 main", "exit@2 killed"], "{summary:#?}");
    // The main task's wake after its sleep comes from the loop (a timer).
    assert!(summary.contains(&"wake@1 loop".to_string()), "{summary:#?}");
    let waits: Vec<&Json> = events
        .iter()
        .filter(|e| e.str("ph") == Some("X") && e.num("tid") == Some(0.0))
        .collect();
    assert!(!waits.is_empty());
    let waited: f64 = waits.iter().map(|e| e.num("dur").unwrap()).sum();
    assert!(
        waited >= 1_000.0,
        "the loop slept ~20 ms, traced {waited} µs"
    );
}

#[test]
fn greenlet_switches_are_traced_on_their_green_threads_track() {
    let events = traced("switch", async {
        greenery::green::spawn(|| {
            let child = greenery::green::Greenlet::<u32>::new(|n| Ok(n + 1));
            assert_eq!(child.switch(1).unwrap(), 2);
        })
        .await
        .unwrap();
    });
    let switches: Vec<&Json> = events
        .iter()
        .filter(|e| e.str("name") == Some("switch"))
        .collect();
    // Into the child, and back when it returns.
    assert_eq!(switches.len(), 2, "{switches:#?}");
    for switch in &switches {
        assert_eq!(switch.num("tid"), Some(2.0));
    }
    let args = |i: usize, key: &str| {
        switches[i]
            .get("args")
            .unwrap()
            .str(key)
            .unwrap()
            .to_string()
    };
    assert_eq!(args(0, "to"), args(1, "from"));
    assert_eq!(args(0, "from"), args(1, "to"));
}

#[test]
fn a_flushed_trace_is_complete_json_and_grows() {
    let path = temp("flush");
    let rt = Builder::new().trace(&path).build().unwrap();
    rt.block_on(rt.spawn(async {})).unwrap();
    rt.flush_trace().unwrap();
    let first = summary(&events(&path));
    rt.flush_trace().unwrap(); // nothing new: unchanged
    assert_eq!(summary(&events(&path)), first);
    rt.block_on(rt.spawn(async {})).unwrap();
    rt.flush_trace().unwrap();
    let second = summary(&events(&path));
    drop(rt);
    let last = summary(&events(&path));
    std::fs::remove_file(&path).unwrap();
    // The second flush appended to the first one's events.
    assert_eq!(second[..first.len()], first[..]);
    assert_eq!(second[first.len()], "spawn@1 task #2");
    assert_eq!(last, second); // nothing happened after the last flush
}

#[test]
fn a_trace_file_that_cannot_be_created_fails_the_build() {
    let err = Builder::new()
        .trace("/nonexistent-dir/trace.json")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(err
        .to_string()
        .starts_with("cannot create the trace file /nonexistent-dir/trace.json: "));
}

/// The child of the environment test: two runtimes, one after the other.
#[test]
fn child_runs_two_runtimes_under_greenery_trace() {
    if std::env::var_os("GREENERY_TRACE").is_none() {
        return;
    }
    greenery::run(async { greenery::spawn(async { 1 }).await.unwrap() });
    greenery::run(greenery::yield_now());
}

#[test]
fn greenery_trace_in_the_environment_traces_every_runtime() {
    let path = temp("env");
    let second = path.with_file_name(format!(
        "{}-2.json",
        path.file_stem().unwrap().to_string_lossy()
    ));
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_runs_two_runtimes_under_greenery_trace"])
        .env("GREENERY_TRACE", &path)
        .status()
        .unwrap();
    assert!(status.success());
    let first = summary(&events(&path));
    let again = summary(&events(&second));
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_file(&second).unwrap();
    assert!(first.contains(&"spawn@1 task #1".to_string()), "{first:#?}");
    assert_eq!(
        again,
        [
            "poll@1",
            "wake@1 main",
            "poll@1 pending",
            "park@1 yield",
            "poll@1",
            "poll@1 ready"
        ]
    );
}

#[test]
fn the_example_records_gevent_foo_bar() {
    // target/<profile>/deps/trace-<hash> -> target/<profile>/examples/trace_foo_bar
    let exe = std::env::current_exe().unwrap();
    let example = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/trace_foo_bar");
    let path = temp("example");
    let output = Command::new(&example).arg(&path).output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Running in foo\nExplicit context to bar\nExplicit context switch to foo again\n\
         Implicit context switch back to bar\n"
    );
    let events = events(&path);
    std::fs::remove_file(&path).unwrap();
    let names: Vec<String> = tracks(&events).into_values().collect();
    assert_eq!(names[2..], ["task #1 'foo'", "task #2 'bar'"]);
    assert_eq!(summary(&events).len(), 26);
}
