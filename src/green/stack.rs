//! Green-thread stacks: guard-paged and lazily committed (corosensei's `DefaultStack`: one
//! `mmap` reserved `PROT_NONE`, everything but the lowest page made writable), reused through
//! a per-thread pool so a spawn costs no `mmap`; and the fault handler that names the green
//! thread whose stack overflowed instead of leaving a bare segfault.

use std::cell::RefCell;
use std::io;
use std::sync::OnceLock;

use corosensei::stack::{DefaultStack, Stack};

/// The stack size a green thread gets unless the runtime was built with another
/// ([`Builder::green_stack_size`](crate::Builder::green_stack_size)).
///
/// ```
/// assert_eq!(greenery::green::DEFAULT_STACK_SIZE, 256 * 1024);
/// ```
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;

/// How many finished stacks a thread keeps for reuse, so that a program cycling through up to
/// this many green threads at a time maps no new stack. Their touched pages stay resident (a
/// few KiB each: about 8 MiB for a full pool of idle stacks); stacks beyond it are unmapped.
const POOL_LIMIT: usize = 1024;

struct Pool {
    size: usize,
    stacks: Vec<DefaultStack>,
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { size: DEFAULT_STACK_SIZE, stacks: Vec::new() })
    };
}

/// A stack of `size` usable bytes (plus a guard page): from the pool, or newly mapped.
pub(crate) fn take(size: usize) -> io::Result<DefaultStack> {
    install_overflow_handler();
    let pooled = POOL
        .try_with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.size != size {
                pool.size = size;
                pool.stacks.clear();
            }
            pool.stacks.pop()
        })
        .ok()
        .flatten();
    match pooled {
        Some(stack) => Ok(stack),
        None => DefaultStack::new(size).map_err(|err| refused(size, err)),
    }
}

/// Returns a stack whose coroutine has finished, for the next green thread.
pub(crate) fn give_back(stack: DefaultStack) {
    let size = usable_size(&stack);
    let _ = POOL.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.size == size && pool.stacks.len() < POOL_LIMIT {
            pool.stacks.push(stack);
        }
    });
}

/// The bytes a stack offers below its base, its guard page excluded.
pub(crate) fn usable_size(stack: &DefaultStack) -> usize {
    stack.base().get() - stack.limit().get() - page_size()
}

fn refused(size: usize, err: io::Error) -> io::Error {
    let limit = std::fs::read_to_string("/proc/sys/vm/max_map_count").unwrap_or_default();
    let limit = limit.trim();
    let hint = if limit.is_empty() {
        String::new()
    } else {
        format!(
            "; each green thread's stack is two memory mappings and vm.max_map_count is {limit} \
             (raise it with `sysctl vm.max_map_count=...` for more green threads)"
        )
    };
    io::Error::new(
        err.kind(),
        format!("cannot map a {size}-byte green thread stack: {err}{hint}"),
    )
}

pub(crate) fn page_size() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no memory-safety preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if size > 0 {
            size as usize
        } else {
            4096
        }
    })
}

// ----- stack overflow ------------------------------------------------------------------------

/// What the fault handler needs to know about the green thread running on this OS thread: its
/// guard page and how to name it. Plain data in a `const` thread-local with no destructor, so
/// reading it from a signal handler is a load.
#[derive(Clone, Copy)]
pub(crate) struct Running {
    /// The guard page's lowest address (null when no green thread runs).
    pub(crate) guard: usize,
    /// The stack's usable size, for the message.
    pub(crate) size: usize,
    /// The id of the task the green thread belongs to (0: a greenlet outside any task).
    pub(crate) task: u64,
    /// The task's name (null when it has none), valid while the green thread runs.
    pub(crate) name: *const u8,
    pub(crate) name_len: usize,
}

impl Running {
    pub(crate) const NONE: Running = Running {
        guard: 0,
        size: 0,
        task: 0,
        name: std::ptr::null(),
        name_len: 0,
    };
}

static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();

/// Installs (once per process) a SIGSEGV/SIGBUS handler that recognises a fault in the guard
/// page of the green thread running on the faulting thread, prints which one overflowed, and
/// aborts. Any other fault goes to the handler that was there before (std's, which reports
/// overflows of OS-thread stacks) or to the default action. Also makes sure this thread has
/// an alternate signal stack to run the handler on (the faulting stack is full).
fn install_overflow_handler() {
    ensure_alternate_stack();
    PREVIOUS.get_or_init(|| {
        let mut previous: [libc::sigaction; 2] =
            // SAFETY: sigaction is plain old data; all-zero is a valid (default) value.
            unsafe { std::mem::zeroed() };
        for (i, signal) in [libc::SIGSEGV, libc::SIGBUS].into_iter().enumerate() {
            // SAFETY: as above.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = on_fault as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            // SAFETY: `action` and `previous[i]` are valid sigaction structs on our stack;
            // `on_fault` has the three-argument signature SA_SIGINFO requires.
            unsafe {
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, &mut previous[i]);
            }
        }
        previous
    });
}

