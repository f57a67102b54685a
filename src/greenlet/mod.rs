//! Greenlets: coroutines that run only when switched to (Python's `greenlet`).
//!
//! A [`Greenlet`] wraps a body — an async closure that takes the first value switched into
//! it. [`switch`](Greenlet::switch) transfers control to a greenlet *immediately* (no other
//! task runs in between), delivering a value, and suspends the caller until something
//! switches back to it; the switch then returns the value passed back. Every switch carries
//! exactly one value of the handle's type `T` (greenlet's `switch(x, y)` packing becomes a
//! tuple; SEMANTICS rule 29).
//!
//! # A first switch
//!
//! The code of `run` (or of a spawned task) is a *root* greenlet: [`getcurrent`] there
//! returns it. A new greenlet's parent is the greenlet that created it; when its body
//! returns, the value goes to the parent's pending switch (rule 30).
//!
//! ```
//! use greenery::greenlet::{getcurrent, Greenlet};
//!
//! greenery::run(async {
//!     let main = getcurrent::<i32>();
//!     let child = Greenlet::new(move |first: i32| async move {
//!         let second = main.switch(first * 10).await?; // back to main with 10
//!         Ok(first + second)                          // returns 1 + 2 to the parent (main)
//!     });
//!     assert_eq!(child.switch(1).await.unwrap(), 10);
//!     assert_eq!(child.switch(2).await.unwrap(), 3);
//!     assert!(child.is_dead());
//! });
//! ```
//!
//! # Greenlets that refer to each other
//!
//! Handles are cheap to clone. When two bodies must know each other, declare the greenlets
//! first and give them bodies afterwards (greenlet's `g.run = f`):
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use greenery::greenlet::Greenlet;
//!
//! greenery::run(async {
//!     let log = Rc::new(RefCell::new(Vec::new()));
//!     let (ping, pong) = (Greenlet::<u32>::declare(), Greenlet::<u32>::declare());
//!     ping.set_body({
//!         let (pong, log) = (pong.clone(), log.clone());
//!         move |n| async move {
//!             log.borrow_mut().push(format!("ping {n}"));
//!             let n = pong.switch(n + 1).await?;
//!             log.borrow_mut().push(format!("ping {n}"));
//!             Ok(n)
//!         }
//!     }).unwrap();
//!     pong.set_body({
//!         let (ping, log) = (ping.clone(), log.clone());
//!         move |n| async move {
//!             log.borrow_mut().push(format!("pong {n}"));
//!             ping.switch(n + 1).await
//!         }
//!     }).unwrap();
//!     assert_eq!(ping.switch(0).await.unwrap(), 2); // ping returns 2 to main
//!     assert_eq!(*log.borrow(), ["ping 0", "pong 1", "ping 2"]);
//!     assert!(ping.is_dead() && !pong.is_dead()); // pong still waits in its switch
//! });
//! ```
//!
//! # Errors: throw, GreenletExit, dropping the last handle
//!
//! A body returns `Result<T, Error>`; an `Err` is raised in the parent at its pending switch
//! (`?` lets it pass through, like a Python exception passing through frames).
//! [`throw`](Greenlet::throw) raises an error at the target's pending switch; thrown into a
//! greenlet that has not started, it kills it without running and is raised in its parent
//! (rule 32). [`Error::Exit`] is `GreenletExit`. Dropping the last handle to a greenlet
//! waiting in a switch raises `Error::Exit` there, lets the body run until it returns or
//! suspends again, and drops it, so its destructors run (rule 33); meanwhile its parent is
//! the greenlet that dropped it, as greenlet re-parents a dying greenlet (what it returns is
//! discarded). A greenlet killed that way
//! that drops the last handle of another suspended greenlet kills it too, right after its own
//! poll (a chain of any depth is killed in a loop, never by recursion).
//!
//! Handles are reference counts, so a suspended greenlet in a reference cycle is never
//! killed, and its body and destructors are never dropped, not even when the runtime ends
//! (the same as Python, artifact A3). A greenlet's parent handle is part of such a cycle when
//! its parent's body holds its handle: a body that creates a child (whose parent is then
//! that body's greenlet), switches into it and keeps its handle while the child waits in a
//! switch to someone else leaks both once every other handle is gone. Break the cycle before
//! dropping: re-parent the child (`child.set_parent(&main)`), let it finish, or kill it with
//! [`throw`](Greenlet::throw)`(Error::Exit)`.
//!
//! ```
//! use greenery::greenlet::{getcurrent, Error, Greenlet};
//!
//! greenery::run(async {
//!     let main = getcurrent::<&str>();
//!     let g = Greenlet::new(move |_| async move {
//!         match main.switch("suspended").await {
//!             Err(err) if err.downcast_ref::<std::fmt::Error>().is_some() => Ok("recovered"),
//!             other => other,
//!         }
//!     });
//!     assert_eq!(g.switch("go").await.unwrap(), "suspended");
//!     assert_eq!(g.throw(Error::raised(std::fmt::Error)).await.unwrap(), "recovered");
//! });
//! ```
//!
//! # Greenlets and tasks
//!
//! Greenlets live on the executor next to ordinary tasks. A chain of switches runs inside the
//! poll of the task whose root started it: a root's `switch` drives the chain, polling the
//! current greenlet's body, and a switch made in a body is carried out by that loop (a
//! trampoline), so switching never goes through the run queue and never grows the stack.
//! A greenlet that awaits a timer or a socket blocks its whole chain exactly like a task
//! blocks: other tasks run meanwhile, and its wake-up resumes that greenlet.
//!
//! Any task can switch into a greenlet: the greenlet's body then runs inside that task. Its
//! return value still goes to its parent, which must be waiting in a switch: a greenlet
//! created in `run` and finished inside a spawned task finds `run`'s root busy, so the
//! spawned task's switch returns [`Error::Busy`]. Re-parent such a greenlet first
//! (`g.set_parent(&getcurrent())`), or create it in the task. Switching to the root of
//! another task that waits in a switch resumes that task when the executor next reaches it
//! (FIFO), not immediately; if its chain was blocked meanwhile, the blocked greenlet goes
//! on in a task of its own (named `greenlet`). The same happens when a root's switch is
//! dropped before it returned (a lost `select`, a `timeout`).
//!
//! ```
//! use std::time::Duration;
//! use greenery::greenlet::{getcurrent, Greenlet};
//!
//! greenery::run(async {
//!     let ticker = greenery::spawn(async { greenery::yield_now().await; "ticker ran" });
//!     let g = Greenlet::new(|ms: u64| async move {
//!         greenery::time::sleep(Duration::from_millis(ms)).await; // blocks like a task
//!         Ok(ms * 2)
//!     });
//!     assert_eq!(g.switch(5).await.unwrap(), 10);
//!     assert_eq!(ticker.await.unwrap(), "ticker ran"); // it ran during the sleep
//! });
//! ```
//!
//! # Misuse
//!
//! Switching outside a runtime ([`Error::NoRuntime`]), into a greenlet of another runtime
//! ([`Error::ForeignRuntime`]), into a running greenlet ([`Error::Busy`]), with a value of
//! the wrong type ([`Error::WrongType`]), and making a parent cycle
//! ([`Error::CyclicParent`]) are errors returned to the caller, never panics or hangs. Handles
//! are `!Send`, so a greenlet cannot reach another thread:
//!
//! ```compile_fail
//! greenery::run(async {
//!     let g = greenery::greenlet::Greenlet::new(|x: u8| async move { Ok(x) });
//!     std::thread::spawn(move || drop(g));
//! });
//! ```

