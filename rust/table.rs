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
    platform::{cond_resched, AllocError, RVec, RcuArc, RcuGuard, RcuRef},
    timed::{TimedQueue, TimedRooms},
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
    /// The prefix has `max_paths` paths already: `ENOSPC`.
    TooManyPaths,
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
            TableError::Full | TableError::TooManyPaths => ENOSPC,
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

/// What a table holds at most.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    /// Routes, clones included (`max_routes`).
    pub(crate) routes: u32,
    /// Paths of one prefix (`max_paths`): what a change to the prefix
    /// copies and what one batch of a walk may run over.
    pub(crate) paths: u32,
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
    pub(crate) writer_visits: u64,
    pub(crate) writer_batch_max: u32,
    pub(crate) events_lost: u64,
}

/// The entries a writer visits in one hold of the table's writer lock before
/// it lets the lock go, sends the events so far and lets the CPU do other
/// work: the bound of one hold, however large the request. Requests that
/// change many routes (a remove by address, a clear, a parent's clones, the
/// lifetime work) go on in batches of this size.
pub(crate) const WRITER_BATCH: u32 = 128;

/// The events a batch of a long request may record: one per entry it visits
/// and a few of its own. Made room for before the writer lock is taken.
pub(crate) const EVENTS_PER_BATCH: usize = WRITER_BATCH as usize + 8;

/// The writer lock, held.
type WriterGuard<'a> = Guard<'a, WriterState, MutexBackend>;

/// What the writer lock protects besides the tries' write side.
struct WriterState {
    /// Entries with a deadline or that are clones, by when the lifetime
    /// work is due to look at each.
    timed: TimedQueue,
}

/// Room for a batch of the clones a new route or router supersedes
/// (`rt_fixchange`), and for their events.
///
/// # Invariants
///
/// The vector has room for [`WRITER_BATCH`] entries.
struct SupersededRoom(KVec<RtArc>);

impl SupersededRoom {
    fn new(table: &RouteTable, ev: &mut Events<'_>) -> Result<Self, AllocError> {
        table.make_room(ev, EVENTS_PER_BATCH);
        let victims = KVec::with_capacity(WRITER_BATCH as usize, GFP_KERNEL)?;
        // INVARIANT: room for a batch.
        Ok(Self(victims))
    }
}

/// The shortest wait between two looks at held clones, for a short
/// `clone_idle_secs` (tests use one second).
const IDLE_POLL_MIN_NS: i64 = 1_000_000_000;

/// The next deadline (boot ns) of a route with these flags and lifetimes:
/// its expiry, and its preferred-until until that deprecates it.
fn next_deadline(
    flags: u32,
    preferred: Option<Deadline>,
    expires: Option<Deadline>,
) -> Option<i64> {
    let preferred = preferred.filter(|_| flags & RTF_DEPRECATED == 0);
    earlier(preferred.map(|d| d.boot_ns), expires.map(|d| d.boot_ns))
}

/// When the lifetime work is due to look at a route whose lock guards `s`:
/// its next deadline, or `look` if that is sooner.
fn due_of(s: &RtState, look: Option<i64>) -> Option<i64> {
    earlier(next_deadline(s.flags, s.preferred, s.expires), look)
}

