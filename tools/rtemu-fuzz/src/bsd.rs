// SPDX-License-Identifier: GPL-2.0-only

//! A second reference model, read from FreeBSD 7 itself rather than from
//! rtemu's README: `sys/net/route.c` (`rtalloc1`, `rtrequest1`,
//! `rt_fixdelete`, `rt_fixchange`, `rt_setgate`, `rtexpunge`, `rtfree`),
//! `sys/net/rtsock.c` (`route_output`, `rt_missmsg`) and
//! `sys/netinet/in_rmx.c` (`in_clsroute`, `in_matroute`, `in_rtqkill`), in
//! their 7.0-era text (before the multiple-FIB work of 7.1; see
//! [`crate::deviations`] for where the later text differs).
//!
//! Each FreeBSD function the model follows is named at the code that follows
//! it. rtemu's operations are translated to FreeBSD's calls where rtemu
//! names them differently:
//!
//! | rtemu (`Op`) | FreeBSD 7 |
//! |---|---|
//! | `route-add` | `route_output(RTM_ADD)` -> `rtrequest1(RTM_ADD)`; the via router is `RTAX_GATEWAY` and sets `RTF_GATEWAY`; an unspecified via is an interface route (no `RTF_GATEWAY`) |
//! | `route-remove` dst/plen | `route_output(RTM_DELETE)` -> `rtrequest1(RTM_DELETE)` |
//! | `route-get` | `rtalloc1(dst, report, ignflags)` (its errors as `route_output(RTM_GET)`'s) |
//! | `route-change` | `route_output(RTM_CHANGE)`: `rt_setgate` for a new router, `rt_setmetrics` for the lifetimes |
//! | `route-hold` / `route-release` | `rtalloc1(dst, 0, 0)` keeping its reference / `rtfree` |
//! | events | routing-socket messages: `RTM_ADD`, `RTM_DELETE`, `RTM_CHANGE`, `RTM_MISS` (`rt_missmsg`), `RTM_RESOLVE` |
//!
//! What FreeBSD has no counterpart for is taken from the README model
//! ([`crate::model`]), and said so where it is: the lifetimes
//! (`preferred-until`, `expires-at`, deprecation, the ticks), several
//! routers per prefix (multipath), `route-remove` by address, `route-clear`,
//! holds by socket, the stats counters, the request validation of the
//! netlink family, and `max_routes`.
//!
//! Where rtemu departs from FreeBSD on purpose, the model consults the list
//! of known deviations ([`crate::deviations`]): an accepted one makes it
//! predict rtemu's documented behaviour there, otherwise it predicts
//! FreeBSD's.

use std::collections::BTreeMap;
use std::net::IpAddr;

use rtemu::proto::route_flags::*;
use rtemu::Family;

use crate::deviations::{Deviation, Deviations};
use crate::model::{
    EADDRINUSE, EADDRNOTAVAIL, EEXIST, EINVAL, ENETUNREACH, ENOENT, ENOSPC, EOVERFLOW, ERANGE,
    ESRCH, FMASK, NOW_NS, USER_FLAGS,
};
use crate::op::{fam, AddReq, ChangeReq, EventView, Op, Reply, RouteView, StatsView, Time};

/// `rt_setgate` in the 7.0 text: a route whose router lookup returns the
/// route itself.
pub const EDQUOT: i32 = 122;
/// Not FreeBSD's: see [`MAX_GWROUTE_DEPTH`].
pub const ELOOP: i32 = 40;

/// FreeBSD's `rt_setgate` -> `rtalloc1` -> `rtrequest1(RTM_RESOLVE)` ->
/// `rt_setgate` can recurse without bound ("bottomless mutual recursion",
/// its own comment) when cloning routes reach each other's routers; the
/// kernel's stack would overflow. The model stops at this depth and fails
/// the innermost clone with ELOOP.
pub const MAX_GWROUTE_DEPTH: u32 = 8;

type Prefix = (IpAddr, u8);
type Id = u64;

/// A `struct rtentry`.
#[derive(Debug, Clone)]
struct Rtentry {
    dst: IpAddr,
    plen: u8,
    /// `rt_gateway`.
    gateway: IpAddr,
    /// `rt_flags`.
    flags: u32,
    /// `rt_refcnt`: route-holds, and the references FreeBSD itself keeps
    /// (`rt_gwroute`, a leaked `rtalloc1`).
    refcnt: u32,
    /// `rt_parent`, without a reference (`rtrequest1` RTM_RESOLVE: "We do
    /// not bump the refcnt on the parent").
    parent: Option<Id>,
    parent_key: Option<Prefix>,
    /// `rt_gwroute`, referenced.
    gwroute: Option<Id>,
    /// In the tree (RTF_UP); else in rttrash until its last reference.
    in_tree: bool,
    /// rtemu's lifetimes (README model).
    preferred: Option<Time>,
    expires: Option<Time>,
    /// Order of the module's lifetime work (README model).
    timed: Option<u64>,
}

