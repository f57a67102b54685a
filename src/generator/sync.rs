//! [`Generator`]: a generator driven by plain method calls, without a runtime.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::iter::FusedIterator;
use std::mem::ManuallyDrop;
use std::task::{Context, Poll};

use super::core::{noop_waker, Core, Input, State};
use super::state::{GeneratorError, GeneratorState};
use super::yielder::Co;

/// Python's generator: a body that yields `Y`, receives `S` at each yield, may have an `E`
/// thrown in at a yield, and returns `R`. Runs on the caller's thread with no runtime.
///
/// Its methods take `&self`, so a generator can be shared (`Rc<Generator<..>>`), even with
/// its own body; resuming it from inside itself is [`GeneratorError::AlreadyExecuting`].
/// Dropping a suspended generator closes it (its body's destructors run).
///
/// ```
/// use greenery::generator::{Generator, GeneratorError, GeneratorState::*};
///
/// let g: Generator<i32, &str, Option<&str>> = Generator::new(|co| async move {
///     let Ok(x) = co.yield_(1).await;
///     assert_eq!(x, Some("a"));
///     "ret-val"
/// });
/// assert_eq!(g.next(), Ok(Yielded(1)));
/// assert_eq!(g.send(Some("a")), Ok(Complete("ret-val")));
/// assert_eq!(g.next(), Err(GeneratorError::Finished));
/// ```
pub struct Generator<Y, R = (), S = (), E = Infallible> {
    core: Core<Y, R, S, E>,
}

/// Shows the state: `Unstarted`, `Suspended`, `Waiting`, `Running` or `Finished`.
///
/// ```
/// let g: greenery::generator::Generator<()> = greenery::generator::Generator::new(|_co| async {});
/// assert_eq!(format!("{g:?}"), "Generator { state: Unstarted, .. }");
/// ```
impl<Y, R, S, E> fmt::Debug for Generator<Y, R, S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("state", &self.core.state())
            .finish_non_exhaustive()
    }
}

impl<Y, R, S, E> Generator<Y, R, S, E> {
    /// Creates a generator from its body: a closure that receives the yielder [`Co`] and
    /// returns the body's future (usually `|co| async move { .. }`). Nothing in the body runs
    /// until the first resume.
    ///
    /// ```
    /// use greenery::generator::Generator;
    ///
    /// let countdown: Generator<u32> = Generator::new(|co| async move {
    ///     for i in (1..=3).rev() {
    ///         co.yield_(i).await;
    ///     }
    /// });
    /// assert_eq!(countdown.collect::<Vec<_>>(), [3, 2, 1]);
    /// ```
    pub fn new<B, F>(body: B) -> Self
    where
        B: FnOnce(Co<Y, S, E>) -> F,
        F: Future<Output = R> + 'static,
    {
        Generator {
            core: Core::new(body),
        }
    }

    /// Sends `value` to the yield the body is suspended at and runs the body to its next
    /// yield (`Yielded`) or to its end (`Complete`, once). An unstarted generator only takes
    /// a zero-sized value such as `()` ([`GeneratorError::JustStarted`] otherwise: use
    /// [`next`](Self::next) to start it).
    ///
    /// ```
    /// use greenery::generator::{Co, Generator, GeneratorState::*};
    ///
    /// let echo = Generator::new(|co: Co<String, String>| async move {
    ///     let mut reply = String::from("ready");
    ///     loop {
    ///         let Ok(heard) = co.yield_(reply).await;
    ///         reply = heard.to_uppercase();
    ///     }
    /// });
    /// assert_eq!(echo.next(), Ok(Yielded("ready".to_string())));
    /// assert_eq!(echo.resume("hi".into()), Ok(Yielded("HI".to_string())));
    /// ```
    #[inline]
    pub fn resume(&self, value: S) -> Result<GeneratorState<Y, R>, GeneratorError<E>> {
        self.drive(Input::Send(value))
    }

    /// Python's name for [`resume`](Self::resume).
    ///
    /// ```
    /// use greenery::generator::{Generator, GeneratorState::*};
    ///
    /// let double: Generator<i32, (), i32> = Generator::new(|co| async move {
    ///     let mut x = 0;
    ///     loop {
    ///         let Ok(next) = co.yield_(2 * x).await;
    ///         x = next;
    ///     }
    /// });
    /// double.next().unwrap();
    /// assert_eq!(double.send(21), Ok(Yielded(42)));
    /// ```
    #[inline]
    pub fn send(&self, value: S) -> Result<GeneratorState<Y, R>, GeneratorError<E>> {
        self.resume(value)
    }

    /// Python's `next(g)`: starts an unstarted generator, or sends `S::default()` (Python's
    /// `None`) to the pending yield.
    ///
    /// ```
    /// use greenery::generator::{Generator, GeneratorState::*};
    ///
    /// let g: Generator<&str, (), Option<i32>> = Generator::new(|co| async move {
    ///     let Ok(got) = co.yield_("first").await;
    ///     assert_eq!(got, None);
    ///     co.yield_("second").await;
    /// });
    /// assert_eq!(g.next(), Ok(Yielded("first")));
    /// assert_eq!(g.next(), Ok(Yielded("second")));
    /// ```
    #[inline]
    #[allow(clippy::should_implement_trait)] // Python's name; `Iterator` is implemented too.
    pub fn next(&self) -> Result<GeneratorState<Y, R>, GeneratorError<E>>
    where
        S: Default,
    {
        self.drive(Input::Next(S::default()))
    }

