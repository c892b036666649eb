// SPDX-License-Identifier: GPL-2.0

// Do not edit directly, auto-generated from include/rtemu.yaml
// by scripts/ynl_gen_rust.py. To regenerate run: scripts/ynl-regen.sh

//! Constants of the rtemu generic netlink family, from its YNL spec.

#![allow(
    dead_code,
    reason = "the whole table is generated; each user takes what it needs"
)]

/// The family name, nul-terminated.
pub(crate) const RTEMU_FAMILY_NAME: &[u8] = b"rtemu\0";
/// The family version.
pub(crate) const RTEMU_FAMILY_VERSION: u32 = 1;

// enum af
pub(crate) const RTEMU_AF_INET: u32 = 2;
pub(crate) const RTEMU_AF_INET6: u32 = 10;

/// Address family of a route, with the values of AF_INET and AF_INET6.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Af {
    Inet,
    Inet6,
}

impl Af {
    /// Its value in the spec's `af` enum.
    pub(crate) const fn to_uapi(self) -> u32 {
        match self {
            Self::Inet => RTEMU_AF_INET,
            Self::Inet6 => RTEMU_AF_INET6,
        }
    }
}
/// The spec's name of a `af` value.
pub(crate) fn rtemu_af_name(value: u32) -> Option<&'static core::ffi::CStr> {
    match value {
        RTEMU_AF_INET => Some(c"inet"),
        RTEMU_AF_INET6 => Some(c"inet6"),
        _ => None,
    }
}

// flags route-flags
/// RTF_UP, the route is in the table.
pub(crate) const RTEMU_ROUTE_FLAGS_UP: u32 = 0x1;
/// RTF_GATEWAY, the destination is reached through the via router.
pub(crate) const RTEMU_ROUTE_FLAGS_GATEWAY: u32 = 0x2;
/// RTF_HOST, a host route (full-length prefix).
pub(crate) const RTEMU_ROUTE_FLAGS_HOST: u32 = 0x4;
/// RTF_REJECT, an output path sending through the route refuses the packet (EHOSTUNREACH in
/// FreeBSD's ip_output); lookups return the route like any other.
pub(crate) const RTEMU_ROUTE_FLAGS_REJECT: u32 = 0x8;
/// RTF_CLONING, lookups with report set spawn host routes. Dropped from host routes at add, as
/// FreeBSD's rtrequest1 does: they have nothing to clone.
pub(crate) const RTEMU_ROUTE_FLAGS_CLONING: u32 = 0x100;
/// RTF_XRESOLVE, clones are announced to userspace for resolution.
pub(crate) const RTEMU_ROUTE_FLAGS_XRESOLVE: u32 = 0x200;
/// RTF_STATIC, added by an administrator.
pub(crate) const RTEMU_ROUTE_FLAGS_STATIC: u32 = 0x800;
/// RTF_BLACKHOLE, an output path sending through the route discards the packet silently; lookups
/// return the route like any other.
pub(crate) const RTEMU_ROUTE_FLAGS_BLACKHOLE: u32 = 0x1000;
/// RTF_PRCLONING, obsolete; accepted and reported, never clones.
pub(crate) const RTEMU_ROUTE_FLAGS_PRCLONING: u32 = 0x10000;
/// RTF_WASCLONED, this host route was cloned from a cloning route.
pub(crate) const RTEMU_ROUTE_FLAGS_WASCLONED: u32 = 0x20000;
/// rtemu's own; the route's preferred-until has passed.
pub(crate) const RTEMU_ROUTE_FLAGS_DEPRECATED: u32 = 0x1000000;

// enum delete-reason
/// Removed by a route-remove request.
pub(crate) const RTEMU_DELETE_REASON_REMOVED: u32 = 0;
/// A clone whose cloning parent was deleted.
pub(crate) const RTEMU_DELETE_REASON_PARENT_DELETED: u32 = 1;
/// A clone collected clone_idle_secs after its last release (FreeBSD's in_clsroute); a held clone
/// is never collected.
pub(crate) const RTEMU_DELETE_REASON_IDLE: u32 = 2;
/// A clone replaced by an added route with the same prefix.
pub(crate) const RTEMU_DELETE_REASON_REPLACED: u32 = 3;
/// A clone inside a newly added route, or inside a route that got a new router, whose own parent is
/// no more specific than that route (FreeBSD's rt_fixchange).
pub(crate) const RTEMU_DELETE_REASON_SUPERSEDED: u32 = 4;
/// A clone whose cloning parent got a new router (FreeBSD's rt_setgate, through rt_fixchange).
pub(crate) const RTEMU_DELETE_REASON_PARENT_CHANGED: u32 = 5;

