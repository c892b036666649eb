// SPDX-License-Identifier: GPL-2.0-only

//! A WASIX runtime backend for rtemu: [`RtemuNetworking`] implements wasmer's
//! [`VirtualNetworking`] (crate `virtual-net`), keeps a WASIX guest's routes
//! (`port_route_add/remove/clear/list`) in the rtemu table of a network
//! namespace, and hands every other call to the networking it wraps.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rtemu::wasix::{errno, Errno, WasixRoute, WasixRoutes};
use rtemu::{Handle, IpNet, Timestamp};
use virtual_net::{
    DynVirtualNetworking, IpCidr, IpRoute, NetworkError, StreamSecurity, VirtualIcmpSocket,
    VirtualNetworking, VirtualRawSocket, VirtualTcpBoundSocket, VirtualTcpListener,
    VirtualTcpSocket, VirtualUdpSocket,
};

type Result<T> = std::result::Result<T, NetworkError>;

/// wasmer's `VirtualNetworking` with its routing table in rtemu.
///
/// `route_add`, `route_remove`, `route_clear` and `route_list` go to the
/// rtemu table with the rules of [`rtemu::wasix`]; every other method goes to
/// the wrapped networking (`inner`), so an embedder puts this around wasmer's
/// host networking, or any other.
///
/// What a guest's calls mean:
/// - `preferred_until` and `expires_at` are absolute times since the Unix
///   epoch (CLOCK_REALTIME, as smoltcp's `Instant`), which is how wasmer's
///   `Duration::from_nanos` of the guest's 64-bit value reads here. A time
///   past [`rtemu::wasix::LATEST_DEADLINE`] (year 2262; a guest's `u64::MAX`)
///   is "forever": no such lifetime. `route_list` gives them back the same
///   way. An `expires_at` already passed is `InvalidInput`.
/// - A CIDR with host bits set is `InvalidInput`, never masked.
/// - `route_remove(ip)` removes the routes whose network address is `ip`
///   (every prefix length and router); none is `AddressNotAvailable`.
/// - `route_list` lists the namespace's routes without the host routes the
///   kernel cloned (RTF_WASCLONED); a dump the table kept changing under is
///   `Interrupted`, never a partial list.
/// - Errors: [`network_error`]; the module not loaded, or unloaded since, is
///   `Unsupported` (the next call connects again).
///
/// Each route call is made inline with netlink requests to the local kernel
/// (a list or a remove dumps the table first): they never wait on the
/// network.
///
/// # Examples
///
/// Around the networking wasmer would have used (here one that supports
/// nothing; wasmer's host networking is `virtual_net::host::LocalNetworking`):
///
/// ```
/// use std::sync::Arc;
/// use rtemu_wasix::RtemuNetworking;
/// use virtual_net::{DynVirtualNetworking, UnsupportedVirtualNetworking};
///
/// let host: DynVirtualNetworking = Arc::new(UnsupportedVirtualNetworking::default());
/// let net: DynVirtualNetworking = Arc::new(RtemuNetworking::new(host));
/// ```
pub struct RtemuNetworking {
    inner: DynVirtualNetworking,
    routes: Mutex<WasixRoutes>,
}

impl RtemuNetworking {
    /// Routes in the rtemu table of the namespace of the thread that makes
    /// the first route call; everything else to `inner`.
    pub fn new(inner: DynVirtualNetworking) -> Self {
        Self::with_routes(inner, WasixRoutes::new())
    }

    /// Routes in the table `handle` is connected to (its socket's namespace).
    pub fn from_handle(inner: DynVirtualNetworking, handle: Handle) -> Self {
        Self::with_routes(inner, WasixRoutes::from_handle(handle))
    }

    fn with_routes(inner: DynVirtualNetworking, routes: WasixRoutes) -> Self {
        RtemuNetworking {
            inner,
            routes: Mutex::new(routes),
        }
    }

