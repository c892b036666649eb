// SPDX-License-Identifier: GPL-2.0-only

//! The WASIX `port_route_*` calls over rtemu, returning WASI errno values,
//! and the rules every WASIX backend of this project keeps: [`WasixRoutes`]
//! here, and the `virtual-net` backend of `tools/rtemu-wasix`, which calls it.
//!
//! The rules, where WASIX leaves the meaning open:
//! - Lifetimes (`preferred_until`, `expires_at`) are absolute times in
//!   nanoseconds since the Unix epoch, on CLOCK_REALTIME: what rtemu's
//!   deadlines and smoltcp's `Instant` fields are. A time later than any
//!   deadline can hold ([`LATEST_DEADLINE`], the kernel's S64_MAX; e.g. a
//!   guest's `u64::MAX`) means "forever": the route gets no such lifetime
//!   ([`deadline`]). An `expires_at` already passed is EINVAL, as the kernel
//!   rules.
//! - A CIDR with host bits set (`10.1.2.3/16`) is refused with EINVAL, not
//!   masked: the kernel refuses it too, and a guest that meant the address
//!   would otherwise get a route it did not ask for ([`check_cidr`]).
//! - `port_route_remove(ip)` removes the guest routes whose network address
//!   is `ip`, every prefix length and every router (`10.1.0.0` removes
//!   `10.1.0.0/16` and `10.1.0.0/24`; `0.0.0.0` the default route), as the
//!   trait's argument (`cidr`) and `port_route_add` suggest; routes through
//!   `ip` as their router stay. None is ESRCH.
//! - `port_route_list` returns the guest's routes: host routes the kernel
//!   cloned (RTF_WASCLONED) are left out, they come and go with lookups. A
//!   dump that the table changed under is retried; one still interrupted
//!   after [`LIST_TRIES`] is EINTR, never a partial list.
//! - Errors: [`errno_of`]. The module not loaded, or unloaded after the
//!   connection was made, is ENOTSUP; the next call connects again, so a
//!   reloaded module is found.
//! - Addresses are `std::net::IpAddr`s, sent as their octets: IPv6 goes to
//!   the kernel in network byte order, whatever the host's.
//!
//! Linux errnos map to the WASI errno of the same name (WASI snapshot
//! preview1 numbering, which WASIX keeps); errors with no errno of their own
//! map as documented on [`errno_of`].

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::dump::RouteDump;
use crate::enums::Family;
use crate::error::Error;
use crate::handle::Handle;
use crate::proto::RouteFlags;
use crate::types::{Route, RouteAdd, RouteRemove, Timestamp};

/// A WASI errno (`__wasi_errno_t`).
pub type Errno = u16;

/// WASI errno values (snapshot preview1; WASIX keeps them).
#[allow(missing_docs)]
pub mod errno {
    use super::Errno;
    pub const SUCCESS: Errno = 0;
    pub const E2BIG: Errno = 1;
    pub const EACCES: Errno = 2;
    pub const EADDRINUSE: Errno = 3;
    pub const EADDRNOTAVAIL: Errno = 4;
    pub const EAFNOSUPPORT: Errno = 5;
    pub const EAGAIN: Errno = 6;
    pub const EALREADY: Errno = 7;
    pub const EBADF: Errno = 8;
    pub const EBADMSG: Errno = 9;
    pub const EBUSY: Errno = 10;
    pub const ECANCELED: Errno = 11;
    pub const EDOM: Errno = 18;
    pub const EDQUOT: Errno = 19;
    pub const EEXIST: Errno = 20;
    pub const EFAULT: Errno = 21;
    pub const EHOSTUNREACH: Errno = 23;
    pub const EINTR: Errno = 27;
    pub const EINVAL: Errno = 28;
    pub const EIO: Errno = 29;
    pub const EMFILE: Errno = 33;
    pub const EMSGSIZE: Errno = 35;
    pub const ENETDOWN: Errno = 38;
    pub const ENETUNREACH: Errno = 40;
    pub const ENFILE: Errno = 41;
    pub const ENOBUFS: Errno = 42;
    pub const ENODEV: Errno = 43;
    pub const ENOENT: Errno = 44;
    pub const ENOMEM: Errno = 48;
    pub const ENOPROTOOPT: Errno = 50;
    pub const ENOSPC: Errno = 51;
    pub const ENOSYS: Errno = 52;
    pub const ENOTSUP: Errno = 58;
    pub const ENXIO: Errno = 60;
    pub const EOVERFLOW: Errno = 61;
    pub const EPERM: Errno = 63;
    pub const EPROTO: Errno = 65;
    pub const EPROTONOSUPPORT: Errno = 66;
    pub const ERANGE: Errno = 68;
    pub const ESRCH: Errno = 71;
    pub const ETIMEDOUT: Errno = 73;
}

