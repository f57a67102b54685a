//! [`Greenlet`]: greenlet's `greenlet`, with a `switch` that is a plain call.

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use super::message::{carry, carry_panic, receive, Port};
use super::node::{Finish, Killed, Node, Resume, State};
use super::switch;
use crate::greenlet::Error;

/// A greenlet (Python's `greenlet.greenlet`): a function on a stack of its own that runs only
/// when switched to. [`switch`](Greenlet::switch) is a plain call, usable at any call depth:
/// it sends a value, suspends the caller, and returns the value that is switched back to it.
/// Every switch through a `Greenlet<T>` carries one `T` (greenlet's `switch(x, y)` packing
/// becomes a tuple; SEMANTICS rule 29).
///
/// Greenlets need no runtime: a program of greenlets alone runs on `main`'s stack and theirs.
/// Inside a green thread ([`green::run`](super::run), [`green::spawn`](super::spawn)) they may
/// also block ([`sleep`](super::sleep), [`block_on`](super::block_on), sockets): the green
/// thread then waits as a whole and other tasks run. Switches between greenlets never let
/// other tasks run (as raw greenlets inside a gevent `Greenlet` behave).
///
/// ```
/// use greenery::green::{getcurrent, Greenlet};
///
/// let main = getcurrent::<i32>();
/// let child = Greenlet::new(move |first: i32| {
///     let second = main.switch(first * 10)?; // to main with 10; back with 2
///     Ok(first + second)                     // returns 1 + 2 to the parent (main)
/// });
/// assert_eq!(child.switch(1).unwrap(), 10);
/// assert_eq!(child.switch(2).unwrap(), 3);
/// assert!(child.is_dead());
/// ```
///
/// A new greenlet's parent is the greenlet that created it; its return value (or `Err`) goes
/// to the parent's pending switch (rule 30); switching to a dead greenlet goes to its parent
/// (rule 31); [`throw`](Greenlet::throw) raises at the target's pending switch, and thrown into
/// a greenlet that never ran kills it and raises in its parent (rule 32). When the last handle
/// to a greenlet waiting in a switch is dropped, the dropper becomes its parent and
/// `GreenletExit` ([`Error::Exit`]) is raised at that switch (rule 33): the greenlet runs until
/// it returns, and its destructors run. A panic in a body is resumed in its parent, at its
/// pending switch, like a Python exception crossing greenlets.
///
/// Handles are `!Send`: a greenlet lives on the thread that made it.
///
/// ```compile_fail
/// let g = greenery::green::Greenlet::new(|x: u8| Ok(x));
/// std::thread::spawn(move || drop(g));
/// ```
pub struct Greenlet<T: 'static> {
    node: Rc<Node>,
    _value: PhantomData<fn(T) -> T>,
}

