//! [`Links`]: the waiters of an [`Event`](super::Event), an [`AsyncResult`](super::AsyncResult),
//! a semaphore or a lock, and the notification pass that resumes them (gevent's
//! `AbstractLinkable`, in `gevent/_abstract_linkable.py`).
//!
//! A waiter that must block joins the line (gevent's `rawlink`). When the object becomes
//! ready, one pass is queued (`_check_and_notify`); when it runs it serves, in line order, the
//! waiters that were in line when it began (an Event serves them all even if it was cleared
//! meanwhile; a semaphore only while a permit is free), each run at once until it blocks.
//! Then it serves the waiters that *arrived* while it was pending or running: a wait on an
//! Event that is set returns at once only when no pass is pending or running, otherwise it
//! joins the pass and is served after the line (`__wait_to_be_notified(rawlink=False)`).
//! Arrivals it did not get to join the line. If the object is ready and waiters are still
//! in line at the end, another pass is due.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Waker;

use super::waitlist::{Key, WaitList};
use crate::runtime::pass::{self, Pass, Step};

/// An object whose waiters are [`Links`]: what its notification pass asks of it.
pub(crate) trait Linkable: 'static {
    /// Whether a pass serves every waiter in it even once the object is no longer ready
    /// (an Event's, gevent's `_notify_all`), or only while it is (a semaphore's).
    const SERVES_ALL: bool;
    /// Whether the object is ready for a waiter the pass has not served yet (gevent's
    /// `ready()`).
    fn ready(&self) -> bool;
    /// Its waiters.
    fn links(&mut self) -> &mut Links;
}

impl<S: Linkable> Pass for RefCell<S> {
    fn next(&self) -> Step {
        let mut state = self.borrow_mut();
        let ready = state.ready();
        state.links().next(ready, S::SERVES_ALL)
    }

    fn cancel(&self) {
        self.borrow_mut().links().cancel();
    }
}

/// Queues the object's notification pass if one is due (gevent's `_check_and_notify`).
pub(crate) fn check<S: Linkable>(object: &Rc<RefCell<S>>) {
    let due = {
        let mut state = object.borrow_mut();
        let ready = state.ready();
        state.links().check(ready)
    };
    if due {
        pass::start(object.clone());
    }
}

/// Where a waiter stands.
#[derive(Clone, Copy)]
struct Entry {
    /// Joined a pass in progress rather than the line.
    arrived: bool,
    /// Its turn in the order of arrival, to tell where a pass stops.
    seq: u64,
}

/// Where the object's notification pass is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No pass pending or running.
    Idle,
    /// Queued, not begun.
    Pending,
    /// Serving the line, up to the waiter of turn `last` (the last in line when it began).
    Line { last: u64 },
    /// Done with the line; the arrivals are next.
    LineDone,
    /// Serving the arrivals, up to the one of turn `last`.
    Arrivals { last: u64 },
    /// Done serving.
    End,
}

/// The waiters of a linkable object and its notification pass (see the module docs).
pub(crate) struct Links {
    list: WaitList<Entry>,
    phase: Phase,
    next_seq: u64,
    /// Arrivals not served yet.
    arrivals: usize,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            list: WaitList::default(),
            phase: Phase::Idle,
            next_seq: 0,
            arrivals: 0,
        }
    }
}

impl Links {
    fn push(&mut self, waker: Option<&Waker>, arrived: bool) -> Key {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.list.push(waker.cloned(), Entry { arrived, seq })
    }

    /// Joins the back of the line (gevent's `rawlink`). `waker` is `None` for a place taken
    /// before the waiting task first runs.
    pub(crate) fn link(&mut self, waker: Option<&Waker>) -> Key {
        self.push(waker, false)
    }

    /// Joins the pass pending or running (see [`notifying`](Self::notifying)).
    pub(crate) fn arrive(&mut self, waker: &Waker) -> Key {
        self.arrivals += 1;
        self.push(Some(waker), true)
    }

    /// Whether a notification pass is pending or running (gevent's `_notifier`).
    pub(crate) fn notifying(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// Whether a pass served the waiter.
    pub(crate) fn is_served(&self, key: Key) -> bool {
        self.list.is_notified(key)
    }

    /// Stores the waker the waiter's task polls with now.
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) {
        self.list.set_waker(key, waker);
    }

