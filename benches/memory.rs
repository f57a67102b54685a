//! Memory per idle task: 100,000 spawned tasks, each awaiting a future that is never ready,
//! handles dropped (detached), every task polled once. A counting global allocator reports the
//! bytes allocated and still live per task (as requested, and as malloc's usable size, which
//! includes its size-class rounding), and how many allocations each task cost, for
//! greenery, tokio's `current_thread` runtime and smol's `LocalExecutor`, in the same run.
//! After the runtime is dropped the live bytes must return to where they were (no leak).
//!
//! Run with `cargo bench -p greenery-bench --bench memory` (prints a table; figures in
//! `docs/benchmarks.md`). Without `--bench` (e.g. `cargo test -p greenery-bench --benches`) it
//! spawns 1,000 tasks as a smoke test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

struct Counting;

/// Bytes requested and not yet freed.
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// The same, counted as the usable size malloc actually reserved (its size-class rounding).
static USABLE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

/// The bytes malloc reserved for a live block (`ptr` null: none).
fn usable(ptr: *mut u8) -> isize {
    if ptr.is_null() {
        return 0;
    }
    // SAFETY: `ptr` is a live block obtained from `System`, i.e. from glibc's malloc family.
    (unsafe { libc::malloc_usable_size(ptr.cast()) }) as isize
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and only
// updates counters on the side, so `System`'s guarantees carry over.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { System.alloc(layout) };
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        USABLE.fetch_add(usable(ptr), Relaxed);
        ALLOCS.fetch_add(1, Relaxed);
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        USABLE.fetch_sub(usable(ptr), Relaxed);
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        USABLE.fetch_add(usable(ptr), Relaxed);
        ALLOCS.fetch_add(1, Relaxed);
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(ptr);
        // SAFETY: forwarded from the caller.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
            USABLE.fetch_add(usable(new) - old, Relaxed);
        }
        ALLOCS.fetch_add(1, Relaxed);
        new
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many idle tasks have been polled (and are now parked for ever).
static PARKED: AtomicUsize = AtomicUsize::new(0);

async fn idle_task() {
    PARKED.fetch_add(1, Relaxed);
    std::future::pending::<()>().await
}

/// Live bytes (requested, usable) and the allocation count right now.
#[derive(Clone, Copy)]
struct Snapshot {
    live: isize,
    usable: isize,
    allocs: usize,
}

fn snapshot() -> Snapshot {
    Snapshot {
        live: LIVE.load(Relaxed),
        usable: USABLE.load(Relaxed),
        allocs: ALLOCS.load(Relaxed),
    }
}

struct Measure {
    bytes_per_task: f64,
    usable_per_task: f64,
    allocs_per_task: f64,
    leaked: isize,
}

/// Runs `run`, which returns snapshots taken inside the runtime before spawning and once every
/// task is parked; `outside` is taken before the runtime was built and compared with the live
/// bytes after it is dropped.
fn measure(tasks: usize, outside: isize, run: impl FnOnce() -> (Snapshot, Snapshot)) -> Measure {
    let (before, after) = run();
    let per_task = |d: isize| d as f64 / tasks as f64;
    Measure {
        bytes_per_task: per_task(after.live - before.live),
        usable_per_task: per_task(after.usable - before.usable),
        allocs_per_task: per_task((after.allocs - before.allocs) as isize),
        leaked: LIVE.load(Relaxed) - outside,
    }
}

fn greenery_idle(tasks: usize) -> Measure {
    let outside = LIVE.load(Relaxed);
    measure(tasks, outside, || {
        let rt = greenery::Runtime::new().expect("greenery runtime");
        let result = rt.block_on(async {
            PARKED.store(0, Relaxed);
            let before = snapshot();
            for _ in 0..tasks {
                drop(greenery::spawn(idle_task()));
            }
            while PARKED.load(Relaxed) < tasks {
                greenery::yield_now().await;
            }
            (before, snapshot())
        });
        drop(rt);
        result
    })
}

fn tokio_idle(tasks: usize) -> Measure {
    let outside = LIVE.load(Relaxed);
    measure(tasks, outside, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime");
        let result = rt.block_on(async {
            PARKED.store(0, Relaxed);
            let before = snapshot();
            for _ in 0..tasks {
                drop(tokio::spawn(idle_task()));
            }
            while PARKED.load(Relaxed) < tasks {
                tokio::task::yield_now().await;
            }
            (before, snapshot())
        });
        drop(rt);
        result
    })
}

fn smol_idle(tasks: usize) -> Measure {
    let outside = LIVE.load(Relaxed);
    measure(tasks, outside, || {
        let ex = smol::LocalExecutor::new();
        let result = smol::block_on(ex.run(async {
            PARKED.store(0, Relaxed);
            let before = snapshot();
            for _ in 0..tasks {
                ex.spawn(idle_task()).detach();
            }
            while PARKED.load(Relaxed) < tasks {
                smol::future::yield_now().await;
            }
            (before, snapshot())
        }));
        drop(ex);
        result
    })
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let tasks = if full { 100_000 } else { 1_000 };
    // Warm up lazily allocated globals (thread locals, smol's reactor thread) first, so the
    // leak column only shows what the measured runtime kept.
    greenery_idle(10);
    tokio_idle(10);
    smol_idle(10);

    println!("{tasks} idle tasks, handles dropped, each polled once");
    println!(
        "{:<9} {:>11} {:>18} {:>12} {:>20}",
        "runtime", "bytes/task", "malloc'd B/task", "allocs/task", "live after drop (B)"
    );
    for (name, measure) in [
        ("greenery", greenery_idle(tasks)),
        ("tokio", tokio_idle(tasks)),
        ("smol", smol_idle(tasks)),
    ] {
        println!(
            "{name:<9} {:>11.1} {:>18.1} {:>12.2} {:>20}",
            measure.bytes_per_task,
            measure.usable_per_task,
            measure.allocs_per_task,
            measure.leaked
        );
    }
}
