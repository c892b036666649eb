// SPDX-License-Identifier: GPL-2.0-only

// Do not edit: generated from include/rtemu.yaml by
// `scripts/ynl_gen_rust.py --mode user`; to regenerate run scripts/ynl-regen.sh.

//! The `rtemu` generic netlink family as its YNL spec defines it: names
//! and numbers, commands, attribute sets with their types, enums and flags.
//!
//! Values the spec does not name are kept as received (`Other` variants,
//! unnamed flag bits), so what a newer kernel sends survives a round trip.

use std::fmt;
use std::net::IpAddr;

use netlink_packet_core::{DecodeError, Emitable, Nla, NlaBuffer, Parseable};

use crate::attr::{
    flag_names, parse_all, read_flag, read_uint, read_value, write_flag_names, AttrSpec, AttrType,
    AttrValue, UnknownAttr,
};

/// Generic netlink family name.
pub const FAMILY_NAME: &str = "rtemu";
/// Generic netlink family version.
pub const FAMILY_VERSION: u8 = 1;

/// Multicast group of add-ntf, delete-ntf, change-ntf, expire-ntf, deprecate-ntf, clear-ntf.
pub const MCGRP_MONITOR: &str = "monitor";

/// Multicast group of resolve-ntf, miss-ntf.
pub const MCGRP_RESOLVE: &str = "resolve";

/// Every multicast group of the family.
pub const MCGRPS: &[&str] = &[MCGRP_MONITOR, MCGRP_RESOLVE];

/// `enum rtemu_af` (`RTEMU_AF_*`).
pub mod af {
    pub const INET: u8 = 2;
    pub const INET6: u8 = 10;
}

/// Address family of a route, with the values of AF_INET and AF_INET6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Af {
    Inet,
    Inet6,
    /// A value the spec does not name, kept as received.
    Other(u8),
}

impl Af {
    /// Every value the spec names, in its order.
    pub const ALL: &'static [Af] = &[Af::Inet, Af::Inet6];

    /// The value's name in the spec; None for `Other`.
    pub fn spec_name(self) -> Option<&'static str> {
        match self {
            Af::Inet => Some("inet"),
            Af::Inet6 => Some("inet6"),
            Af::Other(_) => None,
        }
    }

    /// The value the spec calls `name`.
    pub fn from_spec_name(name: &str) -> Option<Af> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.spec_name() == Some(name))
    }
}

impl From<u8> for Af {
    fn from(v: u8) -> Af {
        match v {
            af::INET => Af::Inet,
            af::INET6 => Af::Inet6,
            v => Af::Other(v),
        }
    }
}

impl From<Af> for u8 {
    fn from(v: Af) -> u8 {
        match v {
            Af::Inet => af::INET,
            Af::Inet6 => af::INET6,
            Af::Other(v) => v,
        }
    }
}

impl AttrValue for Af {
    fn wire_len(&self) -> usize {
        u8::wire_len(&u8::from(*self))
    }
    fn write(&self, buf: &mut [u8]) {
        u8::write(&u8::from(*self), buf)
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        u8::read(bytes).map(Af::from)
    }
}

/// `enum rtemu_route_flags` bits (`RTEMU_ROUTE_FLAGS_*`).
pub mod route_flags {
    /// RTF_UP, the route is in the table.
    pub const UP: u32 = 1 << 0;
    /// RTF_GATEWAY, the destination is reached through the via router.
    pub const GATEWAY: u32 = 1 << 1;
    /// RTF_HOST, a host route (full-length prefix).
    pub const HOST: u32 = 1 << 2;
    /// RTF_REJECT, an output path sending through the route refuses the packet (EHOSTUNREACH in
    /// FreeBSD's ip_output); lookups return the route like any other.
    pub const REJECT: u32 = 1 << 3;
    /// RTF_CLONING, lookups with report set spawn host routes. Dropped from host routes at add, as
    /// FreeBSD's rtrequest1 does: they have nothing to clone.
    pub const CLONING: u32 = 1 << 8;
    /// RTF_XRESOLVE, clones are announced to userspace for resolution.
    pub const XRESOLVE: u32 = 1 << 9;
    /// RTF_STATIC, added by an administrator.
    pub const STATIC: u32 = 1 << 11;
    /// RTF_BLACKHOLE, an output path sending through the route discards the packet silently;
    /// lookups return the route like any other.
    pub const BLACKHOLE: u32 = 1 << 12;
    /// RTF_PRCLONING, obsolete; accepted and reported, never clones.
    pub const PRCLONING: u32 = 1 << 16;
    /// RTF_WASCLONED, this host route was cloned from a cloning route.
    pub const WASCLONED: u32 = 1 << 17;
    /// rtemu's own; the route's preferred-until has passed.
    pub const DEPRECATED: u32 = 1 << 24;
}

bitflags::bitflags! {
    /// Route flags, with FreeBSD 7's RTF_* values.
    ///
    /// Bits the spec does not name are kept (`from_bits_retain`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct RouteFlags: u32 {
        /// RTF_UP, the route is in the table.
        const UP = route_flags::UP;
        /// RTF_GATEWAY, the destination is reached through the via router.
        const GATEWAY = route_flags::GATEWAY;
        /// RTF_HOST, a host route (full-length prefix).
        const HOST = route_flags::HOST;
        /// RTF_REJECT, an output path sending through the route refuses the packet (EHOSTUNREACH in
        /// FreeBSD's ip_output); lookups return the route like any other.
        const REJECT = route_flags::REJECT;
        /// RTF_CLONING, lookups with report set spawn host routes. Dropped from host routes at add,
        /// as FreeBSD's rtrequest1 does: they have nothing to clone.
        const CLONING = route_flags::CLONING;
        /// RTF_XRESOLVE, clones are announced to userspace for resolution.
        const XRESOLVE = route_flags::XRESOLVE;
        /// RTF_STATIC, added by an administrator.
        const STATIC = route_flags::STATIC;
        /// RTF_BLACKHOLE, an output path sending through the route discards the packet silently;
        /// lookups return the route like any other.
        const BLACKHOLE = route_flags::BLACKHOLE;
        /// RTF_PRCLONING, obsolete; accepted and reported, never clones.
        const PRCLONING = route_flags::PRCLONING;
        /// RTF_WASCLONED, this host route was cloned from a cloning route.
        const WASCLONED = route_flags::WASCLONED;
        /// rtemu's own; the route's preferred-until has passed.
        const DEPRECATED = route_flags::DEPRECATED;
    }
}

