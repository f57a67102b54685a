//! Greenlet nodes: the shared state behind every handle (including the switch a body asked
//! for), the strong [`Handle`] that kills a suspended greenlet when the last one goes, the
//! per-thread "current greenlet", and the roots (one per task that uses greenlets).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::body::Body;
use super::slot::{Parcel, Ty};
use super::Error;
use crate::runtime::context;
use crate::runtime::core::Core;
use crate::runtime::task::{TaskRef, MAIN};

/// Where a greenlet is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Not switched into yet (a root is never unstarted).
    Unstarted,
    /// Driven by a task: being polled, or blocked on something other than a switch. For a
    /// root: its task's code runs, not waiting in a switch.
    Running,
    /// Waiting in a switch; `inbox` points at the slot its value goes to.
    Suspended,
    /// Its body returned, or it was killed.
    Dead,
}

/// A task's root greenlet (the task's own future) or a greenlet with a body.
pub(crate) enum Kind {
    Root(RootKey),
    Body(RefCell<Option<Pin<Box<dyn Body>>>>),
}

/// A root's task: the runtime's address and the task's slot index and generation.
pub(crate) type RootKey = (usize, u32, u64);

pub(crate) struct Node {
    pub(crate) runtime: Weak<Core>,
    pub(crate) kind: Kind,
    pub(crate) state: Cell<State>,
    pub(crate) started: Cell<bool>,
    pub(crate) parent: RefCell<Option<Handle>>,
    /// The `Slot<T>` a value switched in goes to (the body's argument slot while
    /// unstarted, the pending switch's slot while suspended); null when not accepting.
    pub(crate) inbox: Cell<*mut ()>,
    /// The `T` of `inbox`.
    pub(crate) accepts: Cell<Ty>,
    /// An error delivered instead of a value, for the pending switch to raise.
    pub(crate) thrown: Cell<Option<Error>>,
    /// The switch the body asked for while being polled, for its driver to carry out.
    pub(crate) request: Cell<Request>,
    /// The `me` cell of the switch waiting on this node, cleared when the node dies.
    pub(crate) waiter: Cell<*const Cell<*const Node>>,
}

impl Node {
    /// Whether the node belongs to the runtime at `core` (an address from [`core_addr`]).
    #[inline]
    pub(crate) fn on(&self, core: usize) -> bool {
        Weak::as_ptr(&self.runtime) as usize == core
    }

    #[inline]
    pub(crate) fn is_root(&self) -> bool {
        matches!(self.kind, Kind::Root(_))
    }

    /// Starts (if needed) and polls the body.
    pub(crate) fn poll_body(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let Kind::Body(body) = &self.kind else {
            return Poll::Ready(Err(Error::Busy));
        };
        // Only the one driver whose current greenlet this is polls it, so the borrow is free;
        // a body reaching into its own node finds it taken and gets an error instead.
        let Ok(mut body) = body.try_borrow_mut() else {
            return Poll::Ready(Err(Error::Busy));
        };
        match body.as_mut() {
            Some(body) => body.as_mut().poll(cx),
            None => Poll::Ready(Err(Error::NoBody)),
        }
    }

    /// Polls the body as the current greenlet. A panic in the body leaves the node dead (it
    /// is never polled again) and the current greenlet as it was.
    ///
    /// Takes the `Rc`: the current-greenlet pointer comes from [`Rc::as_ptr`], so its
    /// provenance covers the reference counts and [`Handle::from_ptr`] may use it (a pointer
    /// made from `&Node` covers only the node).
    #[inline]
    pub(crate) fn poll_as_current(
        this: &Rc<Node>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        let mut polling = Polling {
            node: this,
            outer: set_current(Rc::as_ptr(this)),
            returned: false,
        };
        let polled = this.poll_body(cx);
        polling.returned = true;
        drop(polling);
        polled
    }

    /// The value a finished body returned, ready to travel to the parent.
    pub(crate) fn output(&self) -> Option<Parcel> {
        let Kind::Body(body) = &self.kind else {
            return None;
        };
        let mut body = body.try_borrow_mut().ok()?;
        body.as_mut().map(|body| body.as_mut().output())
    }

