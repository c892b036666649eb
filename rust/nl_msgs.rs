// SPDX-License-Identifier: GPL-2.0

// Do not edit directly, auto-generated from include/rtemu.yaml
// by scripts/ynl_gen_rust.py. To regenerate run: scripts/ynl-regen.sh

//! The messages of the rtemu family that the module writes, from its YNL spec:
//! each reply's and event's attributes as a struct whose `put` writes those
//! present in the spec's order, with the right type; and the notifications,
//! each with its command and multicast group.

#![allow(
    dead_code,
    reason = "the whole table is generated; each user takes what it needs"
)]

use kernel::prelude::*;

use crate::{nl::PutAttrs, uapi::*};

/// A notification of the family.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Notification {
    /// A route was added, or cloned (RTM_ADD).
    Add,
    /// A route was deleted (RTM_DELETE), with the reason.
    Delete,
    /// A route was changed (RTM_CHANGE).
    Change,
    /// A route reached expires-at and was deleted.
    Expire,
    /// A route reached preferred-until.
    Deprecate,
    /// Routes were cleared; family is absent when all families were.
    Clear,
    /// A clone of an RTF_XRESOLVE route awaits resolution (RTM_RESOLVE).
    Resolve,
    /// A lookup with report set failed (RTM_MISS): nothing matched addr, or a clone failed
    /// (error). A lookup of an address family rtemu has no table for (only through the in-
    /// kernel API) carries sa-family instead of family and addr.
    Miss,
}

impl Notification {
    /// Its command.
    pub(crate) const fn cmd(self) -> u8 {
        match self {
            Self::Add => RTEMU_CMD_ADD_NTF,
            Self::Delete => RTEMU_CMD_DELETE_NTF,
            Self::Change => RTEMU_CMD_CHANGE_NTF,
            Self::Expire => RTEMU_CMD_EXPIRE_NTF,
            Self::Deprecate => RTEMU_CMD_DEPRECATE_NTF,
            Self::Clear => RTEMU_CMD_CLEAR_NTF,
            Self::Resolve => RTEMU_CMD_RESOLVE_NTF,
            Self::Miss => RTEMU_CMD_MISS_NTF,
        }
    }

    /// The multicast group it goes to.
    pub(crate) const fn group(self) -> u32 {
        match self {
            Self::Add => RTEMU_NLGRP_MONITOR,
            Self::Delete => RTEMU_NLGRP_MONITOR,
            Self::Change => RTEMU_NLGRP_MONITOR,
            Self::Expire => RTEMU_NLGRP_MONITOR,
            Self::Deprecate => RTEMU_NLGRP_MONITOR,
            Self::Clear => RTEMU_NLGRP_MONITOR,
            Self::Resolve => RTEMU_NLGRP_RESOLVE,
            Self::Miss => RTEMU_NLGRP_RESOLVE,
        }
    }
}

/// The attributes of route-remove's do reply, route-clear's do reply; each is written when present.
#[derive(Default)]
pub(crate) struct RouteRemoveReplyAttrs {
    /// Number of routes a request or event concerned.
    pub(crate) count: Option<u32>,
}

impl RouteRemoveReplyAttrs {
    /// Writes the attributes present to `m`.
    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {
        if let Some(v) = self.count {
            m.put_u32(RTEMU_A_ROUTE_COUNT, v)?;
        }
        Ok(())
    }
}