impl RouteFlags {
    /// Each flag with its name in the spec, in bit order.
    pub const SPEC_NAMES: &'static [(RouteFlags, &'static str)] = &[
        (RouteFlags::UP, "up"),
        (RouteFlags::GATEWAY, "gateway"),
        (RouteFlags::HOST, "host"),
        (RouteFlags::REJECT, "reject"),
        (RouteFlags::CLONING, "cloning"),
        (RouteFlags::XRESOLVE, "xresolve"),
        (RouteFlags::STATIC, "static"),
        (RouteFlags::BLACKHOLE, "blackhole"),
        (RouteFlags::PRCLONING, "prcloning"),
        (RouteFlags::WASCLONED, "wascloned"),
        (RouteFlags::DEPRECATED, "deprecated"),
    ];

    /// Names of the set flags, in bit order; bits the spec does not name as
    /// one `0x...`.
    pub fn names(self) -> Vec<String> {
        flag_names(self, Self::SPEC_NAMES)
    }

    /// The flag the spec calls `name`.
    pub fn from_spec_name(name: &str) -> Option<RouteFlags> {
        Self::SPEC_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(flag, _)| *flag)
    }
}

/// The names of the set flags, comma-separated.
impl fmt::Display for RouteFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_flag_names(f, *self, Self::SPEC_NAMES)
    }
}

impl AttrValue for RouteFlags {
    fn wire_len(&self) -> usize {
        u32::wire_len(&self.bits())
    }
    fn write(&self, buf: &mut [u8]) {
        u32::write(&self.bits(), buf)
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        u32::read(bytes).map(RouteFlags::from_bits_retain)
    }
}

/// `enum rtemu_delete_reason` (`RTEMU_DELETE_REASON_*`).
pub mod delete_reason {
    /// Removed by a route-remove request.
    pub const REMOVED: u32 = 0;
    /// A clone whose cloning parent was deleted.
    pub const PARENT_DELETED: u32 = 1;
    /// A clone collected clone_idle_secs after its last release (FreeBSD's in_clsroute); a held
    /// clone is never collected.
    pub const IDLE: u32 = 2;
    /// A clone replaced by an added route with the same prefix.
    pub const REPLACED: u32 = 3;
    /// A clone inside a newly added route, or inside a route that got a new router, whose own
    /// parent is no more specific than that route (FreeBSD's rt_fixchange).
    pub const SUPERSEDED: u32 = 4;
    /// A clone whose cloning parent got a new router (FreeBSD's rt_setgate, through rt_fixchange).
    pub const PARENT_CHANGED: u32 = 5;
}

/// Why a route left the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeleteReason {
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
    /// A clone whose cloning parent got a new router (FreeBSD's rt_setgate, through rt_fixchange).
    ParentChanged,
    /// A value the spec does not name, kept as received.
    Other(u32),
}

impl DeleteReason {
    /// Every value the spec names, in its order.
    pub const ALL: &'static [DeleteReason] = &[
        DeleteReason::Removed,
        DeleteReason::ParentDeleted,
        DeleteReason::Idle,
        DeleteReason::Replaced,
        DeleteReason::Superseded,
        DeleteReason::ParentChanged,
    ];

    /// The value's name in the spec; None for `Other`.
    pub fn spec_name(self) -> Option<&'static str> {
        match self {
            DeleteReason::Removed => Some("removed"),
            DeleteReason::ParentDeleted => Some("parent-deleted"),
            DeleteReason::Idle => Some("idle"),
            DeleteReason::Replaced => Some("replaced"),
            DeleteReason::Superseded => Some("superseded"),
            DeleteReason::ParentChanged => Some("parent-changed"),
            DeleteReason::Other(_) => None,
        }
    }

    /// The value the spec calls `name`.
    pub fn from_spec_name(name: &str) -> Option<DeleteReason> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.spec_name() == Some(name))
    }
}

impl From<u32> for DeleteReason {
    fn from(v: u32) -> DeleteReason {
        match v {
            delete_reason::REMOVED => DeleteReason::Removed,
            delete_reason::PARENT_DELETED => DeleteReason::ParentDeleted,
            delete_reason::IDLE => DeleteReason::Idle,
            delete_reason::REPLACED => DeleteReason::Replaced,
            delete_reason::SUPERSEDED => DeleteReason::Superseded,
            delete_reason::PARENT_CHANGED => DeleteReason::ParentChanged,
            v => DeleteReason::Other(v),
        }
    }
}

impl From<DeleteReason> for u32 {
    fn from(v: DeleteReason) -> u32 {
        match v {
            DeleteReason::Removed => delete_reason::REMOVED,
            DeleteReason::ParentDeleted => delete_reason::PARENT_DELETED,
            DeleteReason::Idle => delete_reason::IDLE,
            DeleteReason::Replaced => delete_reason::REPLACED,
            DeleteReason::Superseded => delete_reason::SUPERSEDED,
            DeleteReason::ParentChanged => delete_reason::PARENT_CHANGED,
            DeleteReason::Other(v) => v,
        }
    }
}