/// Why a route left the table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DeleteReason {
    /// Removed by a route-remove request.
    Removed,
    /// A clone whose cloning parent was deleted.
    ParentDeleted,
    /// A clone collected clone_idle_secs after its last release (FreeBSD's in_clsroute); a held
    /// clone is never collected.
    Idle,
    /// A clone replaced by an added route with the same prefix.
    Replaced,
    /// A clone inside a newly added route, or inside a route that got a new router, whose own
    /// parent is no more specific than that route (FreeBSD's rt_fixchange).
    Superseded,
    /// A clone whose cloning parent got a new router (FreeBSD's rt_setgate, through
    /// rt_fixchange).
    ParentChanged,
}

impl DeleteReason {
    /// Its value in the spec's `delete-reason` enum.
    pub(crate) const fn to_uapi(self) -> u32 {
        match self {
            Self::Removed => RTEMU_DELETE_REASON_REMOVED,
            Self::ParentDeleted => RTEMU_DELETE_REASON_PARENT_DELETED,
            Self::Idle => RTEMU_DELETE_REASON_IDLE,
            Self::Replaced => RTEMU_DELETE_REASON_REPLACED,
            Self::Superseded => RTEMU_DELETE_REASON_SUPERSEDED,
            Self::ParentChanged => RTEMU_DELETE_REASON_PARENT_CHANGED,
        }
    }
}
/// The spec's name of a `delete-reason` value.
pub(crate) fn rtemu_delete_reason_name(value: u32) -> Option<&'static core::ffi::CStr> {
    match value {
        RTEMU_DELETE_REASON_REMOVED => Some(c"removed"),
        RTEMU_DELETE_REASON_PARENT_DELETED => Some(c"parent-deleted"),
        RTEMU_DELETE_REASON_IDLE => Some(c"idle"),
        RTEMU_DELETE_REASON_REPLACED => Some(c"replaced"),
        RTEMU_DELETE_REASON_SUPERSEDED => Some(c"superseded"),
        RTEMU_DELETE_REASON_PARENT_CHANGED => Some(c"parent-changed"),
        _ => None,
    }
}

// attribute-set route
pub(crate) const RTEMU_A_ROUTE_PAD: u16 = 1;
pub(crate) const RTEMU_A_ROUTE_FAMILY: u16 = 2;
pub(crate) const RTEMU_A_ROUTE_DST: u16 = 3;
pub(crate) const RTEMU_A_ROUTE_PREFIX_LEN: u16 = 4;
pub(crate) const RTEMU_A_ROUTE_VIA: u16 = 5;
pub(crate) const RTEMU_A_ROUTE_FLAGS: u16 = 6;
pub(crate) const RTEMU_A_ROUTE_PREFERRED_UNTIL: u16 = 7;
pub(crate) const RTEMU_A_ROUTE_EXPIRES_AT: u16 = 8;
pub(crate) const RTEMU_A_ROUTE_PREFERRED_LEFT: u16 = 9;
pub(crate) const RTEMU_A_ROUTE_EXPIRES_LEFT: u16 = 10;
pub(crate) const RTEMU_A_ROUTE_REFCNT: u16 = 11;
pub(crate) const RTEMU_A_ROUTE_USE: u16 = 12;
pub(crate) const RTEMU_A_ROUTE_PARENT_DST: u16 = 13;
pub(crate) const RTEMU_A_ROUTE_PARENT_PREFIX_LEN: u16 = 14;
pub(crate) const RTEMU_A_ROUTE_REPORT: u16 = 15;
pub(crate) const RTEMU_A_ROUTE_IGNFLAGS: u16 = 16;
pub(crate) const RTEMU_A_ROUTE_ADDR: u16 = 17;
pub(crate) const RTEMU_A_ROUTE_HANDLE: u16 = 18;
pub(crate) const RTEMU_A_ROUTE_REASON: u16 = 19;
pub(crate) const RTEMU_A_ROUTE_ERROR: u16 = 20;
pub(crate) const RTEMU_A_ROUTE_COUNT: u16 = 21;
pub(crate) const RTEMU_A_ROUTE_NEW_VIA: u16 = 22;
pub(crate) const RTEMU_A_ROUTE_FLAGS_MASK: u16 = 23;
pub(crate) const RTEMU_A_ROUTE_SA_FAMILY: u16 = 24;
pub(crate) const RTEMU_A_ROUTE_MAX: u16 = 24;