extern "C" fn on_fault(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers; si_addr is the
    // faulting address for SIGSEGV and SIGBUS.
    let addr = unsafe { (*info).si_addr() } as usize;
    let running = super::switch::running();
    if running.guard != 0 && addr >= running.guard && addr < running.guard + page_size() {
        report_overflow(running);
    }
    let index = usize::from(signal == libc::SIGBUS);
    let Some(previous) = PREVIOUS.get().map(|all| all[index]) else {
        restore_default(signal);
        return;
    };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Returning re-runs the faulting instruction, which now takes the default action.
        restore_default(signal);
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: a handler installed with SA_SIGINFO has this signature; we pass it the
        // arguments the kernel gave us.
        let chained: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(handler) };
        chained(signal, info, context);
    } else {
        // SAFETY: a handler installed without SA_SIGINFO takes the signal number only.
        let chained: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
        chained(signal);
    }
}

fn restore_default(signal: libc::c_int) {
    // SAFETY: resetting a signal to SIG_DFL with a zeroed sigaction is always valid.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

/// Writes the overflow message with async-signal-safe calls only, then aborts.
fn report_overflow(running: Running) -> ! {
    let mut line = Line::default();
    line.push(b"\ngreenery: green thread ");
    if running.task != 0 {
        line.push(b"#");
        line.push_number(running.task as usize);
        line.push(b" ");
    }
    if !running.name.is_null() {
        // SAFETY: `name`/`name_len` describe the running task's name, alive while it runs.
        let name = unsafe { std::slice::from_raw_parts(running.name, running.name_len) };
        line.push(b"'");
        line.push(name);
        line.push(b"' ");
    }
    line.push(b"overflowed its stack of ");
    line.push_number(running.size / 1024);
    line.push(b" KiB; give green threads more with Builder::green_stack_size\n");
    // SAFETY: write(2) and abort(3) are async-signal-safe; the buffer is ours.
    unsafe {
        libc::write(2, line.bytes.as_ptr().cast(), line.len);
        libc::abort();
    }
}

/// A fixed buffer for the overflow message (no allocation in a signal handler).
struct Line {
    bytes: [u8; 256],
    len: usize,
}

impl Default for Line {
    fn default() -> Self {
        Line {
            bytes: [0; 256],
            len: 0,
        }
    }
}

impl Line {
    fn push(&mut self, text: &[u8]) {
        let n = text.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&text[..n]);
        self.len += n;
    }

    fn push_number(&mut self, mut n: usize) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[i..]);
    }
}

/// An alternate signal stack this module installed for its thread, unmapped at thread exit.
struct AltStack {
    base: *mut libc::c_void,
    len: usize,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: disabling the alternate stack before unmapping it; `base`/`len` are the
        // mapping made in `ensure_alternate_stack`, used by nobody else.
        unsafe {
            let disable = libc::stack_t {
                ss_sp: std::ptr::null_mut(),
                ss_flags: libc::SS_DISABLE,
                ss_size: 0,
            };
            libc::sigaltstack(&disable, std::ptr::null_mut());
            libc::munmap(self.base, self.len);
        }
    }
}

thread_local! {
    static ALT_STACK: RefCell<Option<Option<AltStack>>> = const { RefCell::new(None) };
}

/// Gives this thread an alternate signal stack if it has none (std gives one to the threads
/// it creates; threads made elsewhere may lack it).
fn ensure_alternate_stack() {
    let _ = ALT_STACK.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_some() {
            return;
        }
        // SAFETY: stack_t is plain old data (all-zero is valid), and sigaltstack with a null
        // new stack only writes the current one into `current`.
        let current = unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(std::ptr::null(), &mut current);
            current
        };
        if current.ss_flags & libc::SS_DISABLE == 0 {
            *slot = Some(None); // someone (std) already installed one
            return;
        }
        let len = 64 * 1024;
        // SAFETY: a fresh anonymous private mapping; checked for failure below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            *slot = Some(None);
            return;
        }
        let stack = libc::stack_t {
            ss_sp: base,
            ss_flags: 0,
            ss_size: len,
        };
        // SAFETY: `stack` describes the mapping above, which lives until `AltStack` drops.
        unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) };
        *slot = Some(Some(AltStack { base, len }));
    });
}