/// Why a route leaves the tree, for the message (or rtemu's event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// `route_output(RTM_DELETE)`: reported.
    Removed,
    /// rtemu's lifetime work (README model): `expire-ntf`.
    Expired,
    /// `route-clear` (README model): one event for all.
    Cleared,
    /// Deleted by FreeBSD itself without a message: `rt_fixdelete`,
    /// `rt_fixchange` (parent changed or superseded), `rtexpunge` of a
    /// clone in an add's way. The name is rtemu's reason, sent only under
    /// [`Deviation::CloneDeleteEvents`].
    Silent(&'static str),
    /// `rt_setgate`'s `rtexpunge` of a route changed to go through itself:
    /// no message, and no rtemu counterpart.
    Expunged,
}

/// The FreeBSD 7 model of one namespace's tables.
#[derive(Debug, Clone)]
pub struct BsdModel {
    /// The radix trees, as prefix -> entries (several only with rtemu's
    /// multipath).
    tree: BTreeMap<Prefix, Vec<Id>>,
    /// Every entry not yet freed.
    rts: BTreeMap<Id, Rtentry>,
    next_id: Id,
    holds: BTreeMap<u32, Id>,
    misses: u64,
    resolves: u64,
    pub max_routes: Option<usize>,
    tick: u32,
    next_timed: u64,
    depth: u32,
    events: Vec<EventView>,
    /// The deviations predicted as rtemu's.
    pub deviations: Deviations,
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

fn top(a: &IpAddr, plen: u8) -> u128 {
    if plen == 0 {
        0
    } else {
        bits(a) >> (width(a) - plen)
    }
}

/// `(key & mask) == dst`, within one family's tree.
fn contains(dst: &IpAddr, plen: u8, a: &IpAddr) -> bool {
    Family::of(dst) == Family::of(a) && top(dst, plen) == top(a, plen)
}

fn is(family: Family, a: &IpAddr) -> bool {
    Family::of(a) == family
}

// ---------------------------------------------- request validation
// The netlink family's checks, before any FreeBSD code runs: taken from the
// README model (rtemu-specific).

fn check_prefix(family: Family, dst: &IpAddr, plen: u8) -> Result<(), i32> {
    if plen > 128 {
        return Err(ERANGE);
    }
    let host = u32::from(width(dst).saturating_sub(plen));
    let low = if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    if !is(family, dst) || plen > width(dst) || bits(dst) & low != 0 {
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

fn order(t: Time) -> (u8, u64) {
    match t {
        Time::Abs(ns) if ns <= NOW_NS => (0, ns),
        Time::Tick(n) => (1, n.into()),
        Time::Abs(ns) => (2, ns),
    }
}

/// rtemu's translation: a specified via is `RTAX_GATEWAY` with
/// `RTF_GATEWAY`; an unspecified one is an interface route.
fn gateway_flag(via: &IpAddr) -> u32 {
    if via.is_unspecified() {
        0
    } else {
        GATEWAY
    }
}

impl Default for BsdModel {
    fn default() -> Self {
        BsdModel::new(Deviations::known())
    }
}

impl BsdModel {
    /// A model predicting rtemu where `deviations` accepts it.
    pub fn new(deviations: Deviations) -> BsdModel {
        BsdModel {
            tree: BTreeMap::new(),
            rts: BTreeMap::new(),
            next_id: 0,
            holds: BTreeMap::new(),
            misses: 0,
            resolves: 0,
            max_routes: None,
            tick: 0,
            next_timed: 0,
            depth: 0,
            events: Vec::new(),
            deviations,
        }
    }

    /// The same model, empty (the deviations and max_routes kept).
    pub fn fresh(&self) -> BsdModel {
        BsdModel {
            max_routes: self.max_routes,
            ..BsdModel::new(self.deviations)
        }
    }

    fn dev(&self, d: Deviation) -> bool {
        self.deviations.accepts(d)
    }

    /// Apply one operation.
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
        r.unwrap_or_else(Reply::Err)
    }

    /// The events (routing messages) since the last call, sorted.
    pub fn take_events(&mut self) -> Vec<EventView> {
        let mut e = std::mem::take(&mut self.events);
        e.sort();
        e
    }

    // ------------------------------------------------------------ views

    fn view(&self, id: Id) -> RouteView {
        let r = &self.rts[&id];
        RouteView {
            dst: r.dst,
            plen: r.plen,
            via: r.gateway,
            flags: r.flags,
            refcnt: r.refcnt,
            parent: r.parent_key,
            preferred: r.preferred,
            expires: r.expires,
        }
    }

    fn event_route(&self, id: Id) -> RouteView {
        RouteView {
            refcnt: 0,
            ..self.view(id)
        }
    }

    // ---------------------------------------------------- rtemu's time

    fn passed(&self, t: Time) -> bool {
        match t {
            Time::Abs(ns) => ns <= NOW_NS,
            Time::Tick(n) => n <= self.tick,
        }
    }

    fn deprecated(&self, preferred: Option<Time>) -> u32 {
        match preferred {
            Some(p) if self.passed(p) => DEPRECATED,
            _ => 0,
        }
    }

    /// README model: the lifetimes of a request.
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

    /// README model: the lifetime work visits in the order it began to
    /// track entries (lifetimes, or clones).
    fn track(&mut self, id: Id) {
        let r = self.rts.get_mut(&id).unwrap();
        if r.timed.is_none() {
            r.timed = Some(self.next_timed);
            self.next_timed += 1;
        }
    }

    // ------------------------------------------------- the radix tree

    fn in_tree(&self) -> usize {
        self.tree.values().map(Vec::len).sum()
    }

    /// `rnh_matchaddr`: the longest prefix containing `a`. Of several
    /// routers of one prefix (rtemu's multipath, README model), the first
    /// not deprecated, else the first.
    fn matchaddr(&self, a: &IpAddr) -> Option<Id> {
        let (_, ids) = self
            .tree
            .iter()
            .filter(|((d, l), ids)| !ids.is_empty() && contains(d, *l, a))
            .max_by_key(|((_, l), _)| *l)?;
        ids.iter()
            .find(|i| self.rts[i].flags & DEPRECATED == 0)
            .or(ids.first())
            .copied()
    }

    fn addaddr(&mut self, rt: Rtentry) -> Id {
        let id = self.next_id;
        self.next_id += 1;
        self.tree.entry((rt.dst, rt.plen)).or_default().push(id);
        self.rts.insert(id, rt);
        id
    }

    fn deladdr(&mut self, id: Id) {
        let r = &self.rts[&id];
        let key = (r.dst, r.plen);
        if let Some(ids) = self.tree.get_mut(&key) {
            ids.retain(|i| *i != id);
            if ids.is_empty() {
                self.tree.remove(&key);
            }
        }
    }

    /// route.c `rtfree`: drop one reference; an entry no longer RTF_UP
    /// with none left is freed (and leaves rttrash). "NB: no refcnt on
    /// parent": its clones do not keep it.
    fn rtfree(&mut self, id: Id) {
        let Some(r) = self.rts.get_mut(&id) else {
            return;
        };
        r.refcnt = r.refcnt.saturating_sub(1);
        self.reclaim(id);
    }

    /// The part of `rtfree` that frees: RTF_UP clear and no reference.
    fn reclaim(&mut self, id: Id) {
        if let Some(r) = self.rts.get(&id) {
            if !r.in_tree && r.refcnt == 0 {
                self.rts.remove(&id);
            }
        }
    }

    // ------------------------------------------------------ rtalloc1

    /// route.c `rtalloc1(dst, report, ignflags)`: the match; with `report`
    /// and RTF_CLONING in `rt_flags & ~ignflags`, `rtrequest(RTM_RESOLVE)`
    /// clones a host route and returns it (announced by
    /// `rt_missmsg(RTM_ADD)`, or, for RTF_XRESOLVE, by
    /// `rt_missmsg(RTM_RESOLVE)`); a clone that fails returns the match
    /// itself and reports `rt_missmsg(RTM_MISS, dst, err)`; no match with
    /// `report` is `RTM_MISS` with error 0. The reference `rtalloc1` gives
    /// is left to the caller ([`BsdModel::hold`] keeps it).
    fn rtalloc1(&mut self, dst: &IpAddr, report: bool, ignflags: u32) -> Option<Id> {
        let Some(rt) = self.matchaddr(dst) else {
            if report {
                self.missmsg(dst, 0);
            }
            return None;
        };
        let nflags = self.rts[&rt].flags & !ignflags;
        if !(report && nflags & CLONING != 0) {
            return Some(rt);
        }
        match self.resolve(rt, dst) {
            Err(err) => {
                // "If the cloning didn't succeed, maybe what we have will
                // do. Return that."
                self.missmsg(dst, err);
                Some(rt)
            }
            Ok(clone) => {
                let route = self.event_route(clone);
                if self.rts[&clone].flags & XRESOLVE != 0 {
                    // msgtype = RTM_RESOLVE; the resolves counter is
                    // rtemu's (README model).
                    self.resolves += 1;
                    self.events.push(EventView::Resolve(route));
                } else {
                    self.events.push(EventView::Add(route));
                }
                Some(clone)
            }
        }
    }

    /// rtsock.c `rt_missmsg(RTM_MISS, ...)`; the misses counter is
    /// rtemu's (README model).
    fn missmsg(&mut self, dst: &IpAddr, err: i32) {
        self.misses += 1;
        self.events.push(EventView::Miss {
            addr: *dst,
            errno: err as u32,
        });
    }

    /// route.c `rtrequest1(RTM_RESOLVE)` from `parent` for `dst`: flags
    /// `parent & ~(RTF_CLONING|RTF_STATIC) | RTF_WASCLONED`, RTF_HOST (no
    /// `rt_genmask`: rtemu sets none), the parent's gateway through
    /// `rt_setgate`, the parent's metrics (`rt_rmx`, so its `rmx_expire`:
    /// here both lifetimes, and RTF_DEPRECATED recomputed, README model),
    /// `rt_parent` without a reference. No `rt_fixchange` (only RTM_ADD).
    fn resolve(&mut self, parent: Id, dst: &IpAddr) -> Result<Id, i32> {
        let p = self.rts[&parent].clone();
        let flags = UP
            | (p.flags & !(CLONING | STATIC | DEPRECATED))
            | WASCLONED
            | HOST
            | self.deprecated(p.preferred);
        let plen = width(dst);
        let gwroute = self.setgate_new(flags, dst, &p.gateway)?;
        // makeroute's rnh_addaddr finds a route at dst (only a loop of
        // routers' lookups clones there first): a clone is rtexpunge'd, as
        // for RTM_ADD below; anything else is EEXIST.
        let there = self.tree.get(&(*dst, plen)).cloned().unwrap_or_default();
        let err = if there.iter().any(|i| self.rts[i].parent.is_none()) {
            Some(EEXIST)
        } else if self
            .max_routes
            .is_some_and(|m| self.in_tree() - there.len() >= m)
        {
            // rtemu's max_routes (README model), where it checks it: after
            // the router (FreeBSD's nearest, uma_zalloc's ENOBUFS, comes
            // first).
            Some(ENOSPC)
        } else {
            None
        };
        if let Some(err) = err {
            if let Some(g) = gwroute {
                self.rtfree(g);
            }
            return Err(err);
        }
        for c in there {
            if !self.dev(Deviation::AddOverCloneFrees) {
                self.rts.get_mut(&c).unwrap().refcnt += 1;
            }
            self.rt_delete(c, Why::Silent("replaced"));
        }
        let id = self.addaddr(Rtentry {
            dst: *dst,
            plen,
            gateway: p.gateway,
            flags,
            refcnt: 0,
            parent: Some(parent),
            parent_key: Some((p.dst, p.plen)),
            gwroute,
            in_tree: true,
            preferred: p.preferred,
            expires: p.expires,
            timed: None,
        });
        self.track(id);
        Ok(id)
    }

    /// route.c `rt_setgate` for an entry not yet in the tree (`rtrequest1`
    /// makeroute): a host route through itself is EADDRNOTAVAIL; an
    /// RTF_GATEWAY route looks its router up with `rtalloc1(gate, 1, 0)`
    /// and keeps the reference in `rt_gwroute`. The entry is not in the
    /// tree yet, so the
    /// lookup cannot return it.
    fn setgate_new(&mut self, flags: u32, dst: &IpAddr, gate: &IpAddr) -> Result<Option<Id>, i32> {
        if flags & (HOST | GATEWAY) == HOST | GATEWAY && dst == gate {
            return Err(EADDRNOTAVAIL);
        }
        if flags & GATEWAY == 0 {
            return Ok(None);
        }
        self.gwroute_lookup(gate)
    }

    /// The `rt_gwroute` lookup of `rt_setgate`: `rtalloc1(gate, 1, 0)`,
    /// referenced.
    fn gwroute_lookup(&mut self, gate: &IpAddr) -> Result<Option<Id>, i32> {
        if self.depth >= MAX_GWROUTE_DEPTH {
            return Err(ELOOP);
        }
        self.depth += 1;
        let gw = self.rtalloc1(gate, true, 0);
        self.depth -= 1;
        if let Some(g) = gw {
            self.rts.get_mut(&g).unwrap().refcnt += 1;
        }
        Ok(gw)
    }

    // -------------------------------------------------------- delete

    /// route.c `rtrequest1(RTM_DELETE)` (and `rtexpunge`, the same without
    /// the caller's reference): out of the tree, RTF_UP cleared; if
    /// RTF_CLONING, `rt_fixdelete` deletes the clones whose `rt_parent` it
    /// is; the `rt_gwroute` reference is dropped (`RTFREE`); the entry
    /// stays in rttrash while referenced (`rtfree`).
    fn rt_delete(&mut self, id: Id, why: Why) {
        match self.rts.get(&id) {
            Some(r) if r.in_tree => {}
            _ => return,
        }
        self.deladdr(id);
        let r = self.rts.get_mut(&id).unwrap();
        r.in_tree = false;
        r.flags &= !UP;
        let cloning = r.flags & CLONING != 0;
        let gw = r.gwroute.take();
        match why {
            Why::Removed => {
                // route_output(RTM_DELETE) reports the route it deleted.
                let v = self.event_route(id);
                self.events.push(EventView::Delete(v, "removed".into()));
            }
            Why::Expired => {
                let v = self.event_route(id);
                self.events.push(EventView::Expire(v));
            }
            Why::Cleared | Why::Expunged => {}
            Why::Silent(reason) => {
                if self.dev(Deviation::CloneDeleteEvents) {
                    let v = self.event_route(id);
                    self.events.push(EventView::Delete(v, reason.into()));
                }
            }
        }
        if cloning {
            self.fixdelete(id, why);
        }
        if let Some(g) = gw {
            self.rtfree(g);
        }
        self.reclaim(id);
    }

    /// route.c `rt_fixdelete`: over the deleted route's subtree, the
    /// entries whose `rt_parent` it is (and that are not RTF_CLONING) are
    /// deleted with `rtrequest(RTM_DELETE)`: no message.
    fn fixdelete(&mut self, rt0: Id, why: Why) {
        let clones: Vec<Id> = self
            .rts
            .iter()
            .filter(|(_, c)| c.in_tree && c.parent == Some(rt0) && c.flags & CLONING == 0)
            .map(|(i, _)| *i)
            .collect();
        let why = match why {
            Why::Cleared => Why::Cleared,
            _ => Why::Silent("parent-deleted"),
        };
        for c in clones {
            self.rt_delete(c, why);
        }
    }

    /// route.c `rt_fixchange` over `rt0` (a network route just added by
    /// `rtrequest1(RTM_ADD)`, or given a gateway by `rt_setgate`): every
    /// clone under `rt0`'s key and mask that is not RTF_CLONING and whose
    /// `rt_parent` is `rt0`, or whose parent's mask is within `rt0`'s ("avoid
    /// applying a less specific route"), is deleted with
    /// `rtrequest(RTM_DELETE)`: no message.
    fn fixchange(&mut self, rt0: Id) {
        let (d0, p0) = (self.rts[&rt0].dst, self.rts[&rt0].plen);
        let victims: Vec<(Id, &'static str)> = self
            .rts
            .iter()
            .filter(|(_, c)| c.in_tree && c.flags & CLONING == 0 && contains(&d0, p0, &c.dst))
            .filter_map(|(i, c)| match (c.parent, c.parent_key) {
                (Some(p), _) if p == rt0 => Some((*i, "parent-changed")),
                (Some(_), Some((_, pl))) if pl <= p0 => Some((*i, "superseded")),
                _ => None,
            })
            .collect();
        for (i, why) in victims {
            self.rt_delete(i, Why::Silent(why));
        }
    }

    // ---------------------------------------------------- operations

    /// rtsock.c `route_output(RTM_ADD)` -> route.c `rtrequest1(RTM_ADD)`.
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
        // rtemu's request checks (README model).
        check_prefix(family, dst, plen)?;
        check_addr(family, Some(via))?;
        if flags & !USER_FLAGS != 0 {
            return Err(EINVAL);
        }
        self.check_lifetimes(preferred, expires)?;
        // rtrequest1: "If we are adding a host route then we don't want to
        // put a netmask in the tree, nor do we want to clone it."
        let host = plen == width(dst);
        let mut flags = flags | gateway_flag(via);
        if host {
            flags = (flags | HOST) & !CLONING;
        }
        let flags = UP | flags | self.deprecated(preferred);
        // makeroute: rt_setgate (EADDRNOTAVAIL, rt_gwroute), before
        // rnh_addaddr looks at the tree: a clone the router's lookup makes
        // at dst is in the way like any other.
        let gwroute = self.setgate_new(flags, dst, via)?;
        // rtemu's multipath (README model): the same prefix and router
        // again is EEXIST; another router is another path.
        let paths = self.tree.get(&(*dst, plen)).cloned().unwrap_or_default();
        let (clones, routes): (Vec<Id>, Vec<Id>) =
            paths.iter().partition(|i| self.rts[i].parent.is_some());
        // rnh_addaddr fails and no clone is in the way: EEXIST; then
        // rtemu's max_routes (README model), where rtemu checks it
        // (FreeBSD's nearest, uma_zalloc's ENOBUFS, would come first). The
        // rt_gwroute reference is dropped with the entry.
        let full = self
            .max_routes
            .is_some_and(|m| self.in_tree() - clones.len() >= m);
        let err = if routes.iter().any(|i| self.rts[i].gateway == *via) {
            Some(EEXIST)
        } else if full {
            Some(ENOSPC)
        } else {
            None
        };
        if let Some(err) = err {
            if let Some(g) = gwroute {
                self.rtfree(g);
            }
            return Err(err);
        }
        // rnh_addaddr fails on a clone: "if the route that's already there
        // was generated by the cloning mechanism then we just blow it away"
        // -- rt2 = rtalloc1(dst, 0, 0) (a reference), rtexpunge(rt2), and
        // the reference is never dropped.
        for c in clones {
            if !self.dev(Deviation::AddOverCloneFrees) {
                self.rts.get_mut(&c).unwrap().refcnt += 1;
            }
            self.rt_delete(c, Why::Silent("replaced"));
        }
        let id = self.addaddr(Rtentry {
            dst: *dst,
            plen,
            gateway: *via,
            flags,
            refcnt: 0,
            parent: None,
            parent_key: None,
            gwroute,
            in_tree: true,
            preferred,
            expires,
            timed: None,
        });
        if preferred.is_some() || expires.is_some() {
            self.track(id);
        }
        // "We repeat the same procedure from rt_setgate() here": RTM_ADD of
        // a network route runs rt_fixchange.
        if !host {
            self.fixchange(id);
        }
        // route_output reports the RTM_ADD.
        self.events.push(EventView::Add(self.event_route(id)));
        Ok(Reply::Ok)
    }

    /// rtsock.c `route_output(RTM_DELETE)` -> `rtrequest1(RTM_DELETE)`
    /// (`rnh_deladdr` of the exact prefix; ESRCH if absent). The router
    /// choice among several paths is rtemu's (README model); the count
    /// leaves out clones that went with their parent first.
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
            .tree
            .get(&(*dst, plen))
            .into_iter()
            .flatten()
            .copied()
            .filter(|i| via.is_none_or(|v| self.rts[i].gateway == *v))
            .collect();
        self.delete_all(victims)
    }

    /// rtemu's route-remove by address (WASIX; README model): each route
    /// through `addr`, and the host route to `addr`, deleted as
    /// `rtrequest1(RTM_DELETE)`.
    fn remove_addr(&mut self, family: Family, addr: &IpAddr) -> Result<Reply, i32> {
        check_addr(family, Some(addr))?;
        let host = (*addr, width(addr));
        let victims: Vec<Id> = self
            .tree
            .iter()
            .flat_map(|(k, ids)| ids.iter().map(move |i| (*k, *i)))
            .filter(|(k, i)| *k == host || self.rts[i].gateway == *addr)
            .map(|(_, i)| i)
            .collect();
        self.delete_all(victims)
    }

    fn delete_all(&mut self, victims: Vec<Id>) -> Result<Reply, i32> {
        if victims.is_empty() {
            return Err(ESRCH);
        }
        let mut n = 0;
        for v in victims {
            if self.rts.get(&v).is_some_and(|r| r.in_tree) {
                n += 1;
                self.rt_delete(v, Why::Removed);
            }
        }
        Ok(Reply::Count(n))
    }

    /// rtemu's route-clear (README model): every route deleted as
    /// `rtrequest1(RTM_DELETE)`, one clear event.
    fn clear(&mut self, family: Option<Family>) -> Reply {
        let victims: Vec<Id> = self
            .tree
            .iter()
            .filter(|((d, _), _)| family.is_none_or(|f| is(f, d)))
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        let n = victims.len() as u32;
        for v in victims {
            self.rt_delete(v, Why::Cleared);
        }
        self.events.push(EventView::Clear {
            family: family.map(fam),
            count: n,
        });
        Reply::Count(n)
    }

    /// route-get: `rtalloc1(addr, report, ignflags)`. Nothing matched is
    /// `route_output(RTM_GET)`'s ESRCH (rtemu: ENETUNREACH,
    /// [`Deviation::GetNothingErrno`]). The reply's refcnt leaves out the
    /// request's own reference (rtemu's; `rt_msghdr` has no refcnt).
    fn get(&mut self, family: Family, addr: &IpAddr, report: bool, ign: u32) -> Result<Reply, i32> {
        check_addr(family, Some(addr))?;
        match self.rtalloc1(addr, report, ign) {
            Some(id) => Ok(Reply::Route(self.view(id))),
            None if self.dev(Deviation::GetNothingErrno) => Err(ENETUNREACH),
            None => Err(ESRCH),
        }
    }

    /// rtsock.c `route_output(RTM_CHANGE)`: the exact entry (`rnh_lookup`
    /// with the netmask, and "RTM_CHANGE/LOCK need a perfect match", PR
    /// 82974: ESRCH), then `rt_setgate` for a new gateway (its error fails
    /// the change), then `rt_setmetrics` (here rtemu's lifetimes, README
    /// model), and the RTM_CHANGE message.
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
        // rtemu's request checks (README model).
        check_prefix(family, dst, plen)?;
        check_addr(family, via)?;
        check_addr(family, new_via)?;
        // 7.0's RTM_CHANGE ignores rtm_flags; rtemu refuses what is outside
        // RTF_FMASK.
        if flags.is_some_and(|f| f & !FMASK != 0) && self.dev(Deviation::ChangeFlags) {
            return Err(EINVAL);
        }
        self.check_lifetimes(preferred, expires)?;
        // rtemu's multipath (README model): via picks the path; several and
        // no via is EINVAL; a new router another path has is EEXIST.
        let paths = self.tree.get(&(*dst, plen)).cloned().unwrap_or_default();
        let id = match via {
            Some(v) => *paths
                .iter()
                .find(|i| self.rts[i].gateway == *v)
                .ok_or(ESRCH)?,
            None if paths.len() > 1 => return Err(EINVAL),
            None => *paths.first().ok_or(ESRCH)?,
        };
        if let Some(nv) = new_via {
            if paths.iter().any(|i| *i != id && self.rts[i].gateway == *nv) {
                return Err(EEXIST);
            }
            self.setgate_change(id, nv)?;
        }
        // RTM_CHANGE in 7.0 touches no flags; rtemu's flags replace
        // RTF_FMASK's ([`Deviation::ChangeFlags`]).
        if let Some(f) = flags {
            if f & FMASK != (self.rts[&id].flags & FMASK) && self.dev(Deviation::ChangeFlags) {
                let r = self.rts.get_mut(&id).unwrap();
                r.flags = (r.flags & !FMASK) | f;
            }
        }
        // rt_setmetrics: rtemu's lifetimes (README model).
        let deprecated = self.deprecated(preferred);
        let r = self.rts.get_mut(&id).unwrap();
        if preferred.is_some() {
            r.preferred = preferred;
            r.flags = (r.flags & !DEPRECATED) | deprecated;
        }
        if expires.is_some() {
            r.expires = expires;
        }
        if preferred.is_some() || expires.is_some() {
            self.track(id);
        }
        self.events.push(EventView::Change(self.event_route(id)));
        Ok(Reply::Ok)
    }