/// The attributes of route-get's do reply, route-list's dump reply, add-ntf, change-ntf,
/// expire-ntf, deprecate-ntf, resolve-ntf; each is written when present.
#[derive(Default)]
pub(crate) struct RouteGetReplyAttrs<'a> {
    /// Address family of dst, via and addr.
    pub(crate) family: Option<u8>,
    /// Prefix address, 4 bytes for inet and 16 for inet6; no host bits set.
    pub(crate) dst: Option<&'a [u8]>,
    /// Prefix length, at most 32 for inet and 128 for inet6.
    pub(crate) prefix_len: Option<u8>,
    /// The router; the unspecified address makes an on-link route.
    pub(crate) via: Option<&'a [u8]>,
    /// Route flags.
    pub(crate) flags: Option<u32>,
    /// CLOCK_REALTIME ns after which the route is deprecated.
    pub(crate) preferred_until: Option<u64>,
    /// CLOCK_REALTIME ns at which the route is deleted.
    pub(crate) expires_at: Option<u64>,
    /// Nanoseconds until preferred-until, 0 once it has passed.
    pub(crate) preferred_left: Option<u64>,
    /// Nanoseconds until expires-at.
    pub(crate) expires_left: Option<u64>,
    /// References held on the entry (rt_refcnt).
    pub(crate) refcnt: Option<u32>,
    /// Lookups that returned the entry (rt_use).
    pub(crate) r#use: Option<u64>,
    /// For a clone, the prefix address of its cloning parent.
    pub(crate) parent_dst: Option<&'a [u8]>,
    /// For a clone, the prefix length of its cloning parent.
    pub(crate) parent_prefix_len: Option<u8>,
}

impl RouteGetReplyAttrs<'_> {
    /// Writes the attributes present to `m`.
    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {
        if let Some(v) = self.family {
            m.put_u8(RTEMU_A_ROUTE_FAMILY, v)?;
        }
        if let Some(v) = self.dst {
            m.put_bytes(RTEMU_A_ROUTE_DST, v)?;
        }
        if let Some(v) = self.prefix_len {
            m.put_u8(RTEMU_A_ROUTE_PREFIX_LEN, v)?;
        }
        if let Some(v) = self.via {
            m.put_bytes(RTEMU_A_ROUTE_VIA, v)?;
        }
        if let Some(v) = self.flags {
            m.put_u32(RTEMU_A_ROUTE_FLAGS, v)?;
        }
        if let Some(v) = self.preferred_until {
            m.put_u64(RTEMU_A_ROUTE_PREFERRED_UNTIL, v, RTEMU_A_ROUTE_PAD)?;
        }
        if let Some(v) = self.expires_at {
            m.put_u64(RTEMU_A_ROUTE_EXPIRES_AT, v, RTEMU_A_ROUTE_PAD)?;
        }
        if let Some(v) = self.preferred_left {
            m.put_u64(RTEMU_A_ROUTE_PREFERRED_LEFT, v, RTEMU_A_ROUTE_PAD)?;
        }
        if let Some(v) = self.expires_left {
            m.put_u64(RTEMU_A_ROUTE_EXPIRES_LEFT, v, RTEMU_A_ROUTE_PAD)?;
        }
        if let Some(v) = self.refcnt {
            m.put_u32(RTEMU_A_ROUTE_REFCNT, v)?;
        }
        if let Some(v) = self.r#use {
            m.put_uint(RTEMU_A_ROUTE_USE, v)?;
        }
        if let Some(v) = self.parent_dst {
            m.put_bytes(RTEMU_A_ROUTE_PARENT_DST, v)?;
        }
        if let Some(v) = self.parent_prefix_len {
            m.put_u8(RTEMU_A_ROUTE_PARENT_PREFIX_LEN, v)?;
        }
        Ok(())
    }
}

/// The attributes of route-hold's do reply; each is written when present.
#[derive(Default)]
pub(crate) struct RouteHoldReplyAttrs<'a> {
    /// A userspace reference held by route-hold.
    pub(crate) handle: Option<u64>,
    /// Address family of dst, via and addr.
    pub(crate) family: Option<u8>,
    /// Prefix address, 4 bytes for inet and 16 for inet6; no host bits set.
    pub(crate) dst: Option<&'a [u8]>,
    /// Prefix length, at most 32 for inet and 128 for inet6.
    pub(crate) prefix_len: Option<u8>,
    /// The router; the unspecified address makes an on-link route.
    pub(crate) via: Option<&'a [u8]>,
    /// Route flags.
    pub(crate) flags: Option<u32>,
    /// References held on the entry (rt_refcnt).
    pub(crate) refcnt: Option<u32>,
}