impl AttrValue for DeleteReason {
    fn wire_len(&self) -> usize {
        u32::wire_len(&u32::from(*self))
    }
    fn write(&self, buf: &mut [u8]) {
        u32::write(&u32::from(*self), buf)
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        u32::read(bytes).map(DeleteReason::from)
    }
}

/// Command numbers (`RTEMU_CMD_*`).
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

/// A command of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    /// Add a route (WASIX port_route_add). Its memory is charged to the caller's memory cgroup; at
    /// the cgroup's limit the add fails with ENOMEM and the table is unchanged. Clones inside the
    /// new route whose parent is no more specific go (delete-ntf superseded), as FreeBSD's
    /// rt_fixchange retires them; a clone with the same prefix is replaced. A route through a
    /// router first looks the router up as FreeBSD's rt_setgate does, with report (a cloning match
    /// clones a host route for it, nothing matching is a miss-ntf), whether or not the add then
    /// succeeds, and holds that route (rt_gwroute) until it leaves the table.
    RouteAdd,
    /// Remove routes. With dst and prefix-len, the paths of that prefix (only the one through via
    /// if via is given). With addr alone, every route whose via is addr and every host route to
    /// addr.
    RouteRemove,
    /// Remove all routes, or those of one family (WASIX port_route_clear).
    RouteClear,
    /// Look up a destination with rtalloc1(addr, report, ignflags). With report set and cloning not
    /// ignored, a match on a cloning route clones a host route; that needs CAP_NET_ADMIN.
    RouteGet,
    /// Dump the routes (WASIX port_route_list), optionally of one family.
    RouteList,
    /// Change the router, flags or lifetimes of a route; how a resolver answers resolve-ntf. via
    /// picks one path of a multipath prefix; a new-via that another path of the prefix already uses
    /// is EEXIST. flags replaces static, reject and blackhole only (FreeBSD's RTF_FMASK), or with
    /// flags-mask only the bits the mask names (FreeBSD's rtm_fmask; flags may then be left out to
    /// clear them); other bits in either are EINVAL. A new-via on a network route retires its
    /// clones (delete-ntf parent-changed) and the clones inside it whose parent is no more specific
    /// (superseded), as FreeBSD's rt_setgate does. A new-via is looked up first, as for route-add;
    /// one that only this route reaches is EADDRINUSE, with nothing changed.
    RouteChange,
    /// Take a reference on the route that rtalloc1(addr, 0, 0) returns (RT_ADDREF). The reference
    /// lives until route-release or until the socket that took it closes.
    RouteHold,
    /// Drop a reference taken by route-hold (RTFREE).
    RouteRelease,
    /// Counters of the caller's namespace.
    StatsGet,
    /// A route was added, or cloned (RTM_ADD).
    AddNtf,
    /// A route was deleted (RTM_DELETE), with the reason.
    DeleteNtf,
    /// A route was changed (RTM_CHANGE).
    ChangeNtf,
    /// A route reached expires-at and was deleted.
    ExpireNtf,
    /// A route reached preferred-until.
    DeprecateNtf,
    /// Routes were cleared; family is absent when all families were.
    ClearNtf,
    /// A clone of an RTF_XRESOLVE route awaits resolution (RTM_RESOLVE).
    ResolveNtf,
    /// A lookup with report set failed (RTM_MISS): nothing matched addr, or a clone failed (error).
    /// A lookup of an address family rtemu has no table for (only through the in-kernel API)
    /// carries sa-family instead of family and addr.
    MissNtf,
    /// A value the spec does not name, kept as received.
    Other(u8),
}

impl Cmd {
    /// Every value the spec names, in its order.
    pub const ALL: &'static [Cmd] = &[
        Cmd::RouteAdd,
        Cmd::RouteRemove,
        Cmd::RouteClear,
        Cmd::RouteGet,
        Cmd::RouteList,
        Cmd::RouteChange,
        Cmd::RouteHold,
        Cmd::RouteRelease,
        Cmd::StatsGet,
        Cmd::AddNtf,
        Cmd::DeleteNtf,
        Cmd::ChangeNtf,
        Cmd::ExpireNtf,
        Cmd::DeprecateNtf,
        Cmd::ClearNtf,
        Cmd::ResolveNtf,
        Cmd::MissNtf,
    ];

    /// The value's name in the spec; None for `Other`.
    pub fn spec_name(self) -> Option<&'static str> {
        match self {
            Cmd::RouteAdd => Some("route-add"),
            Cmd::RouteRemove => Some("route-remove"),
            Cmd::RouteClear => Some("route-clear"),
            Cmd::RouteGet => Some("route-get"),
            Cmd::RouteList => Some("route-list"),
            Cmd::RouteChange => Some("route-change"),
            Cmd::RouteHold => Some("route-hold"),
            Cmd::RouteRelease => Some("route-release"),
            Cmd::StatsGet => Some("stats-get"),
            Cmd::AddNtf => Some("add-ntf"),
            Cmd::DeleteNtf => Some("delete-ntf"),
            Cmd::ChangeNtf => Some("change-ntf"),
            Cmd::ExpireNtf => Some("expire-ntf"),
            Cmd::DeprecateNtf => Some("deprecate-ntf"),
            Cmd::ClearNtf => Some("clear-ntf"),
            Cmd::ResolveNtf => Some("resolve-ntf"),
            Cmd::MissNtf => Some("miss-ntf"),
            Cmd::Other(_) => None,
        }
    }

    /// The value the spec calls `name`.
    pub fn from_spec_name(name: &str) -> Option<Cmd> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.spec_name() == Some(name))
    }
}