mod body;
mod driver;
mod error;
mod node;
pub(crate) mod slot;
mod switch;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ptr;

use self::body::BodyFn;
use self::node::{Handle, Kind, Node, Request, State, Switcher};
use self::slot::{Slot, Ty};

pub use self::error::{Error, Raised, TypeMismatch};
pub use self::switch::Switch;

/// A handle to a greenlet: a body that runs only when switched to. Every switch through a
/// `Greenlet<T>` sends a `T` and returns the `T` switched back.
///
/// Handles are cheap to clone and compare equal when they name the same greenlet. When the
/// last one to a greenlet waiting in a switch is dropped, the greenlet is killed (see the
/// [module docs](self)).
///
/// ```
/// use greenery::greenlet::{getcurrent, Greenlet};
///
/// greenery::run(async {
///     let g = Greenlet::new(|x: u8| async move { Ok(x + 1) });
///     assert!(!g.is_started());
///     assert_eq!(g.switch(1).await.unwrap(), 2);
///     assert!(g.is_dead());
///     assert!(g.parent().unwrap() == getcurrent::<u8>());
/// });
/// ```
pub struct Greenlet<T: 'static> {
    node: Handle,
    _value: PhantomData<fn(T) -> T>,
}

impl<T: 'static> Greenlet<T> {
    /// A new greenlet that runs `body` when first switched to, with the value of that switch.
    /// Its parent is the current greenlet ([`getcurrent`]). What the body returns goes to
    /// its parent; an `Err` is raised there.
    ///
    /// # Panics
    /// Outside a greenery runtime.
    ///
    /// ```
    /// use greenery::greenlet::Greenlet;
    ///
    /// greenery::run(async {
    ///     let double = Greenlet::new(|x: i64| async move { Ok(x * 2) });
    ///     assert_eq!(double.switch(21).await.unwrap(), 42);
    /// });
    /// ```
    #[track_caller]
    pub fn new<F, Fut>(body: F) -> Greenlet<T>
    where
        F: FnOnce(T) -> Fut + 'static,
        Fut: Future<Output = Result<T, Error>> + 'static,
    {
        let greenlet = Greenlet::declare();
        // A new node has not started, so installing its body cannot fail.
        let _ = greenlet.set_body(body);
        greenlet
    }

    /// A new greenlet without a body yet: give it one with [`set_body`](Self::set_body)
    /// before switching to it. Lets bodies refer to greenlets created after them.
    ///
    /// # Panics
    /// Outside a greenery runtime.
    ///
    /// ```
    /// use greenery::greenlet::{Error, Greenlet};
    ///
    /// greenery::run(async {
    ///     let g = Greenlet::<u8>::declare();
    ///     assert!(matches!(g.switch(1).await, Err(Error::NoBody)));
    ///     g.set_body(|x| async move { Ok(x) }).unwrap();
    ///     assert_eq!(g.switch(1).await.unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn declare() -> Greenlet<T> {
        let parent = current_handle().unwrap_or_else(|| {
            panic!("greenery::greenlet::Greenlet must be created inside a greenery runtime")
        });
        let node = Handle::new(Node {
            runtime: parent.runtime.clone(),
            kind: Kind::Body(RefCell::new(None)),
            state: Cell::new(State::Unstarted),
            started: Cell::new(false),
            parent: RefCell::new(Some(parent)),
            inbox: Cell::new(ptr::null_mut()),
            accepts: Cell::new(Ty::of::<T>()),
            thrown: Cell::new(None),
            request: Cell::new(Request::NONE),
            waiter: Cell::new(ptr::null()),
        });
        Greenlet::from_handle(node)
    }

    /// Sets (or replaces) the body of a greenlet that has not started (greenlet's
    /// `g.run = f`); [`Error::Started`] once it has, or for a root.
    ///
    /// ```
    /// use greenery::greenlet::{Error, Greenlet};
    ///
    /// greenery::run(async {
    ///     let g = Greenlet::new(|x: u8| async move { Ok(x) });
    ///     g.set_body(|x| async move { Ok(x + 1) }).unwrap();
    ///     assert_eq!(g.switch(1).await.unwrap(), 2);
    ///     assert!(matches!(g.set_body(|x| async move { Ok(x) }), Err(Error::Started)));
    /// });
    /// ```
    pub fn set_body<F, Fut>(&self, body: F) -> Result<(), Error>
    where
        F: FnOnce(T) -> Fut + 'static,
        Fut: Future<Output = Result<T, Error>> + 'static,
    {
        self.node
            .set_body(Box::pin(BodyFn::new(body)), Ty::of::<T>())
    }

    /// Switches to this greenlet, delivering `value`, and waits until something switches
    /// back; returns the value that switch carries, or the error raised here.
    ///
    /// Into a greenlet that has not started, `value` is its body's argument; into one waiting
    /// in a switch, it is what that switch returns; into a dead one, it goes to its parent
    /// (or the first living ancestor) instead, without error (rule 31). Switching to the
    /// current greenlet returns `value` at once.
    ///
    /// ```
    /// use greenery::greenlet::{getcurrent, Greenlet};
    ///
    /// greenery::run(async {
    ///     let g = Greenlet::new(|x: i32| async move { Ok(x * 2) });
    ///     assert_eq!(g.switch(21).await.unwrap(), 42);
    ///     assert_eq!(g.switch(5).await.unwrap(), 5); // dead: goes to its parent, us
    ///     assert_eq!(getcurrent::<i32>().switch(7).await.unwrap(), 7);
    /// });
    /// ```
    pub fn switch(&self, value: T) -> Switch<'_, T> {
        Switch::new(&self.node, Slot::new(value), None)
    }

    /// Switches to this greenlet and raises `err` at its pending switch; returns like
    /// [`switch`](Self::switch). Into a greenlet that has not started, it dies without
    /// running and `err` is raised in its parent; into a dead one, in its parent too. An
    /// [`Error::Exit`] the body lets escape reaches the parent as that error, like
    /// greenlet's `GreenletExit` value (rule 32).
    ///
    /// ```
    /// use greenery::greenlet::{Error, Greenlet};
    ///
    /// greenery::run(async {
    ///     let never = Greenlet::new(|x: u8| async move { unreachable!("{x}") });
    ///     assert!(never.throw(Error::Exit).await.unwrap_err().is_exit());
    ///     assert!(never.is_dead());
    /// });
    /// ```
    pub fn throw(&self, err: Error) -> Switch<'_, T> {
        Switch::new(&self.node, Slot::empty(), Some(err))
    }

    /// Whether the body has returned or the greenlet was killed (a root is never dead).
    ///
    /// ```
    /// greenery::run(async {
    ///     let g = greenery::greenlet::Greenlet::new(|x: u8| async move { Ok(x) });
    ///     assert!(!g.is_dead());
    ///     g.switch(0).await.unwrap();
    ///     assert!(g.is_dead());
    /// });
    /// ```
    pub fn is_dead(&self) -> bool {
        self.node.state.get() == State::Dead
    }

    /// Whether the greenlet has been switched into (roots have always started).
    ///
    /// ```
    /// greenery::run(async {
    ///     let g = greenery::greenlet::Greenlet::new(|x: u8| async move { Ok(x) });
    ///     assert!(!g.is_started());
    ///     g.switch(0).await.unwrap();
    ///     assert!(g.is_started());
    /// });
    /// ```
    pub fn is_started(&self) -> bool {
        self.node.started.get()
    }

    /// Started and not dead: greenlet's `bool(g)`.
    ///
    /// ```
    /// use greenery::greenlet::getcurrent;
    ///
    /// greenery::run(async {
    ///     assert!(getcurrent::<()>().is_active());
    /// });
    /// ```
    pub fn is_active(&self) -> bool {
        self.is_started() && !self.is_dead()
    }

    /// Whether this is a task's root greenlet (the code of `run` or of a spawned task).
    ///
    /// ```
    /// use greenery::greenlet::getcurrent;
    ///
    /// greenery::run(async { assert!(getcurrent::<()>().is_root()) });
    /// ```
    pub fn is_root(&self) -> bool {
        self.node.is_root()
    }

    /// The greenlet this one's return value (or error) goes to: its creator unless
    /// re-assigned. A root has none.
    ///
    /// ```
    /// use greenery::greenlet::{getcurrent, Greenlet};
    ///
    /// greenery::run(async {
    ///     let main = getcurrent::<()>();
    ///     assert!(main.parent().is_none());
    ///     let g = Greenlet::new(|()| async { Ok(()) });
    ///     assert!(g.parent().unwrap() == main);
    /// });
    /// ```
    pub fn parent(&self) -> Option<Greenlet<T>> {
        let parent = self.node.parent.borrow().clone();
        parent.map(Greenlet::from_handle)
    }

    /// Re-assigns the parent, before or after the greenlet started. A cycle (including any
    /// parent for a root) is [`Error::CyclicParent`]; a parent of another runtime is
    /// [`Error::ForeignRuntime`].
    ///
    /// ```
    /// use greenery::greenlet::{Error, Greenlet};
    ///
    /// greenery::run(async {
    ///     let c = Greenlet::new(|()| async { Ok(()) });
    ///     let d = Greenlet::new(|()| async { Ok(()) });
    ///     d.set_parent(&c).unwrap();
    ///     assert!(matches!(c.set_parent(&d), Err(Error::CyclicParent)));
    /// });
    /// ```
    pub fn set_parent<U: 'static>(&self, parent: &Greenlet<U>) -> Result<(), Error> {
        if self.node.is_root() {
            return Err(Error::CyclicParent);
        }
        if !parent.node.runtime.ptr_eq(&self.node.runtime) {
            return Err(Error::ForeignRuntime);
        }
        let mut ancestor = Some(parent.node.clone());
        while let Some(node) = ancestor {
            if node.same(&self.node) {
                return Err(Error::CyclicParent);
            }
            ancestor = node.parent.borrow().clone();
        }
        let old = self.node.parent.replace(Some(parent.node.clone()));
        drop(old);
        Ok(())
    }

    fn from_handle(node: Handle) -> Greenlet<T> {
        Greenlet {
            node,
            _value: PhantomData,
        }
    }
}