    /// Installs a body on an unstarted node; its argument slot becomes the inbox.
    pub(crate) fn set_body(&self, mut new: Pin<Box<dyn Body>>, ty: Ty) -> Result<(), Error> {
        let Kind::Body(body) = &self.kind else {
            return Err(Error::Started);
        };
        if self.state.get() != State::Unstarted {
            return Err(Error::Started);
        }
        let Ok(mut slot) = body.try_borrow_mut() else {
            return Err(Error::Started);
        };
        self.inbox.set(new.as_mut().arg_slot());
        self.accepts.set(ty);
        let old = slot.replace(new);
        drop(slot);
        drop(old);
        Ok(())
    }

    /// Marks the node dead and drops its body (running its destructors) with no borrow held.
    pub(crate) fn kill(&self) {
        self.state.set(State::Dead);
        self.inbox.set(ptr::null_mut());
        self.request.set(Request::NONE);
        self.forget_waiter();
        let body = match &self.kind {
            Kind::Body(body) => body.try_borrow_mut().ok().and_then(|mut body| body.take()),
            Kind::Root(_) => None,
        };
        drop(body);
    }
}

impl Node {
    /// Unlinks the switch waiting on this node: the node is going away (and the switch
    /// outlived the body it was made in), or a new switch takes its place.
    pub(crate) fn forget_waiter(&self) {
        let waiter = self.waiter.replace(ptr::null());
        if !waiter.is_null() {
            // SAFETY: a switch links itself here while it waits and unlinks itself before
            // it is dropped, so the cell is alive.
            unsafe { (*waiter).set(ptr::null()) };
        }
    }
}

/// A strong reference to a node. When the last one to a greenlet that waits in a switch is
/// dropped, `GreenletExit` is raised at that switch and the body runs until it returns or
/// suspends again; then the body is dropped (SEMANTICS rule 33).
///
/// The `Rc` is dropped by hand: the last one goes to [`release`], which owns it from there.
pub(crate) struct Handle(ManuallyDrop<Rc<Node>>);

impl Handle {
    pub(crate) fn new(node: Node) -> Handle {
        Handle::from_rc(Rc::new(node))
    }

    #[inline]
    fn from_rc(node: Rc<Node>) -> Handle {
        Handle(ManuallyDrop::new(node))
    }

    #[inline]
    pub(crate) fn ptr(&self) -> *const Node {
        Rc::as_ptr(&self.0)
    }

    /// A new handle to the node at `node`.
    ///
    /// # Safety
    /// `node` must come from [`Rc::as_ptr`] of an `Rc<Node>` ([`Handle::ptr`], or the current
    /// greenlet set by [`Node::poll_as_current`]) whose node is still alive.
    #[inline]
    pub(crate) unsafe fn from_ptr(node: *const Node) -> Handle {
        // SAFETY: `node` comes from `Rc::as_ptr` of a live `Rc` (the caller's guarantee), so
        // adding a strong count and rebuilding an `Rc` from it is sound.
        unsafe {
            Rc::increment_strong_count(node);
            Handle::from_rc(Rc::from_raw(node))
        }
    }

    /// Polls the body as the current greenlet (see [`Node::poll_as_current`]).
    #[inline]
    pub(crate) fn poll_as_current(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Node::poll_as_current(&self.0, cx)
    }

    pub(crate) fn downgrade(&self) -> Weak<Node> {
        Rc::downgrade(&self.0)
    }

    pub(crate) fn same(&self, other: &Handle) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Clone for Handle {
    #[inline]
    fn clone(&self) -> Handle {
        Handle::from_rc(Rc::clone(&self.0))
    }
}

impl std::ops::Deref for Handle {
    type Target = Node;

    #[inline]
    fn deref(&self) -> &Node {
        &self.0
    }
}

impl Drop for Handle {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `drop` runs once, and nothing uses `self.0` after it.
        let node = unsafe { ManuallyDrop::take(&mut self.0) };
        if Rc::strong_count(&node) == 1 {
            release(node);
        }
    }
}

