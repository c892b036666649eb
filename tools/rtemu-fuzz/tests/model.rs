// SPDX-License-Identifier: GPL-2.0-only

//! The model against the expectations of selftests/rtemu_nl.py (and the
//! README's rules), one case each.

use std::net::IpAddr;

use rtemu::proto::route_flags::*;
use rtemu::Family;
use rtemu_fuzz::gen::{sequence_seed, Generator};
use rtemu_fuzz::model::*;
use rtemu_fuzz::op::{AddReq, ChangeReq, Time};
use rtemu_fuzz::{Model, Op, Reply, RouteView};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn fam(a: &IpAddr) -> Family {
    Family::of(a)
}

fn add(m: &mut Model, dst: &str, plen: u8, via: &str, flags: u32) -> Reply {
    add_timed(m, dst, plen, via, flags, None, None)
}

fn get(m: &mut Model, addr: &str, report: bool, ignflags: Option<u32>) -> Reply {
    let addr = ip(addr);
    m.apply(&Op::Get {
        family: fam(&addr),
        addr,
        report,
        ignflags,
    })
}

fn route(r: Reply) -> RouteView {
    match r {
        Reply::Route(v) | Reply::Hold(v) => v,
        other => panic!("not a route: {other}"),
    }
}

fn remove(m: &mut Model, dst: &str, plen: u8, via: Option<&str>) -> Reply {
    let dst = ip(dst);
    m.apply(&Op::RemovePrefix {
        family: fam(&dst),
        dst,
        plen,
        via: via.map(ip),
    })
}

fn list(m: &mut Model) -> Vec<(IpAddr, u8, IpAddr)> {
    match m.apply(&Op::List) {
        Reply::List(l) => l.into_iter().map(|r| (r.dst, r.plen, r.via)).collect(),
        other => panic!("{other}"),
    }
}

#[test]
fn add_get_list_v4() {
    let mut m = Model::new();
    assert_eq!(add(&mut m, "10.0.0.0", 8, "192.0.2.1", 0), Reply::Ok);
    assert_eq!(add(&mut m, "10.1.0.0", 16, "192.0.2.2", 0), Reply::Ok);
    let r = route(get(&mut m, "10.1.2.3", false, None));
    assert_eq!(
        (r.dst, r.plen, r.via),
        (ip("10.1.0.0"), 16, ip("192.0.2.2"))
    );
    assert_eq!(r.flags, UP | GATEWAY);
    assert_eq!(route(get(&mut m, "10.2.0.1", false, None)).plen, 8);
    assert_eq!(
        list(&mut m),
        vec![
            (ip("10.0.0.0"), 8, ip("192.0.2.1")),
            (ip("10.1.0.0"), 16, ip("192.0.2.2"))
        ]
    );
}

#[test]
fn v6_edges_default_and_host_routes() {
    let mut m = Model::new();
    add(&mut m, "::", 0, "fe80::1", 0);
    add(&mut m, "2001:db8::", 32, "fe80::2", 0);
    add(&mut m, "2001:db8::1", 128, "fe80::3", 0);
    assert_eq!(route(get(&mut m, "2001:db8::1", false, None)).plen, 128);
    assert_eq!(route(get(&mut m, "2001:db8::2", false, None)).plen, 32);
    assert_eq!(route(get(&mut m, "3000::1", false, None)).plen, 0);
    add(&mut m, "0.0.0.0", 0, "192.0.2.9", 0);
    add(&mut m, "198.51.100.7", 32, "192.0.2.9", 0);
    let host = route(get(&mut m, "198.51.100.7", false, None));
    assert!(host.flags & HOST != 0);
    assert_eq!(route(get(&mut m, "198.51.100.8", false, None)).plen, 0);
    // An on-link route (unspecified via) has no RTF_GATEWAY.
    add(&mut m, "10.9.0.0", 16, "0.0.0.0", 0);
    assert_eq!(route(get(&mut m, "10.9.0.1", false, None)).flags, UP);
}

#[test]
fn no_route_is_enetunreach_and_a_reported_one_a_miss() {
    let mut m = Model::new();
    assert_eq!(
        get(&mut m, "10.9.9.9", false, None),
        Reply::Err(ENETUNREACH)
    );
    assert_eq!(m.stats().misses, 0);
    assert_eq!(get(&mut m, "10.9.9.9", true, None), Reply::Err(ENETUNREACH));
    assert_eq!(m.stats().misses, 1);
}

