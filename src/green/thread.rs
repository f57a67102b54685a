//! Green threads as tasks: [`GreenThread`], the future whose poll drives a stack, and
//! [`spawn`], [`run`] and the [`Builder`].

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::ManuallyDrop;
use std::panic;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::node::{Finish, Killed, Kind, Node, Resume, State};
use super::stack::DEFAULT_STACK_SIZE;
use super::switch::{self, Stop};
use crate::runtime::{context, task, JoinHandle, LoopExit};

/// A green thread that has not been spawned: a future that runs a closure on a stack of its
/// own. Spawning one makes it a task; [`Runtime::block_on`](crate::Runtime::block_on) of one
/// runs a whole program as a green thread on a runtime built with options.
///
/// Each poll resumes the green thread where it blocked; it returns `Pending` when the green
/// thread blocks again (in [`block_on`](super::block_on) and what is built on it), and the
/// closure's value when it returns. A panic in the closure is resumed by the poll (a task
/// turns it into [`JoinError::Panicked`](crate::JoinError::Panicked)). Dropping it kills the
/// green thread: it unwinds where it is suspended, and its destructors run.
///
/// ```
/// let rt = greenery::Builder::new().start_paused(true).build().unwrap();
/// let out = rt.block_on(greenery::green::thread(|| {
///     greenery::green::sleep(std::time::Duration::from_secs(60)); // virtual time: instant
///     "woke"
/// }));
/// assert_eq!(out, "woke");
/// ```
pub struct GreenThread<T> {
    /// Taken by `drop` to recycle it.
    root: ManuallyDrop<Rc<Node>>,
    /// The greenlet that blocked while this green thread's poll drove it.
    blocked: Option<Rc<Node>>,
    /// Filled by the root's entry when it ends (see `RootLink::output`).
    output: Option<std::thread::Result<T>>,
    /// The root writes into `output` through a pointer: it must not move once polled.
    _pinned: PhantomPinned,
}

impl<T: 'static> GreenThread<T> {
    fn new<F>(f: F, stack_size: usize) -> io::Result<GreenThread<T>>
    where
        F: FnOnce() -> T + 'static,
    {
        let root = Node::root();
        root.set_entry(stack_size, move |_first: Resume| {
            let outcome = switch::catch(f);
            if !matches!(&outcome, Err(payload) if payload.is::<Killed>()) {
                let me = switch::current_ptr();
                // SAFETY: this entry runs as `me`, a root whose `output` its `GreenThread` set
                // to its own `output` field (of this `T`) at its first poll, which came before
                // this entry could start; the future is pinned since, and alive (dropping it
                // kills this fiber, which then never gets here).
                unsafe {
                    if let Kind::Root(link) = &(*me).kind {
                        *link.output.get().cast::<Option<std::thread::Result<T>>>() = Some(outcome);
                    }
                }
            }
            Finish::Done
        })?;
        Ok(GreenThread {
            root: ManuallyDrop::new(root),
            blocked: None,
            output: None,
            _pinned: PhantomPinned,
        })
    }

    fn finished(&mut self) -> Poll<T> {
        match self.output.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(payload)) => panic::resume_unwind(payload),
            None => unreachable!(
                "a green thread's root ends with an output unless it is killed, and a killed \
                 green thread is never polled again"
            ),
        }
    }
}

