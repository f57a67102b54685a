//! Links: callbacks the loop runs when a task ends (gevent's `link`, `link_value`,
//! `link_exception`, SEMANTICS rule 10).
//!
//! A task's joiners and its links are one list, in registration order. When the task ends,
//! each joiner is woken and each link that applies is spawned as a task of its own, in that
//! order, at the back of the run queue: so links run one after the other, after the task that
//! ended them yields, interleaved with the joiners exactly as they were registered (gevent
//! runs its links, joiners included, in one pass in registration order).

use std::task::Waker;

use super::handle::Task;
use super::task::Phase;

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