/// Map a positive Linux errno to the WASI errno of the same name; anything
/// without a WASI counterpart becomes EIO.
pub fn errno_from_linux(e: i32) -> Errno {
    use errno as w;
    match e {
        0 => w::SUCCESS,
        libc::EPERM => w::EPERM,
        libc::ENOENT => w::ENOENT,
        libc::ESRCH => w::ESRCH,
        libc::EINTR => w::EINTR,
        libc::EIO => w::EIO,
        libc::ENXIO => w::ENXIO,
        libc::E2BIG => w::E2BIG,
        libc::EBADF => w::EBADF,
        libc::EAGAIN => w::EAGAIN,
        libc::ENOMEM => w::ENOMEM,
        libc::EACCES => w::EACCES,
        libc::EFAULT => w::EFAULT,
        libc::EBUSY => w::EBUSY,
        libc::EEXIST => w::EEXIST,
        libc::ENODEV => w::ENODEV,
        libc::EINVAL => w::EINVAL,
        libc::ENFILE => w::ENFILE,
        libc::EMFILE => w::EMFILE,
        libc::ENOSPC => w::ENOSPC,
        libc::EDOM => w::EDOM,
        libc::ERANGE => w::ERANGE,
        libc::ENOSYS => w::ENOSYS,
        libc::EPROTO => w::EPROTO,
        libc::EBADMSG => w::EBADMSG,
        libc::EOVERFLOW => w::EOVERFLOW,
        libc::EMSGSIZE => w::EMSGSIZE,
        libc::ENOPROTOOPT => w::ENOPROTOOPT,
        libc::EPROTONOSUPPORT => w::EPROTONOSUPPORT,
        // EOPNOTSUPP and ENOTSUP are the same number on Linux.
        libc::EOPNOTSUPP => w::ENOTSUP,
        libc::EAFNOSUPPORT => w::EAFNOSUPPORT,
        libc::EADDRINUSE => w::EADDRINUSE,
        libc::EADDRNOTAVAIL => w::EADDRNOTAVAIL,
        libc::ENETDOWN => w::ENETDOWN,
        libc::ENETUNREACH => w::ENETUNREACH,
        libc::ENOBUFS => w::ENOBUFS,
        libc::ETIMEDOUT => w::ETIMEDOUT,
        libc::EALREADY => w::EALREADY,
        libc::EHOSTUNREACH => w::EHOSTUNREACH,
        libc::ECANCELED => w::ECANCELED,
        libc::EDQUOT => w::EDQUOT,
        _ => w::EIO,
    }
}

/// The WASI errno of an error: the kernel's errno mapped by
/// [`errno_from_linux`], except ENOENT, which the four route requests only
/// get from generic netlink when it no longer knows the family (the module
/// was unloaded after connecting): ENOTSUP, as for a module not loaded at
/// all (no rtemu family). A message this crate cannot decode is EPROTO; a
/// receive buffer overrun is ENOBUFS.
pub fn errno_of(err: &Error) -> Errno {
    match err {
        Error::FamilyNotFound(_) | Error::GroupNotFound(_) => errno::ENOTSUP,
        Error::Kernel(k) if k.errno == libc::ENOENT => errno::ENOTSUP,
        Error::Decode(_) | Error::Protocol(_) => errno::EPROTO,
        Error::Overrun => errno::ENOBUFS,
        e => e.errno().map(errno_from_linux).unwrap_or(errno::EIO),
    }
}

/// The latest deadline rtemu keeps: S64_MAX nanoseconds (year 2262).
pub const LATEST_DEADLINE: Timestamp = i64::MAX as Timestamp;