#[test]
fn validation_errors() {
    let mut m = Model::new();
    assert_eq!(
        add(&mut m, "10.0.0.1", 8, "192.0.2.1", 0),
        Reply::Err(EINVAL),
        "host bits"
    );
    assert_eq!(
        add(&mut m, "10.0.0.0", 33, "192.0.2.1", 0),
        Reply::Err(EINVAL),
        "too long"
    );
    // Beyond the policy's max (128), netlink refuses before rtemu: ERANGE.
    assert_eq!(
        add(&mut m, "10.0.0.0", 129, "192.0.2.1", 0),
        Reply::Err(ERANGE),
        "policy"
    );
    assert_eq!(
        add(&mut m, "10.0.0.0", 8, "fe80::1", 0),
        Reply::Err(EINVAL),
        "via family"
    );
    let wrong_family = Op::Add(AddReq {
        family: Family::Inet6,
        dst: ip("10.0.0.0"),
        plen: 8,
        via: ip("fe80::1"),
        flags: 0,
        preferred: None,
        expires: None,
    });
    assert_eq!(m.apply(&wrong_family), Reply::Err(EINVAL), "dst family");
    assert_eq!(
        add(&mut m, "10.0.0.0", 8, "192.0.2.1", WASCLONED),
        Reply::Err(EINVAL)
    );
    let lifetimes = |preferred, expires| {
        Op::Add(AddReq {
            family: Family::Inet,
            dst: ip("10.0.0.0"),
            plen: 8,
            via: ip("192.0.2.1"),
            flags: 0,
            preferred,
            expires,
        })
    };
    assert_eq!(
        m.apply(&lifetimes(None, Some(Time::Abs(1)))),
        Reply::Err(EINVAL),
        "expired"
    );
    let t = 4_000_000_000_000_000_000;
    assert_eq!(
        m.apply(&lifetimes(Some(Time::Abs(t + 1)), Some(Time::Abs(t)))),
        Reply::Err(EINVAL),
        "order"
    );
    assert_eq!(
        m.apply(&lifetimes(None, Some(Time::Abs(1 << 63)))),
        Reply::Err(EOVERFLOW)
    );
    assert_eq!(
        m.apply(&lifetimes(None, Some(Time::Tick(0)))),
        Reply::Err(EINVAL),
        "tick 0 has passed"
    );
    assert_eq!(
        m.apply(&lifetimes(Some(Time::Tick(3)), Some(Time::Tick(2)))),
        Reply::Err(EINVAL),
        "ticks out of order"
    );
    assert_eq!(
        m.apply(&lifetimes(Some(Time::Abs(t)), Some(Time::Tick(2)))),
        Reply::Err(EINVAL),
        "decades ahead is after any tick"
    );
    let get_mismatch = Op::Get {
        family: Family::Inet,
        addr: ip("fe80::1"),
        report: true,
        ignflags: None,
    };
    assert_eq!(m.apply(&get_mismatch), Reply::Err(EINVAL));
    assert!(list(&mut m).is_empty());
    assert_eq!(m.stats().misses, 0);
}

#[test]
fn duplicate_is_eexist_and_multipath() {
    let mut m = Model::new();
    add(&mut m, "10.0.0.0", 8, "192.0.2.1", 0);
    assert_eq!(
        add(&mut m, "10.0.0.0", 8, "192.0.2.1", 0),
        Reply::Err(EEXIST)
    );
    add(&mut m, "10.0.0.0", 8, "192.0.2.2", 0);
    let vias: Vec<_> = list(&mut m).into_iter().map(|r| r.2).collect();
    assert_eq!(vias, vec![ip("192.0.2.1"), ip("192.0.2.2")]);
    // A lookup returns the first path.
    assert_eq!(
        route(get(&mut m, "10.1.1.1", false, None)).via,
        ip("192.0.2.1")
    );
    assert_eq!(
        remove(&mut m, "10.0.0.0", 8, Some("192.0.2.1")),
        Reply::Count(1)
    );
    assert_eq!(
        remove(&mut m, "10.0.0.0", 8, Some("192.0.2.1")),
        Reply::Err(ESRCH)
    );
    add(&mut m, "10.0.0.0", 8, "192.0.2.3", 0);
    assert_eq!(remove(&mut m, "10.0.0.0", 8, None), Reply::Count(2));
    assert!(list(&mut m).is_empty());
}

