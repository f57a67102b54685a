//! [`Group`]: a set of tracked tasks; the machinery [`Pool`](super::Pool) builds on.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use slab::Slab;

use super::imap::{IMap, IMapUnordered};
use crate::runtime::{JoinError, JoinHandle, Task};
use crate::sync::waitlist::{Key, WaitList};
use crate::sync::{Semaphore, SemaphoreGuard};

/// The state shared by a group's handles and its tasks.
pub(crate) struct Inner {
    /// Tracked tasks; `None` only while a task is being spawned.
    tasks: RefCell<Slab<Option<Task>>>,
    /// Tasks waiting in [`Group::join`].
    joiners: RefCell<WaitList>,
    /// A pool's slots; `None` for an unlimited group.
    pub(crate) slots: Option<Semaphore>,
}

/// Kills the group's tasks when the last handle goes away.
struct Owner {
    inner: Rc<Inner>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.inner.kill();
    }
}

/// Keeps a task in its group: dropped when the task finishes or is killed.
struct Member {
    inner: Rc<Inner>,
    key: Key,
}

impl Drop for Member {
    fn drop(&mut self) {
        let mut tasks = self.inner.tasks.borrow_mut();
        tasks.remove(self.key);
        if tasks.is_empty() {
            drop(tasks);
            self.inner.joiners.borrow_mut().notify_all();
        }
    }
}

