//! The driver: the trampoline that runs a chain of switches inside one task's poll.
//!
//! A task's root waiting in [`switch`](super::Greenlet::switch) owns a driver. The driver
//! polls the body of its current greenlet; a switch inside that body only records a request
//! in the body's node and returns `Pending`, and the driver then carries the value to the
//! target and polls the target next, in the same loop. So a switch is
//! immediate (no other task runs in between), costs no allocation, and the stack does not
//! grow with the number of switches. When the current body blocks on anything else (a
//! timer, a socket), the driver returns `Pending` and the task sleeps like any other; its
//! wake-up polls the driver, which polls that body again.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::TypeMismatch;
use super::node::{self, Handle, Kind, Node, Request, State};
use super::slot::Parcel;
use super::Error;
use crate::runtime::context;

/// What travels with a switch: a value, or an error to raise at the receiver's switch.
pub(crate) enum Outgoing {
    Value(Parcel),
    Error(Error),
}

pub(crate) struct Driver {
    /// The runtime this driver runs on.
    core: usize,
    /// The task root waiting for the chain to come back; `None` for a detached chain.
    root: Option<Handle>,
    /// The greenlet to poll next; `None` once the chain left this task.
    current: Option<Handle>,
}

impl Driver {
    #[inline]
    pub(crate) fn new(core: usize, root: Handle) -> Driver {
        Driver {
            core,
            root: Some(root),
            current: None,
        }
    }

    /// Carries the root's first switch to `target`.
    #[inline]
    pub(crate) fn start(&mut self, target: &Handle, outgoing: Outgoing) {
        if let Outgoing::Value(value) = &outgoing {
            if self.accepts_now(target, value) && !target.is_root() {
                // SAFETY: as in `deliver`: same `T`, both slots alive.
                unsafe { value.move_into(target.inbox.get()) };
                target.inbox.set(std::ptr::null_mut());
                target.state.set(State::Running);
                self.current = Some(target.clone());
                return;
            }
        }
        self.transfer(None, Some(target.clone()), outgoing);
    }

    #[inline]
    pub(crate) fn root(&self) -> Option<&Handle> {
        self.root.as_ref()
    }