#[test]
fn remove_by_address() {
    let mut m = Model::new();
    add(&mut m, "10.0.0.0", 8, "192.0.2.1", 0);
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", 0);
    add(&mut m, "10.2.0.0", 16, "192.0.2.2", 0);
    add(&mut m, "192.0.2.1", 32, "192.0.2.254", 0);
    let by_addr = |a: &str| Op::RemoveAddr {
        family: Family::Inet,
        addr: ip(a),
    };
    assert_eq!(m.apply(&by_addr("192.0.2.1")), Reply::Count(3));
    assert_eq!(list(&mut m), vec![(ip("10.2.0.0"), 16, ip("192.0.2.2"))]);
    assert_eq!(m.apply(&by_addr("192.0.2.1")), Reply::Err(ESRCH));
    // A clone through the address goes with its parent, uncounted.
    add(&mut m, "10.4.0.0", 16, "192.0.2.7", CLONING);
    get(&mut m, "10.4.0.1", true, None);
    assert_eq!(m.apply(&by_addr("192.0.2.7")), Reply::Count(1));
    assert_eq!(m.stats().routes_inet, 1);
}

#[test]
fn clear_counts_one_family_or_all() {
    let mut m = Model::new();
    for i in 0..5 {
        add(&mut m, &format!("10.{i}.0.0"), 16, "192.0.2.1", 0);
    }
    add(&mut m, "2001:db8::", 32, "fe80::1", 0);
    let clear = |family| Op::Clear { family };
    assert_eq!(m.apply(&clear(Some(Family::Inet))), Reply::Count(5));
    assert_eq!(list(&mut m).len(), 1);
    assert_eq!(m.apply(&clear(None)), Reply::Count(1));
    assert_eq!(m.apply(&clear(None)), Reply::Count(0));
}

#[test]
fn cloning_and_parent_delete() {
    let mut m = Model::new();
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", CLONING | STATIC);
    assert_eq!(
        route(get(&mut m, "10.1.2.3", false, None)).plen,
        16,
        "no report, no clone"
    );
    let r = route(get(&mut m, "10.1.2.3", true, Some(CLONING)));
    assert_eq!(r.plen, 16, "ignflags cloning");
    let r = route(get(&mut m, "10.1.2.3", true, Some(PRCLONING)));
    assert_eq!((r.dst, r.plen), (ip("10.1.2.3"), 32));
    assert_eq!(r.flags, UP | GATEWAY | HOST | WASCLONED);
    assert_eq!(r.via, ip("192.0.2.1"));
    assert_eq!(r.parent, Some((ip("10.1.0.0"), 16)));
    assert_eq!(r.refcnt, 0);
    assert_eq!(m.stats().clones, 1);
    // The clone points at its parent without a reference.
    assert_eq!(route(get(&mut m, "10.1.9.9", false, None)).refcnt, 0);
    assert_eq!(remove(&mut m, "10.1.0.0", 16, None), Reply::Count(1));
    assert!(list(&mut m).is_empty());
    assert_eq!(m.stats().clones, 0);
    assert_eq!(m.stats().trash, 0);
    // A cloning host route is itself the answer: no clone, no miss of its
    // own. (Three misses in all: the two adds' and the clone's lookups of
    // their router, which nothing reaches.)
    add(&mut m, "10.1.2.3", 32, "192.0.2.1", CLONING);
    let r = route(get(&mut m, "10.1.2.3", true, None));
    assert_eq!((r.plen, r.parent), (32, None));
    assert_eq!((m.stats().clones, m.stats().misses), (0, 3));
}

#[test]
fn adding_over_a_clone_replaces_it() {
    let mut m = Model::new();
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", CLONING);
    get(&mut m, "10.1.2.3", true, None);
    // Same via as the clone: still a replacement, not EEXIST.
    assert_eq!(add(&mut m, "10.1.2.3", 32, "192.0.2.1", 0), Reply::Ok);
    add(&mut m, "10.1.2.4", 32, "192.0.2.50", 0);
    assert_eq!(
        list(&mut m),
        vec![
            (ip("10.1.0.0"), 16, ip("192.0.2.1")),
            (ip("10.1.2.3"), 32, ip("192.0.2.1")),
            (ip("10.1.2.4"), 32, ip("192.0.2.50"))
        ]
    );
    assert_eq!(m.stats().clones, 0);
    assert_eq!(route(get(&mut m, "10.1.0.1", false, None)).refcnt, 0);
}

#[test]
fn xresolve_clone_counts_a_resolve_and_change_resolves_it() {
    let mut m = Model::new();
    add(&mut m, "10.3.0.0", 16, "0.0.0.0", CLONING | XRESOLVE);
    let r = route(get(&mut m, "10.3.0.9", true, None));
    assert_eq!(r.flags, UP | HOST | WASCLONED | XRESOLVE);
    assert_eq!(m.stats().resolves, 1);
    let change = Op::Change(ChangeReq {
        family: Family::Inet,
        dst: ip("10.3.0.9"),
        plen: 32,
        via: None,
        new_via: Some(ip("192.0.2.77")),
        flags: None,
        preferred: None,
        expires: None,
    });
    assert_eq!(m.apply(&change), Reply::Ok);
    let r = route(get(&mut m, "10.3.0.9", false, None));
    assert_eq!(r.via, ip("192.0.2.77"));
    assert!(r.flags & GATEWAY != 0 && r.flags & WASCLONED != 0);
}

