// SPDX-License-Identifier: GPL-2.0-only

//! The guests and the IPv6 fix through the pinned wasmer-wasix, against a
//! routing table in memory: no kernel needed. (The kernel's side is
//! selftests/rtemu_wasix_run.sh.)

use std::mem::{align_of, offset_of, size_of};
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use virtual_net::{IpCidr, IpRoute, NetworkError, VirtualNetworking};
use wasmer_wasix::wasmer_wasix_types::types::{__wasi_addr_t, __wasi_cidr_t, Route};
use wasmer_wasix::wasmer_wasix_types::wasi::OptionTimestamp;

use crate::guest::run_with;
use crate::ipv6_fix::UnswapIpv6;

/// What the guests reach wasmer's networking with: a table in memory that
/// records each add and remove as it arrived.
#[derive(Clone, Debug, Default)]
struct MemoryTable {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    routes: Vec<IpRoute>,
    added: Vec<(IpCidr, IpAddr)>,
    removed: Vec<IpAddr>,
}

impl MemoryTable {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn holding(route: IpRoute) -> Self {
        let table = Self::default();
        table.state().routes.push(route);
        table
    }
}

#[async_trait::async_trait]
impl VirtualNetworking for MemoryTable {
    async fn route_add(
        &self,
        cidr: IpCidr,
        via_router: IpAddr,
        preferred_until: Option<Duration>,
        expires_at: Option<Duration>,
    ) -> Result<(), NetworkError> {
        let mut state = self.state();
        state.added.push((cidr, via_router));
        state.routes.push(IpRoute {
            cidr,
            via_router,
            preferred_until,
            expires_at,
        });
        Ok(())
    }

    async fn route_remove(&self, ip: IpAddr) -> Result<(), NetworkError> {
        let mut state = self.state();
        state.removed.push(ip);
        let before = state.routes.len();
        state.routes.retain(|r| r.cidr.ip != ip);
        if state.routes.len() == before {
            return Err(NetworkError::AddressNotAvailable);
        }
        Ok(())
    }

    async fn route_clear(&self) -> Result<(), NetworkError> {
        self.state().routes.clear();
        Ok(())
    }

    async fn route_list(&self) -> Result<Vec<IpRoute>, NetworkError> {
        Ok(self.state().routes.clone())
    }
}

fn guest(name: &str, args: &[&str], net: impl VirtualNetworking) -> u8 {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("guests")
        .join(format!("{name}.wat"));
    let wasm = wat::parse_file(&path).expect("the guest compiles");
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let _entered = tokio.enter();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    run_with(&wasm, name, &args, net).expect("the guest runs to an exit")
}

fn cidr(s: &str) -> IpCidr {
    let (ip, prefix) = s.split_once('/').unwrap();
    IpCidr {
        ip: ip.parse().unwrap(),
        prefix: prefix.parse().unwrap(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn at(s: u64) -> Option<Duration> {
    Some(Duration::from_secs(s))
}

/// The offsets the guests write at (see guests/routes.wat) are wasmer-wasix
/// 0.704.2's.
#[test]
fn guest_layouts_are_wasmer_wasix_s() {
    assert_eq!(size_of::<__wasi_addr_t>(), 18);
    assert_eq!(size_of::<__wasi_cidr_t>(), 19);
    assert_eq!(size_of::<OptionTimestamp>(), 16);
    assert_eq!(offset_of!(OptionTimestamp, u), 8);
    assert_eq!(size_of::<Route>(), 72);
    assert_eq!(align_of::<Route>(), 8);
    assert_eq!(offset_of!(Route, cidr), 0);
    assert_eq!(offset_of!(Route, via_router), 19);
    assert_eq!(offset_of!(Route, preferred_until), 40);
    assert_eq!(offset_of!(Route, expires_at), 56);
}

/// The bug `UnswapIpv6` inverts, as the pinned wasmer-wasix has it. When
/// this fails, its decoders changed: see src/ipv6_fix.rs.
#[cfg(target_endian = "little")]
#[test]
fn pinned_wasmer_wasix_swaps_ipv6_groups() {
    let table = MemoryTable::default();
    let status = guest("routes", &[], table.clone());
    assert_eq!(
        table.state().added,
        [
            (cidr("10.1.0.0/16"), ip("192.0.2.1")),
            (cidr("120:b80d::/32"), ip("80fe::100")),
        ],
        "wasmer-wasix no longer decodes IPv6 as src/ipv6_fix.rs inverts: drop the fix"
    );
    // Its encoder is right, so the guest sees the swap in the list: the
    // IPv6 route's CIDR differs (routes.wat's step 30).
    assert_eq!(status, 30);
}

#[test]
fn routes_guest_through_the_fix() {
    let table = MemoryTable::default();
    assert_eq!(guest("routes", &[], UnswapIpv6::new(table.clone())), 0);
    let state = table.state();
    assert_eq!(
        state.added,
        [
            (cidr("10.1.0.0/16"), ip("192.0.2.1")),
            (cidr("2001:db8::/32"), ip("fe80::1")),
        ]
    );
    assert_eq!(state.removed, [ip("2001:db8::")]);
    assert!(state.routes.is_empty());
}

/// With an argument, routes.wat stops after its comparison and leaves the
/// routes, lifetimes as it wrote them.
#[test]
fn routes_guest_keeps_its_routes_when_asked() {
    let table = MemoryTable::default();
    assert_eq!(
        guest("routes", &["keep"], UnswapIpv6::new(table.clone())),
        0
    );
    let routes = &table.state().routes;
    let lifetimes: Vec<_> = routes
        .iter()
        .map(|r| (r.cidr, r.preferred_until, r.expires_at))
        .collect();
    assert_eq!(
        lifetimes,
        [
            (cidr("10.1.0.0/16"), at(4102444800), at(4102531200)),
            (
                cidr("2001:db8::/32"),
                Some(Duration::new(4102617600, 123456789)),
                at(4102704000)
            ),
        ]
    );
}

/// A route the guest did not add comes to it as the table holds it, and
/// its remove reaches the table as the guest wrote the address.
#[test]
fn kernel_routes_guest_through_the_fix() {
    let table = MemoryTable::holding(IpRoute {
        cidr: cidr("2001:db8:5::/48"),
        via_router: ip("fe80::5"),
        preferred_until: None,
        expires_at: None,
    });
    assert_eq!(
        guest("kernel_routes", &[], UnswapIpv6::new(table.clone())),
        0
    );
    assert_eq!(table.state().removed, [ip("2001:db8:5::")]);
}

#[test]
fn small_buffer_guest() {
    assert_eq!(
        guest("small_buffer", &[], UnswapIpv6::new(MemoryTable::default())),
        0
    );
}
