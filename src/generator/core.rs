//! The state machine both generator kinds share: one body, one slot, one `poll` per resume.

use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::state::{GeneratorError, GeneratorState};
use super::yielder::{Co, Slot, SlotRef};

/// Where a generator is in its life (its `Debug` is what the generators' `Debug` shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Created; the body has not been polled.
    Unstarted,
    /// Stopped at a yield.
    Suspended,
    /// Between yields, parked on another future (async generators only).
    Waiting,
    /// Inside a poll of the body, or inside the drop of the body.
    Running,
    /// Returned, closed, or panicked. The body is gone (or poisoned by a panic).
    Finished,
}

/// What a resume asks of the body.
pub(crate) enum Input<S, E> {
    /// Python's `next()`: starts an unstarted body (dropping the value), or delivers it.
    Next(S),
    /// Python's `send(value)`: only a zero-sized value may start the body.
    Send(S),
    /// Python's `throw(error)`.
    Throw(E),
    /// Re-polls a body that is waiting on another future.
    Continue,
}

type Body<R> = Pin<Box<dyn Future<Output = R>>>;

pub(crate) struct Core<Y, R, S, E> {
    state: Cell<State>,
    slot: SlotRef<Y, S, E>,
    /// `Some` unless `Finished`. Only touched while `state` is `Running`, which the code that
    /// touches it sets first; every entry point refuses to touch it when `Running`.
    body: UnsafeCell<Option<Body<R>>>,
}

/// Marks the generator finished if the body (or a destructor it runs) panics.
struct FinishOnUnwind<'a>(&'a Cell<State>);

impl Drop for FinishOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.set(State::Finished);
    }
}

impl<Y, R, S, E> Core<Y, R, S, E> {
    pub(crate) fn new<B, F>(body: B) -> Self
    where
        B: FnOnce(Co<Y, S, E>) -> F,
        F: Future<Output = R> + 'static,
    {
        let slot = Rc::new(Cell::new(Slot::Empty));
        let body = body(Co::new(slot.clone()));
        Core {
            state: Cell::new(State::Unstarted),
            slot,
            body: UnsafeCell::new(Some(Box::pin(body))),
        }
    }

    pub(crate) fn state(&self) -> State {
        self.state.get()
    }

    pub(crate) fn is_waiting(&self) -> bool {
        self.state.get() == State::Waiting
    }

    /// Delivers `input` and polls the body once. `may_wait`: whether the body may await
    /// other futures (then a poll that ends without a yield is `Pending`, state `Waiting`);
    /// otherwise such a poll closes the generator with [`GeneratorError::Blocked`].
    #[inline(always)]
    pub(crate) fn step(
        &self,
        input: Input<S, E>,
        cx: &mut Context<'_>,
        may_wait: bool,
    ) -> Poll<Result<GeneratorState<Y, R>, GeneratorError<E>>> {
        match (self.state.get(), input) {
            (State::Suspended, Input::Send(value) | Input::Next(value)) => {
                self.slot.set(Slot::Resumed(value))
            }
            (State::Suspended, Input::Throw(error)) => self.slot.set(Slot::Thrown(error)),
            (State::Unstarted, Input::Next(_)) | (State::Waiting, Input::Continue) => {}
            (State::Unstarted, Input::Send(_)) => {
                if mem::size_of::<S>() != 0 {
                    return Poll::Ready(Err(GeneratorError::JustStarted));
                }
            }
            (State::Unstarted, Input::Throw(error)) => {
                self.drop_body();
                return Poll::Ready(Err(GeneratorError::Thrown(error)));
            }
            (State::Finished, Input::Throw(error)) => {
                return Poll::Ready(Err(GeneratorError::Thrown(error)))
            }
            (State::Finished, _) => return Poll::Ready(Err(GeneratorError::Finished)),
            (State::Running | State::Waiting, _)
            | (State::Unstarted | State::Suspended, Input::Continue) => {
                return Poll::Ready(Err(GeneratorError::AlreadyExecuting))
            }
        }
        self.state.set(State::Running);
        let unwind = FinishOnUnwind(&self.state);
        // SAFETY: `state` was not `Running` on entry (checked above) and is `Running` now,
        // so no other borrow of `body` exists: every path that borrows it sets `Running`
        // first and refuses to run when it finds `Running`. Re-entrant calls from inside the
        // poll (or from destructors run below) see `Running` and return without touching it.
        let body = unsafe { &mut *self.body.get() };
        let Some(future) = body.as_mut() else {
            // Unreachable by the state invariant (only `Finished` has no body).
            return Poll::Ready(Err(GeneratorError::Finished));
        };
        let result = match future.as_mut().poll(cx) {
            Poll::Ready(value) => {
                *body = None;
                Poll::Ready(Ok(GeneratorState::Complete(value)))
            }
            Poll::Pending => match self.slot.replace(Slot::Empty) {
                Slot::Yielded(value) => {
                    mem::forget(unwind);
                    self.state.set(State::Suspended);
                    return Poll::Ready(Ok(GeneratorState::Yielded(value)));
                }
                _ if may_wait => {
                    mem::forget(unwind);
                    self.state.set(State::Waiting);
                    return Poll::Pending;
                }
                _ => {
                    *body = None;
                    Poll::Ready(Err(GeneratorError::Blocked))
                }
            },
        };
        drop(unwind); // Finished.
        result
    }

    /// Python's `close()`: drops the body where it stands, so its destructors run.
    pub(crate) fn close(&self) -> Result<(), GeneratorError<E>> {
        match self.state.get() {
            State::Running => Err(GeneratorError::AlreadyExecuting),
            State::Finished => Ok(()),
            State::Unstarted | State::Suspended | State::Waiting => {
                self.drop_body();
                Ok(())
            }
        }
    }

    /// Drops the body of a generator that is not running, and marks it finished.
    fn drop_body(&self) {
        self.state.set(State::Running);
        let _finish = FinishOnUnwind(&self.state);
        // SAFETY: callers checked that `state` was not `Running`; it is `Running` now, so this
        // is the only borrow of `body` (see `step`). The destructors it runs may call back into
        // this generator and find it `Running`.
        let body = unsafe { &mut *self.body.get() };
        *body = None;
    }
}

static NOOP_VTABLE: RawWakerVTable = RawWakerVTable::new(noop_clone, noop, noop, noop);

unsafe fn noop_clone(_: *const ()) -> RawWaker {
    RawWaker::new(ptr::null(), &NOOP_VTABLE)
}

unsafe fn noop(_: *const ()) {}

/// A waker that does nothing, for polling a sync generator's body without a runtime.
pub(crate) fn noop_waker() -> Waker {
    // SAFETY: no vtable function reads the data pointer (it is null); `clone` returns the
    // same vtable and `drop` owns nothing, so every operation is sound on any thread.
    unsafe { Waker::from_raw(RawWaker::new(ptr::null(), &NOOP_VTABLE)) }
}
