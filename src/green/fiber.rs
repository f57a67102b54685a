//! Fibers: greenlets with stacks of their own, and the driver that carries out their
//! switches.
//!
//! Every greenlet is a [`Node`]. A node is either the thread's *native root* (the code running
//! on the OS thread's own stack: `main`, an async task, the executor) or a fiber: a corosensei
//! coroutine on a pooled stack. A fiber never resumes another fiber: it suspends to a *driver*
//! with what it wants ([`Suspend::Switch`] to a target, or [`Suspend::Block`] on a future), and
//! the driver resumes the next one. Two drivers exist: a green thread's poll (whose blocked
//! greenlet makes the task return `Pending`) and a native root's switch (which runs fibers
//! until one switches back to the native root). Switching is therefore symmetric, any greenlet
//! may switch to any other that waits in a switch, and no stack ever grows with the number of
//! switches.
//!
//! A value travels in a [`Message`] that stays on the sender's stack (the sender is suspended
//! until the receiver took it); a dead greenlet's result travels in a boxed [`Carry`] the driver
//! keeps alive until the receiver has run.

use std::any::Any;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Waker};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult};

use super::stack::{self, Running};
use crate::greenlet::slot::{Slot, Ty};
use crate::greenlet::{Error, TypeMismatch};

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
    /// blocked greenlet is resumed by its task's poll).
    Go(*mut Message),
    /// Unwind: the greenlet is being killed.
    Kill,
}

/// What a fiber asks of its driver when it suspends.
pub(crate) enum Suspend {
    /// Waiting for a future: return `Pending` and resume me on the next poll.
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

/// An error or a panic raised at the receiving end of a switch instead of a value.
pub(crate) enum Raise {
    Nothing,
    Error(Error),
    Panic(Box<dyn Any + Send>),
}

/// A value on its way: the sender's `Slot<T>` (of type `ty`), or what to raise instead.
pub(crate) struct Message {
    slot: *mut (),
    ty: Ty,
    raise: Raise,
}

impl Message {
    pub(crate) fn new<T: 'static>(slot: &mut Slot<T>, raise: Raise) -> Message {
        Message {
            slot: (slot as *mut Slot<T>).cast(),
            ty: Ty::of::<T>(),
            raise,
        }
    }
}

/// Takes what `message` carries for a receiver of `T`.
///
/// # Safety
/// `message` must be live, and its slot a live `Slot<T>` unless it raises (the sender checked
/// the type against the receiver's before sending).
pub(crate) unsafe fn receive<T: 'static>(message: *mut Message) -> Result<T, Error> {
    // SAFETY: forwarded from the caller: the message and its slot are live and unaliased.
    let message = unsafe { &mut *message };
    match std::mem::replace(&mut message.raise, Raise::Nothing) {
        Raise::Panic(payload) => panic::resume_unwind(payload),
        Raise::Error(err) => Err(err),
        Raise::Nothing => {
            // SAFETY: as above; the type was checked when the message was sent.
            let slot = unsafe { &mut *message.slot.cast::<Slot<T>>() };
            Ok(slot.take().expect("a message's value is taken once"))
        }
    }
}

/// A dead greenlet's result, boxed so it outlives the greenlet's stack.
pub(crate) trait Carried {
    fn message(&mut self) -> *mut Message;
}

struct Carry<T> {
    slot: Slot<T>,
    message: Message,
}

impl<T: 'static> Carried for Carry<T> {
    fn message(&mut self) -> *mut Message {
        self.message.slot = (&mut self.slot as *mut Slot<T>).cast();
        &mut self.message
    }
}

/// Boxes a greenlet's outcome for its trip to the parent.
pub(crate) fn carry<T: 'static>(outcome: Result<T, Error>) -> Box<dyn Carried> {
    let (slot, raise) = match outcome {
        Ok(value) => (Slot::new(value), Raise::Nothing),
        Err(err) => (Slot::empty(), Raise::Error(err)),
    };
    Box::new(Carry {
        slot,
        message: Message {
            slot: ptr::null_mut(),
            ty: Ty::of::<T>(),
            raise,
        },
    })
}

