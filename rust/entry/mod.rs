// SPDX-License-Identifier: GPL-2.0

//! Route entries (FreeBSD's `struct rtentry`) and the reference rules of
//! rtalloc(9).
//!
//! An entry's memory is an [`RtArc`] (an [`RcuArc`], charged to the memory
//! cgroup of the task that adds the route): the table holds one count (its
//! trie for a prefix's first path, the first path's list for the others), a
//! clone one on its parent, and the table's own bookkeeping (events, the
//! lifetime work) the ones it needs. FreeBSD's `rt_refcnt` is kept apart
//! from it and counts holders only: being in the table is not a reference,
//! and neither is being a clone's parent (FreeBSD 7's `rtfree`: "NB: no
//! refcnt on parent"). So `rt_refcnt` and `rttrash` change when a holder
//! takes or drops a reference, never later, while the memory waits for RCU
//! readers and a parent's memory for its clones.
//!
//! A reference holds no count on the memory of its own: while `RTF_UP` is
//! set the table's count keeps it, and while the entry is out of its table
//! and referenced (in `rttrash`), one count that the holders share: the
//! transition into `rttrash` takes it (the delete that finds references, or
//! the first reference on an entry that left), the transition out gives it
//! back (the last release). So a referenced lookup changes one word, and the
//! memory goes one grace period after its last count: the table's, when it
//! unlinks an unreferenced entry, or the holders', at the last release.
//!
//! The holder types encode the FreeBSD macros:
//!
//! | FreeBSD                 | rtemu                                   |
//! |-------------------------|-----------------------------------------|
//! | locked, referenced `rt` | [`RtLocked`]                            |
//! | unlocked, referenced    | [`RtRef`]                               |
//! | `RT_LOCK(rt)`           | [`RtRef::lock`]                         |
//! | `RT_UNLOCK(rt)`         | [`RtLocked::unlock`]                    |
//! | `RT_ADDREF(rt)`         | [`RtLocked::addref`] (lock required)    |
//! | `RT_REMREF(rt)`         | [`RtLocked::remref`] (never the last)   |
//! | `rtfree(rt)`            | [`RtLocked::rtfree`] or dropping it     |
//! | `RTFREE(rt)`            | dropping an [`RtRef`]                   |
//!
//! Reference counting, `RTF_UP` and the entry lock share one atomic word
//! (the lock's state), so that a delete racing with the last release counts
//! the entry in `rttrash` exactly once, and the holders' count with it,
//! without the entry lock: a holder of one entry's lock may drop a reference
//! on another without nesting the locks. `rtalloc1` takes the lock and its
//! reference in one compare-and-exchange, `rtfree` drops both in one
//! subtraction.

use core::mem::ManuallyDrop;
use core::sync::atomic::{fence, Ordering};

use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        lock::Guard,
        Arc, LockedBy,
    },
    types::NotThreadSafe,
};

use crate::addr::{Addr, Prefix};
use crate::bhlock::{LockWord, WordLockBh, WordLockBhGuard, LOCK_BIT};
use crate::lifetime::{Clock, Deadline};
use crate::platform::{AllocError, RBox, RVec, RcuArc, RcuGuard, RcuPtr, RcuRef, RcuSlab, RcuSlot};

mod c;

/// Route flags, with FreeBSD 7's `RTF_*` values (see the UAPI header).
pub(crate) mod flags {
    use crate::uapi;

    pub(crate) const RTF_UP: u32 = uapi::RTEMU_ROUTE_FLAGS_UP;
    pub(crate) const RTF_GATEWAY: u32 = uapi::RTEMU_ROUTE_FLAGS_GATEWAY;
    pub(crate) const RTF_HOST: u32 = uapi::RTEMU_ROUTE_FLAGS_HOST;
    pub(crate) const RTF_REJECT: u32 = uapi::RTEMU_ROUTE_FLAGS_REJECT;
    pub(crate) const RTF_CLONING: u32 = uapi::RTEMU_ROUTE_FLAGS_CLONING;
    pub(crate) const RTF_XRESOLVE: u32 = uapi::RTEMU_ROUTE_FLAGS_XRESOLVE;
    pub(crate) const RTF_STATIC: u32 = uapi::RTEMU_ROUTE_FLAGS_STATIC;
    pub(crate) const RTF_BLACKHOLE: u32 = uapi::RTEMU_ROUTE_FLAGS_BLACKHOLE;
    pub(crate) const RTF_PRCLONING: u32 = uapi::RTEMU_ROUTE_FLAGS_PRCLONING;
    pub(crate) const RTF_WASCLONED: u32 = uapi::RTEMU_ROUTE_FLAGS_WASCLONED;
    /// rtemu's own: `preferred_until` has passed.
    pub(crate) const RTF_DEPRECATED: u32 = uapi::RTEMU_ROUTE_FLAGS_DEPRECATED;

    /// Flags a route-add request may set.
    pub(crate) const RTF_USER: u32 =
        RTF_CLONING | RTF_XRESOLVE | RTF_STATIC | RTF_REJECT | RTF_BLACKHOLE | RTF_PRCLONING;

    /// Flags a route-change may change: FreeBSD's `RTF_FMASK` (`route.h`)
    /// within rtemu's flags. Cloning and resolving are what a route is, so
    /// clones always go with their parent.
    pub(crate) const RTF_FMASK: u32 = RTF_STATIC | RTF_REJECT | RTF_BLACKHOLE;
}

use flags::*;

