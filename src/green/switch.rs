//! Switching between greenlets, and the driver that carries switches out.
//!
//! A fiber never resumes another fiber: it suspends to a *driver* with what it wants
//! ([`Suspend::Switch`] to a target, or [`Suspend::Block`] on a future), and the driver
//! resumes the next one. There are two drivers: a green thread's poll (a greenlet that blocks
//! makes the task return `Pending`) and the native root's own switch (which runs fibers until
//! one switches back to it). So any greenlet may switch to any other that waits in a switch,
//! and no stack ever grows with the number of switches.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;
use std::task::Context;

use corosensei::CoroutineResult;

use super::message::{self, Carried, Message, Port, Raise};
use super::node::{Finish, Killed, Kind, Node, Resume, State, Suspend};
use super::stack::Running;
use crate::greenlet::slot::Slot;
use crate::greenlet::Error;
use crate::runtime::observe;

// ----- the current greenlet ------------------------------------------------------------------

struct Local {
    /// The fiber running now; null while native code runs.
    current: Cell<*const Node>,
    /// This thread's native root, once made (owned by `NATIVE`).
    native: Cell<*const Node>,
    /// The `Context` of the green thread whose poll is driving fibers; null otherwise.
    cx: Cell<*mut Context<'static>>,
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            current: Cell::new(ptr::null()),
            native: Cell::new(ptr::null()),
            cx: Cell::new(ptr::null_mut()),
        }
    };
    static NATIVE: RefCell<Option<Rc<Node>>> = const { RefCell::new(None) };
}

#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub(crate) fn current_ptr() -> *const Node {
    LOCAL.with(|local| local.current.get())
}

/// Makes a node current while it is resumed, restoring the previous one after.
pub(crate) struct Current(*const Node);

impl Current {
    #[inline]
    pub(crate) fn enter(node: &Rc<Node>) -> Current {
        Current(LOCAL.with(|local| local.current.replace(Rc::as_ptr(node))))
    }
}

impl Drop for Current {
    #[inline]
    fn drop(&mut self) {
        LOCAL.with(|local| local.current.set(self.0));
    }
}

/// Whether the code running now is a fiber (a greenlet or a green thread), not native code.
#[inline]
pub(crate) fn in_fiber() -> bool {
    !current_ptr().is_null()
}

/// The greenlet running now, as a pointer from `Rc::as_ptr`: a fiber, or the native root.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
fn me_ptr() -> *const Node {
    let (current, native) = LOCAL.with(|local| (local.current.get(), local.native.get()));
    match (current.is_null(), native.is_null()) {
        (false, _) => current,
        (true, false) => native,
        (true, true) => Rc::as_ptr(&native_root()),
    }
}

/// The fiber running now, borrowed for as long as it runs: its node outlives every suspension
/// of its own stack (dropping it kills the fiber, resuming it first).
///
/// # Safety
/// Only call on a fiber's stack (`in_fiber()`), and do not keep the reference past the
/// fiber's entry function.
#[inline]
pub(crate) unsafe fn running_fiber<'a>() -> &'a Node {
    // SAFETY: forwarded from the caller: on a fiber's stack `current` is its live node.
    unsafe { &*current_ptr() }
}

/// The greenlet running now: a fiber, or this thread's native root.
pub(crate) fn current() -> Rc<Node> {
    let node = me_ptr();
    // SAFETY: `me_ptr` comes from `Rc::as_ptr` of a live `Rc`: the current fiber's (its
    // driver holds one for the whole resume) or the native root's (owned by `NATIVE` until
    // the thread exits).
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
                let node = Rc::new(Node::new(Kind::Native, Port::of::<()>(), None));
                node.state.set(State::Running);
                LOCAL.with(|local| local.native.set(Rc::as_ptr(&node)));
                node
            })
            .clone()
    })
}

/// What the stack-overflow report says about the fiber running now.
pub(crate) fn running() -> Running {
    let node = LOCAL
        .try_with(|local| local.current.get())
        .unwrap_or(ptr::null());
    if node.is_null() {
        return Running::NONE;
    }
    // SAFETY: the current fiber's node is alive while it runs (see `current`).
    unsafe { (*node).running.get() }
}

/// Runs `f` with `cx` as the context `block_on` polls futures with.
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

/// Suspends the running fiber `me` with `request`; returns how it was resumed.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub(crate) fn suspend(me: &Node, request: Suspend) -> Resume {
    let yielder = me.yielder.get();
    debug_assert!(!yielder.is_null());
    // SAFETY: `yielder` was set when the fiber started and lives on its stack, which is the
    // stack running this code.
    unsafe { (*yielder).suspend(request) }
}