/// The last handle to `node` went: kill the greenlet and free the node.
///
/// Killing runs the body, which may drop the last handle of another suspended greenlet, and
/// freeing a node drops its parent handle: done recursively, a deep chain of greenlets would
/// overflow the stack. So the outermost release is a trampoline: a release made while it
/// runs only queues its node, and the outermost one kills and frees the queued nodes, oldest
/// first, until none is left. A greenlet killed by the kill of another thus dies right after
/// that other body's poll, not inside it.
///
/// A suspended greenlet dies as greenlet kills it: re-parented to the greenlet that dropped
/// it (the one running at the release), which its `GreenletExit` handling sees as its parent.
#[cold]
#[inline(never)]
fn release(node: Rc<Node>) {
    let dropper = (node.state.get() == State::Suspended && can_run_bodies())
        .then(super::current_handle)
        .flatten();
    let mut released = Some((node, dropper));
    let outermost = RELEASED.try_with(|queue| {
        let mut queue = queue.borrow_mut();
        match queue.as_mut() {
            Some(queue) => {
                queue.extend(released.take());
                false
            }
            None => {
                *queue = Some(VecDeque::new());
                true
            }
        }
    });
    let Some(released) = released else {
        return; // queued
    };
    if outermost.is_err() {
        // The thread is exiting and the queue is gone: no trampoline.
        kill_released(released);
        return;
    }
    let _trampoline = Trampoline;
    let mut next = Some(released);
    while let Some(released) = next {
        kill_released(released);
        next = Trampoline::pop();
    }
}

/// A node whose last handle went, with the greenlet that dropped it (for a suspended one).
type Released = (Rc<Node>, Option<Handle>);

/// Kills the greenlet of `node` if no handle came back meanwhile, then drops the `Rc`.
fn kill_released((node, dropper): Released) {
    if Rc::strong_count(&node) == 1 {
        match &node.kind {
            Kind::Root(key) => forget_root(*key, &node),
            Kind::Body(_) => {
                if node.state.get() == State::Suspended {
                    let parent = dropper.map(|dropper| node.parent.replace(Some(dropper)));
                    drop(parent);
                    raise_exit(&node);
                }
                node.kill();
            }
        }
    }
    drop(node);
}

/// Ends the outermost release: kills what is still queued (after a panic, without running
/// bodies) and marks that no release runs.
struct Trampoline;

impl Trampoline {
    fn pop() -> Option<Released> {
        RELEASED
            .try_with(|released| released.borrow_mut().as_mut()?.pop_front())
            .ok()
            .flatten()
    }
}

impl Drop for Trampoline {
    fn drop(&mut self) {
        while let Some(released) = Trampoline::pop() {
            kill_released(released);
        }
        let _ = RELEASED.try_with(|released| *released.borrow_mut() = None);
    }
}

/// Raises `GreenletExit` at the pending switch of `node` and polls its body once, as its
/// current greenlet. Whatever the body asks for next (a switch, a timer) is abandoned: the
/// caller drops the body right after.
fn raise_exit(node: &Rc<Node>) {
    node.inbox.set(ptr::null_mut());
    node.thrown.set(Some(Error::Exit));
    node.state.set(State::Running);
    if !can_run_bodies() {
        // No user code runs during an unwind (a second panic would abort): just drop it.
        return;
    }
    let waker = Waker::from(Arc::new(Abandoned));
    let _ = Node::poll_as_current(node, &mut Context::from_waker(&waker));
    node.request.set(Request::NONE);
}

/// Whether a dying greenlet's body may run: not during an unwind (a second panic would
/// abort), nor once the thread's greenlet state is being torn down.
fn can_run_bodies() -> bool {
    !std::thread::panicking() && LOCAL.try_with(|_| ()).is_ok() && ROOTS.try_with(|_| ()).is_ok()
}

/// Restores the current greenlet when a poll ends, even by a panic.
struct Polling<'a> {
    node: &'a Node,
    outer: *const Node,
    /// Set when the poll returned; still unset when dropped by a panic.
    returned: bool,
}

impl Drop for Polling<'_> {
    #[inline]
    fn drop(&mut self) {
        set_current(self.outer);
        if !self.returned {
            self.node.state.set(State::Dead);
            self.node.inbox.set(ptr::null_mut());
            self.node.request.set(Request::NONE);
            self.node.forget_waiter();
        }
    }
}

/// The waker of a body being killed: nothing will poll it again.
struct Abandoned;

impl Wake for Abandoned {
    fn wake(self: Arc<Self>) {}
}

// ----- per-thread state ----------------------------------------------------------------------

/// A switch made inside a body, for its driver to carry out once the body has suspended:
/// the target, the sender's value slot (of the sender's `accepts` type) and its error slot.
#[derive(Clone, Copy)]
pub(crate) struct Request {
    pub(crate) target: *const Node,
    pub(crate) value: *mut (),
    pub(crate) throw: *mut Option<Error>,
}

impl Request {
    pub(crate) const NONE: Request = Request {
        target: ptr::null(),
        value: ptr::null_mut(),
        throw: ptr::null_mut(),
    };

    pub(crate) fn is_some(&self) -> bool {
        !self.target.is_null()
    }
}

