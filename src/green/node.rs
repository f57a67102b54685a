//! [`Node`]: one greenlet's state (a fiber on a stack of its own, or the thread's native
//! root), the protocol between a fiber and its driver, and killing.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::rc::Rc;
use std::task::Waker;

use corosensei::stack::{DefaultStack, Stack};
use corosensei::{Coroutine, CoroutineResult};

use super::message::{Carried, Message, Port};
use super::stack::{self, Running};
use super::switch;
use crate::greenlet::Error;

type Fiber = Coroutine<Resume, Suspend, Finish, DefaultStack>;
pub(crate) type Yielder = corosensei::Yielder<Resume, Suspend>;

/// Where a greenlet is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Created, never switched to.
    Unstarted,
    /// Running now (for the native root: native code runs, it waits in no switch).
    Running,
    /// Waiting in a switch for a value; any driver may resume it.
    Suspended,
    /// Waiting for a future in `block_on`, held by the green thread whose poll ran it.
    Blocked,
    /// Its body returned, or it was killed.
    Dead,
}

/// What a driver passes to a fiber it resumes.
#[derive(Clone, Copy)]
pub(crate) enum Resume {
    /// Carry on; a switch (or a body's start) takes its value from the message (null when a
    /// blocked greenlet is resumed by its green thread's poll).
    Go(*mut Message),
    /// Unwind: the greenlet is being killed.
    Kill,
}

/// What a fiber asks of its driver when it suspends.
pub(crate) enum Suspend {
    /// Waiting for a future: return `Pending`, and resume me on the next poll.
    Block,
    /// Resume `target` with `message`.
    Switch(*const Node, *mut Message),
}

/// What a fiber returns when its entry function ends.
pub(crate) enum Finish {
    /// A greenlet's body ended: its result goes to its parent.
    Result(Box<dyn Carried>),
    /// A green thread's root ended (its output is stored), or a greenlet was killed.
    Done,
}

/// The panic payload a killed fiber unwinds with (a kill is not a failure).
pub(crate) struct Killed;

/// What kind of greenlet a node is.
pub(crate) enum Kind {
    /// The code on the OS thread's own stack.
    Native,
    /// A greenlet made with `Greenlet::new`.
    Greenlet,
    /// The root of a green thread: its task completes when it ends.
    Root(RootLink),
}

/// What ties a green thread's root to the future that owns it.
#[derive(Default)]
pub(crate) struct RootLink {
    /// Wakes the task, for a root that ends under another green thread's poll.
    pub(crate) waker: RefCell<Option<Waker>>,
    /// Where the root's entry stores its outcome: the owning `GreenThread`'s output field,
    /// pinned there from its first poll on (before which the root cannot run).
    pub(crate) output: Cell<*mut ()>,
}

/// How many dead green-thread roots a thread keeps for reuse (as many as pooled stacks).
const ROOTS_KEPT: usize = 1024;

thread_local! {
    static ROOTS: RefCell<Vec<Rc<Node>>> = const { RefCell::new(Vec::new()) };
}

pub(crate) struct Node {
    fiber: UnsafeCell<Option<Fiber>>,
    pub(crate) state: Cell<State>,
    /// The port of its pending switch (or, unstarted, of its body's argument).
    pub(crate) accepts: Cell<Port>,
    /// Counted in the parent's `handles`.
    parent: RefCell<Option<Rc<Node>>>,
    /// `Greenlet` handles plus children naming it as parent: when none is left while it
    /// waits in a switch, nothing can switch to it again.
    pub(crate) handles: Cell<usize>,
    pub(crate) yielder: Cell<*const Yielder>,
    /// Set while it is being killed: it may no longer switch or block.
    pub(crate) dying: Cell<bool>,
    /// Hooked calls made since the kill (see `block::park`).
    pub(crate) parks_after_kill: Cell<u32>,
    pub(crate) kind: Kind,
    /// What the stack-overflow report says while it runs.
    pub(crate) running: Cell<Running>,
    /// The task's name the report points into.
    name: RefCell<Option<Rc<str>>>,
}

impl Node {
    pub(crate) fn new(kind: Kind, accepts: Port, parent: Option<Rc<Node>>) -> Node {
        if let Some(parent) = &parent {
            parent.add_handle();
        }
        Node {
            fiber: UnsafeCell::new(None),
            state: Cell::new(State::Unstarted),
            accepts: Cell::new(accepts),
            parent: RefCell::new(parent),
            handles: Cell::new(0),
            yielder: Cell::new(std::ptr::null()),
            dying: Cell::new(false),
            parks_after_kill: Cell::new(0),
            kind,
            running: Cell::new(Running::NONE),
            name: RefCell::new(None),
        }
    }