#[test]
fn change_needs_a_path() {
    let mut m = Model::new();
    let change = |via: Option<&str>, flags| {
        Op::Change(ChangeReq {
            family: Family::Inet,
            dst: ip("10.0.0.0"),
            plen: 8,
            via: via.map(ip),
            new_via: None,
            flags,
            preferred: None,
            expires: None,
        })
    };
    assert_eq!(m.apply(&change(None, None)), Reply::Err(ESRCH));
    add(&mut m, "10.0.0.0", 8, "192.0.2.1", STATIC);
    add(&mut m, "10.0.0.0", 8, "192.0.2.2", 0);
    assert_eq!(
        m.apply(&change(None, Some(REJECT))),
        Reply::Err(EINVAL),
        "several paths"
    );
    assert_eq!(m.apply(&change(Some("192.0.2.9"), None)), Reply::Err(ESRCH));
    assert_eq!(
        m.apply(&change(Some("192.0.2.1"), Some(UP))),
        Reply::Err(EINVAL)
    );
    assert_eq!(m.apply(&change(Some("192.0.2.1"), Some(REJECT))), Reply::Ok);
    // User flags are replaced, the others kept.
    assert_eq!(
        route(get(&mut m, "10.0.0.1", false, None)).flags,
        UP | GATEWAY | REJECT
    );
}

#[test]
fn hold_release_and_trash() {
    let mut m = Model::new();
    add(&mut m, "10.0.0.0", 8, "192.0.2.1", 0);
    let hold = |id| Op::Hold {
        id,
        family: Family::Inet,
        addr: ip("10.0.0.1"),
    };
    let h = route(m.apply(&hold(1)));
    assert_eq!(
        (h.dst, h.refcnt, h.parent, h.expires),
        (ip("10.0.0.0"), 1, None, None)
    );
    assert_eq!(route(get(&mut m, "10.0.0.1", false, None)).refcnt, 1);
    assert_eq!((m.stats().holds, m.stats().trash), (1, 0));
    remove(&mut m, "10.0.0.0", 8, None);
    assert_eq!(m.stats().trash, 1, "a deleted, held entry is in rttrash");
    assert_eq!(m.apply(&Op::Release { id: 1 }), Reply::Ok);
    assert_eq!((m.stats().holds, m.stats().trash), (0, 0));
    assert_eq!(m.apply(&Op::Release { id: 1 }), Reply::Err(ENOENT));
    assert_eq!(m.apply(&hold(2)), Reply::Err(ENETUNREACH));
}

#[test]
fn a_held_clone_leaves_only_itself_in_the_trash() {
    // FreeBSD 7 rtfree: "no refcnt on parent". The deleted parent is freed
    // at once; only the held clone stays, in the trash.
    let mut m = Model::new();
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", CLONING);
    get(&mut m, "10.1.2.3", true, None);
    let h = route(m.apply(&Op::Hold {
        id: 7,
        family: Family::Inet,
        addr: ip("10.1.2.3"),
    }));
    assert_eq!((h.plen, h.refcnt), (32, 1));
    assert_eq!(remove(&mut m, "10.1.0.0", 16, None), Reply::Count(1));
    let s = m.stats();
    assert_eq!((s.routes_inet, s.clones, s.trash, s.holds), (0, 0, 1, 1));
    m.apply(&Op::Release { id: 7 });
    assert_eq!(m.stats().trash, 0);
}

#[test]
fn clones_take_no_reference_on_their_parent() {
    // FreeBSD 7 rtfree: "rt->rt_parent = NULL; /* NB: no refcnt on parent */".
    // refcnt counts holders only, and trash the deleted entries still held.
    let mut m = Model::new();
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", CLONING);
    get(&mut m, "10.1.2.3", true, None);
    get(&mut m, "10.1.2.4", true, None);
    assert_eq!(m.stats().clones, 2);
    let parent = route(get(&mut m, "10.1.9.9", false, None));
    assert_eq!(
        (parent.plen, parent.refcnt),
        (16, 0),
        "clones are no holders"
    );
    let hold = |id, addr| Op::Hold {
        id,
        family: Family::Inet,
        addr: ip(addr),
    };
    let h = route(m.apply(&hold(1, "10.1.2.3")));
    assert_eq!((h.plen, h.refcnt), (32, 1));
    assert_eq!(route(get(&mut m, "10.1.9.9", false, None)).refcnt, 0);
    let h = route(m.apply(&hold(2, "10.1.9.9")));
    assert_eq!((h.plen, h.refcnt), (16, 1), "the parent's own holder only");
    m.apply(&Op::Release { id: 2 });
    assert_eq!(route(get(&mut m, "10.1.9.9", false, None)).refcnt, 0);
    // Deleting the parent takes both clones; only the held clone is trash.
    assert_eq!(remove(&mut m, "10.1.0.0", 16, None), Reply::Count(1));
    assert_eq!(m.apply(&Op::List), Reply::List(vec![]));
    let s = m.stats();
    assert_eq!((s.routes_inet, s.clones, s.trash, s.holds), (0, 0, 1, 1));
    // The last holder's release empties the trash at once.
    m.apply(&Op::Release { id: 1 });
    assert_eq!((m.stats().trash, m.stats().holds), (0, 0));
}