/// A panic on its way to the parent of the greenlet that panicked.
pub(crate) fn carry_panic(payload: Box<dyn Any + Send>) -> Box<dyn Carried> {
    Box::new(Carry::<()> {
        slot: Slot::empty(),
        message: Message {
            slot: ptr::null_mut(),
            ty: Ty::of::<()>(),
            raise: Raise::Panic(payload),
        },
    })
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
    Root(RootInfo),
}

/// A green thread root's link to its task.
pub(crate) struct RootInfo {
    /// Wakes the task, for a root that ends under another green thread's poll.
    pub(crate) waker: RefCell<Option<Waker>>,
}

pub(crate) struct Node {
    fiber: UnsafeCell<Option<Fiber>>,
    pub(crate) state: Cell<State>,
    /// The type its pending switch (or, unstarted, its body) takes.
    pub(crate) accepts: Cell<Ty>,
    /// Counted in the parent's `handles`.
    parent: RefCell<Option<Rc<Node>>>,
    /// `Greenlet` handles plus children naming it as parent: when none is left while it
    /// waits in a switch, nothing can switch to it again.
    handles: Cell<usize>,
    pub(crate) yielder: Cell<*const Yielder>,
    /// Set while it is being killed: it may no longer switch or block.
    pub(crate) dying: Cell<bool>,
    pub(crate) kind: Kind,
    /// For the stack-overflow report while it runs.
    running: Cell<Running>,
    /// The task's name the report points into.
    name: RefCell<Option<Rc<str>>>,
}

impl Node {
    fn new(kind: Kind, accepts: Ty, parent: Option<Rc<Node>>) -> Node {
        if let Some(parent) = &parent {
            parent.handles.set(parent.handles.get() + 1);
        }
        Node {
            fiber: UnsafeCell::new(None),
            state: Cell::new(State::Unstarted),
            accepts: Cell::new(accepts),
            parent: RefCell::new(parent),
            handles: Cell::new(0),
            yielder: Cell::new(ptr::null()),
            dying: Cell::new(false),
            kind,
            running: Cell::new(Running::NONE),
            name: RefCell::new(None),
        }
    }

    /// A greenlet whose parent is the current greenlet; it has no body yet.
    pub(crate) fn greenlet(accepts: Ty) -> Rc<Node> {
        Rc::new(Node::new(Kind::Greenlet, accepts, Some(current())))
    }

    /// A green thread's root, to be given its entry with [`Node::set_entry`].
    pub(crate) fn root() -> Rc<Node> {
        Rc::new(Node::new(
            Kind::Root(RootInfo {
                waker: RefCell::new(None),
            }),
            Ty::of::<()>(),
            None,
        ))
    }