/// Unwinds the current fiber because it is being killed. Fibers never suspend while they
/// unwind (see `block_on`), so a fiber resumed to be killed is never mid-unwind here.
pub(crate) fn kill_unwind() -> ! {
    panic::resume_unwind(Box::new(Killed))
}

/// Runs `f`, catching a panic (a kill's [`Killed`] included).
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    panic::catch_unwind(AssertUnwindSafe(f))
}

// ----- switching -----------------------------------------------------------------------------

/// Switches from the current greenlet to `target` with `value`; returns what is switched back.
///
/// In release builds this whole path (like `block_on`, `sleep` and `yield_now`) is inlined
/// into its caller: every call level between user code and the context switch makes the
/// resumed side return through frames it never entered, so the CPU's return predictor misses
/// on both stacks (measured ~2x slower per switch). Debug builds keep the path out of line,
/// whose frames would otherwise add up and overflow green stacks in deep recursion.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
pub(crate) fn switch<T: 'static>(target: &Rc<Node>, value: T) -> Result<T, Error> {
    let port = Port::of::<T>();
    let me = me_ptr();
    // SAFETY: see `current`: the node is alive while it is current.
    let me = unsafe { &*me };
    let plain = !me.dying.get()
        && target.state.get() == State::Suspended
        && target.accepts.get().refuses(port).is_none()
        && !ptr::eq(me, Rc::as_ptr(target));
    if !plain {
        return switch_slow(target, Ok(value));
    }
    let mut slot = Slot::new(value);
    let mut message = Message::new(&mut slot, Raise::Nothing);
    land(transfer(me, target, &mut message, port))
}

/// Raises `err` at `target`'s pending switch; returns what is switched back.
pub(crate) fn throw<T: 'static>(target: &Rc<Node>, err: Error) -> Result<T, Error> {
    switch_slow(target, Err(err))
}

/// Every case of a switch: dead targets, switching to yourself, throws, refusals, a dying
/// switcher.
#[cold]
fn switch_slow<T: 'static>(target: &Rc<Node>, outcome: Result<T, Error>) -> Result<T, Error> {
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
    if let (Err(_), State::Unstarted) = (&outcome, target.state.get()) {
        // Thrown into a greenlet that never ran: it dies without running, and the error is
        // raised in its parent (greenlet rule 32).
        target.kill();
        return match target.live() {
            Some(parent) => switch_slow(&parent, outcome),
            None => outcome,
        };
    }
    let port = Port::of::<T>();
    if let Some(refused) = target.refuses(outcome.is_ok().then_some(port)) {
        return Err(refused);
    }
    let (mut slot, raise) = match outcome {
        Ok(value) => (Slot::new(value), Raise::Nothing),
        Err(err) => (Slot::empty(), Raise::Error(err)),
    };
    let mut message = Message::new(&mut slot, raise);
    land(transfer(&me, &target, &mut message, port))
}

/// How a greenlet waiting in a switch was resumed.
enum Landed {
    /// With a message.
    Go(*mut Message),
    /// With a message, by the native root's own driver, which hands over what must go once
    /// the message is read.
    Native(*mut Message, Leftovers),
    /// To be killed.
    Kill,
    /// Not at all: the switch failed (native root only).
    Error(Error),
}

/// Takes a landed switch's value for a receiver of `T`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
fn land<T: 'static>(landed: Landed) -> Result<T, Error> {
    match landed {
        // SAFETY: whoever resumed us sent a message checked against our port, which `transfer`
        // set to `T`; it lives until we took it (its sender is suspended, or the driver keeps
        // a dead greenlet's result until we suspend again).
        Landed::Go(message) => unsafe { message::receive::<T>(message) },
        Landed::Native(message, leftovers) => {
            // SAFETY: as above; `leftovers` holds a dead greenlet's result until it drops.
            let received = unsafe { message::receive::<T>(message) };
            drop(leftovers);
            received
        }
        Landed::Kill => kill_unwind(),
        Landed::Error(err) => Err(err),
    }
}