/// What the entry lock protects, besides the router (see
/// [`StateGuard::gateway`]) and the flags ([`RtEntry::flags_seen`]), which
/// lie outside it so that an IPv4 entry keeps its addresses in 8 bytes.
///
/// `#[repr(C)]`: C reads `gwroute` as `struct rtentry`'s `rt_gwroute`.
#[repr(C)]
pub(crate) struct RtState {
    /// `rt_gwroute`: for a route through a router, the route its lookup of
    /// the router found when the router was set (`rt_setgate`), referenced,
    /// or refreshed since by `rt_check`; released as the route leaves its
    /// table ([`RtEntry::mark_down`]), never by `rtfree`.
    pub(crate) gwroute: Option<RtRef>,
    /// The lifetimes and the clone list, in a side allocation that only
    /// routes with a lifetime, and cloning routes, carry: most have neither.
    rare: Option<RBox<RareState>>,
}

/// What few routes have, under their entry lock.
#[derive(Default)]
struct RareState {
    lifetimes: Lifetimes,
    /// The clones of this route in the table (a cloning route's).
    clones: CloneList,
}

/// A route's deadlines.
#[derive(Clone, Copy, Default)]
pub(crate) struct Lifetimes {
    pub(crate) preferred: Option<Deadline>,
    pub(crate) expires: Option<Deadline>,
}

impl Lifetimes {
    fn is_empty(&self) -> bool {
        self.preferred.is_none() && self.expires.is_none()
    }
}

/// Room for a route's side allocation ([`RareState`]), made before the
/// entry lock is taken, for a route given its first lifetime.
pub(crate) struct LifetimesRoom(RBox<RareState>);

impl LifetimesRoom {
    /// Allocates the room (may sleep).
    pub(crate) fn new() -> Result<Self, AllocError> {
        Ok(Self(RBox::new(RareState::default(), GFP_KERNEL)?))
    }
}

impl RtState {
    /// The state of a new route of `flags`, with no clones. Allocates the
    /// side allocation when there is a lifetime or the route clones (may
    /// sleep).
    pub(crate) fn new(
        flags: u32,
        preferred: Option<Deadline>,
        expires: Option<Deadline>,
    ) -> Result<Self, AllocError> {
        let lifetimes = Lifetimes { preferred, expires };
        let rare = if !lifetimes.is_empty() || flags & RTF_CLONING != 0 {
            Some(RBox::new(
                RareState {
                    lifetimes,
                    ..Default::default()
                },
                GFP_KERNEL,
            )?)
        } else {
            None
        };
        Ok(Self {
            rare,
            gwroute: None,
        })
    }

    /// The clone list; `None` for a route that never clones.
    fn clones(&self) -> Option<&CloneList> {
        self.rare.as_deref().map(|r| &r.clones)
    }

    fn clones_mut(&mut self) -> Option<&mut CloneList> {
        self.rare.as_deref_mut().map(|r| &mut r.clones)
    }

    /// Whether the clone list is closed (see [`RtEntry::clones_closed`]).
    pub(crate) fn clones_closed(&self) -> bool {
        self.clones().is_some_and(|c| c.closed)
    }

    /// `preferred_until`.
    pub(crate) fn preferred(&self) -> Option<Deadline> {
        self.lifetimes().preferred
    }

    /// `expires_at`.
    pub(crate) fn expires(&self) -> Option<Deadline> {
        self.lifetimes().expires
    }

    /// Both deadlines.
    pub(crate) fn lifetimes(&self) -> Lifetimes {
        self.rare
            .as_deref()
            .map(|r| r.lifetimes)
            .unwrap_or_default()
    }

    /// Sets both deadlines. A route without the side allocation takes
    /// `room` for them, which the caller made before taking the lock;
    /// returns the room unused. Panics if a first lifetime comes without
    /// room.
    pub(crate) fn set_lifetimes(
        &mut self,
        lifetimes: Lifetimes,
        room: Option<LifetimesRoom>,
    ) -> Option<LifetimesRoom> {
        if let Some(r) = self.rare.as_deref_mut() {
            r.lifetimes = lifetimes;
            return room;
        }
        if lifetimes.is_empty() {
            return room;
        }
        let LifetimesRoom(mut b) = room.expect("rtemu: a first lifetime without room made for it");
        b.lifetimes = lifetimes;
        self.rare = Some(b);
        None
    }
}

/// The clones of a cloning route that are in its table, newest first: a
/// list through the clones themselves ([`CloneLinks`]), so that linking a
/// clone allocates nothing and deleting a parent visits only its clones.
/// Guarded by the parent's entry lock, as are the links of its clones.
#[derive(Default)]
pub(crate) struct CloneList {
    first: Option<RtArc>,
    len: u32,
    /// Set while the parent's clones are being deleted in batches: no new
    /// clone joins it.
    closed: bool,
}

/// A clone's place in its parent's [`CloneList`].
#[derive(Default)]
struct CloneLinks {
    prev: Option<RtArc>,
    next: Option<RtArc>,
    linked: bool,
}

/// What only a clone carries, in a side allocation: most routes are not
/// clones.
struct CloneOf {
    /// `rt_parent`: the cloning route the clone came from. Its memory, not
    /// a reference in `rt_refcnt`'s sense.
    parent: RtArc,
    /// The clone's links in its parent's [`CloneList`], guarded by the
    /// parent's lock.
    links: LockedBy<CloneLinks, RtState>,
    /// Boot-time ns of the clone's last release (its creation until then):
    /// where its idle time starts, as FreeBSD's `in_clsroute` sets
    /// `rmx_expire` when the last reference goes.
    idle_since_ns: Atomic<i64>,
}

/// What an entry updates in its table.
pub(crate) struct EntryCounters {
    /// Deleted entries still referenced (FreeBSD's `rttrash`).
    pub(crate) trash: Atomic<u32>,
    /// The table's clock, which a clone's release reads.
    clock: &'static dyn Clock,
}

impl EntryCounters {
    pub(crate) fn new(clock: &'static dyn Clock) -> Self {
        Self {
            trash: Atomic::new(0),
            clock,
        }
    }
}