impl RouteHoldReplyAttrs<'_> {
    /// Writes the attributes present to `m`.
    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {
        if let Some(v) = self.handle {
            m.put_u64(RTEMU_A_ROUTE_HANDLE, v, RTEMU_A_ROUTE_PAD)?;
        }
        if let Some(v) = self.family {
            m.put_u8(RTEMU_A_ROUTE_FAMILY, v)?;
        }
        if let Some(v) = self.dst {
            m.put_bytes(RTEMU_A_ROUTE_DST, v)?;
        }
        if let Some(v) = self.prefix_len {
            m.put_u8(RTEMU_A_ROUTE_PREFIX_LEN, v)?;
        }
        if let Some(v) = self.via {
            m.put_bytes(RTEMU_A_ROUTE_VIA, v)?;
        }
        if let Some(v) = self.flags {
            m.put_u32(RTEMU_A_ROUTE_FLAGS, v)?;
        }
        if let Some(v) = self.refcnt {
            m.put_u32(RTEMU_A_ROUTE_REFCNT, v)?;
        }
        Ok(())
    }
}

/// The attributes of stats-get's do reply; each is written when present.
#[derive(Default)]
pub(crate) struct StatsGetReplyAttrs {
    /// IPv4 routes in the table, clones included.
    pub(crate) routes_inet: Option<u32>,
    /// IPv6 routes in the table, clones included.
    pub(crate) routes_inet6: Option<u32>,
    /// Cloned host routes in the table.
    pub(crate) clones: Option<u32>,
    /// Deleted entries still held (FreeBSD's rttrash).
    pub(crate) trash: Option<u32>,
    /// Userspace references held through route-hold.
    pub(crate) holds: Option<u32>,
    /// Lookups with report set that missed (FreeBSD's RTM_MISS): nothing matched, rtemu has no
    /// table for their address family, or their clone failed. Each sent a miss-ntf unless rate-
    /// limited.
    pub(crate) misses: Option<u64>,
    /// Clones announced for userspace resolution.
    pub(crate) resolves: Option<u64>,
    /// Times the namespace's lifetime work ran (deadlines and idle clones); a diagnostic of how
    /// often it wakes.
    pub(crate) lifetime_runs: Option<u64>,
    /// Entries the table's writers visited in their walks (a parent's clones, a remove by
    /// address, a clear, the lifetime work, the clones an add supersedes): the work requests
    /// made, which grows linearly with what they change.
    pub(crate) writer_visits: Option<u64>,
    /// The most entries one hold of the table's writer lock visited: long requests let the lock
    /// go after every 128 (a prefix's paths are visited together), so one request holds it for
    /// a bounded time.
    pub(crate) writer_batch_max: Option<u32>,
    /// Operations some of whose events could not be recorded for want of memory: listeners got
    /// ENOBUFS, and in-kernel hooks missed them.
    pub(crate) events_lost: Option<u64>,
    /// Lookups (rtalloc1, with or without report: route-get, route-hold, the in-kernel API)
    /// that matched nothing, or whose address family rtemu has no table for (FreeBSD's
    /// rts_unreach). A failed clone is not one: its parent answers.
    pub(crate) unreach: Option<u64>,
}

