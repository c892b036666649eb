// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of rtemu's table: the trie under the kernel's RCU, the
//! rtalloc(9) rules, cloning, lifetimes and teardown.
//!
//! A separate module (`rtemu_kunit.ko`, built with `RTEMU_KUNIT=1`) so that
//! loading rtemu does not run tests and DKMS builds need no KUnit. It
//! compiles the same sources as rtemu; loading it runs the suites and the
//! results appear in debugfs under `kunit/`.

#![allow(
    dead_code,
    reason = "the netlink side of the shared sources is not part of this test module"
)]

use kernel::prelude::*;

mod addr;
mod bhlock;
mod c_consts;
mod entry;
mod event;
mod lifetime;
mod platform;
mod table;
mod timed;
mod timer;
mod trie;
mod uapi;

module! {
    type: RtemuKunit,
    name: "rtemu_kunit",
    authors: ["The rtemu authors"],
    description: "KUnit tests of rtemu's route table",
    license: "GPL",
}

/// The entries' and the nodes' slab caches, for the tests, which run once the
/// module is live.
struct RtemuKunit {
    _entries: platform::RcuSlabRegistration<entry::RtEntry>,
    _nodes: platform::NodeSlabs,
}

impl kernel::Module for RtemuKunit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Self {
            _entries: entry::ENTRY_SLAB.register(c"rtemu_kunit_entry")?,
            _nodes: {
                platform::detect_cpu();
                platform::NodeSlabs::register("rtemu_kunit_node")?
            },
        })
    }
}

impl Drop for RtemuKunit {
    fn drop(&mut self) {
        platform::rcu_drain();
    }
}

#[kunit_tests(rtemu_table)]
mod tests {
    use core::alloc::Layout;

    use kernel::{
        ffi::c_void,
        new_spinlock,
        prelude::*,
        sync::{
            atomic::{Atomic, Relaxed},
            Arc,
        },
        time::{delay::fsleep, Delta},
        workqueue,
    };

    use crate::{
        addr::{Addr, Af, Prefix},
        entry::{flags::*, EntryCounters, RtArc, RtEntry, RtLocked, RtRef, RtState, LIVE_ENTRIES},
        event::{DeleteReason, Event, Events},
        lifetime::{deadline, Clock},
        platform::{alloc_node, free_node, popcount, rcu_drain, RVec, RcuGuard, RcuSlot},
        table::{
            FlagsChange, Hooks, Limits, Lookup, NewRoute, Route, RouteChange, RouteTable,
            TableError,
        },
        timed::{TimedQueue, TimedRooms},
        timer::Timer,
    };

    /// A clock the tests move by hand.
    struct FakeClock {
        boot: Atomic<i64>,
        real: Atomic<i64>,
    }

    impl Clock for FakeClock {
        fn boot_ns(&self) -> i64 {
            self.boot.load(Relaxed)
        }
        fn real_minus_boot_ns(&self) -> i64 {
            self.real.load(Relaxed) - self.boot.load(Relaxed)
        }
    }

    impl FakeClock {
        fn real_ns(&self) -> i64 {
            self.real.load(Relaxed)
        }
    }

    static CLOCK: FakeClock = FakeClock {
        boot: Atomic::new(1_000 * SEC),
        real: Atomic::new(1_700_000_000 * SEC),
    };

    const SEC: i64 = 1_000_000_000;

    fn advance(ns: i64) {
        CLOCK.boot.fetch_add(ns, Relaxed);
        CLOCK.real.fetch_add(ns, Relaxed);
    }

    /// Entries alive once every pending RCU free has run; earlier tests' frees
    /// may still be queued when a test starts.
    fn settled_live_entries() -> i64 {
        rcu_drain();
        LIVE_ENTRIES.load(Relaxed)
    }

    /// Drops `t` and checks that every entry made since `base` was freed.
    fn assert_all_freed(t: Arc<RouteTable>, base: i64) {
        drop(t);
        rcu_drain();
        assert_eq!(LIVE_ENTRIES.load(Relaxed), base);
    }

    fn table() -> Arc<RouteTable> {
        RouteTable::new(LIMITS, &CLOCK, Hooks::default()).expect("table")
    }

    fn v4(s: [u8; 4]) -> Addr {
        Addr::V4(s)
    }

    fn v6(hi: u16, lo: u16) -> Addr {
        let mut b = [0u8; 16];
        b[..2].copy_from_slice(&hi.to_be_bytes());
        b[14..].copy_from_slice(&lo.to_be_bytes());
        Addr::V6(b)
    }

    fn route(addr: Addr, len: u8, via: Addr, flags: u32) -> NewRoute {
        NewRoute {
            prefix: Prefix::new(addr, len).expect("prefix"),
            gateway: via,
            flags,
            preferred: None,
            expires: None,
        }
    }

    fn add(t: &RouteTable, addr: Addr, len: u8, via: Addr, flags: u32) -> Result {
        Ok(t.add(route(addr, len, via, flags), &mut Events::new())?)
    }

    /// The prefix length `rtalloc1(dst, 0, 0)` finds.
    fn match_len(t: &RouteTable, dst: Addr) -> Option<u8> {
        t.rtalloc1(&dst, false, 0, &mut Events::new())
            .map(|rt| rt.entry().prefix_len())
    }

    const GW: Addr = Addr::V4([192, 0, 2, 1]);

    /// The events of `ev` other than misses: a route through a router looks
    /// it up with `report` (`rt_setgate`), and `GW` matches nothing.
    fn route_events<'a>(ev: &'a Events<'_>) -> impl Iterator<Item = &'a Event> {
        ev.iter().filter(|e| !matches!(e, Event::Miss { .. }))
    }
    const LIMITS: Limits = Limits {
        routes: 1 << 20,
        paths: 8,
    };

    #[test]
    fn lpm_ipv4_edges() -> Result {
        let t = table();
        assert_eq!(match_len(&t, v4([10, 1, 2, 3])), None);
        add(&t, v4([0, 0, 0, 0]), 0, GW, 0)?;
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        add(&t, v4([10, 1, 0, 0]), 16, GW, 0)?;
        add(&t, v4([10, 1, 2, 3]), 32, GW, 0)?;
        assert_eq!(match_len(&t, v4([10, 1, 2, 3])), Some(32));
        assert_eq!(match_len(&t, v4([10, 1, 2, 4])), Some(16));
        assert_eq!(match_len(&t, v4([10, 2, 0, 0])), Some(8));
        assert_eq!(match_len(&t, v4([11, 0, 0, 0])), Some(0));
        t.remove(
            &Prefix::new(v4([10, 1, 0, 0]), 16).unwrap(),
            None,
            &mut Events::new(),
        )?;
        assert_eq!(match_len(&t, v4([10, 1, 2, 4])), Some(8));
        Ok(())
    }

    #[test]
    fn an_entry_keeps_the_prefix_and_router_of_either_family() -> Result {
        let t = table();
        let change_via = |prefix: Prefix, gw: Addr| {
            let change = RouteChange {
                gateway: Some(gw),
                flags: None,
                preferred: None,
                expires: None,
            };
            t.change(&prefix, None, change, &mut Events::new())
        };
        let check = |dst: Addr, want: Prefix, gw: Addr| {
            let mut rt = t
                .rtalloc1(&dst, false, 0, &mut Events::new())
                .expect("match");
            assert_eq!(rt.entry().prefix(), want);
            assert_eq!(rt.info().gateway, gw);
        };
        // Every byte of both addresses differs from its neighbours, so a
        // word stored in another's place or order shows.
        let p4 = Prefix::new(v4([10, 20, 30, 0]), 24).unwrap();
        let (gw4, gw4b) = (v4([192, 0, 2, 7]), v4([198, 51, 100, 9]));
        let k6 = [0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0];
        let p6 = Prefix::new(Addr::V6(k6), 96).unwrap();
        let gw6 = Addr::V6(core::array::from_fn(|i| 0x20 + i as u8));
        let gw6b = Addr::V6(core::array::from_fn(|i| 0xf0 - i as u8));
        t.add(route(p4.addr(), 24, gw4, 0), &mut Events::new())?;
        t.add(route(p6.addr(), 96, gw6, 0), &mut Events::new())?;
        check(v4([10, 20, 30, 40]), p4, gw4);
        let mut d6 = k6;
        d6[15] = 1;
        check(Addr::V6(d6), p6, gw6);
        change_via(p4, gw4b)?;
        change_via(p6, gw6b)?;
        check(v4([10, 20, 30, 40]), p4, gw4b);
        check(Addr::V6(d6), p6, gw6b);
        // A router of the other family is refused, and changes nothing.
        let other = t.add(route(v4([10, 21, 0, 0]), 16, gw6, 0), &mut Events::new());
        assert!(matches!(other, Err(TableError::ViaOtherFamily)));
        assert!(matches!(
            change_via(p6, gw4),
            Err(TableError::ViaOtherFamily)
        ));
        check(Addr::V6(d6), p6, gw6b);
        let stats = t.stats();
        assert_eq!((stats.routes_inet, stats.routes_inet6), (1, 1));
        Ok(())
    }

