//! How a task ends and who hears of it: finishing and killing, the handles that keep a
//! finished slot (the one join handle, any number of [`Task`]s), joiners and links, and the
//! [`catch_kill`](crate::catch_kill) scopes a kill may be caught by.
//!
//! Everything a slot lets go of — a body, a panic payload, link callbacks, the slot itself —
//! is collected as [`Garbage`] while the slab is borrowed and dropped or acted on after the
//! borrow ends: destructors and callbacks may spawn, wake, kill, and create or drop handles.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Waker;

use slab::Slab;

use super::builder::PanicPolicy;
use super::core::{panic_message, report, Core};
use super::handle::Task;
use super::join::JoinError;
use super::kill::{KillScope, Killed};
use super::link::{EndPass, Link, LinkKey, LinkOn, Watcher};
use super::observe::{self, WaitOn};
use super::task::{self, Phase, RawTask, Slot, TaskInfo, TaskRef, TaskState};
use super::timer::heap::TimerKey;
use super::waker::MAX_INDEX;

/// Why a join handle got no value.
pub(crate) enum JoinOutcome {
    Killed(Killed),
    Panicked(Box<dyn Any + Send>),
    /// The result was already taken (the handle was polled after completion).
    Taken,
}

/// What a slot let go of, to drop or act on once the slab is no longer borrowed.
#[derive(Default)]
pub(crate) struct Garbage {
    /// The task the watchers and links were watching.
    task: Option<TaskRef>,
    body: Option<Pin<Box<dyn RawTask>>>,
    /// A panic nobody can observe any more: reported, then dropped.
    panic: Option<(TaskInfo, Box<dyn Any + Send>)>,
    /// Joiners to wake and links to run, in registration order.
    watchers: Vec<Watcher>,
    /// Links that do not apply to how the task ended.
    unfired: Vec<Link>,
    start_timer: Option<TimerKey>,
    slot: Option<Slot>,
}

impl Garbage {
    fn is_empty(&self) -> bool {
        self.body.is_none()
            && self.panic.is_none()
            && self.watchers.is_empty()
            && self.unfired.is_empty()
            && self.start_timer.is_none()
            && self.slot.is_none()
    }
}

impl Core {
    // ----- ends --------------------------------------------------------------------------

    /// Records that a task returned (`payload` is `None`) or panicked.
    pub(super) fn finish(&self, task: TaskRef, phase: Phase, payload: Option<Box<dyn Any + Send>>) {
        let payload = match payload {
            Some(payload) if self.config.panic_policy == PanicPolicy::Abort => {
                self.set_abort(payload);
                Some(Box::new("the runtime aborted on this panic") as Box<dyn Any + Send>)
            }
            other => other,
        };
        let garbage = {
            let mut tasks = self.tasks.borrow_mut();
            let slot = &mut tasks[task.index as usize];
            slot.running = false;
            slot.scheduled = false;
            slot.phase = phase;
            if payload.is_none() && slot.extra.is_none() && slot.handle_alive {
                // Nobody to tell, nothing to drop: the output waits for its handle.
                return;
            }
            let mut garbage = Garbage::default();
            if let Some(payload) = payload {
                // A panicked body is dropped; its payload waits for the join handle.
                garbage.body = slot.body.take();
                let rare = slot.rare();
                rare.panic_message = Some(panic_message(payload.as_ref()));
                rare.panic = Some(payload);
            }
            self.end(&mut tasks, task, garbage)
        };
        self.dispose(garbage);
    }

    /// Kills `task` without a reason (see [`kill_with`](Self::kill_with)).
    pub(crate) fn kill(&self, task: TaskRef) {
        self.kill_with(task, Killed::default());
    }

