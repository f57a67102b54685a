//! The body's side: the yielder [`Co`], its [`Yield`] and [`YieldFrom`] futures, and the
//! [`Slot`] they share with the generator.
//!
//! A generator and its body talk through one `Rc<Cell<Slot>>`: a resume puts the sent value
//! (or thrown error) in the slot and polls the body once; the pending [`Yield`] takes it out
//! and the body runs to its next yield, which leaves the yielded value in the slot and
//! returns `Pending`. No locks, no allocation, no waker traffic on that path.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::core::Input;
use super::state::{GeneratorError, GeneratorState};
use super::sync::Generator;

/// What is in flight between a generator and its body.
pub(crate) enum Slot<Y, S, E> {
    Empty,
    Yielded(Y),
    Resumed(S),
    Thrown(E),
}

/// The shared slot.
pub(crate) type SlotRef<Y, S, E> = Rc<Cell<Slot<Y, S, E>>>;

/// The yielder a generator body receives: yields `Y`, receives `S` back, or an `E` thrown in.
///
/// It only works inside the body of the generator that created it: awaiting its futures
/// anywhere else never completes (and inside another generator's body, that generator
/// reports [`GeneratorError::Blocked`]).
///
/// ```
/// use greenery::generator::{Co, Generator};
///
/// // A body is any async function of the yielder.
/// async fn count(co: Co<u32>) {
///     for i in 0..3 {
///         co.yield_(i).await;
///     }
/// }
/// assert_eq!(Generator::new(count).collect::<Vec<_>>(), [0, 1, 2]);
/// ```
pub struct Co<Y, S = (), E = Infallible> {
    slot: SlotRef<Y, S, E>,
}

impl<Y, S, E> Co<Y, S, E> {
    pub(crate) fn new(slot: SlotRef<Y, S, E>) -> Self {
        Co { slot }
    }

    /// Python's `x = yield value`: hands `value` to the consumer and suspends the body until
    /// it is resumed; then evaluates to the value sent (`Ok`), or to the error passed to
    /// `throw` (`Err`). `E` defaults to [`Infallible`], so `let Ok(x) = co.yield_(v).await;`.
    ///
    /// ```
    /// use greenery::generator::{Generator, GeneratorState::*};
    ///
    /// let running_sum: Generator<i32, (), i32> = Generator::new(|co| async move {
    ///     let mut sum = 0;
    ///     loop {
    ///         let Ok(x) = co.yield_(sum).await;
    ///         sum += x;
    ///     }
    /// });
    /// assert_eq!(running_sum.next(), Ok(Yielded(0)));
    /// assert_eq!(running_sum.send(5), Ok(Yielded(5)));
    /// assert_eq!(running_sum.send(2), Ok(Yielded(7)));
    /// ```
    pub fn yield_(&self, value: Y) -> Yield<'_, Y, S, E> {
        Yield {
            slot: &*self.slot,
            value: Some(value),
        }
    }

    /// Python's `r = yield from sub`: runs `sub` to completion inside this body. Everything
    /// `sub` yields goes to this generator's consumer; everything the consumer sends or throws
    /// goes to `sub`; closing (or dropping) this generator while `sub` runs drops `sub` first,
    /// so its guards run before those this body created earlier (Python runs the inner
    /// `finally` first). Evaluates to `sub`'s return value.
    ///
    /// `sub` is started with `next()` (an already started `sub` receives `S::default()`,
    /// Python's `None`). If `sub` had already finished, this is `Err(Finished)`.
    ///
    /// ```
    /// use greenery::generator::Generator;
    ///
    /// fn digits() -> Generator<u8, &'static str> {
    ///     Generator::new(|co| async move {
    ///         co.yield_(1).await;
    ///         co.yield_(2).await;
    ///         "digits done"
    ///     })
    /// }
    /// let outer: Generator<u8, &str> = Generator::new(|co| async move {
    ///     let inner = co.yield_from(digits()).await.unwrap_or("sub had finished");
    ///     co.yield_(3).await;
    ///     inner
    /// });
    /// assert_eq!(outer.collect::<Vec<_>>(), [1, 2, 3]);
    /// ```
    pub fn yield_from<R>(&self, sub: Generator<Y, R, S, E>) -> YieldFrom<'_, Y, R, S, E>
    where
        S: Default,
    {
        YieldFrom {
            slot: &*self.slot,
            sub,
            started: false,
        }
    }
}