    /// route.c `rt_setgate(rt, rt_key(rt), gate)` for an entry in the
    /// tree, as the 7.0 text orders it: (1) RTF_HOST|RTF_GATEWAY through
    /// its own destination: `rtexpunge`, EADDRNOTAVAIL; (2) the gateway is
    /// stored and the old `rt_gwroute` dropped; (3) an RTF_GATEWAY route
    /// looks the router up with `rtalloc1(gate, 1, 0)`, and if that returns
    /// the route itself, EDQUOT (the new gateway stays); (4) a network
    /// route runs `rt_fixchange`. Then route_output's RTM_CHANGE leaves
    /// RTF_GATEWAY as it was.
    fn setgate_change(&mut self, id: Id, gate: &IpAddr) -> Result<(), i32> {
        let r = self.rts[&id].clone();
        let through_itself = r.dst == *gate && r.plen == width(gate);
        if through_itself && self.dev(Deviation::HostThroughItself) {
            // rtemu refuses whatever the flags, and keeps the route.
            return Err(EADDRNOTAVAIL);
        }
        if r.flags & (HOST | GATEWAY) == HOST | GATEWAY && r.dst == *gate {
            // "The route might already exist if this is an RTM_CHANGE or a
            // routing redirect, so try to delete it."
            self.rt_delete(id, Why::Expunged);
            return Err(EADDRNOTAVAIL);
        }
        // RTF_GATEWAY as rt_setgate sees it: the route's own, which 7.0's
        // RTM_CHANGE leaves alone; rtemu's follows the new router.
        let through_router = if self.deviations.has(Deviation::ChangeGatewayFlag) {
            gateway_flag(gate) != 0
        } else {
            r.flags & GATEWAY != 0
        };
        if self.dev(Deviation::ChangeLooksUpFirst) {
            // FreeBSD 7.1's order: the lookup first; the route itself is
            // EADDRINUSE, with nothing changed.
            let gw = if through_router {
                self.gwroute_lookup(gate)?
            } else {
                None
            };
            if gw == Some(id) {
                self.rtfree(id);
                return Err(EADDRINUSE);
            }
            let old_gw = {
                let e = self.rts.get_mut(&id).unwrap();
                e.gateway = *gate;
                std::mem::replace(&mut e.gwroute, gw)
            };
            if let Some(g) = old_gw {
                self.rtfree(g);
            }
        } else {
            let old_gw = {
                let e = self.rts.get_mut(&id).unwrap();
                e.gateway = *gate;
                e.gwroute.take()
            };
            if let Some(g) = old_gw {
                self.rtfree(g);
            }
            if through_router {
                let gw = self.gwroute_lookup(gate)?;
                if gw == Some(id) {
                    // RTFREE_LOCKED(rt->rt_gwroute); return EDQUOT.
                    self.rtfree(id);
                    return Err(EDQUOT);
                }
                if let Some(e) = self.rts.get_mut(&id) {
                    e.gwroute = gw;
                }
            }
        }
        let derived = (r.flags & !GATEWAY) | gateway_flag(gate);
        if derived != r.flags && self.dev(Deviation::ChangeGatewayFlag) {
            if let Some(e) = self.rts.get_mut(&id) {
                e.flags = (e.flags & !GATEWAY) | gateway_flag(gate);
            }
        }
        if r.flags & HOST == 0 {
            self.fixchange(id);
        }
        Ok(())
    }