/// The slab cache of entries, which each module that makes entries
/// registers in its init and unregisters on exit.
pub(crate) static ENTRY_SLAB: RcuSlab<RtEntry> = RcuSlab::new();

/// Entries alive in the module, for leak checks in tests and on unload.
pub(crate) static LIVE_ENTRIES: Atomic<i64> = Atomic::new(0);

/// `RTF_UP`'s place in the entry word (the state of the entry lock, whose
/// bit is [`LOCK_BIT`]); the bits below the lock's are `rt_refcnt`.
const UP_BIT: u32 = 1 << 31;
/// Set for the life of a clone: the release path learns it from the word it
/// changes anyway, not from `parent`, a cache line further into the entry.
const CLONE_BIT: u32 = 1 << 30;
const REF_MASK: u32 = LOCK_BIT - 1;
/// `refcount_t`'s rule: a count that reaches half its range saturates. It is
/// then pinned in the middle of the upper half, so that racing increments
/// and decrements stay clear of the lock and flag bits, and the entry is
/// never freed (a leak, not a use after free).
const REF_SATURATE_AT: u32 = 1 << 28;
const REF_SATURATED: u32 = 3 << 27;
/// The `timed_slot` of an entry its table's lifetime work does not track.
const NOT_TIMED: u32 = u32::MAX;

/// Whether the log has said that a count saturated (once, as `refcount_t`).
static SATURATION_LOGGED: Atomic<u32> = Atomic::new(0);

/// The memory of an entry: a count on it, not a reference in `rt_refcnt`'s
/// sense.
pub(crate) type RtArc = RcuArc<RtEntry>;

/// The paths of a prefix after its first, in the order they were added.
/// Each holds the entry's memory, not a reference in `rt_refcnt`'s sense.
pub(crate) struct OtherPaths(pub(crate) RVec<RtArc>);

/// The addresses of an IPv6 route, which do not fit in the entry.
struct V6Addrs {
    /// `rt_key`.
    key: [u8; 16],
    /// `rt_gateway`, in network byte order; changed and read under the
    /// entry lock (see [`StateGuard::gateway`]).
    gateway: [Atomic<u32>; 4],
}

/// A route entry (FreeBSD's `struct rtentry`).
///
/// `#[repr(C)]`, in the order lookups touch the fields: every lookup the
/// other paths and the prefix length, a referenced one the flags, the use
/// count and the lock's word (which holds the count too), 28 bytes in all.
/// What few routes have (lifetimes, clones, a parent) is in side
/// allocations, and so are an IPv6 route's addresses, for which an IPv4
/// route needs 8 bytes. Without lockdep the entry is 80 bytes, 104 with its
/// memory's count before it and its RCU head after it.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct RtEntry {
    /// The prefix's other paths, while this entry is its first (the one its
    /// table's trie holds); changed under the table's writer lock.
    other_paths: RcuSlot<OtherPaths>,
    /// `rt_flags`, `RTF_UP` included, for readers with and without the lock,
    /// C's included; written under the lock ([`StateGuard::set_flags`],
    /// [`RtEntry::mark_up`], [`RtEntry::mark_down`]).
    flags_seen: Atomic<u32>,
    /// `rt_mask`'s length.
    prefix_len: u8,
    /// `rt_use`: lookups that returned the entry; counted under the lock.
    use_count: Atomic<u64>,
    /// `rt_mtx`. Its word ([`RtEntry::word`]) also holds `RTF_UP`, whether
    /// this is a clone, and `rt_refcnt`; see the module documentation.
    ///
    /// The lock's spare word ([`RtEntry::timed_slot`]) holds the entry's
    /// index in its table's [`TimedQueue`](crate::timed::TimedQueue),
    /// [`NOT_TIMED`] when not in it; used under the table's writer lock only.
    #[pin]
    state: WordLockBh<RtState>,
    /// An IPv4 route's `rt_gateway`, in network byte order; changed and read
    /// under the lock (see [`StateGuard::gateway`]).
    gateway_v4: Atomic<u32>,
    /// An IPv4 route's `rt_key`.
    key_v4: [u8; 4],
    /// An IPv6 route's addresses; `None` for an IPv4 route.
    v6: Option<RBox<V6Addrs>>,
    /// A clone's parent, links and idle time.
    clone_of: Option<RBox<CloneOf>>,
    counters: Arc<EntryCounters>,
}

// No padding but the 3 bytes after the prefix length: the entry is 80
// bytes and its lock's state (8 bytes without lockdep, which adds its map).
const _: () = assert!(core::mem::size_of::<RtEntry>() == 72 + core::mem::size_of::<LockWord>());