impl From<u8> for Cmd {
    fn from(v: u8) -> Cmd {
        match v {
            cmd::ROUTE_ADD => Cmd::RouteAdd,
            cmd::ROUTE_REMOVE => Cmd::RouteRemove,
            cmd::ROUTE_CLEAR => Cmd::RouteClear,
            cmd::ROUTE_GET => Cmd::RouteGet,
            cmd::ROUTE_LIST => Cmd::RouteList,
            cmd::ROUTE_CHANGE => Cmd::RouteChange,
            cmd::ROUTE_HOLD => Cmd::RouteHold,
            cmd::ROUTE_RELEASE => Cmd::RouteRelease,
            cmd::STATS_GET => Cmd::StatsGet,
            cmd::ADD_NTF => Cmd::AddNtf,
            cmd::DELETE_NTF => Cmd::DeleteNtf,
            cmd::CHANGE_NTF => Cmd::ChangeNtf,
            cmd::EXPIRE_NTF => Cmd::ExpireNtf,
            cmd::DEPRECATE_NTF => Cmd::DeprecateNtf,
            cmd::CLEAR_NTF => Cmd::ClearNtf,
            cmd::RESOLVE_NTF => Cmd::ResolveNtf,
            cmd::MISS_NTF => Cmd::MissNtf,
            v => Cmd::Other(v),
        }
    }
}

impl From<Cmd> for u8 {
    fn from(v: Cmd) -> u8 {
        match v {
            Cmd::RouteAdd => cmd::ROUTE_ADD,
            Cmd::RouteRemove => cmd::ROUTE_REMOVE,
            Cmd::RouteClear => cmd::ROUTE_CLEAR,
            Cmd::RouteGet => cmd::ROUTE_GET,
            Cmd::RouteList => cmd::ROUTE_LIST,
            Cmd::RouteChange => cmd::ROUTE_CHANGE,
            Cmd::RouteHold => cmd::ROUTE_HOLD,
            Cmd::RouteRelease => cmd::ROUTE_RELEASE,
            Cmd::StatsGet => cmd::STATS_GET,
            Cmd::AddNtf => cmd::ADD_NTF,
            Cmd::DeleteNtf => cmd::DELETE_NTF,
            Cmd::ChangeNtf => cmd::CHANGE_NTF,
            Cmd::ExpireNtf => cmd::EXPIRE_NTF,
            Cmd::DeprecateNtf => cmd::DEPRECATE_NTF,
            Cmd::ClearNtf => cmd::CLEAR_NTF,
            Cmd::ResolveNtf => cmd::RESOLVE_NTF,
            Cmd::MissNtf => cmd::MISS_NTF,
            Cmd::Other(v) => v,
        }
    }
}

impl Cmd {
    /// Whether the command only travels as a multicast event.
    pub fn is_notification(self) -> bool {
        matches!(
            self,
            Cmd::AddNtf
                | Cmd::DeleteNtf
                | Cmd::ChangeNtf
                | Cmd::ExpireNtf
                | Cmd::DeprecateNtf
                | Cmd::ClearNtf
                | Cmd::ResolveNtf
                | Cmd::MissNtf
        )
    }
}

/// Attribute ids of the `route` set (`RTEMU_A_ROUTE_*`).
pub mod route_attr {
    use super::{AttrSpec, AttrType};

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
    pub const FLAGS_MASK: u16 = 23;
    pub const SA_FAMILY: u16 = 24;
    pub const MAX: u16 = 24;

    /// Every attribute of the set: id, name, type and the definition naming its values.
    pub const ATTRS: &[AttrSpec] = &[
        AttrSpec {
            id: PAD,
            name: "pad",
            ty: AttrType::Pad,
            enum_name: None,
        },
        AttrSpec {
            id: FAMILY,
            name: "family",
            ty: AttrType::U8,
            enum_name: Some("af"),
        },
        AttrSpec {
            id: DST,
            name: "dst",
            ty: AttrType::Binary,
            enum_name: None,
        },
        AttrSpec {
            id: PREFIX_LEN,
            name: "prefix-len",
            ty: AttrType::U8,
            enum_name: None,
        },
        AttrSpec {
            id: VIA,
            name: "via",
            ty: AttrType::Binary,
            enum_name: None,
        },
        AttrSpec {
            id: FLAGS,
            name: "flags",
            ty: AttrType::U32,
            enum_name: Some("route-flags"),
        },
        AttrSpec {
            id: PREFERRED_UNTIL,
            name: "preferred-until",
            ty: AttrType::U64,
            enum_name: None,
        },
        AttrSpec {
            id: EXPIRES_AT,
            name: "expires-at",
            ty: AttrType::U64,
            enum_name: None,
        },
        AttrSpec {
            id: PREFERRED_LEFT,
            name: "preferred-left",
            ty: AttrType::U64,
            enum_name: None,
        },
        AttrSpec {
            id: EXPIRES_LEFT,
            name: "expires-left",
            ty: AttrType::U64,
            enum_name: None,
        },
        AttrSpec {
            id: REFCNT,
            name: "refcnt",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: USE,
            name: "use",
            ty: AttrType::Uint,
            enum_name: None,
        },
        AttrSpec {
            id: PARENT_DST,
            name: "parent-dst",
            ty: AttrType::Binary,
            enum_name: None,
        },
        AttrSpec {
            id: PARENT_PREFIX_LEN,
            name: "parent-prefix-len",
            ty: AttrType::U8,
            enum_name: None,
        },
        AttrSpec {
            id: REPORT,
            name: "report",
            ty: AttrType::Flag,
            enum_name: None,
        },
        AttrSpec {
            id: IGNFLAGS,
            name: "ignflags",
            ty: AttrType::U32,
            enum_name: Some("route-flags"),
        },
        AttrSpec {
            id: ADDR,
            name: "addr",
            ty: AttrType::Binary,
            enum_name: None,
        },
        AttrSpec {
            id: HANDLE,
            name: "handle",
            ty: AttrType::U64,
            enum_name: None,
        },
        AttrSpec {
            id: REASON,
            name: "reason",
            ty: AttrType::U32,
            enum_name: Some("delete-reason"),
        },
        AttrSpec {
            id: ERROR,
            name: "error",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: COUNT,
            name: "count",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: NEW_VIA,
            name: "new-via",
            ty: AttrType::Binary,
            enum_name: None,
        },
        AttrSpec {
            id: FLAGS_MASK,
            name: "flags-mask",
            ty: AttrType::U32,
            enum_name: Some("route-flags"),
        },
        AttrSpec {
            id: SA_FAMILY,
            name: "sa-family",
            ty: AttrType::U32,
            enum_name: None,
        },
    ];

