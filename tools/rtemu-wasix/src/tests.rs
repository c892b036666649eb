// SPDX-License-Identifier: GPL-2.0-only

//! The rules that need no kernel: the error table, lifetimes, and that
//! everything but the route calls reaches the wrapped networking.

use std::sync::Arc;

use rtemu::wasix::{errno_from_linux, errno_of};
use rtemu::{Error, Extack, KernelError};

use super::*;

fn kernel(errno: i32) -> Error {
    Error::Kernel(KernelError {
        errno,
        extack: Extack::default(),
    })
}

/// What the four route calls can meet, the variant each becomes, and the
/// WASI errno wasmer's `net_error_into_wasi_err` then gives the guest.
#[test]
fn errors_a_guest_can_act_on() {
    let table: [(Error, NetworkError, Errno); 13] = [
        (
            kernel(libc::EPERM),
            NetworkError::PermissionDenied,
            errno::EPERM,
        ),
        (
            kernel(libc::EINVAL),
            NetworkError::InvalidInput,
            errno::EINVAL,
        ),
        // A deadline past S64_MAX, were one to reach the kernel.
        (
            kernel(libc::EOVERFLOW),
            NetworkError::InvalidInput,
            errno::EINVAL,
        ),
        (
            kernel(libc::EAFNOSUPPORT),
            NetworkError::InvalidInput,
            errno::EINVAL,
        ),
        (
            kernel(libc::EEXIST),
            NetworkError::AlreadyExists,
            errno::EEXIST,
        ),
        // No such route.
        (
            kernel(libc::ESRCH),
            NetworkError::AddressNotAvailable,
            errno::EADDRNOTAVAIL,
        ),
        // A host route through itself.
        (
            kernel(libc::EADDRNOTAVAIL),
            NetworkError::AddressNotAvailable,
            errno::EADDRNOTAVAIL,
        ),
        (
            kernel(libc::EADDRINUSE),
            NetworkError::AddressInUse,
            errno::EADDRINUSE,
        ),
        // The namespace's max_routes, the memory cgroup's limit.
        (
            kernel(libc::ENOSPC),
            NetworkError::InsufficientMemory,
            errno::ENOMEM,
        ),
        (
            kernel(libc::ENOMEM),
            NetworkError::InsufficientMemory,
            errno::ENOMEM,
        ),
        // The module not loaded; unloaded after connecting.
        (
            Error::FamilyNotFound("rtemu".into()),
            NetworkError::Unsupported,
            errno::ENOTSUP,
        ),
        (
            kernel(libc::ENOENT),
            NetworkError::Unsupported,
            errno::ENOTSUP,
        ),
        (
            Error::Decode("short".into()),
            NetworkError::InvalidData,
            errno::EIO,
        ),
    ];
    for (err, variant, _) in &table {
        assert_eq!(network_error(errno_of(err)), *variant, "{err:?}");
    }
    // wasmer's net_error_into_wasi_err, for the variants above.
    let guest_errno = |v: NetworkError| match v {
        NetworkError::PermissionDenied => errno::EPERM,
        NetworkError::InvalidInput => errno::EINVAL,
        NetworkError::AlreadyExists => errno::EEXIST,
        NetworkError::AddressNotAvailable => errno::EADDRNOTAVAIL,
        NetworkError::AddressInUse => errno::EADDRINUSE,
        NetworkError::InsufficientMemory => errno::ENOMEM,
        NetworkError::Unsupported => errno::ENOTSUP,
        NetworkError::Interrupted => errno::EINTR,
        _ => errno::EIO,
    };
    for (err, variant, seen) in table {
        assert_eq!(guest_errno(variant), seen, "{err:?}");
    }
    // An interrupted dump that stayed interrupted.
    assert_eq!(network_error(errno::EINTR), NetworkError::Interrupted);
    // Anything unforeseen is an I/O error, not a success or a panic.
    assert_eq!(
        network_error(errno_from_linux(libc::ENOTBLK)),
        NetworkError::IOError
    );
}

#[test]
fn lifetimes_are_nanoseconds_since_the_epoch() {
    let at = Duration::new(1_800_000_000, 5);
    assert_eq!(timestamp(at), 1_800_000_000_000_000_005);
    assert_eq!(timestamp(Duration::from_nanos(u64::MAX)), u64::MAX);
    assert_eq!(timestamp(Duration::MAX), u64::MAX);
    let listed = ip_route(WasixRoute {
        cidr: "2001:db8::/32".parse().unwrap(),
        via_router: "fe80::1".parse().unwrap(),
        preferred_until: None,
        expires_at: Some(1_800_000_000_000_000_005),
    });
    assert_eq!(listed.expires_at, Some(at));
    assert_eq!(listed.preferred_until, None);
    assert_eq!(
        listed.cidr,
        IpCidr {
            ip: "2001:db8::".parse().unwrap(),
            prefix: 32
        }
    );
}

/// Records each call it gets, with its arguments, and refuses it.
#[derive(Debug, Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
}

impl Recorder {
    fn record<T>(&self, call: String) -> Result<T> {
        self.calls.lock().unwrap().push(call);
        Err(NetworkError::NoDevice)
    }
}