impl<T: 'static> Greenlet<T> {
    fn from_node(node: Rc<Node>) -> Greenlet<T> {
        node.add_handle();
        Greenlet {
            node,
            _value: PhantomData,
        }
    }

    /// A greenlet that runs `body` when first switched to, with that switch's value; its
    /// parent is the current greenlet ([`getcurrent`]).
    ///
    /// # Panics
    /// When the OS refuses a stack for it.
    ///
    /// ```
    /// let g = greenery::green::Greenlet::new(|x: u8| Ok(x + 1));
    /// assert_eq!(g.switch(1).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn new<F>(body: F) -> Greenlet<T>
    where
        F: FnOnce(T) -> Result<T, Error> + 'static,
    {
        let greenlet = Greenlet::declare();
        if let Err(err) = greenlet.set_body(body) {
            panic!("greenery: {err}");
        }
        greenlet
    }

    /// A greenlet with no body yet (greenlet's `greenlet()` before `g.run = f`), so bodies can
    /// refer to each other's handles; give it one with [`set_body`](Greenlet::set_body).
    ///
    /// ```
    /// use greenery::green::Greenlet;
    /// let (ping, pong) = (Greenlet::<u32>::declare(), Greenlet::<u32>::declare());
    /// ping.set_body({ let pong = pong.clone(); move |n| pong.switch(n + 1) }).unwrap();
    /// pong.set_body(move |n| Ok(n * 10)).unwrap(); // returns to its parent: main
    /// assert_eq!(ping.switch(1).unwrap(), 20);
    /// ```
    pub fn declare() -> Greenlet<T> {
        Greenlet::from_node(Node::greenlet(Port::of::<T>()))
    }

    /// Gives a greenlet its body; refused ([`Error::Started`]) once it has started.
    ///
    /// ```
    /// let g = greenery::green::Greenlet::<u8>::declare();
    /// g.set_body(|x| Ok(x)).unwrap();
    /// assert_eq!(g.switch(4).unwrap(), 4);
    /// assert!(g.set_body(|x| Ok(x)).is_err());
    /// ```
    pub fn set_body<F>(&self, body: F) -> Result<(), Error>
    where
        F: FnOnce(T) -> Result<T, Error> + 'static,
    {
        if self.node.is_root() || self.node.state.get() != State::Unstarted {
            return Err(Error::Started);
        }
        let size = crate::runtime::context::with_core(|core| core.green_stack_size())
            .unwrap_or(super::DEFAULT_STACK_SIZE);
        self.node
            .set_entry(size, move |first| run_body(first, body))
            .map_err(Error::raised)
    }

    /// Switches to this greenlet with `value` and returns the value switched back to the
    /// caller: an `Err` when an error is raised there instead ([`throw`](Greenlet::throw), a
    /// body returning `Err`), or when the switch is refused ([`Error::Busy`]: the target runs,
    /// or waits for a future in another green thread; [`Error::WrongType`]: it waits for
    /// another type; [`Error::NoBody`]). A panic raised at the caller's switch (a greenlet
    /// ending with a panic) unwinds the caller.
    ///
    /// ```
    /// let echo = greenery::green::Greenlet::new(|x: &str| Ok(x));
    /// assert_eq!(echo.switch("hi").unwrap(), "hi");
    /// ```
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
    pub fn switch(&self, value: T) -> Result<T, Error> {
        switch::switch(&self.node, value)
    }

    /// Raises `err` at this greenlet's pending switch (greenlet's `throw`) and returns what is
    /// switched back to the caller. Thrown into a greenlet that never ran, it kills it without
    /// running and is raised in its parent (rule 32).
    ///
    /// ```
    /// use greenery::green::{getcurrent, Greenlet};
    /// use greenery::greenlet::Error;
    ///
    /// let main = getcurrent::<&str>();
    /// let g = Greenlet::new(move |_| match main.switch("waiting") {
    ///     Err(err) if err.is_exit() => Ok("caught GreenletExit"),
    ///     other => other,
    /// });
    /// assert_eq!(g.switch("go").unwrap(), "waiting");
    /// assert_eq!(g.throw(Error::Exit).unwrap(), "caught GreenletExit");
    /// ```
    pub fn throw(&self, err: Error) -> Result<T, Error> {
        switch::throw(&self.node, err)
    }

    /// Whether the greenlet has finished (returned, raised, or been killed).
    ///
    /// ```
    /// let g = greenery::green::Greenlet::new(|x: u8| Ok(x));
    /// assert!(!g.is_dead());
    /// g.switch(0).unwrap();
    /// assert!(g.is_dead());
    /// ```
    pub fn is_dead(&self) -> bool {
        self.node.state.get() == State::Dead
    }

    /// Whether the greenlet has been switched into at least once (a root always has).
    ///
    /// ```
    /// let g = greenery::green::Greenlet::new(|x: u8| Ok(x));
    /// assert!(!g.is_started());
    /// g.switch(0).unwrap();
    /// assert!(g.is_started());
    /// ```
    pub fn is_started(&self) -> bool {
        self.node.state.get() != State::Unstarted
    }

    /// Whether it has started and is not dead (greenlet's `bool(g)`).
    ///
    /// ```
    /// use greenery::green::{getcurrent, Greenlet};
    /// let main = getcurrent::<u8>();
    /// let g = Greenlet::new(move |x: u8| main.switch(x));
    /// g.switch(1).unwrap();
    /// assert!(g.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        !matches!(self.node.state.get(), State::Unstarted | State::Dead)
    }

    /// Whether this is a root: the code on the thread's own stack, or a green thread.
    ///
    /// ```
    /// assert!(greenery::green::getcurrent::<()>().is_root());
    /// ```
    pub fn is_root(&self) -> bool {
        self.node.is_root()
    }

    /// The parent: where the value goes when this greenlet ends (`None` for a root).
    ///
    /// ```
    /// use greenery::green::{getcurrent, Greenlet};
    /// let g = Greenlet::new(|x: u8| Ok(x));
    /// assert!(g.parent().unwrap() == getcurrent::<u8>());
    /// assert!(getcurrent::<u8>().parent().is_none());
    /// ```
    pub fn parent(&self) -> Option<Greenlet<T>> {
        self.node.parent().map(Greenlet::from_node)
    }

    /// Makes `parent` this greenlet's parent (greenlet's `g.parent = p`); a cycle, or a
    /// parent for a root, is refused with [`Error::CyclicParent`].
    ///
    /// ```
    /// use greenery::green::{getcurrent, Greenlet};
    /// let a = Greenlet::new(|x: u8| Ok(x));
    /// let b = Greenlet::new(|x: u8| Ok(x + 1));
    /// b.set_parent(&a).unwrap();
    /// assert!(a.set_parent(&b).is_err()); // a cycle
    /// assert_eq!(a.switch(1).unwrap(), 1); // a's value goes to main
    /// ```
    pub fn set_parent<U: 'static>(&self, parent: &Greenlet<U>) -> Result<(), Error> {
        self.node.set_parent(&parent.node)
    }
}

