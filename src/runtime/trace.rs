//! The scheduling trace: spawn, poll, park, wake, kill, exit and greenlet-switch events with
//! timestamps, written as Chrome trace-event JSON (the format Perfetto and `chrome://tracing`
//! open), one track per task plus one for the loop's waits.
//!
//! Events are kept in memory and appended to the file by [`Trace::flush`] (when the runtime is
//! dropped, when [`Runtime::flush_trace`](crate::Runtime::flush_trace) is called, and every
//! [`FLUSH_EVERY`] events). After each flush the file is complete JSON: the closing brackets
//! are written after the events and overwritten by the next flush.

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use super::observe::{Polled, WaitOn};
use super::task::Phase;

/// Events kept in memory before they are written out.
const FLUSH_EVERY: usize = 1 << 16;

/// The track of the loop's own waits (IO, timers); task `id` has track `id + 1`.
const LOOP_TRACK: u64 = 0;

/// One event, on the track of a task (by id).
pub(crate) enum TraceEvent {
    /// This task spawned `task`.
    Spawn {
        task: u64,
        name: Option<Rc<str>>,
        location: &'static Location<'static>,
    },
    /// A poll of this task begins.
    PollStart,
    /// The poll ends.
    PollEnd { polled: Polled },
    /// It returned `Pending`, waiting on `wait`.
    Park { wait: Option<WaitOn> },
    /// A waker queued it (`by`: the task being polled; `None`: the loop, for IO or a timer).
    Wake { by: Option<u64> },
    /// It is being killed (`by`: the task being polled).
    Kill { by: Option<u64> },
    /// It ended.
    Exit { phase: Phase },
    /// A greenlet switch inside it, between greenlets (by address).
    Switch { from: usize, to: usize },
    /// The loop waited for IO and timers for `nanos` (on the loop track).
    LoopWait { nanos: u64 },
}

struct Recorded {
    /// Nanoseconds since the trace began.
    at: u64,
    track: u64,
    event: TraceEvent,
}

/// The trace of one runtime, and the file it goes to.
pub(crate) struct Trace {
    start: Instant,
    path: PathBuf,
    events: RefCell<Vec<Recorded>>,
    file: RefCell<File>,
    /// Where the next events go: just before the closing brackets.
    end: Cell<u64>,
    /// Whether an event was written yet (they are separated by commas).
    written: Cell<bool>,
    /// A failed automatic flush, reported by the next explicit one.
    failed: RefCell<Option<io::Error>>,
}

const HEADER: &str = "{\"traceEvents\":[\n";
const TRAILER: &str = "\n],\"displayTimeUnit\":\"ms\"}\n";