    /// The spec's name of attribute `id`.
    pub fn name(id: u16) -> Option<&'static str> {
        ATTRS.iter().find(|a| a.id == id).map(|a| a.name)
    }
}

/// An attribute of the `route` set.
///
/// A route, a request about routes, or a route event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAttr {
    /// Alignment padding for 64-bit attributes; its payload is kept.
    Pad(Vec<u8>),
    /// Address family of dst, via and addr.
    Family(Af),
    /// Prefix address, 4 bytes for inet and 16 for inet6; no host bits set.
    Dst(IpAddr),
    /// Prefix length, at most 32 for inet and 128 for inet6.
    PrefixLen(u8),
    /// The router; the unspecified address makes an on-link route.
    Via(IpAddr),
    /// Route flags.
    Flags(RouteFlags),
    /// CLOCK_REALTIME ns after which the route is deprecated.
    PreferredUntil(u64),
    /// CLOCK_REALTIME ns at which the route is deleted.
    ExpiresAt(u64),
    /// Nanoseconds until preferred-until, 0 once it has passed.
    PreferredLeft(u64),
    /// Nanoseconds until expires-at.
    ExpiresLeft(u64),
    /// References held on the entry (rt_refcnt).
    Refcnt(u32),
    /// Lookups that returned the entry (rt_use).
    Use(u64),
    /// For a clone, the prefix address of its cloning parent.
    ParentDst(IpAddr),
    /// For a clone, the prefix length of its cloning parent.
    ParentPrefixLen(u8),
    /// rtalloc1's report argument; without it a get never clones.
    Report,
    /// rtalloc1's ignflags; only cloning and prcloning change anything.
    Ignflags(RouteFlags),
    /// A destination address to look up, or that a miss-ntf is about; absent from a miss-ntf of an
    /// address family rtemu has no table for (see sa-family).
    Addr(IpAddr),
    /// A userspace reference held by route-hold.
    Handle(u64),
    /// Why a route was deleted.
    Reason(DeleteReason),
    /// Positive errno of a failed clone (miss-ntf); 0 when nothing matched, as FreeBSD's rtalloc1
    /// sends it.
    Error(u32),
    /// Number of routes a request or event concerned.
    Count(u32),
    /// The new router of a route-change.
    NewVia(IpAddr),
    /// The flags a route-change changes (FreeBSD's rtm_fmask): those set here take their value from
    /// flags, the others stay.
    FlagsMask(RouteFlags),
    /// The sa_family of a miss-ntf's destination when rtemu has no table for that address family
    /// (neither inet nor inet6; FreeBSD's rtalloc1 with rt_tables[af] NULL): family and addr are
    /// then absent.
    SaFamily(u32),
    /// An attribute the spec does not name, or one with NLA_F_NESTED or
    /// NLA_F_NET_BYTEORDER set (the spec gives no attribute these flags), kept as
    /// received.
    Other(UnknownAttr),
}