/// The deadline of a guest's lifetime: `None`, no deadline, when the time
/// is later than any deadline can be ([`LATEST_DEADLINE`]), which is how a
/// guest says "forever".
pub fn deadline(guest_ns: Timestamp) -> Option<Timestamp> {
    (guest_ns <= LATEST_DEADLINE).then_some(guest_ns)
}

/// EINVAL for a CIDR with host bits set: refused, not masked.
pub fn check_cidr(cidr: &IpNet) -> Result<(), Errno> {
    if cidr.trunc() == *cidr {
        Ok(())
    } else {
        Err(errno::EINVAL)
    }
}

/// The `route-add` request of a `port_route_add`: a static route, its
/// CIDR checked by [`check_cidr`], its lifetimes by [`deadline`].
pub fn route_add_request(
    cidr: IpNet,
    via_router: IpAddr,
    preferred_until: Option<Timestamp>,
    expires_at: Option<Timestamp>,
) -> Result<RouteAdd, Errno> {
    check_cidr(&cidr)?;
    let mut req = RouteAdd::new(cidr, via_router);
    req.flags = RouteFlags::STATIC;
    req.preferred_until = preferred_until.and_then(deadline);
    req.expires_at = expires_at.and_then(deadline);
    Ok(req)
}

/// Whether a listed route is the guest's: not a clone the kernel made.
pub fn is_guest_route(route: &Route) -> bool {
    !route.flags().contains(RouteFlags::WASCLONED)
}

/// A route as WASIX `port_route_list` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasixRoute {
    pub cidr: IpNet,
    /// The router; the unspecified address for an on-link route.
    pub via_router: IpAddr,
    pub preferred_until: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

impl From<Route> for WasixRoute {
    fn from(r: Route) -> Self {
        let on_link = match r.dst {
            IpNet::V4(_) => IpAddr::from([0u8; 4]),
            IpNet::V6(_) => IpAddr::from([0u8; 16]),
        };
        WasixRoute {
            cidr: r.dst,
            via_router: r.via.unwrap_or(on_link),
            preferred_until: r.preferred_until,
            expires_at: r.expires_at,
        }
    }
}

/// Dumps tried while the kernel marks them interrupted (the table changed
/// during the dump) before the list fails with EINTR.
pub const LIST_TRIES: usize = 4;

/// A WASIX route backend over an rtemu table, with the rules of this
/// module. It connects on its first call, in the network namespace of the
/// thread that makes it, and again after the module went away.
#[derive(Default)]
pub struct WasixRoutes {
    handle: Option<Handle>,
}

impl WasixRoutes {
    /// A backend that connects when first used (ENOTSUP from each call
    /// while the rtemu module is not loaded).
    pub fn new() -> Self {
        WasixRoutes::default()
    }

    /// A backend over an open handle (of a chosen namespace).
    pub fn from_handle(handle: Handle) -> Self {
        WasixRoutes {
            handle: Some(handle),
        }
    }

    /// Runs `op` on the handle, connecting first if needed. On ENOTSUP the
    /// handle is dropped, so that the next call finds a reloaded module.
    fn with_handle<T>(
        &mut self,
        op: impl FnOnce(&mut Handle) -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        let handle = match &mut self.handle {
            Some(h) => h,
            empty => empty.insert(Handle::connect().map_err(|e| errno_of(&e))?),
        };
        let result = op(handle);
        if result.as_ref().err() == Some(&errno::ENOTSUP) {
            self.handle = None;
        }
        result
    }

    /// `port_route_add`: a static route to `cidr` via `via_router` (the
    /// unspecified address for on-link) with optional lifetimes, as the
    /// module's rules say.
    pub fn port_route_add(
        &mut self,
        cidr: IpNet,
        via_router: IpAddr,
        preferred_until: Option<Timestamp>,
        expires_at: Option<Timestamp>,
    ) -> Result<(), Errno> {
        let req = route_add_request(cidr, via_router, preferred_until, expires_at)?;
        self.with_handle(|h| h.route_add(&req).map_err(|e| errno_of(&e)))
    }