    /// A greenlet accepting `accepts` first, whose parent is the current greenlet; it has no
    /// body yet.
    pub(crate) fn greenlet(accepts: Port) -> Rc<Node> {
        Rc::new(Node::new(Kind::Greenlet, accepts, Some(switch::current())))
    }

    /// A green thread's root, to be given its entry with [`Node::set_entry`].
    pub(crate) fn root() -> Rc<Node> {
        let pooled = ROOTS
            .try_with(|roots| roots.borrow_mut().pop())
            .ok()
            .flatten();
        pooled.unwrap_or_else(|| {
            Rc::new(Node::new(
                Kind::Root(RootLink::default()),
                Port::of::<()>(),
                None,
            ))
        })
    }

    /// Gives back the root of a green thread that is gone, for the next one: a spawn then
    /// allocates no node (a node is too big for the allocator's fast bins, and green threads
    /// come and go in batches). Only a dead root nobody else holds is kept.
    pub(crate) fn recycle_root(node: Rc<Node>) {
        if Rc::strong_count(&node) != 1 || node.state.get() != State::Dead || !node.is_root() {
            return;
        }
        node.accepts.set(Port::of::<()>());
        node.handles.set(0);
        node.yielder.set(std::ptr::null());
        node.dying.set(false);
        node.parks_after_kill.set(0);
        node.running.set(Running::NONE);
        *node.name.borrow_mut() = None;
        if let Kind::Root(link) = &node.kind {
            *link.waker.borrow_mut() = None;
            link.output.set(std::ptr::null_mut());
        }
        node.state.set(State::Unstarted);
        let _ = ROOTS.try_with(|roots| {
            let mut roots = roots.borrow_mut();
            if roots.len() < ROOTS_KEPT {
                roots.push(node);
            }
        });
    }

    /// Gives an unstarted node its code: `entry` runs on a new stack of `size` bytes the first
    /// time the node is resumed, with that first resume's input.
    pub(crate) fn set_entry<F>(&self, size: usize, entry: F) -> std::io::Result<()>
    where
        F: FnOnce(Resume) -> Finish + 'static,
    {
        let stack = stack::take(size)?;
        let mut running = self.running.get();
        running.guard = stack.limit().get();
        running.size = stack::usable_size(&stack);
        self.running.set(running);
        let fiber = Fiber::with_stack(stack, move |yielder: &Yielder, first: Resume| {
            let me = switch::current_ptr();
            // SAFETY: the driver made this node current before resuming it, and holds an
            // `Rc` to it for the whole resume.
            unsafe { (*me).yielder.set(yielder) };
            entry(first)
        });
        // SAFETY: an unstarted node's fiber cell is touched by nobody else (only `resume`,
        // `finished`, `kill` and `abandon` borrow it, never across this call).
        unsafe { *self.fiber.get() = Some(fiber) };
        Ok(())
    }

    /// Names the task this node runs for, for the stack-overflow report.
    pub(crate) fn label(&self, task: u64, name: Option<Rc<str>>) {
        let mut running = self.running.get();
        running.task = task;
        (running.name, running.name_len) = name
            .as_deref()
            .map_or((std::ptr::null(), 0), |n| (n.as_ptr(), n.len()));
        self.running.set(running);
        *self.name.borrow_mut() = name; // the report points into these bytes
    }

    pub(crate) fn has_entry(&self) -> bool {
        // SAFETY: a shared read of the option's discriminant; no `&mut` to it is alive (they
        // only live inside `resume`, `finished`, `kill`, `abandon`, which do not call out).
        unsafe { (*self.fiber.get()).is_some() }
    }

    pub(crate) fn is_native(&self) -> bool {
        matches!(self.kind, Kind::Native)
    }

    pub(crate) fn is_root(&self) -> bool {
        !matches!(self.kind, Kind::Greenlet)
    }

    pub(crate) fn parent(&self) -> Option<Rc<Node>> {
        self.parent.borrow().clone()
    }

    /// Makes `parent` the parent; a cycle (or a parent for a root) is refused.
    pub(crate) fn set_parent(self: &Rc<Node>, parent: &Rc<Node>) -> Result<(), Error> {
        if self.is_root() {
            return Err(Error::CyclicParent);
        }
        let mut link = Some(parent.clone());
        while let Some(node) = link {
            if Rc::ptr_eq(&node, self) {
                return Err(Error::CyclicParent);
            }
            link = node.parent();
        }
        self.replace_parent(parent.clone());
        Ok(())
    }