impl Nla for RouteAttr {
    fn value_len(&self) -> usize {
        match self {
            RouteAttr::Pad(v) => v.wire_len(),
            RouteAttr::Family(v) => v.wire_len(),
            RouteAttr::Dst(v) => v.wire_len(),
            RouteAttr::PrefixLen(v) => v.wire_len(),
            RouteAttr::Via(v) => v.wire_len(),
            RouteAttr::Flags(v) => v.wire_len(),
            RouteAttr::PreferredUntil(v) => v.wire_len(),
            RouteAttr::ExpiresAt(v) => v.wire_len(),
            RouteAttr::PreferredLeft(v) => v.wire_len(),
            RouteAttr::ExpiresLeft(v) => v.wire_len(),
            RouteAttr::Refcnt(v) => v.wire_len(),
            RouteAttr::Use(v) => v.wire_len(),
            RouteAttr::ParentDst(v) => v.wire_len(),
            RouteAttr::ParentPrefixLen(v) => v.wire_len(),
            RouteAttr::Report => 0,
            RouteAttr::Ignflags(v) => v.wire_len(),
            RouteAttr::Addr(v) => v.wire_len(),
            RouteAttr::Handle(v) => v.wire_len(),
            RouteAttr::Reason(v) => v.wire_len(),
            RouteAttr::Error(v) => v.wire_len(),
            RouteAttr::Count(v) => v.wire_len(),
            RouteAttr::NewVia(v) => v.wire_len(),
            RouteAttr::FlagsMask(v) => v.wire_len(),
            RouteAttr::SaFamily(v) => v.wire_len(),
            RouteAttr::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            RouteAttr::Pad(_) => route_attr::PAD,
            RouteAttr::Family(_) => route_attr::FAMILY,
            RouteAttr::Dst(_) => route_attr::DST,
            RouteAttr::PrefixLen(_) => route_attr::PREFIX_LEN,
            RouteAttr::Via(_) => route_attr::VIA,
            RouteAttr::Flags(_) => route_attr::FLAGS,
            RouteAttr::PreferredUntil(_) => route_attr::PREFERRED_UNTIL,
            RouteAttr::ExpiresAt(_) => route_attr::EXPIRES_AT,
            RouteAttr::PreferredLeft(_) => route_attr::PREFERRED_LEFT,
            RouteAttr::ExpiresLeft(_) => route_attr::EXPIRES_LEFT,
            RouteAttr::Refcnt(_) => route_attr::REFCNT,
            RouteAttr::Use(_) => route_attr::USE,
            RouteAttr::ParentDst(_) => route_attr::PARENT_DST,
            RouteAttr::ParentPrefixLen(_) => route_attr::PARENT_PREFIX_LEN,
            RouteAttr::Report => route_attr::REPORT,
            RouteAttr::Ignflags(_) => route_attr::IGNFLAGS,
            RouteAttr::Addr(_) => route_attr::ADDR,
            RouteAttr::Handle(_) => route_attr::HANDLE,
            RouteAttr::Reason(_) => route_attr::REASON,
            RouteAttr::Error(_) => route_attr::ERROR,
            RouteAttr::Count(_) => route_attr::COUNT,
            RouteAttr::NewVia(_) => route_attr::NEW_VIA,
            RouteAttr::FlagsMask(_) => route_attr::FLAGS_MASK,
            RouteAttr::SaFamily(_) => route_attr::SA_FAMILY,
            RouteAttr::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            RouteAttr::Pad(v) => v.write(buf),
            RouteAttr::Family(v) => v.write(buf),
            RouteAttr::Dst(v) => v.write(buf),
            RouteAttr::PrefixLen(v) => v.write(buf),
            RouteAttr::Via(v) => v.write(buf),
            RouteAttr::Flags(v) => v.write(buf),
            RouteAttr::PreferredUntil(v) => v.write(buf),
            RouteAttr::ExpiresAt(v) => v.write(buf),
            RouteAttr::PreferredLeft(v) => v.write(buf),
            RouteAttr::ExpiresLeft(v) => v.write(buf),
            RouteAttr::Refcnt(v) => v.write(buf),
            RouteAttr::Use(v) => v.write(buf),
            RouteAttr::ParentDst(v) => v.write(buf),
            RouteAttr::ParentPrefixLen(v) => v.write(buf),
            RouteAttr::Report => {}
            RouteAttr::Ignflags(v) => v.write(buf),
            RouteAttr::Addr(v) => v.write(buf),
            RouteAttr::Handle(v) => v.write(buf),
            RouteAttr::Reason(v) => v.write(buf),
            RouteAttr::Error(v) => v.write(buf),
            RouteAttr::Count(v) => v.write(buf),
            RouteAttr::NewVia(v) => v.write(buf),
            RouteAttr::FlagsMask(v) => v.write(buf),
            RouteAttr::SaFamily(v) => v.write(buf),
            RouteAttr::Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for RouteAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        if buf.nested_flag() || buf.network_byte_order_flag() {
            return Ok(RouteAttr::Other(UnknownAttr::from_buffer(buf)));
        }
        let v = buf.value();
        Ok(match buf.kind() {
            route_attr::PAD => RouteAttr::Pad(read_value(v, "pad")?),
            route_attr::FAMILY => RouteAttr::Family(read_value(v, "family")?),
            route_attr::DST => RouteAttr::Dst(read_value(v, "dst")?),
            route_attr::PREFIX_LEN => RouteAttr::PrefixLen(read_value(v, "prefix-len")?),
            route_attr::VIA => RouteAttr::Via(read_value(v, "via")?),
            route_attr::FLAGS => RouteAttr::Flags(read_value(v, "flags")?),
            route_attr::PREFERRED_UNTIL => {
                RouteAttr::PreferredUntil(read_value(v, "preferred-until")?)
            }
            route_attr::EXPIRES_AT => RouteAttr::ExpiresAt(read_value(v, "expires-at")?),
            route_attr::PREFERRED_LEFT => {
                RouteAttr::PreferredLeft(read_value(v, "preferred-left")?)
            }
            route_attr::EXPIRES_LEFT => RouteAttr::ExpiresLeft(read_value(v, "expires-left")?),
            route_attr::REFCNT => RouteAttr::Refcnt(read_value(v, "refcnt")?),
            route_attr::USE => RouteAttr::Use(read_uint(v, "use")?),
            route_attr::PARENT_DST => RouteAttr::ParentDst(read_value(v, "parent-dst")?),
            route_attr::PARENT_PREFIX_LEN => {
                RouteAttr::ParentPrefixLen(read_value(v, "parent-prefix-len")?)
            }
            route_attr::REPORT => read_flag(v, "report").map(|()| RouteAttr::Report)?,
            route_attr::IGNFLAGS => RouteAttr::Ignflags(read_value(v, "ignflags")?),
            route_attr::ADDR => RouteAttr::Addr(read_value(v, "addr")?),
            route_attr::HANDLE => RouteAttr::Handle(read_value(v, "handle")?),
            route_attr::REASON => RouteAttr::Reason(read_value(v, "reason")?),
            route_attr::ERROR => RouteAttr::Error(read_value(v, "error")?),
            route_attr::COUNT => RouteAttr::Count(read_value(v, "count")?),
            route_attr::NEW_VIA => RouteAttr::NewVia(read_value(v, "new-via")?),
            route_attr::FLAGS_MASK => RouteAttr::FlagsMask(read_value(v, "flags-mask")?),
            route_attr::SA_FAMILY => RouteAttr::SaFamily(read_value(v, "sa-family")?),
            _ => RouteAttr::Other(UnknownAttr::from_buffer(buf)),
        })
    }
}

/// Attribute ids of the `stats` set (`RTEMU_A_STATS_*`).
pub mod stats_attr {
    use super::{AttrSpec, AttrType};

