// SPDX-License-Identifier: GPL-2.0

//! A namespace's route table: FreeBSD's routing tree and `rtrequest1`.
//!
//! Two tries (IPv4 and IPv6) map each prefix to its first path's entry; the
//! prefix's other paths (through different routers, in the order they were
//! added, as OpenBSD's multipath list) hang off that entry ([`Paths`]).
//! Readers look up without locks under RCU; writers are serialized by the
//! table's mutex and publish copy-on-write lists of other paths. Entries leave the table by [`RtEntry::mark_down`] and are
//! freed when their last holder lets go (see `entry.rs`).

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        lock::{mutex::MutexBackend, Guard},
        Arc, Mutex,
    },
};

use crate::{
    addr::{Addr, Af, Prefix},
    entry::{
        clone_flags, clones, flags::*, EntryCounters, OtherPaths, RouteInfo, RtArc, RtEntry,
        RtLocked, RtRef, RtState,
    },
    event::{DeleteReason, Event, Events},
    lifetime::{Clock, Deadline},
    platform::{AllocError, RVec, RcuArc, RcuGuard, RcuRef},
    timed::{TimedList, TimedRooms},
    trie::{Key, Trie, WriteTxn},
};

/// The paths of one prefix as a reader sees them: the first, which the trie
/// holds, and the others, which hang off it.
#[derive(Clone, Copy)]
pub(crate) struct Paths<'g> {
    first: RcuRef<'g, RtEntry>,
    others: &'g [RtArc],
}

/// One path of a [`Paths`].
#[derive(Clone, Copy)]
pub(crate) enum PathRef<'g> {
    First(RcuRef<'g, RtEntry>),
    Other(&'g RtArc),
}

impl PathRef<'_> {
    /// A handle on the entry's memory; `None` if the entry just left the
    /// table and nothing else holds it.
    pub(crate) fn to_arc(self) -> Option<RtArc> {
        match self {
            PathRef::First(rt) => rt.to_arc(),
            PathRef::Other(rt) => Some(rt.clone()),
        }
    }

    /// Whether this is `rt`'s entry.
    pub(crate) fn is(self, rt: &RtArc) -> bool {
        match self {
            PathRef::First(p) => p.is(rt),
            PathRef::Other(p) => RtArc::ptr_eq(p, rt),
        }
    }
}

impl core::ops::Deref for PathRef<'_> {
    type Target = RtEntry;

    fn deref(&self) -> &RtEntry {
        match self {
            PathRef::First(rt) => rt,
            PathRef::Other(rt) => rt,
        }
    }
}

impl<'g> Paths<'g> {
    fn of(first: RcuRef<'g, RtEntry>, g: &'g RcuGuard) -> Self {
        Self {
            first,
            others: first.get().other_paths(g),
        }
    }

    pub(crate) fn len(&self) -> usize {
        1 + self.others.len()
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = PathRef<'g>> {
        Iterator::chain(
            core::iter::once(PathRef::First(self.first)),
            self.others.iter().map(PathRef::Other),
        )
    }

    /// The path a lookup returns: the first that is not deprecated, else the
    /// first.
    pub(crate) fn chosen(self) -> PathRef<'g> {
        if self.others.is_empty() {
            return PathRef::First(self.first);
        }
        self.iter()
            .find(|rt| !rt.is_deprecated())
            .unwrap_or(PathRef::First(self.first))
    }
}

/// Evaluates `$body` with `$trie` bound to `$table`'s trie of the family
/// `$af`; inside it, [`AfKey::of`] makes keys of that trie's type.
macro_rules! on_trie {
    ($table:expr, $af:expr, |$trie:ident| $body:expr) => {
        match $af {
            Af::Inet => {
                let $trie = &$table.v4;
                $body
            }
            Af::Inet6 => {
                let $trie = &$table.v6;
                $body
            }
        }
    };
}

/// The trie key of each family.
pub(crate) trait AfKey: Key {
    fn of(addr: &Addr) -> Self;
    fn addr(self) -> Addr;
}

impl AfKey for u32 {
    fn of(addr: &Addr) -> Self {
        let mut b = [0u8; 4];
        b.copy_from_slice(&addr.as_bytes()[..4]);
        u32::from_be_bytes(b)
    }

    fn addr(self) -> Addr {
        Addr::from_v4_key(self)
    }
}

impl AfKey for u128 {
    fn of(addr: &Addr) -> Self {
        let mut b = [0u8; 16];
        b.copy_from_slice(&addr.as_bytes()[..16]);
        u128::from_be_bytes(b)
    }

    fn addr(self) -> Addr {
        Addr::from_v6_key(self)
    }
}

/// Why the table refused an operation. Each is one errno on the wire
/// ([`Error::from`]); the request handlers say which attribute is at fault.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TableError {
    /// route-add of a path (prefix and router) that exists: `EEXIST`.
    PathExists,
    /// route-change to a router another path of the prefix uses: `EEXIST`.
    RouterTaken,
    /// No route of that prefix (and router), or none for that address:
    /// `ESRCH`.
    NoSuchRoute,
    /// route-change of a prefix with several paths, none chosen: `EINVAL`.
    SeveralPaths,
    /// A host route through its own destination (`rt_setgate`):
    /// `EADDRNOTAVAIL`.
    ViaItself,
    /// A router that only the route itself reaches (`rt_setgate`):
    /// `EADDRINUSE`.
    ViaOnlyItself,
    /// The namespace's `max_routes` is reached: `ENOSPC`.
    Full,
    /// A lookup that would clone, by a caller that may not change the
    /// table: `EPERM`.
    CloneNotPermitted,
    /// No memory, or the memory cgroup's limit: `ENOMEM`.
    NoMemory,
    /// A second writer of a trie, which the writer lock excludes: a bug,
    /// reported when it happens. `EBUSY`.
    WriterBusy,
}

