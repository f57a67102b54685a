//! [`Switch`]: the future of [`Greenlet::switch`](super::Greenlet::switch) and
//! [`Greenlet::throw`](super::Greenlet::throw).

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};

use super::driver::{Driver, Outgoing};
use super::node::{self, Handle, Node, Request, State, Switcher};
use super::slot::{Parcel, Slot, Ty};
use super::Error;

/// The future of [`Greenlet::switch`](super::Greenlet::switch) and
/// [`Greenlet::throw`](super::Greenlet::throw): resolves to the value the next switch back to
/// the caller carries, or to the error raised there.
///
/// ```
/// use greenery::greenlet::{getcurrent, Greenlet};
///
/// greenery::run(async {
///     let main = getcurrent::<u32>();
///     let g = Greenlet::new(move |x: u32| async move { main.switch(x + 1).await });
///     let switch = g.switch(1); // nothing happens until it is awaited
///     assert_eq!(switch.await.unwrap(), 2);
/// });
/// ```
#[must_use = "a switch does nothing unless awaited"]
pub struct Switch<'a, T: 'static> {
    target: &'a Handle,
    value: Slot<T>,
    throw: Option<Error>,
    inbox: Slot<T>,
    stage: Stage,
    /// The driver, while `stage` is `Driving`.
    driver: Option<Driver>,
    /// While waiting: the node of the body that made the switch. The node links back to this
    /// cell (its `waiter`) and clears it before it dies; the switch unlinks itself before it
    /// dies; so a non-null `me` always points to a live node.
    me: Cell<*const Node>,
    _pinned: PhantomPinned,
}

/// Where a switch is. Plain data, so moving between stages costs a store (the driver, the
/// only part with a destructor, is a field of its own).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    New,
    /// Made inside a body: the driver carries it out once the body suspends. The body's node
    /// is in `me`.
    Waiting,
    /// Made by a task's root: this switch drives the chain (in `driver`).
    Driving,
    Done,
}

impl<'a, T: 'static> Switch<'a, T> {
    pub(crate) fn new(target: &'a Handle, value: Slot<T>, throw: Option<Error>) -> Self {
        Switch {
            target,
            value,
            throw,
            inbox: Slot::empty(),
            stage: Stage::New,
            driver: None,
            me: Cell::new(ptr::null()),
            _pinned: PhantomPinned,
        }
    }

    fn inbox_ptr(&mut self) -> *mut () {
        ptr::addr_of_mut!(self.inbox).cast()
    }

    fn value_ptr(&mut self) -> *mut () {
        ptr::addr_of_mut!(self.value).cast()
    }

    /// First poll: registers where the answer goes, then hands the switch to the driver of
    /// the body it was made in, or becomes the driver.
    fn start(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let inbox = self.inbox_ptr();
        let (core, root) = match node::switcher() {
            Switcher::Outside => return self.finish(Err(Error::NoRuntime)),
            Switcher::Root(core, root) => (core, root),
            Switcher::Body(current) => {
                // SAFETY: `current` is set only while a driver (or a kill) holds a handle to
                // that node and polls its body, which is where this switch is being polled.
                let me = unsafe { &*current };
                if !me.inbox.get().is_null() {
                    return self.finish(Err(Error::Busy));
                }
                if me.request.get().is_some() {
                    return self.finish(Err(Error::Busy));
                }
                me.request.set(Request {
                    target: self.target.ptr(),
                    value: self.value_ptr(),
                    throw: ptr::addr_of_mut!(self.throw),
                });
                me.accepts.set(Ty::of::<T>());
                me.inbox.set(inbox);
                me.forget_waiter();
                me.waiter.set(&self.me);
                self.me.set(current);
                self.stage = Stage::Waiting;
                return Poll::Pending;
            }
        };
        if root.state.get() == State::Suspended {
            return self.finish(Err(Error::Busy));
        }
        root.accepts.set(Ty::of::<T>());
        root.inbox.set(inbox);
        root.state.set(State::Suspended);
        let outgoing = match self.throw.take() {
            Some(err) => Outgoing::Error(err),
            None => Outgoing::Value(Parcel::of::<T>(ptr::addr_of_mut!(self.value))),
        };
        // Built in place: moving a driver just written by a call would stall on
        // store-to-load forwarding.
        self.stage = Stage::Driving;
        let driver = self.driver.insert(Driver::new(core, root));
        driver.start(self.target, outgoing);
        self.drive(cx)
    }

    fn drive(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Error>> {
        let Some(driver) = &mut self.driver else {
            return Poll::Pending;
        };
        if driver.drive(cx).is_pending() {
            return Poll::Pending;
        }
        driver.detach();
        let thrown = match self.inbox.is_full() {
            true => None,
            false => driver.root().and_then(|root| root.thrown.take()),
        };
        self.stage = Stage::Done;
        self.driver = None;
        self.answer_with(thrown)
    }

    /// The switched-back value, or the error raised here.
    fn answer(&mut self, thrown: &Cell<Option<Error>>) -> Poll<Result<T, Error>> {
        self.stage = Stage::Done;
        let thrown = match self.inbox.is_full() {
            true => None,
            false => thrown.take(),
        };
        self.answer_with(thrown)
    }

    /// The value in the inbox, else the error. Each arm builds the output in place (a
    /// result assembled first and then moved would stall on store-to-load forwarding).
    #[inline]
    fn answer_with(&mut self, thrown: Option<Error>) -> Poll<Result<T, Error>> {
        match self.inbox.take() {
            Some(value) => Poll::Ready(Ok(value)),
            None => Poll::Ready(Err(thrown.unwrap_or(Error::Busy))),
        }
    }

    /// Forgets the body's node, and makes the node forget this switch.
    fn unlink(&self, me: &Node) {
        if ptr::eq(me.waiter.get(), &self.me) {
            me.waiter.set(ptr::null());
        }
        self.me.set(ptr::null());
    }

    fn finish(&mut self, result: Result<T, Error>) -> Poll<Result<T, Error>> {
        self.stage = Stage::Done;
        Poll::Ready(result)
    }
}