/// The future of [`Co::yield_`].
///
/// ```
/// use greenery::generator::{Generator, GeneratorState::*, Yield};
///
/// let g: Generator<&str, (), u8> = Generator::new(|co| async move {
///     let pending: Yield<'_, &str, u8, _> = co.yield_("ready"); // nothing happens yet
///     let Ok(n) = pending.await;
///     assert_eq!(n, 7);
/// });
/// assert_eq!(g.next(), Ok(Yielded("ready")));
/// assert_eq!(g.send(7), Ok(Complete(())));
/// ```
#[must_use = "a yield does nothing unless awaited"]
pub struct Yield<'a, Y, S, E> {
    slot: &'a Cell<Slot<Y, S, E>>,
    value: Option<Y>,
}

// `Yield` never pins its fields structurally: the value is moved out on the first poll.
impl<Y, S, E> Unpin for Yield<'_, Y, S, E> {}

impl<Y, S, E> Future for Yield<'_, Y, S, E> {
    type Output = Result<S, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<S, E>> {
        let this = self.get_mut();
        if let Some(value) = this.value.take() {
            this.slot.set(Slot::Yielded(value));
            return Poll::Pending;
        }
        match this.slot.replace(Slot::Empty) {
            Slot::Resumed(value) => Poll::Ready(Ok(value)),
            Slot::Thrown(error) => Poll::Ready(Err(error)),
            other => {
                // Not resumed yet (polled outside its generator's resume): keep waiting.
                this.slot.set(other);
                Poll::Pending
            }
        }
    }
}

/// The future of [`Co::yield_from`].
///
/// ```
/// use greenery::generator::{Generator, GeneratorError, GeneratorState::*, YieldFrom};
///
/// let sub: Generator<u8, &str> = Generator::new(|_co| async { "sub done" });
/// assert_eq!(sub.next(), Ok(Complete("sub done")));
/// let outer: Generator<u8, bool> = Generator::new(|co| async move {
///     let delegate: YieldFrom<'_, u8, &str, (), _> = co.yield_from(sub);
///     delegate.await == Err(GeneratorError::Finished) // `sub` had already finished
/// });
/// assert_eq!(outer.next(), Ok(Complete(true)));
/// ```
#[must_use = "a yield from does nothing unless awaited"]
pub struct YieldFrom<'a, Y, R, S, E> {
    slot: &'a Cell<Slot<Y, S, E>>,
    sub: Generator<Y, R, S, E>,
    started: bool,
}

impl<Y, R, S: Default, E> Future for YieldFrom<'_, Y, R, S, E> {
    type Output = Result<R, GeneratorError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let sub = this.sub.core();
        let input = if !this.started {
            this.started = true;
            Input::Next(S::default())
        } else if sub.is_waiting() {
            Input::Continue
        } else {
            match this.slot.replace(Slot::Empty) {
                Slot::Resumed(value) => Input::Send(value),
                Slot::Thrown(error) => Input::Throw(error),
                other => {
                    this.slot.set(other);
                    return Poll::Pending;
                }
            }
        };
        // The sub-generator runs in this body's context: if this body may wait (an
        // `AsyncGenerator`), so may the sub-generator's.
        match sub.step(input, cx, true) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(GeneratorState::Yielded(value))) => {
                this.slot.set(Slot::Yielded(value));
                Poll::Pending
            }
            Poll::Ready(Ok(GeneratorState::Complete(value))) => Poll::Ready(Ok(value)),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
        }
    }
}