/// The hot per-thread state (no destructor, so access is a plain load).
struct Local {
    /// The greenlet whose body a driver is polling; null while a task's root runs.
    current: Cell<*const Node>,
    /// The root found last, and its task; cleared when that root is freed.
    last_root: Cell<(RootKey, *const Node)>,
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            current: Cell::new(ptr::null()),
            last_root: Cell::new(((0, 0, 0), ptr::null())),
        }
    };
    /// The nodes released during the outermost release, for it to kill; `None` when no
    /// release runs.
    static RELEASED: RefCell<Option<VecDeque<Released>>> = const { RefCell::new(None) };
    /// Every live root of this thread's runtimes, by task.
    static ROOTS: RefCell<BTreeMap<RootKey, Weak<Node>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The greenlet whose body is being polled, or null.
#[inline]
pub(crate) fn current() -> *const Node {
    LOCAL.with(|local| local.current.get())
}

/// Sets the greenlet being polled; returns the previous one.
#[inline]
pub(crate) fn set_current(node: *const Node) -> *const Node {
    LOCAL.with(|local| local.current.replace(node))
}

/// The address of the runtime driving this thread, if any.
pub(crate) fn core_addr() -> Option<usize> {
    context::with_core(|core| core as *const Core as usize)
}

/// Who is making a switch.
pub(crate) enum Switcher {
    /// No runtime drives this thread.
    Outside,
    /// A greenlet's body, polled by a driver.
    Body(*const Node),
    /// The root of the task being run, on the runtime at the given address.
    Root(usize, Handle),
}

/// Who is making a switch: the greenlet being polled, or the current task's root.
#[inline]
pub(crate) fn switcher() -> Switcher {
    let current = current();
    if !current.is_null() {
        return Switcher::Body(current);
    }
    match current_root() {
        Some((core, root)) => Switcher::Root(core, root),
        None => Switcher::Outside,
    }
}

/// The root greenlet of the task being run (created on first use) and its runtime's
/// address, or `None` outside a runtime.
#[inline]
pub(crate) fn current_root() -> Option<(usize, Handle)> {
    let (core, task) = context::with_core(|core| {
        (
            core as *const Core as usize,
            core.current_task().unwrap_or(MAIN),
        )
    })?;
    let key = (core, task.index, task.id);
    let (last, cached) = LOCAL.with(|local| local.last_root.get());
    if last == key && !cached.is_null() {
        // SAFETY: `last_root` is cleared (by `forget_root`) before its node is freed.
        return Some((core, unsafe { Handle::from_ptr(cached) }));
    }
    find_root(key)
}

/// `current_root` past the one-entry cache: the thread's map of roots, or a new root.
#[cold]
fn find_root(key: RootKey) -> Option<(usize, Handle)> {
    let core = key.0;
    let found = ROOTS.with(|roots| roots.borrow().get(&key).and_then(Weak::upgrade));
    let root = match found {
        Some(node) => Handle::from_rc(node),
        None => {
            let runtime = Rc::downgrade(&context::current_core()?);
            let root = Handle::new(Node {
                runtime,
                kind: Kind::Root(key),
                state: Cell::new(State::Running),
                started: Cell::new(true),
                parent: RefCell::new(None),
                inbox: Cell::new(ptr::null_mut()),
                accepts: Cell::new(Ty::of::<()>()),
                thrown: Cell::new(None),
                request: Cell::new(Request::NONE),
                waiter: Cell::new(ptr::null()),
            });
            ROOTS.with(|roots| roots.borrow_mut().insert(key, root.downgrade()));
            root
        }
    };
    LOCAL.with(|local| local.last_root.set((key, root.ptr())));
    Some((core, root))
}

/// The task a root belongs to.
pub(crate) fn root_task(key: RootKey) -> TaskRef {
    TaskRef {
        index: key.1,
        id: key.2,
    }
}

fn forget_root(key: RootKey, node: &Rc<Node>) {
    let _ = LOCAL.try_with(|local| {
        if local.last_root.get().1 == Rc::as_ptr(node) {
            local.last_root.set(((0, 0, 0), ptr::null()));
        }
    });
    let _ = ROOTS.try_with(|roots| {
        let Ok(mut roots) = roots.try_borrow_mut() else {
            return;
        };
        if roots
            .get(&key)
            .is_some_and(|weak| ptr::eq(weak.as_ptr(), Rc::as_ptr(node)))
        {
            roots.remove(&key);
        }
    });
}
