// SPDX-License-Identifier: GPL-2.0

//! Route events: what the table tells the netlink layer.
//!
//! Table operations collect [`Event`]s while they hold their locks and hand
//! them back; the caller sends them after every lock is dropped, so the send
//! path (which allocates and may sleep) never runs under a table or entry
//! lock.

use kernel::prelude::*;

use crate::{
    addr::{Addr, Af, Prefix},
    entry::{Deadline, RtEntry, RtState},
};

/// Why a route left the table (the `delete-reason` enum of the spec).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DeleteReason {
    Removed,
    ParentDeleted,
    Idle,
    Replaced,
    /// Retired by a covering add or a gateway change (`rt_fixchange`).
    Superseded,
    /// Its parent got a new router (`rt_setgate`).
    ParentChanged,
}

/// A route as an event or reply shows it, copied under the entry lock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteInfo {
    pub(crate) prefix: Prefix,
    pub(crate) gateway: Addr,
    pub(crate) flags: u32,
    pub(crate) preferred: Option<Deadline>,
    pub(crate) expires: Option<Deadline>,
    pub(crate) refcnt: u32,
    pub(crate) use_count: u64,
    pub(crate) parent: Option<Prefix>,
}

impl RouteInfo {
    /// A snapshot of `rt`, whose lock guards `state`.
    pub(crate) fn of(rt: &RtEntry, state: &RtState) -> Self {
        let up = if rt.is_up() {
            crate::entry::flags::RTF_UP
        } else {
            0
        };
        Self {
            prefix: *rt.prefix(),
            gateway: state.gateway,
            flags: state.flags | up,
            preferred: state.preferred,
            expires: state.expires,
            refcnt: rt.refcnt(),
            use_count: rt.use_count(),
            parent: rt.parent().map(|p| *p.prefix()),
        }
    }

    /// A snapshot of `rt`, taking its lock.
    pub(crate) fn of_unlocked(rt: &RtEntry) -> Self {
        let state = rt.lock_state();
        Self::of(rt, &state)
    }
}

/// One event, in the order it happened.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    Add(RouteInfo),
    Delete(RouteInfo, DeleteReason),
    Change(RouteInfo),
    Expire(RouteInfo),
    Deprecate(RouteInfo),
    Clear {
        af: Option<Af>,
        count: u32,
    },
    /// A clone of an `RTF_XRESOLVE` route awaits resolution.
    Resolve(RouteInfo),
    /// A lookup with `report` set failed: `err` is why a clone failed,
    /// `None` when nothing matched (FreeBSD's `rtalloc1` sends 0 then).
    Miss {
        dst: Addr,
        err: Option<Error>,
    },
}

/// Events of one operation. If one could not be recorded (no memory), the
/// listeners are told they lost events rather than nothing.
pub(crate) struct Events {
    list: KVec<Event>,
    lost: bool,
}

impl Events {
    pub(crate) fn new() -> Self {
        Self {
            list: KVec::new(),
            lost: false,
        }
    }

    /// Records an event; never sleeps (it may be called under a spinlock).
    pub(crate) fn push(&mut self, event: Event) {
        if self.list.push(event, GFP_ATOMIC).is_err() {
            self.lost = true;
        }
    }

    /// Makes room for `n` more events ahead of taking locks.
    pub(crate) fn reserve(&mut self, n: usize) {
        if self.list.reserve(n, GFP_KERNEL).is_err() {
            self.lost = true;
        }
    }

    pub(crate) fn lost(&self) -> bool {
        self.lost
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Event> {
        self.list.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}