impl From<AllocError> for TableError {
    fn from(_: AllocError) -> Self {
        Self::NoMemory
    }
}

impl From<TableError> for Error {
    fn from(e: TableError) -> Self {
        match e {
            TableError::PathExists | TableError::RouterTaken => EEXIST,
            TableError::NoSuchRoute => ESRCH,
            TableError::SeveralPaths => EINVAL,
            TableError::ViaItself => EADDRNOTAVAIL,
            TableError::ViaOnlyItself => EADDRINUSE,
            TableError::Full => ENOSPC,
            TableError::CloneNotPermitted => EPERM,
            TableError::NoMemory => ENOMEM,
            TableError::WriterBusy => EBUSY,
        }
    }
}

/// A route to add (FreeBSD's `rt_addrinfo` for RTM_ADD).
pub(crate) struct NewRoute {
    pub(crate) prefix: Prefix,
    pub(crate) gateway: Addr,
    /// Requested flags, within [`RTF_USER`].
    pub(crate) flags: u32,
    pub(crate) preferred: Option<Deadline>,
    pub(crate) expires: Option<Deadline>,
}

/// Changes to an existing route; `None` leaves a field as it is.
pub(crate) struct RouteChange {
    pub(crate) gateway: Option<Addr>,
    pub(crate) flags: Option<u32>,
    pub(crate) preferred: Option<Deadline>,
    pub(crate) expires: Option<Deadline>,
}

/// Counters of a table (the `stats` attribute set).
pub(crate) struct TableStats {
    pub(crate) routes_inet: u32,
    pub(crate) routes_inet6: u32,
    pub(crate) clones: u32,
    pub(crate) trash: u32,
    pub(crate) misses: u64,
    pub(crate) resolves: u64,
    pub(crate) lifetime_runs: u64,
}

/// What the writer lock protects besides the tries' write side.
struct WriterState {
    /// Entries with a deadline or that are clones: what the lifetime
    /// work visits.
    timed: TimedList,
}

/// The shortest wait between two looks at held clones, for a short
/// `clone_idle_secs` (tests use one second).
const IDLE_POLL_MIN_NS: i64 = 1_000_000_000;

