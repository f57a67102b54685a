//! Values in transit between greenlets: the [`Port`] a switch accepts, the [`Message`] that
//! carries a value (or an error, or a panic) to it, and the boxed [`Carried`] result of a
//! greenlet that ended.
//!
//! A message stays on its sender's stack: the sender is suspended until the receiver has
//! taken the value. A dead greenlet's result outlives its stack in a box the driver keeps
//! until the receiver has run.

use std::any::{Any, TypeId};
use std::panic;
use std::ptr;

use crate::greenlet::slot::Slot;
use crate::greenlet::{Error, TypeMismatch};

/// The type of value a switch (or a body's start) accepts: compared by `TypeId`, named for
/// errors.
#[derive(Clone, Copy)]
pub(crate) struct Port {
    id: TypeId,
    name: fn() -> &'static str,
}

/// Stands for "any type" in [`Port::any`]; never made.
enum AnyValue {}

impl Port {
    #[inline]
    pub(crate) fn of<T: 'static>() -> Port {
        Port {
            id: TypeId::of::<T>(),
            name: std::any::type_name::<T>,
        }
    }

    /// A receiver that takes a value of any type (and drops it unread).
    pub(crate) fn any() -> Port {
        Port::of::<AnyValue>()
    }

    /// Why a receiver of this port refuses a value of `sent`'s type, if it does.
    #[inline]
    pub(crate) fn refuses(self, sent: Port) -> Option<Error> {
        if self.id == sent.id || self.id == TypeId::of::<AnyValue>() {
            None
        } else {
            Some(Error::WrongType(TypeMismatch::named(
                (self.name)(),
                (sent.name)(),
            )))
        }
    }
}

/// An error or a panic raised at the receiving end of a switch instead of a value.
pub(crate) enum Raise {
    Nothing,
    Error(Error),
    Panic(Box<dyn Any + Send>),
}

/// A value on its way: the sender's `Slot<T>` (of type `port`), or what to raise instead.
pub(crate) struct Message {
    slot: *mut (),
    pub(crate) port: Port,
    pub(crate) raise: Raise,
}

impl Message {
    #[inline]
    pub(crate) fn new<T: 'static>(slot: &mut Slot<T>, raise: Raise) -> Message {
        Message {
            slot: (slot as *mut Slot<T>).cast(),
            port: Port::of::<T>(),
            raise,
        }
    }

    /// The port of the value it carries; `None` when it raises instead (which any switch
    /// accepts).
    pub(crate) fn value_port(&self) -> Option<Port> {
        matches!(self.raise, Raise::Nothing).then_some(self.port)
    }
}

/// Takes what `message` carries for a receiver of `T`: the value, the error, or (a panic)
/// resumes unwinding here.
///
/// # Safety
/// `message` must be live, and unless it raises, its slot a live, full `Slot<T>`: the sender
/// checked its port against the receiver's before sending.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub(crate) unsafe fn receive<T: 'static>(message: *mut Message) -> Result<T, Error> {
    // SAFETY: forwarded from the caller: the message is live and nobody else touches it.
    let message = unsafe { &mut *message };
    if let Raise::Nothing = message.raise {
        // SAFETY: forwarded from the caller: a live `Slot<T>` holding the value.
        let slot = unsafe { &mut *message.slot.cast::<Slot<T>>() };
        return Ok(slot.take().expect("a message's value is taken once"));
    }
    raised(message)
}

#[cold]
fn raised<T>(message: &mut Message) -> Result<T, Error> {
    match std::mem::replace(&mut message.raise, Raise::Nothing) {
        Raise::Error(err) => Err(err),
        Raise::Panic(payload) => panic::resume_unwind(payload),
        Raise::Nothing => unreachable!("checked by the caller"),
    }
}

/// A receiver that takes anything: only a panic goes on (it unwinds the receiver).
///
/// # Safety
/// `message` must be live.
pub(crate) unsafe fn discard(message: *mut Message) {
    // SAFETY: forwarded from the caller.
    let message = unsafe { &mut *message };
    if let Raise::Panic(payload) = std::mem::replace(&mut message.raise, Raise::Nothing) {
        panic::resume_unwind(payload);
    }
}

/// A dead greenlet's result, boxed so it outlives the greenlet's stack.
pub(crate) trait Carried {
    /// The message to hand to the parent, pointing into the box.
    fn message(&mut self) -> *mut Message;
}

struct Carry<T> {
    slot: Slot<T>,
    message: Message,
}

impl<T: 'static> Carried for Carry<T> {
    fn message(&mut self) -> *mut Message {
        self.message.slot = (&mut self.slot as *mut Slot<T>).cast();
        &mut self.message
    }
}

/// Boxes a body's outcome for its trip to the parent.
pub(crate) fn carry<T: 'static>(outcome: Result<T, Error>) -> Box<dyn Carried> {
    let (slot, raise) = match outcome {
        Ok(value) => (Slot::new(value), Raise::Nothing),
        Err(err) => (Slot::empty(), Raise::Error(err)),
    };
    Box::new(Carry {
        slot,
        message: Message {
            slot: ptr::null_mut(),
            port: Port::of::<T>(),
            raise,
        },
    })
}

/// Boxes a body's panic for its trip to the parent.
pub(crate) fn carry_panic(payload: Box<dyn Any + Send>) -> Box<dyn Carried> {
    Box::new(Carry::<()> {
        slot: Slot::empty(),
        message: Message {
            slot: ptr::null_mut(),
            port: Port::of::<()>(),
            raise: Raise::Panic(payload),
        },
    })
}
