// SPDX-License-Identifier: GPL-2.0-only

//! A reference model of rtemu's route table, written from the README's
//! "Semantics" section and the spec, as simply as possible: an ordered map
//! from prefix to its paths, a linear longest-prefix match, entries that
//! outlive their deletion while held. Each operation also yields the events
//! the module multicasts for it.
//!
//! A clone points at its cloning parent without a reference, as in FreeBSD
//! 7's `rtfree` ("rt->rt_parent = NULL; /* NB: no refcnt on parent */"): an
//! entry's refcnt counts its holders only, and a deleted entry is freed (and
//! leaves the trash) the moment its last holder releases it, whatever clones
//! still point at it.
//!
//! Time moves in ticks: [`Op::Wait`] passes them, and the deadlines they
//! pass take effect then (a route past its `expires-at` is deleted, one past
//! its `preferred-until` deprecated). Absolute lifetimes are either long past
//! or decades ahead, so they never pass during a sequence. Idle clones are
//! never collected here: the module's `clone_idle_secs` is an hour.

use std::collections::BTreeMap;
use std::net::IpAddr;

use rtemu::proto::route_flags::*;
use rtemu::Family;

use crate::op::{fam, AddReq, ChangeReq, EventView, Op, Reply, RouteView, StatsView, Time};

pub const ENOENT: i32 = 2;
pub const ESRCH: i32 = 3;
pub const EEXIST: i32 = 17;
pub const EINVAL: i32 = 22;
pub const ENOSPC: i32 = 28;
pub const ERANGE: i32 = 34;
pub const ELOOP: i32 = 40;
pub const EOVERFLOW: i32 = 75;
pub const EADDRINUSE: i32 = 98;
pub const EADDRNOTAVAIL: i32 = 99;
pub const ENETUNREACH: i32 = 101;

/// The flags a route-add may set.
pub const USER_FLAGS: u32 = CLONING | XRESOLVE | STATIC | REJECT | BLACKHOLE | PRCLONING;

/// The flags a route-change may set: FreeBSD's RTF_FMASK (route.h) within
/// rtemu's. rtemu refuses the others (FreeBSD ignores them).
pub const FMASK: u32 = STATIC | REJECT | BLACKHOLE;

/// The most router lookups one request nests (the module's
/// `MAX_GWROUTE_DEPTH`): the clone whose lookup would be one more fails with
/// `ELOOP`.
pub const MAX_GWROUTE_DEPTH: u32 = 8;

/// Absolute lifetimes at or below this are in the past (the fuzzer uses
/// either tiny values or values decades ahead).
pub const NOW_NS: u64 = 2_000_000_000_000_000_000;

type Prefix = (IpAddr, u8);
type Id = u64;

#[derive(Debug, Clone)]
struct Entry {
    dst: IpAddr,
    plen: u8,
    via: IpAddr,
    flags: u32,
    preferred: Option<Time>,
    expires: Option<Time>,
    /// A clone's cloning parent, pointed at without a reference (FreeBSD 7
    /// `rtfree`: "no refcnt on parent"); it may be freed before the clone.
    parent: Option<Id>,
    parent_prefix: Option<Prefix>,
    /// References taken by route-hold.
    holds: u32,
    /// `rt_gwroute`: the route the lookup of `via` found when it was set,
    /// referenced until this entry leaves the table.
    gwroute: Option<Id>,
    /// In the table (else deleted, kept while held: rttrash).
    in_table: bool,
    /// When the module's lifetime work began to track it (it has or had
    /// lifetimes, or is a clone): the order in which that work visits.
    timed: Option<u64>,
}

/// Why an entry leaves the table, as its event tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gone {
    Removed,
    Replaced,
    ParentDeleted,
    Expired,
    /// route.c rt_fixchange: a clone inside an added route, or a route
    /// given a router, whose parent is no more specific.
    Superseded,
    /// route.c rt_setgate -> rt_fixchange: the parent got a router.
    ParentChanged,
}