    /// Gives an unstarted node its code: `entry` runs on a new stack of `size` bytes the first
    /// time the node is resumed, with that first resume's input.
    pub(crate) fn set_entry<F>(&self, size: usize, entry: F) -> std::io::Result<()>
    where
        F: FnOnce(Resume) -> Finish + 'static,
    {
        let stack = stack::take(size)?;
        let mut running = self.running.get();
        running.guard = corosensei::stack::Stack::limit(&stack).get();
        running.size = stack::usable_size(&stack);
        self.running.set(running);
        let fiber = Fiber::with_stack(stack, move |yielder: &Yielder, first: Resume| {
            let me = current_ptr();
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
            .map_or((ptr::null(), 0), |n| (n.as_ptr(), n.len()));
        self.running.set(running);
        *self.name.borrow_mut() = name; // the report points into these bytes
    }

    pub(crate) fn has_entry(&self) -> bool {
        // SAFETY: a shared read of the option's discriminant; no `&mut` is alive (see above).
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

    /// Re-parents this greenlet; a cycle (or a root) is refused.
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
        parent.handles.set(parent.handles.get() + 1);
        let old = self.parent.replace(Some(parent.clone()));
        if let Some(old) = old {
            release_handle(old);
        }
        Ok(())
    }

    pub(crate) fn add_handle(&self) {
        self.handles.set(self.handles.get() + 1);
    }

    /// Resumes the fiber with `input` as the current greenlet.
    fn resume(self: &Rc<Node>, input: Resume) -> CoroutineResult<Suspend, Finish> {
        let outer = set_current(Rc::as_ptr(self));
        let outer_running = stack::set_running(self.running.get());
        self.state.set(State::Running);
        let _restore = Restore(outer, outer_running);
        // SAFETY: only the driver that resumes a node touches its fiber, and a node is
        // resumed by one driver at a time (only `Unstarted`, `Suspended` and `Blocked` nodes
        // are resumed, and resuming makes them `Running`); the fiber is not moved while it
        // runs because nothing else can reach the cell meanwhile.
        let fiber =
            unsafe { (*self.fiber.get()).as_mut() }.expect("a resumed greenlet has a fiber");
        fiber.resume(input)
    }

    /// The fiber ended: the node is dead and its stack goes back to the pool.
    fn finished(&self) {
        self.state.set(State::Dead);
        // SAFETY: the fiber has returned, nobody else touches the cell (see `resume`).
        if let Some(fiber) = unsafe { (*self.fiber.get()).take() } {
            stack::give_back(fiber.into_stack());
        }
    }

    /// Kills this greenlet: an unstarted one is dropped without running; a suspended or
    /// blocked one is resumed with [`Resume::Kill`] and unwinds, running its destructors, on
    /// the spot (a nested resume: the killer's stack holds one frame). A greenlet that
    /// suspends again while it unwinds (it blocked in a destructor) is abandoned: its stack
    /// and everything on it are leaked, never freed, and the leak is reported.
    pub(crate) fn kill(self: &Rc<Node>) {
        match self.state.get() {
            State::Dead | State::Running => return,
            State::Unstarted => {
                self.state.set(State::Dead);
                // SAFETY: an unstarted fiber is touched by nobody else.
                let fiber = unsafe { (*self.fiber.get()).take() };
                drop(fiber); // drops the entry closure, never runs it
                return;
            }
            State::Suspended | State::Blocked => {}
        }
        self.dying.set(true);
        match self.resume(Resume::Kill) {
            CoroutineResult::Return(_) => self.finished(),
            CoroutineResult::Yield(_) => self.abandon(),
        }
    }

    /// The last resort when a killed fiber suspends again anyway (through code that bypasses
    /// the checks in `switch` and `block_on`): it is never resumed again.
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
            "greenery: a green thread blocked again while it was being killed (in a destructor, \
             or in a blocking call that ignored the kill); its stack and what it owned are leaked"
        ));
    }

    /// The first greenlet able to take a switch aimed at this one: itself, or (if it is dead)
    /// its nearest live ancestor (greenlet rule 31).
    fn live(self: &Rc<Node>) -> Option<Rc<Node>> {
        let mut node = self.clone();
        while node.state.get() == State::Dead {
            node = node.parent()?;
        }
        Some(node)
    }

    /// Why a value of type `ty` cannot be switched into this greenlet now, if it cannot.
    fn refuses(&self, ty: Ty) -> Option<Error> {
        match self.state.get() {
            State::Running | State::Blocked | State::Dead => Some(Error::Busy),
            State::Unstarted if !self.has_entry() => Some(Error::NoBody),
            State::Unstarted | State::Suspended => (!self.accepts.get().takes(ty))
                .then(|| Error::WrongType(TypeMismatch::new(self.accepts.get(), ty))),
        }
    }

    pub(crate) fn wake_task(&self) {
        if let Kind::Root(info) = &self.kind {
            if let Some(waker) = info.waker.borrow().as_ref() {
                waker.wake_by_ref();
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(parent) = self.parent.get_mut().take() {
            release_handle(parent);
        }
    }
}

/// Restores the current greenlet and the overflow report when a resume returns (or unwinds).
struct Restore(*const Node, Running);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        set_current(self.0);
        stack::set_running(self.1);
    }
}

// ----- handles -------------------------------------------------------------------------------

