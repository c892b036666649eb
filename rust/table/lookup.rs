// SPDX-License-Identifier: GPL-2.0

//! FreeBSD's lookups: `rtalloc1`, `rtalloc_ign` and `rtalloc`, and the
//! clone a lookup with `report` makes from an `RTF_CLONING` match
//! (RTM_RESOLVE).

use kernel::{prelude::*, sync::atomic::Relaxed};

use super::{
    gwroute::{would_clone, NewClones, GWROUTE_EVENTS},
    paths::PathRef,
    RouteTable, TableError,
};
use crate::{
    addr::Addr,
    entry::{flags::*, RtLocked, RtRef},
    event::{Event, Events},
    platform::RcuGuard,
};

/// What RTM_RESOLVE found under the writer lock.
pub(super) enum Resolved {
    /// The answer: a new clone, or a match that does not clone (the host
    /// route someone cloned or added meanwhile, or a route that replaced
    /// the parent).
    Found(RtRef),
    /// Nothing matches any more.
    Nothing,
    /// Cloning failed: the parent it would have come from.
    Failed(TableError, RtRef),
}

/// FreeBSD's `struct route` for IPv4: a destination and a cached entry.
#[allow(
    dead_code,
    reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
)]
pub(crate) struct Route {
    pub(crate) dst: [u8; 4],
    pub(crate) rt: Option<RtRef>,
}

impl Route {
    #[allow(
        dead_code,
        reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
    )]
    pub(crate) fn new(dst: [u8; 4]) -> Self {
        Self { dst, rt: None }
    }
}

impl RouteTable {
    /// FreeBSD's `rtalloc1(dst, report, ignflags)`: the longest match,
    /// locked and referenced, cloning a host route from an `RTF_CLONING`
    /// match when `report` is set and cloning is not ignored. `report` off
    /// turns cloning off entirely, as in route.c. May sleep (cloning
    /// allocates and takes the writer lock).
    pub(crate) fn rtalloc1(
        &self,
        dst: &Addr,
        report: bool,
        ignflags: u32,
        ev: &mut Events<'_>,
    ) -> Option<RtLocked> {
        // Cannot fail: cloning is allowed.
        self.rtalloc1_as(dst, report, ignflags, true, ev)
            .unwrap_or(None)
    }

    /// [`RouteTable::rtalloc1`] for a caller that may not change the table
    /// unless `may_clone`: a lookup that would clone is then `EPERM`,
    /// decided on the same match the clone would come from.
    pub(crate) fn rtalloc1_as(
        &self,
        dst: &Addr,
        report: bool,
        ignflags: u32,
        may_clone: bool,
        ev: &mut Events<'_>,
    ) -> Result<Option<RtLocked>, TableError> {
        let Some(mut rt) = self.lookup_locked(dst) else {
            self.unreach.fetch_add(1, Relaxed);
            if report {
                self.miss(dst, None, ev);
            }
            return Ok(None);
        };
        // Without `report` the flags do not matter, and they lie on a cache
        // line of the entry that a lookup does not otherwise touch.
        if !report {
            return Ok(Some(rt));
        }
        let flags = rt.flags();
        if !would_clone(rt.entry(), flags, ignflags) {
            return Ok(Some(rt));
        }
        if !may_clone {
            return Err(TableError::CloneNotPermitted);
        }
        // RTM_RESOLVE. The writer lock sleeps, so drop the entry lock and
        // the reference first: the clone's parent is chosen again under it.
        drop(rt);
        if let Some(hook) = self.hooks.before_clone {
            hook(self);
        }
        Ok(match self.resolve(dst, ignflags, ev) {
            Resolved::Found(rt) => Some(rt.lock()),
            Resolved::Nothing => {
                self.unreach.fetch_add(1, Relaxed);
                self.miss(dst, None, ev);
                None
            }
            Resolved::Failed(err, parent) => {
                // "If the cloning didn't succeed, maybe what we have will
                // do": the parent, and a miss.
                self.miss(dst, Some(err.into()), ev);
                Some(parent.lock())
            }
        })
    }

