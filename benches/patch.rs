//! What the libc hooks of the `patch` feature cost a plain OS thread: the same call through the
//! hook (armed, passing through) and straight to glibc's function (`dlsym(RTLD_NEXT)`),
//! measured in the same run in thread CPU time: a `recv` that finds nothing (`EAGAIN` on a
//! non-blocking socket) and an `fcntl(F_GETFD)`.
//!
//! Run with `cargo bench -p greenery-bench --features patch --bench patch` (figures in
//! `docs/benchmarks.md`). Without `--bench` it runs a short smoke round.

mod common;
use common::thread_cpu;

use std::os::fd::AsRawFd;

/// glibc's own definition of `name` (NUL-terminated), past greenery's hook.
fn next_symbol(name: &[u8]) -> usize {
    // SAFETY: a NUL-terminated name and the RTLD_NEXT pseudo-handle.
    let found = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr().cast()) } as usize;
    assert_ne!(found, 0, "no next definition");
    found
}

/// Nanoseconds of thread CPU per call of `f`, the median of `rounds` rounds of `calls` calls.
fn per_call(rounds: usize, calls: u32, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = thread_cpu();
            for _ in 0..calls {
                f();
            }
            (thread_cpu() - start).as_nanos() as f64 / f64::from(calls)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds / 2]
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let (rounds, calls) = if full { (15, 1_000_000) } else { (1, 1_000) };
    greenery::monkey::patch_all();
    let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    a.set_nonblocking(true).expect("non-blocking");
    let fd = a.as_raw_fd();
    let mut buf = [0u8; 8];

    // SAFETY: the address is glibc's recv, with recv's C signature.
    let real_recv: unsafe extern "C" fn(
        libc::c_int,
        *mut libc::c_void,
        usize,
        libc::c_int,
    ) -> isize = unsafe { std::mem::transmute(next_symbol(b"recv\0")) };
    // SAFETY: the address is glibc's fcntl, called with fcntl's three-argument form.
    let real_fcntl: unsafe extern "C" fn(libc::c_int, libc::c_int, usize) -> libc::c_int =
        unsafe { std::mem::transmute(next_symbol(b"fcntl\0")) };

    println!(
        "hooks on a plain OS thread: ns of thread CPU per call (median of {rounds} x {calls})"
    );
    println!(
        "{:<28} {:>8} {:>8} {:>9}",
        "call", "hooked", "glibc", "overhead"
    );
    let mut rows = Vec::new();
    // SAFETY (all four): valid fd and buffer; the calls fail with EAGAIN or return flags.
    rows.push((
        "recv (nothing to read)",
        per_call(rounds, calls, || unsafe {
            libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0);
        }),
        per_call(rounds, calls, || unsafe {
            real_recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0);
        }),
    ));
    rows.push((
        "fcntl(F_GETFD)",
        per_call(rounds, calls, || unsafe {
            libc::fcntl(fd, libc::F_GETFD);
        }),
        per_call(rounds, calls, || unsafe {
            real_fcntl(fd, libc::F_GETFD, 0);
        }),
    ));
    for (name, hooked, direct) in rows {
        println!(
            "{name:<28} {hooked:>8.1} {direct:>8.1} {:>9.1}   (target <= 20)",
            hooked - direct
        );
    }
}
