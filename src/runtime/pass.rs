//! Notification passes: how gevent wakes the waiters of one object.
//!
//! When an Event is set, a Queue can hand out items, a Semaphore is released or a greenlet
//! dies, gevent queues *one* callback on the hub's run queue: the object's notification pass.
//! When the hub reaches it, the pass resumes the ready waiters one after the other, each
//! running until it blocks before the next one is resumed; it serves waiters that become
//! ready while it runs (an item put by a getter it resumed goes to the next getter at once),
//! and a waiter that arrives while the pass is pending or running may join it.
//!
//! A [`Pass`] is that callback in greenery: an entry in the run queue. When the executor
//! reaches it, it calls [`Pass::next`] again and again; each call serves one waiter (marks it
//! and wakes its waker), and the executor polls the task that wake scheduled at once, before
//! anything else in the queue, until it returns `Pending`. So the waiters of one notification
//! run back to back, at the place in the run queue of the first notification, in the order
//! the object chose. The object decides who is served only when the pass runs, as gevent's
//! does. A wake that schedules no task here (the task is queued already, or the waker is not
//! one of this runtime's) leaves the waiter marked for when its task runs.

use std::rc::Rc;

use super::context;

/// What a pass did in one [`Pass::next`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Served a waiter: run the task it woke, then call `next` again.
    Served,
    /// The pass is over.
    Done,
    /// The pass is over, and the object has more to notify: a new pass is due at the back of
    /// the run queue (gevent's `_check_and_notify` after a pass).
    Again,
}

/// An object's notification pass (see the module docs).
pub(crate) trait Pass {
    /// Serves the next waiter: marks it served and wakes its waker.
    fn next(&self) -> Step;
    /// The runtime dropped the pass before it was over (it shut down): the object forgets it.
    fn cancel(&self);
}

/// Queues `pass` at the back of the run queue of the runtime driving this thread. Outside a
/// runtime there is no run queue: the waiters are served at once, their wakes going wherever
/// their wakers lead (gevent without a hub calls the links directly).
///
/// The caller must not hold a borrow `next` needs.
pub(crate) fn start(pass: Rc<dyn Pass>) {
    let mut pass = Some(pass);
    context::with_core(|core| core.queue_pass(pass.take().expect("not taken yet")));
    if let Some(pass) = pass {
        serve_all(&*pass);
    }
}

/// Serves every waiter of `pass` now, without running them.
fn serve_all(pass: &dyn Pass) {
    while pass.next() != Step::Done {}
}
