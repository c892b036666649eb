// SPDX-License-Identifier: GPL-2.0

//! FreeBSD's lookups: `rtalloc1`, `rtalloc_ign` and `rtalloc`, and the
//! clone a lookup with `report` makes from an `RTF_CLONING` match
//! (RTM_RESOLVE).

use kernel::{prelude::*, sync::atomic::Relaxed};

use super::{
    gwroute::{NewClones, GWROUTE_EVENTS},
    paths::PathRef,
    RouteTable, TableError,
};
use crate::{
    addr::Addr,
    entry::{clones, RtEntry, RtLocked, RtRef},
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
    pub(super) table: &'t RouteTable,
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
        let flags = parent.entry().lock_state().flags;
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
}

/// Whether a lookup with `report` that matches `rt` (with `flags`) clones
/// from it; a host route has nothing to clone: it is the answer.
pub(super) fn would_clone(rt: &RtEntry, flags: u32, ignflags: u32) -> bool {
    clones(flags, ignflags) && !rt.prefix().is_host()
}