impl RtEntry {
    /// A new entry for `prefix` through `gateway`, with `flags` (other than
    /// `RTF_UP`), not yet in a table (`RTF_UP` clear, no references). Panics
    /// if `gateway` is of another family: the table refuses such a route
    /// before it makes its entry.
    pub(crate) fn new(
        prefix: Prefix,
        gateway: Addr,
        flags: u32,
        state: RtState,
        parent: Option<&RtRef>,
        counters: Arc<EntryCounters>,
        now_ns: i64,
    ) -> Result<RtArc, AllocError> {
        // Charged to the memory cgroup of the task adding the route; fails
        // rather than wake the cgroup's OOM killer (see `RouteAlloc`).
        let clone_of = match parent {
            Some(p) => Some(RBox::new(
                CloneOf {
                    parent: p.arc(),
                    links: LockedBy::new(&p.entry().state, CloneLinks::default()),
                    idle_since_ns: Atomic::new(now_ns),
                },
                GFP_KERNEL,
            )?),
            None => None,
        };
        let (key_v4, v6) = match (prefix.addr(), gateway) {
            (Addr::V4(key), Addr::V4(_)) => (key, None),
            (Addr::V6(key), Addr::V6(_)) => (
                [0; 4],
                Some(RBox::new(
                    V6Addrs {
                        key,
                        gateway: [const { Atomic::new(0) }; 4],
                    },
                    GFP_KERNEL,
                )?),
            ),
            _ => panic!("rtemu: a route through a router of another family"),
        };
        let clone_bit = if clone_of.is_some() { CLONE_BIT } else { 0 };
        let rt = RcuArc::pin_init_in(
            &ENTRY_SLAB,
            pin_init!(Self {
                other_paths: RcuSlot::empty(),
                flags_seen: Atomic::new(flags & !RTF_UP),
                prefix_len: prefix.len(),
                use_count: Atomic::new(0),
                state <- WordLockBh::new(state, c"rtemu_rt_mtx", kernel::static_lock_class!()),
                gateway_v4: Atomic::new(0),
                key_v4,
                v6,
                clone_of,
                counters,
            }),
        )?;
        // Before anything else can see the entry.
        rt.store_gateway(gateway);
        rt.word().update(|v| v | clone_bit);
        rt.word().spare().store(NOT_TIMED, Relaxed);
        LIVE_ENTRIES.fetch_add(1, Relaxed);
        Ok(rt)
    }

    /// The prefix's other paths while this entry is its first in a table
    /// (none otherwise), as of `g`.
    pub(crate) fn other_paths<'g>(&'g self, g: &'g RcuGuard) -> &'g [RtArc] {
        self.other_paths.load(g).map_or(&[], |o| &o.get().0)
    }

    /// Makes `paths` the prefix's other paths, for an entry that is or is
    /// about to be its first; returns the previous ones. Under the table's
    /// writer lock.
    pub(crate) fn set_other_paths(
        &self,
        paths: Option<RcuArc<OtherPaths>>,
    ) -> Option<RcuArc<OtherPaths>> {
        self.other_paths.swap(paths)
    }

    /// `rt_key` and `rt_mask`.
    pub(crate) fn prefix(&self) -> Prefix {
        let key = match &self.v6 {
            None => Addr::V4(self.key_v4),
            Some(v6) => Addr::V6(v6.key),
        };
        Prefix::from_valid_parts(key, self.prefix_len)
    }

    /// The prefix's length, which lookups read.
    pub(crate) fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// `rt_gateway`. Under the entry lock, which keeps an IPv6 router's
    /// words from changing while they are read.
    fn load_gateway(&self) -> Addr {
        match &self.v6 {
            None => Addr::V4(self.gateway_v4.load(Relaxed).to_ne_bytes()),
            Some(v6) => {
                let mut a = [0u8; 16];
                for (bytes, word) in a.chunks_exact_mut(4).zip(&v6.gateway) {
                    bytes.copy_from_slice(&word.load(Relaxed).to_ne_bytes());
                }
                Addr::V6(a)
            }
        }
    }