#[test]
fn max_routes_is_enospc_and_a_failed_clone_returns_the_parent() {
    let mut m = Model::with_max_routes(3);
    add(&mut m, "10.0.0.0", 8, "192.0.2.1", 0);
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", CLONING);
    add(&mut m, "10.2.0.0", 16, "192.0.2.1", 0);
    assert_eq!(
        add(&mut m, "10.3.0.0", 16, "192.0.2.1", 0),
        Reply::Err(ENOSPC)
    );
    m.take_events();
    assert_eq!(route(get(&mut m, "10.1.2.3", true, None)).plen, 16);
    // The clone looked its router up, then found no room.
    assert_eq!(kinds(&mut m), ["miss 10.1.2.3 ENOSPC", "miss 192.0.2.1 0"]);
}

#[test]
fn generated_sequences_never_trip_the_model() {
    // The model is total over what the generator makes, and the generator
    // is deterministic.
    for k in 0..300 {
        let ops = Generator::new(sequence_seed(42, k)).sequence(60);
        assert_eq!(ops, Generator::new(sequence_seed(42, k)).sequence(60));
        let mut m = Model::new();
        for op in &ops {
            m.apply(op);
        }
    }
}

fn change(m: &mut Model, dst: &str, plen: u8, new_via: Option<&str>, flags: Option<u32>) -> Reply {
    let dst = ip(dst);
    m.apply(&Op::Change(ChangeReq {
        family: fam(&dst),
        dst,
        plen,
        via: None,
        new_via: new_via.map(ip),
        flags,
        preferred: None,
        expires: None,
    }))
}

#[test]
fn route_change_sets_only_fmask_so_clones_always_go_with_their_parent() {
    let mut m = Model::new();
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", CLONING | XRESOLVE);
    get(&mut m, "10.1.2.3", true, None);
    // route.h RTF_FMASK: static, reject and blackhole; rtemu refuses others.
    assert_eq!(
        change(&mut m, "10.1.0.0", 16, None, Some(STATIC)),
        Reply::Ok
    );
    for f in [CLONING, XRESOLVE, PRCLONING, STATIC | CLONING] {
        assert_eq!(
            change(&mut m, "10.1.0.0", 16, None, Some(f)),
            Reply::Err(EINVAL)
        );
    }
    let r = route(get(&mut m, "10.1.0.1", false, None));
    assert_eq!(r.flags, UP | GATEWAY | CLONING | XRESOLVE | STATIC);
    assert_eq!(change(&mut m, "10.1.0.0", 16, None, Some(0)), Reply::Ok);
    let r = route(get(&mut m, "10.1.0.1", false, None));
    assert_eq!(r.flags, UP | GATEWAY | CLONING | XRESOLVE);
    m.take_events();
    assert_eq!(remove(&mut m, "10.1.0.0", 16, None), Reply::Count(1));
    assert_eq!(kinds(&mut m).len(), 2);
    assert!(list(&mut m).is_empty());
    let s = m.stats();
    assert_eq!((s.routes_inet, s.clones, s.trash), (0, 0, 0));
}

#[test]
fn host_routes_lose_cloning_at_add() {
    let mut m = Model::new();
    add(&mut m, "10.9.9.9", 32, "192.0.2.1", CLONING | STATIC);
    let r = route(get(&mut m, "10.9.9.9", true, None));
    assert_eq!(r.flags, UP | GATEWAY | HOST | STATIC);
    assert_eq!(m.stats().clones, 0);
}

