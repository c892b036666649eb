// SPDX-License-Identifier: GPL-2.0

//! FreeBSD's `rt_gwroute`: a route through a router holds the route its
//! lookup of the router found (`rt_setgate` -> `rtalloc1(gate, 1, 0)`), so a
//! cloning match clones a host route for the router and a miss is reported;
//! `rt_check` (`lookup`) refreshes it when it is missing or down. This is
//! also where RTM_RESOLVE makes clones and calls the resolve hook for them:
//! a clone looks its own router up in turn, so one lookup can make a chain
//! of clones, which is made here without recursion and stops at
//! [`MAX_GWROUTE_DEPTH`] lookups.

use kernel::{prelude::*, sync::atomic::Relaxed};

use super::{lifetimes::clone_due, via_itself, RouteTable, TableError};
use crate::{
    addr::{Addr, Prefix},
    entry::{clone_flags, clones, flags::*, RouteInfo, RtEntry, RtLocked, RtRef, RtState},
    event::{DeleteReason, Event, Events},
    table::WriterState,
};

/// The most router lookups one request nests. FreeBSD's `rt_setgate` ->
/// `rtalloc1` -> `rtrequest1(RTM_RESOLVE)` -> `rt_setgate` has no bound
/// ("bottomless mutual recursion", its own comment) when cloning routes
/// reach each other's routers; here the innermost clone then fails with
/// `ELOOP`, reported as a miss, and its parent is the router's route.
pub(crate) const MAX_GWROUTE_DEPTH: u32 = 8;

/// Clones one chain can make: one per lookup, and the first.
const CHAIN_MAX: usize = MAX_GWROUTE_DEPTH as usize + 1;

/// The events a chain of router lookups may record: a clone and a miss per
/// lookup. Made room for before the writer lock is taken.
pub(super) const GWROUTE_EVENTS: usize = 2 * CHAIN_MAX;

/// A hook called for each new clone that is not `RTF_XRESOLVE` (FreeBSD's
/// `ifa_rtrequest(RTM_RESOLVE, ...)`), with no lock held. It gets a
/// [`Lookup`], which can only look up without `report`, so it cannot clone
/// again and recurse.
pub(crate) type ResolveHook = fn(&Lookup<'_>, &RtRef);

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

/// Clones made under the writer lock whose resolve hook (FreeBSD's
/// `ifa_rtrequest(RTM_RESOLVE, ...)`) is called once the lock is let go.
pub(super) struct NewClones {
    made: [Option<RtRef>; CHAIN_MAX],
}

impl NewClones {
    pub(super) fn new() -> Self {
        Self {
            made: [const { None }; CHAIN_MAX],
        }
    }

    fn push(&mut self, rt: RtRef) {
        // One chain makes at most `CHAIN_MAX` clones, and a request one
        // chain: a hook would go uncalled only through a bug, reported.
        match self.made.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(rt),
            None => {
                kernel::warn_on!(true);
            }
        }
    }

    /// Calls the resolve hook for each clone, with no lock held.
    pub(super) fn call_hooks(mut self, table: &RouteTable) {
        let Some(hook) = table.hooks.resolve else {
            return;
        };
        for rt in self.made.iter_mut().filter_map(Option::take) {
            hook(&Lookup { table }, &rt);
        }
    }
}

/// A match of a router's lookup, and whether a lookup with `report` clones
/// from it.
struct GatewayMatch {
    rt: RtRef,
    clones: bool,
}

impl RouteTable {
    /// The longest match for `dst`, referenced, under the writer lock: a
    /// parent whose clones a request is deleting in batches answers for
    /// itself.
    fn gateway_match(&self, dst: &Addr) -> Option<GatewayMatch> {
        let mut rt = self.lookup_locked(dst)?;
        let flags = rt.flags();
        let clones = would_clone(rt.entry(), flags, 0) && !rt.state().clones_closed();
        Some(GatewayMatch {
            rt: rt.unlock(),
            clones,
        })
    }

    /// `rt_setgate`'s lookup of the router `gate` of a route added or
    /// changed, `rtalloc1(gate, 1, 0)`, under the writer lock: the route it
    /// returns, referenced, for `rt_gwroute`. A cloning match clones a host
    /// route for `gate` (with its own router looked up in turn); a clone that
    /// fails leaves the match itself and a miss with its errno; no match is
    /// a miss.
    pub(super) fn gwroute_lookup(
        &self,
        gate: &Addr,
        writer: &mut WriterState,
        made: &mut NewClones,
        ev: &mut Events<'_>,
    ) -> Option<RtRef> {
        let Some(m) = self.gateway_match(gate) else {
            self.unreach.fetch_add(1, Relaxed);
            self.miss(gate, None, ev);
            return None;
        };
        if !m.clones {
            return Some(m.rt);
        }
        // The route's own lookup was the first.
        match self.clone_chain(gate, m.rt, writer, 1, made, ev) {
            Ok(clone) => Some(clone),
            Err((err, parent)) => {
                self.miss(gate, Some(err.into()), ev);
                Some(parent)
            }
        }
    }