    /// Sets `rt_gateway`, under the entry lock (or before the entry is
    /// shared). Panics on an address of the other family.
    fn store_gateway(&self, gateway: Addr) {
        match (&self.v6, gateway) {
            (None, Addr::V4(a)) => self.gateway_v4.store(u32::from_ne_bytes(a), Relaxed),
            (Some(v6), Addr::V6(a)) => {
                for (i, word) in v6.gateway.iter().enumerate() {
                    let b = &a[4 * i..];
                    word.store(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]), Relaxed);
                }
            }
            _ => panic!("rtemu: a router of another family than its route"),
        }
    }

    /// The cloning route this clone came from.
    pub(crate) fn parent(&self) -> Option<&RtEntry> {
        self.parent_arc().map(|p| &**p)
    }

    /// The memory of the cloning route this clone came from.
    pub(crate) fn parent_arc(&self) -> Option<&RtArc> {
        self.clone_of.as_ref().map(|c| &c.parent)
    }

    /// How many of its clones are in the table.
    pub(crate) fn clone_count(&self) -> u32 {
        self.state.lock().clones().map_or(0, |c| c.len)
    }

    /// Links `clone`, a new clone of this entry, into its clone list, unless
    /// the list is closed (the entry's clones are being deleted) or this
    /// route does not clone. The table's writer calls it under its lock,
    /// with no entry lock held.
    pub(crate) fn link_clone(&self, clone: &RtArc) -> bool {
        let mut s = self.state.lock();
        let Some(links) = clone.siblings_of(self) else {
            return false;
        };
        if links.access(&*s).linked {
            return false;
        }
        let Some(list) = s.clones_mut().filter(|c| !c.closed) else {
            return false;
        };
        let old_first = list.first.replace(clone.clone());
        list.len += 1;
        if let Some(f) = &old_first {
            if let Some(l) = f.siblings_of(self) {
                l.access_mut(&mut *s).prev = Some(clone.clone());
            }
        }
        *links.access_mut(&mut *s) = CloneLinks {
            prev: None,
            next: old_first,
            linked: true,
        };
        true
    }

    /// Takes this clone out of its parent's clone list, if it is in it.
    /// Under the table's writer lock, with no entry lock held.
    pub(crate) fn unlink_from_parent(&self) {
        let Some(parent) = self.parent() else {
            return;
        };
        let Some(links) = self.siblings_of(parent) else {
            return;
        };
        let mut s = parent.state.lock();
        let CloneLinks { prev, next, linked } = core::mem::take(links.access_mut(&mut *s));
        if !linked {
            return;
        }
        if let Some(l) = next.as_ref().and_then(|n| n.siblings_of(parent)) {
            l.access_mut(&mut *s).prev = prev.clone();
        }
        match &prev {
            Some(p) => {
                if let Some(l) = p.siblings_of(parent) {
                    l.access_mut(&mut *s).next = next;
                }
            }
            None => {
                if let Some(list) = s.clones_mut() {
                    list.first = next;
                }
            }
        }
        if let Some(list) = s.clones_mut() {
            list.len -= 1;
        }
        // The links leave with the lock held; the counts they drop are
        // dropped after it (`prev`, here), never under it on this entry.
        drop(s);
        drop(prev);
    }

    /// Closes this entry's clone list to new clones, for a writer about to
    /// delete them, and returns the newest one left, if any.
    pub(crate) fn close_clones(&self) -> Option<RtArc> {
        let mut s = self.state.lock();
        let list = s.clones_mut()?;
        list.closed = true;
        list.first.clone()
    }

    /// Opens the clone list again, after a request that closed it failed.
    pub(crate) fn reopen_clones(&self) {
        if let Some(list) = self.state.lock().clones_mut() {
            list.closed = false;
        }
    }

    /// Whether the clone list is closed: cloning from this entry is
    /// refused while its clones are deleted.
    pub(crate) fn clones_closed(&self) -> bool {
        self.state.lock().clones_closed()
    }

    /// The links of this clone, if `parent` is its parent.
    fn siblings_of(&self, parent: &RtEntry) -> Option<&LockedBy<CloneLinks, RtState>> {
        self.clone_of
            .as_ref()
            .filter(|c| core::ptr::eq(&*c.parent, parent))
            .map(|c| &c.links)
    }

    /// The entry lock's word, which holds `RTF_UP`, the clone bit and
    /// `rt_refcnt` beside the lock's bit.
    fn word(&self) -> &LockWord {
        LockWord::of(&self.state)
    }

    /// `rt_refcnt`.
    pub(crate) fn refcnt(&self) -> u32 {
        self.word().load() & REF_MASK
    }

    /// When an unreferenced clone's idle time began; `None` for a route
    /// that is not a clone, and while a clone is referenced, which stops
    /// its clock (FreeBSD's `in_matroute`).
    pub(crate) fn idle_since_ns(&self) -> Option<i64> {
        // Acquire: the release that made the count zero stamped the time
        // first.
        let clone_of = self.clone_of.as_ref()?;
        if self.word().load_acquire() & REF_MASK != 0 {
            return None;
        }
        Some(clone_of.idle_since_ns.load(Relaxed))
    }

    /// Whether `RTF_UP` is set: the entry is in a table.
    pub(crate) fn is_up(&self) -> bool {
        self.word().load() & UP_BIT != 0
    }

    /// Sets or clears `RTF_UP` in the flags readers see, under the entry
    /// lock, whose guard `held` is.
    fn show_up(&self, held: &WordLockBhGuard<'_, RtState>, up: bool) {
        assert!(core::ptr::eq(held.lock_ref(), &self.state));
        let flags = self.flags_seen.load(Relaxed) & !RTF_UP;
        self.flags_seen
            .store(if up { flags | RTF_UP } else { flags }, Relaxed);
    }

    /// Whether `RTF_DEPRECATED` is set, without the lock.
    pub(crate) fn is_deprecated(&self) -> bool {
        self.flags_seen.load(Relaxed) & RTF_DEPRECATED != 0
    }

    /// Whether this is a clone (`RTF_WASCLONED`, with its parent).
    pub(crate) fn is_clone(&self) -> bool {
        self.clone_of.is_some()
    }

    /// `rt_use`.
    pub(crate) fn use_count(&self) -> u64 {
        self.use_count.load(Relaxed)
    }

    /// Its index in its table's queue of timed entries, if it is in it.
    pub(crate) fn timed_slot(&self) -> Option<usize> {
        let slot = self.word().spare().load(Relaxed);
        (slot != NOT_TIMED).then_some(slot as usize)
    }

    /// Records the entry's index in its table's queue. A queue holds fewer
    /// entries than `NOT_TIMED`: entries are far larger than 16 bytes.
    pub(crate) fn set_timed_slot(&self, slot: Option<usize>) {
        let slot = slot.map_or(NOT_TIMED, |i| {
            u32::try_from(i)
                .ok()
                .filter(|&i| i != NOT_TIMED)
                .expect("rtemu: a timed queue index beyond u32")
        });
        self.word().spare().store(slot, Relaxed);
    }

    /// Locks the entry without taking a reference, for the table's writer,
    /// which keeps the entry alive through the table.
    pub(crate) fn lock_state(&self) -> StateGuard<'_> {
        StateGuard {
            rt: self,
            guard: self.state.lock(),
        }
    }

    /// Sets `RTF_UP`: the entry was linked into its table, which keeps its
    /// memory from now on: a count that holders took on it before (see
    /// [`RtEntry::holders_need_memory`]) is given back.
    pub(crate) fn mark_up(rt: &RtArc) {
        let old = {
            let state = rt.state.lock();
            rt.show_up(&state, true);
            rt.word().update(|v| v | UP_BIT)
        };
        if old & UP_BIT == 0 && old & REF_MASK > 0 {
            rt.counters.trash.fetch_sub(1, Relaxed);
            // SAFETY: every entry is the value of an `RtArc`. The holders'
            // count exists (the word had no `RTF_UP` and references), and
            // this transition, its last user, gives it up; `rt` still counts
            // the entry, so this is not the last count.
            drop(unsafe { RcuPtr::adopt_count_of(&**rt) });
        }
    }

    /// Clears `RTF_UP` as the entry leaves its table; a held entry goes to
    /// `rttrash` until its last reference is dropped, and its holders keep
    /// its memory from now on. Its `rt_gwroute` reference goes with it, as
    /// `rtrequest1(RTM_DELETE)` and `rtexpunge` drop it: under the entry
    /// lock, so that no `rt_check` sets one on an entry that left (it checks
    /// `RTF_UP` under the same lock).
    pub(crate) fn mark_down(rt: &RtArc) {
        // Taken first, so that it exists before any holder sees the word
        // that makes it theirs to drop.
        let holders_count = rt.clone();
        let gwroute = {
            let mut state = rt.state.lock();
            rt.show_up(&state, false);
            let old = rt.word().update(|v| v & !UP_BIT);
            if old & UP_BIT != 0 && old & REF_MASK > 0 {
                rt.counters.trash.fetch_add(1, Relaxed);
                core::mem::forget(holders_count);
            } else {
                drop(holders_count);
            }
            state.gwroute.take()
        };
        // Outside the lock, though a release takes no lock: it may free the
        // gateway's entry.
        drop(gwroute);
    }

    /// Whether a reference counted on the word that was `old` is the first
    /// of an entry out of its table: the entry enters `rttrash` (deleted and
    /// still referenced, which the release of the last reference ends), and
    /// its holders must keep its memory, with one count on it that the last
    /// of them gives back ([`RtEntry::dropped_ref`]). While `RTF_UP` is set
    /// the table keeps the memory, and [`RtEntry::mark_down`] takes the
    /// holders' count for references it finds. A lookup under RCU can find
    /// an entry that left its table, unreferenced, a moment before.
    fn holders_need_memory(old: u32) -> bool {
        old & UP_BIT == 0 && old & REF_MASK == 0
    }

    /// Counts one more reference on the entry `rt` counts (the counting
    /// half of `RT_ADDREF`).
    fn take_ref(rt: &RtArc) {
        let old = rt.word().add(1);
        if rt.took_ref(old) {
            core::mem::forget(rt.clone());
        }
    }

    /// What follows a reference counted on the word that was `old`;
    /// returns whether the caller must take the holders' count on the
    /// entry's memory.
    fn took_ref(&self, old: u32) -> bool {
        if old & REF_MASK >= REF_SATURATE_AT - 1 {
            self.saturate();
            return false;
        }
        if Self::holders_need_memory(old) {
            self.counters.trash.fetch_add(1, Relaxed);
            return true;
        }
        false
    }

    /// What precedes dropping a reference: a clone's idle time starts at
    /// its last release (`in_clsroute`).
    fn releasing(&self) {
        if self.word().load() & CLONE_BIT != 0 {
            if let Some(c) = &self.clone_of {
                // Stamped before the count drops, so that whoever sees the
                // count at zero sees this time or a later one.
                c.idle_since_ns
                    .store(self.counters.clock.boot_ns(), Relaxed);
            }
        }
    }

    /// What follows a reference dropped from the word that was `old` (the
    /// counting half of `rtfree`): the entry leaves `rttrash` when this was
    /// the last reference of a deleted entry, and its memory may go. The
    /// entry is not touched afterwards.
    fn dropped_ref(&self, old: u32) {
        if old & REF_MASK >= REF_SATURATE_AT {
            self.saturate();
            return;
        }
        if old & REF_MASK == 1 && old & UP_BIT == 0 {
            self.counters.trash.fetch_sub(1, Relaxed);
            // What the other holders did before their releases happens
            // before what the freeing does (`refcount_dec_and_test`'s rule).
            fence(Ordering::Acquire);
            // SAFETY: every entry is the value of an `RtArc`. The holders'
            // count exists (the word had no `RTF_UP` and a reference, see
            // `holders_need_memory`), and the release of the last reference
            // gives it up: a reference taken after it took a count of its
            // own first.
            drop(unsafe { RcuPtr::adopt_count_of(self) });
        }
    }

    /// Pins a count that reached [`REF_SATURATE_AT`] at [`REF_SATURATED`].
    fn saturate(&self) {
        self.word().update(|v| (v & !REF_MASK) | REF_SATURATED);
        if SATURATION_LOGGED.cmpxchg(0, 1, Relaxed).is_ok() {
            pr_warn!("rtemu: rt_refcnt saturated; leaking the entry\n");
        }
    }

    #[allow(dead_code, reason = "the KUnit suite starts a count near saturation")]
    /// Sets `rt_refcnt` outright, for a test.
    pub(crate) fn set_refcnt_for_test(&self, n: u32) {
        self.word().update(|v| (v & !REF_MASK) | (n & REF_MASK));
    }
}

