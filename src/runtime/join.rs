//! [`JoinHandle`], [`JoinError`], and waiting for many tasks: [`joinall`],
//! [`joinall_indexed`], [`try_joinall`], [`wait`], [`wait_all`].

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::core::{panic_message, Core};
use super::kill::{Kill, Killed};
use super::lifecycle::JoinOutcome;
use super::loop_exit::catch_loop_exit;
use super::observe::{noting, WaitOn};
use super::task::{Task, TaskRef};

/// Why a task produced no value.
///
/// ```
/// # std::panic::set_hook(Box::new(|_| {}));
/// greenery::run(async {
///     let err = greenery::spawn(async { panic!("boom") }).await.unwrap_err();
///     assert_eq!(err.to_string(), "task panicked: boom");
/// });
/// ```
pub enum JoinError {
    /// The task panicked; the payload is what it panicked with.
    Panicked(Box<dyn Any + Send>),
    /// The task was killed (or dropped with its runtime) before it finished; with the
    /// reason given to [`Task::kill_with`], if any.
    Killed(Killed),
}

impl JoinError {
    /// Whether the task was killed.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(async {});
    ///     h.kill();
    ///     assert!(h.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn is_killed(&self) -> bool {
        matches!(self, JoinError::Killed(_))
    }

    /// The reason the task was killed with ([`Task::kill_with`], gevent's
    /// `kill(exception=E)`); `None` for a plain kill or a panic.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(std::future::pending::<()>());
    ///     h.kill_with(std::fmt::Error);
    ///     let err = h.await.unwrap_err();
    ///     assert!(err.kill_reason().unwrap().is::<std::fmt::Error>());
    /// });
    /// ```
    pub fn kill_reason(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        match self {
            JoinError::Killed(killed) => killed.reason(),
            JoinError::Panicked(_) => None,
        }
    }

    /// Whether the task panicked.
    ///
    /// ```
    /// # std::panic::set_hook(Box::new(|_| {}));
    /// greenery::run(async {
    ///     let err = greenery::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert!(err.is_panic() && !err.is_killed());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// The panic payload, to re-raise with `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the task was killed rather than panicking.
    ///
    /// ```
    /// # std::panic::set_hook(Box::new(|_| {}));
    /// greenery::run(async {
    ///     let err = greenery::spawn(async { std::panic::panic_any(7u8) }).await.unwrap_err();
    ///     assert_eq!(*err.into_panic().downcast::<u8>().unwrap(), 7);
    /// });
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        match self {
            JoinError::Panicked(payload) => payload,
            JoinError::Killed(_) => panic!("JoinError::into_panic on a killed task"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(payload) => {
                write!(f, "task panicked: {}", panic_message(payload.as_ref()))
            }
            JoinError::Killed(killed) => fmt::Display::fmt(killed, f),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(payload) => f
                .debug_tuple("Panicked")
                .field(&panic_message(payload.as_ref()))
                .finish(),
            JoinError::Killed(killed) => fmt::Debug::fmt(killed, f),
        }
    }
}

impl Error for JoinError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            JoinError::Killed(killed) => killed.source(),
            JoinError::Panicked(_) => None,
        }
    }
}

/// Owns a spawned task's result: await it for `Result<T, JoinError>`.
///
/// Dropping the handle detaches the task: it keeps running and its result is dropped (gevent
/// and tokio semantics). Awaiting a finished task returns at once, without yielding.
///
/// ```
/// greenery::run(async {
///     let h = greenery::spawn(async { 6 * 7 });
///     assert_eq!(h.await.unwrap(), 42);
/// });
/// ```
pub struct JoinHandle<T> {
    core: Rc<Core>,
    task: TaskRef,
    /// The waker parked in the task's joiner list, removed if the handle is dropped first.
    registered: Option<Waker>,
    done: bool,
    _output: PhantomData<T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(core: Rc<Core>, task: TaskRef) -> JoinHandle<T> {
        JoinHandle {
            core,
            task,
            registered: None,
            done: false,
            _output: PhantomData,
        }
    }

    /// A clonable reference to the task, for [`Task::join`], [`Task::kill`] and friends.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(async {});
    ///     let t = h.task();
    ///     t.join().await;
    ///     assert!(h.is_finished());
    /// });
    /// ```
    pub fn task(&self) -> Task {
        Task::new(self.core.clone(), self.task)
    }