    /// RTM_RESOLVE: clones a host route for `dst` from `parent`, which is in
    /// the table and clones, under the writer lock; `depth` router lookups
    /// enclose this one. The clone goes through its parent's router, which
    /// it looks up with `report` (`rt_setgate`), and that may clone again:
    /// the chain is planned from the outermost clone inwards (every lookup
    /// sees the table as it was, as FreeBSD's nested calls do), then made
    /// from the innermost out, each clone's `rt_gwroute` the next one.
    /// Returns the clone, or the error and `parent`.
    pub(super) fn clone_chain(
        &self,
        dst: &Addr,
        parent: RtRef,
        writer: &mut WriterState,
        depth: u32,
        made: &mut NewClones,
        ev: &mut Events<'_>,
    ) -> Result<RtRef, (TableError, RtRef)> {
        // The clones to make: links[i] is for the router links[i - 1]'s
        // lookup matched.
        let mut links: [Option<(Addr, RtRef)>; CHAIN_MAX] = [const { None }; CHAIN_MAX];
        links[0] = Some((*dst, parent));
        let mut n = 1;
        // What the innermost clone's own router lookup found.
        let innermost: Result<Option<RtRef>, TableError> = loop {
            let Some((link_dst, link_parent)) = &links[n - 1] else {
                unreachable!()
            };
            let (pflags, gateway) = {
                let s = link_parent.entry().lock_state();
                (s.flags(), s.gateway())
            };
            // rt_setgate: a host route through itself, before any lookup.
            if via_itself(&Prefix::host(*link_dst), &gateway) {
                break Err(TableError::ViaItself);
            }
            if clone_flags(pflags) & RTF_GATEWAY == 0 {
                break Ok(None);
            }
            if depth + (n as u32 - 1) >= MAX_GWROUTE_DEPTH {
                break Err(TableError::GatewayLoop);
            }
            match self.gateway_match(&gateway) {
                None => {
                    self.unreach.fetch_add(1, Relaxed);
                    self.miss(&gateway, None, ev);
                    break Ok(None);
                }
                Some(m) if !m.clones => break Ok(Some(m.rt)),
                Some(m) => {
                    links[n] = Some((gateway, m.rt));
                    n += 1;
                }
            }
        };
        let mut gwroute = innermost;
        for i in (0..n).rev() {
            let Some((link_dst, link_parent)) = links[i].take() else {
                unreachable!()
            };
            let made_clone = gwroute
                .and_then(|gw| self.make_clone(&link_dst, &link_parent, gw, writer, made, ev));
            if i == 0 {
                return made_clone.map_err(|err| (err, link_parent));
            }
            // What links[i - 1]'s lookup of its router returns: the clone,
            // or, if cloning failed, the match itself, with a miss.
            gwroute = Ok(Some(match made_clone {
                Ok(clone) => clone,
                Err(err) => {
                    self.miss(&link_dst, Some(err.into()), ev);
                    link_parent
                }
            }));
        }
        unreachable!()
    }

    /// `rtrequest1(RTM_RESOLVE)`'s `makeroute` for one clone: a host route
    /// for `dst` from `parent` (in the table), whose router's lookup found
    /// `gwroute`, under the writer lock. A clone already at `dst` (only a
    /// loop of routers makes one) is replaced, as `makeroute` replaces one;
    /// any other route there is `EEXIST`.
    fn make_clone(
        &self,
        dst: &Addr,
        parent: &RtRef,
        gwroute: Option<RtRef>,
        writer: &mut WriterState,
        made: &mut NewClones,
        ev: &mut Events<'_>,
    ) -> Result<RtRef, TableError> {
        let now = self.clock.boot_ns();
        let (pflags, gateway, preferred, expires) = {
            let state = parent.entry().lock_state();
            (
                state.flags(),
                state.gateway(),
                state.preferred(),
                state.expires(),
            )
        };
        let prefix = Prefix::host(*dst);
        let mut in_the_way = None;
        for path in self.get_exact(&prefix)? {
            if !path.is_clone() {
                return Err(TableError::PathExists);
            }
            in_the_way = Some(path);
        }
        let freed = u32::from(in_the_way.is_some());
        if self.total_routes() - freed >= self.limits.routes {
            return Err(TableError::Full);
        }
        let mut flags = clone_flags(pflags);
        // Deprecated from birth when the inherited preferred-until passed,
        // as an add would make it, so no deprecate event follows the clone.
        if preferred.is_some_and(|p| p.boot_ns <= now) {
            flags |= RTF_DEPRECATED;
        }
        let state = RtState::new(flags, preferred, expires)?;
        let due = clone_due(flags, &state, now);
        let rt = RtEntry::new(
            prefix,
            gateway,
            flags,
            state,
            Some(parent),
            self.counters.clone(),
            now,
        )?;
        let room = writer.timed.reserve_one(&self.timed_rooms)?;
        self.insert_path(&rt, &[])?;
        if let Some(old) = in_the_way {
            self.unlink(&old, writer, Some(DeleteReason::Replaced), ev);
        }
        writer.timed.track(&rt, due, room);
        self.clones.fetch_add(1, Relaxed);
        // Cannot fail: the parent's list was open when the lookup found it,
        // under this hold of the writer lock, which its closing takes.
        let linked = parent.entry().link_clone(&rt);
        kernel::warn_on!(!linked);
        // Set once the entry is in the table, so that a failure above
        // releases the reference at once, not when the entry's memory goes.
        rt.lock_state().gwroute = gwroute;

        // The snapshot comes before our reference, which is not the user's.
        let info = RouteInfo::of_unlocked(&rt);
        let clone = RtRef::new(&rt);
        if flags & RTF_XRESOLVE != 0 {
            self.resolves.fetch_add(1, Relaxed);
            self.push_route(ev, Event::Resolve(info), &rt);
        } else {
            self.push_route(ev, Event::Add(info), &rt);
            made.push(clone.addref());
        }
        Ok(clone)
    }
}

/// Whether a lookup with `report` that matches `rt` (with `flags`) clones
/// from it; a host route has nothing to clone: it is the answer.
pub(super) fn would_clone(rt: &RtEntry, flags: u32, ignflags: u32) -> bool {
    clones(flags, ignflags) && !rt.prefix().is_host()
}