#[pinned_drop]
impl PinnedDrop for RtEntry {
    fn drop(self: Pin<&mut Self>) {
        // The memory of a referenced entry stays (see `RtRef`).
        kernel::warn_on!(self.refcnt() != 0);
        LIVE_ENTRIES.fetch_sub(1, Relaxed);
    }
}

/// The lock of an entry, held, and what it protects: the fields of
/// [`RtState`] and the flags and router, which lie outside it.
pub(crate) struct StateGuard<'a> {
    rt: &'a RtEntry,
    guard: WordLockBhGuard<'a, RtState>,
}

impl StateGuard<'_> {
    /// The flags other than `RTF_UP`.
    pub(crate) fn flags(&self) -> u32 {
        self.rt.flags_seen.load(Relaxed) & !RTF_UP
    }

    /// Sets the flags other than `RTF_UP`.
    pub(crate) fn set_flags(&mut self, flags: u32) {
        let up = self.rt.flags_seen.load(Relaxed) & RTF_UP;
        self.rt.flags_seen.store((flags & !RTF_UP) | up, Relaxed);
    }

    /// `rt_gateway`: the via router.
    pub(crate) fn gateway(&self) -> Addr {
        self.rt.load_gateway()
    }

    /// Sets `rt_gateway`, an address of the route's family.
    pub(crate) fn set_gateway(&mut self, gateway: Addr) {
        self.rt.store_gateway(gateway);
    }
}

