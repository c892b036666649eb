// SPDX-License-Identifier: GPL-2.0

//! Route events: what the table tells the netlink layer.
//!
//! Table operations collect [`Event`]s while they hold their locks and hand
//! them back; the caller sends them after every lock is dropped, so the send
//! path (which allocates and may sleep) never runs under a table or entry
//! lock.

use kernel::prelude::*;

use crate::{
    addr::{Addr, Af},
    entry::{RouteInfo, RtArc},
    uapi::*,
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

impl DeleteReason {
    /// Its value in the spec's `delete-reason` enum.
    pub(crate) fn to_uapi(self) -> u32 {
        match self {
            DeleteReason::Removed => RTEMU_DELETE_REASON_REMOVED,
            DeleteReason::ParentDeleted => RTEMU_DELETE_REASON_PARENT_DELETED,
            DeleteReason::Idle => RTEMU_DELETE_REASON_IDLE,
            DeleteReason::Replaced => RTEMU_DELETE_REASON_REPLACED,
            DeleteReason::Superseded => RTEMU_DELETE_REASON_SUPERSEDED,
            DeleteReason::ParentChanged => RTEMU_DELETE_REASON_PARENT_CHANGED,
        }
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
    /// The entry of each event about one route, by its index in `list`,
    /// for the in-kernel hooks.
    entries: KVec<(usize, RtArc)>,
    lost: bool,
}

impl Events {
    pub(crate) fn new() -> Self {
        Self {
            list: KVec::new(),
            entries: KVec::new(),
            lost: false,
        }
    }

    /// Records an event; never sleeps (it may be called under a spinlock).
    pub(crate) fn push(&mut self, event: Event) {
        if self.list.push(event, GFP_ATOMIC).is_err() {
            self.lost = true;
        }
    }

    /// Records an event about the route of `rt`, and `rt` with it.
    pub(crate) fn push_route(&mut self, event: Event, rt: &RtArc) {
        let index = self.list.len();
        self.push(event);
        if self.list.len() > index {
            self.attach(rt);
        }
    }

    /// Records `rt` as one more route of the last event (a clear's).
    pub(crate) fn attach(&mut self, rt: &RtArc) {
        let Some(index) = self.list.len().checked_sub(1) else {
            return;
        };
        if self.entries.push((index, rt.clone()), GFP_ATOMIC).is_err() {
            self.lost = true;
        }
    }

    /// The events about routes, each with its entry, in order (a clear once
    /// per route it removed).
    pub(crate) fn routes(&self) -> impl Iterator<Item = (&Event, &RtArc)> {
        self.entries
            .iter()
            .filter_map(|(i, rt)| self.list.get(*i).map(|e| (e, rt)))
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
