// SPDX-License-Identifier: GPL-2.0

//! FreeBSD's lookups: `rtalloc1`, `rtalloc_ign` and `rtalloc`, and the
//! clone a lookup with `report` makes from an `RTF_CLONING` match
//! (RTM_RESOLVE).

use kernel::{
    prelude::*,
    sync::{
        atomic::Relaxed,
        lock::{mutex::MutexBackend, Guard},
    },
};

use super::{
    lifetimes::clone_due, paths::PathRef, via_itself, RouteTable, TableError, WriterState,
};
use crate::{
    addr::{Addr, Prefix},
    entry::{clone_flags, clones, flags::*, RouteInfo, RtEntry, RtLocked, RtRef, RtState},
    event::{Event, Events},
    platform::RcuGuard,
};

/// A hook called for each new clone that is not `RTF_XRESOLVE` (FreeBSD's
/// `ifa_rtrequest(RTM_RESOLVE, ...)`), with no lock held. It gets a
/// [`Lookup`], which can only look up without `report`, so it cannot clone
/// again and recurse.
pub(crate) type ResolveHook = fn(&Lookup<'_>, &RtRef);

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

/// Lookups without `report` for the resolve hook.
#[allow(
    dead_code,
    reason = "the in-kernel resolve hook (FreeBSD's ifa_rtrequest); the KUnit suite installs one"
)]
pub(crate) struct Lookup<'t> {
    table: &'t RouteTable,
}

impl Lookup<'_> {
    /// `rtalloc1(dst, 0, 0)`.
    #[allow(
        dead_code,
        reason = "the in-kernel resolve hook (FreeBSD's ifa_rtrequest); the KUnit suite installs one"
    )]
    pub(crate) fn rtalloc1(&self, dst: &Addr) -> Option<RtLocked> {
        self.table.lookup_locked(dst)
    }
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
    /// The longest match for `dst`, referenced and locked, its use
    /// counted. A match that leaves the table meanwhile, held by nothing, is
    /// a miss.
    pub(super) fn lookup_locked(&self, dst: &Addr) -> Option<RtLocked> {
        let rt = {
            let g = RcuGuard::new();
            self.lookup_rcu(dst, &g)?.to_arc()?
        };
        let mut rt = RtRef::from_arc(rt).lock();
        rt.note_use();
        Some(rt)
    }

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

    pub(super) fn miss(&self, dst: &Addr, err: Option<Error>, ev: &mut Events<'_>) {
        self.misses.fetch_add(1, Relaxed);
        ev.push(Event::Miss { dst: *dst, err });
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
    /// seen; then clones from the match if it still clones.
    pub(super) fn resolve(&self, dst: &Addr, ignflags: u32, ev: &mut Events<'_>) -> Resolved {
        let writer = self.writer.lock();
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
        let flags = parent.entry().lock_state().flags;
        // A parent whose clones a request is deleting, in batches, answers
        // for itself meanwhile.
        if !would_clone(parent.entry(), flags, ignflags) || parent.entry().clones_closed() {
            return Resolved::Found(parent);
        }
        match self.clone_route(dst, &parent, writer, ev) {
            Ok(clone) => Resolved::Found(clone),
            Err(err) => Resolved::Failed(err, parent),
        }
    }

    /// Clones a host route for `dst` from `parent`, which is in the table
    /// (RTM_RESOLVE); `writer` is held since `parent` was looked up.
    pub(super) fn clone_route(
        &self,
        dst: &Addr,
        parent: &RtRef,
        mut writer: Guard<'_, WriterState, MutexBackend>,
        ev: &mut Events<'_>,
    ) -> Result<RtRef, TableError> {
        let now = self.clock.boot_ns();
        let (pflags, gateway, preferred, expires) = {
            let state = parent.entry().lock_state();
            (
                state.flags | if parent.entry().is_up() { RTF_UP } else { 0 },
                state.gateway,
                state.preferred(),
                state.expires(),
            )
        };
        let prefix = Prefix::host(*dst);
        // rt_setgate, which RTM_RESOLVE goes through too: the parent's
        // router itself cannot be cloned through it.
        if via_itself(&prefix, &gateway) {
            return Err(TableError::ViaItself);
        }
        if self.total_routes() >= self.limits.routes {
            return Err(TableError::Full);
        }
        let mut flags = clone_flags(pflags);
        // Deprecated from birth when the inherited preferred-until passed,
        // as an add would make it, so no deprecate event follows the clone.
        if preferred.is_some_and(|p| p.boot_ns <= now) {
            flags |= RTF_DEPRECATED;
        }
        let state = RtState::new(gateway, flags, preferred, expires)?;
        let due = clone_due(&state, now);
        let rt = RtEntry::new(prefix, state, Some(parent), self.counters.clone(), now)?;
        let room = writer.timed.reserve_one(&self.timed_rooms)?;
        self.insert_path(&rt, &[])?;
        writer.timed.track(&rt, due, room);
        self.clones.fetch_add(1, Relaxed);
        // Cannot fail: the list was open under this hold of the writer lock,
        // which its closing takes.
        let linked = parent.entry().link_clone(&rt);
        kernel::warn_on!(!linked);
        drop(writer);

        // The snapshot comes before our reference, which is not the user's.
        let info = RouteInfo::of_unlocked(&rt);
        let clone = RtRef::new(&rt);
        if flags & RTF_XRESOLVE != 0 {
            self.resolves.fetch_add(1, Relaxed);
            self.push_route(ev, Event::Resolve(info), &rt);
        } else {
            self.push_route(ev, Event::Add(info), &rt);
            if let Some(hook) = self.hooks.resolve {
                hook(&Lookup { table: self }, &clone);
            }
        }
        Ok(clone)
    }
}

/// Whether a lookup with `report` that matches `rt` (with `flags`) clones
/// from it; a host route has nothing to clone: it is the answer.
pub(super) fn would_clone(rt: &RtEntry, flags: u32, ignflags: u32) -> bool {
    clones(flags, ignflags) && !rt.prefix().is_host()
}
