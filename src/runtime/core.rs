//! The executor: one thread, one slab of tasks, one FIFO run queue, one reactor.
//!
//! A loop iteration follows gevent's hub: (1) drain the run queue, including tasks queued while
//! draining; (2) poll IO without blocking if anything is runnable, else block until the next
//! timer deadline; (3) fire due timers in deadline order; (4) wake `idle()` waiters only when
//! nothing else was pending. While draining, the clock is read every [`FAIRNESS_POLLS`] polls and
//! a non-blocking IO and timer turn runs once `switch_interval` has passed, so a task spinning on
//! `yield_now()` cannot starve IO or timers.
//!
//! Besides tasks, the run queue holds notification passes (`pass.rs`): an entry that, when the
//! executor reaches it, serves the waiters of one object one after the other, each polled at
//! once until it returns `Pending`.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::{pin, Pin};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

use super::builder::{Config, LoopExitPolicy};
use super::context::Entered;
use super::io::Reactor;
use super::kill::Killed;
use super::loop_exit::{Catchers, LoopExit};
use super::observe::{Observer, Polled};
use super::pass::{Pass, Step};
use super::task::{Extra, Phase, RawTask, Slot, TaskInfo, TaskRef, TaskState, MAIN, PASS};
use super::timer::clock::Clock;
use super::timer::heap::Timers;
use super::waker::{self, Packed, Shared, MAX_INDEX};

/// Polls between two looks at the clock for the fairness bound.
const FAIRNESS_POLLS: u32 = 32;

/// Whether a wake schedules its task at the back of the run queue (`Off`) or hands it to the
/// notification pass that woke it (`Armed`, then `Got`), to be polled at once.
#[derive(Clone, Copy)]
enum Capture {
    Off,
    Armed,
    Got(TaskRef),
}

pub(crate) struct Core {
    id: u16,
    pub(crate) shared: Arc<Shared>,
    pub(super) tasks: RefCell<Slab<Slot>>,
    pub(super) run_queue: RefCell<VecDeque<TaskRef>>,
    /// The notification passes in the run queue (each a [`PASS`] entry there), in order.
    passes: RefCell<VecDeque<Rc<dyn Pass>>>,
    capture: Cell<Capture>,
    main_scheduled: Cell<bool>,
    current: Cell<Option<TaskRef>>,
    next_id: Cell<u64>,
    pub(super) finish_count: Cell<u64>,
    pub(super) next_link: Cell<u64>,
    pub(crate) timers: RefCell<Timers>,
    pub(crate) reactor: Reactor,
    pub(crate) clock: Clock,
    idle_waiters: RefCell<Vec<Waker>>,
    pub(crate) catchers: Catchers,
    pub(super) config: Config,
    abort: RefCell<Option<Box<dyn Any + Send>>>,
    /// The `Rc` this core lives in, for the tasks it spawns itself (links).
    pub(super) this: Weak<Core>,
    /// State that modules above the core keep per runtime (see [`Core::local`]).
    locals: RefCell<Vec<Rc<dyn Any>>>,
    /// Run info, trace, monitor, `tracing` spans: `None` unless asked for (`observe.rs`).
    pub(crate) observer: Option<Box<Observer>>,
}

