//! Links: callbacks the loop runs when a task ends (gevent's `link`, `link_value`,
//! `link_exception`, SEMANTICS rule 10).
//!
//! A task's joiners and its links are one list, in registration order. When the task ends,
//! its notification pass is queued at the back of the run queue (gevent's `_notify_links`
//! callback); when the executor reaches it, each joiner is resumed and each link that applies
//! runs in a task of its own, in that order, each until it blocks: so links run one after the
//! other, after the task that ended them yields, interleaved with the joiners exactly as they
//! were registered. The pass beginning is when the task's end counts as notified: `joinall`
//! takes a task when its notification reaches it, in the order of the notifications.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Weak;
use std::task::Waker;

use super::core::Core;
use super::handle::Task;
use super::pass::{Pass, Step};
use super::task::{Phase, TaskRef};

/// Who wants to hear that a task ended.
pub(crate) enum Watcher {
    /// A joiner: woken.
    Join(Waker),
    /// A callback: run in a task of its own.
    Link(Link),
}

/// A callback registered with [`Task::link`] (or a filtered variant).
pub(crate) struct Link {
    pub(crate) key: LinkKey,
    pub(crate) on: LinkOn,
    pub(crate) callback: Box<dyn FnOnce(&Task)>,
}

/// Which ends a link fires for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkOn {
    /// Every end: returned, panicked or killed (gevent's `link`).
    Any,
    /// The task returned a value (gevent's `link_value`).
    Value,
    /// The task panicked or was killed (gevent's `link_exception`).
    Error,
}

impl LinkOn {
    pub(crate) fn fires_for(self, phase: Phase) -> bool {
        match self {
            LinkOn::Any => phase.is_finished(),
            LinkOn::Value => phase == Phase::Done,
            LinkOn::Error => matches!(phase, Phase::Killed | Phase::Panicked),
        }
    }
}

/// Names a link, to remove it with [`Task::unlink`] (Rust closures have no identity to
/// compare, as gevent's `unlink(callback)` does).
///
/// ```
/// greenery::run(async {
///     let h = greenery::spawn(async {});
///     let key: greenery::task::LinkKey = h.task().link(|_| unreachable!());
///     assert!(h.task().unlink(key));
///     h.await.unwrap();
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkKey(pub(crate) u64);

/// The notification pass of a task that ended with watchers (see the module docs).
pub(crate) struct EndPass {
    core: Weak<Core>,
    task: TaskRef,
    /// Joiners to resume and links to run; the links hold a count on the task's slot.
    watchers: RefCell<VecDeque<Watcher>>,
    begun: Cell<bool>,
}

impl EndPass {
    pub(crate) fn new(core: Weak<Core>, task: TaskRef, watchers: Vec<Watcher>) -> EndPass {
        EndPass {
            core,
            task,
            watchers: RefCell::new(watchers.into()),
            begun: Cell::new(false),
        }
    }
}

impl Pass for EndPass {
    fn next(&self) -> Step {
        let Some(core) = self.core.upgrade() else {
            return Step::Done;
        };
        if !self.begun.replace(true) {
            core.notify_end(self.task);
        }
        let watcher = self.watchers.borrow_mut().pop_front();
        match watcher {
            Some(Watcher::Join(waker)) => waker.wake(),
            Some(Watcher::Link(link)) => core.spawn_link(self.task, link.callback),
            None => return Step::Done,
        }
        Step::Served
    }

    /// The joiners are still woken (a join polled by another executor would wait forever);
    /// the links, which need the runtime to run, are dropped.
    fn cancel(&self) {
        let watchers = std::mem::take(&mut *self.watchers.borrow_mut());
        let core = self.core.upgrade();
        for watcher in watchers {
            match watcher {
                Watcher::Join(waker) => waker.wake(),
                Watcher::Link(_) => {
                    if let Some(core) = &core {
                        core.release(self.task);
                    }
                }
            }
        }
    }
}