#[test]
fn a_covering_add_retires_clones_of_no_more_specific_parents() {
    let mut m = Model::new();
    add(&mut m, "10.0.0.0", 16, "192.0.2.1", CLONING);
    add(&mut m, "10.0.1.0", 25, "192.0.2.3", CLONING);
    get(&mut m, "10.0.1.6", true, None);
    get(&mut m, "10.0.2.5", true, None);
    get(&mut m, "10.0.1.200", true, None);
    m.take_events();
    add(&mut m, "10.0.1.0", 24, "192.0.2.2", 0);
    assert_eq!(
        kinds(&mut m),
        [
            "add 10.0.1.0/24 via 192.0.2.2 flags up,gateway",
            "delete (superseded) 10.0.1.200/32 via 192.0.2.1 flags gateway,host,wascloned",
            "miss 192.0.2.2 0",
        ]
    );
    let r = route(get(&mut m, "10.0.1.200", false, None));
    assert_eq!((r.plen, r.via), (24, ip("192.0.2.2")));
    // The /25's clone (a more specific parent) and the one outside stay.
    assert_eq!(route(get(&mut m, "10.0.1.6", false, None)).plen, 32);
    assert_eq!(route(get(&mut m, "10.0.2.5", false, None)).plen, 32);
    assert_eq!(m.stats().clones, 2);
    // A second path of a prefix has the clones' parent's mask: they go.
    add(&mut m, "10.0.1.0", 25, "192.0.2.4", 0);
    assert_eq!(
        kinds(&mut m),
        [
            "add 10.0.1.0/25 via 192.0.2.4 flags up,gateway",
            "delete (superseded) 10.0.1.6/32 via 192.0.2.3 flags gateway,host,wascloned",
            "miss 192.0.2.4 0",
        ]
    );
}

#[test]
fn a_new_router_retires_the_routes_clones() {
    let mut m = Model::new();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", CLONING);
    get(&mut m, "10.0.0.5", true, None);
    m.take_events();
    // Flags or lifetimes alone: nothing goes.
    change(&mut m, "10.0.0.0", 24, None, Some(STATIC));
    assert_eq!(kinds(&mut m).len(), 1);
    // route.c rt_setgate: a router, even the same one, retires them.
    change(&mut m, "10.0.0.0", 24, Some("192.0.2.1"), None);
    assert_eq!(
        kinds(&mut m),
        [
            "delete (parent-changed) 10.0.0.5/32 via 192.0.2.1 flags gateway,host,wascloned",
            "change 10.0.0.0/24 via 192.0.2.1 flags up,gateway,cloning,static",
            "miss 192.0.2.1 0",
        ]
    );
    get(&mut m, "10.0.0.5", true, None);
    change(&mut m, "10.0.0.0", 24, Some("192.0.2.7"), None);
    let r = route(get(&mut m, "10.0.0.5", true, None));
    assert_eq!((r.plen, r.via), (32, ip("192.0.2.7")));
    assert_eq!(m.stats().clones, 1);
}

#[test]
fn routers_through_the_route_itself_are_refused() {
    let mut m = Model::new();
    // route.c rt_setgate.
    assert_eq!(
        add(&mut m, "10.0.0.5", 32, "10.0.0.5", 0),
        Reply::Err(EADDRNOTAVAIL)
    );
    add(&mut m, "10.0.0.5", 32, "0.0.0.0", 0);
    assert_eq!(
        change(&mut m, "10.0.0.5", 32, Some("10.0.0.5"), None),
        Reply::Err(EADDRNOTAVAIL)
    );
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", 0);
    assert_eq!(
        change(&mut m, "10.0.0.0", 24, Some("10.0.0.7"), None),
        Reply::Err(EADDRINUSE)
    );
    assert_eq!(
        change(&mut m, "10.0.0.0", 24, Some("10.0.0.5"), None),
        Reply::Ok
    );
    add(&mut m, "10.2.0.0", 24, "192.0.2.1", CLONING);
    assert_eq!(
        change(&mut m, "10.2.0.0", 24, Some("10.2.0.9"), None),
        Reply::Ok
    );
    m.take_events();
    let r = route(get(&mut m, "10.2.0.9", true, None));
    assert_eq!(r.plen, 24);
    assert_eq!(kinds(&mut m), ["miss 10.2.0.9 EADDRNOTAVAIL"]);
}

/// A route-add with lifetimes at ticks `p` and `e`.
fn add_timed(
    m: &mut Model,
    dst: &str,
    plen: u8,
    via: &str,
    flags: u32,
    p: Option<u32>,
    e: Option<u32>,
) -> Reply {
    let dst = ip(dst);
    m.apply(&Op::Add(AddReq {
        family: fam(&dst),
        dst,
        plen,
        via: ip(via),
        flags,
        preferred: p.map(Time::Tick),
        expires: e.map(Time::Tick),
    }))
}