impl Core {
    pub(crate) fn new(config: Config) -> io::Result<Rc<Core>> {
        let observer = Observer::new(&config)?;
        let (reactor, mio_waker) = Reactor::new()?;
        let shared = Arc::new(Shared::new(mio_waker));
        let id = waker::registry_insert(shared.clone()).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::OutOfMemory,
                "too many greenery runtimes alive at once (65,536)",
            )
        })?;
        Ok(Rc::new_cyclic(|this| Core {
            id,
            shared,
            tasks: RefCell::new(Slab::new()),
            run_queue: RefCell::new(VecDeque::new()),
            passes: RefCell::new(VecDeque::new()),
            capture: Cell::new(Capture::Off),
            main_scheduled: Cell::new(false),
            current: Cell::new(None),
            next_id: Cell::new(1),
            finish_count: Cell::new(0),
            next_link: Cell::new(0),
            timers: RefCell::new(Timers::new()),
            reactor,
            clock: Clock::new(config.start_paused),
            idle_waiters: RefCell::new(Vec::new()),
            catchers: Catchers::default(),
            config,
            abort: RefCell::new(None),
            this: this.clone(),
            locals: RefCell::new(Vec::new()),
            observer,
        }))
    }

    pub(crate) fn id(&self) -> u16 {
        self.id
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The stack size of green threads spawned on this runtime.
    pub(crate) fn green_stack_size(&self) -> usize {
        self.config.green_stack_size
    }

    pub(crate) fn current_task(&self) -> Option<TaskRef> {
        self.current.get()
    }

    pub(crate) fn waker_of(&self, task: TaskRef) -> Waker {
        waker::waker(self.id, task)
    }

    // ----- spawning and scheduling -------------------------------------------------------

    /// Adds a task; it is queued at the back of the run queue unless `start` is false. Its
    /// spawn location is the caller's (every spawn function up to the user's call site is
    /// `#[track_caller]`).
    #[track_caller]
    pub(crate) fn spawn_raw(
        &self,
        body: Pin<Box<dyn RawTask>>,
        name: Option<Rc<str>>,
        start: bool,
    ) -> TaskRef {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let index = entry.key();
        assert!(
            index < PASS.index as usize,
            "greenery: too many live tasks (the limit is {})",
            PASS.index
        );
        let task = TaskRef {
            index: index as u32,
            id,
        };
        if let Some(observer) = &self.observer {
            observer.spawned(self.current.get(), task, name.as_ref(), Location::caller());
        }
        entry.insert(Slot {
            id,
            body: Some(body),
            extra: name.map(|name| {
                Box::new(Extra {
                    name: Some(name),
                    ..Extra::default()
                })
            }),
            refs: 0,
            phase: if start {
                Phase::Alive
            } else {
                Phase::Unstarted
            },
            scheduled: start,
            running: false,
            kill_requested: false,
            handle_alive: true,
        });
        drop(tasks);
        if start {
            self.enqueue(task);
        }
        task
    }

    /// Puts a task that was just scheduled at the back of the run queue, or hands it to the
    /// notification pass being served (see [`Capture`]).
    #[inline(always)]
    fn enqueue(&self, task: TaskRef) {
        if let Capture::Armed = self.capture.get() {
            self.capture.set(Capture::Got(task));
            return;
        }
        self.run_queue.borrow_mut().push_back(task);
    }

    /// Queues a notification pass at the back of the run queue.
    pub(crate) fn queue_pass(&self, pass: Rc<dyn Pass>) {
        self.passes.borrow_mut().push_back(pass);
        self.run_queue.borrow_mut().push_back(PASS);
        if let Some(observer) = &self.observer {
            observer.pass_queued(self.current.get());
        }
    }

    /// Queues a task whose waker fired. Waking a queued, finished or unstarted task, or with
    /// a stale waker whose slot now holds another task, does nothing.
    #[inline]
    pub(crate) fn schedule_packed(&self, packed: Packed) {
        if packed.index == MAX_INDEX {
            if !self.main_scheduled.replace(true) {
                self.enqueue(MAIN);
                if let Some(observer) = &self.observer {
                    observer.woken(MAIN, self.current.get());
                }
            }
            return;
        }
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(packed.index as usize) else {
            return;
        };
        if slot.scheduled || slot.phase != Phase::Alive || !packed.is_for(slot.id) {
            return;
        }
        slot.scheduled = true;
        let task = TaskRef {
            index: packed.index,
            id: slot.id,
        };
        drop(tasks);
        self.enqueue(task);
        if let Some(observer) = &self.observer {
            observer.woken(task, self.current.get());
        }
    }

    pub(crate) fn start(&self, task: TaskRef) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = self.slot_mut(&mut tasks, task) else {
            return;
        };
        if slot.phase == Phase::Unstarted {
            slot.phase = Phase::Alive;
            slot.scheduled = true;
            drop(tasks);
            self.enqueue(task);
        }
    }

    /// Starts an unstarted task once `delay` has passed: it becomes alive, waiting for a timer
    /// that holds its waker (so nothing else can start it, and the timer keeps the loop alive).
    pub(crate) fn start_later(&self, task: TaskRef, delay: Duration) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = self.slot_mut(&mut tasks, task) else {
            return;
        };
        if slot.phase != Phase::Unstarted {
            return;
        }
        slot.phase = Phase::Alive;
        // A deadline past the end of time never comes: the task waits forever.
        if let Some(deadline) = self.now().checked_add(delay) {
            let key = self
                .timers
                .borrow_mut()
                .insert(deadline, &self.waker_of(task));
            slot.rare().start_timer = Some(key);
        }
    }

    #[inline]
    pub(super) fn slot_mut<'a>(
        &self,
        tasks: &'a mut Slab<Slot>,
        task: TaskRef,
    ) -> Option<&'a mut Slot> {
        tasks
            .get_mut(task.index as usize)
            .filter(|slot| slot.id == task.id)
    }

    // ----- running -----------------------------------------------------------------------

    /// Polls one task from the run queue.
    #[inline]
    fn run_task(&self, task: TaskRef) {
        // Two copies: the unobserved one is exactly the loop without any observer code.
        match self.observer.is_some() {
            false => self.run_task_with::<false>(task),
            true => self.run_task_with::<true>(task),
        }
    }

    fn run_task_with<const OBSERVED: bool>(&self, task: TaskRef) {
        let body: *mut dyn RawTask = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = self.slot_mut(&mut tasks, task) else {
                return;
            };
            if !slot.scheduled || slot.phase != Phase::Alive {
                return;
            }
            slot.scheduled = false;
            let Some(body) = &mut slot.body else {
                return;
            };
            slot.running = true;
            // SAFETY: we only take the address; the body stays pinned in its box.
            unsafe { body.as_mut().get_unchecked_mut() }
        };
        let result = match self.observer.as_deref() {
            Some(observer) if OBSERVED => self.poll_observed(observer, task, body),
            _ => self.poll_body(task, body),
        };
        match result {
            Ok(Poll::Pending) => {
                let kill = {
                    let mut tasks = self.tasks.borrow_mut();
                    let slot = &mut tasks[task.index as usize];
                    slot.running = false;
                    std::mem::take(&mut slot.kill_requested).then(|| {
                        let rare = slot.extra.as_mut().and_then(|extra| extra.rare.as_mut());
                        rare.and_then(|rare| rare.killed.take()).unwrap_or_default()
                    })
                };
                if let Some(killed) = kill {
                    self.kill_with(task, killed);
                }
            }
            Ok(Poll::Ready(())) => self.finish(task, Phase::Done, None),
            Err(payload) => self.finish(task, Phase::Panicked, Some(payload)),
        }
    }

    /// Polls `task`'s body as its current task, catching a panic.
    #[inline(always)]
    fn poll_body(&self, task: TaskRef, body: *mut dyn RawTask) -> std::thread::Result<Poll<()>> {
        self.current.set(Some(task));
        let waker = self.waker_of(task);
        let mut cx = Context::from_waker(&waker);
        // SAFETY: `body` points into a pinned box owned by the slot. While `running` is set the
        // slot is neither removed nor its body dropped: `kill` only records the request and
        // every other remover checks `running`, so the box outlives this poll. No borrow of the
        // slab is held across the call.
        let result = panic::catch_unwind(AssertUnwindSafe(|| unsafe {
            Pin::new_unchecked(&mut *body).poll(&mut cx)
        }));
        self.current.set(None);
        result
    }

    /// [`poll_body`](Self::poll_body) with the observer told (kept out of the hot path).
    #[inline(never)]
    fn poll_observed(
        &self,
        observer: &Observer,
        task: TaskRef,
        body: *mut dyn RawTask,
    ) -> std::thread::Result<Poll<()>> {
        let polling = observer.poll_start(task);
        let result = self.poll_body(task, body);
        let polled = match result {
            Ok(Poll::Pending) => Polled::Pending,
            Ok(Poll::Ready(())) => Polled::Ready,
            Err(_) => Polled::Panicked,
        };
        observer.poll_end(task, polling, polled);
        result
    }

    // ----- introspection -----------------------------------------------------------------

    pub(crate) fn task_id(&self, task: TaskRef) -> u64 {
        if task.index == MAX_INDEX {
            return 0;
        }
        let mut tasks = self.tasks.borrow_mut();
        self.slot_mut(&mut tasks, task)
            .map_or(task.id, |slot| slot.id)
    }

    pub(crate) fn task_name(&self, task: TaskRef) -> Option<Rc<str>> {
        if task.index == MAX_INDEX {
            return Some(Rc::from("main"));
        }
        let mut tasks = self.tasks.borrow_mut();
        self.slot_mut(&mut tasks, task).and_then(|slot| slot.name())
    }

    pub(crate) fn task_state(&self, task: TaskRef) -> TaskState {
        if task.index == MAX_INDEX {
            return if self.current.get() == Some(MAIN) {
                TaskState::Running
            } else if self.main_scheduled.get() {
                TaskState::Scheduled
            } else {
                TaskState::Waiting
            };
        }
        let mut tasks = self.tasks.borrow_mut();
        // Every handle counts in its slot, so a handle always finds its task's slot; `Finished`
        // is only for a main future's view of a freed one.
        self.slot_mut(&mut tasks, task)
            .map_or(TaskState::Finished, |slot| TaskState::of(slot))
    }

    /// Every task that has not finished, in spawn order.
    pub(crate) fn active_tasks(&self) -> Vec<TaskInfo> {
        let tasks = self.tasks.borrow();
        let mut list: Vec<TaskInfo> = tasks
            .iter()
            .filter(|(_, slot)| !slot.phase.is_finished())
            .map(|(_, slot)| TaskInfo {
                id: slot.id,
                name: slot.name().map(|name| name.to_string()),
                state: TaskState::of(slot),
            })
            .collect();
        list.sort_by_key(|info| info.id);
        list
    }

    // ----- the loop ----------------------------------------------------------------------

    #[track_caller]
    pub(crate) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> Result<F::Output, LoopExit> {
        let _entered = Entered::new(self);
        if let Some(observer) = self.observer.as_deref() {
            observer.main_started(Location::caller());
        }
        let mut future = pin!(future);
        let main_waker = self.waker_of(MAIN);
        let mut cx = Context::from_waker(&main_waker);
        self.main_scheduled.set(true);
        self.run_queue.borrow_mut().push_back(MAIN);
        let mut fairness = Fairness {
            polls: 0,
            last_turn: Instant::now(),
        };
        loop {
            loop {
                let next = self.run_queue.borrow_mut().pop_front();
                let Some(task) = next else { break };
                let output = if task.index == PASS.index {
                    self.run_pass(&mut future, &mut cx, &mut fairness)
                } else {
                    self.poll_one(task, &mut future, &mut cx, &mut fairness)
                };
                if let Some(output) = output {
                    return Ok(output);
                }
            }
            fairness.last_turn = Instant::now();
            self.park()?;
        }
    }

    /// Polls a task from the run queue (the main future for [`MAIN`]); the main future's
    /// output if it finished.
    #[inline(always)]
    fn poll_one<F: Future>(
        &self,
        task: TaskRef,
        main: &mut Pin<&mut F>,
        cx: &mut Context<'_>,
        fairness: &mut Fairness,
    ) -> Option<F::Output> {
        if task.index == MAX_INDEX {
            if !self.main_scheduled.replace(false) {
                return None;
            }
            if let Poll::Ready(output) = self.poll_main(main, cx) {
                self.forget_main_wake();
                return Some(output);
            }
        } else {
            self.run_task(task);
            if let Some(payload) = self.abort.borrow_mut().take() {
                panic::resume_unwind(payload);
            }
        }
        fairness.polls = fairness.polls.wrapping_add(1);
        if fairness.polls % FAIRNESS_POLLS == 0 {
            let now = Instant::now();
            if now.duration_since(fairness.last_turn) >= self.config.switch_interval {
                fairness.last_turn = now;
                self.turn(Some(Duration::ZERO));
            }
        }
        None
    }

    /// The main future finished: if it had woken itself, its entry leaves the run queue, where
    /// the next `block_on`'s future would find it ahead of its own place at the back.
    fn forget_main_wake(&self) {
        if self.main_scheduled.replace(false) {
            self.run_queue.borrow_mut().retain(|&task| task != MAIN);
        }
    }

    /// Polls the main future as the current task.
    fn poll_main<F: Future>(
        &self,
        main: &mut Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        let observed = self.observer.as_deref();
        let polling = observed.map(|observer| observer.poll_start(MAIN));
        self.current.set(Some(MAIN));
        let result = main.as_mut().poll(cx);
        self.current.set(None);
        if let (Some(observer), Some(polling)) = (observed, polling) {
            let polled = match result {
                Poll::Pending => Polled::Pending,
                Poll::Ready(_) => Polled::Ready,
            };
            observer.poll_end(MAIN, polling, polled);
        }
        result
    }

    /// Runs the notification pass whose entry the run queue just gave: each waiter it serves
    /// is polled at once. If the main future finishes inside it, the rest of the pass waits
    /// at the head of the run queue (for a later `block_on`), as gevent's hub stays inside a
    /// callback that switched to the main greenlet.
    #[inline(never)]
    fn run_pass<F: Future>(
        &self,
        main: &mut Pin<&mut F>,
        cx: &mut Context<'_>,
        fairness: &mut Fairness,
    ) -> Option<F::Output> {
        let pass = self.passes.borrow_mut().pop_front()?;
        let observed = self.observer.as_deref();
        let by = observed.and_then(Observer::pass_begins);
        loop {
            if let Some(observer) = observed {
                observer.serving_for(by);
            }
            // From here until the served task is back, an unwind (a waker or a poll that
            // panics) or the main future's end leaves the pass to be resumed.
            let unfinished = Unfinished {
                core: self,
                pass: &pass,
                by,
            };
            self.capture.set(Capture::Armed);
            let step = pass.next();
            let captured = self.capture.replace(Capture::Off);
            if step != Step::Served {
                std::mem::forget(unfinished);
                if step == Step::Again {
                    self.queue_pass(pass);
                }
                return None;
            }
            if let Capture::Got(task) = captured {
                let output = self.poll_one(task, main, cx, fairness);
                if output.is_some() {
                    return output;
                }
            }
            std::mem::forget(unfinished);
        }
    }

    /// The run queue is empty: wait for something to happen, or report LoopExit.
    fn park(&self) -> Result<(), LoopExit> {
        if !self.idle_waiters.borrow().is_empty() {
            self.turn(Some(Duration::ZERO));
            if self.run_queue.borrow().is_empty() {
                let idlers = std::mem::take(&mut *self.idle_waiters.borrow_mut());
                idlers.into_iter().for_each(Waker::wake);
            }
            return Ok(());
        }
        let next_deadline = self.timers.borrow_mut().next_deadline();
        let can_wake = next_deadline.is_some()
            || self.reactor.waiting() > 0
            || self.shared.sources() > 0
            || self.shared.has_remote();
        if !can_wake {
            if self.config.loop_exit == LoopExitPolicy::Wait {
                // Something greenery cannot see may still wake a task: wait for it.
                self.turn(None);
                return Ok(());
            }
            let exit = LoopExit::new(self.blocked_tasks());
            return self.catchers.deliver(exit);
        }
        if self.clock.is_paused() {
            if let Some(deadline) = next_deadline {
                // Virtual time: look at IO once, then jump to the next deadline.
                self.turn(Some(Duration::ZERO));
                if self.run_queue.borrow().is_empty() {
                    self.clock.advance_to(deadline);
                    self.fire_timers();
                }
                return Ok(());
            }
            self.turn(None);
            return Ok(());
        }
        let slack = self.config.timer_slack;
        let wake_at = next_deadline.map(|deadline| deadline.checked_add(slack).unwrap_or(deadline));
        let timeout = wake_at.map(|at| at.saturating_duration_since(self.now()));
        let observer = self.observer.as_deref().filter(|o| o.times_loop());
        let waited_from = observer.map(|_| Instant::now());
        self.turn_until(timeout, wake_at);
        if let (Some(observer), Some(start)) = (observer, waited_from) {
            observer.loop_waited(start);
        }
        Ok(())
    }

    /// Polls IO for at most `timeout`, then fires due timers.
    fn turn(&self, timeout: Option<Duration>) {
        self.turn_until(timeout, None)
    }

    fn turn_until(&self, timeout: Option<Duration>, deadline: Option<Instant>) {
        if let Some(observer) = &self.observer {
            observer.turning();
        }
        let mut ready = Vec::new();
        let remote = self.reactor.poll(timeout, deadline, &mut ready);
        ready.into_iter().for_each(Waker::wake);
        if remote {
            let mut words = Vec::new();
            self.shared.drain_remote(&mut words);
            for word in words {
                self.schedule_packed(waker::unpack(word));
            }
        }
        self.fire_timers();
    }

    pub(crate) fn fire_timers(&self) {
        let now = self.now();
        let due = self.timers.borrow_mut().fire_due(now);
        due.into_iter().for_each(Waker::wake);
    }

    pub(crate) fn add_idle_waiter(&self, waker: &Waker) {
        let mut idlers = self.idle_waiters.borrow_mut();
        if !idlers.iter().any(|w| w.will_wake(waker)) {
            idlers.push(waker.clone());
        }
    }

    fn blocked_tasks(&self) -> Vec<TaskInfo> {
        let mut blocked = vec![TaskInfo {
            id: 0,
            name: Some("main".to_string()),
            state: self.task_state(MAIN),
        }];
        blocked.extend(self.active_tasks());
        blocked
    }

    /// Kills every unfinished task (in spawn order, including tasks spawned by destructors),
    /// then drops the timers. Called when the runtime is dropped. A finished task whose handle
    /// is alive keeps its slot, so its output (or panic) stays deliverable and its state
    /// readable; a killed one says `Killed`.
    pub(crate) fn shutdown(&self) {
        loop {
            let mut victims: Vec<TaskRef> = self
                .tasks
                .borrow()
                .iter()
                .filter(|(_, slot)| !slot.phase.is_finished())
                .map(|(index, slot)| TaskRef {
                    index: index as u32,
                    id: slot.id,
                })
                .collect();
            if victims.is_empty() {
                break;
            }
            victims.sort_by_key(|task| task.id);
            self.clear_run_queue();
            for task in victims {
                self.kill_now(task, Killed::default());
            }
        }
        self.clear_run_queue();
        let timers = std::mem::take(&mut *self.timers.borrow_mut());
        drop(timers);
        self.idle_waiters.borrow_mut().clear();
        // Last: what lives in the locals may hold the runtime (IO registrations do).
        let locals = std::mem::take(&mut *self.locals.borrow_mut());
        drop(locals);
    }

    /// Empties the run queue; the passes in it are cancelled.
    fn clear_run_queue(&self) {
        self.run_queue.borrow_mut().clear();
        let passes = std::mem::take(&mut *self.passes.borrow_mut());
        passes.iter().for_each(|pass| pass.cancel());
    }

    /// This runtime's one value of type `T`, made on first use and dropped when the runtime
    /// shuts down: per-runtime state of the layers above the core (the libc hooks' fd
    /// registrations), without the core knowing them.
    #[cfg_attr(not(feature = "patch"), allow(dead_code))]
    pub(crate) fn local<T: Default + 'static>(&self) -> Rc<T> {
        let mut locals = self.locals.borrow_mut();
        if let Some(found) = locals
            .iter()
            .find_map(|local| local.clone().downcast::<T>().ok())
        {
            return found;
        }
        let fresh = Rc::new(T::default());
        locals.push(fresh.clone());
        fresh
    }

    pub(crate) fn set_abort(&self, payload: Box<dyn Any + Send>) {
        *self.abort.borrow_mut() = Some(payload);
    }
}

/// When the executor last let IO and timers run, and polls since.
struct Fairness {
    polls: u32,
    last_turn: Instant,
}

/// Puts a pass that did not end (the main future finished inside it, or a wake or a poll
/// unwound) back at the head of the run queue, and stops capturing wakes.
struct Unfinished<'a> {
    core: &'a Core,
    pass: &'a Rc<dyn Pass>,
    /// The task the pass acts for, for the observer.
    by: Option<TaskRef>,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        self.core.capture.set(Capture::Off);
        self.core.passes.borrow_mut().push_front(self.pass.clone());
        self.core.run_queue.borrow_mut().push_front(PASS);
        if let Some(observer) = &self.core.observer {
            observer.pass_resumes_later(self.by);
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        waker::registry_remove(self.id);
    }
}

/// Writes one report line to stderr. A report that cannot be written (stderr closed, a
/// broken pipe) is dropped: `eprintln!` would panic there, and inside a destructor running
/// during an unwind that panic would abort the process.
pub(crate) fn report(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}
