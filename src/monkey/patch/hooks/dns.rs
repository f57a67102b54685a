//! `getaddrinfo`, on the blocking pool.

use std::ffi::CStr;

use libc::{addrinfo, c_char, c_int};

use super::super::fds::set_errno;
use super::super::real::libc_real as real;
use super::super::wait;
use super::green_call;
use crate::green::Unparked;

/// A `getaddrinfo` result owned until handed to the caller (freed if the caller is gone).
struct AddrList(*mut addrinfo);

// SAFETY: the list is plain heap memory from glibc, handed from the pool thread that made it
// to the green thread that asked for it; nobody else holds it.
unsafe impl Send for AddrList {}

impl Drop for AddrList {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: a list getaddrinfo returned and nobody took.
            unsafe { libc::freeaddrinfo(self.0) };
        }
    }
}

fn owned(text: *const c_char) -> Option<std::ffi::CString> {
    // SAFETY: the caller of getaddrinfo passes NUL-terminated strings (or null).
    (!text.is_null()).then(|| unsafe { CStr::from_ptr(text) }.to_owned())
}

/// `getaddrinfo`: glibc's resolver makes its own socket calls, which no hook sees, so the
/// lookup runs on the blocking pool (as gevent's default resolver does) while the green
/// thread waits.
///
/// # Safety
/// As libc's `getaddrinfo`.
#[no_mangle]
pub unsafe extern "C" fn getaddrinfo(
    node: *const c_char,
    service: *const c_char,
    hints: *const addrinfo,
    res: *mut *mut addrinfo,
) -> c_int {
    if !green_call() || res.is_null() {
        // SAFETY: forwarded from the caller.
        return unsafe { real::getaddrinfo(node, service, hints, res) };
    }
    let (node_owned, service_owned) = (owned(node), owned(service));
    // SAFETY: `hints`, when not null, points to an addrinfo the caller owns; only its four
    // plain fields are used (glibc requires the pointers in hints to be null anyway).
    let hints_owned = (!hints.is_null()).then(|| unsafe {
        (
            (*hints).ai_flags,
            (*hints).ai_family,
            (*hints).ai_socktype,
            (*hints).ai_protocol,
        )
    });
    let lookup = move || {
        // SAFETY: addrinfo is plain old data; zero is its "no hints" value.
        let mut hints: addrinfo = unsafe { std::mem::zeroed() };
        let hints_ptr = match hints_owned {
            Some((flags, family, socktype, protocol)) => {
                hints.ai_flags = flags;
                hints.ai_family = family;
                hints.ai_socktype = socktype;
                hints.ai_protocol = protocol;
                &hints as *const addrinfo
            }
            None => std::ptr::null(),
        };
        let mut list: *mut addrinfo = std::ptr::null_mut();
        let name =
            |s: &Option<std::ffi::CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        // SAFETY: the strings and hints live in this closure; `list` is ours to receive.
        let rc = unsafe {
            real::getaddrinfo(
                name(&node_owned),
                name(&service_owned),
                hints_ptr,
                &mut list,
            )
        };
        (rc, AddrList(list))
    };
    match wait::job(lookup) {
        Ok((rc, mut list)) => {
            // SAFETY: `res` is the caller's out-pointer (checked non-null above).
            unsafe { *res = std::mem::replace(&mut list.0, std::ptr::null_mut()) };
            rc
        }
        Err(Unparked::Killed) => {
            set_errno(libc::ECANCELED);
            libc::EAI_SYSTEM
        }
        // SAFETY: forwarded from the caller.
        Err(_) => unsafe { real::getaddrinfo(node, service, hints, res) },
    }
}