impl<T: 'static> Future for GreenThread<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: nothing is moved out of the pinned future; `output` is only written in place
        // (by the root through the pointer set here) and taken by value.
        let this = unsafe { self.get_unchecked_mut() };
        let start = match this.blocked.take() {
            Some(node) if node.state.get() == State::Blocked => node,
            _ => match this.root.state.get() {
                State::Unstarted => {
                    if let Kind::Root(link) = &this.root.kind {
                        *link.waker.borrow_mut() = Some(cx.waker().clone());
                        link.output.set((&mut this.output as *mut Option<_>).cast());
                    }
                    Rc::clone(&this.root)
                }
                State::Dead => return this.finished(),
                // Waiting in a switch: only a switch (not a wake-up) resumes it.
                _ => return Poll::Pending,
            },
        };
        match switch::with_cx(cx, || {
            switch::drive(start, Resume::Go(std::ptr::null_mut()))
        }) {
            Stop::Blocked(node) => {
                this.blocked = Some(node);
                Poll::Pending
            }
            Stop::Finished(node) if Rc::ptr_eq(&node, &*this.root) => this.finished(),
            Stop::Finished(node) => {
                // Another green thread's root ended under this poll: its own task completes.
                node.wake_task();
                Poll::Pending
            }
            Stop::Native(..) => {
                unreachable!("the native root waits in no switch while a green thread runs")
            }
        }
    }
}

impl<T> Drop for GreenThread<T> {
    fn drop(&mut self) {
        if let Some(node) = self.blocked.take() {
            if !Rc::ptr_eq(&node, &self.root) {
                node.kill();
            }
        }
        self.root.kill();
        // SAFETY: `root` is not used after this, the struct being dropped.
        let root = unsafe { ManuallyDrop::take(&mut self.root) };
        Node::recycle_root(root);
    }
}

impl<T> fmt::Debug for GreenThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GreenThread")
            .field("state", &self.root.state.get())
            .finish_non_exhaustive()
    }
}

/// A green thread running `f`, as a future (see [`GreenThread`]), with the default stack
/// size; [`Builder::thread`] sets another.
///
/// # Panics
/// When the OS refuses a stack (see [`Builder::thread`] for the error instead).
///
/// ```
/// let rt = greenery::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(greenery::green::thread(|| 1 + 1)), 2);
/// ```
#[track_caller]
pub fn thread<F, T>(f: F) -> GreenThread<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    match Builder::new().thread(f) {
        Ok(thread) => thread,
        Err(err) => panic!("greenery: {err}"),
    }
}

/// Schedules `f` as a new green thread: a task with a stack of its own, in which blocking-style
/// calls ([`sleep`](super::sleep), [`block_on`](super::block_on), [`JoinHandle::join`], and
/// every greenlet switch) suspend only this green thread. It starts when the spawner yields,
/// after the tasks already queued, exactly like an async task (SEMANTICS rule 1), and returns
/// the same [`JoinHandle`].
///
/// # Panics
/// Outside a runtime, or when the OS refuses a stack (see [`Builder::spawn`]).
///
/// ```
/// use std::time::Duration;
/// greenery::run(async {
///     let h = greenery::green::spawn(|| {
///         greenery::green::sleep(Duration::from_millis(1)); // no .await: a plain call
///         "slept"
///     });
///     assert_eq!(h.await.unwrap(), "slept");
/// });
/// ```
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    match Builder::new().spawn(f) {
        Ok(handle) => handle,
        Err(err) => panic!("greenery: {err}"),
    }
}

/// Runs `f` as a green thread on a new runtime and returns its value: a program with no
/// `async` at all. Green threads it spawns that are still alive at the end are killed (their
/// destructors run), as tasks are at the end of [`crate::run`].
///
/// # Panics
/// When `f` panics; when nothing could ever wake the program (the [`LoopExit`] report; see
/// [`try_run`]); inside a running runtime.
///
/// ```
/// use greenery::green;
/// let total = green::run(|| {
///     let parts: Vec<_> = (1..=3).map(|i| green::spawn(move || i * 10)).collect();
///     parts.into_iter().map(|h| h.join().unwrap()).sum::<i32>()
/// });
/// assert_eq!(total, 60);
/// ```
#[track_caller]
pub fn run<F, T>(f: F) -> T
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    crate::run(thread(f))
}

/// Like [`run`], but a program that would block forever returns `Err(LoopExit)`.
///
/// ```
/// let err = greenery::green::try_run(|| {
///     greenery::green::block_on(std::future::pending::<()>())
/// });
/// assert!(err.is_err());
/// ```
#[track_caller]
pub fn try_run<F, T>(f: F) -> Result<T, LoopExit>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    crate::try_run(thread(f))
}