    fn routes(&self) -> MutexGuard<'_, WasixRoutes> {
        // A panic in another call leaves nothing half done here: the
        // socket skips replies to requests it no longer waits for.
        self.routes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for RtemuNetworking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtemuNetworking")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// The `NetworkError` of a WASI errno from [`rtemu::wasix::errno_of`]: the
/// variant wasmer turns back into the same errno for the guest where there
/// is one; ESRCH (no such route) is `AddressNotAvailable` (the guest sees
/// EADDRNOTAVAIL), table limits are `InsufficientMemory`.
pub fn network_error(e: Errno) -> NetworkError {
    use errno as w;
    match e {
        w::EPERM | w::EACCES => NetworkError::PermissionDenied,
        w::EINVAL | w::ERANGE | w::EOVERFLOW | w::EDOM | w::EAFNOSUPPORT => {
            NetworkError::InvalidInput
        }
        w::ENOTSUP | w::ENOSYS | w::EPROTONOSUPPORT => NetworkError::Unsupported,
        w::EEXIST => NetworkError::AlreadyExists,
        w::ESRCH | w::EADDRNOTAVAIL => NetworkError::AddressNotAvailable,
        w::EADDRINUSE => NetworkError::AddressInUse,
        w::ENOMEM | w::ENOSPC | w::ENOBUFS | w::EDQUOT => NetworkError::InsufficientMemory,
        w::EINTR => NetworkError::Interrupted,
        w::EAGAIN | w::EBUSY => NetworkError::WouldBlock,
        w::ENETUNREACH => NetworkError::NetworkUnreachable,
        w::EHOSTUNREACH => NetworkError::HostUnreachable,
        w::EMSGSIZE => NetworkError::MessageSize,
        w::EPROTO | w::EBADMSG => NetworkError::InvalidData,
        w::ETIMEDOUT => NetworkError::TimedOut,
        w::EMFILE | w::ENFILE => NetworkError::TooManyOpenFiles,
        w::ENODEV | w::ENXIO => NetworkError::NoDevice,
        w::EBADF => NetworkError::InvalidFd,
        _ => NetworkError::IOError,
    }
}

/// A lifetime as wasmer hands it over, in WASIX's nanoseconds; one longer
/// than 64 bits of them is past every deadline too.
pub fn timestamp(d: Duration) -> Timestamp {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn ip_route(r: WasixRoute) -> IpRoute {
    IpRoute {
        cidr: IpCidr {
            ip: r.cidr.addr(),
            prefix: r.cidr.prefix_len(),
        },
        via_router: r.via_router,
        preferred_until: r.preferred_until.map(Duration::from_nanos),
        expires_at: r.expires_at.map(Duration::from_nanos),
    }
}

#[async_trait::async_trait]
impl VirtualNetworking for RtemuNetworking {
    async fn route_add(
        &self,
        cidr: IpCidr,
        via_router: IpAddr,
        preferred_until: Option<Duration>,
        expires_at: Option<Duration>,
    ) -> Result<()> {
        let cidr = IpNet::new(cidr.ip, cidr.prefix).map_err(|_| network_error(errno::EINVAL))?;
        self.routes()
            .port_route_add(
                cidr,
                via_router,
                preferred_until.map(timestamp),
                expires_at.map(timestamp),
            )
            .map_err(network_error)
    }

    async fn route_remove(&self, cidr: IpAddr) -> Result<()> {
        self.routes().port_route_remove(cidr).map_err(network_error)
    }

    async fn route_clear(&self) -> Result<()> {
        self.routes().port_route_clear().map_err(network_error)
    }

    async fn route_list(&self) -> Result<Vec<IpRoute>> {
        let routes = self.routes().port_route_list().map_err(network_error)?;
        Ok(routes.into_iter().map(ip_route).collect())
    }

    async fn bridge(
        &self,
        network: &str,
        access_token: &str,
        security: StreamSecurity,
    ) -> Result<()> {
        self.inner.bridge(network, access_token, security).await
    }

    async fn unbridge(&self) -> Result<()> {
        self.inner.unbridge().await
    }

    async fn dhcp_acquire(&self) -> Result<Vec<IpAddr>> {
        self.inner.dhcp_acquire().await
    }

    async fn ip_add(&self, ip: IpAddr, prefix: u8) -> Result<()> {
        self.inner.ip_add(ip, prefix).await
    }

    async fn ip_remove(&self, ip: IpAddr) -> Result<()> {
        self.inner.ip_remove(ip).await
    }

    async fn ip_clear(&self) -> Result<()> {
        self.inner.ip_clear().await
    }

    async fn ip_list(&self) -> Result<Vec<IpCidr>> {
        self.inner.ip_list().await
    }

    async fn mac(&self) -> Result<[u8; 6]> {
        self.inner.mac().await
    }

    async fn gateway_set(&self, ip: IpAddr) -> Result<()> {
        self.inner.gateway_set(ip).await
    }

    async fn bind_raw(&self) -> Result<Box<dyn VirtualRawSocket + Sync>> {
        self.inner.bind_raw().await
    }

    async fn listen_tcp(
        &self,
        addr: SocketAddr,
        only_v6: bool,
        reuse_port: bool,
        reuse_addr: bool,
    ) -> Result<Box<dyn VirtualTcpListener + Sync>> {
        self.inner
            .listen_tcp(addr, only_v6, reuse_port, reuse_addr)
            .await
    }

    async fn bind_tcp(
        &self,
        addr: SocketAddr,
        only_v6: bool,
        reuse_port: bool,
        reuse_addr: bool,
    ) -> Result<Box<dyn VirtualTcpBoundSocket + Sync>> {
        self.inner
            .bind_tcp(addr, only_v6, reuse_port, reuse_addr)
            .await
    }

    async fn bind_udp(
        &self,
        addr: SocketAddr,
        reuse_port: bool,
        reuse_addr: bool,
    ) -> Result<Box<dyn VirtualUdpSocket + Sync>> {
        self.inner.bind_udp(addr, reuse_port, reuse_addr).await
    }

    async fn bind_icmp(&self, addr: IpAddr) -> Result<Box<dyn VirtualIcmpSocket + Sync>> {
        self.inner.bind_icmp(addr).await
    }

    async fn connect_tcp(
        &self,
        addr: SocketAddr,
        peer: SocketAddr,
    ) -> Result<Box<dyn VirtualTcpSocket + Sync>> {
        self.inner.connect_tcp(addr, peer).await
    }

    async fn resolve(
        &self,
        host: &str,
        port: Option<u16>,
        dns_server: Option<IpAddr>,
    ) -> Result<Vec<IpAddr>> {
        self.inner.resolve(host, port, dns_server).await
    }
}

#[cfg(test)]
mod tests;