    #[allow(
        dead_code,
        reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
    )]
    /// FreeBSD's `rtalloc_ign(ro, ignflags)`: no lookup while the cached
    /// entry is up; otherwise drop it and look up with `report` set. Leaves
    /// the entry unlocked and referenced.
    pub(crate) fn rtalloc_ign(&self, ro: &mut Route, ignflags: u32, ev: &mut Events<'_>) {
        if let Some(rt) = &ro.rt {
            if rt.entry().is_up() {
                return;
            }
            ro.rt = None;
        }
        ro.rt = self
            .rtalloc1(&Addr::V4(ro.dst), true, ignflags, ev)
            .map(RtLocked::unlock);
    }

    #[allow(
        dead_code,
        reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
    )]
    /// FreeBSD's `rtalloc(ro)`: `rtalloc_ign(ro, 0)`.
    pub(crate) fn rtalloc(&self, ro: &mut Route, ev: &mut Events<'_>) {
        self.rtalloc_ign(ro, 0, ev)
    }

    /// FreeBSD's `rtalloc1` of a destination whose address family has no
    /// table here (`rt_tables[dst->sa_family] == NULL`): nothing is found;
    /// it counts as unreachable and, with `report`, sends a miss that
    /// carries only the family.
    pub(crate) fn rtalloc1_no_table(&self, family: u16, report: bool, ev: &mut Events<'_>) {
        self.unreach.fetch_add(1, Relaxed);
        if report {
            self.misses.fetch_add(1, Relaxed);
            ev.push(Event::MissFamily { family });
        }
    }

    /// RTM_RESOLVE for `dst`: looks up again under the writer lock, as
    /// FreeBSD's `rtalloc1` holds the tree's lock from its lookup to the
    /// clone, so a route deleted or added since the caller's lookup is
    /// seen; then clones from the match if it still clones. The clone's
    /// router is looked up in turn ([`RouteTable::clone_chain`]).
    pub(super) fn resolve(&self, dst: &Addr, ignflags: u32, ev: &mut Events<'_>) -> Resolved {
        self.make_room(ev, GWROUTE_EVENTS);
        let mut writer = self.writer.lock();
        // Not a use of its own: the caller's lookup counted it.
        let parent = {
            let g = RcuGuard::new();
            self.lookup_rcu(dst, &g)
                .and_then(PathRef::to_arc)
                .map(RtRef::from_arc)
        };
        let Some(parent) = parent else {
            return Resolved::Nothing;
        };
        let flags = parent.entry().lock_state().flags();
        // A parent whose clones a request is deleting, in batches, answers
        // for itself meanwhile.
        if !would_clone(parent.entry(), flags, ignflags) || parent.entry().clones_closed() {
            return Resolved::Found(parent);
        }
        let mut made = NewClones::new();
        let resolved = match self.clone_chain(dst, parent, &mut writer, 0, &mut made, ev) {
            Ok(clone) => Resolved::Found(clone),
            Err((err, parent)) => Resolved::Failed(err, parent),
        };
        drop(writer);
        made.call_hooks(self);
        resolved
    }

    /// FreeBSD's `rt_check(&rt, &rt0, dst)` for a layer-2 output path:
    /// `rt0` is the caller's referenced route to `dst`; if it left its table,
    /// `dst` is looked up again with `report` and the caller's reference
    /// moves to the new route (FreeBSD leaves `*lrt0` unreferenced). For a
    /// route through a router, its `rt_gwroute` is refreshed with
    /// `rtalloc1(gateway, 1, 0)` when missing or down. Returns the route to
    /// the next hop (`rt_gwroute`, or `rt0` itself), locked and referenced;
    /// `EHOSTUNREACH` when a lookup finds nothing, and for an
    /// `RTF_REJECT` next hop whose deadline has not passed `EHOSTDOWN` (the
    /// route itself) or `EHOSTUNREACH` (its router's). May sleep when it
    /// looks up.
    pub(crate) fn rt_check(
        &self,
        rt0: &mut RtRef,
        dst: &Addr,
        ev: &mut Events<'_>,
    ) -> Result<RtLocked, TableError> {
        if !rt0.entry().is_up() {
            let found = self
                .rtalloc1(dst, true, 0, ev)
                .ok_or(TableError::Unreachable)?;
            *rt0 = found.unlock();
        }
        let (gateway, flags, gwroute) = {
            let s = rt0.entry().lock_state();
            (
                s.gateway(),
                s.flags(),
                s.gwroute.as_ref().map(RtRef::addref),
            )
        };
        let next_hop = if flags & RTF_GATEWAY == 0 {
            rt0.addref()
        } else {
            match gwroute.filter(|gw| gw.entry().is_up()) {
                Some(gw) => gw,
                None => self.refresh_gwroute(rt0, &gateway, ev)?,
            }
        };
        let mut next_hop = next_hop.lock();
        let rejects = {
            let now = self.clock.boot_ns();
            next_hop.flags() & RTF_REJECT != 0
                && next_hop.state().expires().is_none_or(|e| now < e.boot_ns)
        };
        if rejects {
            let itself = core::ptr::eq(rt0.entry(), next_hop.entry());
            return Err(if itself {
                TableError::HostDown
            } else {
                TableError::Unreachable
            });
        }
        Ok(next_hop)
    }

    /// `rt_check`'s lookup of `rt0`'s router, whose `rt_gwroute` is missing
    /// or down: the result replaces it, unless `rt0` left its table
    /// meanwhile (its reference was released then, and is not taken again)
    /// or another `rt_check` refreshed it first.
    fn refresh_gwroute(
        &self,
        rt0: &RtRef,
        gateway: &Addr,
        ev: &mut Events<'_>,
    ) -> Result<RtRef, TableError> {
        let found = self.rtalloc1(gateway, true, 0, ev).map(RtLocked::unlock);
        let replaced = {
            let mut s = rt0.entry().lock_state();
            let fresh = s.gwroute.as_ref().is_some_and(|gw| gw.entry().is_up());
            if rt0.entry().is_up() && !fresh {
                core::mem::replace(&mut s.gwroute, found.as_ref().map(RtRef::addref))
            } else {
                None
            }
        };
        drop(replaced);
        found.ok_or(TableError::Unreachable)
    }
}
