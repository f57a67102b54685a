//! Wakers that carry a task's address in the waker's data word.
//!
//! A greenery waker allocates nothing and counts nothing: its data word packs the runtime id,
//! the task's slab index and the low bits of its generation. Cloning copies the word, dropping
//! does nothing. Waking on the runtime's own thread pushes the task onto the local run queue
//! (no atomics); waking from any other thread looks the runtime up in a process-wide registry
//! and goes through its [`Shared`] queue and `mio::Waker`. A waker whose runtime is gone finds
//! nothing in the registry and does nothing. A stale waker (its task finished and the slot was
//! reused) can at worst cause a spurious poll, which every future must tolerate.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::context;
use super::task::TaskRef;

#[cfg(not(target_pointer_width = "64"))]
compile_error!(
    "greenery packs a task's address into a waker's data word and needs a 64-bit target"
);

const INDEX_BITS: u32 = 24;
const GEN_BITS: u32 = 24;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
const GEN_MASK: usize = (1 << GEN_BITS) - 1;

/// The largest slab index a task may have; the main future uses `MAX_INDEX` itself.
pub(crate) const MAX_INDEX: u32 = INDEX_MASK as u32;

/// Packs a task reference and its runtime id into one word (the id truncated to 24 bits).
pub(crate) fn pack(runtime: u16, task: TaskRef) -> usize {
    ((runtime as usize) << (INDEX_BITS + GEN_BITS))
        | ((task.id as usize & GEN_MASK) << INDEX_BITS)
        | (task.index as usize & INDEX_MASK)
}

/// What a packed word says: the runtime id, the slab index, and the low bits of the task id.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Packed {
    pub(crate) runtime: u16,
    pub(crate) index: u32,
    low_id: u32,
}

impl Packed {
    /// Whether the word was made for the task whose full id is `id`.
    pub(crate) fn is_for(&self, id: u64) -> bool {
        (id as usize & GEN_MASK) == self.low_id as usize
    }
}

/// Splits a packed word.
pub(crate) fn unpack(word: usize) -> Packed {
    Packed {
        runtime: (word >> (INDEX_BITS + GEN_BITS)) as u16,
        low_id: ((word >> INDEX_BITS) & GEN_MASK) as u32,
        index: (word & INDEX_MASK) as u32,
    }
}

// The vtable functions are `unsafe fn` only because `RawWakerVTable` requires it: they accept
// any data word and never dereference it, so they have no safety preconditions.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

unsafe fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    wake_word(data as usize);
}

unsafe fn drop(_: *const ()) {}

/// The waker of `task` in runtime `runtime`.
pub(crate) fn waker(runtime: u16, task: TaskRef) -> Waker {
    // A pointer with no provenance: the word is never dereferenced.
    let data = std::ptr::null::<()>().wrapping_byte_add(pack(runtime, task));
    // SAFETY: the vtable's functions never dereference `data`: it is an integer in pointer
    // clothing, so every clone/wake/drop is sound on any thread and at any time, including
    // after the runtime is gone. `clone` returns the same vtable; `drop` owns nothing.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

fn wake_word(word: usize) {
    let packed = unpack(word);
    let woke_locally = context::with_core(|core| {
        if core.id() == packed.runtime {
            core.schedule_packed(packed);
            true
        } else {
            false
        }
    });
    if woke_locally != Some(true) {
        if let Some(shared) = registry_get(packed.runtime) {
            shared.push_remote(word);
        }
    }
}

/// The part of a runtime that other threads may touch: the queue of foreign wakes, the
/// `mio::Waker` that interrupts the owner's `poll`, and the count of outside wake sources.
pub(crate) struct Shared {
    remote: Mutex<Vec<usize>>,
    notified: AtomicBool,
    waker: mio::Waker,
    sources: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(waker: mio::Waker) -> Self {
        Shared {
            remote: Mutex::new(Vec::new()),
            notified: AtomicBool::new(false),
            waker,
            sources: AtomicUsize::new(0),
        }
    }

    fn push_remote(&self, word: usize) {
        self.remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(word);
        self.notify();
    }

    /// Interrupts the owner thread's `poll` (once until it drains the remote queue).
    pub(crate) fn notify(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // A failed eventfd write means the fd is gone with the runtime: nothing to wake.
            let _ = self.waker.wake();
        }
    }

    /// Takes the foreign wakes queued so far.
    pub(crate) fn drain_remote(&self, into: &mut Vec<usize>) {
        self.notified.store(false, Ordering::Release);
        let mut queue = self.remote.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut *queue, into);
    }

    /// Whether a foreign wake is queued (checked before declaring LoopExit).
    pub(crate) fn has_remote(&self) -> bool {
        !self
            .remote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    pub(crate) fn add_source(&self) {
        self.sources.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn remove_source(&self) {
        self.sources.fetch_sub(1, Ordering::AcqRel);
        self.notify();
    }

    pub(crate) fn sources(&self) -> usize {
        self.sources.load(Ordering::Acquire)
    }
}

/// Live runtimes by id, for wakes from other threads. Ids are reused only after their runtime
/// is dropped.
static REGISTRY: Mutex<Vec<Option<Arc<Shared>>>> = Mutex::new(Vec::new());

/// Registers `shared` and returns its runtime id, or `None` when 65,536 runtimes are alive.
pub(crate) fn registry_insert(shared: Arc<Shared>) -> Option<u16> {
    let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(free) = registry.iter().position(Option::is_none) {
        registry[free] = Some(shared);
        return Some(free as u16);
    }
    if registry.len() > u16::MAX as usize {
        return None;
    }
    registry.push(Some(shared));
    Some((registry.len() - 1) as u16)
}

pub(crate) fn registry_remove(id: u16) {
    let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(entry) = registry.get_mut(id as usize) {
        *entry = None;
    }
}

fn registry_get(id: u16) -> Option<Arc<Shared>> {
    let registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    registry.get(id as usize).and_then(Clone::clone)
}

/// Keeps the runtime from reporting LoopExit while it is alive: something outside the runtime
/// (another thread, a blocking job) holds a waker and may still use it.
///
/// Obtain one with [`keep_alive`](crate::runtime::keep_alive) before handing a waker to another
/// thread; drop it when that thread is done.
///
/// ```
/// use std::task::Poll;
/// greenery::run(async {
///     let guard = greenery::runtime::keep_alive();
///     let mut sent = false;
///     std::future::poll_fn(|cx| {
///         if sent {
///             return Poll::Ready(());
///         }
///         sent = true;
///         let waker = cx.waker().clone();
///         let guard = guard.clone();
///         std::thread::spawn(move || {
///             waker.wake();
///             drop(guard);
///         });
///         Poll::Pending
///     })
///     .await;
/// });
/// ```
pub struct KeepAlive {
    shared: Arc<Shared>,
}

impl KeepAlive {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        shared.add_source();
        KeepAlive { shared }
    }
}

impl Clone for KeepAlive {
    fn clone(&self) -> Self {
        KeepAlive::new(self.shared.clone())
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.shared.remove_source();
    }
}

impl std::fmt::Debug for KeepAlive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeepAlive").finish_non_exhaustive()
    }
}