/// One handle (or child's parent link) to `node` went away: if it was the last and the
/// greenlet waits in a switch, nothing can switch to it again, so it gets `GreenletExit`.
pub(crate) fn release_handle(node: Rc<Node>) {
    let left = node.handles.get() - 1;
    node.handles.set(left);
    if left == 0 && matches!(node.kind, Kind::Greenlet) {
        match node.state.get() {
            State::Suspended => raise_exit(&node),
            State::Unstarted => node.kill(),
            _ => {}
        }
    }
}

/// Raises `GreenletExit` in a suspended greenlet nobody can reach any more, the way greenlet
/// does when it is garbage-collected: the greenlet that dropped the last handle becomes its
/// parent and switches into it with [`Error::Exit`]; the greenlet runs until it returns (its
/// value comes back and is discarded) or switches elsewhere. Where that switch cannot be made
/// (the dropper is being killed or unwinds a panic, or it is a green thread's poll rather than
/// a greenlet) the greenlet is unwound on the spot instead.
fn raise_exit(node: &Rc<Node>) {
    let me = current();
    let switchable = me.state.get() == State::Running
        && !me.dying.get()
        && !std::thread::panicking()
        && (!me.is_native() || task_cx().is_null());
    if !switchable {
        node.kill();
        return;
    }
    me.handles.set(me.handles.get() + 1);
    if let Some(old) = node.parent.replace(Some(me.clone())) {
        release_handle(old);
    }
    let mut nothing = Slot::<()>::empty();
    let mut message = Message::new(&mut nothing, Raise::Error(Error::Exit));
    match transfer(&me, node, &mut message, Ty::any()) {
        // Whatever comes back is dropped unread; only a panic carries on.
        Landed::Go(message, carry) => {
            // SAFETY: the message is live until `carry` drops (see `switch`).
            if let Raise::Panic(payload) =
                std::mem::replace(unsafe { &mut (*message).raise }, Raise::Nothing)
            {
                drop(carry);
                panic::resume_unwind(payload);
            }
        }
        Landed::Kill => kill_unwind(),
        Landed::Error(_) => {}
    }
}

// ----- switching -----------------------------------------------------------------------------

/// Switches from the current greenlet to `target`, sending `value` (or raising `err` there),
/// and returns what is switched back.
pub(crate) fn switch<T: 'static>(target: &Rc<Node>, outcome: Result<T, Error>) -> Result<T, Error> {
    let me = current();
    if me.dying.get() {
        // A killed greenlet that caught its kill and switches again is unwound again; during
        // the unwind itself (a destructor switching) the switch just fails.
        if std::thread::panicking() {
            return Err(Error::Exit);
        }
        kill_unwind();
    }
    let Some(target) = target.live() else {
        return Err(Error::Busy);
    };
    if Rc::ptr_eq(&target, &me) {
        return outcome; // greenlet: switching to yourself returns your own arguments
    }
    let raise = match outcome {
        Err(err) if target.state.get() == State::Unstarted => {
            // Thrown into a greenlet that never ran: it dies without running, and the error
            // is raised in its parent (greenlet rule 32).
            target.kill();
            return match target.live() {
                Some(parent) => switch::<T>(&parent, Err(err)),
                None => Err(err),
            };
        }
        Err(err) => Err(err),
        Ok(value) => Ok(value),
    };
    let ty = Ty::of::<T>();
    if let Some(refused) = target.refuses(ty) {
        return Err(refused);
    }
    let (mut slot, raise) = match raise {
        Ok(value) => (Slot::new(value), Raise::Nothing),
        Err(err) => (Slot::empty(), Raise::Error(err)),
    };
    let mut message = Message::new(&mut slot, raise);
    match transfer(&me, &target, &mut message, ty) {
        Landed::Go(message, carry) => {
            // SAFETY: whoever resumed us sent a message checked against `accepts`, which
            // `transfer` set to `T`; it lives until we took it (its sender is suspended, or
            // `carry` holds a dead greenlet's result until it drops below).
            let received = unsafe { receive::<T>(message) };
            drop(carry);
            received
        }
        Landed::Kill => kill_unwind(),
        Landed::Error(err) => Err(err),
    }
}

