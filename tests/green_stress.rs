//! Green threads at scale: 100,000 alive at once, a million spawn/join cycles without a leaked
//! stack, and a stack overflow that names the green thread instead of a bare segfault.

use std::process::Command;

use greenery::green;
use greenery::sync::Event;

/// Memory mappings of this process (each green thread's stack is two: the guard page and
/// the stack).
fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .expect("/proc/self/maps")
        .lines()
        .count()
}

/// The two big tests share the process's memory mappings: they run one at a time.
static MAPPINGS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn max_map_count() -> usize {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(65_530)
}

#[test]
fn a_hundred_thousand_green_threads_alive_at_once() {
    let _alone = MAPPINGS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    const WANTED: usize = 100_000;
    // Two mappings per stack; leave room for everything else the process maps.
    let room = max_map_count().saturating_sub(mappings() + 2_000) / 2;
    let count = WANTED.min(room);
    if count < WANTED {
        println!(
            "notice: vm.max_map_count ({}) allows {count} green threads, not {WANTED}; \
             .ci/run raises it (sysctl vm.max_map_count=262144)",
            max_map_count()
        );
    }
    let (alive, finished) = green::run(move || {
        let go = Event::new();
        let threads: Vec<_> = (0..count)
            .map(|i| {
                let go = go.clone();
                green::Builder::new()
                    .stack_size(16 * 1024)
                    .spawn(move || {
                        green::block_on(go.wait());
                        i
                    })
                    .expect("a stack")
            })
            .collect();
        green::yield_now(); // every one starts and blocks on the event
        let alive = threads
            .iter()
            .filter(|t| t.task().state() == greenery::task::TaskState::Waiting)
            .count();
        go.set();
        let sum: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        (alive, sum)
    });
    assert_eq!(alive, count);
    assert_eq!(finished, count * (count - 1) / 2);
}

#[test]
fn a_million_spawn_join_cycles_leak_no_stack() {
    let _alone = MAPPINGS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let before = mappings();
    let total = green::run(|| {
        let mut total = 0u64;
        for batch in 0..1_000u64 {
            let threads: Vec<_> = (0..1_000u64)
                .map(|i| green::spawn(move || batch * 1_000 + i))
                .collect();
            total += threads.into_iter().map(|t| t.join().unwrap()).sum::<u64>();
        }
        total
    });
    assert_eq!(total, (0..1_000_000u64).sum::<u64>());
    // Finished stacks go back to a per-thread pool (1,024 at most: 2,048 mappings); the rest
    // are unmapped. Allow the allocator some slack.
    let after = mappings();
    assert!(
        after <= before + 2_048 + 64,
        "mappings grew from {before} to {after}: stacks leaked"
    );
}

const CHILD: &str = "GREENERY_OVERFLOW_CHILD";

/// The child: a green thread named "deep" recursing without end on a 64 KiB stack.
#[test]
fn child_overflows_a_green_stack() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    fn recurse(depth: u64) -> u64 {
        let frame = [depth; 64];
        std::hint::black_box(&frame);
        if depth == u64::MAX {
            return 0; // never: the stack runs out long before
        }
        recurse(depth + 1) + frame[63]
    }
    green::run(|| {
        let deep = green::Builder::new()
            .name("deep")
            .stack_size(64 * 1024)
            .spawn(|| recurse(0))
            .unwrap();
        let _ = deep.join();
    });
}

#[test]
fn a_stack_overflow_names_the_green_thread() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_overflows_a_green_stack", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(
            "greenery: green thread #1 'deep' overflowed its stack of 64 KiB; give green \
             threads more with Builder::green_stack_size"
        ),
        "stderr: {stderr}"
    );
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGABRT),
        "{:?}",
        output.status
    );
}