fn earlier(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

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
#[pin_data(PinnedDrop)]
pub(crate) struct RouteTable {
    v4: Trie<u32, RtEntry>,
    v6: Trie<u128, RtEntry>,
    #[pin]
    writer: Mutex<WriterState>,
    /// The rooms made in the writer's timed queue and not yet filled.
    timed_rooms: TimedRooms,
    counters: Arc<EntryCounters>,
    routes_v4: Atomic<u32>,
    routes_v6: Atomic<u32>,
    clones: Atomic<u32>,
    misses: Atomic<u64>,
    resolves: Atomic<u64>,
    lifetime_runs: Atomic<u64>,
    /// Entries the writers' walks visited: the work requests made, counted
    /// so that tests can tell linear from worse.
    writer_visits: Atomic<u64>,
    /// The most entries one hold of the writer lock visited.
    writer_batch_max: Atomic<u32>,
    /// Operations some of whose events were lost.
    events_lost: Atomic<u64>,
    /// Bumped by every change; dumps compare it to flag interruptions.
    generation: Atomic<u32>,
    limits: Limits,
    clock: &'static dyn Clock,
    hooks: Hooks,
}

impl RouteTable {
    pub(crate) fn new(
        limits: Limits,
        clock: &'static dyn Clock,
        hooks: Hooks,
    ) -> Result<Arc<Self>> {
        let counters = Arc::new(EntryCounters::new(clock), GFP_KERNEL)?;
        Arc::pin_init(
            pin_init!(Self {
                v4: Trie::new(),
                v6: Trie::new(),
                writer <- new_mutex!(WriterState { timed: TimedQueue::new() }, "rtemu_table_writer"),
                timed_rooms: TimedRooms::new(),
                counters,
                routes_v4: Atomic::new(0),
                routes_v6: Atomic::new(0),
                clones: Atomic::new(0),
                misses: Atomic::new(0),
                resolves: Atomic::new(0),
                lifetime_runs: Atomic::new(0),
                writer_visits: Atomic::new(0),
                writer_batch_max: Atomic::new(0),
                events_lost: Atomic::new(0),
                generation: Atomic::new(0),
                limits,
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
            writer_visits: self.writer_visits.load(Relaxed),
            writer_batch_max: self.writer_batch_max.load(Relaxed),
            events_lost: self.events_lost.load(Relaxed),
        }
    }

    /// Counts an operation some of whose events were lost.
    pub(crate) fn note_events_lost(&self) {
        self.events_lost.fetch_add(1, Relaxed);
    }

    fn wants_entries(&self) -> bool {
        self.hooks.wants_entries.is_some_and(|f| f())
    }

    /// Makes room for `n` more events, ahead of taking locks. May sleep.
    fn make_room(&self, ev: &mut Events<'_>, n: usize) {
        ev.make_room(n, self.wants_entries());
    }

    /// Records an event about `rt`'s route, with `rt` when something wants
    /// the entries (no count taken on it otherwise).
    fn push_route(&self, ev: &mut Events<'_>, event: Event, rt: &RtArc) {
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

    /// Counts one entry a writer's walk visited, in the table and in the
    /// current hold's `batch`.
    fn visit(&self, batch: &mut u32) {
        *batch += 1;
        self.writer_visits.fetch_add(1, Relaxed);
    }

    /// Records the entries one hold of the writer lock visited (`batch`),
    /// as it ends.
    fn end_hold(&self, batch: u32) {
        // Under the writer lock: no other writer updates the maximum.
        if batch > self.writer_batch_max.load(Relaxed) {
            self.writer_batch_max.store(batch, Relaxed);
        }
    }

    /// Ends one hold of the writer lock in a long request: sends the events
    /// so far, lets other work run, and takes the lock again. What the
    /// caller read under the lock may have changed.
    fn next_batch<'a>(
        &'a self,
        writer: WriterGuard<'a>,
        batch: &mut u32,
        ev: &mut Events<'_>,
    ) -> WriterGuard<'a> {
        self.end_hold(*batch);
        drop(writer);
        ev.flush();
        self.make_room(ev, EVENTS_PER_BATCH);
        cond_resched();
        *batch = 0;
        self.writer.lock()
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

    fn miss(&self, dst: &Addr, err: Option<Error>, ev: &mut Events<'_>) {
        self.misses.fetch_add(1, Relaxed);
        ev.push(Event::Miss { dst: *dst, err });
    }

    /// RTM_RESOLVE for `dst`: looks up again under the writer lock, as
    /// FreeBSD's `rtalloc1` holds the tree's lock from its lookup to the
    /// clone, so a route deleted or added since the caller's lookup is
    /// seen; then clones from the match if it still clones.
    fn resolve(&self, dst: &Addr, ignflags: u32, ev: &mut Events<'_>) -> Resolved {
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
    fn clone_route(
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
        if self.total_routes() >= self.limits.routes {
            return Err(TableError::Full);
        }
        let mut flags = clone_flags(pflags);
        // Deprecated from birth when the inherited preferred-until passed,
        // as an add would make it, so no deprecate event follows the clone.
        if preferred.is_some_and(|p| p.boot_ns <= now) {
            flags |= RTF_DEPRECATED;
        }
        let state = RtState::new(gateway, flags, preferred, expires);
        let rt = RtEntry::new(prefix, state, Some(parent), self.counters.clone(), now)?;
        let room = writer.timed.reserve_one(&self.timed_rooms)?;
        self.insert_path(&rt, &[])?;
        // Whether it idles or a deadline passed: the next run looks.
        writer.timed.track(&rt, now, room);
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
    pub(crate) fn add(&self, new: NewRoute, ev: &mut Events<'_>) -> Result<(), TableError> {
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
            RtState::new(new.gateway, flags, new.preferred, new.expires),
            None,
            self.counters.clone(),
            now,
        )?;
        // The add's own events; a batch more only where clones may go.
        self.make_room(ev, 2);
        let mut writer = self.writer.lock();
        let mut superseded = self.room_for_superseded(&new.prefix, ev)?;
        let mut batch = 0;
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
        if self.total_routes() - replaced.len() as u32 >= self.limits.routes {
            return Err(TableError::Full);
        }
        if keep.len() >= self.limits.paths as usize {
            return Err(TableError::TooManyPaths);
        }
        let room = if new.preferred.is_some() || new.expires.is_some() {
            Some(writer.timed.reserve_one(&self.timed_rooms)?)
        } else {
            None
        };
        drop(existing);
        // The last step that can fail: nothing was changed before it.
        self.insert_path(&rt, &keep)?;
        if let (Some(room), Some(due)) = (room, due_of(&rt.lock_state(), None)) {
            writer.timed.track(&rt, due, room);
        }
        for clone in &replaced {
            self.unlink(clone, &mut writer, Some(DeleteReason::Replaced), ev);
        }
        let writer = self.retire_superseded(&rt, writer, &mut batch, superseded.as_mut(), ev);
        self.end_hold(batch);
        drop(writer);
        self.push_route(ev, Event::Add(RouteInfo::of_unlocked(&rt)), &rt);
        Ok(())
    }

    /// Room for a batch of the clones a route at `p0` may supersede, and for
    /// their events; none while the table has no clone. Made under the
    /// writer lock, before the table changes: no clone can appear between
    /// this decision and [`RouteTable::retire_superseded`], and no failure
    /// after the change.
    fn room_for_superseded(
        &self,
        p0: &Prefix,
        ev: &mut Events<'_>,
    ) -> Result<Option<SupersededRoom>, AllocError> {
        if p0.is_host() || self.clones.load(Relaxed) == 0 {
            return Ok(None);
        }
        SupersededRoom::new(self, ev).map(Some)
    }

    /// FreeBSD's `rt_fixchange` for `rt0`, a network route just added or
    /// given a router: deletes the clones inside its prefix that came from
    /// another route no more specific (its own a new router retires before,
    /// [`RouteTable::delete_clones_of`]), which would otherwise keep
    /// answering for its addresses with an older route's router. A walk of
    /// the prefix's subtree, as FreeBSD's, in batches; `rt0` is in the table,
    /// so no clone it supersedes can be made meanwhile. `room` is
    /// [`RouteTable::room_for_superseded`]'s, made under this hold of the
    /// writer lock: without it the table had no clone.
    fn retire_superseded<'a>(
        &'a self,
        rt0: &RtArc,
        mut writer: WriterGuard<'a>,
        batch: &mut u32,
        room: Option<&mut SupersededRoom>,
        ev: &mut Events<'_>,
    ) -> WriterGuard<'a> {
        let p0 = *rt0.prefix();
        let Some(SupersededRoom(victims)) = room else {
            return writer;
        };
        if self.clones.load(Relaxed) == 0 {
            return writer;
        }
        let superseded = |rt: &RtEntry| {
            rt.is_up()
                && rt
                    .parent()
                    .is_some_and(|p| !core::ptr::eq(p, &**rt0) && p.prefix().len() <= p0.len())
        };
        let mut after = None;
        loop {
            victims.clear();
            let finished = {
                let g = RcuGuard::new();
                on_trie!(self, p0.af(), |trie| walk_after(
                    trie,
                    Some(&p0),
                    &mut after,
                    &g,
                    &mut |rt| {
                        self.visit(batch);
                        if superseded(&rt) {
                            if let Some(rt) = rt.to_arc() {
                                // Within the room: a prefix has one clone
                                // at most (a host route in the way is the
                                // answer, never cloned over), and the walk
                                // stops once the room is full.
                                let _ = victims.push_within_capacity(rt);
                            }
                        }
                        *batch < WRITER_BATCH && victims.len() < victims.capacity()
                    }
                ))
            };
            for clone in victims.iter() {
                if clone.is_up() && self.remove_path(clone).is_ok() {
                    self.unlink(clone, &mut writer, Some(DeleteReason::Superseded), ev);
                }
            }
            if finished {
                return writer;
            }
            writer = self.next_batch(writer, batch, ev);
        }
    }

    /// Takes `rt` out of the accounting after its set was republished
    /// without it: clears `RTF_UP`, forgets its timers, takes a clone off
    /// its parent's list, and records the event. Its own clones left
    /// before it ([`RouteTable::delete_clones_of`]).
    fn unlink(
        &self,
        rt: &RtArc,
        writer: &mut WriterState,
        reason: Option<DeleteReason>,
        ev: &mut Events<'_>,
    ) {
        rt.mark_down();
        self.routes_of(rt.prefix().af()).fetch_sub(1, Relaxed);
        if rt.is_clone() {
            self.clones.fetch_sub(1, Relaxed);
            rt.unlink_from_parent();
        }
        writer.timed.untrack(rt);
        self.changed();
        match reason {
            Some(reason) => {
                self.push_route(ev, Event::Delete(RouteInfo::of_unlocked(rt), reason), rt)
            }
            None => self.push_route(ev, Event::Expire(RouteInfo::of_unlocked(rt)), rt),
        }
        // A clone left behind would answer for a route that is gone: a bug
        // of the caller, reported, and mended at once.
        if rt.clone_count() != 0 {
            kernel::warn_on!(true);
            while let Some(clone) = rt.close_clones() {
                if self.remove_path(&clone).is_ok() {
                    self.unlink(&clone, writer, Some(DeleteReason::ParentDeleted), ev);
                } else {
                    clone.unlink_from_parent();
                }
            }
        }
    }

    /// Deletes the clones of each of `parents`, which are about to leave
    /// the table or change their router, newest first, in batches of
    /// [`WRITER_BATCH`]. Each parent's clone list is closed first, so that
    /// no clone joins it meanwhile (a lookup gets the parent); the caller
    /// opens it again ([`RtEntry::reopen_clones`]) if the parent stays.
    /// Returns the writer lock and whether it was let go in between (so
    /// what the caller read under it may have changed). A failure to
    /// republish (no memory) stops the deletion with the clones deleted so
    /// far gone.
    fn delete_clones_of<'a>(
        &'a self,
        parents: &[RtArc],
        mut writer: WriterGuard<'a>,
        batch: &mut u32,
        reason: DeleteReason,
        ev: &mut Events<'_>,
    ) -> Result<(WriterGuard<'a>, bool), TableError> {
        let mut yielded = false;
        for parent in parents {
            while let Some(clone) = parent.close_clones() {
                if *batch >= WRITER_BATCH {
                    writer = self.next_batch(writer, batch, ev);
                    yielded = true;
                    continue;
                }
                self.visit(batch);
                match self.remove_path(&clone) {
                    Ok(()) => self.unlink(&clone, &mut writer, Some(reason), ev),
                    // Out of the trie already: a clear took it, and takes it
                    // out of the accounting itself.
                    Err(TableError::NoSuchRoute) => clone.unlink_from_parent(),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok((writer, yielded))
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
    /// Returns how many were removed; none is `ESRCH`. Their clones go
    /// first, in batches; then the prefix's new set is published once, so a
    /// failed allocation there removes no path.
    pub(crate) fn remove(
        &self,
        prefix: &Prefix,
        via: Option<&Addr>,
        ev: &mut Events<'_>,
    ) -> Result<u32, TableError> {
        self.make_room(ev, EVENTS_PER_BATCH);
        let mut writer = self.writer.lock();
        let mut batch = 0;
        let mut closed: KVec<RtArc> = KVec::new();
        let result = loop {
            // What a previous hold closed is closed again below if it is
            // still to go.
            closed.iter().for_each(|p| p.reopen_clones());
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
                break Err(TableError::NoSuchRoute);
            }
            closed = gone;
            match self.delete_clones_of(
                &closed,
                writer,
                &mut batch,
                DeleteReason::ParentDeleted,
                ev,
            ) {
                Ok((w, true)) => {
                    writer = w;
                    continue;
                }
                Ok((w, false)) => writer = w,
                Err(e) => {
                    writer = self.writer.lock();
                    break Err(e);
                }
            }
            if let Err(e) = self.republish(prefix, &keep) {
                break Err(e);
            }
            for rt in &closed {
                self.unlink(rt, &mut writer, Some(DeleteReason::Removed), ev);
            }
            self.end_hold(batch);
            return Ok(closed.len() as u32);
        };
        closed.iter().for_each(|p| p.reopen_clones());
        self.end_hold(batch);
        drop(writer);
        result
    }

    /// `route-remove` by address: every route whose router is `addr` and
    /// the host route to `addr`, found by a walk of the family's routes in
    /// batches of [`WRITER_BATCH`]. Returns how many; none is `ESRCH`.
    pub(crate) fn remove_addr(&self, addr: &Addr, ev: &mut Events<'_>) -> Result<u32, TableError> {
        let host = Prefix::host(*addr);
        let goes = |rt: &RtEntry| rt.lock_state().gateway == *addr || *rt.prefix() == host;
        let mut after = None;
        let mut count = 0;
        let mut failed = None;
        // Room for a batch's victims, made once: a later batch needs none.
        let mut victims = KVec::with_capacity(WRITER_BATCH as usize, GFP_KERNEL)?;
        loop {
            victims.clear();
            self.make_room(ev, EVENTS_PER_BATCH);
            let mut writer = self.writer.lock();
            let mut batch = 0;
            let finished = {
                let g = RcuGuard::new();
                on_trie!(self, addr.af(), |trie| walk_after(
                    trie,
                    None,
                    &mut after,
                    &g,
                    &mut |rt| {
                        self.visit(&mut batch);
                        if goes(&rt) {
                            if let Some(rt) = rt.to_arc() {
                                // Beyond the room only for a prefix with
                                // more paths than a batch.
                                if let Err(e) = victims.push_within_capacity(rt) {
                                    if victims.push(e.0, GFP_NOWAIT | __GFP_NOWARN).is_err() {
                                        failed = Some(TableError::NoMemory);
                                    }
                                }
                            }
                        }
                        batch < WRITER_BATCH
                    }
                ))
            };
            for rt in &victims {
                if batch >= WRITER_BATCH {
                    writer = self.next_batch(writer, &mut batch, ev);
                }
                // Already gone with a parent, or changed or removed while
                // the lock was let go.
                if !rt.is_up() || !goes(rt) {
                    continue;
                }
                self.visit(&mut batch);
                let one = core::slice::from_ref(rt);
                writer = match self.delete_clones_of(
                    one,
                    writer,
                    &mut batch,
                    DeleteReason::ParentDeleted,
                    ev,
                ) {
                    Ok((w, _)) => w,
                    Err(e) => {
                        failed = Some(e);
                        rt.reopen_clones();
                        self.writer.lock()
                    }
                };
                match self.remove_path(rt) {
                    Ok(()) => {
                        self.unlink(rt, &mut writer, Some(DeleteReason::Removed), ev);
                        count += 1;
                    }
                    Err(TableError::NoSuchRoute) => {}
                    Err(e) => {
                        rt.reopen_clones();
                        failed = Some(e);
                    }
                }
            }
            self.end_hold(batch);
            drop(writer);
            if finished {
                break;
            }
            ev.flush();
            cond_resched();
        }
        // Some removed: the count says how many (their events go out).
        // None removed: why, if one could not be.
        if count == 0 {
            return Err(failed.unwrap_or(TableError::NoSuchRoute));
        }
        Ok(count)
    }

    /// Removes every route, or those of one family, with one clear event.
    /// The routes leave the trie at once; then they are taken out of the
    /// accounting (`RTF_UP` cleared, timers, clone lists, the hooks told)
    /// in batches of [`WRITER_BATCH`], before this returns.
    pub(crate) fn clear(&self, af: Option<Af>, ev: &mut Events<'_>) -> Result<u32, TableError> {
        self.make_room(ev, EVENTS_PER_BATCH);
        let mut writer = self.writer.lock();
        let v4 = match af {
            Some(Af::Inet6) => None,
            _ => Some(write_txn(&self.v4)?.take_all()),
        };
        let v6 = match af {
            Some(Af::Inet) => None,
            _ => Some(write_txn(&self.v6)?.take_all()),
        };
        if v4.is_some() {
            self.routes_v4.store(0, Relaxed);
        }
        if v6.is_some() {
            self.routes_v6.store(0, Relaxed);
        }
        self.changed();
        let mut count = 0;
        let mut batch = 0;
        if let Some(t) = &v4 {
            writer = self.unlink_cleared(t, writer, &mut batch, &mut count, ev);
        }
        if let Some(t) = &v6 {
            writer = self.unlink_cleared(t, writer, &mut batch, &mut count, ev);
        }
        self.end_hold(batch);
        drop(writer);
        ev.push(Event::Clear { af, count });
        Ok(count)
    }

    /// Takes the routes of `trie`, which a clear took out of the table, out
    /// of the accounting: clears `RTF_UP`, forgets their timers, takes
    /// clones off their parents' lists, and tells the hooks; in batches.
    fn unlink_cleared<'a, K: AfKey>(
        &'a self,
        trie: &Trie<K, RtEntry>,
        mut writer: WriterGuard<'a>,
        batch: &mut u32,
        count: &mut u32,
        ev: &mut Events<'_>,
    ) -> WriterGuard<'a> {
        let wants_entries = self.wants_entries();
        let mut after = None;
        loop {
            let finished = {
                let g = RcuGuard::new();
                let w = &mut *writer;
                walk_after(trie, None, &mut after, &g, &mut |rt| {
                    self.visit(batch);
                    rt.mark_down();
                    if rt.is_clone() {
                        self.clones.fetch_sub(1, Relaxed);
                        rt.unlink_from_parent();
                    }
                    w.timed.untrack(&rt);
                    if let PathRef::First(first) = rt {
                        drop(first.set_other_paths(None));
                    }
                    if wants_entries {
                        if let Some(rt) = rt.to_arc() {
                            ev.push_cleared(&rt);
                        }
                    }
                    *count += 1;
                    *batch < WRITER_BATCH
                })
            };
            if finished {
                return writer;
            }
            writer = self.next_batch(writer, batch, ev);
        }
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
        ev: &mut Events<'_>,
    ) -> Result<(), TableError> {
        // Made before anything changes, so that nothing fails after: the
        // route's own clones may go, and those it then supersedes.
        let mut superseded = match change.gateway {
            Some(_) if !prefix.is_host() => Some(SupersededRoom::new(self, ev)?),
            _ => {
                self.make_room(ev, 2);
                None
            }
        };
        let mut writer = self.writer.lock();
        let timed_room = if change.preferred.is_some() || change.expires.is_some() {
            Some(writer.timed.reserve_one(&self.timed_rooms)?)
        } else {
            None
        };
        let mut batch = 0;
        // A new router retires the route's clones first, in batches; after
        // a batch the request is checked again.
        let rt = loop {
            let rt = self.change_target(prefix, via, &change)?;
            if change.gateway.is_none() {
                break rt;
            }
            let one = core::slice::from_ref(&rt);
            let deleted =
                self.delete_clones_of(one, writer, &mut batch, DeleteReason::ParentChanged, ev);
            rt.reopen_clones();
            let (w, yielded) = deleted?;
            writer = w;
            if !yielded {
                break rt;
            }
        };
        let now = self.clock.boot_ns();
        let (info, due) = {
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
            // A clone is due at once: its idle time is the next run's to
            // weigh.
            (
                RouteInfo::of(&rt, &s),
                due_of(&s, rt.is_clone().then_some(now)),
            )
        };
        if let (Some(room), Some(due)) = (timed_room, due) {
            writer.timed.track(&rt, due, room);
        }
        self.changed();
        // rt_setgate's rt_fixchange also retires the clones inside the
        // prefix that came from a route no more specific: another path of
        // the same prefix.
        if change.gateway.is_some() {
            writer = self.retire_superseded(&rt, writer, &mut batch, superseded.as_mut(), ev);
        }
        self.end_hold(batch);
        drop(writer);
        self.push_route(ev, Event::Change(info), &rt);
        Ok(())
    }

    /// The path a route-change is for, checked against the change; under
    /// the writer lock.
    fn change_target(
        &self,
        prefix: &Prefix,
        via: Option<&Addr>,
        change: &RouteChange,
    ) -> Result<RtArc, TableError> {
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
        Ok(rt)
    }

    /// The lifetime work: deprecates and expires routes whose deadlines
    /// passed and collects clones unreferenced for `idle_ns` since their
    /// last release (FreeBSD's `in_rtqkill`). It looks only at the entries
    /// due by the time it starts, each once, and gives each its next time.
    /// Returns when to run next (boot ns), if ever. A release arms nothing,
    /// so a held clone is looked at again `idle_ns / 6` (at least a second)
    /// later (FreeBSD's `in_rtqtimo` runs every `RTQ_TIMEOUT`, a sixth of
    /// `rtq_reallyold`).
    pub(crate) fn run_lifetimes(&self, idle_ns: i64, ev: &mut Events<'_>) -> Option<i64> {
        self.lifetime_runs.fetch_add(1, Relaxed);
        self.make_room(ev, EVENTS_PER_BATCH);
        let mut writer = self.writer.lock();
        // Every entry looked at is given a time after this one, so the run
        // ends, however long its batches take.
        let horizon = self.clock.boot_ns();
        let mut now = horizon;
        let mut batch = 0;
        loop {
            if batch >= WRITER_BATCH {
                writer = self.next_batch(writer, &mut batch, ev);
                now = self.clock.boot_ns();
            }
            let rt = match writer.timed.first() {
                Some((due, rt)) if due <= horizon => rt.clone(),
                _ => break,
            };
            self.visit(&mut batch);
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
            let mut retry = false;
            if expired || idle {
                // A cloning route's clones go first.
                let one = core::slice::from_ref(&rt);
                let deleted =
                    self.delete_clones_of(one, writer, &mut batch, DeleteReason::ParentDeleted, ev);
                let clones_gone = deleted.is_ok();
                writer = match deleted {
                    Ok((w, yielded)) => {
                        if yielded {
                            now = self.clock.boot_ns();
                        }
                        w
                    }
                    // No memory to republish: the route stays, with the
                    // clones left, for a later run.
                    Err(_) => self.writer.lock(),
                };
                if clones_gone && rt.is_up() && self.remove_path(&rt).is_ok() {
                    let reason = if expired {
                        None
                    } else {
                        Some(DeleteReason::Idle)
                    };
                    self.unlink(&rt, &mut writer, reason, ev);
                    continue;
                }
                rt.reopen_clones();
                retry = true;
            }
            if deprecate {
                self.changed();
                ev.push(Event::Deprecate(info));
            }
            let next_look = if retry {
                Some(now.saturating_add(IDLE_POLL_MIN_NS))
            } else if let Some(t) = idle_since {
                Some(t.saturating_add(idle_ns))
            } else if rt.is_clone() {
                // Held: look again later, for when it is released.
                Some(now.saturating_add((idle_ns / 6).max(IDLE_POLL_MIN_NS)))
            } else {
                None
            };
            let deadline = next_deadline(info.flags, info.preferred, info.expires);
            // Unless it left while the lock was let go.
            match earlier(next_look, deadline) {
                Some(due) => writer
                    .timed
                    .reschedule(&rt, due.max(horizon.saturating_add(1))),
                None => writer.timed.untrack(&rt),
            }
        }
        let next = writer.timed.first().map(|(due, _)| due);
        self.end_hold(batch);
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

    /// Takes every route out, marking each down, for a namespace that goes
    /// away; `ev` gets the entries for the hooks.
    pub(crate) fn destroy(&self, ev: &mut Events<'_>) {
        // Its only failure, a second writer, is a bug `write_txn` reports;
        // the routes then stay until the table's memory goes.
        let _ = self.clear(None, ev);
    }
}

#[pinned_drop]
impl PinnedDrop for RouteTable {
    fn drop(self: Pin<&mut Self>) {
        // A parent and the clones on its list count each other: their
        // memory goes only once the clones leave the list, as a clear takes
        // them out. Nothing is told; a namespace's exit did that already.
        self.destroy(&mut Events::new());
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

/// Calls `f` for each path of the prefixes after `after` (from the first,
/// if `None`) in (address, length) order, all paths of a prefix at once;
/// with `within`, only the prefixes inside it, `within` itself first.
/// Stops after a prefix for which `f` returned `false`, and leaves in
/// `after` the last prefix visited. Returns whether the walk reached the end.
fn walk_after<K: AfKey>(
    trie: &Trie<K, RtEntry>,
    within: Option<&Prefix>,
    after: &mut Option<Prefix>,
    g: &RcuGuard,
    f: &mut dyn FnMut(PathRef<'_>) -> bool,
) -> bool {
    let mut each_path = |first| {
        let mut more = true;
        for rt in Paths::of(first, g).iter() {
            more &= f(rt);
        }
        more
    };
    if let (Some(p0), None) = (within, *after) {
        *after = Some(*p0);
        if let Some(first) = trie.get(K::of(&p0.addr()), p0.len(), g) {
            if !each_path(first) {
                return false;
            }
        }
    }
    let from = after.map(|p| (K::of(&p.addr()), p.len()));
    for (key, len, first) in trie.iter_from(from, g) {
        // In (address, length) order the prefixes inside `within` follow
        // it, until the first address outside it.
        if within.is_some_and(|p0| !p0.contains(&key.addr())) {
            return true;
        }
        let more = each_path(first);
        if let Ok(prefix) = Prefix::new(key.addr(), len) {
            *after = Some(prefix);
        }
        if !more {
            return false;
        }
    }
    true
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
