//! [`AsyncGenerator`]: a generator whose body also awaits runtime futures; a `Stream`.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::core::{Core, Input, State};
use super::state::{GeneratorError, GeneratorState};
use super::yielder::Co;

/// Python's async generator: like [`Generator`](super::Generator), but its body may await
/// any future (sleeps, sockets, other tasks) between yields, so resuming it is a future.
/// It is a [`Stream`] of the yielded values.
///
/// Dropping an unfinished [`Resume`] future while the body waits closes the generator (its
/// destructors run), as cancelling `asend()` does in Python; dropping the generator closes
/// it too.
///
/// ```
/// use std::time::Duration;
/// use greenery::generator::{AsyncGenerator, GeneratorState::*};
///
/// greenery::Builder::new().start_paused(true).build().unwrap().block_on(async {
///     let ticks: AsyncGenerator<u32, &str> = AsyncGenerator::new(|co| async move {
///         for i in 0..2 {
///             greenery::time::sleep(Duration::from_secs(1)).await;
///             co.yield_(i).await;
///         }
///         "done"
///     });
///     assert_eq!(ticks.next().await, Ok(Yielded(0)));
///     assert_eq!(ticks.next().await, Ok(Yielded(1)));
///     assert_eq!(ticks.next().await, Ok(Complete("done")));
/// });
/// ```
pub struct AsyncGenerator<Y, R = (), S = (), E = Infallible> {
    core: Core<Y, R, S, E>,
}

/// Shows the state: `Unstarted`, `Suspended`, `Waiting`, `Running` or `Finished`.
///
/// ```
/// let g: greenery::generator::AsyncGenerator<()> = greenery::generator::AsyncGenerator::new(|_co| async {});
/// assert_eq!(format!("{g:?}"), "AsyncGenerator { state: Unstarted, .. }");
/// ```
impl<Y, R, S, E> fmt::Debug for AsyncGenerator<Y, R, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncGenerator")
            .field("state", &self.core.state())
            .finish_non_exhaustive()
    }
}

impl<Y, R, S, E> AsyncGenerator<Y, R, S, E> {
    /// Creates an async generator from its body (see
    /// [`Generator::new`](super::Generator::new)). Nothing runs until the first resume.
    ///
    /// ```
    /// let g: greenery::generator::AsyncGenerator<i32> =
    ///     greenery::generator::AsyncGenerator::new(|co| async move {
    ///         greenery::yield_now().await;
    ///         co.yield_(1).await;
    ///     });
    /// assert!(!g.is_finished());
    /// ```
    pub fn new<B, F>(body: B) -> Self
    where
        B: FnOnce(Co<Y, S, E>) -> F,
        F: Future<Output = R> + 'static,
    {
        AsyncGenerator {
            core: Core::new(body),
        }
    }

    /// Python's `asend(value)`: delivers `value` at the pending yield and runs the body, across
    /// whatever it awaits, to its next yield or its end. The rules of
    /// [`Generator::resume`](super::Generator::resume) apply; a resume while another is in
    /// progress is [`GeneratorError::AlreadyExecuting`].
    ///
    /// ```
    /// use greenery::generator::{AsyncGenerator, GeneratorState::*};
    ///
    /// greenery::run(async {
    ///     let adder: AsyncGenerator<i32, (), i32> = AsyncGenerator::new(|co| async move {
    ///         let mut total = 0;
    ///         loop {
    ///             let Ok(x) = co.yield_(total).await;
    ///             greenery::yield_now().await;
    ///             total += x;
    ///         }
    ///     });
    ///     assert_eq!(adder.next().await, Ok(Yielded(0)));
    ///     assert_eq!(adder.resume(4).await, Ok(Yielded(4)));
    /// });
    /// ```
    pub fn resume(&self, value: S) -> Resume<'_, Y, R, S, E> {
        Resume::new(&self.core, Input::Send(value))
    }

    /// Python's `anext()`: starts the generator, or sends `S::default()` to the pending yield.
    ///
    /// ```
    /// use greenery::generator::{AsyncGenerator, GeneratorState::*};
    ///
    /// greenery::run(async {
    ///     let g: AsyncGenerator<char> = AsyncGenerator::new(|co| async move {
    ///         co.yield_('a').await;
    ///     });
    ///     assert_eq!(g.next().await, Ok(Yielded('a')));
    ///     assert_eq!(g.next().await, Ok(Complete(())));
    /// });
    /// ```
    #[allow(clippy::should_implement_trait)] // Python's name.
    pub fn next(&self) -> Resume<'_, Y, R, S, E>
    where
        S: Default,
    {
        Resume::new(&self.core, Input::Next(S::default()))
    }

    /// Python's `athrow(error)`: the pending `yield_` evaluates to `Err(error)`; see
    /// [`Generator::throw`](super::Generator::throw).
    ///
    /// ```
    /// use greenery::generator::{AsyncGenerator, GeneratorError};
    ///
    /// greenery::run(async {
    ///     let g: AsyncGenerator<(), (), (), &str> = AsyncGenerator::new(|co| async move {
    ///         let _ = co.yield_(()).await;
    ///     });
    ///     assert_eq!(g.throw("boom").await, Err(GeneratorError::Thrown("boom")));
    ///     assert!(g.is_finished());
    /// });
    /// ```
    pub fn throw(&self, error: E) -> Resume<'_, Y, R, S, E> {
        Resume::new(&self.core, Input::Throw(error))
    }

    /// Drops the body where it stands (at a yield, or waiting on a future), so its
    /// destructors run. Unstarted or finished: does nothing. Called from inside its own body:
    /// [`GeneratorError::AlreadyExecuting`].
    ///
    /// ```
    /// use greenery::generator::{AsyncGenerator, GeneratorError};
    ///
    /// greenery::run(async {
    ///     let g: AsyncGenerator<i32> = AsyncGenerator::new(|co| async move {
    ///         co.yield_(1).await;
    ///     });
    ///     g.next().await.unwrap();
    ///     assert_eq!(g.close(), Ok(()));
    ///     assert_eq!(g.next().await, Err(GeneratorError::Finished));
    /// });
    /// ```
    pub fn close(&self) -> Result<(), GeneratorError<E>> {
        self.core.close()
    }

    /// Whether the body returned, was closed, or can no longer run.
    ///
    /// ```
    /// let g: greenery::generator::AsyncGenerator<()> =
    ///     greenery::generator::AsyncGenerator::new(|_co| async {});
    /// g.close().unwrap();
    /// assert!(g.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.core.state() == State::Finished
    }

    /// Whether a resume is in progress (Python's `ag_running`): the body is executing, or
    /// waits on another future in the middle of a resume. Another resume meanwhile is
    /// [`GeneratorError::AlreadyExecuting`].
    ///
    /// ```
    /// use std::{future::Future, pin::pin, task::Poll};
    /// use greenery::generator::AsyncGenerator;
    ///
    /// greenery::run(async {
    ///     let g: AsyncGenerator<u8> = AsyncGenerator::new(|co| async move {
    ///         greenery::yield_now().await;
    ///         co.yield_(1).await;
    ///     });
    ///     assert!(!g.is_running());
    ///     let mut resume = pin!(g.next());
    ///     // One poll: the body waits in yield_now, in the middle of the resume.
    ///     std::future::poll_fn(|cx| {
    ///         assert!(resume.as_mut().poll(cx).is_pending());
    ///         Poll::Ready(())
    ///     })
    ///     .await;
    ///     assert!(g.is_running());
    ///     resume.await.unwrap();
    ///     assert!(!g.is_running());
    /// });
    /// ```
    pub fn is_running(&self) -> bool {
        matches!(self.core.state(), State::Running | State::Waiting)
    }
}