impl<T: 'static> Future for Switch<'_, T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the switch is never moved out of: its slots, whose addresses the driver
        // holds while it is registered, are only written and taken in place.
        let this = unsafe { self.get_unchecked_mut() };
        match this.stage {
            Stage::New => this.start(cx),
            Stage::Waiting => {
                let me = this.me.get();
                if me.is_null() {
                    // The node died (or a newer switch of its took over): keep what was
                    // delivered, if anything.
                    let result = this.inbox.take().ok_or(Error::Exit);
                    return this.finish(result);
                }
                // SAFETY: a non-null `me` points to a live node (see the field).
                let me = unsafe { &*me };
                if me.inbox.get() == this.inbox_ptr() {
                    return Poll::Pending;
                }
                this.unlink(me);
                this.answer(&me.thrown)
            }
            Stage::Driving => this.drive(cx),
            Stage::Done => panic!("greenlet Switch polled after it returned"),
        }
    }
}

impl<T: 'static> Drop for Switch<'_, T> {
    fn drop(&mut self) {
        // A finished switch holds neither a node nor a driver: two null checks, no dispatch
        // on the stage.
        let me = self.me.get();
        if !me.is_null() {
            // SAFETY: a non-null `me` points to a live node (see the field).
            let me = unsafe { &*me };
            if me.request.get().value == self.value_ptr() {
                me.request.set(Request::NONE);
            }
            if me.inbox.get() == self.inbox_ptr() {
                me.inbox.set(ptr::null_mut());
            }
            self.unlink(me);
        }
        if self.driver.is_some() {
            let inbox = self.inbox_ptr();
            if let Some(driver) = &mut self.driver {
                driver.detach();
                if let Some(root) = driver.root() {
                    if root.inbox.get() == inbox {
                        root.inbox.set(ptr::null_mut());
                        root.state.set(State::Running);
                    }
                }
            }
        }
    }
}

impl<T: 'static> fmt::Debug for Switch<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::New => "new",
            Stage::Waiting => "waiting",
            Stage::Driving => "driving",
            Stage::Done => "done",
        };
        f.debug_struct("Switch").field("stage", &stage).finish()
    }
}