    /// A served waiter found nothing (a running task took it first): it waits again, in its
    /// place in line.
    pub(crate) fn unserve(&mut self, key: Key, waker: &Waker) {
        self.list.rearm(key, waker);
    }

    /// The waiter leaves; returns whether it had been served.
    pub(crate) fn remove(&mut self, key: Key) -> bool {
        let (served, entry) = self.list.remove(key);
        if entry.arrived && !served {
            self.arrivals -= 1;
        }
        served
    }

    /// How many waiters are in line or joined a pass, served or not.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// How many waiters were served and have not run yet.
    pub(crate) fn served(&self) -> usize {
        self.list.notified()
    }

    /// gevent's `_check_and_notify`: whether a pass is due now (the object is `ready`,
    /// waiters are in line, and no pass is pending or running). It is then pending: the
    /// caller starts it (`pass::start`).
    pub(crate) fn check(&mut self, ready: bool) -> bool {
        let in_line = self.list.len() - self.list.notified() - self.arrivals;
        let due = ready && self.phase == Phase::Idle && in_line > 0;
        if due {
            self.phase = Phase::Pending;
        }
        due
    }

    /// The runtime dropped the pass: the arrivals it did not serve join the line, for the
    /// next pass to serve (a wait that joined it may outlive its runtime).
    pub(crate) fn cancel(&mut self) {
        self.rejoin_arrivals();
        self.phase = Phase::Idle;
    }

    /// Moves the arrivals not served to the back of the line.
    fn rejoin_arrivals(&mut self) {
        while let Some(key) = self.list.first(|e| e.arrived) {
            self.list.move_to_back(key);
            let seq = self.next_seq;
            self.next_seq += 1;
            *self.list.payload_mut(key) = Entry {
                arrived: false,
                seq,
            };
            self.arrivals -= 1;
        }
    }

    /// One step of the pass: serves the next waiter. `ready` is whether the object is ready
    /// now; `all` whether the pass serves every waiter regardless (an Event's, gevent's
    /// `_notify_all`) or only while the object is ready (a semaphore's).
    pub(crate) fn next(&mut self, ready: bool, all: bool) -> Step {
        loop {
            match self.phase {
                Phase::Idle => return Step::Done,
                Phase::Pending => {
                    self.phase = match self.list.last(|e| !e.arrived) {
                        Some(key) => Phase::Line {
                            last: self.list.payload(key).seq,
                        },
                        None => Phase::LineDone,
                    };
                }
                Phase::Line { last } => {
                    // It stops after the waiter that was last in line when it began, even if
                    // that one left the line meanwhile (killed by a waiter it served): a
                    // waiter that joined later, or a served one waiting again, waits for the
                    // next pass. (gevent's goes on until its line is empty, skipping the
                    // links it called already; serving a waiter again here never ends.)
                    let first = self.list.first(|e| !e.arrived && e.seq <= last);
                    match first.filter(|_| ready || all) {
                        Some(key) => {
                            if self.list.payload(key).seq == last {
                                self.phase = Phase::LineDone;
                            }
                            self.list.notify(key);
                            return Step::Served;
                        }
                        None => self.phase = Phase::LineDone,
                    }
                }
                Phase::LineDone => {
                    self.phase = match self.list.last(|e| e.arrived) {
                        Some(key) => Phase::Arrivals {
                            last: self.list.payload(key).seq,
                        },
                        None => Phase::End,
                    };
                }
                Phase::Arrivals { last } => {
                    let first = self.list.first(|e| e.arrived && e.seq <= last);
                    match first.filter(|_| ready || all) {
                        Some(key) => {
                            if self.list.payload(key).seq == last {
                                self.phase = Phase::End;
                            }
                            self.arrivals -= 1;
                            self.list.notify(key);
                            return Step::Served;
                        }
                        None => self.phase = Phase::End,
                    }
                }
                Phase::End => {
                    // Arrivals the pass did not serve join the back of the line.
                    self.rejoin_arrivals();
                    self.phase = Phase::Idle;
                    return if self.check(ready) {
                        Step::Again
                    } else {
                        Step::Done
                    };
                }
            }
        }
    }
}