/// A hook called for each new clone that is not `RTF_XRESOLVE` (FreeBSD's
/// `ifa_rtrequest(RTM_RESOLVE, ...)`), with no lock held. It gets a
/// [`Lookup`], which can only look up without `report`, so it cannot clone
/// again and recurse.
pub(crate) type ResolveHook = fn(&Lookup<'_>, &RtRef);

/// Code a table calls out to.
#[derive(Clone, Copy, Default)]
pub(crate) struct Hooks {
    /// See [`ResolveHook`].
    pub(crate) resolve: Option<ResolveHook>,
    /// Called between a lookup that is going to clone and the writer lock
    /// the clone takes, where the table may change; tests change it there.
    pub(crate) before_clone: Option<fn(&RouteTable)>,
    /// Whether anything wants the entries the events are about (the
    /// in-kernel rtrequest hooks): each event about a route then carries
    /// its entry, and a clear hands over those it removed.
    pub(crate) wants_entries: Option<fn() -> bool>,
}

/// What RTM_RESOLVE found under the writer lock.
enum Resolved {
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

/// A namespace's route table.
#[pin_data]
pub(crate) struct RouteTable {
    v4: Trie<u32, RtEntry>,
    v6: Trie<u128, RtEntry>,
    #[pin]
    writer: Mutex<WriterState>,
    /// The rooms made in the writer's timed list and not yet filled.
    timed_rooms: TimedRooms,
    counters: Arc<EntryCounters>,
    routes_v4: Atomic<u32>,
    routes_v6: Atomic<u32>,
    clones: Atomic<u32>,
    misses: Atomic<u64>,
    resolves: Atomic<u64>,
    lifetime_runs: Atomic<u64>,
    /// Bumped by every change; dumps compare it to flag interruptions.
    generation: Atomic<u32>,
    max_routes: u32,
    clock: &'static dyn Clock,
    hooks: Hooks,
}

impl RouteTable {
    pub(crate) fn new(
        max_routes: u32,
        clock: &'static dyn Clock,
        hooks: Hooks,
    ) -> Result<Arc<Self>> {
        let counters = Arc::new(EntryCounters::new(clock), GFP_KERNEL)?;
        Arc::pin_init(
            pin_init!(Self {
                v4: Trie::new(),
                v6: Trie::new(),
                writer <- new_mutex!(WriterState { timed: TimedList::new() }, "rtemu_table_writer"),
                timed_rooms: TimedRooms::new(),
                counters,
                routes_v4: Atomic::new(0),
                routes_v6: Atomic::new(0),
                clones: Atomic::new(0),
                misses: Atomic::new(0),
                resolves: Atomic::new(0),
                lifetime_runs: Atomic::new(0),
                generation: Atomic::new(0),
                max_routes,
                clock,
                hooks,
            }),
            GFP_KERNEL,
        )
    }

    pub(crate) fn clock(&self) -> &'static dyn Clock {
        self.clock
    }

    pub(crate) fn generation(&self) -> u32 {
        self.generation.load(Relaxed)
    }

    pub(crate) fn stats(&self) -> TableStats {
        TableStats {
            routes_inet: self.routes_v4.load(Relaxed),
            routes_inet6: self.routes_v6.load(Relaxed),
            clones: self.clones.load(Relaxed),
            trash: self.counters.trash.load(Relaxed),
            misses: self.misses.load(Relaxed),
            resolves: self.resolves.load(Relaxed),
            lifetime_runs: self.lifetime_runs.load(Relaxed),
        }
    }

    fn wants_entries(&self) -> bool {
        self.hooks.wants_entries.is_some_and(|f| f())
    }

    /// Records an event about `rt`'s route, with `rt` when something wants
    /// the entries (no count taken on it otherwise).
    fn push_route(&self, ev: &mut Events, event: Event, rt: &RtArc) {
        if self.wants_entries() {
            ev.push_route(event, rt);
        } else {
            ev.push(event);
        }
    }

    fn routes_of(&self, af: Af) -> &Atomic<u32> {
        match af {
            Af::Inet => &self.routes_v4,
            Af::Inet6 => &self.routes_v6,
        }
    }

    fn total_routes(&self) -> u32 {
        self.routes_v4
            .load(Relaxed)
            .saturating_add(self.routes_v6.load(Relaxed))
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Relaxed);
    }

    /// The longest match for `dst` under `g`.
    pub(crate) fn lookup_rcu<'g>(&'g self, dst: &Addr, g: &'g RcuGuard) -> Option<PathRef<'g>> {
        let first = on_trie!(self, dst.af(), |trie| trie
            .lookup(AfKey::of(dst), g)
            .map(|(_, _, first)| first))?;
        Some(Paths::of(first, g).chosen())
    }

    /// The longest match for `dst`, referenced and locked, its use
    /// counted. A match that leaves the table meanwhile, held by nothing, is
    /// a miss.
    fn lookup_locked(&self, dst: &Addr) -> Option<RtLocked> {
        let rt = {
            let g = RcuGuard::new();
            self.lookup_rcu(dst, &g)?.to_arc()?
        };
        let mut rt = RtRef::from_arc(rt).lock();
        rt.note_use();
        Some(rt)
    }

    /// The set of paths of exactly `prefix`, under `g`.
    fn set_of<'g>(&'g self, prefix: &Prefix, g: &'g RcuGuard) -> Option<Paths<'g>> {
        let first = on_trie!(self, prefix.af(), |trie| trie.get(
            AfKey::of(&prefix.addr()),
            prefix.len(),
            g
        ))?;
        Some(Paths::of(first, g))
    }

    /// The paths of exactly `prefix`. The `RtArc`s keep the entries' memory,
    /// not references in `rt_refcnt`'s sense: the writer uses them, and
    /// what it reports must not count its own bookkeeping.
    /// Fails only for want of memory. May sleep.
    pub(crate) fn get_exact(&self, prefix: &Prefix) -> Result<KVec<RtArc>, AllocError> {
        let paths = |g: &RcuGuard| self.set_of(prefix, g).map_or(0, |s| s.len());
        let n = paths(&RcuGuard::new());
        let mut out = KVec::with_capacity(n, GFP_KERNEL)?;
        let g = RcuGuard::new();
        if let Some(set) = self.set_of(prefix, &g) {
            // Within the capacity under the writer lock, which every caller
            // but the tests holds; otherwise the set may have grown, and
            // inside the RCU section an allocation cannot sleep.
            // A path that left meanwhile (only without the writer lock) is
            // skipped.
            for rt in set.iter().filter_map(PathRef::to_arc) {
                out.push(rt, GFP_ATOMIC)?;
            }
        }
        Ok(out)
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
        ev: &mut Events,
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
        ev: &mut Events,
    ) -> Result<Option<RtLocked>, TableError> {
        let Some(mut rt) = self.lookup_locked(dst) else {
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
    pub(crate) fn rtalloc_ign(&self, ro: &mut Route, ignflags: u32, ev: &mut Events) {
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
    pub(crate) fn rtalloc(&self, ro: &mut Route, ev: &mut Events) {
        self.rtalloc_ign(ro, 0, ev)
    }

    fn miss(&self, dst: &Addr, err: Option<Error>, ev: &mut Events) {
        self.misses.fetch_add(1, Relaxed);
        ev.push(Event::Miss { dst: *dst, err });
    }

    /// RTM_RESOLVE for `dst`: looks up again under the writer lock, as
    /// FreeBSD's `rtalloc1` holds the tree's lock from its lookup to the
    /// clone, so a route deleted or added since the caller's lookup is
    /// seen; then clones from the match if it still clones.
    fn resolve(&self, dst: &Addr, ignflags: u32, ev: &mut Events) -> Resolved {
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
        if !would_clone(parent.entry(), flags, ignflags) {
            return Resolved::Found(parent);
        }
        match self.clone_route(dst, &parent, writer, ev) {
            Ok(clone) => Resolved::Found(clone),
            Err(err) => Resolved::Failed(err, parent),
        }
    }

    /// Clones a host route for `dst` from `parent`, which is in the table
    /// (RTM_RESOLVE); `writer` is held since `parent` was looked up.
    fn clone_route(
        &self,
        dst: &Addr,
        parent: &RtRef,
        mut writer: Guard<'_, WriterState, MutexBackend>,
        ev: &mut Events,
    ) -> Result<RtRef, TableError> {
        let now = self.clock.boot_ns();
        let (pflags, gateway, preferred, expires) = {
            let state = parent.entry().lock_state();
            (
                state.flags | if parent.entry().is_up() { RTF_UP } else { 0 },
                state.gateway,
                state.preferred,
                state.expires,
            )
        };
        let prefix = Prefix::host(*dst);
        // rt_setgate, which RTM_RESOLVE goes through too: the parent's
        // router itself cannot be cloned through it.
        if via_itself(&prefix, &gateway) {
            return Err(TableError::ViaItself);
        }
        if self.total_routes() >= self.max_routes {
            return Err(TableError::Full);
        }
        let mut flags = clone_flags(pflags);
        // Deprecated from birth when the inherited preferred-until passed,
        // as an add would make it, so no deprecate event follows the clone.
        if preferred.is_some_and(|p| p.boot_ns <= now) {
            flags |= RTF_DEPRECATED;
        }
        let state = RtState {
            gateway,
            flags,
            preferred,
            expires,
        };
        let rt = RtEntry::new(prefix, state, Some(parent), self.counters.clone(), now)?;
        let room = writer.timed.reserve_one(&self.timed_rooms)?;
        self.insert_path(&rt, &[])?;
        writer.timed.track(&rt, room);
        self.clones.fetch_add(1, Relaxed);
        parent.entry().note_clone_linked(true);
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

    /// Publishes a new set for `rt`'s prefix: `keep` plus `rt`. On error
    /// the table is unchanged.
    fn insert_path(&self, rt: &RtArc, keep: &[RtArc]) -> Result<(), TableError> {
        let prefix = rt.prefix();
        self.publish_paths(prefix, keep, Some(rt))?;
        rt.mark_up();
        self.routes_of(prefix.af()).fetch_add(1, Relaxed);
        self.changed();
        Ok(())
    }

    /// Adds a route (`rtrequest1(RTM_ADD)`). A clone in the way is
    /// replaced; any other path with the same router is `EEXIST`. Clones
    /// the new route supersedes go (`rt_fixchange`).
    pub(crate) fn add(&self, new: NewRoute, ev: &mut Events) -> Result<(), TableError> {
        if via_itself(&new.prefix, &new.gateway) {
            return Err(TableError::ViaItself);
        }
        let now = self.clock.boot_ns();
        let mut flags = new.flags & RTF_USER;
        if !new.gateway.is_unspecified() {
            flags |= RTF_GATEWAY;
        }
        if new.prefix.is_host() {
            // As rtrequest1: a host route has nothing to clone.
            flags |= RTF_HOST;
            flags &= !RTF_CLONING;
        }
        if new.preferred.is_some_and(|p| p.boot_ns <= now) {
            flags |= RTF_DEPRECATED;
        }
        let rt = RtEntry::new(
            new.prefix,
            RtState {
                gateway: new.gateway,
                flags,
                preferred: new.preferred,
                expires: new.expires,
            },
            None,
            self.counters.clone(),
            now,
        )?;
        ev.reserve(2);
        let mut writer = self.writer.lock();
        let existing = self.get_exact(&new.prefix)?;
        let mut keep = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        let mut replaced = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        for path in &existing {
            let (gw, pflags) = {
                let s = path.lock_state();
                (s.gateway, s.flags)
            };
            if pflags & RTF_WASCLONED != 0 {
                replaced.push(path.clone(), GFP_KERNEL)?;
            } else if gw == new.gateway {
                return Err(TableError::PathExists);
            } else {
                keep.push(path.clone(), GFP_KERNEL)?;
            }
        }
        if self.total_routes() - replaced.len() as u32 >= self.max_routes {
            return Err(TableError::Full);
        }
        let room = if new.preferred.is_some() || new.expires.is_some() {
            Some(writer.timed.reserve_one(&self.timed_rooms)?)
        } else {
            None
        };
        drop(existing);
        let superseded = self.fixchange_victims(&rt, &writer)?;
        // The last step that can fail: nothing was changed before it.
        self.insert_path(&rt, &keep)?;
        if let Some(room) = room {
            writer.timed.track(&rt, room);
        }
        for clone in &replaced {
            self.unlink(clone, &mut writer, Some(DeleteReason::Replaced), ev);
        }
        self.retire(&superseded, &mut writer, ev);
        drop(writer);
        self.push_route(ev, Event::Add(RouteInfo::of_unlocked(&rt)), &rt);
        Ok(())
    }

    /// FreeBSD's `rt_fixchange` walk for `rt0`, a network route being added
    /// or given a new router: the clones in the table inside `rt0` whose
    /// parent is `rt0` (parent-changed) or no more specific than `rt0`
    /// (superseded). They would otherwise keep answering for `rt0`'s
    /// addresses with an older route's router. Allocates: call it before
    /// changing anything.
    fn fixchange_victims(
        &self,
        rt0: &RtArc,
        writer: &WriterState,
    ) -> Result<KVec<(RtArc, DeleteReason)>, AllocError> {
        let mut victims = KVec::new();
        let p0 = rt0.prefix();
        if p0.is_host() || self.clones.load(Relaxed) == 0 {
            return Ok(victims);
        }
        // Every clone is in the timed list.
        for e in writer.timed.iter() {
            let Some(parent) = e.parent() else {
                continue;
            };
            if !e.is_up() || !p0.contains(&e.prefix().addr()) {
                continue;
            }
            let reason = if core::ptr::eq(parent, &**rt0) {
                DeleteReason::ParentChanged
            } else if parent.prefix().len() <= p0.len() {
                DeleteReason::Superseded
            } else {
                continue;
            };
            victims.push((e.clone(), reason), GFP_KERNEL)?;
        }
        Ok(victims)
    }

    /// Deletes the clones [`RouteTable::fixchange_victims`] chose, those
    /// still in the table.
    fn retire(&self, victims: &[(RtArc, DeleteReason)], writer: &mut WriterState, ev: &mut Events) {
        for (clone, reason) in victims {
            if clone.is_up() && self.remove_path(clone).is_ok() {
                self.unlink(clone, writer, Some(*reason), ev);
            }
        }
    }

    /// Takes `rt` out of the accounting after its set was republished
    /// without it: clears `RTF_UP`, forgets its timers, deletes its clones,
    /// and records the event.
    fn unlink(
        &self,
        rt: &RtArc,
        writer: &mut WriterState,
        reason: Option<DeleteReason>,
        ev: &mut Events,
    ) {
        rt.mark_down();
        self.routes_of(rt.prefix().af()).fetch_sub(1, Relaxed);
        if let Some(parent) = rt.parent() {
            self.clones.fetch_sub(1, Relaxed);
            parent.note_clone_linked(false);
        }
        writer.timed.untrack(rt);
        self.changed();
        match reason {
            Some(reason) => {
                self.push_route(ev, Event::Delete(RouteInfo::of_unlocked(rt), reason), rt)
            }
            None => self.push_route(ev, Event::Expire(RouteInfo::of_unlocked(rt)), rt),
        }
        // Whatever its flags now: route-change cannot clear RTF_CLONING,
        // and the clones of a route cannot outlive it in the table.
        self.delete_clones_of(rt, writer, ev);
    }

    /// Deletes the clones of `parent` (its children die with it).
    fn delete_clones_of(&self, parent: &RtArc, writer: &mut WriterState, ev: &mut Events) {
        if parent.clones_linked() == 0 {
            return;
        }
        for i in 0..writer.timed.len() {
            let Some(e) = writer.timed.get(i).cloned() else {
                continue;
            };
            let is_child = e.parent().is_some_and(|p| core::ptr::eq(p, &**parent));
            if is_child && self.remove_path(&e).is_ok() {
                self.unlink(&e, writer, Some(DeleteReason::ParentDeleted), ev);
            }
        }
    }

    /// Republishes `rt`'s prefix without `rt`.
    fn remove_path(&self, rt: &RtArc) -> Result<(), TableError> {
        let prefix = *rt.prefix();
        let existing = self.get_exact(&prefix)?;
        let mut keep = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        let mut found = false;
        for path in &existing {
            if RtArc::ptr_eq(path, rt) {
                found = true;
            } else {
                keep.push(path.clone(), GFP_KERNEL)?;
            }
        }
        drop(existing);
        if !found {
            return Err(TableError::NoSuchRoute);
        }
        self.republish(&prefix, &keep)
    }

    /// Publishes `paths` as `prefix`'s set, or removes the prefix when there
    /// are none.
    fn republish(&self, prefix: &Prefix, paths: &[RtArc]) -> Result<(), TableError> {
        self.publish_paths(prefix, paths, None)
    }

    /// Publishes `keep` and then `extra` as `prefix`'s paths in its family's
    /// trie (none removes the prefix).
    fn publish_paths(
        &self,
        prefix: &Prefix,
        keep: &[RtArc],
        extra: Option<&RtArc>,
    ) -> Result<(), TableError> {
        on_trie!(self, prefix.af(), |trie| publish(
            trie,
            AfKey::of(&prefix.addr()),
            prefix.len(),
            keep,
            extra
        ))
    }

    /// Removes the paths of `prefix` (only the one through `via` if given).
    /// Returns how many were removed; none is `ESRCH`. The prefix's new set
    /// is published once, so a failed allocation removes nothing.
    pub(crate) fn remove(
        &self,
        prefix: &Prefix,
        via: Option<&Addr>,
        ev: &mut Events,
    ) -> Result<u32, TableError> {
        ev.reserve(4);
        let mut writer = self.writer.lock();
        let existing = self.get_exact(prefix)?;
        let mut keep = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        let mut gone = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        for path in existing {
            let matches = via.is_none_or(|v| path.lock_state().gateway == *v);
            // Both have room for every path: no allocation.
            if matches {
                gone.push(path, GFP_KERNEL)?;
            } else {
                keep.push(path, GFP_KERNEL)?;
            }
        }
        if gone.is_empty() {
            return Err(TableError::NoSuchRoute);
        }
        self.republish(prefix, &keep)?;
        for rt in &gone {
            self.unlink(rt, &mut writer, Some(DeleteReason::Removed), ev);
        }
        writer.timed.sweep_if_sparse();
        Ok(gone.len() as u32)
    }

    /// `route-remove` by address: every route whose router is `addr` and
    /// the host route to `addr`. Returns how many; none is `ESRCH`.
    pub(crate) fn remove_addr(&self, addr: &Addr, ev: &mut Events) -> Result<u32, TableError> {
        let mut victims = KVec::new();
        {
            let g = RcuGuard::new();
            let mut visit = |rt: PathRef<'_>| -> Result<(), AllocError> {
                let state = rt.lock_state();
                if state.gateway == *addr || *rt.prefix() == Prefix::host(*addr) {
                    if let Some(rt) = rt.to_arc() {
                        victims.push(rt, GFP_ATOMIC)?;
                    }
                }
                Ok(())
            };
            on_trie!(self, addr.af(), |trie| walk(trie, &g, &mut visit))?;
        }
        let mut writer = self.writer.lock();
        let mut count = 0;
        let mut failed = None;
        for rt in &victims {
            // Already gone with a parent, or removed meanwhile.
            if !rt.is_up() {
                continue;
            }
            match self.remove_path(rt) {
                Ok(()) => {
                    self.unlink(rt, &mut writer, Some(DeleteReason::Removed), ev);
                    count += 1;
                }
                Err(TableError::NoSuchRoute) => {}
                Err(e) => failed = Some(e),
            }
        }
        writer.timed.sweep_if_sparse();
        // Some removed: the count says how many (their events go out).
        // None removed: why, if one could not be.
        if count == 0 {
            return Err(failed.unwrap_or(TableError::NoSuchRoute));
        }
        Ok(count)
    }

    /// Removes every route, or those of one family, with one clear event.
    pub(crate) fn clear(&self, af: Option<Af>, ev: &mut Events) -> Result<u32, TableError> {
        let mut writer = self.writer.lock();
        let cleared = if self.wants_entries() {
            self.entries_of(af)?
        } else {
            KVec::new()
        };
        let v4 = match af {
            Some(Af::Inet6) => None,
            _ => Some(write_txn(&self.v4)?),
        };
        let v6 = match af {
            Some(Af::Inet) => None,
            _ => Some(write_txn(&self.v6)?),
        };
        let mut count = 0;
        if let Some(txn) = v4 {
            count += clear_trie(txn);
            self.routes_v4.store(0, Relaxed);
        }
        if let Some(txn) = v6 {
            count += clear_trie(txn);
            self.routes_v6.store(0, Relaxed);
        }
        writer.timed.retain(|rt| rt.is_up());
        self.clones.store(
            writer.timed.iter().filter(|rt| rt.is_clone()).count() as u32,
            Relaxed,
        );
        self.changed();
        drop(writer);
        ev.push(Event::Clear { af, count });
        for rt in &cleared {
            ev.attach(rt);
        }
        Ok(count)
    }

    /// Every entry of the table, or of one family. Under the writer lock,
    /// which keeps the routes as they are counted. May sleep.
    fn entries_of(&self, af: Option<Af>) -> Result<KVec<RtArc>, AllocError> {
        let n = match af {
            Some(af) => self.routes_of(af).load(Relaxed),
            None => self.total_routes(),
        };
        let mut out = KVec::with_capacity(n as usize, GFP_KERNEL)?;
        let g = RcuGuard::new();
        let mut keep = |rt: PathRef<'_>| -> Result<(), AllocError> {
            if let Some(rt) = rt.to_arc() {
                // Within the capacity: the writer lock keeps the count.
                out.push_within_capacity(rt).map_err(|_| AllocError)?;
            }
            Ok(())
        };
        if af != Some(Af::Inet6) {
            walk(&self.v4, &g, &mut keep)?;
        }
        if af != Some(Af::Inet) {
            walk(&self.v6, &g, &mut keep)?;
        }
        drop(g);
        Ok(out)
    }

    /// Changes an existing route (RTM_CHANGE). `via` picks one path of a
    /// multipath prefix; without it the prefix must have one path. Only the
    /// flags in [`RTF_FMASK`] change. A new router retires the clones it
    /// makes stale, as `rt_setgate` does (whether or not it differs).
    pub(crate) fn change(
        &self,
        prefix: &Prefix,
        via: Option<&Addr>,
        change: RouteChange,
        ev: &mut Events,
    ) -> Result<(), TableError> {
        let now = self.clock.boot_ns();
        let mut writer = self.writer.lock();
        let existing = self.get_exact(prefix)?;
        let mut chosen = None;
        for path in &existing {
            let matches = via.is_none_or(|v| path.lock_state().gateway == *v);
            if matches {
                if chosen.is_some() {
                    return Err(TableError::SeveralPaths);
                }
                chosen = Some(path.clone());
            }
        }
        let rt = chosen.ok_or(TableError::NoSuchRoute)?;
        // A new router another path of the prefix already uses would make
        // two paths the same route, which an add refuses.
        if let Some(gw) = change.gateway {
            let taken = existing
                .iter()
                .any(|p| !RtArc::ptr_eq(p, &rt) && p.lock_state().gateway == gw);
            if taken {
                return Err(TableError::RouterTaken);
            }
            // rt_setgate. FreeBSD deletes a host route given itself as its
            // router; rtemu refuses and keeps it.
            if via_itself(prefix, &gw) {
                return Err(TableError::ViaItself);
            }
            // rt_setgate's "cloning loop avoidance": a router that only
            // this route reaches. Through a cloning route FreeBSD's lookup
            // of the router clones a host route for it (at once retired by
            // rt_fixchange), so that is allowed, and rtemu skips the clone.
            if !gw.is_unspecified() && !prefix.is_host() {
                let g = RcuGuard::new();
                let through_itself = self.lookup_rcu(&gw, &g).is_some_and(|m| m.is(&rt));
                if through_itself && !clones(rt.lock_state().flags, 0) {
                    return Err(TableError::ViaOnlyItself);
                }
            }
        }
        let retired = if change.gateway.is_some() {
            self.fixchange_victims(&rt, &writer)?
        } else {
            KVec::new()
        };
        let timed = change.preferred.is_some() || change.expires.is_some();
        if timed && !TimedList::tracks(&rt) {
            let room = writer.timed.reserve_one(&self.timed_rooms)?;
            writer.timed.track(&rt, room);
        }
        let info = {
            let mut s = rt.lock_state();
            let mut flags = s.flags;
            if let Some(gw) = change.gateway {
                s.gateway = gw;
                if gw.is_unspecified() {
                    flags &= !RTF_GATEWAY;
                } else {
                    flags |= RTF_GATEWAY;
                }
            }
            if let Some(f) = change.flags {
                flags = (flags & !RTF_FMASK) | (f & RTF_FMASK);
            }
            if let Some(p) = change.preferred {
                s.preferred = Some(p);
                if p.boot_ns > now {
                    flags &= !RTF_DEPRECATED;
                } else {
                    flags |= RTF_DEPRECATED;
                }
            }
            if let Some(e) = change.expires {
                s.expires = Some(e);
            }
            rt.set_flags(&mut s, flags);
            RouteInfo::of(&rt, &s)
        };
        self.changed();
        self.retire(&retired, &mut writer, ev);
        drop(writer);
        self.push_route(ev, Event::Change(info), &rt);
        Ok(())
    }

    /// The lifetime work: deprecates and expires routes whose deadlines
    /// passed and collects clones unreferenced for `idle_ns` since their
    /// last release (FreeBSD's `in_rtqkill`). Returns when to run next
    /// (boot ns), if ever: the next deadline, and while clones are held at
    /// most `idle_ns / 6` (at least a second) ahead, since a release arms
    /// nothing (FreeBSD's `in_rtqtimo` runs every `RTQ_TIMEOUT`, a sixth of
    /// `rtq_reallyold`).
    pub(crate) fn run_lifetimes(&self, idle_ns: i64, ev: &mut Events) -> Option<i64> {
        self.lifetime_runs.fetch_add(1, Relaxed);
        let now = self.clock.boot_ns();
        let mut writer = self.writer.lock();
        let mut next: Option<i64> = None;
        let mut soonest = |t: i64| next = Some(next.map_or(t, |n| n.min(t)));
        // Entries leave `timed` during the walk, but their slots stay.
        for i in 0..writer.timed.len() {
            let Some(rt) = writer.timed.get(i).cloned() else {
                continue;
            };
            let (expired, deprecate, info) = {
                let mut s = rt.lock_state();
                let expired = s.expires.is_some_and(|e| e.boot_ns <= now);
                let deprecate = !expired
                    && s.flags & RTF_DEPRECATED == 0
                    && s.preferred.is_some_and(|p| p.boot_ns <= now);
                if deprecate {
                    let flags = s.flags | RTF_DEPRECATED;
                    rt.set_flags(&mut s, flags);
                }
                (expired, deprecate, RouteInfo::of(&rt, &s))
            };
            let idle_since = rt.idle_since_ns();
            let idle = idle_since.is_some_and(|t| now - t >= idle_ns);
            if (expired || idle) && self.remove_path(&rt).is_ok() {
                let reason = if expired {
                    None
                } else {
                    Some(DeleteReason::Idle)
                };
                self.unlink(&rt, &mut writer, reason, ev);
                continue;
            }
            if deprecate {
                self.changed();
                ev.push(Event::Deprecate(info));
            }
            if let Some(e) = info.expires {
                soonest(e.boot_ns);
            }
            if let Some(p) = info.preferred {
                if info.flags & RTF_DEPRECATED == 0 {
                    soonest(p.boot_ns);
                }
            }
            if let Some(t) = idle_since {
                soonest(t.saturating_add(idle_ns));
            } else if rt.is_clone() {
                // Held: look again later, for when it is released.
                soonest(now.saturating_add((idle_ns / 6).max(IDLE_POLL_MIN_NS)));
            }
        }
        writer.timed.sweep_if_sparse();
        next
    }

    /// Calls `f` for each route of `af` in (address, length) order, starting
    /// after `cursor` (prefix and count of its paths already seen). `f`
    /// returns `false` to stop; the cursor then names where to resume.
    pub(crate) fn walk_from(
        &self,
        af: Af,
        cursor: &mut Option<(Prefix, u32)>,
        f: &mut dyn FnMut(&RtEntry) -> bool,
    ) -> bool {
        let g = RcuGuard::new();
        on_trie!(self, af, |trie| walk_from(trie, cursor, &g, f))
    }

    /// Drops every route; for a namespace that goes away (no events).
    pub(crate) fn destroy(&self) {
        let mut ev = Events::new();
        // Its only failure, a second writer, is a bug `write_txn` reports;
        // the routes then stay until the table's memory goes.
        let _ = self.clear(None, &mut ev);
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

/// Whether a lookup with `report` that matches `rt` (with `flags`) clones
/// from it; a host route has nothing to clone: it is the answer.
fn would_clone(rt: &RtEntry, flags: u32, ignflags: u32) -> bool {
    clones(flags, ignflags) && !rt.prefix().is_host()
}

/// Whether a host route would go through its own destination (FreeBSD's
/// `rt_setgate`: `EADDRNOTAVAIL`).
fn via_itself(prefix: &Prefix, gateway: &Addr) -> bool {
    prefix.is_host() && !gateway.is_unspecified() && *gateway == prefix.addr()
}

/// The write side of `trie`, for a caller that holds the table's writer
/// lock, which serialises the table's writers: another open transaction is
/// a bug, reported (WARN) and refused.
fn write_txn<K: Key>(trie: &Trie<K, RtEntry>) -> Result<WriteTxn<'_, K, RtEntry>, TableError> {
    let Some(txn) = trie.writer() else {
        kernel::warn_on!(true);
        return Err(TableError::WriterBusy);
    };
    Ok(txn)
}

/// Publishes `keep` and then `extra` as the paths of `(key, len)`: the first
/// in the trie, the others hanging off it; none removes the prefix. The new
/// list of other paths is allocated before anything changes, so on error
/// the table is unchanged.
///
/// A reader sees the old paths or the new ones: a first that stays first
/// gets its new list in one swap; a new first gets its list before the trie
/// points at it, and the old first, no longer first, lets go of its list.
/// One descent of the trie: an existing prefix's slot is swapped in place.
fn publish<K: Key>(
    trie: &Trie<K, RtEntry>,
    key: K,
    len: u8,
    keep: &[RtArc],
    extra: Option<&RtArc>,
) -> Result<(), TableError> {
    let mut txn = write_txn(trie)?;
    let mut paths = Iterator::chain(keep.iter(), extra);
    let Some(first) = paths.next() else {
        if let Some(old) = txn.remove(key, len)? {
            drop(old.set_other_paths(None));
        }
        return Ok(());
    };
    let n = keep.len() + usize::from(extra.is_some()) - 1;
    let others = if n == 0 {
        None
    } else {
        let mut v = RVec::with_capacity(n, GFP_KERNEL_ACCOUNT)?;
        for rt in paths {
            // Within the capacity: no allocation.
            v.push(rt.clone(), GFP_KERNEL_ACCOUNT)?;
        }
        Some(RcuArc::try_new(OtherPaths(v))?)
    };
    // Whether `first` is new there or was first already, it gets its list
    // before the trie's slot points at it (again).
    let before = first.set_other_paths(others);
    match txn.insert_arc(key, len, first.clone()) {
        Ok(old) => {
            if let Some(old) = old.filter(|old| !RtArc::ptr_eq(old, first)) {
                drop(old.set_other_paths(None));
            }
            drop(before);
        }
        Err(e) => {
            drop(first.set_other_paths(before));
            return Err(e.into());
        }
    }
    Ok(())
}

/// Removes everything from `trie` through its open transaction `txn`,
/// clearing `RTF_UP` on each entry.
fn clear_trie<K: Key>(mut txn: WriteTxn<'_, K, RtEntry>) -> u32 {
    let mut count = 0;
    {
        let g = RcuGuard::new();
        for (_, _, first) in txn.trie().iter(&g) {
            for rt in Paths::of(first, &g).iter() {
                rt.mark_down();
                if let Some(parent) = rt.parent() {
                    parent.note_clone_linked(false);
                }
                count += 1;
            }
            drop(first.set_other_paths(None));
        }
    }
    txn.clear();
    count
}

fn walk<K: Key, E>(
    trie: &Trie<K, RtEntry>,
    g: &RcuGuard,
    f: &mut dyn FnMut(PathRef<'_>) -> Result<(), E>,
) -> Result<(), E> {
    for (_, _, first) in trie.iter(g) {
        for rt in Paths::of(first, g).iter() {
            f(rt)?;
        }
    }
    Ok(())
}

fn walk_from<K: AfKey>(
    trie: &Trie<K, RtEntry>,
    cursor: &mut Option<(Prefix, u32)>,
    g: &RcuGuard,
    f: &mut dyn FnMut(&RtEntry) -> bool,
) -> bool {
    // Resume at the cursor's prefix itself, skipping its paths already
    // seen, then strictly after it.
    let resume_at = *cursor;
    let iter = match resume_at {
        Some((p, seen)) => {
            let key = K::of(&p.addr());
            if let Some(first) = trie.get(key, p.len(), g) {
                let mut n = seen;
                for rt in Paths::of(first, g).iter().skip(seen as usize) {
                    if !f(&rt) {
                        return false;
                    }
                    n += 1;
                    *cursor = Some((p, n));
                }
            }
            trie.iter_from(Some((key, p.len())), g)
        }
        None => trie.iter(g),
    };
    for (key, len, first) in iter {
        let Ok(prefix) = Prefix::new(key.addr(), len) else {
            continue;
        };
        let mut seen = 0;
        for rt in Paths::of(first, g).iter() {
            if !f(&rt) {
                return false;
            }
            seen += 1;
            *cursor = Some((prefix, seen));
        }
    }
    true
}