    /// Python's `throw(error)`: the pending `yield_` evaluates to `Err(error)`; the result is
    /// what the body does next (yields again, or returns, perhaps the error). An unstarted
    /// generator is finished without running its body, and a finished one stays finished:
    /// both give the error straight back as [`GeneratorError::Thrown`].
    ///
    /// ```
    /// use greenery::generator::{Generator, GeneratorError, GeneratorState::*};
    ///
    /// let g: Generator<&str, Result<(), String>, (), String> = Generator::new(|co| async move {
    ///     loop {
    ///         if let Err(e) = co.yield_("ready").await {
    ///             if e == "fatal" {
    ///                 return Err(e);
    ///             }
    ///             co.yield_("caught").await?;
    ///         }
    ///     }
    /// });
    /// assert_eq!(g.throw("early".into()), Err(GeneratorError::Thrown("early".into())));
    ///
    /// let g: Generator<&str, Result<(), String>, (), String> = Generator::new(|co| async move {
    ///     loop {
    ///         if let Err(e) = co.yield_("ready").await {
    ///             if e == "fatal" {
    ///                 return Err(e);
    ///             }
    ///             co.yield_("caught").await?;
    ///         }
    ///     }
    /// });
    /// assert_eq!(g.next(), Ok(Yielded("ready")));
    /// assert_eq!(g.throw("x".into()), Ok(Yielded("caught")));
    /// assert_eq!(g.next(), Ok(Yielded("ready")));
    /// assert_eq!(g.throw("fatal".into()), Ok(Complete(Err("fatal".into()))));
    /// ```
    #[inline]
    pub fn throw(&self, error: E) -> Result<GeneratorState<Y, R>, GeneratorError<E>> {
        self.drive(Input::Throw(error))
    }

    /// Python's `close()`: drops the body where it is suspended, so its destructors (Python's
    /// `finally` blocks) run, innermost `yield_from` first. Closing an unstarted or finished
    /// generator does nothing; closing a running one is
    /// [`GeneratorError::AlreadyExecuting`].
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use greenery::generator::{Generator, GeneratorError};
    ///
    /// struct Finally(Rc<Cell<bool>>);
    /// impl Drop for Finally {
    ///     fn drop(&mut self) { self.0.set(true) }
    /// }
    ///
    /// let ran = Rc::new(Cell::new(false));
    /// let flag = ran.clone();
    /// let g: Generator<i32> = Generator::new(|co| async move {
    ///     let _finally = Finally(flag);
    ///     co.yield_(1).await;
    /// });
    /// g.next().unwrap();
    /// assert_eq!(g.close(), Ok(()));
    /// assert!(ran.get());
    /// assert_eq!(g.next(), Err(GeneratorError::Finished));
    /// ```
    pub fn close(&self) -> Result<(), GeneratorError<E>> {
        self.core.close()
    }

    /// Whether the body returned, was closed, or can no longer run.
    ///
    /// ```
    /// let g: greenery::generator::Generator<()> = greenery::generator::Generator::new(|_co| async {});
    /// assert!(!g.is_finished());
    /// g.next().unwrap();
    /// assert!(g.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.core.state() == State::Finished
    }

    /// Whether the body is executing right now (Python's `gi_running`): true only inside the
    /// body (or a destructor it runs while being closed), where a resume would be
    /// [`GeneratorError::AlreadyExecuting`].
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use greenery::generator::Generator;
    ///
    /// let me: Rc<RefCell<Option<Rc<Generator<bool>>>>> = Rc::default();
    /// let inside = me.clone();
    /// let g = Rc::new(Generator::new(move |co| async move {
    ///     let running = inside.borrow().as_ref().unwrap().is_running();
    ///     co.yield_(running).await;
    /// }));
    /// *me.borrow_mut() = Some(g.clone());
    /// assert!(!g.is_running());
    /// assert_eq!(g.next(), Ok(greenery::generator::GeneratorState::Yielded(true)));
    /// assert!(!g.is_running());
    /// # me.borrow_mut().take();
    /// ```
    pub fn is_running(&self) -> bool {
        self.core.state() == State::Running
    }

    pub(crate) fn core(&self) -> &Core<Y, R, S, E> {
        &self.core
    }

    #[inline]
    fn drive(&self, input: Input<S, E>) -> Result<GeneratorState<Y, R>, GeneratorError<E>> {
        // The no-op waker owns nothing, so skipping its drop (an indirect call) loses nothing.
        let waker = ManuallyDrop::new(noop_waker());
        let mut cx = Context::from_waker(&waker);
        match self.core.step(input, &mut cx, false) {
            Poll::Ready(result) => result,
            // `step` never waits when told not to; answer as it would have.
            Poll::Pending => Err(GeneratorError::Blocked),
        }
    }
}

/// Iterating is Python's `for` loop: each step is [`Generator::next`] (it sends
/// `S::default()`, Python's `None`) and yields the values; iteration ends when the body returns
/// (its value is dropped: use [`Generator::resume`] to get it) or the generator cannot be
/// resumed.
///
/// ```
/// use greenery::generator::Generator;
///
/// let squares: Generator<u64> = Generator::new(|co| async move {
///     for i in 1..=4 {
///         co.yield_(i * i).await;
///     }
/// });
/// assert_eq!(squares.sum::<u64>(), 30);
/// ```
impl<Y, R, S: Default, E> Iterator for Generator<Y, R, S, E> {
    type Item = Y;

    #[inline]
    fn next(&mut self) -> Option<Y> {
        match Generator::next(self) {
            Ok(GeneratorState::Yielded(value)) => Some(value),
            _ => None,
        }
    }
}

impl<Y, R, S: Default, E> FusedIterator for Generator<Y, R, S, E> {}