    #[test]
    fn a_large_node_takes_no_more_room_than_its_size_class() -> Result {
        // A node of a /16 holding its 256 /24s: its header and 256 slots,
        // 2176 bytes, which kmalloc would give 4096.
        let layout = Layout::from_size_align(128 + 256 * 8, 8).expect("layout");
        let p = alloc_node(layout)?;
        // SAFETY: `p` is a live allocation of `alloc_node`.
        let room = unsafe { kernel::bindings::ksize(p.as_ptr().cast()) };
        // SAFETY: `p` came from `alloc_node` with `layout`, and is not used
        // after this.
        unsafe { free_node(p, layout) };
        assert!((2176..=2560).contains(&room));
        // Where kmalloc's size is as close, the node takes it.
        let kmalloc_room = |size: usize| -> Result<usize> {
            let layout = Layout::from_size_align(size, 8).expect("layout");
            let p = alloc_node(layout)?;
            // SAFETY: as above.
            let room = unsafe { kernel::bindings::ksize(p.as_ptr().cast()) };
            // SAFETY: as above.
            unsafe { free_node(p, layout) };
            Ok(room)
        };
        assert_eq!(kmalloc_room(256)?, 256);
        assert_eq!(kmalloc_room(257)?, 320);
        assert_eq!(kmalloc_room(500)?, 512);
        assert_eq!(kmalloc_room(3585)?, 4096);
        Ok(())
    }

    #[test]
    fn lpm_ipv6_edges() -> Result {
        let t = table();
        let gw = v6(0xfe80, 1);
        add(&t, v6(0, 0), 0, gw, 0)?;
        add(&t, v6(0x2001, 0), 16, gw, 0)?;
        add(&t, v6(0x2001, 5), 128, gw, 0)?;
        assert_eq!(match_len(&t, v6(0x2001, 5)), Some(128));
        assert_eq!(match_len(&t, v6(0x2001, 6)), Some(16));
        assert_eq!(match_len(&t, v6(0x3000, 6)), Some(0));
        // IPv4 and IPv6 live in separate tries.
        assert_eq!(match_len(&t, v4([10, 0, 0, 1])), None);
        Ok(())
    }

    #[test]
    fn rtalloc1_returns_locked_referenced_entries() -> Result {
        let t = table();
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        let mut rt = t
            .rtalloc1(&v4([10, 0, 0, 1]), false, 0, &mut Events::new())
            .expect("match");
        assert_eq!(rt.entry().refcnt(), 1);
        assert!(rt.flags() & RTF_UP != 0);
        // RT_ADDREF and RT_REMREF under the lock; RT_REMREF keeps ours.
        let extra = rt.addref();
        assert_eq!(rt.entry().refcnt(), 2);
        rt.remref(extra);
        assert_eq!(rt.entry().refcnt(), 1);
        // RT_UNLOCK keeps the reference; RTFREE drops it.
        let r = rt.unlock();
        assert_eq!(r.entry().refcnt(), 1);
        let again = r.lock();
        again.rtfree();
        let r = t
            .rtalloc1(&v4([10, 0, 0, 1]), false, 0, &mut Events::new())
            .expect("match");
        // Earlier references were all released.
        assert_eq!(r.entry().refcnt(), 1);
        Ok(())
    }

    #[test]
    fn delete_while_held_keeps_a_valid_entry() -> Result {
        let base = settled_live_entries();
        let t = table();
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        let held = t
            .rtalloc1(&v4([10, 0, 0, 1]), false, 0, &mut Events::new())
            .expect("match")
            .unlock();
        t.remove(
            &Prefix::new(v4([10, 0, 0, 0]), 8).unwrap(),
            None,
            &mut Events::new(),
        )?;
        assert!(!held.entry().is_up());
        assert_eq!(t.stats().trash, 1);
        // Still readable.
        assert_eq!(held.entry().prefix().len(), 8);
        drop(held);
        assert_eq!(t.stats().trash, 0);
        assert_all_freed(t, base);
        Ok(())
    }

    #[test]
    fn the_holders_alone_keep_a_deleted_entry() -> Result {
        // Out of its table, an entry's memory is its holders' to keep: held
        // as it left (the delete counts it for them), or first referenced
        // after (the lookup under RCU counts it for them then).
        let base = settled_live_entries();
        let t = table();
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        add(&t, v4([10, 1, 0, 0]), 16, GW, 0)?;
        let held = t
            .rtalloc1(&v4([10, 0, 0, 1]), false, 0, &mut Events::new())
            .expect("the /8")
            .unlock();
        let found = t
            .get_exact(&Prefix::new(v4([10, 1, 0, 0]), 16).unwrap())?
            .pop()
            .expect("the /16");
        t.clear(None, &mut Events::new())?;
        let g = RcuGuard::new();
        let late = RtLocked::lock_found(found.as_found(&g))
            .expect("counted by `found`")
            .unlock();
        drop(g);
        drop(found);
        rcu_drain();
        assert_eq!(LIVE_ENTRIES.load(Relaxed), base + 2);
        assert_eq!(t.stats().trash, 2);
        assert_eq!(held.entry().prefix().len(), 8);
        assert_eq!(late.entry().prefix().len(), 16);
        assert_eq!(late.entry().refcnt(), 1);
        drop(late);
        rcu_drain();
        assert_eq!(LIVE_ENTRIES.load(Relaxed), base + 1);
        assert_eq!(t.stats().trash, 1);
        drop(held);
        assert_eq!(t.stats().trash, 0);
        assert_all_freed(t, base);
        Ok(())
    }

    #[test]
    fn a_lookup_leaves_an_entry_whose_memory_is_going() -> Result {
        // Found under RCU after its last count went (out of its table,
        // unreferenced): the lookup cannot count its memory for a holder,
        // so it takes no reference, and the entry goes as it would have.
        let base = settled_live_entries();
        let counters = Arc::new(EntryCounters::new(&CLOCK), GFP_KERNEL)?;
        let state = RtState::new(0, None, None)?;
        let prefix = Prefix::new(v4([10, 0, 0, 0]), 8).unwrap();
        let slot = RcuSlot::empty();
        drop(slot.swap(Some(RtEntry::new(prefix, GW, 0, state, None, counters, 0)?)));
        let g = RcuGuard::new();
        let found = slot.load(&g).expect("the entry");
        drop(slot.swap(None));
        assert!(RtLocked::lock_found(found).is_none());
        assert_eq!(found.get().refcnt(), 0);
        drop(g);
        // Bottom halves are on again: draining RCU sleeps.
        rcu_drain();
        assert_eq!(LIVE_ENTRIES.load(Relaxed), base);
        Ok(())
    }

    #[test]
    fn a_first_reference_from_c_keeps_a_deleted_entry() -> Result {
        // A walk or a hook hands C entries without references, deleted ones
        // too: RT_ADDREF then makes the first, which keeps the entry's memory
        // as every first reference on an entry out of its table does.
        let base = settled_live_entries();
        let t = table();
        let prefix = Prefix::new(v4([10, 0, 0, 0]), 8).unwrap();
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        let found = t.get_exact(&prefix)?.pop().expect("the /8");
        t.remove(&prefix, None, &mut Events::new())?;
        let p = found.as_opaque();
        // SAFETY: an entry's pointer, counted by `found` for the call.
        unsafe { RtRef::addref_c(p) };
        drop(found);
        rcu_drain();
        assert_eq!(LIVE_ENTRIES.load(Relaxed), base + 1);
        assert_eq!(t.stats().trash, 1);
        // SAFETY: the reference `addref_c` gave to C, taken back once.
        let held = unsafe { RtRef::from_c(p) }.expect("an entry");
        assert_eq!(held.entry().prefix().len(), 8);
        drop(held);
        assert_eq!(t.stats().trash, 0);
        assert_all_freed(t, base);
        Ok(())
    }

    #[test]
    fn a_reference_taken_after_the_delete_counts_in_rttrash() -> Result {
        // A lookup under RCU can find an entry just before it leaves the
        // table and reference it just after: the entry is then deleted and
        // referenced, so in rttrash until that reference goes.
        let t = table();
        let prefix = Prefix::new(v4([10, 0, 0, 0]), 8).unwrap();
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        let found = t.get_exact(&prefix)?.pop().expect("the route's entry");
        t.remove(&prefix, None, &mut Events::new())?;
        assert_eq!(t.stats().trash, 0);
        let late = RtRef::from_arc(found);
        assert!(!late.entry().is_up());
        assert_eq!(t.stats().trash, 1);
        drop(late);
        assert_eq!(t.stats().trash, 0);
        Ok(())
    }

    #[test]
    fn a_clear_hands_its_routes_over_only_when_wanted() -> Result {
        fn wanted() -> bool {
            true
        }
        for wants in [false, true] {
            let hooks = Hooks {
                wants_entries: wants.then_some(wanted as fn() -> bool),
                ..Hooks::default()
            };
            let t = RouteTable::new(LIMITS, &CLOCK, hooks)?;
            add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
            add(&t, v6(0x2001, 0), 16, v6(0xfe80, 1), 0)?;
            add(&t, v4([10, 1, 0, 0]), 16, GW, 0)?;
            let mut ev = Events::new();
            assert_eq!(t.clear(Some(Af::Inet), &mut ev)?, 2);
            let mut cleared: KVec<u8> = KVec::new();
            // One clear event; the hooks are told of each route it removed.
            let mut events = ev.iter();
            assert!(matches!(events.next(), Some(Event::Clear { count: 2, .. })));
            assert!(events.next().is_none());
            for (e, rt) in ev.routes() {
                assert!(e.is_none());
                assert!(!rt.is_up());
                cleared.push(rt.prefix().len(), GFP_KERNEL)?;
            }
            cleared.sort_unstable();
            let want: &[u8] = if wants { &[8, 16] } else { &[] };
            assert_eq!(&cleared[..], want);
        }
        Ok(())
    }