/// The entry of a greenlet's fiber: take the first value, run the body, and hand its outcome
/// (a value, an error or a panic) to the driver for the parent.
fn run_body<T: 'static, F>(first: Resume, body: F) -> Finish
where
    F: FnOnce(T) -> Result<T, Error>,
{
    let Resume::Go(message) = first else {
        return Finish::Done;
    };
    let outcome = switch::catch(move || {
        // SAFETY: the first switch was checked against this body's argument type `T`, and its
        // message lives until we took it.
        match unsafe { receive::<T>(message) } {
            Ok(value) => body(value),
            Err(err) => Err(err),
        }
    });
    match outcome {
        Ok(outcome) => Finish::Result(carry(outcome)),
        Err(payload) if payload.is::<Killed>() => Finish::Done,
        Err(payload) => Finish::Result(carry_panic(payload)),
    }
}

/// The greenlet running now (greenlet's `getcurrent()`), as a `Greenlet<T>`: the green thread
/// or greenlet whose code calls it, or the thread's root outside them.
///
/// ```
/// use greenery::green::{getcurrent, Greenlet};
/// let main = getcurrent::<u8>();
/// let g = Greenlet::new(|x: u8| Ok(x));
/// assert!(main == getcurrent::<u8>() && main != g);
/// ```
pub fn getcurrent<T: 'static>() -> Greenlet<T> {
    Greenlet::from_node(switch::current())
}

impl<T: 'static> Clone for Greenlet<T> {
    fn clone(&self) -> Self {
        Greenlet::from_node(self.node.clone())
    }
}

impl<T: 'static> Drop for Greenlet<T> {
    fn drop(&mut self) {
        switch::release_handle(self.node.clone());
    }
}

impl<T: 'static> PartialEq for Greenlet<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.node, &other.node)
    }
}

impl<T: 'static> Eq for Greenlet<T> {}

impl<T: 'static> fmt::Debug for Greenlet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Greenlet")
            .field("state", &self.node.state.get())
            .field("root", &self.is_root())
            .finish()
    }
}
