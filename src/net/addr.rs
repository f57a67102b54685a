//! Socket addresses: what `connect`/`bind` accept, and name resolution off the loop.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::blocking::spawn_blocking;

/// Something that names one or more socket addresses: the async counterpart of
/// [`std::net::ToSocketAddrs`], implemented for the same types.
///
/// IP addresses are used as they are; a host name (`"localhost:80"`, `("example.org", 80)`)
/// is resolved with the system resolver on the blocking pool
/// ([`spawn_blocking`](crate::spawn_blocking)), so a slow DNS answer never stalls the loop.
/// This trait is sealed: use the provided implementations.
///
/// ```
/// greenery::run(async {
///     let addrs = greenery::net::lookup_host("localhost:8080").await.unwrap();
///     assert!(addrs.iter().all(|a| a.port() == 8080 && a.ip().is_loopback()));
/// });
/// ```
pub trait ToSocketAddrs: sealed::Resolve {}

pub(crate) mod sealed {
    use super::*;

    /// What resolving an address takes: nothing, or a lookup of a host name.
    ///
    /// An IP literal is `Done` at once; a host name is a `Lookup` on the blocking pool.
    ///
    /// ```
    /// greenery::run(async {
    ///     let literal = greenery::net::lookup_host("[::1]:80").await.unwrap(); // Done
    ///     assert_eq!(literal, ["[::1]:80".parse().unwrap()]);
    ///     let named = greenery::net::lookup_host(("localhost", 80)).await.unwrap(); // Lookup
    ///     assert!(named.iter().all(|a| a.ip().is_loopback()));
    /// });
    /// ```
    pub enum Resolution {
        Done(io::Result<Vec<SocketAddr>>),
        Lookup(String, u16),
    }

    /// How a [`ToSocketAddrs`] type resolves: the sealed supertrait, so only this crate
    /// implements it. Bad input is an error, not a panic.
    ///
    /// ```
    /// greenery::run(async {
    ///     let err = greenery::net::lookup_host("no port here").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    pub trait Resolve {
        fn resolution(&self) -> Resolution;
    }
}

use sealed::{Resolution, Resolve};

/// Resolves `addr` into socket addresses (host names on the blocking pool).
///
/// ```
/// greenery::run(async {
///     let addrs = greenery::net::lookup_host(("127.0.0.1", 80)).await.unwrap();
///     assert_eq!(addrs, ["127.0.0.1:80".parse().unwrap()]);
/// });
/// ```
pub async fn lookup_host(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    match addr.resolution() {
        Resolution::Done(result) => result,
        Resolution::Lookup(host, port) => {
            let lookup = spawn_blocking(move || {
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map(Iterator::collect)
            });
            lookup
                .await
                .map_err(|err| io::Error::other(format!("host name lookup failed: {err}")))?
        }
    }
}

/// Runs `op` on each address of `addr` in turn until one succeeds, like std's `connect` and
/// `bind`: returns the last error, or `InvalidInput` when `addr` names no address.
pub(crate) async fn each_addr<T, F, Fut>(addr: impl ToSocketAddrs, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last_err = None;
    for addr in lookup_host(addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last_err = Some(err),
        }
    }
    Err(last_err.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any addresses",
        )
    }))
}

/// Splits `"host:port"` (or `"[v6]:port"`), as std does.
fn host_and_port(s: &str) -> io::Result<(&str, u16)> {
    let invalid = |msg| io::Error::new(io::ErrorKind::InvalidInput, msg);
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| invalid("invalid socket address"))?;
    let port = port.parse().map_err(|_| invalid("invalid port value"))?;
    Ok((host, port))
}

fn resolve_host(host: &str, port: u16) -> Resolution {
    match host.parse::<IpAddr>() {
        Ok(ip) => Resolution::Done(Ok(vec![SocketAddr::new(ip, port)])),
        Err(_) => Resolution::Lookup(host.to_owned(), port),
    }
}

fn resolve_str(s: &str) -> Resolution {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Resolution::Done(Ok(vec![addr]));
    }
    match host_and_port(s) {
        Ok((host, port)) => resolve_host(host, port),
        Err(err) => Resolution::Done(Err(err)),
    }
}

macro_rules! direct {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Resolve for $ty {
            fn resolution(&self) -> Resolution {
                Resolution::Done(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

direct!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for str {}
impl Resolve for str {
    fn resolution(&self) -> Resolution {
        resolve_str(self)
    }
}

impl ToSocketAddrs for String {}
impl Resolve for String {
    fn resolution(&self) -> Resolution {
        resolve_str(self)
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Resolve for (&str, u16) {
    fn resolution(&self) -> Resolution {
        resolve_host(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolve for (String, u16) {
    fn resolution(&self) -> Resolution {
        resolve_host(&self.0, self.1)
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl Resolve for [SocketAddr] {
    fn resolution(&self) -> Resolution {
        Resolution::Done(Ok(self.to_vec()))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Resolve + ?Sized> Resolve for &T {
    fn resolution(&self) -> Resolution {
        (**self).resolution()
    }
}