/// Python's `async for`: a stream of the yielded values. Each item is one
/// [`next`](AsyncGenerator::next) (it sends `S::default()`); the stream ends when the body
/// returns (its value is dropped) or the generator cannot be resumed.
///
/// ```
/// use std::{future::poll_fn, pin::pin};
/// use futures_core::Stream;
/// use greenery::generator::AsyncGenerator;
///
/// greenery::run(async {
///     let mut letters = pin!(AsyncGenerator::<char>::new(|co| async move {
///         for c in ['x', 'y'] {
///             greenery::yield_now().await;
///             co.yield_(c).await;
///         }
///     }));
///     let mut seen = Vec::new();
///     while let Some(c) = poll_fn(|cx| letters.as_mut().poll_next(cx)).await {
///         seen.push(c);
///     }
///     assert_eq!(seen, ['x', 'y']);
/// });
/// ```
impl<Y, R, S: Default, E> Stream for AsyncGenerator<Y, R, S, E> {
    type Item = Y;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Y>> {
        let input = if self.core.is_waiting() {
            Input::Continue
        } else {
            Input::Next(S::default())
        };
        match self.core.step(input, cx, true) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(GeneratorState::Yielded(value))) => Poll::Ready(Some(value)),
            Poll::Ready(_) => Poll::Ready(None),
        }
    }
}

/// The future of [`AsyncGenerator::resume`], [`next`](AsyncGenerator::next) and
/// [`throw`](AsyncGenerator::throw).
///
/// ```
/// use std::time::Duration;
/// use greenery::generator::{AsyncGenerator, GeneratorState::*, Resume};
/// greenery::run(async {
///     let g: AsyncGenerator<u8, (), u8> = AsyncGenerator::new(|co| async move {
///         let Ok(x) = co.yield_(0).await;
///         co.yield_(x * 2).await;
///         std::future::pending::<()>().await; // waits forever
///     });
///     assert_eq!(g.next().await, Ok(Yielded(0)));
///     let resume: Resume<'_, u8, (), u8, _> = g.resume(21); // nothing runs until awaited
///     assert_eq!(resume.await, Ok(Yielded(42)));
///     // A resume dropped while the body waits closes the generator.
///     assert!(greenery::time::timeout(Duration::ZERO, g.next()).await.is_err());
///     assert!(g.is_finished());
/// });
/// ```
#[must_use = "a resume does nothing unless awaited"]
pub struct Resume<'a, Y, R, S, E> {
    core: &'a Core<Y, R, S, E>,
    input: Option<Input<S, E>>,
    /// The body is waiting on another future in the middle of this resume.
    in_progress: bool,
}

impl<'a, Y, R, S, E> Resume<'a, Y, R, S, E> {
    fn new(core: &'a Core<Y, R, S, E>, input: Input<S, E>) -> Self {
        Resume {
            core,
            input: Some(input),
            in_progress: false,
        }
    }
}

// `Resume` never pins its fields structurally.
impl<Y, R, S, E> Unpin for Resume<'_, Y, R, S, E> {}

impl<Y, R, S, E> Future for Resume<'_, Y, R, S, E> {
    type Output = Result<GeneratorState<Y, R>, GeneratorError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let input = this.input.take().unwrap_or(Input::Continue);
        let poll = this.core.step(input, cx, true);
        this.in_progress = poll.is_pending();
        poll
    }
}

impl<Y, R, S, E> Drop for Resume<'_, Y, R, S, E> {
    fn drop(&mut self) {
        if self.in_progress && self.core.is_waiting() {
            // Cancelled mid-step: the body cannot be resumed at a yield any more. `close`
            // only fails on a running generator, and a waiting one is not running.
            let _ = self.core.close();
        }
    }
}