#[async_trait::async_trait]
impl VirtualNetworking for Recorder {
    async fn bridge(&self, network: &str, token: &str, _: StreamSecurity) -> Result<()> {
        self.record(format!("bridge {network} {token}"))
    }
    async fn unbridge(&self) -> Result<()> {
        self.record("unbridge".into())
    }
    async fn dhcp_acquire(&self) -> Result<Vec<IpAddr>> {
        self.record("dhcp_acquire".into())
    }
    async fn ip_add(&self, ip: IpAddr, prefix: u8) -> Result<()> {
        self.record(format!("ip_add {ip}/{prefix}"))
    }
    async fn ip_remove(&self, ip: IpAddr) -> Result<()> {
        self.record(format!("ip_remove {ip}"))
    }
    async fn ip_clear(&self) -> Result<()> {
        self.record("ip_clear".into())
    }
    async fn ip_list(&self) -> Result<Vec<IpCidr>> {
        self.record("ip_list".into())
    }
    async fn mac(&self) -> Result<[u8; 6]> {
        self.record("mac".into())
    }
    async fn gateway_set(&self, ip: IpAddr) -> Result<()> {
        self.record(format!("gateway_set {ip}"))
    }
    async fn bind_raw(&self) -> Result<Box<dyn VirtualRawSocket + Sync>> {
        self.record("bind_raw".into())
    }
    async fn listen_tcp(
        &self,
        addr: SocketAddr,
        only_v6: bool,
        reuse_port: bool,
        reuse_addr: bool,
    ) -> Result<Box<dyn VirtualTcpListener + Sync>> {
        self.record(format!(
            "listen_tcp {addr} {only_v6} {reuse_port} {reuse_addr}"
        ))
    }
    async fn bind_tcp(
        &self,
        addr: SocketAddr,
        only_v6: bool,
        reuse_port: bool,
        reuse_addr: bool,
    ) -> Result<Box<dyn VirtualTcpBoundSocket + Sync>> {
        self.record(format!(
            "bind_tcp {addr} {only_v6} {reuse_port} {reuse_addr}"
        ))
    }
    async fn bind_udp(
        &self,
        addr: SocketAddr,
        reuse_port: bool,
        reuse_addr: bool,
    ) -> Result<Box<dyn VirtualUdpSocket + Sync>> {
        self.record(format!("bind_udp {addr} {reuse_port} {reuse_addr}"))
    }
    async fn bind_icmp(&self, addr: IpAddr) -> Result<Box<dyn VirtualIcmpSocket + Sync>> {
        self.record(format!("bind_icmp {addr}"))
    }
    async fn connect_tcp(
        &self,
        addr: SocketAddr,
        peer: SocketAddr,
    ) -> Result<Box<dyn VirtualTcpSocket + Sync>> {
        self.record(format!("connect_tcp {addr} {peer}"))
    }
    async fn resolve(
        &self,
        host: &str,
        port: Option<u16>,
        dns: Option<IpAddr>,
    ) -> Result<Vec<IpAddr>> {
        self.record(format!("resolve {host} {port:?} {dns:?}"))
    }
}

#[tokio::test]
async fn everything_but_routes_goes_to_the_wrapped_networking() {
    let inner = Arc::new(Recorder::default());
    let net = RtemuNetworking::new(inner.clone());
    let ip: IpAddr = "192.0.2.7".parse().unwrap();
    let sa: SocketAddr = "192.0.2.7:80".parse().unwrap();
    let peer: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
    let refused = Some(NetworkError::NoDevice);
    let sec = StreamSecurity::Unencrypted;
    assert_eq!(net.bridge("net", "token", sec).await.err(), refused);
    assert_eq!(net.unbridge().await.err(), refused);
    assert_eq!(net.dhcp_acquire().await.err(), refused);
    assert_eq!(net.ip_add(ip, 24).await.err(), refused);
    assert_eq!(net.ip_remove(ip).await.err(), refused);
    assert_eq!(net.ip_clear().await.err(), refused);
    assert_eq!(net.ip_list().await.err(), refused);
    assert_eq!(net.mac().await.err(), refused);
    assert_eq!(net.gateway_set(ip).await.err(), refused);
    assert_eq!(net.bind_raw().await.err(), refused);
    assert_eq!(net.listen_tcp(sa, true, false, true).await.err(), refused);
    assert_eq!(net.bind_tcp(sa, false, true, false).await.err(), refused);
    assert_eq!(net.bind_udp(sa, true, false).await.err(), refused);
    assert_eq!(net.bind_icmp(ip).await.err(), refused);
    assert_eq!(net.connect_tcp(sa, peer).await.err(), refused);
    assert_eq!(
        net.resolve("example.org", Some(53), Some(ip)).await.err(),
        refused
    );
    let calls = inner.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        [
            "bridge net token",
            "unbridge",
            "dhcp_acquire",
            "ip_add 192.0.2.7/24",
            "ip_remove 192.0.2.7",
            "ip_clear",
            "ip_list",
            "mac",
            "gateway_set 192.0.2.7",
            "bind_raw",
            "listen_tcp 192.0.2.7:80 true false true",
            "bind_tcp 192.0.2.7:80 false true false",
            "bind_udp 192.0.2.7:80 true false",
            "bind_icmp 192.0.2.7",
            "connect_tcp 192.0.2.7:80 [2001:db8::1]:443",
            "resolve example.org Some(53) Some(192.0.2.7)",
        ]
    );
}

/// Refused before any connection is made, so the test needs no module.
#[tokio::test]
async fn a_cidr_that_cannot_be_is_invalid_input() {
    let net = RtemuNetworking::new(Arc::new(Recorder::default()));
    let via: IpAddr = "192.0.2.1".parse().unwrap();
    for (ip, prefix) in [("10.0.0.0", 33), ("10.1.2.3", 16), ("2001:db8::1", 64)] {
        let cidr = IpCidr {
            ip: ip.parse().unwrap(),
            prefix,
        };
        assert_eq!(
            net.route_add(cidr, via, None, None).await,
            Err(NetworkError::InvalidInput),
            "{ip}/{prefix}"
        );
    }
}