    /// Kills `task`: hands the kill to its innermost open [`catch_kill`](crate::catch_kill)
    /// scope (and queues the task to see it), or records it for the end of the task's
    /// current poll, or drops its body now. Does nothing to the main future or a finished
    /// task.
    pub(crate) fn kill_with(&self, task: TaskRef, killed: Killed) {
        if task.index == MAX_INDEX {
            return;
        }
        let garbage = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = self.slot_mut(&mut tasks, task) else {
                return;
            };
            if slot.phase.is_finished() {
                return;
            }
            if let Some(observer) = &self.observer {
                observer.killed(task, self.current_task());
            }
            let scope = slot
                .rare_ref()
                .and_then(|rare| rare.kill_scopes.iter().rev().find(|s| s.is_open()));
            if let Some(scope) = scope {
                scope.deliver(killed);
                // gevent's kill is a callback at the back of the run queue.
                let queue = !std::mem::replace(&mut slot.scheduled, true);
                drop(tasks);
                if queue {
                    self.run_queue.borrow_mut().push_back(task);
                }
                return;
            }
            if slot.running {
                slot.kill_requested = true;
                if killed.reason().is_some() {
                    slot.rare().killed = Some(killed);
                }
                return;
            }
            self.end_killed(&mut tasks, task, killed)
        };
        self.dispose(garbage);
    }

    /// Kills `task` (drops its body) now, whatever catches it: for a runtime being dropped.
    pub(super) fn kill_now(&self, task: TaskRef, killed: Killed) {
        let garbage = {
            let mut tasks = self.tasks.borrow_mut();
            match self.slot_mut(&mut tasks, task) {
                Some(slot) if !slot.phase.is_finished() => {}
                _ => return,
            }
            self.end_killed(&mut tasks, task, killed)
        };
        self.dispose(garbage);
    }

    fn end_killed(&self, tasks: &mut Slab<Slot>, task: TaskRef, killed: Killed) -> Garbage {
        let slot = &mut tasks[task.index as usize];
        slot.phase = Phase::Killed;
        slot.scheduled = false;
        slot.kill_requested = false;
        let garbage = Garbage {
            body: slot.body.take(),
            ..Garbage::default()
        };
        if killed.reason().is_some() {
            slot.rare().killed = Some(killed);
        }
        self.end(tasks, task, garbage)
    }

    /// The end every task shares: its joiners and links are taken (the links that will run
    /// hold a count on the slot), its start timer goes, what nobody can observe any more is
    /// dropped, and the slot goes too when nothing refers to it.
    fn end(&self, tasks: &mut Slab<Slot>, task: TaskRef, mut garbage: Garbage) -> Garbage {
        let slot = &mut tasks[task.index as usize];
        garbage.task = Some(task);
        if let Some(observer) = &self.observer {
            observer.ended(task, slot.phase);
        }
        if let Some(extra) = slot.extra.as_mut() {
            garbage.start_timer = extra.rare.as_mut().and_then(|rare| rare.start_timer.take());
            for watcher in std::mem::take(&mut extra.watchers) {
                match watcher {
                    Watcher::Link(link) if !link.on.fires_for(slot.phase) => {
                        garbage.unfired.push(link)
                    }
                    Watcher::Link(link) => {
                        slot.refs += 1;
                        garbage.watchers.push(Watcher::Link(link));
                    }
                    join => garbage.watchers.push(join),
                }
            }
        }
        self.drop_unobservable(slot, &mut garbage);
        if slot.is_releasable() {
            garbage.slot = Some(tasks.remove(task.index as usize));
        }
        garbage
    }

    /// Without a join handle, a finished task's output and panic payload can never be taken:
    /// they go (an unobserved panic is reported). Its state stays for its `Task`s.
    fn drop_unobservable(&self, slot: &mut Slot, garbage: &mut Garbage) {
        if slot.handle_alive || !slot.phase.is_finished() {
            return;
        }
        garbage.body = garbage.body.take().or_else(|| slot.body.take());
        let payload = slot.extra.as_mut().and_then(|extra| {
            let rare = extra.rare.as_mut()?;
            rare.panic.take()
        });
        if let Some(payload) = payload {
            let info = TaskInfo {
                id: slot.id,
                name: slot.name().map(|name| name.to_string()),
                state: TaskState::Panicked,
            };
            garbage.panic = Some((info, payload));
        }
    }

    /// Drops and acts on what a slot let go of, with no borrow held.
    pub(super) fn dispose(&self, garbage: Garbage) {
        if garbage.is_empty() {
            return;
        }
        let Garbage {
            task,
            body,
            panic,
            watchers,
            unfired,
            start_timer,
            slot,
        } = garbage;
        if let Some(key) = start_timer {
            self.timers.borrow_mut().remove(key);
        }
        if let Some((info, payload)) = &panic {
            self.report_panic(info, &panic_message(payload.as_ref()));
        }
        // A destructor that panics must not take the runtime down with it; the panic policy
        // decides what becomes of it.
        let dropped = panic::catch_unwind(AssertUnwindSafe(move || {
            drop(body);
            drop(panic);
            drop(unfired);
            drop(slot);
        }));
        if let Err(payload) = dropped {
            match self.config.panic_policy {
                PanicPolicy::Report => report(format_args!(
                    "greenery: a task's destructor panicked: {}",
                    panic_message(payload.as_ref())
                )),
                PanicPolicy::Silent => {}
                PanicPolicy::Abort => self.set_abort(payload),
            }
        }
        if let (Some(task), false) = (task, watchers.is_empty()) {
            self.queue_pass(Rc::new(EndPass::new(self.this.clone(), task, watchers)));
        }
    }

    fn report_panic(&self, info: &TaskInfo, message: &str) {
        match self.config.panic_policy {
            PanicPolicy::Report => {
                let name = match &info.name {
                    Some(name) => format!("task #{} '{name}'", info.id),
                    None => format!("task #{}", info.id),
                };
                report(format_args!(
                    "greenery: <{name}> failed with panic: {message}\n"
                ));
            }
            PanicPolicy::Silent | PanicPolicy::Abort => {}
        }
    }

    // ----- handles -----------------------------------------------------------------------

    /// A new [`Task`] refers to `task`.
    pub(crate) fn acquire(&self, task: TaskRef) {
        let mut tasks = self.tasks.borrow_mut();
        if let Some(slot) = self.slot_mut(&mut tasks, task) {
            slot.refs += 1;
        }
    }

    /// A [`Task`] referring to `task` was dropped: free the slot if nothing refers to it.
    pub(crate) fn release(&self, task: TaskRef) {
        let freed = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = self.slot_mut(&mut tasks, task) else {
                return;
            };
            slot.refs = slot.refs.saturating_sub(1);
            if !slot.is_releasable() {
                return;
            }
            tasks.remove(task.index as usize)
        };
        self.dispose(Garbage {
            slot: Some(freed),
            ..Garbage::default()
        });
    }

    /// The join handle of `task` was dropped: what only it could take goes now, and the slot
    /// goes when no `Task` refers to it.
    pub(crate) fn release_handle(&self, task: TaskRef) {
        let garbage = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = self.slot_mut(&mut tasks, task) else {
                return;
            };
            slot.handle_alive = false;
            if slot.is_releasable() && slot.body.is_none() && slot.extra.is_none() {
                // The common end: the output was taken, nothing in the slot runs user code.
                tasks.remove(task.index as usize);
                return;
            }
            let mut garbage = Garbage::default();
            self.drop_unobservable(slot, &mut garbage);
            if slot.is_releasable() {
                garbage.slot = Some(tasks.remove(task.index as usize));
            }
            garbage
        };
        self.dispose(garbage);
    }

    /// Whether `task` has finished; if not, `waker` is queued (once) to hear when it does.
    pub(crate) fn poll_finished(&self, task: TaskRef, waker: &Waker) -> bool {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = self.slot_mut(&mut tasks, task) else {
            // Freed: it finished and nothing refers to it. The main task never finishes
            // while the runtime runs.
            return task.index != MAX_INDEX;
        };
        if slot.phase.is_finished() {
            return true;
        }
        let watchers = &mut slot.extra().watchers;
        let known = watchers
            .iter()
            .any(|w| matches!(w, Watcher::Join(joiner) if joiner.will_wake(waker)));
        if !known {
            watchers.push(Watcher::Join(waker.clone()));
        }
        observe::note(WaitOn::Join(task.id));
        false
    }

    pub(crate) fn forget_waiter(&self, task: TaskRef, waker: &Waker) {
        let mut tasks = self.tasks.borrow_mut();
        if let Some(slot) = self.slot_mut(&mut tasks, task) {
            if let Some(extra) = slot.extra.as_mut() {
                extra
                    .watchers
                    .retain(|w| !matches!(w, Watcher::Join(joiner) if joiner.will_wake(waker)));
            }
        }
    }

    /// Takes a finished task's result for its `JoinHandle<T>`.
    ///
    /// # Safety
    /// `out` must point to a live `Option<T>` where `T` is the output type of `task`'s body.
    pub(crate) unsafe fn take_result(
        &self,
        task: TaskRef,
        out: *mut (),
    ) -> Option<Result<(), JoinOutcome>> {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = self.slot_mut(&mut tasks, task) else {
            return Some(Err(JoinOutcome::Killed(Killed::default())));
        };
        let rare = slot.extra.as_mut().and_then(|extra| extra.rare.as_mut());
        match slot.phase {
            Phase::Done => match &mut slot.body {
                Some(body) => {
                    // SAFETY: forwarded from the caller's guarantee about `out`.
                    unsafe { body.as_mut().take_output(out) };
                    slot.body = None;
                    Some(Ok(()))
                }
                None => Some(Err(JoinOutcome::Taken)),
            },
            Phase::Killed => {
                let killed = rare.and_then(|rare| rare.killed.clone());
                Some(Err(JoinOutcome::Killed(killed.unwrap_or_default())))
            }
            Phase::Panicked => match rare.and_then(|rare| rare.panic.take()) {
                Some(payload) => Some(Err(JoinOutcome::Panicked(payload))),
                None => Some(Err(JoinOutcome::Taken)),
            },
            Phase::Unstarted | Phase::Alive => None,
        }
    }

    /// Where a returned task's output is, while its join handle has not taken it; null
    /// otherwise. The output stays there (in its boxed body) until the join handle takes it
    /// or is dropped.
    pub(crate) fn output_ptr(&self, task: TaskRef) -> *const () {
        let mut tasks = self.tasks.borrow_mut();
        match self.slot_mut(&mut tasks, task) {
            Some(slot) if slot.phase == Phase::Done => slot
                .body
                .as_ref()
                .map_or(std::ptr::null(), |body| body.as_ref().output_ptr()),
            _ => std::ptr::null(),
        }
    }

    /// Why `task` produced no value, as far as its slot still knows (see [`Task::error`]).
    pub(crate) fn task_error(&self, task: TaskRef) -> Option<JoinError> {
        let mut tasks = self.tasks.borrow_mut();
        let slot = self.slot_mut(&mut tasks, task)?;
        let rare = slot.rare_ref();
        match slot.phase {
            Phase::Killed => {
                let killed = rare.and_then(|rare| rare.killed.clone());
                Some(JoinError::Killed(killed.unwrap_or_default()))
            }
            Phase::Panicked => {
                let message = rare.and_then(|rare| rare.panic_message.clone());
                Some(JoinError::Panicked(Box::new(message.unwrap_or_default())))
            }
            _ => None,
        }
    }

    // ----- links -------------------------------------------------------------------------

    /// Registers a link; on a task that has already ended it runs at once (in a new task).
    pub(crate) fn link(
        &self,
        task: TaskRef,
        on: LinkOn,
        callback: Box<dyn FnOnce(&Task)>,
    ) -> LinkKey {
        let key = LinkKey(self.next_link.get());
        self.next_link.set(key.0 + 1);
        let run_now = {
            let mut tasks = self.tasks.borrow_mut();
            match self.slot_mut(&mut tasks, task) {
                Some(slot) if !slot.phase.is_finished() => {
                    let link = Link { key, on, callback };
                    slot.extra().watchers.push(Watcher::Link(link));
                    return key;
                }
                Some(slot) if on.fires_for(slot.phase) => {
                    slot.refs += 1;
                    Some(callback)
                }
                // It ended in a way this link does not apply to (or it is the main future,
                // which never ends while the runtime runs): the callback is dropped below.
                _ => None,
            }
        };
        if let Some(callback) = run_now {
            self.spawn_link(task, callback);
        }
        key
    }

    pub(crate) fn unlink(&self, task: TaskRef, key: LinkKey) -> bool {
        let removed = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(extra) = self
                .slot_mut(&mut tasks, task)
                .and_then(|slot| slot.extra.as_mut())
            else {
                return false;
            };
            let at = extra
                .watchers
                .iter()
                .position(|w| matches!(w, Watcher::Link(link) if link.key == key));
            at.map(|at| extra.watchers.remove(at))
        };
        removed.is_some()
    }

    /// Runs a link's callback in a task of its own, with a `Task` of the ended task (whose
    /// count the caller already added).
    pub(super) fn spawn_link(&self, task: TaskRef, callback: Box<dyn FnOnce(&Task)>) {
        let Some(core) = self.this.upgrade() else {
            return;
        };
        let ended = Task::adopt(core, task);
        let link = self.spawn_raw(task::boxed(async move { callback(&ended) }), None, true);
        self.release_handle(link);
    }

    // ----- kill scopes -------------------------------------------------------------------

    /// A [`catch_kill`](crate::catch_kill) scope enters `task` (innermost from now on).
    pub(crate) fn enter_kill_scope(&self, task: TaskRef) -> Option<Rc<KillScope>> {
        let mut tasks = self.tasks.borrow_mut();
        let slot = self.slot_mut(&mut tasks, task)?;
        let scope = Rc::new(KillScope::default());
        slot.rare().kill_scopes.push(scope.clone());
        Some(scope)
    }

    /// Whether a scope entered after `scope` (inside it) holds a kill it has not seen yet.
    pub(crate) fn inner_kill_pending(&self, task: TaskRef, scope: &Rc<KillScope>) -> bool {
        let mut tasks = self.tasks.borrow_mut();
        let Some(rare) = self
            .slot_mut(&mut tasks, task)
            .and_then(|slot| slot.extra.as_ref())
            .and_then(|extra| extra.rare.as_ref())
        else {
            return false;
        };
        rare.kill_scopes
            .iter()
            .skip_while(|s| !Rc::ptr_eq(s, scope))
            .skip(1)
            .any(|s| s.has_kill())
    }

    pub(crate) fn leave_kill_scope(&self, task: TaskRef, scope: &Rc<KillScope>) {
        let mut tasks = self.tasks.borrow_mut();
        let rare = self
            .slot_mut(&mut tasks, task)
            .and_then(|slot| slot.extra.as_mut())
            .and_then(|extra| extra.rare.as_mut());
        if let Some(rare) = rare {
            rare.kill_scopes.retain(|s| !Rc::ptr_eq(s, scope));
        }
    }

    // ----- order -------------------------------------------------------------------------

    /// The end of `task` is being notified (its notification pass began): it takes the next
    /// place in the order of notified ends.
    pub(super) fn notify_end(&self, task: TaskRef) {
        let mut tasks = self.tasks.borrow_mut();
        if let Some(slot) = self.slot_mut(&mut tasks, task) {
            let count = self.finish_count.get() + 1;
            self.finish_count.set(count);
            slot.extra().finished = count;
        }
    }

    /// A finished task's place in the order of notified ends (0 until its notification pass
    /// begins, and for a task that ended with nobody waiting).
    pub(crate) fn finish_order(&self, task: TaskRef) -> u64 {
        let mut tasks = self.tasks.borrow_mut();
        self.slot_mut(&mut tasks, task)
            .and_then(|slot| slot.extra.as_ref())
            .map_or(0, |extra| extra.finished)
    }
}