/// Suspends `me` in a switch accepting `accepts` and hands control to `target` with
/// `message`; returns how `me` was resumed.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))] // see `switch::switch`
fn transfer(me: &Node, target: &Rc<Node>, message: &mut Message, accepts: Port) -> Landed {
    me.accepts.set(accepts);
    me.state.set(State::Suspended);
    if !me.is_native() {
        return match suspend(me, Suspend::Switch(Rc::as_ptr(target), message)) {
            Resume::Go(message) => Landed::Go(message),
            Resume::Kill => Landed::Kill,
        };
    }
    // The native root drives the fibers itself until one switches back to it.
    observe::switched(ptr::from_ref(me) as usize, Rc::as_ptr(target) as usize);
    let stop = drive(target.clone(), Resume::Go(message));
    me.state.set(State::Running);
    match stop {
        Stop::Native(message, leftovers) => Landed::Native(message, leftovers),
        Stop::Blocked(_) => {
            unreachable!("block_on refuses to suspend a fiber that no green thread's poll drives")
        }
        Stop::Finished(node) => {
            node.wake_task();
            Landed::Error(Error::raised(
                "the greenlet switched to ended its green thread; nothing switched back",
            ))
        }
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
    node.replace_parent(me.clone());
    let mut nothing = Slot::<()>::empty();
    let mut message = Message::new(&mut nothing, Raise::Error(Error::Exit));
    match transfer(&me, node, &mut message, Port::any()) {
        // SAFETY: the message is live until we suspend again (see `land`).
        Landed::Go(message) => unsafe { message::discard(message) },
        Landed::Native(message, leftovers) => {
            // SAFETY: the message is live until `leftovers` drops (see `land`).
            unsafe { message::discard(message) };
            drop(leftovers);
        }
        Landed::Kill => kill_unwind(),
        Landed::Error(_) => {}
    }
}

// ----- the driver ----------------------------------------------------------------------------

/// Why a driver stopped.
pub(crate) enum Stop {
    /// This greenlet waits for a future in `block_on`.
    Blocked(Rc<Node>),
    /// Control reached the native root, with the message for it.
    Native(*mut Message, Leftovers),
    /// A green thread's root ended, and nothing is left to run.
    Finished(Rc<Node>),
}

/// What a driver disposes of once the greenlet it resumed has read its message: the dead
/// greenlet's result it points into, and the greenlet it came from if nothing can switch back
/// to that one (it is then unwound).
#[derive(Default)]
pub(crate) struct Leftovers {
    carry: Option<Box<dyn Carried>>,
    unreachable: Option<Rc<Node>>,
}

impl Leftovers {
    #[cold]
    fn dispose(&mut self) {
        drop(self.carry.take());
        if let Some(node) = self.unreachable.take() {
            node.kill();
        }
    }
}

impl Drop for Leftovers {
    #[inline]
    fn drop(&mut self) {
        // Almost always empty: keep that case to two loads.
        if self.carry.is_some() || self.unreachable.is_some() {
            self.dispose();
        }
    }
}

/// Runs greenlets, starting by resuming `node` with `input`, until one blocks, control
/// reaches the native root, or a green thread's root ends.
pub(crate) fn drive(mut node: Rc<Node>, mut input: Resume) -> Stop {
    let mut leftovers = Leftovers::default();
    loop {
        let result = node.resume(input);
        if leftovers.carry.is_some() || leftovers.unreachable.is_some() {
            leftovers.dispose();
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
                observe::switched(Rc::as_ptr(&from) as usize, Rc::as_ptr(&node) as usize);
                if from.handles.get() == 0 && matches!(from.kind, Kind::Greenlet) {
                    leftovers.unreachable = Some(from);
                }
                if node.is_native() {
                    return Stop::Native(message, leftovers);
                }
                input = Resume::Go(message);
            }
            CoroutineResult::Return(Finish::Done) => {
                node.finished();
                return Stop::Finished(node);
            }
            CoroutineResult::Return(Finish::Result(mut result)) => {
                node.finished();
                let message = result.message();
                leftovers.carry = Some(result);
                let Some(parent) = node.parent().and_then(|parent| parent.live()) else {
                    panic!("greenery: a greenlet ended and none of its parents is alive");
                };
                // SAFETY: `message` points into the carried result, alive in `leftovers`.
                let message_ref = unsafe { &mut *message };
                match parent.refuses(message_ref.value_port()) {
                    None => {}
                    Some(wrong @ Error::WrongType(_)) => message_ref.raise = Raise::Error(wrong),
                    Some(_) => panic!(
                        "greenery: a greenlet ended but its parent is busy (blocked in another \
                         green thread, or running), so its result has nowhere to go"
                    ),
                }
                observe::switched(Rc::as_ptr(&node) as usize, Rc::as_ptr(&parent) as usize);
                if parent.is_native() {
                    return Stop::Native(message, leftovers);
                }
                node = parent;
                input = Resume::Go(message);
            }
        }
    }
}
