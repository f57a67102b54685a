//! The real libc functions behind the hooks, found with `dlsym(RTLD_NEXT, name)` on first use
//! and cached. Nothing in the patch module may call `libc::<hooked function>`: that symbol is
//! the hook itself.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A libc function found by name.
pub(super) struct Real {
    name: &'static [u8],
    address: AtomicUsize,
}

impl Real {
    /// `name` must end with a NUL byte.
    pub(super) const fn new(name: &'static [u8]) -> Real {
        Real {
            name,
            address: AtomicUsize::new(0),
        }
    }

    /// The next definition of the symbol after ours (glibc's), as an address; aborts when there
    /// is none, since a hook without its real function cannot do anything right.
    #[inline]
    pub(super) fn address(&self) -> usize {
        let cached = self.address.load(Ordering::Relaxed);
        if cached != 0 {
            return cached;
        }
        self.resolve()
    }

    #[cold]
    fn resolve(&self) -> usize {
        // SAFETY: `name` is NUL-terminated (the `real!` macro appends the NUL) and RTLD_NEXT
        // is a valid pseudo-handle.
        let found = unsafe { libc::dlsym(libc::RTLD_NEXT, self.name.as_ptr().cast()) } as usize;
        if found == 0 {
            let message = b"greenery: patch: a hooked libc function has no next definition\n";
            // SAFETY: write(2) on a valid buffer; abort never returns.
            unsafe {
                libc::syscall(libc::SYS_write, 2, message.as_ptr(), message.len());
                libc::abort();
            }
        }
        self.address.store(found, Ordering::Relaxed);
        found
    }
}

/// Declares a function `$name` calling the real libc `$name` with the given signature.
macro_rules! real {
    ($( fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        $(
            #[allow(clippy::too_many_arguments)]
            #[inline]
            pub(in crate::monkey::patch) unsafe fn $name($($arg: $ty),*) -> $ret {
                static REAL: $crate::monkey::patch::real::Real =
                    $crate::monkey::patch::real::Real::new(concat!(stringify!($name), "\0").as_bytes());
                // SAFETY: the address is glibc's definition of this very symbol, whose C
                // signature the declaration above spells out.
                let f: unsafe extern "C" fn($($ty),*) -> $ret =
                    unsafe { std::mem::transmute(REAL.address()) };
                // SAFETY: forwarded from the caller, who upholds the libc function's contract.
                unsafe { f($($arg),*) }
            }
        )*
    };
}

pub(super) mod libc_real {
    use libc::{addrinfo, iovec, socklen_t, ssize_t, timespec, useconds_t};
    use libc::{c_char, c_int, c_uint, c_ulong, c_void, msghdr, nfds_t, pollfd, size_t, sockaddr};

    real! {
        fn clock_nanosleep(clock: c_int, flags: c_int, req: *const timespec, rem: *mut timespec) -> c_int;
        fn nanosleep(req: *const timespec, rem: *mut timespec) -> c_int;
        fn sleep(seconds: c_uint) -> c_uint;
        fn usleep(usec: useconds_t) -> c_int;
        fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int;
        fn connect(fd: c_int, addr: *const sockaddr, len: socklen_t) -> c_int;
        fn accept(fd: c_int, addr: *mut sockaddr, len: *mut socklen_t) -> c_int;
        fn accept4(fd: c_int, addr: *mut sockaddr, len: *mut socklen_t, flags: c_int) -> c_int;
        fn recv(fd: c_int, buf: *mut c_void, n: size_t, flags: c_int) -> ssize_t;
        fn recvfrom(fd: c_int, buf: *mut c_void, n: size_t, flags: c_int, addr: *mut sockaddr, len: *mut socklen_t) -> ssize_t;
        fn recvmsg(fd: c_int, msg: *mut msghdr, flags: c_int) -> ssize_t;
        fn send(fd: c_int, buf: *const c_void, n: size_t, flags: c_int) -> ssize_t;
        fn sendto(fd: c_int, buf: *const c_void, n: size_t, flags: c_int, addr: *const sockaddr, len: socklen_t) -> ssize_t;
        fn sendmsg(fd: c_int, msg: *const msghdr, flags: c_int) -> ssize_t;
        fn read(fd: c_int, buf: *mut c_void, n: size_t) -> ssize_t;
        fn write(fd: c_int, buf: *const c_void, n: size_t) -> ssize_t;
        fn readv(fd: c_int, iov: *const iovec, count: c_int) -> ssize_t;
        fn writev(fd: c_int, iov: *const iovec, count: c_int) -> ssize_t;
        fn poll(fds: *mut pollfd, n: nfds_t, timeout: c_int) -> c_int;
        fn ioctl(fd: c_int, request: c_ulong, arg: *mut c_void) -> c_int;
        fn fcntl(fd: c_int, cmd: c_int, arg: usize) -> c_int;
        fn fcntl64(fd: c_int, cmd: c_int, arg: usize) -> c_int;
        fn dup(fd: c_int) -> c_int;
        fn dup2(fd: c_int, to: c_int) -> c_int;
        fn dup3(fd: c_int, to: c_int, flags: c_int) -> c_int;
        fn close(fd: c_int) -> c_int;
        fn setsockopt(fd: c_int, level: c_int, name: c_int, value: *const c_void, len: socklen_t) -> c_int;
        fn getaddrinfo(node: *const c_char, service: *const c_char, hints: *const addrinfo, res: *mut *mut addrinfo) -> c_int;
        fn __read_chk(fd: c_int, buf: *mut c_void, n: size_t, buflen: size_t) -> ssize_t;
        fn __recv_chk(fd: c_int, buf: *mut c_void, n: size_t, buflen: size_t, flags: c_int) -> ssize_t;
        fn __recvfrom_chk(fd: c_int, buf: *mut c_void, n: size_t, buflen: size_t, flags: c_int, addr: *mut sockaddr, len: *mut socklen_t) -> ssize_t;
        fn __poll_chk(fds: *mut pollfd, n: nfds_t, timeout: c_int, fdslen: size_t) -> c_int;
    }
}
