//! What a resume returns: [`GeneratorState`] and [`GeneratorError`].

use std::error::Error;
use std::fmt;

/// The outcome of a successful resume: the body stopped at a yield, or it returned.
///
/// `Complete` is reported once, by the resume during which the body returned (Python's
/// `StopIteration.value`); later resumes get [`GeneratorError::Finished`].
///
/// ```
/// use greenery::generator::{Generator, GeneratorState};
///
/// let g: Generator<i32, &str> = Generator::new(|co| async move {
///     co.yield_(1).await;
///     "done"
/// });
/// assert_eq!(g.next(), Ok(GeneratorState::Yielded(1)));
/// assert_eq!(g.next(), Ok(GeneratorState::Complete("done")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeneratorState<Y, R> {
    /// The body yielded this value and is suspended at that yield.
    Yielded(Y),
    /// The body returned this value; the generator is finished.
    Complete(R),
}

/// Why a generator could not be resumed. `E` is the type [`throw`] delivers.
///
/// Every variant leaves the generator in a well-defined state, named below; none of them
/// is ever a panic.
///
/// [`throw`]: super::Generator::throw
///
/// ```
/// use greenery::generator::{Generator, GeneratorError};
///
/// let g: Generator<(), (), String> = Generator::new(|co| async move {
///     let Ok(_) = co.yield_(()).await;
/// });
/// // Python's TypeError: nothing is waiting at a yield to receive the value yet.
/// assert_eq!(g.send("hi".into()), Err(GeneratorError::JustStarted));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GeneratorError<E> {
    /// A value other than `()` was sent to a generator that has not started: no yield is
    /// waiting to receive it (Python's `TypeError: can't send non-None value to a
    /// just-started generator`). The value is dropped; the generator stays unstarted. Start
    /// it with `next()`.
    JustStarted,
    /// The generator is running: it was resumed, thrown into or closed from inside its own
    /// body, or from a destructor its close runs (Python's `ValueError: generator already
    /// executing`). Nothing changed.
    AlreadyExecuting,
    /// The generator has finished (returned, was closed, or had an error thrown into it
    /// before it started). Python raises `StopIteration` with value `None`.
    Finished,
    /// The error passed to `throw` came straight back, because the generator was not
    /// suspended at a yield: it had not started (it is now finished, its body never ran) or
    /// it had already finished.
    Thrown(E),
    /// The body of a [`Generator`](super::Generator) awaited a future other than its
    /// yielder. A generator driven without a runtime cannot wait, so it was closed; use an
    /// [`AsyncGenerator`](super::AsyncGenerator) for bodies that sleep or do IO.
    Blocked,
}

impl<E: fmt::Display> fmt::Display for GeneratorError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratorError::JustStarted => {
                f.write_str("can't send a non-unit value to a just-started generator")
            }
            GeneratorError::AlreadyExecuting => f.write_str("generator already executing"),
            GeneratorError::Finished => f.write_str("generator already finished"),
            GeneratorError::Thrown(error) => error.fmt(f),
            GeneratorError::Blocked => f.write_str(
                "generator body awaited a future other than its yielder \
                 (use AsyncGenerator for bodies that wait)",
            ),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> Error for GeneratorError<E> {}