impl core::ops::Deref for StateGuard<'_> {
    type Target = RtState;

    fn deref(&self) -> &RtState {
        &self.guard
    }
}

impl core::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut RtState {
        &mut self.guard
    }
}

/// A referenced, unlocked entry. Dropping it is FreeBSD's `RTFREE`.
///
/// # Invariants
///
/// `rt_refcnt` of the entry `rt` points at counts one reference that this
/// handle owns; while it does, the entry's memory is live: its table counts
/// it while `RTF_UP` is set, the holders' count otherwise (see
/// [`RtEntry::holders_need_memory`]).
#[repr(transparent)]
pub(crate) struct RtRef {
    rt: RcuPtr<RtEntry>,
}

impl RtRef {
    /// Takes a reference on the entry `rt` counts, whose count the caller
    /// gives up.
    pub(crate) fn from_arc(rt: RtArc) -> Self {
        let old = rt.word().add(1);
        let p = RcuPtr::of(&rt);
        if rt.took_ref(old) {
            // The handle's count is the holders' now.
            core::mem::forget(rt);
        }
        // INVARIANT: the reference just counted, on an entry its table or
        // the holders' count keeps.
        Self { rt: p }
    }

    /// Takes a reference on the entry `rt` counts (RT_LOCK, RT_ADDREF,
    /// RT_UNLOCK in FreeBSD, which needs the lock only because its count is
    /// not atomic).
    pub(crate) fn new(rt: &RtArc) -> Self {
        RtEntry::take_ref(rt);
        // INVARIANT: the reference just counted, on an entry its table or
        // the holders' count keeps.
        Self { rt: RcuPtr::of(rt) }
    }

    /// `RT_LOCK`: lock the entry, keeping the reference.
    pub(crate) fn lock(self) -> RtLocked {
        core::mem::forget(self.entry().state.lock());
        // INVARIANT: the lock was just taken and its guard forgotten, so this
        // `RtLocked` owns it.
        RtLocked {
            rt: ManuallyDrop::new(self),
            _not_send: NotThreadSafe,
        }
    }

    pub(crate) fn entry(&self) -> &RtEntry {
        // SAFETY: the reference keeps the entry live while `self` lives (type
        // invariant).
        unsafe { self.rt.get() }
    }

    /// A count on the entry's memory.
    pub(crate) fn arc(&self) -> RtArc {
        // SAFETY: the reference keeps the entry live and its memory counted
        // (type invariant).
        unsafe { self.rt.count() }
    }

    #[allow(
        dead_code,
        reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
    )]
    /// Whether two handles refer to the same entry.
    pub(crate) fn same(&self, other: &RtRef) -> bool {
        core::ptr::eq(self.entry(), other.entry())
    }

    /// Whether this handle refers to `rt`.
    pub(crate) fn is(&self, rt: &RtArc) -> bool {
        self.rt.is(rt)
    }

    /// Another reference on the entry (`RT_ADDREF`, which needs no lock
    /// here: the count is atomic).
    pub(crate) fn addref(&self) -> RtRef {
        let rt = self.entry();
        // Never the entry's first: this handle's reference is counted, and
        // the entry's memory kept already, by its table or the holders.
        let first = rt.took_ref(rt.word().add(1));
        debug_assert!(!first);
        // INVARIANT: the reference just counted, on an entry kept as this
        // one's reference keeps it.
        Self { rt: self.rt }
    }
}

impl Drop for RtRef {
    fn drop(&mut self) {
        // `RTFREE` is RT_LOCK, rtfree, RT_UNLOCK in FreeBSD, whose count is
        // not atomic. Ours is, so no lock is taken: a holder of one entry's
        // lock may drop a reference on another without nesting the locks.
        let rt = self.entry();
        rt.releasing();
        let old = rt.word().sub(1);
        rt.dropped_ref(old);
    }
}

/// A referenced, locked entry: what `rtalloc1` returns.
///
/// The lock is a spinlock: do not sleep while holding an `RtLocked`.
///
/// # Invariants
///
/// The entry's lock is held, and owned by this value: nothing else will
/// release it. `rt` holds one reference.
pub(crate) struct RtLocked {
    rt: ManuallyDrop<RtRef>,
    _not_send: NotThreadSafe,
}

impl RtLocked {
    /// `RT_LOCK` and `RT_ADDREF` on an entry found in a table under RCU, as
    /// `rtalloc1` returns it: one atomic instruction on the entry word takes
    /// both. An entry that may have just left its table first gets a count
    /// on its memory, for its holders to keep it by; `None` if none can be
    /// had (the entry left, and its memory only waits for the grace period).
    pub(crate) fn lock_found(found: RcuRef<'_, RtEntry>) -> Option<Self> {
        let rt = found.get();
        let word = LockWord::of(&rt.state);
        let mut spare: Option<RtArc> = None;
        let old = loop {
            let have_spare = spare.is_some();
            let take = |v| (have_spare || !RtEntry::holders_need_memory(v)).then_some(v + 1);
            if let Some(old) = word.lock_if(take) {
                break old;
            }
            spare = Some(found.to_arc()?);
        };
        let first = rt.took_ref(old);
        match spare {
            // The lock was taken only with a spare where one is needed.
            Some(spare) if first => core::mem::forget(spare),
            // Not the last count: the table or the holders' count keeps the
            // entry's memory, so dropping it under the lock frees nothing.
            spare => drop(spare),
        }
        // INVARIANT: the lock was just taken, for this value, which holds the
        // reference just counted, on an entry kept by its table or by the
        // holders' count.
        Some(RtLocked {
            rt: ManuallyDrop::new(RtRef {
                rt: RcuPtr::of_found(found),
            }),
            _not_send: NotThreadSafe,
        })
    }