    /// Kills the task (see [`Task::kill`]); awaiting the handle then gives
    /// [`JoinError::Killed`]. Awaiting the returned [`Kill`] waits until the task has
    /// finished.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(std::future::pending::<()>());
    ///     h.kill();
    ///     assert!(h.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn kill(&self) -> Kill {
        self.task().kill()
    }

    /// Kills the task with a reason (see [`Task::kill_with`]).
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(std::future::pending::<()>());
    ///     h.kill_with("timed out");
    ///     assert_eq!(h.await.unwrap_err().to_string(), "task was killed: timed out");
    /// });
    /// ```
    pub fn kill_with(&self, reason: impl Into<Box<dyn Error + Send + Sync>>) -> Kill {
        self.task().kill_with(reason)
    }

    /// A copy of the value the task returned, without taking it (gevent's `value`); `None`
    /// while it runs, when it panicked or was killed, and once the handle was awaited.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(async { String::from("v") });
    ///     assert_eq!(h.value(), None);
    ///     h.task().join().await;
    ///     assert_eq!(h.value().as_deref(), Some("v"));
    ///     assert_eq!(h.await.unwrap(), "v"); // still there to take
    /// });
    /// ```
    pub fn value(&self) -> Option<T>
    where
        T: Clone,
    {
        let output = self.core.output_ptr(self.task).cast::<T>();
        // SAFETY: a `JoinHandle<T>` is only created for a body whose output is `T` (see
        // `take_finished`), so a non-null pointer is to that `T`, in the body boxed in the
        // slot. Only this handle can take or drop it (by `&mut self` or by being dropped), and
        // `&self` is borrowed for the whole clone, so the `T` stays put while `clone` runs,
        // whatever `clone` does (the slab itself is not borrowed meanwhile).
        (!output.is_null()).then(|| unsafe { (*output).clone() })
    }

    /// Calls `callback` with the task's result once it has ended, in a task of its own (a
    /// [`link`](Task::link) that owns the result): to hand it to an
    /// [`AsyncResult`](crate::sync::AsyncResult), for example. Takes the handle.
    ///
    /// ```
    /// use greenery::sync::AsyncResult;
    /// greenery::run(async {
    ///     let result: AsyncResult<u32, String> = AsyncResult::new();
    ///     let r = result.clone();
    ///     greenery::spawn(async { 7 }).link_result(move |outcome| {
    ///         let _ = match outcome {
    ///             Ok(value) => r.set(value),
    ///             Err(err) => r.set_error(err.to_string()),
    ///         };
    ///     });
    ///     assert_eq!(result.get().await, Ok(7));
    /// });
    /// ```
    pub fn link_result(self, callback: impl FnOnce(Result<T, JoinError>) + 'static)
    where
        T: 'static,
    {
        let task = self.task();
        let mut handle = self;
        task.link(move |_| {
            if let Some(result) = handle.take_finished() {
                callback(result);
            }
        });
    }

    /// Whether the task has finished (returned, panicked or been killed).
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::spawn(async {});
    ///     assert!(!h.is_finished());
    ///     greenery::yield_now().await;
    ///     assert!(h.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task().is_finished()
    }

    /// The task's id.
    ///
    /// ```
    /// greenery::run(async {
    ///     assert_eq!(greenery::spawn(async {}).id(), 1);
    /// });
    /// ```
    pub fn id(&self) -> u64 {
        self.task().id()
    }

    /// The task's name, if it has one.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::task::Builder::new().name("io").spawn(async {});
    ///     assert_eq!(h.name().as_deref(), Some("io"));
    /// });
    /// ```
    pub fn name(&self) -> Option<String> {
        self.task().name()
    }

    fn finish_order(&self) -> u64 {
        self.core.finish_order(self.task)
    }
}

