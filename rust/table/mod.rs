// SPDX-License-Identifier: GPL-2.0

//! A namespace's route table: FreeBSD's routing tree and `rtrequest1`.
//!
//! Two tries (IPv4 and IPv6) map each prefix to its first path's entry; the
//! prefix's other paths (through different routers, in the order they were
//! added, as OpenBSD's multipath list) hang off that entry ([`Paths`]).
//! Readers look up without locks under RCU; writers are serialized by the
//! table's mutex and publish copy-on-write lists of other paths. Entries
//! leave the table by
//! [`RtEntry::mark_down`](crate::entry::RtEntry::mark_down) and are freed
//! when their last holder lets go (see `entry`).
//!
//! This module holds the table's state and what every writer shares (the
//! writer lock, held in batches of [`WRITER_BATCH`]); its children implement
//! [`RouteTable`] in parts, each using only those before it: `paths` (a
//! prefix's paths, published in one step), `retire` (how a route leaves),
//! `lifetimes`, `fixchange` (`rt_fixchange`), `remove` (by prefix, by
//! address, clear), `gwroute` (RTM_RESOLVE's clones and the lookups of
//! routers that make them, `rt_gwroute`), `lookup` (`rtalloc1`, `rt_check`)
//! and `write` (add, change).

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
    entry::{flags::RTF_FMASK, EntryCounters, RtArc},
    event::{Event, Events},
    lifetime::{Clock, Deadline},
    platform::{cond_resched, AllocError},
    timed::{TimedQueue, TimedRooms},
    trie::Trie,
};

/// Evaluates `$body` with `$trie` bound to `$table`'s trie of the family
/// `$af`; inside it, [`AfKey::of`] makes keys of that trie's type.
macro_rules! on_trie {
    ($table:expr, $af:expr, |$trie:ident| $body:expr) => {
        match $af {
            $crate::addr::Af::Inet => {
                let $trie = &$table.v4;
                $body
            }
            $crate::addr::Af::Inet6 => {
                let $trie = &$table.v6;
                $body
            }
        }
    };
}

mod fixchange;
mod gwroute;
mod lifetimes;
mod lookup;
mod paths;
mod remove;
mod retire;
mod write;

pub(crate) use gwroute::ResolveHook;
#[allow(
    unused_imports,
    reason = "the in-kernel rtalloc(9) API; the KUnit suite uses it"
)]
pub(crate) use {gwroute::Lookup, lookup::Route};

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
    /// A router of another family than the route's (the in-kernel API's
    /// callers can ask for one): `EAFNOSUPPORT`.
    ViaOtherFamily,
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
    /// Routers' lookups nested past
    /// [`MAX_GWROUTE_DEPTH`](gwroute::MAX_GWROUTE_DEPTH): `ELOOP`.
    GatewayLoop,
    /// `rt_check` found no route to the next hop, or one that rejects
    /// through a router: `EHOSTUNREACH`.
    Unreachable,
    /// `rt_check`'s route itself rejects (`RTF_REJECT`): `EHOSTDOWN`.
    HostDown,
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
            TableError::ViaOtherFamily => EAFNOSUPPORT,
            TableError::ViaOnlyItself => EADDRINUSE,
            TableError::Full | TableError::TooManyPaths => ENOSPC,
            TableError::CloneNotPermitted => EPERM,
            TableError::NoMemory => ENOMEM,
            TableError::WriterBusy => EBUSY,
            TableError::GatewayLoop => ELOOP,
            TableError::Unreachable => EHOSTUNREACH,
            TableError::HostDown => EHOSTDOWN,
        }
    }
}

/// A route to add (FreeBSD's `rt_addrinfo` for RTM_ADD).
pub(crate) struct NewRoute {
    pub(crate) prefix: Prefix,
    pub(crate) gateway: Addr,
    /// Requested flags, within [`RTF_USER`](crate::entry::flags::RTF_USER).
    pub(crate) flags: u32,
    pub(crate) preferred: Option<Deadline>,
    pub(crate) expires: Option<Deadline>,
}

/// Changes to an existing route; `None` leaves a field as it is.
pub(crate) struct RouteChange {
    pub(crate) gateway: Option<Addr>,
    pub(crate) flags: Option<FlagsChange>,
    pub(crate) preferred: Option<Deadline>,
    pub(crate) expires: Option<Deadline>,
}

/// A change of a route's flags, FreeBSD's `rtm_flags` and `rtm_fmask`: the
/// bits of `mask` (within [`RTF_FMASK`]) take their values from `flags`.
#[derive(Clone, Copy)]
pub(crate) struct FlagsChange {
    pub(crate) flags: u32,
    pub(crate) mask: u32,
}

impl FlagsChange {
    /// `flags` for the bits `mask` names, the other bits of `old` kept.
    pub(crate) fn apply(self, old: u32) -> u32 {
        let mask = self.mask & RTF_FMASK;
        (old & !mask) | (self.flags & mask)
    }
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
    pub(crate) unreach: u64,
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

/// A namespace's route table.
#[pin_data(PinnedDrop)]
pub(crate) struct RouteTable {
    v4: Trie<u32, RtArc>,
    v6: Trie<u128, RtArc>,
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
    /// Lookups that matched nothing, or of a family with no table
    /// (FreeBSD's `rts_unreach`); counted on the miss path only.
    unreach: Atomic<u64>,
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
                unreach: Atomic::new(0),
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
            unreach: self.unreach.load(Relaxed),
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

    /// A lookup with `report` found nothing, or could not clone: a miss
    /// event, counted.
    pub(super) fn miss(&self, dst: &Addr, err: Option<Error>, ev: &mut Events<'_>) {
        self.misses.fetch_add(1, Relaxed);
        ev.push(Event::Miss { dst: *dst, err });
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

/// Whether a host route would go through its own destination (FreeBSD's
/// `rt_setgate`: `EADDRNOTAVAIL`).
fn via_itself(prefix: &Prefix, gateway: &Addr) -> bool {
    prefix.is_host() && !gateway.is_unspecified() && *gateway == prefix.addr()
}