    /// `port_route_remove`: the guest routes whose network address is `ip`;
    /// ESRCH when there are none.
    pub fn port_route_remove(&mut self, ip: IpAddr) -> Result<(), Errno> {
        self.with_handle(|h| {
            let prefixes: BTreeSet<IpNet> = guest_routes(h, Some(Family::of(&ip)))?
                .into_iter()
                .filter(|r| r.dst.addr() == ip)
                .map(|r| r.dst)
                .collect();
            let mut removed = 0;
            for cidr in prefixes {
                match h.route_remove(&RouteRemove::Prefix { cidr, via: None }) {
                    Ok(_) => removed += 1,
                    // Removed by someone else since the dump.
                    Err(e) if e.errno() == Some(libc::ESRCH) => {}
                    Err(e) => return Err(errno_of(&e)),
                }
            }
            if removed == 0 {
                return Err(errno::ESRCH);
            }
            Ok(())
        })
    }

    /// `port_route_clear`: every route of every family.
    pub fn port_route_clear(&mut self) -> Result<(), Errno> {
        self.with_handle(|h| h.route_clear(None).map(|_| ()).map_err(|e| errno_of(&e)))
    }

    /// `port_route_list`: the guest's routes.
    pub fn port_route_list(&mut self) -> Result<Vec<WasixRoute>, Errno> {
        self.with_handle(|h| {
            Ok(guest_routes(h, None)?
                .into_iter()
                .map(WasixRoute::from)
                .collect())
        })
    }
}

/// The guest routes of one family or all, from a dump the table did not
/// change under: EINTR when each of [`LIST_TRIES`] dumps was interrupted.
fn guest_routes(h: &mut Handle, family: Option<Family>) -> Result<Vec<Route>, Errno> {
    let dump = h
        .route_list_consistent(family, LIST_TRIES)
        .map_err(|e| errno_of(&e))?;
    guest_routes_of(dump)
}