// A handle never pins its output: it only moves it out of the task's slot.
impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        match this.take_finished() {
            Some(result) => {
                this.registered = None;
                Poll::Ready(result)
            }
            None => {
                this.core.poll_finished(this.task, cx.waker());
                this.registered = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> JoinHandle<T> {
    /// Takes the result of a finished task; `None` while it runs.
    fn take_finished(&mut self) -> Option<Result<T, JoinError>> {
        assert!(!self.done, "JoinHandle polled after it returned its result");
        let mut output: Option<T> = None;
        // SAFETY: a `JoinHandle<T>` is only created by `spawn` for a body whose output is `T`,
        // and `task` carries the full generation, so the slot is that body's.
        let taken = unsafe {
            self.core
                .take_result(self.task, (&mut output as *mut Option<T>).cast())
        }?;
        self.done = true;
        Some(match taken {
            Ok(()) => Ok(output.expect("a finished task's output is taken once")),
            Err(JoinOutcome::Killed(killed)) => Err(JoinError::Killed(killed)),
            Err(JoinOutcome::Panicked(payload)) => Err(JoinError::Panicked(payload)),
            Err(JoinOutcome::Taken) => {
                unreachable!("only this handle takes the result, and it is done after that")
            }
        })
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(waker) = self.registered.take() {
            self.core.forget_waiter(self.task, &waker);
        }
        self.core.release_handle(self.task);
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JoinHandle").field(&self.task()).finish()
    }
}

/// Waits for every task and returns their results, in gevent's `joinall` order (rule 7):
/// tasks that had already finished first, in the order given, then the rest in the order
/// their ends are notified (each task's notification pass resumes the caller in turn, after
/// the joiners that came before it).
///
/// ```
/// use std::time::Duration;
/// use greenery::time::sleep;
/// greenery::run(async {
///     let slow = greenery::spawn(async { sleep(Duration::from_millis(20)).await; "slow" });
///     let fast = greenery::spawn(async { sleep(Duration::from_millis(10)).await; "fast" });
///     let results: Vec<_> = greenery::joinall(vec![slow, fast])
///         .await
///         .into_iter()
///         .map(Result::unwrap)
///         .collect();
///     assert_eq!(results, ["fast", "slow"]);
/// });
/// ```
pub async fn joinall<T>(
    handles: impl IntoIterator<Item = JoinHandle<T>>,
) -> Vec<Result<T, JoinError>> {
    joinall_indexed(handles)
        .await
        .into_iter()
        .map(|(_, result)| result)
        .collect()
}

/// Like [`joinall`] (same order), but each result comes with the position of its handle in
/// the input, so results can be tied back to what produced them (gevent's `joinall` returns
/// the greenlets themselves). Sort by the index for input order.
///
/// ```
/// use std::time::Duration;
/// use greenery::time::sleep;
/// greenery::run(async {
///     let slow = greenery::spawn(async { sleep(Duration::from_millis(20)).await; "slow" });
///     let fast = greenery::spawn(async { sleep(Duration::from_millis(10)).await; "fast" });
///     let mut results = greenery::joinall_indexed([slow, fast]).await;
///     assert_eq!(results.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1, 0]); // fast first
///     results.sort_by_key(|(i, _)| *i);
///     assert_eq!(results[0].1.as_ref().unwrap(), &"slow");
/// });
/// ```
pub async fn joinall_indexed<T>(
    handles: impl IntoIterator<Item = JoinHandle<T>>,
) -> Vec<(usize, Result<T, JoinError>)> {
    let mut pending: Vec<(usize, JoinHandle<T>)> = handles.into_iter().enumerate().collect();
    let mut results = Vec::with_capacity(pending.len());
    let mut first = true;
    let all = poll_fn(|cx| {
        results.extend(look(&mut pending, std::mem::take(&mut first), cx));
        if pending.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    });
    noting(WaitOn::Primitive("joinall"), all).await;
    results
}

/// One look of `joinall` at the tasks still pending (gevent's `iwait`), with their positions
/// in the input. The first look takes the tasks already finished, in the order given (gevent
/// would yield and take them from their notification passes: artifact A2, not copied). A later
/// look takes the tasks whose end has been notified since (their notification pass began:
/// where gevent resumes the caller), in the order of the notifications; a task that finished
/// but whose pass is still to come waits for it.
fn look<T>(
    pending: &mut Vec<(usize, JoinHandle<T>)>,
    first: bool,
    cx: &mut Context<'_>,
) -> Vec<(usize, Result<T, JoinError>)> {
    let mut round = Vec::new();
    let mut i = 0;
    while i < pending.len() {
        let order = pending[i].1.finish_order();
        if !first && order == 0 {
            i += 1;
            continue;
        }
        match Pin::new(&mut pending[i].1).poll(cx) {
            Poll::Ready(result) => {
                let (index, _) = pending.remove(i);
                round.push((order, index, result));
            }
            Poll::Pending => i += 1,
        }
    }
    if !first {
        round.sort_by_key(|(order, _, _)| *order);
    }
    round
        .into_iter()
        .map(|(_, index, result)| (index, result))
        .collect()
}

/// Waits for every task like [`joinall`], but returns the first failure (in `joinall`'s order)
/// as soon as its end is notified. The other tasks are not killed and keep running (gevent's
/// `joinall(raise_error=True)`). On success, the values are in the order given.
///
/// ```
/// greenery::run(async {
///     let ok = greenery::spawn(async { 1 });
///     let bad = greenery::spawn(async { panic!("boom") });
///     # std::panic::set_hook(Box::new(|_| {}));
///     let err = greenery::try_joinall(vec![ok, bad]).await.unwrap_err();
///     assert!(err.is_panic());
/// });
/// ```
pub async fn try_joinall<T>(
    handles: impl IntoIterator<Item = JoinHandle<T>>,
) -> Result<Vec<T>, JoinError> {
    let mut pending: Vec<(usize, JoinHandle<T>)> = handles.into_iter().enumerate().collect();
    let mut values: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    let mut first = true;
    let all = poll_fn(|cx| {
        for (index, result) in look(&mut pending, std::mem::take(&mut first), cx) {
            values[index] = Some(result?);
        }
        if pending.is_empty() {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    });
    noting(WaitOn::Primitive("joinall"), all).await?;
    Ok(values.into_iter().flatten().collect())
}

/// Waits until `count` of `tasks` have finished (all of them when `None`), or until `timeout`
/// passes, and returns the indices of the finished ones in gevent's order (rule 7): already
/// finished first, in the order given, then in the order their ends are notified (see
/// [`joinall`]); never more than `count`. The results stay with the tasks' handles. gevent's
/// `wait(objects, timeout, count)` and `joinall(timeout=, count=)`.
///
/// ```
/// use std::time::Duration;
/// use greenery::time::sleep;
/// greenery::run(async {
///     let a = greenery::spawn(sleep(Duration::from_millis(30)));
///     let b = greenery::spawn(sleep(Duration::from_millis(10)));
///     let done = greenery::wait(&[a.task(), b.task()], Some(Duration::from_millis(20)), None).await;
///     assert_eq!(done, [1]);
/// });
/// ```
pub async fn wait(tasks: &[Task], timeout: Option<Duration>, count: Option<usize>) -> Vec<usize> {
    let want = count.unwrap_or(tasks.len()).min(tasks.len());
    let mut finished: Vec<usize> = Vec::with_capacity(want);
    let mut joins: Vec<Option<super::task::Join>> = tasks.iter().map(|t| Some(t.join())).collect();
    let mut first = true;
    let all = poll_fn(|cx| {
        // As `look` does for `joinall`.
        let first_look = std::mem::take(&mut first);
        let mut round = Vec::new();
        for (i, join) in joins.iter_mut().enumerate() {
            let Some(fut) = join else { continue };
            let order = tasks[i].core.finish_order(tasks[i].task);
            if !first_look && order == 0 {
                continue;
            }
            if Pin::new(fut).poll(cx).is_ready() {
                *join = None;
                round.push((order, i));
            }
        }
        if !first_look {
            round.sort_unstable();
        }
        let room = want - finished.len();
        finished.extend(round.into_iter().take(room).map(|(_, i)| i));
        if finished.len() >= want {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    });
    let all = noting(WaitOn::Primitive("wait"), all);
    match timeout {
        Some(limit) => {
            let _ = super::timer::timeout(limit, all).await;
        }
        None => all.await,
    }
    finished
}

/// Waits until nothing is left to run: every other task has finished or waits for something
/// nobody can provide, and no timer, IO, blocking job or
/// [`KeepAlive`](crate::runtime::KeepAlive) can wake anything (gevent's `gevent.wait()` with
/// no objects, which returns when its hub's loop would exit). Where [`run`](crate::run) would
/// report [`LoopExit`](crate::LoopExit), this returns instead.
///
/// A timeout around it keeps the loop alive by itself (its timer is armed), so
/// `time::timeout(d, wait_all())` always waits `d`, unlike gevent's `wait(timeout=)`. Under
/// [`LoopExitPolicy::Wait`](crate::runtime::LoopExitPolicy::Wait) it never returns.
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// greenery::run(async {
///     let ran = Rc::new(Cell::new(0));
///     for ms in [5, 1] {
///         let ran = ran.clone();
///         greenery::spawn(async move {
///             greenery::time::sleep(Duration::from_millis(ms)).await;
///             ran.set(ran.get() + 1);
///         });
///     }
///     greenery::spawn(std::future::pending::<()>()); // blocked forever: not waited for
///     greenery::wait_all().await;
///     assert_eq!(ran.get(), 2);
/// });
/// ```
pub async fn wait_all() {
    let nothing_left = catch_loop_exit(std::future::pending::<()>());
    let _ = noting(WaitOn::Primitive("wait_all"), nothing_left).await;
}