// attribute-set stats
pub(crate) const RTEMU_A_STATS_PAD: u16 = 1;
pub(crate) const RTEMU_A_STATS_ROUTES_INET: u16 = 2;
pub(crate) const RTEMU_A_STATS_ROUTES_INET6: u16 = 3;
pub(crate) const RTEMU_A_STATS_CLONES: u16 = 4;
pub(crate) const RTEMU_A_STATS_TRASH: u16 = 5;
pub(crate) const RTEMU_A_STATS_HOLDS: u16 = 6;
pub(crate) const RTEMU_A_STATS_MISSES: u16 = 7;
pub(crate) const RTEMU_A_STATS_RESOLVES: u16 = 8;
pub(crate) const RTEMU_A_STATS_LIFETIME_RUNS: u16 = 9;
pub(crate) const RTEMU_A_STATS_WRITER_VISITS: u16 = 10;
pub(crate) const RTEMU_A_STATS_WRITER_BATCH_MAX: u16 = 11;
pub(crate) const RTEMU_A_STATS_EVENTS_LOST: u16 = 12;
pub(crate) const RTEMU_A_STATS_UNREACH: u16 = 13;
pub(crate) const RTEMU_A_STATS_MAX: u16 = 13;

// operations
pub(crate) const RTEMU_CMD_ROUTE_ADD: u8 = 1;
pub(crate) const RTEMU_CMD_ROUTE_REMOVE: u8 = 2;
pub(crate) const RTEMU_CMD_ROUTE_CLEAR: u8 = 3;
pub(crate) const RTEMU_CMD_ROUTE_GET: u8 = 4;
pub(crate) const RTEMU_CMD_ROUTE_LIST: u8 = 5;
pub(crate) const RTEMU_CMD_ROUTE_CHANGE: u8 = 6;
pub(crate) const RTEMU_CMD_ROUTE_HOLD: u8 = 7;
pub(crate) const RTEMU_CMD_ROUTE_RELEASE: u8 = 8;
pub(crate) const RTEMU_CMD_STATS_GET: u8 = 9;
pub(crate) const RTEMU_CMD_ADD_NTF: u8 = 10;
pub(crate) const RTEMU_CMD_DELETE_NTF: u8 = 11;
pub(crate) const RTEMU_CMD_CHANGE_NTF: u8 = 12;
pub(crate) const RTEMU_CMD_EXPIRE_NTF: u8 = 13;
pub(crate) const RTEMU_CMD_DEPRECATE_NTF: u8 = 14;
pub(crate) const RTEMU_CMD_CLEAR_NTF: u8 = 15;
pub(crate) const RTEMU_CMD_RESOLVE_NTF: u8 = 16;
pub(crate) const RTEMU_CMD_MISS_NTF: u8 = 17;

// highest request attribute of each op (its policy's maxattr)
pub(crate) const RTEMU_ROUTE_ADD_DO_MAXATTR: u16 = 8;
pub(crate) const RTEMU_ROUTE_REMOVE_DO_MAXATTR: u16 = 17;
pub(crate) const RTEMU_ROUTE_CLEAR_DO_MAXATTR: u16 = 2;
pub(crate) const RTEMU_ROUTE_GET_DO_MAXATTR: u16 = 17;
pub(crate) const RTEMU_ROUTE_LIST_DUMP_MAXATTR: u16 = 2;
pub(crate) const RTEMU_ROUTE_CHANGE_DO_MAXATTR: u16 = 23;
pub(crate) const RTEMU_ROUTE_HOLD_DO_MAXATTR: u16 = 17;
pub(crate) const RTEMU_ROUTE_RELEASE_DO_MAXATTR: u16 = 18;
pub(crate) const RTEMU_STATS_GET_DO_MAXATTR: u16 = 0;

// multicast groups, in the order of the family's mcgrps array
pub(crate) const RTEMU_NLGRP_MONITOR: u32 = 0;
pub(crate) const RTEMU_NLGRP_RESOLVE: u32 = 1;