    /// Makes `parent` the parent, without checks.
    pub(crate) fn replace_parent(&self, parent: Rc<Node>) {
        parent.add_handle();
        if let Some(old) = self.parent.replace(Some(parent)) {
            switch::release_handle(old);
        }
    }

    #[inline]
    pub(crate) fn add_handle(&self) {
        self.handles.set(self.handles.get() + 1);
    }

    /// Resumes the fiber with `input`, as the current greenlet.
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
    pub(crate) fn resume(self: &Rc<Node>, input: Resume) -> CoroutineResult<Suspend, Finish> {
        self.state.set(State::Running);
        let _current = switch::Current::enter(self);
        // SAFETY: only the driver resuming a node touches its fiber, and one driver at a time
        // resumes it (only `Unstarted`, `Suspended` and `Blocked` nodes are resumed, and that
        // makes them `Running`), so this is the only reference while the fiber runs.
        let fiber = unsafe { (*self.fiber.get()).as_mut() };
        fiber.expect("a resumed greenlet has a fiber").resume(input)
    }

    /// The fiber ended: the node is dead and its stack goes back to the pool.
    pub(crate) fn finished(&self) {
        self.state.set(State::Dead);
        // SAFETY: the fiber has returned; nobody else touches the cell (see `resume`).
        if let Some(fiber) = unsafe { (*self.fiber.get()).take() } {
            stack::give_back(fiber.into_stack());
        }
    }

    /// Kills this greenlet: an unstarted one is dropped without running; a suspended or
    /// blocked one is resumed with [`Resume::Kill`] and unwinds, running its destructors, on
    /// the spot (a nested resume: the killer's stack holds one frame).
    pub(crate) fn kill(self: &Rc<Node>) {
        match self.state.get() {
            State::Dead | State::Running => {}
            State::Unstarted => {
                self.state.set(State::Dead);
                // SAFETY: an unstarted fiber is touched by nobody else.
                let fiber = unsafe { (*self.fiber.get()).take() };
                drop(fiber); // drops the entry closure without running it
            }
            State::Suspended | State::Blocked => {
                self.dying.set(true);
                match self.resume(Resume::Kill) {
                    CoroutineResult::Return(_) => self.finished(),
                    CoroutineResult::Yield(_) => self.abandon(),
                }
            }
        }
    }

    /// The last resort when a killed fiber suspends again anyway (code that caught the kill
    /// and reached a suspension `switch` and `block_on` do not guard): it is never resumed.
    #[cold]
    fn abandon(&self) {
        self.state.set(State::Dead);
        // SAFETY: the fiber is suspended and touched by nobody else. `force_reset` forgets its
        // frames without running their destructors; the stack is then leaked (never unmapped
        // nor reused), so everything on it stays valid forever, exactly as `mem::forget` would
        // leave it: nothing pinned there is ever invalidated.
        unsafe {
            if let Some(mut fiber) = (*self.fiber.get()).take() {
                fiber.force_reset();
                std::mem::forget(fiber.into_stack());
            }
        }
        crate::runtime::core::report(format_args!(
            "greenery: a killed green thread kept making blocking calls (it ignored their \
             ECANCELED errors) instead of ending; it was abandoned: its stack and what it \
             owned are leaked"
        ));
    }

    /// The first greenlet able to take a switch aimed at this one: itself, or (if it is dead)
    /// its nearest live ancestor (greenlet rule 31).
    pub(crate) fn live(self: &Rc<Node>) -> Option<Rc<Node>> {
        let mut node = self.clone();
        while node.state.get() == State::Dead {
            node = node.parent()?;
        }
        Some(node)
    }

    /// Why a switch cannot go into this greenlet now, if it cannot: `value` is the port of
    /// the value sent, `None` when an error or a panic is raised instead (those fit any switch).
    pub(crate) fn refuses(&self, value: Option<Port>) -> Option<Error> {
        match self.state.get() {
            State::Running | State::Blocked | State::Dead => Some(Error::Busy),
            State::Unstarted if !self.has_entry() => Some(Error::NoBody),
            State::Unstarted | State::Suspended => {
                value.and_then(|port| self.accepts.get().refuses(port))
            }
        }
    }

    /// Wakes the task of a green thread's root (one that ended under another's poll).
    pub(crate) fn wake_task(&self) {
        if let Kind::Root(link) = &self.kind {
            if let Some(waker) = link.waker.borrow().as_ref() {
                waker.wake_by_ref();
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(parent) = self.parent.get_mut().take() {
            switch::release_handle(parent);
        }
    }
}