    #[test]
    fn report_zero_or_ignflags_never_clone() -> Result {
        let t = table();
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING | RTF_STATIC)?;
        let dst = v4([10, 1, 2, 3]);
        assert_eq!(match_len(&t, dst), Some(16));
        let mut ev = Events::new();
        let rt = t.rtalloc1(&dst, true, RTF_CLONING, &mut ev).expect("match");
        assert_eq!(rt.entry().prefix().len(), 16);
        drop(rt);
        // Bits of ignflags other than cloning change nothing.
        let rt = t
            .rtalloc1(&dst, true, RTF_STATIC | RTF_GATEWAY, &mut ev)
            .expect("match");
        assert_eq!(rt.entry().prefix().len(), 32);
        assert_eq!(t.stats().clones, 1);
        Ok(())
    }

    #[test]
    fn prcloning_is_accepted_but_never_clones() -> Result {
        let t = table();
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_PRCLONING)?;
        let mut rt = t
            .rtalloc1(&v4([10, 1, 2, 3]), true, 0, &mut Events::new())
            .expect("match");
        assert_eq!(rt.entry().prefix().len(), 16);
        assert!(rt.flags() & RTF_PRCLONING != 0);
        Ok(())
    }

    #[test]
    fn clone_life_cycle() -> Result {
        let base = settled_live_entries();
        let t = table();
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING | RTF_STATIC)?;
        let mut ev = Events::new();
        let mut clone = t
            .rtalloc1(&v4([10, 1, 2, 3]), true, 0, &mut ev)
            .expect("clone");
        let f = clone.flags();
        assert_eq!(clone.entry().prefix().len(), 32);
        assert!(f & (RTF_WASCLONED | RTF_HOST | RTF_UP) == RTF_WASCLONED | RTF_HOST | RTF_UP);
        assert!(f & (RTF_CLONING | RTF_STATIC) == 0);
        assert!(matches!(route_events(&ev).next(), Some(Event::Add(_))));
        // Events may keep the entries they are about (for hooks).
        drop(ev);
        let parent = clone.entry().parent().expect("parent");
        assert_eq!(parent.prefix().len(), 16);
        // A clone is no reference on its parent (FreeBSD 7's rtfree: "no
        // refcnt on parent"): only holders count.
        assert_eq!(parent.refcnt(), 0);
        let clone = clone.unlock();
        // Deleting the parent deletes its clones, first (as FreeBSD's
        // rt_fixdelete runs before the parent's ifa_rtrequest); the held
        // clone stays valid and keeps its parent alive.
        let mut ev = Events::new();
        t.remove(&Prefix::new(v4([10, 1, 0, 0]), 16).unwrap(), None, &mut ev)?;
        let mut reasons = ev.iter().filter_map(|e| match e {
            Event::Delete(_, r) => Some(*r),
            _ => None,
        });
        assert_eq!(reasons.next(), Some(DeleteReason::ParentDeleted));
        assert_eq!(reasons.next(), Some(DeleteReason::Removed));
        assert_eq!(reasons.next(), None);
        drop(reasons);
        assert!(!clone.entry().is_up());
        assert!(!clone.entry().parent().expect("parent").is_up());
        assert_eq!(t.stats().clones, 0);
        // The held clone only: its parent is not referenced, whatever memory
        // the clone keeps for it.
        assert_eq!(t.stats().trash, 1);
        // rttrash follows the last release at once, not a grace period.
        drop(clone);
        assert_eq!(t.stats().trash, 0);
        drop(ev);
        assert_all_freed(t, base);
        Ok(())
    }

    #[test]
    fn xresolve_clones_are_announced_for_userspace() -> Result {
        let t = table();
        add(
            &t,
            v4([10, 3, 0, 0]),
            16,
            Addr::V4([0; 4]),
            RTF_CLONING | RTF_XRESOLVE,
        )?;
        let mut ev = Events::new();
        let rt = t
            .rtalloc1(&v4([10, 3, 0, 9]), true, 0, &mut ev)
            .expect("clone");
        assert_eq!(rt.entry().prefix().len(), 32);
        assert_eq!(ev.len(), 1);
        assert!(matches!(ev.iter().next(), Some(Event::Resolve(_))));
        assert_eq!(t.stats().resolves, 1);
        Ok(())
    }

    static HOOK_CALLS: Atomic<u32> = Atomic::new(0);

    /// A resolve hook that looks up from inside (report = 0 by type).
    fn hook(lookup: &Lookup<'_>, clone: &RtRef) {
        HOOK_CALLS.fetch_add(1, Relaxed);
        let found = lookup.rtalloc1(&clone.entry().prefix().addr());
        assert!(found.is_some_and(|rt| rt.entry().prefix().len() == 32));
    }

    #[test]
    fn the_resolve_hook_runs_for_each_clone_without_recursion() -> Result {
        let hooks = Hooks {
            resolve: Some(hook),
            ..Hooks::default()
        };
        let t = RouteTable::new(LIMITS, &CLOCK, hooks)?;
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING)?;
        add(&t, v4([10, 3, 0, 0]), 16, GW, RTF_CLONING | RTF_XRESOLVE)?;
        let before = HOOK_CALLS.load(Relaxed);
        let mut ev = Events::new();
        drop(t.rtalloc1(&v4([10, 1, 0, 1]), true, 0, &mut ev));
        drop(t.rtalloc1(&v4([10, 1, 0, 2]), true, 0, &mut ev));
        drop(t.rtalloc1(&v4([10, 3, 0, 1]), true, 0, &mut ev));
        // Not for XRESOLVE clones.
        assert_eq!(HOOK_CALLS.load(Relaxed) - before, 2);
        assert_eq!(t.stats().clones, 3);
        Ok(())
    }

    #[test]
    fn no_match_with_report_is_a_miss() -> Result {
        let t = table();
        let mut ev = Events::new();
        assert!(t.rtalloc1(&v4([10, 9, 9, 9]), true, 0, &mut ev).is_none());
        // As rtalloc1: nothing matched is a miss with no error.
        assert!(matches!(
            ev.iter().next(),
            Some(Event::Miss { err: None, .. })
        ));
        assert!(t.rtalloc1(&v4([10, 9, 9, 9]), false, 0, &mut ev).is_none());
        // No report, no miss; both unreachable (FreeBSD's rts_unreach).
        assert_eq!(ev.len(), 1);
        assert_eq!((t.stats().misses, t.stats().unreach), (1, 2));
        // A family with no table: unreachable, and with report a miss
        // that names only the family.
        t.rtalloc1_no_table(1, true, &mut ev);
        t.rtalloc1_no_table(17, false, &mut ev);
        assert!(matches!(
            ev.iter().nth(1),
            Some(Event::MissFamily { family: 1 })
        ));
        assert_eq!(ev.len(), 2);
        assert_eq!((t.stats().misses, t.stats().unreach), (2, 4));
        Ok(())
    }

    #[test]
    fn rtalloc_uses_the_cached_entry_while_up() -> Result {
        let t = table();
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        let mut ro = Route::new([10, 0, 0, 1]);
        let mut ev = Events::new();
        t.rtalloc(&mut ro, &mut ev);
        let uses = ro.rt.as_ref().expect("route").entry().use_count();
        t.rtalloc(&mut ro, &mut ev);
        // No lookup while up.
        assert_eq!(ro.rt.as_ref().unwrap().entry().use_count(), uses);
        add(&t, v4([10, 0, 0, 0]), 16, GW, 0)?;
        t.remove(&Prefix::new(v4([10, 0, 0, 0]), 8).unwrap(), None, &mut ev)?;
        t.rtalloc_ign(&mut ro, 0, &mut ev);
        assert_eq!(ro.rt.as_ref().expect("route").entry().prefix().len(), 16);
        Ok(())
    }

    #[test]
    fn multipath_duplicates_and_replacing_a_clone() -> Result {
        let t = table();
        let gw2 = v4([192, 0, 2, 2]);
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        assert_eq!(add(&t, v4([10, 0, 0, 0]), 8, GW, 0), Err(EEXIST));
        add(&t, v4([10, 0, 0, 0]), 8, gw2, 0)?;
        assert_eq!(
            t.get_exact(&Prefix::new(v4([10, 0, 0, 0]), 8).unwrap())?
                .len(),
            2
        );
        // A deprecated first path loses to the next one.
        let p = deadline(&CLOCK, CLOCK.real_ns() as u64 - 1)?;
        t.change(
            &Prefix::new(v4([10, 0, 0, 0]), 8).unwrap(),
            Some(&GW),
            RouteChange {
                gateway: None,
                flags: None,
                preferred: Some(p),
                expires: None,
            },
            &mut Events::new(),
        )?;
        let mut rt = t
            .rtalloc1(&v4([10, 0, 0, 1]), false, 0, &mut Events::new())
            .expect("match");
        assert_eq!(rt.info().gateway, gw2);
        drop(rt);
        // Adding over a clone replaces it, whatever its via.
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING)?;
        drop(t.rtalloc1(&v4([10, 1, 2, 3]), true, 0, &mut Events::new()));
        assert_eq!(t.stats().clones, 1);
        add(&t, v4([10, 1, 2, 3]), 32, gw2, 0)?;
        let mut rt = t
            .rtalloc1(&v4([10, 1, 2, 3]), false, 0, &mut Events::new())
            .expect("match");
        assert!(rt.flags() & RTF_WASCLONED == 0);
        assert_eq!(t.stats().clones, 0);
        Ok(())
    }

    #[test]
    fn route_memory_holds_arrays_beyond_kmalloc() -> Result {
        // 16 B per entry of a timed queue: 2^20 entries need 16 MiB, more
        // than `kmalloc` gives at once (`KMALLOC_MAX_SIZE`), which would cap
        // a table at 262,144 timed routes.
        let mut v = RVec::<(u64, u64)>::new();
        v.reserve(1 << 20, GFP_KERNEL)?;
        v.push((1, 2), GFP_KERNEL)?;
        assert_eq!(v[0], (1, 2));
        Ok(())
    }

    #[test]
    fn removing_the_first_path_promotes_the_next() -> Result {
        let t = table();
        let gw2 = v4([192, 0, 2, 2]);
        let gw3 = v4([192, 0, 2, 3]);
        let p = Prefix::new(v4([10, 0, 0, 0]), 8).unwrap();
        for gw in [GW, gw2, gw3] {
            add(&t, v4([10, 0, 0, 0]), 8, gw, 0)?;
        }
        let first = t.get_exact(&p)?[0].clone();
        assert_eq!(first.other_paths(&RcuGuard::new()).len(), 2);
        t.remove(&p, Some(&GW), &mut Events::new())?;
        let paths = t.get_exact(&p)?;
        let gateways: KVec<Addr> = {
            let mut v = KVec::new();
            for rt in paths.iter() {
                let gateway = rt.lock_state().gateway();
                v.push(gateway, GFP_KERNEL)?;
            }
            v
        };
        assert_eq!(&gateways[..], &[gw2, gw3]);
        // The new first holds the remaining path; the old first, which a
        // holder may keep for long, lets go of the others.
        assert_eq!(paths[0].other_paths(&RcuGuard::new()).len(), 1);
        assert!(first.other_paths(&RcuGuard::new()).is_empty());
        let mut rt = t
            .rtalloc1(&v4([10, 0, 0, 1]), false, 0, &mut Events::new())
            .expect("match");
        assert_eq!(rt.info().gateway, gw2);
        Ok(())
    }

    #[test]
    fn lifetimes_deprecate_then_expire() -> Result {
        let t = table();
        let now = CLOCK.real_ns() as u64;
        let mut r = route(v4([10, 5, 0, 0]), 16, GW, 0);
        r.preferred = Some(deadline(&CLOCK, now + SEC as u64)?);
        r.expires = Some(deadline(&CLOCK, now + 2 * SEC as u64)?);
        t.add(r, &mut Events::new())?;
        // A wall-clock jump after the add moves nothing.
        CLOCK.real.fetch_add(3600 * SEC, Relaxed);
        let mut ev = Events::new();
        let next = t.run_lifetimes(i64::MAX, &mut ev);
        assert_eq!(ev.len(), 0);
        assert_eq!(next, Some(CLOCK.boot_ns() + SEC));
        advance(SEC);
        t.run_lifetimes(i64::MAX, &mut ev);
        assert!(matches!(ev.iter().next(), Some(Event::Deprecate(_))));
        let rt = t
            .rtalloc1(&v4([10, 5, 0, 1]), false, 0, &mut Events::new())
            .expect("match");
        assert!(rt.entry().is_deprecated());
        drop(rt);
        // Deprecation is announced once.
        let mut ev = Events::new();
        t.run_lifetimes(i64::MAX, &mut ev);
        assert_eq!(ev.len(), 0);
        advance(SEC);
        t.run_lifetimes(i64::MAX, &mut ev);
        assert_eq!(ev.len(), 1);
        assert!(matches!(ev.iter().next(), Some(Event::Expire(_))));
        assert_eq!(match_len(&t, v4([10, 5, 0, 1])), None);
        Ok(())
    }

    #[test]
    fn a_lifetime_run_looks_only_at_what_is_due() -> Result {
        let t = table();
        let now = CLOCK.real_ns() as u64;
        for i in 0..200u8 {
            let mut r = route(v4([10, 20, i, 0]), 24, GW, 0);
            r.expires = Some(deadline(&CLOCK, now + 100 * SEC as u64)?);
            t.add(r, &mut Events::new())?;
        }
        let mut r = route(v4([10, 21, 0, 0]), 16, GW, 0);
        r.preferred = Some(deadline(&CLOCK, now + SEC as u64)?);
        r.expires = Some(deadline(&CLOCK, now + 2 * SEC as u64)?);
        t.add(r, &mut Events::new())?;
        let visits = || t.stats().writer_visits;
        let before = visits();
        assert_eq!(
            t.run_lifetimes(i64::MAX, &mut Events::new()),
            Some(CLOCK.boot_ns() + SEC)
        );
        assert_eq!(visits(), before);
        advance(SEC);
        let mut ev = Events::new();
        t.run_lifetimes(i64::MAX, &mut ev);
        assert!(matches!(ev.iter().next(), Some(Event::Deprecate(_))));
        assert_eq!(visits(), before + 1);
        advance(SEC);
        let mut ev = Events::new();
        let next = t.run_lifetimes(i64::MAX, &mut ev);
        assert!(matches!(ev.iter().next(), Some(Event::Expire(_))));
        assert_eq!(visits(), before + 2);
        assert_eq!(next, Some(CLOCK.boot_ns() + 98 * SEC));
        advance(98 * SEC);
        let mut ev = Events::new();
        assert_eq!(t.run_lifetimes(i64::MAX, &mut ev), None);
        assert_eq!(ev.len(), 200);
        assert_eq!(visits(), before + 202);
        Ok(())
    }

    #[test]
    fn preferred_in_the_past_adds_deprecated_with_one_event() -> Result {
        let t = table();
        let mut r = route(v4([10, 6, 0, 0]), 16, GW, 0);
        r.preferred = Some(deadline(&CLOCK, CLOCK.real_ns() as u64 - SEC as u64)?);
        let mut ev = Events::new();
        t.add(r, &mut ev)?;
        assert_eq!(route_events(&ev).count(), 1);
        let mut ev = Events::new();
        t.run_lifetimes(i64::MAX, &mut ev);
        assert_eq!(ev.len(), 0);
        let rt = t
            .rtalloc1(&v4([10, 6, 0, 1]), false, 0, &mut Events::new())
            .expect("match");
        assert!(rt.entry().is_deprecated());
        Ok(())
    }

    #[test]
    fn a_clone_past_its_inherited_preferred_is_born_deprecated() -> Result {
        let t = table();
        let mut r = route(v4([10, 7, 0, 0]), 16, GW, RTF_CLONING);
        r.preferred = Some(deadline(&CLOCK, CLOCK.real_ns() as u64 + SEC as u64)?);
        t.add(r, &mut Events::new())?;
        advance(SEC);
        t.run_lifetimes(i64::MAX, &mut Events::new());
        let mut ev = Events::new();
        let clone = t
            .rtalloc1(&v4([10, 7, 0, 1]), true, 0, &mut ev)
            .expect("clone");
        assert_eq!(clone.entry().prefix().len(), 32);
        assert!(clone.entry().is_deprecated());
        drop(clone);
        // Deprecated already: the lifetime work has nothing to announce.
        let mut ev = Events::new();
        t.run_lifetimes(i64::MAX, &mut ev);
        assert_eq!(ev.len(), 0);
        Ok(())
    }

    #[test]
    fn an_expiry_that_takes_earlier_clones_skips_no_deadline() -> Result {
        let t = table();
        // The clone is tracked before its parent, which gets its deadline
        // by a change; another route with the same deadline comes after.
        add(&t, v4([10, 8, 0, 0]), 16, GW, RTF_CLONING)?;
        drop(t.rtalloc1(&v4([10, 8, 0, 1]), true, 0, &mut Events::new()));
        let soon = || deadline(&CLOCK, CLOCK.real_ns() as u64 + SEC as u64);
        let change = RouteChange {
            gateway: None,
            flags: None,
            preferred: None,
            expires: Some(soon()?),
        };
        t.change(
            &Prefix::new(v4([10, 8, 0, 0]), 16).unwrap(),
            None,
            change,
            &mut Events::new(),
        )?;
        let mut r = route(v4([10, 9, 0, 0]), 16, GW, 0);
        r.expires = Some(soon()?);
        t.add(r, &mut Events::new())?;
        advance(SEC);
        let mut ev = Events::new();
        t.run_lifetimes(i64::MAX, &mut ev);
        let expired = ev.iter().filter(|e| matches!(e, Event::Expire(_))).count();
        assert_eq!(expired, 2);
        assert_eq!(match_len(&t, v4([10, 9, 0, 1])), None);
        assert_eq!(t.stats().routes_inet, 0);
        Ok(())
    }

    #[test]
    fn a_clone_due_before_its_expired_parent_goes_with_it() -> Result {
        let t = table();
        // The clone inherits the parent's expiry five seconds out, and is
        // due a second after its making for a look at its idle time: the
        // queue has it before its parent.
        let mut r = route(v4([10, 10, 0, 0]), 16, GW, RTF_CLONING);
        r.expires = Some(deadline(&CLOCK, CLOCK.real_ns() as u64 + 5 * SEC as u64)?);
        t.add(r, &mut Events::new())?;
        drop(t.rtalloc1(&v4([10, 10, 0, 1]), true, 0, &mut Events::new()));
        // One run after both times: the parent's expiry deletes its clone.
        advance(6 * SEC);
        let mut ev = Events::new();
        t.run_lifetimes(i64::MAX, &mut ev);
        let mut seen = ev.iter().map(|e| match e {
            Event::Delete(info, reason) => (info.prefix.len(), Some(*reason)),
            Event::Expire(info) => (info.prefix.len(), None),
            _ => (0, None),
        });
        assert_eq!(seen.next(), Some((32, Some(DeleteReason::ParentDeleted))));
        assert_eq!(seen.next(), Some((16, None)));
        assert_eq!(seen.next(), None);
        assert_eq!(t.stats().clones, 0);
        Ok(())
    }

    #[test]
    fn a_prefix_has_at_most_max_paths_paths() -> Result {
        let t = table();
        for i in 1..=LIMITS.paths as u8 {
            add(&t, v4([10, 0, 0, 0]), 8, v4([192, 0, 2, i]), 0)?;
        }
        let fifth = add(&t, v4([10, 0, 0, 0]), 8, v4([192, 0, 2, 99]), 0);
        assert_eq!(fifth.err(), Some(ENOSPC));
        let prefix = Prefix::new(v4([10, 0, 0, 0]), 8).unwrap();
        assert_eq!(t.get_exact(&prefix)?.len(), LIMITS.paths as usize);
        // One gone, one may come.
        t.remove(&prefix, Some(&v4([192, 0, 2, 1])), &mut Events::new())?;
        add(&t, v4([10, 0, 0, 0]), 8, v4([192, 0, 2, 99]), 0)?;
        Ok(())
    }

    #[test]
    fn the_reference_count_saturates_instead_of_overflowing() -> Result {
        let t = table();
        add(&t, v4([10, 0, 0, 0]), 8, GW, RTF_CLONING)?;
        let prefix = Prefix::new(v4([10, 0, 0, 0]), 8).unwrap();
        let arc = t.get_exact(&prefix)?.pop().expect("the /8");
        let held = RtRef::new(&arc);
        // Just below half the count's range: the next references saturate it.
        arc.set_refcnt_for_test((1 << 28) - 2);
        let (a, b) = (RtRef::new(&arc), RtRef::new(&arc));
        let saturated = arc.refcnt();
        assert!((1 << 28..1 << 29).contains(&saturated));
        drop(a);
        drop(b);
        // Pinned: releases do not bring it down, and the flags are intact.
        assert_eq!(arc.refcnt(), saturated);
        assert!(arc.is_up() && !arc.is_clone());
        // Taken with the lock and dropped with it (one step each on the
        // word the lock shares): still pinned, and the lock free again (the
        // clone below takes it).
        let locked = t.rtalloc1(&v4([10, 9, 9, 9]), false, 0, &mut Events::new());
        assert!(locked.is_some_and(|l| l.entry().refcnt() == saturated));
        assert_eq!(arc.refcnt(), saturated);
        let clone = t.rtalloc1(&v4([10, 1, 2, 3]), true, 0, &mut Events::new());
        assert!(clone.is_some_and(|mut c| c.flags() & RTF_WASCLONED != 0));
        // Back to one, for the test's own reference to free it.
        arc.set_refcnt_for_test(1);
        drop(held);
        assert_eq!(arc.refcnt(), 0);
        Ok(())
    }

    #[test]
    fn events_with_somewhere_to_go_are_sent_when_dropped() -> Result {
        let sent = Atomic::<usize>::new(0);
        let sink = |ev: &Events<'_>| {
            sent.fetch_add(ev.len(), Relaxed);
        };
        let clear = || Event::Clear { af: None, count: 0 };
        {
            let mut ev = Events::sending_to(&sink);
            ev.push(clear());
            ev.flush();
            ev.push(clear());
            ev.push(clear());
            // No flush: the drop sends the rest.
        }
        assert_eq!(sent.load(Relaxed), 3);
        // Nothing left, nothing sent again.
        drop(Events::sending_to(&sink));
        assert_eq!(sent.load(Relaxed), 3);
        Ok(())
    }

    #[test]
    fn the_timed_queue_gives_the_entry_due_first_as_entries_move_and_leave() -> Result {
        let counters = Arc::new(EntryCounters::new(&CLOCK), GFP_KERNEL)?;
        let mut entries = KVec::new();
        for i in 0..16u8 {
            let state = RtState::new(0, None, None)?;
            let prefix = Prefix::new(v4([10, i, 0, 0]), 16).unwrap();
            let rt: RtArc = RtEntry::new(prefix, GW, 0, state, None, counters.clone(), 0)?;
            entries.push(rt, GFP_KERNEL)?;
        }
        /// The second octet of the entry due first, and when.
        fn first(q: &TimedQueue) -> Option<(i64, u8)> {
            q.first()
                .map(|(due, rt)| (due, rt.prefix().addr().as_bytes()[1]))
        }
        // Rooms made together each get their slot; one dropped unused gives
        // its slot back.
        let rooms = TimedRooms::new();
        let mut q = TimedQueue::new();
        let a = q.reserve_one(&rooms)?;
        let b = q.reserve_one(&rooms)?;
        let unused = q.reserve_one(&rooms)?;
        drop(unused);
        q.track(&entries[0], 50, a);
        q.track(&entries[1], 40, b);
        assert!(TimedQueue::tracks(&entries[0]) && TimedQueue::tracks(&entries[1]));
        assert_eq!(first(&q), Some((40, 1)));
        // Due times out of order, some equal.
        for (i, rt) in entries.iter().enumerate().skip(2) {
            let room = q.reserve_one(&rooms)?;
            q.track(rt, ((i as i64 * 7) % 11) * 10, room);
        }
        // Tracking again moves the entry, adding nothing (the drain below
        // sees each entry once).
        let room = q.reserve_one(&rooms)?;
        q.track(&entries[5], -5, room);
        assert_eq!(first(&q), Some((-5, 5)));
        q.reschedule(&entries[5], 1000);
        q.reschedule(&entries[9], -1);
        assert_eq!(first(&q), Some((-1, 9)));
        q.untrack(&entries[9]);
        q.untrack(&entries[9]);
        assert!(!TimedQueue::tracks(&entries[9]));
        // An entry that left is not moved back in.
        q.reschedule(&entries[9], -100);
        for i in [3, 15, 7] {
            q.untrack(&entries[i]);
        }
        // Taken out in order of due time: every entry left, each once.
        let mut last = i64::MIN;
        let mut seen = 0u32;
        while let Some((due, rt)) = q.first() {
            assert!(due >= last);
            last = due;
            let rt = rt.clone();
            let i = usize::from(rt.prefix().addr().as_bytes()[1]);
            assert!(![3, 7, 9, 15].contains(&i));
            assert_eq!(seen & (1 << i), 0);
            seen |= 1 << i;
            q.untrack(&rt);
        }
        assert_eq!(seen.count_ones(), 12);
        assert_eq!(last, 1000);
        // Entries due at the same time come out in the order they were
        // tracked (a parent before the clones that inherited its deadline),
        // also after one was moved away and back.
        for i in [12, 10, 11, 13] {
            let room = q.reserve_one(&rooms)?;
            q.track(&entries[i], 7, room);
        }
        q.reschedule(&entries[12], 9);
        q.reschedule(&entries[12], 7);
        let mut order = KVec::new();
        while let Some((_, rt)) = q.first() {
            let rt = rt.clone();
            order.push(rt.prefix().addr().as_bytes()[1], GFP_KERNEL)?;
            q.untrack(&rt);
        }
        assert_eq!(&order[..], &[12, 10, 11, 13]);
        Ok(())
    }

    #[test]
    fn a_host_route_is_the_answer_even_behind_a_deprecated_path() -> Result {
        let t = table();
        let host = v4([10, 9, 9, 9]);
        let mut r = route(host, 32, v4([192, 0, 2, 2]), 0);
        r.preferred = Some(deadline(&CLOCK, CLOCK.real_ns() as u64 - SEC as u64)?);
        t.add(r, &mut Events::new())?;
        // As rtrequest1: a host route added with RTF_CLONING loses it.
        let mut ev = Events::new();
        t.add(route(host, 32, GW, RTF_CLONING | RTF_STATIC), &mut ev)?;
        assert!(matches!(
            route_events(&ev).next(),
            Some(Event::Add(info)) if info.flags & (RTF_CLONING | RTF_STATIC) == RTF_STATIC
        ));
        let mut ev = Events::new();
        let mut rt = t.rtalloc1(&host, true, 0, &mut ev).expect("match");
        assert_eq!(rt.info().gateway, GW);
        assert_eq!(rt.flags() & (RTF_CLONING | RTF_HOST), RTF_HOST);
        drop(rt);
        // Nothing cloned, no miss but the adds' own: each looked its router
        // up, which nothing reaches.
        assert_eq!(ev.len(), 0);
        assert_eq!((t.stats().clones, t.stats().misses), (0, 2));
        assert_eq!(t.stats().unreach, 2);
        Ok(())
    }

    /// The delete reasons among `ev`, in order.
    fn delete_reasons(ev: &Events<'_>) -> KVec<DeleteReason> {
        let mut out = KVec::new();
        for e in ev.iter() {
            if let Event::Delete(_, r) = e {
                out.push(*r, GFP_KERNEL).expect("room for a reason");
            }
        }
        out
    }

    /// Clones `dst` through `rtalloc1(dst, report)` and releases it.
    fn clone_of(t: &RouteTable, dst: Addr) {
        let rt = t
            .rtalloc1(&dst, true, 0, &mut Events::new())
            .expect("match");
        assert!(rt.entry().is_clone());
    }

    /// A route-change of the router or flags (all of `RTF_FMASK`),
    /// lifetimes untouched.
    fn change(gateway: Option<Addr>, flags: Option<u32>) -> RouteChange {
        RouteChange {
            gateway,
            flags: flags.map(|flags| FlagsChange {
                flags,
                mask: RTF_FMASK,
            }),
            preferred: None,
            expires: None,
        }
    }

    fn gateway_of(t: &RouteTable, dst: Addr) -> Option<Addr> {
        t.rtalloc1(&dst, false, 0, &mut Events::new())
            .map(|mut rt| rt.info().gateway)
    }

    #[test]
    fn a_covering_add_retires_less_specific_clones() -> Result {
        let t = table();
        let (gw2, gw3) = (v4([192, 0, 2, 2]), v4([192, 0, 2, 3]));
        add(&t, v4([10, 0, 0, 0]), 16, GW, RTF_CLONING)?;
        // A clone of a more specific parent inside the new route, and a
        // clone outside it: both stay.
        add(&t, v4([10, 0, 1, 0]), 25, gw3, RTF_CLONING)?;
        clone_of(&t, v4([10, 0, 1, 6]));
        clone_of(&t, v4([10, 0, 2, 5]));
        // The /16's clone inside it, held.
        let held = t
            .rtalloc1(&v4([10, 0, 1, 200]), true, 0, &mut Events::new())
            .expect("clone")
            .unlock();
        assert!(held.entry().is_clone());
        assert_eq!(t.stats().clones, 3);

        let mut ev = Events::new();
        t.add(route(v4([10, 0, 1, 0]), 24, gw2, 0), &mut ev)?;
        assert_eq!(&*delete_reasons(&ev), &[DeleteReason::Superseded]);
        assert!(matches!(ev.iter().last(), Some(Event::Add(_))));
        assert!(!held.entry().is_up());
        assert_eq!((t.stats().clones, t.stats().trash), (2, 1));
        assert_eq!(match_len(&t, v4([10, 0, 1, 200])), Some(24));
        assert_eq!(gateway_of(&t, v4([10, 0, 1, 200])), Some(gw2));
        assert_eq!(match_len(&t, v4([10, 0, 1, 6])), Some(32));
        assert_eq!(match_len(&t, v4([10, 0, 2, 5])), Some(32));
        drop(held);
        assert_eq!(t.stats().trash, 0);
        Ok(())
    }

    #[test]
    fn a_gateway_change_retires_the_parents_clones() -> Result {
        let t = table();
        let gw2 = v4([192, 0, 2, 2]);
        let p24 = Prefix::new(v4([10, 0, 0, 0]), 24).unwrap();
        add(&t, v4([10, 0, 0, 0]), 24, GW, RTF_CLONING)?;
        clone_of(&t, v4([10, 0, 0, 5]));
        // A change of flags or lifetimes retires nothing.
        let mut ev = Events::new();
        t.change(&p24, None, change(None, Some(RTF_STATIC)), &mut ev)?;
        assert!(delete_reasons(&ev).is_empty());
        assert_eq!(t.stats().clones, 1);
        // A new router does, and the next clone goes through it.
        let mut ev = Events::new();
        t.change(&p24, None, change(Some(gw2), None), &mut ev)?;
        assert_eq!(&*delete_reasons(&ev), &[DeleteReason::ParentChanged]);
        assert!(matches!(ev.iter().last(), Some(Event::Change(_))));
        assert_eq!(t.stats().clones, 0);
        assert_eq!(match_len(&t, v4([10, 0, 0, 5])), Some(24));
        let mut clone = t
            .rtalloc1(&v4([10, 0, 0, 5]), true, 0, &mut Events::new())
            .expect("clone");
        assert!(clone.entry().is_clone());
        assert_eq!(clone.info().gateway, gw2);
        drop(clone);
        // As rt_setgate, the same router again retires them too.
        let mut ev = Events::new();
        t.change(&p24, None, change(Some(gw2), None), &mut ev)?;
        assert_eq!(&*delete_reasons(&ev), &[DeleteReason::ParentChanged]);
        Ok(())
    }

    #[test]
    fn route_change_flags_touch_only_fmask() -> Result {
        let t = table();
        let p24 = Prefix::new(v4([10, 0, 0, 0]), 24).unwrap();
        add(&t, v4([10, 0, 0, 0]), 24, GW, RTF_CLONING | RTF_XRESOLVE)?;
        clone_of(&t, v4([10, 0, 0, 5]));
        let flags_of = |t: &RouteTable| {
            t.rtalloc1(&v4([10, 0, 0, 1]), false, 0, &mut Events::new())
                .map(|mut rt| rt.flags())
        };
        for (asked, kept) in [
            (RTF_STATIC | RTF_REJECT, RTF_STATIC | RTF_REJECT),
            (0, 0),
            (RTF_BLACKHOLE | RTF_PRCLONING, RTF_BLACKHOLE),
        ] {
            t.change(&p24, None, change(None, Some(asked)), &mut Events::new())?;
            let f = flags_of(&t).expect("the /24");
            assert_eq!(f & RTF_USER, RTF_CLONING | RTF_XRESOLVE | kept);
        }
        // So its clones go with it (before it).
        let mut ev = Events::new();
        t.remove(&p24, None, &mut ev)?;
        assert_eq!(
            &*delete_reasons(&ev),
            &[DeleteReason::ParentDeleted, DeleteReason::Removed]
        );
        assert_eq!((t.stats().clones, t.stats().trash), (0, 0));
        Ok(())
    }

    /// The before-clone hook of the next test: 10.1.0.0/16 goes between the
    /// lookup and the clone.
    fn remove_the_16(t: &RouteTable) {
        let p16 = Prefix::new(v4([10, 1, 0, 0]), 16).expect("prefix");
        let _ = t.remove(&p16, None, &mut Events::new());
    }

    #[test]
    fn a_parent_deleted_before_cloning_is_never_returned() -> Result {
        let hooks = Hooks {
            before_clone: Some(remove_the_16),
            ..Hooks::default()
        };
        let t = RouteTable::new(LIMITS, &CLOCK, hooks)?;
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING)?;
        // As rtalloc1, which holds the tree's lock from lookup to clone: the
        // answer is what matches once the /16 is gone, up, with no clone
        // and no miss.
        let mut ev = Events::new();
        let rt = t
            .rtalloc1(&v4([10, 1, 2, 3]), true, 0, &mut ev)
            .expect("the /8");
        assert!(rt.entry().is_up());
        assert_eq!(rt.entry().prefix().len(), 8);
        drop(rt);
        assert_eq!(ev.len(), 0);
        assert_eq!(t.stats().clones, 0);
        // Nothing left to match: no answer, and a miss with no error.
        t.remove(
            &Prefix::new(v4([10, 0, 0, 0]), 8).unwrap(),
            None,
            &mut Events::new(),
        )?;
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING)?;
        let mut ev = Events::new();
        assert!(t.rtalloc1(&v4([10, 1, 2, 3]), true, 0, &mut ev).is_none());
        assert!(matches!(
            ev.iter().next(),
            Some(Event::Miss { err: None, .. })
        ));
        Ok(())
    }

    #[test]
    fn self_referencing_gateways_are_refused() -> Result {
        let t = table();
        let new_via = |gw| change(Some(gw), None);
        // rt_setgate: a host route through its own destination.
        let host = v4([10, 0, 0, 5]);
        assert_eq!(add(&t, host, 32, host, 0), Err(EADDRNOTAVAIL));
        add(&t, host, 32, v4([0, 0, 0, 0]), 0)?;
        let p32 = Prefix::host(host);
        let mut ev = Events::new();
        assert_eq!(
            t.change(&p32, None, new_via(host), &mut ev)
                .map_err(Error::from),
            Err(EADDRNOTAVAIL)
        );
        assert_eq!(gateway_of(&t, host), Some(v4([0, 0, 0, 0])));
        assert_eq!(ev.len(), 0);
        // A router only the route itself reaches; a more specific route
        // to it is another way.
        add(&t, v4([10, 0, 0, 0]), 24, GW, 0)?;
        let p24 = Prefix::new(v4([10, 0, 0, 0]), 24).unwrap();
        let inside = v4([10, 0, 0, 7]);
        assert_eq!(
            t.change(&p24, None, new_via(inside), &mut Events::new())
                .map_err(Error::from),
            Err(EADDRINUSE)
        );
        assert_eq!(gateway_of(&t, inside), Some(GW));
        t.change(&p24, None, new_via(host), &mut Events::new())?;
        assert_eq!(gateway_of(&t, v4([10, 0, 0, 9])), Some(host));
        // Through a cloning route it is allowed (FreeBSD clones the router).
        add(&t, v4([10, 2, 0, 0]), 24, GW, RTF_CLONING)?;
        let p2 = Prefix::new(v4([10, 2, 0, 0]), 24).unwrap();
        t.change(&p2, None, new_via(v4([10, 2, 0, 9])), &mut Events::new())?;
        // Cloning the parent's own router fails as RTM_RESOLVE's rt_setgate
        // does: the parent answers, with a miss.
        let mut ev = Events::new();
        let rt = t
            .rtalloc1(&v4([10, 2, 0, 9]), true, 0, &mut ev)
            .expect("the /24");
        assert_eq!(rt.entry().prefix().len(), 24);
        drop(rt);
        assert!(matches!(
            ev.iter().next(),
            Some(Event::Miss { err: Some(e), .. }) if *e == EADDRNOTAVAIL
        ));
        assert_eq!(t.stats().clones, 0);
        Ok(())
    }

    #[test]
    fn idle_time_starts_at_the_last_release_and_stops_while_held() -> Result {
        let t = table();
        let idle = 6 * SEC;
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING)?;
        clone_of(&t, v4([10, 1, 2, 3]));
        let held = t
            .rtalloc1(&v4([10, 1, 2, 4]), true, 0, &mut Events::new())
            .expect("clone")
            .unlock();
        assert_eq!(t.stats().clones, 2);
        advance(10 * SEC);
        // The released clone goes; the held one is not idle, and the work
        // looks again a sixth of the idle time later, not at once.
        let mut ev = Events::new();
        let next = t.run_lifetimes(idle, &mut ev);
        assert_eq!(&*delete_reasons(&ev), &[DeleteReason::Idle]);
        assert_eq!(t.stats().clones, 1);
        let now = CLOCK.boot_ns();
        assert_eq!(next, Some(now + idle / 6));
        // Released now, it idles from now (in_clsroute), not from its
        // creation or its last lookup: the look a sixth later sees that.
        drop(held);
        assert_eq!(
            t.run_lifetimes(idle, &mut Events::new()),
            Some(now + idle / 6)
        );
        advance(idle / 6);
        let mut ev = Events::new();
        assert_eq!(t.run_lifetimes(idle, &mut ev), Some(now + idle));
        assert_eq!(ev.len(), 0);
        advance(idle - idle / 6 - 1);
        assert_eq!(t.run_lifetimes(idle, &mut Events::new()), Some(now + idle));
        advance(1);
        let mut ev = Events::new();
        assert_eq!(t.run_lifetimes(idle, &mut ev), None);
        assert_eq!(&*delete_reasons(&ev), &[DeleteReason::Idle]);
        assert_eq!(t.stats().clones, 0);
        Ok(())
    }

    #[test]
    fn readers_run_while_writers_replace_and_delete() -> Result {
        let t = table();
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        let readers = Readers::new()?;
        for reader in 0..READERS {
            let (t, race) = (t.clone(), readers.race.clone());
            readers.started.fetch_add(1, Relaxed);
            let spawned = workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                let mut rounds = 0u32;
                while race.stop.load(Relaxed) == 0 {
                    // Sleep now and then: on one CPU without full preemption
                    // (User-Mode Linux) a reader that never sleeps would keep
                    // the writer from running at all.
                    rounds = rounds.wrapping_add(1);
                    if rounds % 64 == 0 {
                        fsleep(Delta::from_micros(20));
                    }
                    let writing = race.writing.load(Relaxed) != 0;
                    let g = RcuGuard::new();
                    if let Some(rt) = t.lookup_rcu(&Addr::V4([10, 1, 2, 3]), &g) {
                        // The entry stays readable under the guard (KASAN
                        // checks the reads); it is the /16 or the /8.
                        let len = rt.prefix().len();
                        if len != 16 && len != 8 {
                            race.bad.fetch_add(1, Relaxed);
                        }
                    }
                    drop(g);
                    // Taking and dropping references races the writer too.
                    drop(t.rtalloc1(&Addr::V4([10, 1, 2, 3]), false, 0, &mut Events::new()));
                    if writing && race.writing.load(Relaxed) != 0 {
                        race.lookups_while_writing[reader].fetch_add(1, Relaxed);
                    }
                }
                race.done.fetch_add(1, Relaxed);
            });
            if spawned.is_err() {
                readers.started.fetch_sub(1, Relaxed);
                // Dropping `readers` stops those already started.
                return Err(ENOMEM);
            }
        }
        let race = readers.race.clone();
        let p16 = Prefix::new(v4([10, 1, 0, 0]), 16).unwrap();
        let change = || RouteChange {
            gateway: Some(GW),
            flags: None,
            preferred: None,
            expires: None,
        };
        race.writing.store(1, Relaxed);
        let mut i = 0u32;
        // The writer goes on past its minimum until every reader has looked
        // up while it was at work, sleeping between rounds from then on: on
        // a busy or single CPU the readers may only get one once it sleeps.
        while i < MIN_WRITER_ROUNDS || !race.each_reader_looked_up_while_writing() {
            if i == MAX_WRITER_ROUNDS {
                break;
            }
            if i >= MIN_WRITER_ROUNDS {
                fsleep(Delta::from_micros(20));
            }
            let via = Addr::V4([192, 0, 2, (i % 250) as u8 + 2]);
            add(&t, v4([10, 1, 0, 0]), 16, via, 0)?;
            t.change(&p16, None, change(), &mut Events::new())?;
            t.remove(&p16, None, &mut Events::new())?;
            add(&t, v4([11, (i / 256) as u8, (i % 256) as u8, 0]), 24, GW, 0)?;
            i += 1;
        }
        race.writing.store(0, Relaxed);
        drop(readers);
        let bad = race.bad.load(Relaxed);
        let every_reader_looked_up_while_writing = race.each_reader_looked_up_while_writing();
        // A failed assertion ends the test at once, past every destructor:
        // the shared state goes first, so a failure is not also a leak.
        drop(race);
        assert_eq!(bad, 0);
        assert!(every_reader_looked_up_while_writing);
        Ok(())
    }

    /// Reader work items of the race test.
    const READERS: usize = 2;
    /// Rounds of add, change and remove the race test's writer always makes.
    const MIN_WRITER_ROUNDS: u32 = 300;
    /// Rounds after which the writer gives up waiting for readers that do
    /// not run, so the test fails instead of hanging. Below 65,536: each
    /// round adds a /24 of its own.
    const MAX_WRITER_ROUNDS: u32 = 2_000;

    /// What the race test's readers and its writer share.
    struct Race {
        stop: Atomic<u32>,
        /// Set while the writer changes the table.
        writing: Atomic<u32>,
        done: Atomic<u32>,
        /// Lookups that found neither the /8 nor the /16.
        bad: Atomic<u32>,
        /// Per reader, the lookups that began and ended while the writer was
        /// changing the table: the race really happened.
        lookups_while_writing: [Atomic<u32>; READERS],
    }

    impl Race {
        fn each_reader_looked_up_while_writing(&self) -> bool {
            self.lookups_while_writing
                .iter()
                .all(|n| n.load(Relaxed) > 0)
        }
    }

    /// Reader work items of a test; dropping this stops them and waits, so
    /// none outlives the test (or the module).
    struct Readers {
        race: Arc<Race>,
        started: Atomic<u32>,
    }

    impl Readers {
        fn new() -> Result<Self> {
            Ok(Self {
                race: Arc::new(
                    Race {
                        stop: Atomic::new(0),
                        writing: Atomic::new(0),
                        done: Atomic::new(0),
                        bad: Atomic::new(0),
                        lookups_while_writing: [const { Atomic::new(0) }; READERS],
                    },
                    GFP_KERNEL,
                )?,
                started: Atomic::new(0),
            })
        }
    }

    impl Drop for Readers {
        fn drop(&mut self) {
            self.race.stop.store(1, Relaxed);
            while self.race.done.load(Relaxed) != self.started.load(Relaxed) {
                fsleep(Delta::from_millis(10));
            }
        }
    }

    #[test]
    fn destroying_a_table_with_handles_clones_and_timers_frees_everything() -> Result {
        let base = settled_live_entries();
        let t = table();
        add(&t, v4([10, 1, 0, 0]), 16, GW, RTF_CLONING)?;
        let mut r = route(v4([10, 5, 0, 0]), 16, GW, 0);
        r.expires = Some(deadline(&CLOCK, CLOCK.real_ns() as u64 + 100 * SEC as u64)?);
        t.add(r, &mut Events::new())?;
        let clone = t
            .rtalloc1(&v4([10, 1, 2, 3]), true, 0, &mut Events::new())
            .expect("clone")
            .unlock();
        let held = t
            .rtalloc1(&v4([10, 5, 0, 1]), false, 0, &mut Events::new())
            .expect("match")
            .unlock();
        assert!(LIVE_ENTRIES.load(Relaxed) - base == 3);
        t.destroy(&mut Events::new());
        drop(t);
        assert!(!clone.entry().is_up() && !held.entry().is_up());
        drop(clone);
        drop(held);
        rcu_drain();
        assert_eq!(LIVE_ENTRIES.load(Relaxed), base);
        Ok(())
    }

    /// `rt_refcnt` of the route of `prefix`'s first path.
    fn refcnt_of(t: &RouteTable, addr: Addr, len: u8) -> u32 {
        let prefix = Prefix::new(addr, len).expect("prefix");
        let paths = t.get_exact(&prefix).expect("memory");
        paths.first().map_or(0, |rt| rt.refcnt())
    }

    fn remove(t: &RouteTable, addr: Addr, len: u8) -> Result {
        let prefix = Prefix::new(addr, len).expect("prefix");
        t.remove(&prefix, None, &mut Events::new())?;
        Ok(())
    }

    const NO_ROUTER: Addr = Addr::V4([0, 0, 0, 0]);

    #[test]
    fn a_route_holds_its_routers_route_until_it_leaves() -> Result {
        let base = settled_live_entries();
        let t = table();
        let router = v4([192, 0, 2, 1]);
        add(&t, v4([192, 0, 2, 0]), 24, NO_ROUTER, 0)?;
        // No router: no lookup, no reference.
        assert_eq!(refcnt_of(&t, v4([192, 0, 2, 0]), 24), 0);
        let mut ev = Events::new();
        t.add(route(v4([10, 0, 0, 0]), 8, router, 0), &mut ev)?;
        assert_eq!(ev.len(), 1);
        drop(ev);
        // rt_setgate's rtalloc1(gate, 1, 0), kept in rt_gwroute.
        assert_eq!(refcnt_of(&t, v4([192, 0, 2, 0]), 24), 1);
        add(&t, v4([10, 1, 0, 0]), 16, router, 0)?;
        assert_eq!(refcnt_of(&t, v4([192, 0, 2, 0]), 24), 2);
        // The router's route deleted: held, in rttrash, until both go.
        remove(&t, v4([192, 0, 2, 0]), 24)?;
        assert_eq!(t.stats().trash, 1);
        remove(&t, v4([10, 0, 0, 0]), 8)?;
        assert_eq!(t.stats().trash, 1);
        // Released on delete, never by rtfree: a lookup and release of the
        // route through the router leave the reference alone.
        drop(t.rtalloc1(&v4([10, 1, 2, 3]), false, 0, &mut Events::new()));
        assert_eq!(t.stats().trash, 1);
        remove(&t, v4([10, 1, 0, 0]), 16)?;
        assert_eq!(t.stats().trash, 0);
        assert_all_freed(t, base);
        Ok(())
    }

    #[test]
    fn a_router_nothing_reaches_is_a_miss_and_one_through_a_cloning_route_is_cloned() -> Result {
        let t = table();
        let mut ev = Events::new();
        t.add(route(v4([10, 0, 0, 0]), 8, GW, 0), &mut ev)?;
        assert!(matches!(
            ev.iter().next(),
            Some(Event::Miss { dst, err: None }) if *dst == GW
        ));
        // A lookup that found nothing, as FreeBSD's rts_unreach counts it.
        assert_eq!((t.stats().misses, t.stats().unreach), (1, 1));
        drop(ev);
        // Through a cloning route the lookup clones a host route for the
        // router, announced before the route itself, and held by it.
        add(&t, v4([192, 0, 2, 0]), 24, NO_ROUTER, RTF_CLONING)?;
        let mut ev = Events::new();
        t.add(route(v4([10, 9, 0, 0]), 16, GW, 0), &mut ev)?;
        assert_eq!(ev.len(), 2);
        let mut events = ev.iter();
        assert!(matches!(
            events.next(),
            Some(Event::Add(i)) if i.prefix == Prefix::host(GW) && i.parent.is_some()
        ));
        assert!(matches!(events.next(), Some(Event::Add(i)) if i.prefix.len() == 16));
        drop(events);
        drop(ev);
        assert_eq!(t.stats().clones, 1);
        assert_eq!(refcnt_of(&t, GW, 32), 1);
        // A failed add still looked the router up, as makeroute does first.
        let mut ev = Events::new();
        assert!(t.add(route(v4([10, 9, 0, 0]), 16, GW, 0), &mut ev).is_err());
        assert_eq!(refcnt_of(&t, GW, 32), 1);
        Ok(())
    }

    #[test]
    fn cloning_routes_through_each_others_routers_stop_at_the_depth_limit() -> Result {
        let base = settled_live_entries();
        let t = table();
        // Each clone looks its router up with report, which clones from the
        // other route, and so on: FreeBSD would recurse without bound.
        add(&t, v4([10, 0, 0, 0]), 8, v4([20, 0, 0, 1]), RTF_CLONING)?;
        add(&t, v4([20, 0, 0, 0]), 8, v4([10, 0, 0, 1]), RTF_CLONING)?;
        // That add cloned a host route for its router, which would end the
        // loop: without it, nothing does.
        remove(&t, v4([10, 0, 0, 1]), 32)?;
        let mut ev = Events::new();
        let rt = t
            .rtalloc1(&v4([10, 0, 0, 5]), true, 0, &mut ev)
            .expect("a clone");
        assert_eq!(rt.entry().prefix().len(), 32);
        drop(rt);
        let loops = ev
            .iter()
            .filter(|e| matches!(e, Event::Miss { err: Some(e), .. } if *e == ELOOP))
            .count();
        assert_eq!(loops, 1);
        drop(ev);
        // The two routers' host routes, and the first clone.
        assert_eq!(t.stats().clones, 3);
        assert!(t.stats().trash > 0);
        t.destroy(&mut Events::new());
        assert_eq!(t.stats().trash, 0);
        assert_all_freed(t, base);
        Ok(())
    }

    #[test]
    fn a_new_router_found_through_the_route_itself_clones_and_retires() -> Result {
        let t = table();
        add(&t, v4([192, 0, 2, 0]), 24, NO_ROUTER, 0)?;
        add(&t, v4([10, 0, 0, 0]), 8, GW, RTF_CLONING)?;
        assert_eq!(refcnt_of(&t, v4([192, 0, 2, 0]), 24), 1);
        let p8 = Prefix::new(v4([10, 0, 0, 0]), 8).unwrap();
        let change = RouteChange {
            gateway: Some(v4([10, 0, 0, 9])),
            flags: None,
            preferred: None,
            expires: None,
        };
        t.change(&p8, None, change, &mut Events::new())?;
        // The old router's route is released; the new router's host route,
        // cloned from the /8 itself, is retired with the /8's other clones
        // and stays held by it (FreeBSD: rt_fixchange after rt_setgate).
        assert_eq!(refcnt_of(&t, v4([192, 0, 2, 0]), 24), 0);
        assert_eq!(t.stats().clones, 0);
        assert_eq!(t.stats().trash, 1);
        remove(&t, v4([10, 0, 0, 0]), 8)?;
        assert_eq!(t.stats().trash, 0);
        Ok(())
    }

    #[test]
    fn rt_check_refreshes_the_routers_route_when_down_or_missing() -> Result {
        let t = table();
        let dst = v4([10, 1, 2, 3]);
        add(&t, v4([10, 0, 0, 0]), 8, GW, 0)?;
        let mut rt0 = t
            .rtalloc1(&dst, false, 0, &mut Events::new())
            .expect("match")
            .unlock();
        // Nothing reached the router at the add: no rt_gwroute, and still
        // nothing.
        let mut ev = Events::new();
        assert_eq!(
            t.rt_check(&mut rt0, &dst, &mut ev).map(|_| ()),
            Err(TableError::Unreachable)
        );
        drop(ev);
        add(&t, v4([192, 0, 2, 0]), 24, NO_ROUTER, 0)?;
        let next_hop = t.rt_check(&mut rt0, &dst, &mut Events::new())?;
        assert_eq!(next_hop.entry().prefix().len(), 24);
        drop(next_hop);
        assert_eq!(refcnt_of(&t, v4([192, 0, 2, 0]), 24), 1);
        // Down: replaced by a new lookup, and released.
        remove(&t, v4([192, 0, 2, 0]), 24)?;
        assert_eq!(t.stats().trash, 1);
        add(&t, v4([192, 0, 2, 0]), 25, NO_ROUTER, 0)?;
        let next_hop = t.rt_check(&mut rt0, &dst, &mut Events::new())?;
        assert_eq!(next_hop.entry().prefix().len(), 25);
        drop(next_hop);
        assert_eq!(t.stats().trash, 0);
        // A next hop that rejects.
        let p25 = Prefix::new(v4([192, 0, 2, 0]), 25).unwrap();
        let reject = |on| RouteChange {
            gateway: None,
            flags: Some(FlagsChange {
                flags: if on { RTF_REJECT } else { 0 },
                mask: RTF_REJECT,
            }),
            preferred: None,
            expires: None,
        };
        t.change(&p25, None, reject(true), &mut Events::new())?;
        assert_eq!(
            t.rt_check(&mut rt0, &dst, &mut Events::new()).map(|_| ()),
            Err(TableError::Unreachable)
        );
        t.change(&p25, None, reject(false), &mut Events::new())?;
        // rt0 deleted: dst is looked up again, and the caller's reference
        // moves to what it finds.
        remove(&t, v4([10, 0, 0, 0]), 8)?;
        add(&t, v4([10, 1, 0, 0]), 16, NO_ROUTER, 0)?;
        let next_hop = t.rt_check(&mut rt0, &dst, &mut Events::new())?;
        assert_eq!(rt0.entry().prefix().len(), 16);
        assert!(core::ptr::eq(next_hop.entry(), rt0.entry()));
        drop(next_hop);
        // A route with no router that rejects: the host is down.
        let p16 = Prefix::new(v4([10, 1, 0, 0]), 16).unwrap();
        t.change(&p16, None, reject(true), &mut Events::new())?;
        assert_eq!(
            t.rt_check(&mut rt0, &dst, &mut Events::new()).map(|_| ()),
            Err(TableError::HostDown)
        );
        assert_eq!(t.stats().trash, 0);
        Ok(())
    }

    /// The callback of the timer below: counts its runs.
    ///
    /// # Safety
    ///
    /// `ctx` is an `Atomic<u32>` alive for the call.
    unsafe extern "C" fn count_run(ctx: *mut c_void) {
        // SAFETY: the caller's contract.
        let runs = unsafe { &*ctx.cast::<Atomic<u32>>() };
        runs.fetch_add(1, Relaxed);
    }

    #[test]
    fn a_run_due_now_is_not_postponed_by_a_later_time() -> Result {
        let runs = KBox::new(Atomic::<u32>::new(0), GFP_KERNEL)?;
        let ctx = core::ptr::from_ref::<Atomic<u32>>(&runs).cast_mut().cast();
        // SAFETY: `count_run` only counts in `runs`, which outlives the
        // timer (dropped first, below).
        let timer = unsafe { Timer::new(count_run, ctx) }?;
        // Due in an hour, then now: queueing the work at once cancels its
        // timer and leaves the timer's expiry an hour out, which must not
        // be taken for when the work is due.
        timer.arm(3_600_000);
        let no_preemption = KBox::pin_init(new_spinlock!(()), GFP_KERNEL)?;
        {
            // The work is queued on this CPU's worker, which cannot run it
            // until the lock goes: the later time comes while it is queued.
            let _guard = no_preemption.lock();
            timer.arm(0);
            timer.arm(600_000);
        }
        let mut waited_ms = 0;
        while runs.load(Relaxed) == 0 && waited_ms < 30_000 {
            fsleep(Delta::from_millis(10));
            waited_ms += 10;
        }
        drop(timer);
        assert_eq!(runs.load(Relaxed), 1);
        Ok(())
    }

    #[test]
    fn popcount_counts_the_set_bits() -> Result {
        // xorshift64: many words of every density, and the edges.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let words = (0..4096).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        });
        for w in Iterator::chain([0, 1, 1 << 63, u64::MAX].into_iter(), words) {
            assert_eq!(popcount(w), w.count_ones());
            assert_eq!(
                popcount(w & 0x0f0f_0f0f_0f0f_0f0f),
                (w & 0x0f0f_0f0f_0f0f_0f0f).count_ones()
            );
        }
        Ok(())
    }
}