    pub const PAD: u16 = 1;
    pub const ROUTES_INET: u16 = 2;
    pub const ROUTES_INET6: u16 = 3;
    pub const CLONES: u16 = 4;
    pub const TRASH: u16 = 5;
    pub const HOLDS: u16 = 6;
    pub const MISSES: u16 = 7;
    pub const RESOLVES: u16 = 8;
    pub const LIFETIME_RUNS: u16 = 9;
    pub const WRITER_VISITS: u16 = 10;
    pub const WRITER_BATCH_MAX: u16 = 11;
    pub const EVENTS_LOST: u16 = 12;
    pub const UNREACH: u16 = 13;
    pub const MAX: u16 = 13;

    /// Every attribute of the set: id, name, type and the definition naming its values.
    pub const ATTRS: &[AttrSpec] = &[
        AttrSpec {
            id: PAD,
            name: "pad",
            ty: AttrType::Pad,
            enum_name: None,
        },
        AttrSpec {
            id: ROUTES_INET,
            name: "routes-inet",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: ROUTES_INET6,
            name: "routes-inet6",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: CLONES,
            name: "clones",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: TRASH,
            name: "trash",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: HOLDS,
            name: "holds",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: MISSES,
            name: "misses",
            ty: AttrType::Uint,
            enum_name: None,
        },
        AttrSpec {
            id: RESOLVES,
            name: "resolves",
            ty: AttrType::Uint,
            enum_name: None,
        },
        AttrSpec {
            id: LIFETIME_RUNS,
            name: "lifetime-runs",
            ty: AttrType::Uint,
            enum_name: None,
        },
        AttrSpec {
            id: WRITER_VISITS,
            name: "writer-visits",
            ty: AttrType::Uint,
            enum_name: None,
        },
        AttrSpec {
            id: WRITER_BATCH_MAX,
            name: "writer-batch-max",
            ty: AttrType::U32,
            enum_name: None,
        },
        AttrSpec {
            id: EVENTS_LOST,
            name: "events-lost",
            ty: AttrType::Uint,
            enum_name: None,
        },
        AttrSpec {
            id: UNREACH,
            name: "unreach",
            ty: AttrType::Uint,
            enum_name: None,
        },
    ];

    /// The spec's name of attribute `id`.
    pub fn name(id: u16) -> Option<&'static str> {
        ATTRS.iter().find(|a| a.id == id).map(|a| a.name)
    }
}

/// An attribute of the `stats` set.
///
/// Counters of one namespace's table. Those that may pass 2^32 are uint, of 4 or 8 bytes (rtemu
/// sends 8, as the u64 they were).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsAttr {
    /// Unused since the counters are uint; kept so that the numbers stay.
    Pad(Vec<u8>),
    /// IPv4 routes in the table, clones included.
    RoutesInet(u32),
    /// IPv6 routes in the table, clones included.
    RoutesInet6(u32),
    /// Cloned host routes in the table.
    Clones(u32),
    /// Deleted entries still held (FreeBSD's rttrash).
    Trash(u32),
    /// Userspace references held through route-hold.
    Holds(u32),
    /// Lookups with report set that missed (FreeBSD's RTM_MISS): nothing matched, rtemu has no
    /// table for their address family, or their clone failed. Each sent a miss-ntf unless rate-
    /// limited.
    Misses(u64),
    /// Clones announced for userspace resolution.
    Resolves(u64),
    /// Times the namespace's lifetime work ran (deadlines and idle clones); a diagnostic of how
    /// often it wakes.
    LifetimeRuns(u64),
    /// Entries the table's writers visited in their walks (a parent's clones, a remove by address,
    /// a clear, the lifetime work, the clones an add supersedes): the work requests made, which
    /// grows linearly with what they change.
    WriterVisits(u64),
    /// The most entries one hold of the table's writer lock visited: long requests let the lock go
    /// after every 128 (a prefix's paths are visited together), so one request holds it for a
    /// bounded time.
    WriterBatchMax(u32),
    /// Operations some of whose events could not be recorded for want of memory: listeners got
    /// ENOBUFS, and in-kernel hooks missed them.
    EventsLost(u64),
    /// Lookups (rtalloc1, with or without report: route-get, route-hold, the in-kernel API) that
    /// matched nothing, or whose address family rtemu has no table for (FreeBSD's rts_unreach). A
    /// failed clone is not one: its parent answers.
    Unreach(u64),
    /// An attribute the spec does not name, or one with NLA_F_NESTED or
    /// NLA_F_NET_BYTEORDER set (the spec gives no attribute these flags), kept as
    /// received.
    Other(UnknownAttr),
}