#[test]
fn deadlines_deprecate_then_expire_when_their_tick_passes() {
    let mut m = Model::new();
    add_timed(&mut m, "10.5.0.0", 16, "192.0.2.1", 0, Some(1), Some(3));
    let r = route(get(&mut m, "10.5.0.1", false, None));
    assert_eq!(r.flags, UP | GATEWAY);
    assert_eq!(
        (r.preferred, r.expires),
        (Some(Time::Tick(1)), Some(Time::Tick(3)))
    );
    m.apply(&Op::Wait { tick: 2 });
    assert_eq!(
        route(get(&mut m, "10.5.0.1", false, None)).flags,
        UP | GATEWAY | DEPRECATED
    );
    // Waiting for a tick already passed changes nothing.
    m.apply(&Op::Wait { tick: 1 });
    assert_eq!(m.stats().routes_inet, 1);
    m.apply(&Op::Wait { tick: 3 });
    assert_eq!(
        get(&mut m, "10.5.0.1", false, None),
        Reply::Err(ENETUNREACH)
    );
    assert_eq!(m.stats().routes_inet, 0);
}

#[test]
fn a_lookup_prefers_a_path_that_is_not_deprecated() {
    let mut m = Model::new();
    add_timed(&mut m, "10.5.0.0", 16, "192.0.2.1", 0, Some(1), None);
    add(&mut m, "10.5.0.0", 16, "192.0.2.2", 0);
    assert_eq!(
        route(get(&mut m, "10.5.0.1", false, None)).via,
        ip("192.0.2.1")
    );
    m.apply(&Op::Wait { tick: 1 });
    assert_eq!(
        route(get(&mut m, "10.5.0.1", false, None)).via,
        ip("192.0.2.2")
    );
    // With every path deprecated, the first one again.
    add_timed(&mut m, "10.6.0.0", 16, "192.0.2.1", 0, Some(0), None);
    add_timed(&mut m, "10.6.0.0", 16, "192.0.2.2", 0, Some(1), None);
    let r = route(get(&mut m, "10.6.0.1", false, None));
    assert_eq!((r.via, r.flags & DEPRECATED), (ip("192.0.2.1"), DEPRECATED));
}

#[test]
fn change_moves_deadlines_and_the_deprecated_flag() {
    let mut m = Model::new();
    add_timed(&mut m, "10.5.0.0", 16, "192.0.2.1", 0, Some(0), Some(2));
    assert_ne!(
        route(get(&mut m, "10.5.0.1", false, None)).flags & DEPRECATED,
        0
    );
    let change = |p: Option<u32>, e: Option<u32>| {
        Op::Change(ChangeReq {
            family: Family::Inet,
            dst: ip("10.5.0.0"),
            plen: 16,
            via: None,
            new_via: None,
            flags: None,
            preferred: p.map(Time::Tick),
            expires: e.map(Time::Tick),
        })
    };
    assert_eq!(m.apply(&change(Some(2), Some(4))), Reply::Ok);
    assert_eq!(
        route(get(&mut m, "10.5.0.1", false, None)).flags & DEPRECATED,
        0
    );
    // The old expiry no longer applies.
    m.apply(&Op::Wait { tick: 2 });
    let r = route(get(&mut m, "10.5.0.1", false, None));
    assert_eq!(
        (r.flags & DEPRECATED, r.expires),
        (DEPRECATED, Some(Time::Tick(4)))
    );
    assert_eq!(
        m.apply(&change(None, Some(2))),
        Reply::Err(EINVAL),
        "expiry passed"
    );
    assert_eq!(m.apply(&change(Some(1), None)), Reply::Ok);
    assert_ne!(
        route(get(&mut m, "10.5.0.1", false, None)).flags & DEPRECATED,
        0
    );
}

#[test]
fn clones_inherit_deadlines_and_a_held_expired_route_is_trash() {
    let mut m = Model::new();
    add_timed(
        &mut m,
        "10.1.0.0",
        16,
        "192.0.2.1",
        CLONING,
        Some(1),
        Some(2),
    );
    m.apply(&Op::Wait { tick: 1 });
    // Cloned after its preferred-until passed: deprecated from birth.
    let c = route(get(&mut m, "10.1.2.3", true, None));
    assert_eq!(c.flags, UP | GATEWAY | HOST | WASCLONED | DEPRECATED);
    assert_eq!(
        (c.preferred, c.expires),
        (Some(Time::Tick(1)), Some(Time::Tick(2)))
    );
    m.apply(&Op::Hold {
        id: 1,
        family: Family::Inet,
        addr: ip("10.1.2.3"),
    });
    m.apply(&Op::Wait { tick: 2 });
    // Only the held clone: its expired parent is not held.
    let s = m.stats();
    assert_eq!((s.routes_inet, s.clones, s.trash), (0, 0, 1));
    m.apply(&Op::Release { id: 1 });
    assert_eq!(m.stats().trash, 0);
}