pin_project_lite::pin_project! {
    /// A group task's future: `future`, with its membership (and pool slot) held until it
    /// ends or is dropped. A struct rather than an async block, which would store `future`
    /// twice (as the captured value and as the value being awaited). Fields drop in order:
    /// the future's destructors run before the slot is freed and the group lets go.
    struct Tracked<F> {
        #[pin]
        future: F,
        _permit: Option<SemaphoreGuard>,
        _member: Member,
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

impl Inner {
    pub(crate) fn new(slots: Option<Semaphore>) -> Inner {
        Inner {
            tasks: RefCell::new(Slab::new()),
            joiners: RefCell::new(WaitList::default()),
            slots,
        }
    }

    /// Spawns `future` as a tracked task that holds `permit` until it ends.
    #[track_caller]
    pub(crate) fn spawn_tracked<F>(
        self: &Rc<Self>,
        permit: Option<SemaphoreGuard>,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let key = self.tasks.borrow_mut().insert(None);
        let member = Member {
            inner: self.clone(),
            key,
        };
        let handle = crate::spawn(Tracked {
            future,
            _permit: permit,
            _member: member,
        });
        if let Some(slot) = self.tasks.borrow_mut().get_mut(key) {
            *slot = Some(handle.task());
        }
        handle
    }

    /// Waits for a slot (pools only), then spawns `future` tracked.
    pub(crate) async fn spawn_admitted<F>(self: &Rc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let permit = match &self.slots {
            Some(slots) => Some(slots.acquire().await),
            None => None,
        };
        self.spawn_tracked(permit, future)
    }

    fn len(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// The tracked tasks, in spawn order.
    fn tasks(&self) -> Vec<Task> {
        let mut tasks: Vec<Task> = self
            .tasks
            .borrow()
            .iter()
            .filter_map(|(_, t)| t.clone())
            .collect();
        tasks.sort_by_key(Task::id);
        tasks
    }

    fn contains(&self, task: &Task) -> bool {
        self.tasks
            .borrow()
            .iter()
            .any(|(_, t)| t.as_ref() == Some(task))
    }

    fn kill(&self) {
        // No borrow held: each kill drops a task, whose `Member` leaves the slab.
        for task in self.tasks() {
            task.kill();
        }
    }
}

/// A set of tasks you can wait for or kill together, with no limit on how many run at once
/// (gevent's `pool.Group`). [`Pool`](super::Pool) is a group with a size.
///
/// Every task spawned through the group is tracked until it finishes: [`join`](Group::join)
/// waits for all of them, [`kill`](Group::kill) kills them in spawn order. When the last
/// handle to the group is dropped, its tasks are killed (gevent abandons them). Cloning gives
/// another handle to the same group.
///
/// ```
/// greenery::run(async {
///     let group = greenery::pool::Group::new();
///     let a = group.spawn(async { 1 });
///     let b = group.spawn(async { 2 });
///     assert_eq!(group.len(), 2);
///     group.join().await;
///     assert!(group.is_empty());
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// });
/// ```
#[derive(Clone)]
pub struct Group {
    owner: Rc<Owner>,
}

impl Group {
    /// A new, empty group.
    ///
    /// ```
    /// let group = greenery::pool::Group::new();
    /// assert!(group.is_empty());
    /// ```
    pub fn new() -> Group {
        Group::with_inner(Inner::new(None))
    }

    pub(crate) fn with_inner(inner: Inner) -> Group {
        Group {
            owner: Rc::new(Owner {
                inner: Rc::new(inner),
            }),
        }
    }

    pub(crate) fn inner(&self) -> &Rc<Inner> {
        &self.owner.inner
    }

    /// Spawns `future` as a task of the group (scheduled, as [`spawn`](crate::spawn)).
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// ```
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let h = group.spawn(async { 5 });
    ///     assert_eq!(h.await.unwrap(), 5);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.inner().spawn_tracked(None, future)
    }

    /// How many tasks of the group have not finished (gevent's `len(group)`); for a pool,
    /// this includes work queued by [`apply_async`](Group::apply_async) that waits for a
    /// slot.
    ///
    /// ```
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let _h = group.spawn(async {});
    ///     assert_eq!(group.len(), 1);
    ///     group.join().await;
    ///     assert_eq!(group.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.inner().len()
    }

    /// Whether `task` is one of the group's tasks that has not finished (gevent's
    /// `task in group`).
    ///
    /// ```
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let inside = group.spawn(async { greenery::Task::current() });
    ///     let me = greenery::Task::current();
    ///     assert!(group.contains(&inside.task()) && !group.contains(&me));
    ///     let inside = inside.await.unwrap();
    ///     assert!(!group.contains(&inside)); // finished: no longer tracked
    /// });
    /// ```
    pub fn contains(&self, task: &Task) -> bool {
        self.inner().contains(task)
    }

    /// The group's unfinished tasks, in spawn order (gevent's `for g in group`): a snapshot,
    /// so the group may change while it is walked.
    ///
    /// ```
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let a = group.spawn(async {});
    ///     let b = group.spawn(async {});
    ///     let tasks: Vec<greenery::Task> = group.iter().collect();
    ///     assert_eq!(tasks, [a.task(), b.task()]);
    ///     for task in &group {
    ///         task.kill();
    ///     }
    ///     assert!(group.is_empty());
    /// });
    /// ```
    pub fn iter(&self) -> std::vec::IntoIter<Task> {
        self.inner().tasks().into_iter()
    }

    /// Whether every task of the group has finished.
    ///
    /// ```
    /// assert!(greenery::pool::Group::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until every task of the group has finished (the group is empty); returns at
    /// once, without yielding, if it is.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let h = group.spawn(greenery::time::sleep(Duration::from_millis(1)));
    ///     group.join().await;
    ///     assert!(h.is_finished());
    /// });
    /// ```
    pub fn join(&self) -> GroupJoin {
        GroupJoin {
            inner: self.inner().clone(),
            key: None,
        }
    }

    /// Like [`join`](Self::join), but waits at most `timeout`; returns whether the group
    /// emptied.
    ///
    /// ```
    /// use std::time::Duration;
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     group.spawn(greenery::time::sleep(Duration::from_secs(60)));
    ///     assert!(!group.join_timeout(Duration::from_millis(1)).await);
    ///     group.kill();
    ///     assert!(group.join_timeout(Duration::ZERO).await);
    /// });
    /// ```
    pub async fn join_timeout(&self, timeout: Duration) -> bool {
        crate::time::timeout(timeout, self.join()).await.is_ok()
    }

    /// Kills every task of the group, in spawn order (their destructors run now); their
    /// handles report [`JoinError::Killed`].
    ///
    /// ```
    /// greenery::run(async {
    ///     let group = greenery::pool::Group::new();
    ///     let h = group.spawn(std::future::pending::<()>());
    ///     group.kill();
    ///     assert!(group.is_empty());
    ///     assert!(h.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn kill(&self) {
        self.inner().kill();
    }

    /// Runs `future` in the group (in a pool, once a slot is free) and waits for its result
    /// (gevent's `apply`).
    ///
    /// Called from one of the group's own tasks, it runs `future` right there, in the calling
    /// task, as gevent does: a task of a full `Pool(1)` that applies work to its own pool
    /// would otherwise wait for its own slot forever. A panic of `future` then unwinds into
    /// the caller, as gevent's exception does.
    ///
    /// ```
    /// greenery::run(async {
    ///     let pool = greenery::pool::Pool::new(1).unwrap();
    ///     assert_eq!(pool.apply(async { 9 }).await.unwrap(), 9);
    ///     let p = pool.clone();
    ///     let nested = pool.spawn(async move {
    ///         p.apply(async { "inline" }).await.unwrap() // the pool is full: runs here
    ///     }).await;
    ///     assert_eq!(nested.await.unwrap(), "inline");
    /// });
    /// ```
    pub async fn apply<F>(&self, future: F) -> Result<F::Output, JoinError>
    where
        F: Future + 'static,
    {
        if Task::try_current().is_some_and(|me| self.contains(&me)) {
            return Ok(future.await);
        }
        self.inner().spawn_admitted(future).await.await
    }

    /// Queues `future` without waiting (gevent's `apply_async`) and returns its handle.
    ///
    /// Unlike gevent (SEMANTICS rule 27), the work is always tracked: when a pool is full,
    /// the task is spawned at once, waits for a slot in call order (FIFO with blocked
    /// spawners), and counts in [`len`](Self::len), so [`join`](Self::join) waits for it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use greenery::time::sleep;
    /// greenery::run(async {
    ///     let pool = greenery::pool::Pool::new(1).unwrap();
    ///     let a = pool.apply_async(async { sleep(Duration::from_millis(5)).await; 'a' });
    ///     let b = pool.apply_async(async { 'b' }); // pool full: queued, still tracked
    ///     assert_eq!(pool.len(), 2);
    ///     pool.join().await;
    ///     assert!(a.is_finished() && b.is_finished());
    /// });
    /// ```
    pub fn apply_async<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let inner = self.inner();
        let Some(slots) = &inner.slots else {
            return inner.spawn_tracked(None, future);
        };
        if let Some(permit) = slots.try_acquire() {
            return inner.spawn_tracked(Some(permit), future);
        }
        let admission = slots.acquire_reserved();
        inner.spawn_tracked(None, async move {
            let _permit = admission.await;
            future.await
        })
    }

    /// Like [`apply_async`](Self::apply_async), and calls `callback` with the result once
    /// it is ready (in the task, before its slot is freed).
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// greenery::run(async {
    ///     let pool = greenery::pool::Pool::new(2).unwrap();
    ///     let seen = Rc::new(Cell::new(0));
    ///     let s = seen.clone();
    ///     let h = pool.apply_async_with(async { 100 }, move |v: &i32| s.set(*v));
    ///     assert_eq!(h.await.unwrap(), 100);
    ///     assert_eq!(seen.get(), 100);
    /// });
    /// ```
    pub fn apply_async_with<F, C>(&self, future: F, callback: C) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        C: FnOnce(&F::Output) + 'static,
    {
        self.apply_async(async move {
            let output = future.await;
            callback(&output);
            output
        })
    }

    /// Runs `f(item)` for every item (at most `size` at once in a pool, started in input
    /// order) and returns the results in input order (gevent's `map`). The caller waits while
    /// the pool is full. The first failed task (in input order) is returned as the error;
    /// the others keep running.
    ///
    /// ```
    /// greenery::run(async {
    ///     let pool = greenery::pool::Pool::new(2).unwrap();
    ///     let squares = pool.map(1..=4, |x| async move { x * x }).await.unwrap();
    ///     assert_eq!(squares, [1, 4, 9, 16]);
    /// });
    /// ```
    pub async fn map<I, F, Fut>(&self, items: I, mut f: F) -> Result<Vec<Fut::Output>, JoinError>
    where
        I: IntoIterator,
        F: FnMut(I::Item) -> Fut,
        Fut: Future + 'static,
    {
        let mut handles = Vec::new();
        for item in items {
            handles.push(self.inner().spawn_admitted(f(item)).await);
        }
        let mut results = Vec::with_capacity(handles.len());
        for handle in handles {
            results.push(handle.await?);
        }
        Ok(results)
    }

    /// Like [`map`](Self::map), but returns at once a [`Stream`](futures_core::Stream) of
    /// the results in input order, each yielded once it and all earlier ones are done
    /// (gevent's `imap`). A driver task spawns the work; dropping the stream stops it
    /// (work already started keeps running in the group).
    ///
    /// ```
    /// use greenery::pool::Pool;
    /// greenery::run(async {
    ///     let pool = Pool::new(2).unwrap();
    ///     let mut results = pool.imap(0..3, |x| async move { x * 10 });
    ///     let mut seen = Vec::new();
    ///     while let Some(r) = results.next().await {
    ///         seen.push(r.unwrap());
    ///     }
    ///     assert_eq!(seen, [0, 10, 20]);
    /// });
    /// ```
    pub fn imap<I, F, Fut>(&self, items: I, f: F) -> IMap<Fut::Output>
    where
        I: IntoIterator + 'static,
        F: FnMut(I::Item) -> Fut + 'static,
        Fut: Future + 'static,
    {
        IMap::new(self.clone(), items, f)
    }

    /// Like [`imap`](Self::imap), but yields each result as soon as it is done (gevent's
    /// `imap_unordered`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use greenery::{pool::Pool, time::sleep};
    /// greenery::run(async {
    ///     let pool = Pool::new(2).unwrap();
    ///     let mut results = pool.imap_unordered([20u64, 10], |ms| async move {
    ///         sleep(Duration::from_millis(ms)).await;
    ///         ms
    ///     });
    ///     let mut seen = Vec::new();
    ///     while let Some(r) = results.next().await {
    ///         seen.push(r.unwrap());
    ///     }
    ///     assert_eq!(seen, [10, 20]);
    /// });
    /// ```
    pub fn imap_unordered<I, F, Fut>(&self, items: I, f: F) -> IMapUnordered<Fut::Output>
    where
        I: IntoIterator + 'static,
        F: FnMut(I::Item) -> Fut + 'static,
        Fut: Future + 'static,
    {
        IMapUnordered::new(self.clone(), items, f)
    }
}

impl IntoIterator for &Group {
    type Item = Task;
    type IntoIter = std::vec::IntoIter<Task>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Default for Group {
    fn default() -> Self {
        Group::new()
    }
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group").field("len", &self.len()).finish()
    }
}

/// The future of [`Group::join`].
///
/// ```
/// greenery::run(async {
///     let group = greenery::pool::Group::new();
///     let join: greenery::pool::GroupJoin = group.join();
///     join.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct GroupJoin {
    inner: Rc<Inner>,
    key: Option<Key>,
}

impl Future for GroupJoin {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let empty = this.inner.tasks.borrow().is_empty();
        let mut joiners = this.inner.joiners.borrow_mut();
        let woken = this.key.is_some_and(|key| joiners.is_notified(key));
        if woken || empty {
            if let Some(key) = this.key.take() {
                joiners.remove(key);
            }
            return Poll::Ready(());
        }
        match this.key {
            Some(key) => joiners.set_waker(key, cx.waker()),
            None => this.key = Some(joiners.push(Some(cx.waker().clone()), ())),
        }
        Poll::Pending
    }
}

impl Drop for GroupJoin {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.inner.joiners.borrow_mut().remove(key);
        }
    }
}

impl fmt::Debug for GroupJoin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupJoin")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