impl Nla for StatsAttr {
    fn value_len(&self) -> usize {
        match self {
            StatsAttr::Pad(v) => v.wire_len(),
            StatsAttr::RoutesInet(v) => v.wire_len(),
            StatsAttr::RoutesInet6(v) => v.wire_len(),
            StatsAttr::Clones(v) => v.wire_len(),
            StatsAttr::Trash(v) => v.wire_len(),
            StatsAttr::Holds(v) => v.wire_len(),
            StatsAttr::Misses(v) => v.wire_len(),
            StatsAttr::Resolves(v) => v.wire_len(),
            StatsAttr::LifetimeRuns(v) => v.wire_len(),
            StatsAttr::WriterVisits(v) => v.wire_len(),
            StatsAttr::WriterBatchMax(v) => v.wire_len(),
            StatsAttr::EventsLost(v) => v.wire_len(),
            StatsAttr::Unreach(v) => v.wire_len(),
            StatsAttr::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            StatsAttr::Pad(_) => stats_attr::PAD,
            StatsAttr::RoutesInet(_) => stats_attr::ROUTES_INET,
            StatsAttr::RoutesInet6(_) => stats_attr::ROUTES_INET6,
            StatsAttr::Clones(_) => stats_attr::CLONES,
            StatsAttr::Trash(_) => stats_attr::TRASH,
            StatsAttr::Holds(_) => stats_attr::HOLDS,
            StatsAttr::Misses(_) => stats_attr::MISSES,
            StatsAttr::Resolves(_) => stats_attr::RESOLVES,
            StatsAttr::LifetimeRuns(_) => stats_attr::LIFETIME_RUNS,
            StatsAttr::WriterVisits(_) => stats_attr::WRITER_VISITS,
            StatsAttr::WriterBatchMax(_) => stats_attr::WRITER_BATCH_MAX,
            StatsAttr::EventsLost(_) => stats_attr::EVENTS_LOST,
            StatsAttr::Unreach(_) => stats_attr::UNREACH,
            StatsAttr::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            StatsAttr::Pad(v) => v.write(buf),
            StatsAttr::RoutesInet(v) => v.write(buf),
            StatsAttr::RoutesInet6(v) => v.write(buf),
            StatsAttr::Clones(v) => v.write(buf),
            StatsAttr::Trash(v) => v.write(buf),
            StatsAttr::Holds(v) => v.write(buf),
            StatsAttr::Misses(v) => v.write(buf),
            StatsAttr::Resolves(v) => v.write(buf),
            StatsAttr::LifetimeRuns(v) => v.write(buf),
            StatsAttr::WriterVisits(v) => v.write(buf),
            StatsAttr::WriterBatchMax(v) => v.write(buf),
            StatsAttr::EventsLost(v) => v.write(buf),
            StatsAttr::Unreach(v) => v.write(buf),
            StatsAttr::Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for StatsAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        if buf.nested_flag() || buf.network_byte_order_flag() {
            return Ok(StatsAttr::Other(UnknownAttr::from_buffer(buf)));
        }
        let v = buf.value();
        Ok(match buf.kind() {
            stats_attr::PAD => StatsAttr::Pad(read_value(v, "pad")?),
            stats_attr::ROUTES_INET => StatsAttr::RoutesInet(read_value(v, "routes-inet")?),
            stats_attr::ROUTES_INET6 => StatsAttr::RoutesInet6(read_value(v, "routes-inet6")?),
            stats_attr::CLONES => StatsAttr::Clones(read_value(v, "clones")?),
            stats_attr::TRASH => StatsAttr::Trash(read_value(v, "trash")?),
            stats_attr::HOLDS => StatsAttr::Holds(read_value(v, "holds")?),
            stats_attr::MISSES => StatsAttr::Misses(read_uint(v, "misses")?),
            stats_attr::RESOLVES => StatsAttr::Resolves(read_uint(v, "resolves")?),
            stats_attr::LIFETIME_RUNS => StatsAttr::LifetimeRuns(read_uint(v, "lifetime-runs")?),
            stats_attr::WRITER_VISITS => StatsAttr::WriterVisits(read_uint(v, "writer-visits")?),
            stats_attr::WRITER_BATCH_MAX => {
                StatsAttr::WriterBatchMax(read_value(v, "writer-batch-max")?)
            }
            stats_attr::EVENTS_LOST => StatsAttr::EventsLost(read_uint(v, "events-lost")?),
            stats_attr::UNREACH => StatsAttr::Unreach(read_uint(v, "unreach")?),
            _ => StatsAttr::Other(UnknownAttr::from_buffer(buf)),
        })
    }
}

/// The attributes of a message, in the set its command uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attrs {
    Route(Vec<RouteAttr>),
    Stats(Vec<StatsAttr>),
}

impl Attrs {
    /// Parse the attributes of a `cmd` message. A command this crate does not
    /// know is read with the spec's first set, `route`.
    pub fn parse(cmd: Cmd, buf: &[u8]) -> Result<Attrs, DecodeError> {
        Ok(match cmd {
            Cmd::RouteAdd
            | Cmd::RouteRemove
            | Cmd::RouteClear
            | Cmd::RouteGet
            | Cmd::RouteList
            | Cmd::RouteChange
            | Cmd::RouteHold
            | Cmd::RouteRelease
            | Cmd::AddNtf
            | Cmd::DeleteNtf
            | Cmd::ChangeNtf
            | Cmd::ExpireNtf
            | Cmd::DeprecateNtf
            | Cmd::ClearNtf
            | Cmd::ResolveNtf
            | Cmd::MissNtf
            | Cmd::Other(_) => Attrs::Route(parse_all(buf)?),
            Cmd::StatsGet => Attrs::Stats(parse_all(buf)?),
        })
    }
}

impl Emitable for Attrs {
    fn buffer_len(&self) -> usize {
        match self {
            Attrs::Route(a) => a.as_slice().buffer_len(),
            Attrs::Stats(a) => a.as_slice().buffer_len(),
        }
    }

    fn emit(&self, buffer: &mut [u8]) {
        match self {
            Attrs::Route(a) => a.as_slice().emit(buffer),
            Attrs::Stats(a) => a.as_slice().emit(buffer),
        }
    }
}
