//! The getters and putters of a [`Queue`](super::Queue) or a [`Channel`](super::Channel) and
//! their hand-out passes (gevent's `_unlock`s, in `gevent/queue.py`).
//!
//! A put that finds getters waiting, a get that frees a slot while putters wait, a waiter
//! that blocks while the other side waits: each queues the queue's pass, once (gevent's
//! `_schedule_unlock`). When it runs, it alternates: it admits the first waiting putter if
//! there is room, then serves the first waiting getter if there is an item, each run at once
//! until it blocks, and goes round again as long as either did something. So an item a
//! served getter puts goes to the next getter in the same pass, and on a bounded queue a
//! putter takes the slot a getter freed before anything else runs.
//!
//! This part knows no items (so a pass needs no `T: 'static`): the queue keeps `len` up to
//! date, the channel `offered`. A served waiter moves its own item when it runs, which in a
//! pass is at once.

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::runtime::pass::{Pass, Step};
use crate::sync::waitlist::{Key, WaitList};

/// Where the hand-out pass is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No pass pending or running.
    Idle,
    /// A round's turn to admit a putter; `busy`: the round did something already.
    Putter { busy: bool },
    /// A round's turn to serve a getter.
    Getter { busy: bool },
}

/// A queue's waiters, what the pass needs to know of its items, and the pass's progress.
pub(super) struct Lines {
    pub(super) getters: WaitList,
    pub(super) putters: WaitList,
    /// How many items the queue holds.
    pub(super) len: usize,
    pub(super) capacity: Option<usize>,
    pub(super) closed: bool,
    phase: Phase,
}

impl Lines {
    pub(super) fn new(capacity: Option<usize>) -> Lines {
        Lines {
            getters: WaitList::default(),
            putters: WaitList::default(),
            len: 0,
            capacity,
            closed: false,
            phase: Phase::Idle,
        }
    }

    pub(super) fn has_room(&self) -> bool {
        self.capacity.is_none_or(|capacity| self.len < capacity)
    }

    /// Whether a getter is waiting that the pass has not served.
    pub(super) fn getter_waits(&self) -> bool {
        self.getters.len() > self.getters.notified()
    }

    /// Whether a putter is waiting that the pass has not admitted.
    pub(super) fn putter_waits(&self) -> bool {
        self.putters.len() > self.putters.notified()
    }

    /// gevent's `_schedule_unlock`: whether a pass must be started now (none is pending or
    /// running); it is then pending.
    pub(super) fn schedule(&mut self) -> bool {
        let due = self.phase == Phase::Idle;
        if due {
            self.phase = Phase::Putter { busy: false };
        }
        due
    }

    /// Admits the first waiting putter if there is a slot for it (admitted putters that have
    /// not run yet hold theirs).
    fn admit_putter(&mut self) -> bool {
        let room = match self.capacity {
            Some(capacity) => self.len + self.putters.notified() < capacity,
            None => true,
        };
        let putter = if room && !self.closed {
            self.putters.first(|_| true)
        } else {
            None
        };
        putter.inspect(|&key| self.putters.notify(key)).is_some()
    }

    /// Serves the first waiting getter if there is an item for it (served getters that have
    /// not run yet count on theirs).
    fn serve_getter(&mut self) -> bool {
        let getter = if self.len > self.getters.notified() {
            self.getters.first(|_| true)
        } else {
            None
        };
        getter.inspect(|&key| self.getters.notify(key)).is_some()
    }
}

impl Pass for RefCell<Lines> {
    fn next(&self) -> Step {
        let mut lines = self.borrow_mut();
        loop {
            match lines.phase {
                Phase::Idle => return Step::Done,
                Phase::Putter { busy } => {
                    let admitted = lines.admit_putter();
                    lines.phase = Phase::Getter {
                        busy: busy || admitted,
                    };
                    if admitted {
                        return Step::Served;
                    }
                }
                Phase::Getter { busy } => {
                    let served = lines.serve_getter();
                    lines.phase = if served || busy {
                        Phase::Putter { busy: false }
                    } else {
                        Phase::Idle
                    };
                    if served {
                        return Step::Served;
                    }
                }
            }
        }
    }

    fn cancel(&self) {
        self.borrow_mut().phase = Phase::Idle;
    }
}

/// A [`Channel`](super::Channel)'s waiters and its hand-out pass (gevent's `Channel._unlock`):
/// as long as a getter waits and a putter offers an item, the pass resumes the first getter,
/// which takes the first offer, then at once that offer's putter, each running until it
/// blocks. A getter always waits for the pass, even if a putter offers already.
pub(super) struct ChannelLines {
    pub(super) getters: WaitList,
    /// Each putter's node says whether a getter took its item.
    pub(super) putters: WaitList<bool>,
    /// How many putters offer an item nobody took yet.
    pub(super) offered: usize,
    /// Putters whose item was taken, to resume next.
    pub(super) resume: VecDeque<Key>,
    pub(super) closed: bool,
    /// A pass is pending or running.
    scheduled: bool,
}

impl ChannelLines {
    pub(super) fn new() -> ChannelLines {
        ChannelLines {
            getters: WaitList::default(),
            putters: WaitList::default(),
            offered: 0,
            resume: VecDeque::new(),
            closed: false,
            scheduled: false,
        }
    }

    /// Whether a getter is waiting that the pass has not served.
    pub(super) fn getter_waits(&self) -> bool {
        self.getters.len() > self.getters.notified()
    }

    /// Whether a pass must be started now (none is pending or running); it is then pending.
    pub(super) fn schedule(&mut self) -> bool {
        !std::mem::replace(&mut self.scheduled, true)
    }
}

impl Pass for RefCell<ChannelLines> {
    fn next(&self) -> Step {
        let mut lines = self.borrow_mut();
        if let Some(putter) = lines.resume.pop_front() {
            lines.putters.notify(putter);
            return Step::Served;
        }
        if lines.offered > lines.getters.notified() {
            if let Some(getter) = lines.getters.first(|_| true) {
                lines.getters.notify(getter);
                return Step::Served;
            }
        }
        lines.scheduled = false;
        Step::Done
    }

    fn cancel(&self) {
        self.borrow_mut().scheduled = false;
    }
}