/// The greenlet running now, as a handle that switches `T`s: the greenlet whose body is
/// running, or the root greenlet of the current task (the code of `run` or of a spawned
/// task).
///
/// # Panics
/// Outside a greenery runtime.
///
/// ```
/// use greenery::greenlet::{getcurrent, Greenlet};
///
/// greenery::run(async {
///     let main = getcurrent::<bool>();
///     let g = Greenlet::new(move |_| async move {
///         let me = getcurrent::<bool>();
///         Ok(me.parent().unwrap() == main && !me.is_root())
///     });
///     assert!(g.switch(true).await.unwrap());
/// });
/// ```
#[track_caller]
pub fn getcurrent<T: 'static>() -> Greenlet<T> {
    let node = current_handle()
        .unwrap_or_else(|| panic!("greenery::greenlet::getcurrent called outside a runtime"));
    Greenlet::from_handle(node)
}

fn current_handle() -> Option<Handle> {
    match node::switcher() {
        Switcher::Outside => None,
        Switcher::Root(_, root) => Some(root),
        // SAFETY: `current` is set only by `Node::poll_as_current`, from `Rc::as_ptr` of an
        // `Rc` that its caller (a driver's handle, or the release killing the node) holds for
        // the whole poll, and the body calling this runs inside that poll.
        Switcher::Body(current) => Some(unsafe { Handle::from_ptr(current) }),
    }
}

impl<T: 'static> Clone for Greenlet<T> {
    fn clone(&self) -> Self {
        Greenlet::from_handle(self.node.clone())
    }
}

impl<T: 'static, U: 'static> PartialEq<Greenlet<U>> for Greenlet<T> {
    fn eq(&self, other: &Greenlet<U>) -> bool {
        self.node.same(&other.node)
    }
}

impl<T: 'static> Eq for Greenlet<T> {}

impl<T: 'static> fmt::Debug for Greenlet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.node.state.get() {
            State::Unstarted => "unstarted",
            State::Running => "running",
            State::Suspended => "suspended",
            State::Dead => "dead",
        };
        f.debug_struct("Greenlet")
            .field("root", &self.is_root())
            .field("state", &state)
            .finish_non_exhaustive()
    }
}