/// How a greenlet suspended in a switch was resumed.
enum Landed {
    /// With a message (and, from the native root's driver, the dead greenlet's result it
    /// points into, to drop once read).
    Go(*mut Message, Option<Box<dyn Carried>>),
    /// To be killed.
    Kill,
    /// Not at all: the switch failed (native root only).
    Error(Error),
}

/// Suspends `me` in a switch accepting `accepts` and hands control to `target` with
/// `message`; returns how `me` was resumed.
fn transfer(me: &Rc<Node>, target: &Rc<Node>, message: &mut Message, accepts: Ty) -> Landed {
    me.accepts.set(accepts);
    me.state.set(State::Suspended);
    if !me.is_native() {
        return match suspend(me, Suspend::Switch(Rc::as_ptr(target), message)) {
            Resume::Go(message) => Landed::Go(message, None),
            Resume::Kill => Landed::Kill,
        };
    }
    // The native root drives the fibers itself until one switches back to it.
    let stop = drive(target.clone(), Resume::Go(message));
    me.state.set(State::Running);
    match stop {
        Stop::Native(message, carry) => Landed::Go(message, carry),
        Stop::Blocked(node) => {
            // Outside a green thread nothing would ever resume it: unwind it, and say so.
            node.kill();
            Landed::Error(Error::raised(
                "a greenlet blocked (sleep, block_on, IO) while switched to from outside a \
                 green thread; run greenlets that block inside green::run or green::spawn",
            ))
        }
        Stop::Finished(node) => {
            node.wake_task();
            Landed::Error(Error::raised(
                "the greenlet switched to ended its green thread; nothing switched back",
            ))
        }
    }
}

/// Suspends the running fiber `me` with `request`; returns how it was resumed.
pub(crate) fn suspend(me: &Node, request: Suspend) -> Resume {
    let yielder = me.yielder.get();
    debug_assert!(!yielder.is_null());
    // SAFETY: `yielder` was set when the fiber started and lives on its stack, which is the
    // stack we are running on.
    unsafe { (*yielder).suspend(request) }
}

/// Unwinds the current fiber because it is being killed. Fibers never suspend while they
/// unwind (see `block_on`), so a fiber resumed to be killed is never mid-unwind here.
pub(crate) fn kill_unwind() -> ! {
    panic::resume_unwind(Box::new(Killed))
}

// ----- the driver ----------------------------------------------------------------------------

/// Why a driver stopped.
pub(crate) enum Stop {
    /// This greenlet waits for a future in `block_on`.
    Blocked(Rc<Node>),
    /// Control reached the native root, with the message for it (and the dead greenlet's
    /// result it points into, if it came from one).
    Native(*mut Message, Option<Box<dyn Carried>>),
    /// A green thread's root ended, and nothing is left to run.
    Finished(Rc<Node>),
}

