// SPDX-License-Identifier: GPL-2.0-only

//! The inverse of wasmer-wasix 0.704.2's IPv6 decoding bug.
//!
//! Its syscall decoders (`read_ip`, `read_cidr`, `read_route` in its
//! `src/net/mod.rs`) turn the 16 octets a guest wrote into an `Ipv6Addr`
//! by transmuting them to eight native-endian `u16` groups: on a
//! little-endian host every group arrives byte-swapped (the guest's
//! 2001:db8::/32 via fe80::1 reaches the networking as 120:b80d::/32 via
//! 80fe::100). Its encoders (`write_ip`, `write_cidr`, `write_route`) write
//! `Ipv6Addr::octets()`, which is right.
//!
//! [`UnswapIpv6`] rebuilds the guest's octets from what the decoders made
//! of them, on what comes in: `route_add`'s CIDR and router,
//! `route_remove`'s address. `route_list` needs nothing: the kernel holds
//! the guest's octets and the encoder writes them as they are. The tests
//! (`src/tests.rs`) run a guest through the pinned wasmer-wasix and fail
//! once its decoders are right; then delete this file and its one use in
//! `guest.rs`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use virtual_net::{
    IpCidr, IpRoute, NetworkError, StreamSecurity, VirtualIcmpSocket, VirtualNetworking,
    VirtualRawSocket, VirtualTcpBoundSocket, VirtualTcpListener, VirtualTcpSocket,
    VirtualUdpSocket,
};

type Result<T> = std::result::Result<T, NetworkError>;

/// The address whose octets the guest wrote, from the one wasmer-wasix
/// 0.704.2 decoded: each group is `u16::from_ne_bytes` of two of them.
pub fn guest_address(decoded: IpAddr) -> IpAddr {
    match decoded {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let mut octets = [0u8; 16];
            for (pair, group) in octets.chunks_exact_mut(2).zip(v6.segments()) {
                pair.copy_from_slice(&group.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(octets))
        }
    }
}

/// `inner` with the IPv6 addresses a guest passes in as the guest wrote
/// them (see the module's documentation); every other call unchanged.
#[derive(Debug)]
pub struct UnswapIpv6<N> {
    inner: N,
}

impl<N> UnswapIpv6<N> {
    pub fn new(inner: N) -> Self {
        UnswapIpv6 { inner }
    }
}

#[async_trait::async_trait]
impl<N: VirtualNetworking> VirtualNetworking for UnswapIpv6<N> {
    async fn route_add(
        &self,
        cidr: IpCidr,
        via_router: IpAddr,
        preferred_until: Option<Duration>,
        expires_at: Option<Duration>,
    ) -> Result<()> {
        let cidr = IpCidr {
            ip: guest_address(cidr.ip),
            prefix: cidr.prefix,
        };
        self.inner
            .route_add(cidr, guest_address(via_router), preferred_until, expires_at)
            .await
    }

    async fn route_remove(&self, cidr: IpAddr) -> Result<()> {
        self.inner.route_remove(guest_address(cidr)).await
    }

    async fn route_clear(&self) -> Result<()> {
        self.inner.route_clear().await
    }

    async fn route_list(&self) -> Result<Vec<IpRoute>> {
        self.inner.route_list().await
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