impl StatsGetReplyAttrs {
    /// Writes the attributes present to `m`.
    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {
        if let Some(v) = self.routes_inet {
            m.put_u32(RTEMU_A_STATS_ROUTES_INET, v)?;
        }
        if let Some(v) = self.routes_inet6 {
            m.put_u32(RTEMU_A_STATS_ROUTES_INET6, v)?;
        }
        if let Some(v) = self.clones {
            m.put_u32(RTEMU_A_STATS_CLONES, v)?;
        }
        if let Some(v) = self.trash {
            m.put_u32(RTEMU_A_STATS_TRASH, v)?;
        }
        if let Some(v) = self.holds {
            m.put_u32(RTEMU_A_STATS_HOLDS, v)?;
        }
        if let Some(v) = self.misses {
            m.put_uint(RTEMU_A_STATS_MISSES, v)?;
        }
        if let Some(v) = self.resolves {
            m.put_uint(RTEMU_A_STATS_RESOLVES, v)?;
        }
        if let Some(v) = self.lifetime_runs {
            m.put_uint(RTEMU_A_STATS_LIFETIME_RUNS, v)?;
        }
        if let Some(v) = self.writer_visits {
            m.put_uint(RTEMU_A_STATS_WRITER_VISITS, v)?;
        }
        if let Some(v) = self.writer_batch_max {
            m.put_u32(RTEMU_A_STATS_WRITER_BATCH_MAX, v)?;
        }
        if let Some(v) = self.events_lost {
            m.put_uint(RTEMU_A_STATS_EVENTS_LOST, v)?;
        }
        if let Some(v) = self.unreach {
            m.put_uint(RTEMU_A_STATS_UNREACH, v)?;
        }
        Ok(())
    }
}

/// The attributes of delete-ntf; each is written when present.
#[derive(Default)]
pub(crate) struct DeleteNtfAttrs<'a> {
    /// The attributes it shares with route-get's do reply, written first.
    pub(crate) base: RouteGetReplyAttrs<'a>,
    /// Why a route was deleted.
    pub(crate) reason: Option<DeleteReason>,
}

impl DeleteNtfAttrs<'_> {
    /// Writes the attributes present to `m`.
    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {
        self.base.put(m)?;
        if let Some(v) = self.reason {
            m.put_u32(RTEMU_A_ROUTE_REASON, v.to_uapi())?;
        }
        Ok(())
    }
}

/// The attributes of clear-ntf; each is written when present.
#[derive(Default)]
pub(crate) struct ClearNtfAttrs {
    /// Address family of dst, via and addr.
    pub(crate) family: Option<u8>,
    /// Number of routes a request or event concerned.
    pub(crate) count: Option<u32>,
}

impl ClearNtfAttrs {
    /// Writes the attributes present to `m`.
    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {
        if let Some(v) = self.family {
            m.put_u8(RTEMU_A_ROUTE_FAMILY, v)?;
        }
        if let Some(v) = self.count {
            m.put_u32(RTEMU_A_ROUTE_COUNT, v)?;
        }
        Ok(())
    }
}

/// The attributes of miss-ntf; each is written when present.
#[derive(Default)]
pub(crate) struct MissNtfAttrs<'a> {
    /// Address family of dst, via and addr.
    pub(crate) family: Option<u8>,
    /// A destination address to look up, or that a miss-ntf is about; absent from a miss-ntf of
    /// an address family rtemu has no table for (see sa-family).
    pub(crate) addr: Option<&'a [u8]>,
    /// Positive errno of a failed clone (miss-ntf); 0 when nothing matched, as FreeBSD's
    /// rtalloc1 sends it.
    pub(crate) error: Option<u32>,
    /// The sa_family of a miss-ntf's destination when rtemu has no table for that address
    /// family (neither inet nor inet6; FreeBSD's rtalloc1 with rt_tables[af] NULL): family and
    /// addr are then absent.
    pub(crate) sa_family: Option<u32>,
}

impl MissNtfAttrs<'_> {
    /// Writes the attributes present to `m`.
    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {
        if let Some(v) = self.family {
            m.put_u8(RTEMU_A_ROUTE_FAMILY, v)?;
        }
        if let Some(v) = self.addr {
            m.put_bytes(RTEMU_A_ROUTE_ADDR, v)?;
        }
        if let Some(v) = self.error {
            m.put_u32(RTEMU_A_ROUTE_ERROR, v)?;
        }
        if let Some(v) = self.sa_family {
            m.put_u32(RTEMU_A_ROUTE_SA_FAMILY, v)?;
        }
        Ok(())
    }
}