/// The guest routes of the last of the dumps: EINTR if it was interrupted
/// too, rather than a list that may miss routes.
fn guest_routes_of(dump: RouteDump) -> Result<Vec<Route>, Errno> {
    if dump.interrupted {
        return Err(errno::EINTR);
    }
    Ok(dump.routes.into_iter().filter(is_guest_route).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Extack, KernelError};
    use crate::types::Typed;

    #[test]
    fn linux_to_wasi_named_errnos() {
        let table = [
            (libc::EINVAL, 28),
            (libc::EEXIST, 20),
            (libc::EPERM, 63),
            (libc::EOPNOTSUPP, 58),
            (libc::ENOTSUP, 58),
            (libc::EOVERFLOW, 61),
            (libc::ENOENT, 44),
            (libc::ESRCH, 71),
            (libc::ENOSPC, 51),
            (libc::ENOMEM, 48),
            (libc::EACCES, 2),
            (libc::EAFNOSUPPORT, 5),
            (libc::ERANGE, 68),
            (libc::EHOSTUNREACH, 23),
            (libc::ENETUNREACH, 40),
            (libc::ENOBUFS, 42),
            (libc::EMSGSIZE, 35),
            (libc::EBUSY, 10),
            (libc::EAGAIN, 6),
            (libc::EPROTO, 65),
            (0, 0),
        ];
        for (linux, wasi) in table {
            assert_eq!(errno_from_linux(linux), wasi, "linux errno {linux}");
        }
    }

    #[test]
    fn unknown_linux_errno_is_eio() {
        assert_eq!(errno_from_linux(libc::ENOTBLK), errno::EIO);
        assert_eq!(errno_from_linux(4095), errno::EIO);
    }

    #[test]
    fn lifetimes_past_any_deadline_mean_forever() {
        assert_eq!(deadline(0), Some(0));
        assert_eq!(
            deadline(1_700_000_000_000_000_000),
            Some(1_700_000_000_000_000_000)
        );
        assert_eq!(deadline(LATEST_DEADLINE), Some(LATEST_DEADLINE));
        assert_eq!(deadline(LATEST_DEADLINE + 1), None);
        assert_eq!(deadline(u64::MAX), None);
        let req = route_add_request(
            "10.0.0.0/8".parse().unwrap(),
            "192.0.2.1".parse().unwrap(),
            Some(u64::MAX),
            Some(2_000_000_000_000_000_000),
        )
        .unwrap();
        assert_eq!(req.preferred_until, None);
        assert_eq!(req.expires_at, Some(2_000_000_000_000_000_000));
        assert_eq!(req.flags, RouteFlags::STATIC);
    }

    #[test]
    fn host_bits_are_refused_not_masked() {
        let via: IpAddr = "192.0.2.1".parse().unwrap();
        for bad in ["10.1.2.3/16", "10.0.0.1/0", "2001:db8::1/64"] {
            let cidr: IpNet = bad.parse().unwrap();
            assert_eq!(check_cidr(&cidr), Err(errno::EINVAL), "{bad}");
            assert_eq!(
                route_add_request(cidr, via, None, None),
                Err(errno::EINVAL),
                "{bad}"
            );
        }
        for good in ["10.1.0.0/16", "0.0.0.0/0", "10.1.2.3/32", "2001:db8::/32"] {
            assert_eq!(check_cidr(&good.parse().unwrap()), Ok(()), "{good}");
        }
    }

    #[test]
    fn ipv6_goes_out_in_network_byte_order() {
        let req = route_add_request(
            "2001:db8:1::/48".parse().unwrap(),
            "fe80::1".parse().unwrap(),
            None,
            None,
        )
        .unwrap();
        let wire = req.to_message().encode_request(0x20, 0, 1);
        // The dst attribute: length 20, type dst, then the 16 octets as
        // written, most significant first.
        let mut dst = vec![20, 0, crate::proto::route_attr::DST as u8, 0];
        dst.extend([0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01]);
        dst.extend([0; 10]);
        assert!(
            wire.windows(dst.len()).any(|w| w == dst.as_slice()),
            "no {dst:x?} in {wire:x?}"
        );
    }

    #[test]
    fn clones_are_not_the_guests() {
        let mut r = Route::new("10.1.2.3/32".parse().unwrap());
        assert!(is_guest_route(&r));
        r.flags = Some(RouteFlags::STATIC | RouteFlags::HOST);
        assert!(is_guest_route(&r));
        r.flags = Some(RouteFlags::HOST | RouteFlags::WASCLONED);
        assert!(!is_guest_route(&r));
    }

    #[test]
    fn a_dump_that_stays_interrupted_is_eintr() {
        let static_route = Route {
            flags: Some(RouteFlags::UP | RouteFlags::STATIC),
            ..Route::new("10.1.0.0/16".parse().unwrap())
        };
        let clone = Route {
            flags: Some(RouteFlags::UP | RouteFlags::HOST | RouteFlags::WASCLONED),
            ..Route::new("10.1.0.7/32".parse().unwrap())
        };
        let dump = |interrupted| RouteDump {
            routes: vec![static_route.clone(), clone.clone()],
            interrupted,
        };
        assert_eq!(guest_routes_of(dump(true)), Err(errno::EINTR));
        assert_eq!(guest_routes_of(dump(false)), Ok(vec![static_route.clone()]));
    }

    #[test]
    fn on_link_routes_list_the_unspecified_router() {
        let v4 = WasixRoute::from(Route::new("10.0.0.0/8".parse().unwrap()));
        assert_eq!(v4.via_router, "0.0.0.0".parse::<IpAddr>().unwrap());
        let v6 = WasixRoute::from(Route::new("2001:db8::/32".parse().unwrap()));
        assert_eq!(v6.via_router, "::".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn crate_errors_to_wasi() {
        let k = Error::Kernel(KernelError {
            errno: libc::EEXIST,
            extack: Extack::default(),
        });
        assert_eq!(errno_of(&k), errno::EEXIST);
        let gone = Error::Kernel(KernelError {
            errno: libc::ENOENT,
            extack: Extack::default(),
        });
        assert_eq!(errno_of(&gone), errno::ENOTSUP);
        assert_eq!(
            errno_of(&Error::FamilyNotFound("rtemu".into())),
            errno::ENOTSUP
        );
        assert_eq!(errno_of(&Error::Overrun), errno::ENOBUFS);
        assert_eq!(errno_of(&Error::Decode("x".into())), errno::EPROTO);
        let cut = Error::Truncated {
            len: 40_000,
            room: 32_768,
        };
        assert_eq!(errno_of(&cut), errno::EMSGSIZE);
        let io = Error::Io(std::io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(errno_of(&io), errno::EACCES);
    }
}