    /// Runs the chain until the root is switched back to (`Ready`), the current greenlet
    /// blocks, or the chain moves to another task (`Pending`). A detached driver is `Ready`
    /// when it has nothing left to run.
    pub(crate) fn drive(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(root) = &self.root {
                if root.state.get() != State::Suspended {
                    return Poll::Ready(());
                }
            }
            let Some(current) = self.current.take() else {
                return match self.root {
                    Some(_) => Poll::Pending,
                    None => Poll::Ready(()),
                };
            };
            let polled = current.poll_as_current(cx);
            let request = current.request.replace(Request::NONE);
            match polled {
                Poll::Pending => {
                    if !request.is_some() {
                        self.current = Some(current);
                        return Poll::Pending;
                    }
                    current.state.set(State::Suspended);
                    let value = Parcel {
                        src: request.value,
                        ty: current.accepts.get(),
                    };
                    // SAFETY: a request is withdrawn when its switch is dropped, so the
                    // switch is alive, pending inside `current`'s body: its target handle
                    // (which it borrows) and its `throw` slot are alive.
                    let (to, thrown) = unsafe { (&*request.target, &mut *request.throw) };
                    if thrown.is_none() && self.accepts_now(to, &value) {
                        // SAFETY: as in `deliver`: same `T`, both slots alive.
                        unsafe { value.move_into(to.inbox.get()) };
                        to.inbox.set(std::ptr::null_mut());
                        to.state.set(State::Running);
                        if let Kind::Body(_) = to.kind {
                            // SAFETY: the switch's target handle is alive (see above).
                            self.current = Some(unsafe { Handle::from_ptr(request.target) });
                        } else if !self.is_root(to) {
                            self.wake_root(to);
                        }
                        continue;
                    }
                    // SAFETY: as above.
                    let target = unsafe { Handle::from_ptr(request.target) };
                    let outgoing = match thrown.take() {
                        Some(err) => Outgoing::Error(err),
                        None => Outgoing::Value(value),
                    };
                    self.transfer(Some(&current), Some(target), outgoing);
                }
                Poll::Ready(result) => {
                    current.state.set(State::Dead);
                    let outgoing = match result.map(|()| current.output()) {
                        Ok(Some(value)) => Outgoing::Value(value),
                        Ok(None) => Outgoing::Error(Error::NoBody),
                        Err(err) => Outgoing::Error(err),
                    };
                    let parent = current.parent.borrow().clone();
                    self.transfer(Some(&current), parent, outgoing);
                    current.kill();
                }
            }
        }
    }

    /// Carries `outgoing` from `from` (the root when `None`) to `target`: a dead target
    /// passes it to its parent, an unstarted one starts with it (or, for an error, dies
    /// unstarted and passes it on). The receiver becomes current; a receiver that refuses
    /// (running, another runtime, wrong type) sends the error back to `from`, or to the root
    /// when `from` has died.
    pub(crate) fn transfer(
        &mut self,
        from: Option<&Handle>,
        target: Option<Handle>,
        outgoing: Outgoing,
    ) {
        self.current = None;
        let mut target = target;
        let mut outgoing = outgoing;
        let mut bounced = false;
        loop {
            let refusal = match target.take() {
                None => Error::Busy,
                Some(to) if !to.on(self.core) => Error::ForeignRuntime,
                Some(to) => match (to.state.get(), outgoing) {
                    (State::Dead, carried) => {
                        outgoing = carried;
                        target = to.parent.borrow().clone();
                        continue;
                    }
                    (State::Unstarted, Outgoing::Error(err)) => {
                        // Thrown into before it started: it dies without running, and the
                        // error is raised in its parent.
                        to.kill();
                        outgoing = Outgoing::Error(err);
                        target = to.parent.borrow().clone();
                        continue;
                    }
                    (State::Unstarted | State::Suspended, carried) if !to.inbox.get().is_null() => {
                        match self.deliver(to, carried) {
                            Ok(()) => return,
                            Err(err) => err,
                        }
                    }
                    (State::Unstarted, _) => Error::NoBody,
                    (_, _) => Error::Busy,
                },
            };
            if bounced {
                return;
            }
            bounced = true;
            outgoing = Outgoing::Error(refusal);
            target = match from {
                Some(from) if waiting(from) => Some(from.clone()),
                _ => self.root.clone().filter(waiting),
            };
        }
    }

    /// Moves `outgoing` into the inbox of `to` (which accepts) and makes `to` current.
    fn deliver(&mut self, to: Handle, outgoing: Outgoing) -> Result<(), Error> {
        match outgoing {
            Outgoing::Value(value) => {
                let accepts = to.accepts.get();
                if !accepts.same(value.ty) {
                    return Err(Error::WrongType(TypeMismatch::new(accepts, value.ty)));
                }
                // SAFETY: both slots are `Slot<T>` of the same `T` (checked just above);
                // the source belongs to a switch or body that is alive (see `drive`), and
                // the inbox to the pending switch or unstarted body of `to`, which is
                // registered only while that slot is alive and pinned.
                unsafe { value.move_into(to.inbox.get()) };
            }
            Outgoing::Error(err) => to.thrown.set(Some(err)),
        }
        to.inbox.set(std::ptr::null_mut());
        to.started.set(true);
        to.state.set(State::Running);
        self.resume(to);
        Ok(())
    }

    /// `to` has received what was switched to it: poll it next, or let its task resume it.
    fn resume(&mut self, to: Handle) {
        match &to.kind {
            Kind::Body(_) => self.current = Some(to),
            Kind::Root(_) if self.is_root(&to) => {}
            Kind::Root(_) => self.wake_root(&to),
        }
    }

    /// Whether `to` waits in a switch for a value like `value`: the common case, delivered
    /// without the checks of `transfer`.
    #[inline]
    fn accepts_now(&self, to: &Node, value: &Parcel) -> bool {
        to.state.get() == State::Suspended
            && to.accepts.get().same(value.ty)
            && !to.inbox.get().is_null()
            && to.on(self.core)
    }

    #[inline]
    fn is_root(&self, node: &Node) -> bool {
        self.root
            .as_ref()
            .is_some_and(|root| std::ptr::eq(root.ptr(), node))
    }

    /// Another task's root received a value: it resumes when the executor next polls it.
    fn wake_root(&self, root: &Node) {
        if let Kind::Root(key) = root.kind {
            let task = node::root_task(key);
            context::with_core(|core| core.waker_of(task).wake());
        }
    }
}

/// Whether `node` waits in a switch (and so accepts an error).
fn waiting(node: &Handle) -> bool {
    node.state.get() == State::Suspended && !node.inbox.get().is_null()
}

impl Driver {
    /// The root stopped waiting while its chain is blocked (it was resumed from another task,
    /// or its switch was dropped): the chain goes on in a task of its own.
    #[inline]
    pub(crate) fn detach(&mut self) {
        if let Some(current) = self.current.take() {
            self.detach_chain(current);
        }
    }

    #[cold]
    fn detach_chain(&mut self, current: Handle) {
        if self.root.is_none() || node::core_addr() != Some(self.core) {
            return;
        }
        let detached = Driver {
            core: self.core,
            root: None,
            current: Some(current),
        };
        drop(
            crate::task::Builder::new()
                .name("greenlet")
                .spawn(Detached(detached)),
        );
    }
}

/// A chain whose root stopped waiting, run as a task of its own until it ends or moves on.
struct Detached(Driver);

impl Future for Detached {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.drive(cx)
    }
}
