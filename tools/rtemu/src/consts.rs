// SPDX-License-Identifier: GPL-2.0-only

//! Numbers of the rtemu generic netlink family.
//!
//! They mirror `include/rtemu.yaml` (the single source of truth) and the UAPI
//! header generated from it, `include/uapi/linux/rtemu.h`. The test
//! `tests/uapi_drift.rs` parses that header and fails when a number here drifts.

/// Generic netlink family name.
pub const FAMILY_NAME: &str = "rtemu";
/// Generic netlink family version.
pub const FAMILY_VERSION: u8 = 1;

/// Multicast group of route events (add, delete, change, expire, deprecate, clear).
pub const MCGRP_MONITOR: &str = "monitor";
/// Multicast group of resolution events (resolve, miss).
pub const MCGRP_RESOLVE: &str = "resolve";

/// `enum rtemu_af`.
pub const AF_INET: u8 = 2;
/// `enum rtemu_af`.
pub const AF_INET6: u8 = 10;

/// Commands (`RTEMU_CMD_*`).
pub mod cmd {
    pub const ROUTE_ADD: u8 = 1;
    pub const ROUTE_REMOVE: u8 = 2;
    pub const ROUTE_CLEAR: u8 = 3;
    pub const ROUTE_GET: u8 = 4;
    pub const ROUTE_LIST: u8 = 5;
    pub const ROUTE_CHANGE: u8 = 6;
    pub const ROUTE_HOLD: u8 = 7;
    pub const ROUTE_RELEASE: u8 = 8;
    pub const STATS_GET: u8 = 9;
    pub const ADD_NTF: u8 = 10;
    pub const DELETE_NTF: u8 = 11;
    pub const CHANGE_NTF: u8 = 12;
    pub const EXPIRE_NTF: u8 = 13;
    pub const DEPRECATE_NTF: u8 = 14;
    pub const CLEAR_NTF: u8 = 15;
    pub const RESOLVE_NTF: u8 = 16;
    pub const MISS_NTF: u8 = 17;
}

/// Attributes of the `route` set (`RTEMU_A_ROUTE_*`).
pub mod route_attr {
    pub const PAD: u16 = 1;
    pub const FAMILY: u16 = 2;
    pub const DST: u16 = 3;
    pub const PREFIX_LEN: u16 = 4;
    pub const VIA: u16 = 5;
    pub const FLAGS: u16 = 6;
    pub const PREFERRED_UNTIL: u16 = 7;
    pub const EXPIRES_AT: u16 = 8;
    pub const PREFERRED_LEFT: u16 = 9;
    pub const EXPIRES_LEFT: u16 = 10;
    pub const REFCNT: u16 = 11;
    pub const USE: u16 = 12;
    pub const PARENT_DST: u16 = 13;
    pub const PARENT_PREFIX_LEN: u16 = 14;
    pub const REPORT: u16 = 15;
    pub const IGNFLAGS: u16 = 16;
    pub const ADDR: u16 = 17;
    pub const HANDLE: u16 = 18;
    pub const REASON: u16 = 19;
    pub const ERROR: u16 = 20;
    pub const COUNT: u16 = 21;
    pub const NEW_VIA: u16 = 22;
    pub const MAX: u16 = NEW_VIA;
}

/// Attributes of the `stats` set (`RTEMU_A_STATS_*`).
pub mod stats_attr {
    pub const PAD: u16 = 1;
    pub const ROUTES_INET: u16 = 2;
    pub const ROUTES_INET6: u16 = 3;
    pub const CLONES: u16 = 4;
    pub const TRASH: u16 = 5;
    pub const HOLDS: u16 = 6;
    pub const MISSES: u16 = 7;
    pub const RESOLVES: u16 = 8;
    pub const LIFETIME_RUNS: u16 = 9;
    pub const MAX: u16 = LIFETIME_RUNS;
}

/// `enum rtemu_route_flags` bit values (`RTEMU_ROUTE_FLAGS_*`).
pub mod flags {
    pub const UP: u32 = 1 << 0;
    pub const GATEWAY: u32 = 1 << 1;
    pub const HOST: u32 = 1 << 2;
    pub const REJECT: u32 = 1 << 3;
    pub const CLONING: u32 = 1 << 8;
    pub const XRESOLVE: u32 = 1 << 9;
    pub const STATIC: u32 = 1 << 11;
    pub const BLACKHOLE: u32 = 1 << 12;
    pub const PRCLONING: u32 = 1 << 16;
    pub const WASCLONED: u32 = 1 << 17;
    pub const DEPRECATED: u32 = 1 << 24;
}

/// `enum rtemu_delete_reason`.
pub mod delete_reason {
    pub const REMOVED: u32 = 0;
    pub const PARENT_DELETED: u32 = 1;
    pub const IDLE: u32 = 2;
    pub const REPLACED: u32 = 3;
    pub const SUPERSEDED: u32 = 4;
    pub const PARENT_CHANGED: u32 = 5;
}

/// `struct nlmsgerr` extended-ack attributes (`NLMSGERR_ATTR_*`, linux/netlink.h).
pub(crate) mod nlmsgerr_attr {
    pub const MSG: u16 = 1;
    pub const OFFS: u16 = 2;
    pub const MISS_TYPE: u16 = 5;
    pub const MISS_NEST: u16 = 6;
}