/// The table of one namespace.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Prefix -> its paths, in insertion order (in-table entries only).
    table: BTreeMap<Prefix, Vec<Id>>,
    /// Every entry not yet freed, in the table or in the trash.
    entries: BTreeMap<Id, Entry>,
    next_id: Id,
    /// Hold id (from the op) -> held entry.
    holds: BTreeMap<u32, Id>,
    misses: u64,
    resolves: u64,
    /// `max_routes`, when the module was loaded with one.
    pub max_routes: Option<usize>,
    /// The last tick passed.
    tick: u32,
    /// Where the next entry the lifetime work tracks goes in its order.
    next_timed: u64,
    /// Events of the current operation.
    events: Vec<EventView>,
}

fn width(a: &IpAddr) -> u8 {
    match a {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn bits(a: &IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u32::from(*v) as u128,
        IpAddr::V6(v) => u128::from(*v),
    }
}

/// Does `a` have `family`?
fn is(family: Family, a: &IpAddr) -> bool {
    Family::of(a) == family
}

/// The top `plen` bits of `a`.
fn top(a: &IpAddr, plen: u8) -> u128 {
    if plen == 0 {
        0
    } else {
        bits(a) >> (width(a) - plen)
    }
}

/// Does prefix `dst/plen` contain `a` (of the same family)?
fn contains(dst: &IpAddr, plen: u8, a: &IpAddr) -> bool {
    Family::of(dst) == Family::of(a) && top(dst, plen) == top(a, plen)
}

/// Are bits beyond `plen` set in `dst`?
fn host_bits_set(dst: &IpAddr, plen: u8) -> bool {
    let host = width(dst) - plen;
    let low = if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    bits(dst) & low != 0
}

fn unspecified(a: &IpAddr) -> bool {
    a.is_unspecified()
}

/// The errno of an invalid prefix of `family`, if it is one. The policy
/// (max 128) is checked by netlink before rtemu sees the request: ERANGE.
fn check_prefix(family: Family, dst: &IpAddr, plen: u8) -> Result<(), i32> {
    if plen > 128 {
        return Err(ERANGE);
    }
    if !is(family, dst) || plen > width(dst) || host_bits_set(dst, plen) {
        return Err(EINVAL);
    }
    Ok(())
}

fn check_addr(family: Family, a: Option<&IpAddr>) -> Result<(), i32> {
    match a {
        Some(a) if !is(family, a) => Err(EINVAL),
        _ => Ok(()),
    }
}

fn check_flags(flags: Option<u32>, allowed: u32) -> Result<(), i32> {
    match flags {
        Some(f) if f & !allowed != 0 => Err(EINVAL),
        _ => Ok(()),
    }
}

/// Where `t` falls among all lifetimes: the past, then the ticks, then
/// decades ahead (and beyond `S64_MAX`).
fn order(t: Time) -> (u8, u64) {
    match t {
        Time::Abs(ns) if ns <= NOW_NS => (0, ns),
        Time::Tick(n) => (1, n.into()),
        Time::Abs(ns) => (2, ns),
    }
}

/// route.c rt_setgate: a host route whose router is its own destination
/// (EADDRNOTAVAIL).
fn via_itself(dst: &IpAddr, plen: u8, via: &IpAddr) -> bool {
    plen == width(dst) && !unspecified(via) && via == dst
}

fn gateway(via: &IpAddr) -> u32 {
    if unspecified(via) {
        0
    } else {
        GATEWAY
    }
}

impl Model {
    pub fn new() -> Model {
        Model::default()
    }

    /// A table that refuses routes beyond `max` (module parameter max_routes).
    pub fn with_max_routes(max: usize) -> Model {
        Model {
            max_routes: Some(max),
            ..Model::default()
        }
    }

    /// Apply one operation, as the module would.
    pub fn apply(&mut self, op: &Op) -> Reply {
        let r = match op {
            Op::Add(r) => self.add(r),
            Op::RemovePrefix {
                family,
                dst,
                plen,
                via,
            } => self.remove_prefix(*family, dst, *plen, via.as_ref()),
            Op::RemoveAddr { family, addr } => self.remove_addr(*family, addr),
            Op::Clear { family } => Ok(self.clear(*family)),
            Op::Get {
                family,
                addr,
                report,
                ignflags,
            } => self.get(*family, addr, *report, ignflags.unwrap_or(0)),
            Op::Change(r) => self.change(r),
            Op::Hold { id, family, addr } => self.hold(*id, *family, addr),
            Op::Release { id } => self.release(*id),
            Op::Stats => Ok(Reply::Stats(self.stats())),
            Op::List => Ok(Reply::List(self.list())),
            Op::Wait { tick } => {
                self.wait(*tick);
                Ok(Reply::Ok)
            }
        };
        self.collect();
        r.unwrap_or_else(Reply::Err)
    }

    /// The events of the operations since the last call, in a canonical
    /// order (the module's own order within one operation is not part of
    /// its contract).
    pub fn take_events(&mut self) -> Vec<EventView> {
        let mut events = std::mem::take(&mut self.events);
        events.sort();
        events
    }

    // ------------------------------------------------------------ helpers

    /// References on an entry: its holds, and the routes whose
    /// `rt_gwroute` it is. Clones take none on their parent (FreeBSD 7
    /// `rtfree`: "no refcnt on parent").
    fn refcnt(&self, id: Id) -> u32 {
        let gw = self
            .entries
            .values()
            .filter(|e| e.gwroute == Some(id))
            .count() as u32;
        self.entries[&id].holds + gw
    }

    /// Free the deleted entries nobody references, at once: the module
    /// frees them when the last reference goes, and no clone keeps its
    /// parent. A freed entry held no `rt_gwroute` (it left the table), so
    /// one pass does.
    fn collect(&mut self) {
        let keep: Vec<Id> = self
            .entries
            .iter()
            .filter(|(id, e)| e.in_table || self.refcnt(**id) > 0)
            .map(|(id, _)| *id)
            .collect();
        self.entries.retain(|id, _| keep.contains(id));
    }

    fn view(&self, id: Id) -> RouteView {
        let e = &self.entries[&id];
        RouteView {
            dst: e.dst,
            plen: e.plen,
            via: e.via,
            flags: e.flags,
            refcnt: self.refcnt(id),
            parent: e.parent_prefix,
            preferred: e.preferred,
            expires: e.expires,
        }
    }

    /// Has `t` passed?
    fn passed(&self, t: Time) -> bool {
        match t {
            Time::Abs(ns) => ns <= NOW_NS,
            Time::Tick(n) => n <= self.tick,
        }
    }

    /// A request's lifetimes: beyond `S64_MAX` is EOVERFLOW; expires-at
    /// passed, or preferred-until after expires-at, is EINVAL.
    fn check_lifetimes(&self, preferred: Option<Time>, expires: Option<Time>) -> Result<(), i32> {
        for t in [preferred, expires].into_iter().flatten() {
            if matches!(t, Time::Abs(ns) if ns > i64::MAX as u64) {
                return Err(EOVERFLOW);
            }
        }
        if expires.is_some_and(|e| self.passed(e)) {
            return Err(EINVAL);
        }
        if let (Some(p), Some(e)) = (preferred, expires) {
            if order(p) > order(e) {
                return Err(EINVAL);
            }
        }
        Ok(())
    }

    /// RTF_DEPRECATED for a route preferred until `preferred`.
    fn deprecated(&self, preferred: Option<Time>) -> u32 {
        match preferred {
            Some(p) if self.passed(p) => DEPRECATED,
            _ => 0,
        }
    }

    /// An entry as its events show it: no refcnt, RTF_UP while in the table.
    fn event_route(&self, id: Id) -> RouteView {
        let mut v = self.view(id);
        v.refcnt = 0;
        if !self.entries[&id].in_table {
            v.flags &= !UP;
        }
        v
    }

    /// The lifetime work tracks `id` from now on (if not already).
    fn track(&mut self, id: Id) {
        let e = self.entries.get_mut(&id).unwrap();
        if e.timed.is_none() {
            e.timed = Some(self.next_timed);
            self.next_timed += 1;
        }
    }

    fn in_table(&self) -> usize {
        self.table.values().map(Vec::len).sum()
    }

    /// Longest-prefix match, linear: the longest prefix containing `a`, and
    /// of its paths the first not deprecated, else the first.
    fn lookup(&self, a: &IpAddr) -> Option<Id> {
        let (_, paths) = self
            .table
            .iter()
            .filter(|((dst, plen), paths)| !paths.is_empty() && contains(dst, *plen, a))
            .max_by_key(|((_, plen), _)| *plen)?;
        paths
            .iter()
            .find(|p| self.entries[p].flags & DEPRECATED == 0)
            .or(paths.first())
            .copied()
    }

    /// Take `id` out of the table, and its clones with it (route.c
    /// rt_fixdelete; RTM_CHANGE cannot clear RTF_CLONING, so a route with
    /// clones is still cloning). `why` is `None` for a clear, which sends
    /// one event for all.
    fn delete(&mut self, id: Id, why: Option<Gone>) {
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        if !e.in_table {
            return;
        }
        e.in_table = false;
        // Its rt_gwroute reference goes as it leaves (route.c).
        e.gwroute = None;
        let key = (e.dst, e.plen);
        if let Some(paths) = self.table.get_mut(&key) {
            paths.retain(|p| *p != id);
            if paths.is_empty() {
                self.table.remove(&key);
            }
        }
        if let Some(why) = why {
            let route = self.event_route(id);
            self.events.push(match why {
                Gone::Expired => EventView::Expire(route),
                Gone::Removed => EventView::Delete(route, "removed".into()),
                Gone::Replaced => EventView::Delete(route, "replaced".into()),
                Gone::ParentDeleted => EventView::Delete(route, "parent-deleted".into()),
                Gone::Superseded => EventView::Delete(route, "superseded".into()),
                Gone::ParentChanged => EventView::Delete(route, "parent-changed".into()),
            });
        }
        let clones: Vec<Id> = self
            .entries
            .iter()
            .filter(|(_, c)| c.parent == Some(id) && c.in_table)
            .map(|(cid, _)| *cid)
            .collect();
        for c in clones {
            self.delete(c, why.map(|_| Gone::ParentDeleted));
        }
    }

    /// route.c rt_fixchange over `rt0`, a network route just added or
    /// given a router: the clones in the table inside `rt0` whose parent is
    /// `rt0`, or no more specific than `rt0`, are deleted.
    fn fixchange(&mut self, rt0: Id) {
        let (d0, p0) = (self.entries[&rt0].dst, self.entries[&rt0].plen);
        if p0 == width(&d0) {
            return;
        }
        let victims: Vec<(Id, Gone)> = self
            .entries
            .iter()
            .filter(|(_, c)| c.in_table && contains(&d0, p0, &c.dst))
            .filter_map(|(id, c)| match (c.parent, c.parent_prefix) {
                (Some(p), _) if p == rt0 => Some((*id, Gone::ParentChanged)),
                (Some(_), Some((_, plen))) if plen <= p0 => Some((*id, Gone::Superseded)),
                _ => None,
            })
            .collect();
        for (id, why) in victims {
            self.delete(id, Some(why));
        }
    }

    fn insert(&mut self, e: Entry) -> Id {
        let id = self.next_id;
        self.next_id += 1;
        self.table.entry((e.dst, e.plen)).or_default().push(id);
        self.entries.insert(id, e);
        id
    }

    // --------------------------------------------------------- operations

    fn add(&mut self, r: &AddReq) -> Result<Reply, i32> {
        let AddReq {
            family,
            ref dst,
            plen,
            ref via,
            flags,
            preferred,
            expires,
        } = *r;
        check_prefix(family, dst, plen)?;
        check_addr(family, Some(via))?;
        check_flags(Some(flags), USER_FLAGS)?;
        self.check_lifetimes(preferred, expires)?;
        if via_itself(dst, plen, via) {
            return Err(EADDRNOTAVAIL);
        }
        // The router is looked up with report first, whatever the add's
        // fate (route.c rt_setgate, in rtrequest1's makeroute).
        let gwroute = if unspecified(via) {
            None
        } else {
            self.router_lookup(via, 0)?
        };
        let paths = self.table.get(&(*dst, plen)).cloned().unwrap_or_default();
        if paths
            .iter()
            .any(|p| self.entries[p].via == *via && self.entries[p].parent.is_none())
        {
            return Err(EEXIST);
        }
        // An add over a clone replaces it.
        let clones: Vec<Id> = paths
            .into_iter()
            .filter(|p| self.entries[p].parent.is_some())
            .collect();
        if self
            .max_routes
            .is_some_and(|m| self.in_table() - clones.len() >= m)
        {
            return Err(ENOSPC);
        }
        for c in clones {
            self.delete(c, Some(Gone::Replaced));
        }
        // route.c rtrequest1: a host route has nothing to clone.
        let (host, flags) = if plen == width(dst) {
            (HOST, flags & !CLONING)
        } else {
            (0, flags)
        };
        let id = self.insert(Entry {
            dst: *dst,
            plen,
            via: *via,
            flags: UP | gateway(via) | host | self.deprecated(preferred) | flags,
            preferred,
            expires,
            parent: None,
            parent_prefix: None,
            holds: 0,
            gwroute,
            in_table: true,
            timed: None,
        });
        if preferred.is_some() || expires.is_some() {
            self.track(id);
        }
        self.fixchange(id);
        self.events.push(EventView::Add(self.event_route(id)));
        Ok(Reply::Ok)
    }

    fn remove_prefix(
        &mut self,
        family: Family,
        dst: &IpAddr,
        plen: u8,
        via: Option<&IpAddr>,
    ) -> Result<Reply, i32> {
        check_prefix(family, dst, plen)?;
        check_addr(family, via)?;
        let victims: Vec<Id> = self
            .table
            .get(&(*dst, plen))
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| via.is_none_or(|v| self.entries[p].via == *v))
            .collect();
        self.delete_all(victims)
    }

    fn remove_addr(&mut self, family: Family, addr: &IpAddr) -> Result<Reply, i32> {
        check_addr(family, Some(addr))?;
        let host = (*addr, width(addr));
        let victims: Vec<Id> = self
            .table
            .iter()
            .flat_map(|(k, paths)| paths.iter().map(move |p| (k, *p)))
            .filter(|(k, p)| **k == host || self.entries[p].via == *addr)
            .map(|(_, p)| p)
            .collect();
        self.delete_all(victims)
    }

    /// Delete `victims` (in table order); the count leaves out clones that
    /// went with their parent before their own turn came.
    fn delete_all(&mut self, victims: Vec<Id>) -> Result<Reply, i32> {
        if victims.is_empty() {
            return Err(ESRCH);
        }
        let mut n = 0;
        for v in victims {
            if self.entries[&v].in_table {
                n += 1;
                self.delete(v, Some(Gone::Removed));
            }
        }
        Ok(Reply::Count(n))
    }

    fn clear(&mut self, family: Option<Family>) -> Reply {
        let victims: Vec<Id> = self
            .table
            .iter()
            .filter(|((dst, _), _)| family.is_none_or(|f| is(f, dst)))
            .flat_map(|(_, paths)| paths.iter().copied())
            .collect();
        let n = victims.len() as u32;
        for v in victims {
            self.delete(v, None);
        }
        self.events.push(EventView::Clear {
            family: family.map(fam),
            count: n,
        });
        Reply::Count(n)
    }

    fn get(&mut self, family: Family, addr: &IpAddr, report: bool, ign: u32) -> Result<Reply, i32> {
        check_addr(family, Some(addr))?;
        let Some(rt) = self.lookup(addr) else {
            if report {
                // rtalloc1: "nothing matched" carries no error.
                self.miss(addr, 0);
            }
            return Err(ENETUNREACH);
        };
        let p = self.entries[&rt].clone();
        let full = width(addr);
        // A host route is the answer itself (and never cloning).
        if !(report && p.flags & CLONING != 0 && ign & CLONING == 0) || p.plen == full {
            return Ok(Reply::Route(self.view(rt)));
        }
        match self.resolve(rt, addr, 0) {
            Ok(clone) => Ok(Reply::Route(self.view(clone))),
            // A failed clone: the parent, and a miss with the errno.
            Err(errno) => {
                self.miss(addr, errno);
                Ok(Reply::Route(self.view(rt)))
            }
        }
    }

    /// RTM_RESOLVE: a host route for `dst` cloned from `parent`, inside
    /// `depth` router lookups. It goes through rt_setgate: the parent's own
    /// router is refused, and the router is looked up with report (which
    /// may clone again); then max_routes. A clone already at `dst` (only a
    /// loop of routers makes one) is replaced.
    fn resolve(&mut self, parent: Id, dst: &IpAddr, depth: u32) -> Result<Id, i32> {
        let p = self.entries[&parent].clone();
        let full = width(dst);
        if via_itself(dst, full, &p.via) {
            return Err(EADDRNOTAVAIL);
        }
        let gwroute = if p.flags & GATEWAY != 0 {
            self.router_lookup(&p.via, depth)?
        } else {
            None
        };
        let there = self.table.get(&(*dst, full)).cloned().unwrap_or_default();
        if there.iter().any(|c| self.entries[c].parent.is_none()) {
            return Err(EEXIST);
        }
        if self
            .max_routes
            .is_some_and(|m| self.in_table() - there.len() >= m)
        {
            return Err(ENOSPC);
        }
        for c in there {
            self.delete(c, Some(Gone::Replaced));
        }
        let clone = self.insert(Entry {
            dst: *dst,
            plen: full,
            via: p.via,
            flags: (p.flags & !(CLONING | STATIC | DEPRECATED))
                | WASCLONED
                | HOST
                | UP
                | self.deprecated(p.preferred),
            preferred: p.preferred,
            expires: p.expires,
            parent: Some(parent),
            parent_prefix: Some((p.dst, p.plen)),
            holds: 0,
            gwroute,
            in_table: true,
            timed: None,
        });
        self.track(clone);
        let route = self.event_route(clone);
        if p.flags & XRESOLVE != 0 {
            self.resolves += 1;
            self.events.push(EventView::Resolve(route));
        } else {
            self.events.push(EventView::Add(route));
        }
        Ok(clone)
    }

    /// The lookup of a router for `rt_gwroute` (rt_setgate's
    /// `rtalloc1(gate, 1, 0)`), `depth` lookups deep: nothing is a miss; a
    /// cloning match clones a host route for the router (a failed clone
    /// leaves the match, and a miss with its errno). Past
    /// [`MAX_GWROUTE_DEPTH`], `ELOOP`.
    fn router_lookup(&mut self, gate: &IpAddr, depth: u32) -> Result<Option<Id>, i32> {
        if depth >= MAX_GWROUTE_DEPTH {
            return Err(ELOOP);
        }
        let Some(m) = self.lookup(gate) else {
            self.miss(gate, 0);
            return Ok(None);
        };
        let e = &self.entries[&m];
        if e.flags & CLONING == 0 || e.plen == width(gate) {
            return Ok(Some(m));
        }
        match self.resolve(m, gate, depth + 1) {
            Ok(clone) => Ok(Some(clone)),
            Err(errno) => {
                self.miss(gate, errno);
                Ok(Some(m))
            }
        }
    }

    fn change(&mut self, r: &ChangeReq) -> Result<Reply, i32> {
        let ChangeReq {
            family,
            ref dst,
            plen,
            via,
            new_via,
            flags,
            preferred,
            expires,
        } = *r;
        let (via, new_via) = (via.as_ref(), new_via.as_ref());
        check_prefix(family, dst, plen)?;
        check_addr(family, via)?;
        check_addr(family, new_via)?;
        check_flags(flags, FMASK)?;
        self.check_lifetimes(preferred, expires)?;
        let paths = self.table.get(&(*dst, plen)).cloned().unwrap_or_default();
        let id = match via {
            Some(v) => *paths
                .iter()
                .find(|p| self.entries[p].via == *v)
                .ok_or(ESRCH)?,
            None if paths.len() > 1 => return Err(EINVAL),
            None => *paths.first().ok_or(ESRCH)?,
        };
        if let Some(nv) = new_via {
            if paths.iter().any(|p| *p != id && self.entries[p].via == *nv) {
                return Err(EEXIST);
            }
            // rt_setgate: EADDRNOTAVAIL for a host route through itself
            // (rtemu keeps the route); then the router is looked up with
            // report before anything changes (as FreeBSD 7.1 orders it),
            // and a lookup that returns the route itself is EADDRINUSE.
            if via_itself(dst, plen, nv) {
                return Err(EADDRNOTAVAIL);
            }
        }
        let gwroute = match new_via {
            Some(nv) if !unspecified(nv) => self.router_lookup(nv, 0)?,
            _ => None,
        };
        if gwroute == Some(id) {
            return Err(EADDRINUSE);
        }
        let deprecated = self.deprecated(preferred);
        let e = self.entries.get_mut(&id).unwrap();
        if let Some(nv) = new_via {
            e.via = *nv;
            e.flags = (e.flags & !GATEWAY) | gateway(nv);
            e.gwroute = gwroute;
        }
        if let Some(f) = flags {
            e.flags = (e.flags & !FMASK) | f;
        }
        if preferred.is_some() {
            e.preferred = preferred;
            e.flags = (e.flags & !DEPRECATED) | deprecated;
        }
        if expires.is_some() {
            e.expires = expires;
        }
        if preferred.is_some() || expires.is_some() {
            self.track(id);
        }
        // route.c rt_setgate: any new router, the same or not.
        if new_via.is_some() {
            self.fixchange(id);
        }
        self.events.push(EventView::Change(self.event_route(id)));
        Ok(Reply::Ok)
    }

    fn hold(&mut self, hold: u32, family: Family, addr: &IpAddr) -> Result<Reply, i32> {
        check_addr(family, Some(addr))?;
        let id = self.lookup(addr).ok_or(ENETUNREACH)?;
        self.entries.get_mut(&id).unwrap().holds += 1;
        self.holds.insert(hold, id);
        let mut v = self.view(id);
        // The reply carries no lifetimes and no parent.
        v.parent = None;
        v.preferred = None;
        v.expires = None;
        Ok(Reply::Hold(v))
    }

    fn release(&mut self, hold: u32) -> Result<Reply, i32> {
        let id = self.holds.remove(&hold).ok_or(ENOENT)?;
        self.entries.get_mut(&id).unwrap().holds -= 1;
        Ok(Reply::Ok)
    }

    /// A lookup with report found nothing, or could not clone.
    fn miss(&mut self, addr: &IpAddr, errno: i32) {
        self.misses += 1;
        self.events.push(EventView::Miss {
            addr: *addr,
            errno: errno as u32,
        });
    }

    /// Pass time up to `tick`, one tick at a time as the module's lifetime
    /// work runs at each deadline: in the order that work visits, routes
    /// past their expires-at are deleted, those past their preferred-until
    /// deprecated.
    fn wait(&mut self, tick: u32) {
        while self.tick < tick {
            self.tick += 1;
            let mut timed: Vec<(u64, Id)> = self
                .entries
                .iter()
                .filter(|(_, e)| e.in_table)
                .filter_map(|(id, e)| e.timed.map(|t| (t, *id)))
                .collect();
            timed.sort();
            for (_, id) in timed {
                // An expired parent may have taken this clone already.
                let Some(e) = self.entries.get(&id).filter(|e| e.in_table) else {
                    continue;
                };
                if e.expires.is_some_and(|t| self.passed(t)) {
                    self.delete(id, Some(Gone::Expired));
                } else if e.flags & DEPRECATED == 0 && self.deprecated(e.preferred) != 0 {
                    self.entries.get_mut(&id).unwrap().flags |= DEPRECATED;
                    self.events.push(EventView::Deprecate(self.event_route(id)));
                }
            }
        }
    }

    /// `stats-get`.
    pub fn stats(&self) -> StatsView {
        let live = || self.entries.values().filter(|e| e.in_table);
        StatsView {
            routes_inet: live().filter(|e| e.dst.is_ipv4()).count() as u32,
            routes_inet6: live().filter(|e| e.dst.is_ipv6()).count() as u32,
            clones: live().filter(|e| e.parent.is_some()).count() as u32,
            // Deleted entries still held (the others are freed at once).
            trash: self
                .entries
                .iter()
                .filter(|(id, e)| !e.in_table && self.refcnt(**id) > 0)
                .count() as u32,
            holds: self.holds.len() as u32,
            misses: self.misses,
            resolves: self.resolves,
        }
    }

    /// `route-list`: by address, then prefix length, paths in insertion order.
    pub fn list(&self) -> Vec<RouteView> {
        self.table
            .values()
            .flat_map(|paths| paths.iter().map(|p| self.view(*p)))
            .collect()
    }

    /// Hold ids currently held.
    pub fn held(&self) -> Vec<u32> {
        self.holds.keys().copied().collect()
    }
}