/// Runs greenlets, starting by resuming `node` with `input`, until one blocks, control
/// reaches the native root, or a green thread's root ends.
pub(crate) fn drive(mut node: Rc<Node>, mut input: Resume) -> Stop {
    let mut carry: Option<Box<dyn Carried>> = None;
    let mut unreachable: Option<Rc<Node>> = None;
    loop {
        let result = node.resume(input);
        // The greenlet just resumed has run until its next suspension: it took its message,
        // so the dead greenlet's result it came in, and the greenlet it came from if nothing
        // can switch back to that one, may go.
        drop(carry.take());
        if let Some(from) = unreachable.take() {
            from.kill();
        }
        match result {
            CoroutineResult::Yield(Suspend::Block) => {
                node.state.set(State::Blocked);
                return Stop::Blocked(node);
            }
            CoroutineResult::Yield(Suspend::Switch(target, message)) => {
                // SAFETY: the switcher holds an `Rc` to its target while it is suspended in the
                // switch (its `transfer` frame borrows it), and `target` came from `Rc::as_ptr`.
                let target = unsafe {
                    Rc::increment_strong_count(target);
                    Rc::from_raw(target)
                };
                let from = std::mem::replace(&mut node, target);
                if from.handles.get() == 0 && matches!(from.kind, Kind::Greenlet) {
                    // Nothing can switch back to it: once its message is read it is unwound.
                    unreachable = Some(from);
                }
                if node.is_native() {
                    // The native root reads the message after we return: `from` (holding it)
                    // is left alone, to be collected when someone drops a handle.
                    return Stop::Native(message, None);
                }
                input = Resume::Go(message);
            }
            CoroutineResult::Return(finish) => {
                node.finished();
                let Finish::Result(mut result) = finish else {
                    return Stop::Finished(node);
                };
                let message = result.message();
                let Some(parent) = node.parent().and_then(|p| p.live()) else {
                    // A greenlet whose parents are all dead and root-less: its result is dropped.
                    drop(result);
                    panic!("greenery: a greenlet ended and none of its parents is alive to take its result");
                };
                // SAFETY: `message` points into `result`, alive here.
                let ty = unsafe { (*message).ty };
                if let Some(refused) = parent.refuses(ty) {
                    if matches!(refused, Error::WrongType(_)) {
                        // SAFETY: as above.
                        unsafe { (*message).raise = Raise::Error(refused) };
                    } else {
                        drop(result);
                        panic!(
                            "greenery: a greenlet ended but its parent is busy (blocked in \
                             another green thread, or running), so its result has nowhere to go"
                        );
                    }
                }
                if parent.is_native() {
                    return Stop::Native(message, Some(result));
                }
                carry = Some(result);
                node = parent;
                input = Resume::Go(message);
            }
        }
    }
}

// ----- the current greenlet ------------------------------------------------------------------

struct Local {
    /// The fiber running now; null while native code runs.
    current: Cell<*const Node>,
    /// The `Context` of the green thread whose poll is driving fibers; null otherwise.
    cx: Cell<*mut Context<'static>>,
}

thread_local! {
    static LOCAL: Local = const {
        Local { current: Cell::new(ptr::null()), cx: Cell::new(ptr::null_mut()) }
    };
    static NATIVE: RefCell<Option<Rc<Node>>> = const { RefCell::new(None) };
}

#[inline]
fn current_ptr() -> *const Node {
    LOCAL.with(|local| local.current.get())
}

#[inline]
fn set_current(node: *const Node) -> *const Node {
    LOCAL.with(|local| local.current.replace(node))
}

/// Whether the code running now is a fiber (a greenlet or a green thread), not native code.
#[inline]
pub(crate) fn in_fiber() -> bool {
    !current_ptr().is_null()
}

/// The greenlet running now: a fiber, or this thread's native root.
pub(crate) fn current() -> Rc<Node> {
    let node = current_ptr();
    if node.is_null() {
        return native_root();
    }
    // SAFETY: `current` is set by `Node::resume` from `Rc::as_ptr` of an `Rc` the driver
    // holds for the whole resume, and restored before that `Rc` can go.
    unsafe {
        Rc::increment_strong_count(node);
        Rc::from_raw(node)
    }
}

fn native_root() -> Rc<Node> {
    NATIVE.with(|native| {
        native
            .borrow_mut()
            .get_or_insert_with(|| {
                let node = Node::new(Kind::Native, Ty::of::<()>(), None);
                node.state.set(State::Running);
                Rc::new(node)
            })
            .clone()
    })
}

/// Runs `f` with `cx` as the context that `block_on` polls futures with.
pub(crate) fn with_cx<R>(cx: &mut Context<'_>, f: impl FnOnce() -> R) -> R {
    struct Reset(*mut Context<'static>);
    impl Drop for Reset {
        fn drop(&mut self) {
            LOCAL.with(|local| local.cx.set(self.0));
        }
    }
    let cx: *mut Context<'static> = (cx as *mut Context<'_>).cast();
    let _reset = Reset(LOCAL.with(|local| local.cx.replace(cx)));
    f()
}

/// The context of the green thread being polled, if a fiber runs under one.
#[inline]
pub(crate) fn task_cx() -> *mut Context<'static> {
    LOCAL.with(|local| local.cx.get())
}

/// Runs `f`, catching a panic (a kill's [`Killed`] included).
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    panic::catch_unwind(AssertUnwindSafe(f))
}
