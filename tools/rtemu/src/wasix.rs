// SPDX-License-Identifier: GPL-2.0-only

//! The WASIX `port_route_*` shape over rtemu, returning WASI errno values, so
//! a WASIX runtime's networking backend can forward its guests' route calls
//! to the kernel.
//!
//! Linux errnos map to the WASI errno of the same name (WASI snapshot
//! preview1 numbering, which WASIX keeps); errors with no errno of their own
//! map as documented on [`errno_of`].

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::Error;
use crate::handle::Handle;
use crate::proto::RouteFlags;
use crate::types::{RouteAdd, RouteRemove, Timestamp};

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
/// [`errno_from_linux`]; a missing rtemu family (module not loaded) is
/// ENOTSUP; a message this crate cannot decode is EPROTO; a receive buffer
/// overrun is ENOBUFS.
pub fn errno_of(err: &Error) -> Errno {
    match err {
        Error::FamilyNotFound(_) | Error::GroupNotFound(_) => errno::ENOTSUP,
        Error::Decode(_) | Error::Protocol(_) => errno::EPROTO,
        Error::Overrun => errno::ENOBUFS,
        e => e.errno().map(errno_from_linux).unwrap_or(errno::EIO),
    }
}

/// A route as WASIX `port_route_list` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasixRoute {
    pub cidr: IpNet,
    pub via_router: IpAddr,
    pub preferred_until: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

/// A WASIX route backend over the caller's namespace's rtemu table.
pub struct WasixRoutes {
    handle: Handle,
}

/// Dumps retried while the kernel marks them interrupted.
const LIST_TRIES: usize = 4;

impl WasixRoutes {
    /// Connect; ENOTSUP when the rtemu module is not loaded.
    pub fn new() -> Result<Self, Errno> {
        Ok(WasixRoutes {
            handle: Handle::connect().map_err(|e| errno_of(&e))?,
        })
    }

    pub fn from_handle(handle: Handle) -> Self {
        WasixRoutes { handle }
    }

    pub fn handle(&mut self) -> &mut Handle {
        &mut self.handle
    }

    /// `port_route_add`: a static route to `cidr` via `via_router` with
    /// optional absolute lifetimes (ns on CLOCK_REALTIME).
    pub fn port_route_add(
        &mut self,
        cidr: IpNet,
        via_router: IpAddr,
        preferred_until: Option<Timestamp>,
        expires_at: Option<Timestamp>,
    ) -> Result<(), Errno> {
        let mut req = RouteAdd::new(cidr, via_router);
        req.flags = RouteFlags::STATIC;
        req.preferred_until = preferred_until;
        req.expires_at = expires_at;
        self.handle.route_add(&req).map_err(|e| errno_of(&e))
    }

    /// `port_route_remove`: every route whose via is `ip` and every host
    /// route to `ip` (the kernel's bare-address rule).
    pub fn port_route_remove(&mut self, ip: IpAddr) -> Result<(), Errno> {
        self.handle
            .route_remove(&RouteRemove::Addr(ip))
            .map(|_| ())
            .map_err(|e| errno_of(&e))
    }

    /// `port_route_clear`: every route of every family.
    pub fn port_route_clear(&mut self) -> Result<(), Errno> {
        self.handle
            .route_clear(None)
            .map(|_| ())
            .map_err(|e| errno_of(&e))
    }

    /// `port_route_list`: every route; a dump the table changed under is
    /// retried a few times.
    pub fn port_route_list(&mut self) -> Result<Vec<WasixRoute>, Errno> {
        let dump = self
            .handle
            .route_list_consistent(None, LIST_TRIES)
            .map_err(|e| errno_of(&e))?;
        Ok(dump
            .routes
            .into_iter()
            .map(|r| WasixRoute {
                cidr: r.dst,
                via_router: r.via.unwrap_or(match r.dst {
                    IpNet::V4(_) => IpAddr::from([0u8; 4]),
                    IpNet::V6(_) => IpAddr::from([0u8; 16]),
                }),
                preferred_until: r.preferred_until,
                expires_at: r.expires_at,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Extack, KernelError};

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
    fn crate_errors_to_wasi() {
        let k = Error::Kernel(KernelError {
            errno: libc::EEXIST,
            extack: Extack::default(),
        });
        assert_eq!(errno_of(&k), errno::EEXIST);
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