    /// rtemu's route-hold (README model): `rtalloc1(addr, 0, 0)` and its
    /// reference kept (`RT_ADDREF`).
    fn hold(&mut self, hold: u32, family: Family, addr: &IpAddr) -> Result<Reply, i32> {
        check_addr(family, Some(addr))?;
        let id = self.rtalloc1(addr, false, 0).ok_or(ENETUNREACH)?;
        self.rts.get_mut(&id).unwrap().refcnt += 1;
        self.holds.insert(hold, id);
        let mut v = self.view(id);
        v.parent = None;
        v.preferred = None;
        v.expires = None;
        Ok(Reply::Hold(v))
    }

    /// rtemu's route-release (README model): `rtfree`.
    fn release(&mut self, hold: u32) -> Result<Reply, i32> {
        let id = self.holds.remove(&hold).ok_or(ENOENT)?;
        self.rtfree(id);
        Ok(Reply::Ok)
    }

    /// rtemu's lifetime work (README model): at each tick, in the order the
    /// work tracks entries, one past its expires-at is deleted (as
    /// `rtrequest1(RTM_DELETE)`, with `rt_fixdelete`), one past its
    /// preferred-until deprecated. Idle clones (in_rmx.c `in_clsroute`
    /// sets `rmx_expire` an hour ahead at a clone's last `rtfree`,
    /// `in_matroute` clears it at its next reference, `in_rtqkill` deletes
    /// it) never age out within a sequence: the hour is not reached.
    fn wait(&mut self, tick: u32) {
        while self.tick < tick {
            self.tick += 1;
            let mut timed: Vec<(u64, Id)> = self
                .rts
                .iter()
                .filter(|(_, r)| r.in_tree)
                .filter_map(|(i, r)| r.timed.map(|t| (t, *i)))
                .collect();
            timed.sort();
            for (_, id) in timed {
                let Some(r) = self.rts.get(&id).filter(|r| r.in_tree) else {
                    continue;
                };
                if r.expires.is_some_and(|t| self.passed(t)) {
                    self.rt_delete(id, Why::Expired);
                } else if r.flags & DEPRECATED == 0 && self.deprecated(r.preferred) != 0 {
                    self.rts.get_mut(&id).unwrap().flags |= DEPRECATED;
                    self.events.push(EventView::Deprecate(self.event_route(id)));
                }
            }
        }
    }

    /// `stats-get` (README model's counters); trash is `rttrash`: entries
    /// out of the tree still referenced.
    pub fn stats(&self) -> StatsView {
        let live = || self.rts.values().filter(|r| r.in_tree);
        StatsView {
            routes_inet: live().filter(|r| r.dst.is_ipv4()).count() as u32,
            routes_inet6: live().filter(|r| r.dst.is_ipv6()).count() as u32,
            clones: live().filter(|r| r.parent.is_some()).count() as u32,
            trash: self
                .rts
                .values()
                .filter(|r| !r.in_tree && r.refcnt > 0)
                .count() as u32,
            holds: self.holds.len() as u32,
            misses: self.misses,
            resolves: self.resolves,
        }
    }

    /// `route-list` (sysctl NET_RT_DUMP's walk): by address, prefix length,
    /// then paths in insertion order.
    pub fn list(&self) -> Vec<RouteView> {
        self.tree
            .values()
            .flat_map(|ids| ids.iter().map(|i| self.view(*i)))
            .collect()
    }
}