    pub(crate) fn entry(&self) -> &RtEntry {
        self.rt.entry()
    }

    /// The fields the entry lock protects.
    pub(crate) fn state(&mut self) -> &mut RtState {
        self.parts().1
    }

    /// The entry and the fields its lock protects, at once. The lock is
    /// held: taking it again through the entry (`lock_state`) deadlocks.
    pub(crate) fn parts(&mut self) -> (&RtEntry, &mut RtState) {
        let rt: &RtEntry = self.rt.entry();
        // SAFETY: by the type invariant the lock is held and owned by `self`;
        // the guard is a view of that ownership and is never dropped, so the
        // lock stays held.
        let guard = unsafe { Guard::new(&rt.state, ()) };
        let mut guard = ManuallyDrop::new(guard);
        let state: *mut RtState = &mut **guard;
        // SAFETY: the lock is held, and owned by `self`, for as long as `self`
        // is borrowed mutably, which bounds the returned reference, so it is
        // the only one. The state lives in the lock's `UnsafeCell`, so the
        // shared `rt` does not alias it.
        (rt, unsafe { &mut *state })
    }

    /// A snapshot of the locked entry.
    pub(crate) fn info(&mut self) -> RouteInfo {
        let (rt, state) = self.parts();
        RouteInfo::of(rt, state)
    }

    /// Counts a lookup that returned the entry (`rt_use`). Every count is
    /// made under the entry lock, so a plain increment loses none (and
    /// costs no locked instruction); readers without the lock see the count
    /// before or after it.
    pub(crate) fn note_use(&mut self) {
        let rt = self.entry();
        rt.use_count.store(rt.use_count.load(Relaxed) + 1, Relaxed);
    }

    /// The flags as reported, `RTF_UP` included.
    pub(crate) fn flags(&mut self) -> u32 {
        self.entry().flags_seen.load(Relaxed)
    }

    #[allow(
        dead_code,
        reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
    )]
    /// `RT_ADDREF`: another reference on the locked entry.
    pub(crate) fn addref(&mut self) -> RtRef {
        self.rt.addref()
    }

    #[allow(
        dead_code,
        reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
    )]
    /// `RT_REMREF`: give back a reference on this entry. Never the last: the
    /// caller's own reference remains (as `RT_REMREF` asserts in FreeBSD).
    pub(crate) fn remref(&mut self, other: RtRef) {
        assert!(other.same(&self.rt), "RT_REMREF of another entry");
        assert!(
            self.entry().refcnt() >= 2,
            "RT_REMREF of the last reference"
        );
        drop(other);
    }

    /// `RT_UNLOCK`: unlock, keeping the reference.
    pub(crate) fn unlock(self) -> RtRef {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is not used again after its handle is taken out.
        let rt = unsafe { ManuallyDrop::take(&mut this.rt) };
        // SAFETY: by the type invariant we own the held lock; dropping this
        // guard releases it.
        drop(unsafe { Guard::new(&rt.entry().state, ()) });
        rt
    }

    #[allow(
        dead_code,
        reason = "rtalloc(9) API for in-kernel callers; the KUnit suite exercises it"
    )]
    /// `rtfree`: release the reference and the lock.
    pub(crate) fn rtfree(self) {
        drop(self)
    }
}

impl Drop for RtLocked {
    /// `rtfree`: the reference and the lock go in one atomic instruction on
    /// the entry word.
    fn drop(&mut self) {
        // SAFETY: `self.rt` is not used again.
        let rt = unsafe { ManuallyDrop::take(&mut self.rt) };
        let entry = rt.entry();
        entry.releasing();
        // SAFETY: by the type invariant we own the held lock, and give it up
        // here; no guard of it is dropped.
        if let Some(old) = unsafe { LockWord::of(&entry.state).unlock_with(1) } {
            entry.dropped_ref(old);
        }
        // Its reference went with the lock (or, for a lock that C released
        // already, stays: a leak, reported, rather than a count dropped
        // twice).
        core::mem::forget(rt);
    }
}

/// A route as an event or reply shows it, copied under the entry lock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteInfo {
    pub(crate) prefix: Prefix,
    pub(crate) gateway: Addr,
    pub(crate) flags: u32,
    pub(crate) preferred: Option<Deadline>,
    pub(crate) expires: Option<Deadline>,
    pub(crate) refcnt: u32,
    pub(crate) use_count: u64,
    pub(crate) parent: Option<Prefix>,
}

impl RouteInfo {
    /// A snapshot of `rt`, whose lock is held and guards `state`.
    pub(crate) fn of(rt: &RtEntry, state: &RtState) -> Self {
        Self {
            prefix: rt.prefix(),
            gateway: rt.load_gateway(),
            flags: rt.flags_seen.load(Relaxed),
            preferred: state.preferred(),
            expires: state.expires(),
            refcnt: rt.refcnt(),
            use_count: rt.use_count(),
            parent: rt.parent().map(RtEntry::prefix),
        }
    }

    /// A snapshot of `rt`, taking its lock.
    pub(crate) fn of_unlocked(rt: &RtEntry) -> Self {
        let state = rt.lock_state();
        Self::of(rt, &state)
    }
}

/// The flags a clone of `parent_flags` gets (FreeBSD's RTM_RESOLVE).
pub(crate) fn clone_flags(parent_flags: u32) -> u32 {
    (parent_flags & !(RTF_CLONING | RTF_STATIC | RTF_UP | RTF_DEPRECATED))
        | RTF_WASCLONED
        | RTF_HOST
}

/// Whether a route of these flags clones under `ignflags`: only
/// `RTF_CLONING` counts (`RTF_PRCLONING` is obsolete and never clones).
pub(crate) fn clones(flags: u32, ignflags: u32) -> bool {
    flags & !ignflags & RTF_CLONING != 0
}