/// Spawns green threads with options: a name, a stack size, created unstarted.
///
/// ```
/// greenery::green::run(|| {
///     let h = greenery::green::Builder::new()
///         .name("worker")
///         .stack_size(64 * 1024)
///         .spawn(|| greenery::Task::current().name())
///         .unwrap();
///     assert_eq!(h.join().unwrap().as_deref(), Some("worker"));
/// });
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    name: Option<Rc<str>>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no options set.
    ///
    /// ```
    /// let b = greenery::green::Builder::new();
    /// # drop(b);
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the green thread (in LoopExit reports, panic reports, `Task::name`, and the
    /// stack-overflow message).
    ///
    /// ```
    /// greenery::green::run(|| {
    ///     let h = greenery::green::Builder::new().name("io").spawn(|| ()).unwrap();
    ///     assert_eq!(h.name().as_deref(), Some("io"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(Rc::from(name.into()));
        self
    }

    /// The usable size of the green thread's stack, in bytes (rounded up to whole pages; a
    /// guard page comes on top). Pages are committed only when touched. Without it, the
    /// runtime's [`green_stack_size`](crate::Builder::green_stack_size) applies, by default
    /// [`DEFAULT_STACK_SIZE`](super::DEFAULT_STACK_SIZE).
    ///
    /// ```
    /// greenery::green::run(|| {
    ///     let deep = greenery::green::Builder::new().stack_size(4 << 20).spawn(|| {
    ///         let big = [1u8; 1 << 20]; // needs more than the default stack
    ///         big.iter().map(|&b| b as u32).sum::<u32>()
    ///     });
    ///     assert_eq!(deep.unwrap().join().unwrap(), 1 << 20);
    /// });
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Spawns the green thread (see [`spawn`]); fails when the OS refuses its stack.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// greenery::run(async {
    ///     let h = greenery::green::Builder::new().spawn(|| 3).unwrap();
    ///     assert_eq!(h.await.unwrap(), 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        self.spawn_inner(f, true)
    }

    /// Creates the green thread without scheduling it (gevent's `Greenlet(f)` before
    /// `start()`); [`Task::start`](crate::Task::start) starts it.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// greenery::green::run(|| {
    ///     let h = greenery::green::Builder::new().spawn_unstarted(|| "ran").unwrap();
    ///     greenery::green::yield_now();
    ///     assert_eq!(h.task().state(), greenery::task::TaskState::Unstarted);
    ///     h.task().start();
    ///     assert_eq!(h.join().unwrap(), "ran");
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_unstarted<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        self.spawn_inner(f, false)
    }

    /// The green thread as a future, not spawned (see [`thread`]).
    ///
    /// ```
    /// let rt = greenery::Runtime::new().unwrap();
    /// let big = greenery::green::Builder::new().stack_size(1 << 20).thread(|| 5).unwrap();
    /// assert_eq!(rt.block_on(big), 5);
    /// ```
    pub fn thread<F, T>(self, f: F) -> io::Result<GreenThread<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let size = self.stack_size.unwrap_or_else(runtime_stack_size);
        let thread = GreenThread::new(f, size)?;
        thread.root.label(0, self.name);
        Ok(thread)
    }

    #[track_caller]
    fn spawn_inner<F, T>(self, f: F, start: bool) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let core = context::expect_core("greenery::green::spawn");
        let size = self.stack_size.unwrap_or(core.green_stack_size());
        let thread = GreenThread::new(f, size)?;
        let root = Rc::clone(&thread.root);
        let task = core.spawn_raw(task::boxed(thread), self.name.clone(), start);
        root.label(task.id, self.name);
        Ok(JoinHandle::new(core, task))
    }
}

/// The green stack size of the runtime driving this thread, or the default outside one.
fn runtime_stack_size() -> usize {
    context::with_core(|core| core.green_stack_size()).unwrap_or(DEFAULT_STACK_SIZE)
}