#[test]
fn timed_sequences_wait_in_order_and_name_their_ticks() {
    let (mut timed, mut ticks) = (0, 0);
    for k in 0..400 {
        let ops = Generator::new(sequence_seed(7, k)).sequence(40);
        let waits: Vec<u32> = ops
            .iter()
            .filter_map(|op| match op {
                Op::Wait { tick } => Some(*tick),
                _ => None,
            })
            .collect();
        assert!(waits.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
        assert!(waits.iter().all(|t| *t <= rtemu_fuzz::gen::LAST_TICK));
        timed += !waits.is_empty() as u32;
        ticks += ops
            .iter()
            .flat_map(|op| op.times())
            .filter(|t| matches!(t, Some(Time::Tick(_))))
            .count();
    }
    assert!((20..100).contains(&timed), "{timed} of 400 sequences wait");
    assert!(ticks > 100, "only {ticks} lifetimes name ticks");
}

fn kinds(m: &mut Model) -> Vec<String> {
    m.take_events()
        .iter()
        .map(|e| e.to_string().split(" refcnt").next().unwrap().to_string())
        .collect()
}

#[test]
fn each_operation_yields_the_events_the_module_sends() {
    let mut m = Model::new();
    // A route through a router, and its clone, look the router up with
    // report first (route.c rt_setgate): nothing reaches it, a miss.
    add(&mut m, "10.1.0.0", 16, "192.0.2.1", CLONING);
    assert_eq!(
        kinds(&mut m),
        [
            "add 10.1.0.0/16 via 192.0.2.1 flags up,gateway,cloning",
            "miss 192.0.2.1 0"
        ]
    );
    get(&mut m, "10.1.2.3", true, None);
    assert_eq!(
        kinds(&mut m),
        [
            "add 10.1.2.3/32 via 192.0.2.1 flags up,gateway,host,wascloned",
            "miss 192.0.2.1 0"
        ]
    );
    // No match with report is a miss; without report, nothing.
    get(&mut m, "10.9.0.1", true, None);
    get(&mut m, "10.9.0.2", false, None);
    assert_eq!(kinds(&mut m), ["miss 10.9.0.1 0"]);
    // Holds and reads send nothing.
    m.apply(&Op::Hold {
        id: 1,
        family: Family::Inet,
        addr: ip("10.1.2.3"),
    });
    m.apply(&Op::List);
    assert!(kinds(&mut m).is_empty());
    // A removed parent takes its clone, which is no longer up.
    remove(&mut m, "10.1.0.0", 16, None);
    assert_eq!(
        kinds(&mut m),
        [
            "delete (removed) 10.1.0.0/16 via 192.0.2.1 flags gateway,cloning",
            "delete (parent-deleted) 10.1.2.3/32 via 192.0.2.1 flags gateway,host,wascloned"
        ]
    );
    // A clear is one event, however many routes go.
    add(&mut m, "10.2.0.0", 16, "192.0.2.1", 0);
    add(&mut m, "10.3.0.0", 16, "192.0.2.1", 0);
    m.take_events();
    m.apply(&Op::Clear {
        family: Some(Family::Inet),
    });
    assert_eq!(kinds(&mut m), ["clear inet count 2"]);
}

#[test]
fn time_yields_deprecate_and_expire_events_once() {
    let mut m = Model::new();
    add_timed(
        &mut m,
        "10.5.0.0",
        16,
        "192.0.2.1",
        XRESOLVE | CLONING,
        Some(1),
        Some(3),
    );
    get(&mut m, "10.5.0.9", true, None);
    assert_eq!(
        kinds(&mut m),
        [
            "add 10.5.0.0/16 via 192.0.2.1 flags up,gateway,cloning,xresolve",
            "resolve 10.5.0.9/32 via 192.0.2.1 flags up,gateway,host,xresolve,wascloned",
            "miss 192.0.2.1 0",
            "miss 192.0.2.1 0"
        ]
    );
    m.apply(&Op::Wait { tick: 2 });
    assert_eq!(kinds(&mut m).len(), 2, "parent and clone deprecated");
    m.apply(&Op::Wait { tick: 3 });
    // The work visits the parent first: its clone goes with it.
    assert_eq!(
        kinds(&mut m),
        [
            "delete (parent-deleted) 10.5.0.9/32 via 192.0.2.1 flags gateway,host,xresolve,wascloned,deprecated",
            "expire 10.5.0.0/16 via 192.0.2.1 flags gateway,cloning,xresolve,deprecated"
        ]
    );
}