impl Trace {
    /// Creates (or truncates) the trace file at `path`.
    pub(crate) fn create(path: &Path) -> io::Result<Trace> {
        let mut file = File::create(path).map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("cannot create the trace file {}: {err}", path.display()),
            )
        })?;
        file.write_all(HEADER.as_bytes())?;
        file.write_all(TRAILER.as_bytes())?;
        let trace = Trace {
            start: Instant::now(),
            path: path.to_owned(),
            events: RefCell::new(Vec::new()),
            file: RefCell::new(file),
            end: Cell::new(HEADER.len() as u64),
            written: Cell::new(false),
            failed: RefCell::new(None),
        };
        Ok(trace)
    }

    fn nanos(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.start).as_nanos() as u64
    }

    fn push(&self, at: Instant, track: u64, event: TraceEvent) {
        let full = {
            let mut events = self.events.borrow_mut();
            events.push(Recorded {
                at: self.nanos(at),
                track,
                event,
            });
            events.len() >= FLUSH_EVERY
        };
        if full {
            if let Err(err) = self.flush() {
                *self.failed.borrow_mut() = Some(err);
            }
        }
    }

    /// Records `event` on task `task`'s track, now.
    pub(crate) fn record(&self, task: u64, event: TraceEvent) {
        self.push(Instant::now(), task + 1, event);
    }

    /// Records a spawn on the spawner's track.
    pub(crate) fn spawned(
        &self,
        by: u64,
        task: u64,
        name: Option<Rc<str>>,
        location: &'static Location<'static>,
    ) {
        self.record(
            by,
            TraceEvent::Spawn {
                task,
                name,
                location,
            },
        );
    }

    /// Records the end of a poll of `task`, at `end`.
    pub(crate) fn polled(&self, task: u64, end: Instant, polled: Polled, wait: Option<WaitOn>) {
        self.push(end, task + 1, TraceEvent::PollEnd { polled });
        // A poll that returned `Pending` is a park; one that noted nothing (a yield, a future
        // outside greenery) is left at the poll's end.
        if polled == Polled::Pending && wait.is_some() {
            self.push(end, task + 1, TraceEvent::Park { wait });
        }
    }

    /// Records the start of a poll of `task`, now.
    pub(crate) fn poll_started(&self, task: u64) {
        self.record(task, TraceEvent::PollStart);
    }

    /// Records that the loop waited from `start` to `end`.
    pub(crate) fn loop_waited(&self, start: Instant, end: Instant) {
        let nanos = end.saturating_duration_since(start).as_nanos() as u64;
        self.push(start, LOOP_TRACK, TraceEvent::LoopWait { nanos });
    }

    /// Appends the events recorded so far to the file, which is then complete JSON.
    pub(crate) fn flush(&self) -> io::Result<()> {
        if let Some(err) = self.failed.borrow_mut().take() {
            return Err(self.error(err));
        }
        let events = std::mem::take(&mut *self.events.borrow_mut());
        let mut text = String::new();
        if !self.written.get() {
            self.metadata(&mut text);
        }
        for recorded in &events {
            self.render(recorded, &mut text);
        }
        if text.is_empty() {
            return Ok(());
        }
        let mut file = self.file.borrow_mut();
        let write = |file: &mut File| -> io::Result<u64> {
            file.seek(SeekFrom::Start(self.end.get()))?;
            file.write_all(text.as_bytes())?;
            let end = file.stream_position()?;
            file.write_all(TRAILER.as_bytes())?;
            file.set_len(end + TRAILER.len() as u64)?;
            Ok(end)
        };
        let end = write(&mut file).map_err(|err| self.error(err))?;
        self.end.set(end);
        Ok(())
    }

    fn error(&self, err: io::Error) -> io::Error {
        io::Error::new(
            err.kind(),
            format!("cannot write the trace file {}: {err}", self.path.display()),
        )
    }

    /// Starts one event object in `out`, separated from the previous one.
    fn open(&self, out: &mut String, name: &str, phase: char, at: u64, track: u64) {
        if self.written.replace(true) {
            out.push_str(",\n");
        }
        // Events are written by the tens of thousands: no `core::fmt` here.
        out.push_str("{\"name\":\"");
        out.push_str(name);
        out.push_str("\",\"ph\":\"");
        out.push(phase);
        out.push_str("\",\"ts\":");
        micros(out, at);
        out.push_str(",\"pid\":1,\"tid\":");
        decimal(out, track);
    }

    /// The names and order of the process and of the loop's and main future's tracks.
    fn metadata(&self, out: &mut String) {
        self.open(out, "process_name", 'M', 0, LOOP_TRACK);
        out.push_str(",\"args\":{\"name\":\"greenery runtime\"}}");
        self.track_name(out, LOOP_TRACK, "loop (waiting for IO and timers)");
        self.track_name(out, 1, "main");
    }

    fn track_name(&self, out: &mut String, track: u64, name: &str) {
        self.open(out, "thread_name", 'M', 0, track);
        out.push_str(",\"args\":{\"name\":");
        json_string(out, name);
        out.push_str("}}");
        self.open(out, "thread_sort_index", 'M', 0, track);
        let _ = write!(out, ",\"args\":{{\"sort_index\":{track}}}}}");
    }

    fn render(&self, recorded: &Recorded, out: &mut String) {
        let Recorded { at, track, event } = recorded;
        let (at, track) = (*at, *track);
        let instant = |this: &Trace, out: &mut String, name: &str| {
            this.open(out, name, 'i', at, track);
            out.push_str(",\"s\":\"t\"");
        };
        match event {
            TraceEvent::Spawn {
                task,
                name,
                location,
            } => {
                let label = match name {
                    Some(name) => format!("task #{task} '{name}'"),
                    None => format!("task #{task}"),
                };
                self.track_name(out, task + 1, &label);
                instant(self, out, "spawn");
                let _ = write!(out, ",\"args\":{{\"task\":{task},\"name\":");
                json_string(out, &label);
                out.push_str(",\"at\":");
                json_string(out, &location.to_string());
                out.push_str("}}");
            }
            TraceEvent::PollStart => {
                self.open(out, "poll", 'B', at, track);
                out.push('}');
            }
            TraceEvent::PollEnd { polled } => {
                self.open(out, "poll", 'E', at, track);
                let result = match polled {
                    Polled::Pending => "pending",
                    Polled::Ready => "ready",
                    Polled::Panicked => "panicked",
                };
                let _ = write!(out, ",\"args\":{{\"result\":\"{result}\"}}}}");
            }
            TraceEvent::Park { wait } => {
                instant(self, out, "park");
                if let Some(wait) = wait {
                    let when = self.start + std::time::Duration::from_nanos(at);
                    out.push_str(",\"args\":{\"on\":");
                    json_string(out, &wait.public(when).to_string());
                    out.push('}');
                }
                out.push('}');
            }
            TraceEvent::Wake { by } | TraceEvent::Kill { by } => {
                let name = if matches!(event, TraceEvent::Wake { .. }) {
                    "wake"
                } else {
                    "kill"
                };
                instant(self, out, name);
                match by {
                    Some(0) => out.push_str(",\"args\":{\"by\":\"main\"}"),
                    Some(by) => {
                        out.push_str(",\"args\":{\"by\":\"task #");
                        decimal(out, *by);
                        out.push_str("\"}");
                    }
                    None => out.push_str(",\"args\":{\"by\":\"loop\"}"),
                }
                out.push('}');
            }
            TraceEvent::Exit { phase } => {
                instant(self, out, "exit");
                let state = match phase {
                    Phase::Killed => "killed",
                    Phase::Panicked => "panicked",
                    _ => "returned",
                };
                let _ = write!(out, ",\"args\":{{\"state\":\"{state}\"}}}}");
            }
            TraceEvent::Switch { from, to } => {
                instant(self, out, "switch");
                let _ = write!(
                    out,
                    ",\"args\":{{\"from\":\"greenlet {from:#x}\",\"to\":\"greenlet {to:#x}\"}}}}"
                );
            }
            TraceEvent::LoopWait { nanos } => {
                self.open(out, "wait", 'X', at, LOOP_TRACK);
                out.push_str(",\"dur\":");
                micros(out, *nanos);
                out.push('}');
            }
        }
    }
}

/// Appends `n` in decimal.
fn decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // The digits are ASCII.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// Appends `nanos` as microseconds with three decimals (the trace format's unit).
fn micros(out: &mut String, nanos: u64) {
    decimal(out, nanos / 1_000);
    let frac = nanos % 1_000;
    out.push('.');
    out.push(char::from(b'0' + (frac / 100) as u8));
    out.push(char::from(b'0' + (frac / 10 % 10) as u8));
    out.push(char::from(b'0' + (frac % 10) as u8));
}

/// Appends `text` to `out` as a JSON string.
fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::json_string;

    #[test]
    fn numbers_are_written_as_the_format_wants() {
        let mut out = String::new();
        super::decimal(&mut out, 0);
        out.push(' ');
        super::decimal(&mut out, u64::MAX);
        out.push(' ');
        super::micros(&mut out, 1_234_005);
        out.push(' ');
        super::micros(&mut out, 7);
        assert_eq!(out, "0 18446744073709551615 1234.005 0.007");
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut out = String::new();
        json_string(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
