// SPDX-License-Identifier: GPL-2.0-only

//! The FreeBSD 7 model's rules, one case each, both as FreeBSD does it
//! (no deviation accepted: `strict()`) and, where rtemu departs on purpose,
//! with the known deviations (`known()`).

use std::net::IpAddr;

use rtemu::proto::route_flags::*;
use rtemu::Family;
use rtemu_fuzz::bsd::{BsdModel, EDQUOT};
use rtemu_fuzz::deviations::{self, Deviations};
use rtemu_fuzz::gen::{sequence_seed, Generator};
use rtemu_fuzz::model::*;
use rtemu_fuzz::op::{AddReq, ChangeReq, EventView};
use rtemu_fuzz::run::check_sequence;
use rtemu_fuzz::{Model, Op, Reply, RouteView};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn strict() -> BsdModel {
    BsdModel::new(Deviations::none())
}

fn known() -> BsdModel {
    BsdModel::new(Deviations::known())
}

fn add_op(dst: &str, plen: u8, via: &str, flags: u32) -> Op {
    let dst = ip(dst);
    Op::Add(AddReq {
        family: Family::of(&dst),
        dst,
        plen,
        via: ip(via),
        flags,
        preferred: None,
        expires: None,
    })
}

fn add(m: &mut BsdModel, dst: &str, plen: u8, via: &str, flags: u32) -> Reply {
    m.apply(&add_op(dst, plen, via, flags))
}

fn get(m: &mut BsdModel, addr: &str, report: bool, ignflags: Option<u32>) -> Reply {
    let addr = ip(addr);
    m.apply(&Op::Get {
        family: Family::of(&addr),
        addr,
        report,
        ignflags,
    })
}

fn change(
    m: &mut BsdModel,
    dst: &str,
    plen: u8,
    new_via: Option<&str>,
    flags: Option<u32>,
) -> Reply {
    let dst = ip(dst);
    m.apply(&Op::Change(ChangeReq {
        family: Family::of(&dst),
        dst,
        plen,
        via: None,
        new_via: new_via.map(ip),
        flags,
        preferred: None,
        expires: None,
    }))
}

fn remove(m: &mut BsdModel, dst: &str, plen: u8) -> Reply {
    let dst = ip(dst);
    m.apply(&Op::RemovePrefix {
        family: Family::of(&dst),
        dst,
        plen,
        via: None,
    })
}

fn hold(m: &mut BsdModel, id: u32, addr: &str) -> Reply {
    let addr = ip(addr);
    m.apply(&Op::Hold {
        id,
        family: Family::of(&addr),
        addr,
    })
}

fn route(r: Reply) -> RouteView {
    match r {
        Reply::Route(v) | Reply::Hold(v) => v,
        other => panic!("not a route: {other}"),
    }
}

fn list(m: &mut BsdModel) -> Vec<(IpAddr, u8, IpAddr, u32, u32)> {
    match m.apply(&Op::List) {
        Reply::List(l) => l
            .into_iter()
            .map(|r| (r.dst, r.plen, r.via, r.flags, r.refcnt))
            .collect(),
        other => panic!("{other}"),
    }
}

/// The events, as kinds: "add 10.0.0.5/32", "delete(parent-deleted) ...".
fn kinds(m: &mut BsdModel) -> Vec<String> {
    m.take_events()
        .iter()
        .map(|e| match e {
            EventView::Add(r) => format!("add {}/{}", r.dst, r.plen),
            EventView::Delete(r, why) => format!("delete({why}) {}/{}", r.dst, r.plen),
            EventView::Change(r) => format!("change {}/{}", r.dst, r.plen),
            EventView::Resolve(r) => format!("resolve {}/{}", r.dst, r.plen),
            EventView::Miss { addr, errno } => format!("miss {addr} {errno}"),
            other => format!("{other}"),
        })
        .collect()
}

#[test]
fn rtalloc1_clones_only_with_report_and_cloning_not_ignored() {
    let mut m = strict();
    add(
        &mut m,
        "10.0.0.0",
        24,
        "192.0.2.1",
        CLONING | STATIC | XRESOLVE,
    );
    m.take_events();
    // report = 0: the cloning route itself, no message.
    assert_eq!(route(get(&mut m, "10.0.0.5", false, None)).plen, 24);
    // RTF_CLONING in ignflags: no clone either.
    assert_eq!(route(get(&mut m, "10.0.0.5", true, Some(CLONING))).plen, 24);
    assert!(kinds(&mut m).is_empty());
    // RTM_RESOLVE: parent & ~(CLONING|STATIC) | WASCLONED | HOST, the
    // parent's gateway, rt_parent without a reference.
    let c = route(get(&mut m, "10.0.0.5", true, None));
    assert_eq!(
        (c.dst, c.plen, c.via),
        (ip("10.0.0.5"), 32, ip("192.0.2.1"))
    );
    assert_eq!(c.flags, UP | GATEWAY | HOST | XRESOLVE | WASCLONED);
    assert_eq!(c.parent, Some((ip("10.0.0.0"), 24)));
    let parent = list(&mut m)[0];
    assert_eq!(parent.4, 0, "no refcnt on the parent");
    // RTF_XRESOLVE: rt_missmsg(RTM_RESOLVE), not RTM_ADD; and the miss of
    // the clone's lookup of its router (rt_setgate), which nothing reaches.
    assert_eq!(
        kinds(&mut m),
        vec!["resolve 10.0.0.5/32", "miss 192.0.2.1 0"]
    );
    assert_eq!(m.stats().resolves, 1);
    // The clone is a host route: the next lookup returns it, no message.
    assert_eq!(route(get(&mut m, "10.0.0.5", true, None)).plen, 32);
    assert!(kinds(&mut m).is_empty());
}

#[test]
fn rtalloc1_announces_a_clone_with_rtm_add_and_prcloning_never_clones() {
    let mut m = strict();
    add(&mut m, "10.0.1.0", 24, "192.0.2.1", PRCLONING);
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", CLONING);
    m.take_events();
    assert_eq!(route(get(&mut m, "10.0.1.1", true, None)).plen, 24);
    assert_eq!(route(get(&mut m, "10.0.0.1", true, None)).plen, 32);
    // With the miss of the clone's router's lookup.
    assert_eq!(kinds(&mut m), vec!["add 10.0.0.1/32", "miss 192.0.2.1 0"]);
}

#[test]
fn rtalloc1_misses_with_error_0_and_rtm_get_of_nothing_is_esrch() {
    let mut m = strict();
    assert_eq!(get(&mut m, "10.9.9.9", false, None), Reply::Err(ESRCH));
    assert!(kinds(&mut m).is_empty());
    assert_eq!(get(&mut m, "10.9.9.9", true, None), Reply::Err(ESRCH));
    assert_eq!(kinds(&mut m), vec!["miss 10.9.9.9 0"]);
    let mut k = known();
    assert_eq!(get(&mut k, "10.9.9.9", true, None), Reply::Err(ENETUNREACH));
}

#[test]
fn a_failed_clone_returns_the_parent_with_a_miss_carrying_its_errno() {
    // rt_setgate: the clone of the parent's own router would go through
    // itself: EADDRNOTAVAIL.
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "10.0.0.1", CLONING);
    m.take_events();
    assert_eq!(route(get(&mut m, "10.0.0.1", true, None)).plen, 24);
    assert_eq!(
        kinds(&mut m),
        vec![format!("miss 10.0.0.1 {EADDRNOTAVAIL}")]
    );
    assert_eq!(m.stats().clones, 0);
}

#[test]
fn rtrequest1_drops_cloning_from_host_routes() {
    let mut m = strict();
    add(&mut m, "10.0.0.7", 32, "192.0.2.1", CLONING | STATIC);
    assert_eq!(list(&mut m)[0].3, UP | GATEWAY | HOST | STATIC);
}

#[test]
fn rt_fixdelete_deletes_the_clones_without_a_message() {
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", CLONING);
    get(&mut m, "10.0.0.1", true, None);
    get(&mut m, "10.0.0.2", true, None);
    m.take_events();
    assert_eq!(remove(&mut m, "10.0.0.0", 24), Reply::Count(1));
    assert_eq!(kinds(&mut m), vec!["delete(removed) 10.0.0.0/24"]);
    assert!(list(&mut m).is_empty());
    // rtemu announces them.
    let mut k = known();
    add(&mut k, "10.0.0.0", 24, "192.0.2.1", CLONING);
    get(&mut k, "10.0.0.1", true, None);
    k.take_events();
    remove(&mut k, "10.0.0.0", 24);
    assert_eq!(
        kinds(&mut k),
        vec![
            "delete(removed) 10.0.0.0/24",
            "delete(parent-deleted) 10.0.0.1/32"
        ]
    );
}

#[test]
fn rt_fixchange_retires_clones_of_no_more_specific_parents() {
    let mut m = strict();
    add(&mut m, "10.0.0.0", 8, "192.0.2.1", CLONING);
    add(&mut m, "10.0.0.0", 30, "192.0.2.2", CLONING);
    get(&mut m, "10.0.0.1", true, None); // clone of the /30
    get(&mut m, "10.0.0.5", true, None); // clone of the /8
    m.take_events();
    // A /24 between them: the /8's clone inside it goes, silently; the
    // /30's (a more specific parent) stays.
    add(&mut m, "10.0.0.0", 24, "192.0.2.2", 0);
    assert_eq!(kinds(&mut m), vec!["add 10.0.0.0/24", "miss 192.0.2.2 0"]);
    let hosts: Vec<IpAddr> = list(&mut m)
        .into_iter()
        .filter(|r| r.1 == 32)
        .map(|r| r.0)
        .collect();
    assert_eq!(hosts, vec![ip("10.0.0.1")]);
    // A second router of the /30 (rtemu's multipath): the same mask, not
    // less specific, so the /30's clone goes too.
    add(&mut m, "10.0.0.0", 30, "192.0.2.3", 0);
    assert_eq!(m.stats().clones, 0);
    // A host route added runs no rt_fixchange.
    get(&mut m, "10.0.0.2", true, None);
    add(&mut m, "10.0.0.3", 32, "192.0.2.9", 0);
    assert_eq!(m.stats().clones, 1);
}

#[test]
fn rt_setgate_on_change_retires_the_routes_own_clones() {
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", CLONING);
    get(&mut m, "10.0.0.1", true, None);
    m.take_events();
    // Even the same gateway runs rt_fixchange.
    assert_eq!(
        change(&mut m, "10.0.0.0", 24, Some("192.0.2.1"), None),
        Reply::Ok
    );
    assert_eq!(
        kinds(&mut m),
        vec!["change 10.0.0.0/24", "miss 192.0.2.1 0"]
    );
    assert_eq!(m.stats().clones, 0);
}

#[test]
fn rtfree_frees_an_unreferenced_deleted_entry_and_keeps_a_held_one_in_rttrash() {
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", CLONING);
    get(&mut m, "10.0.0.1", true, None);
    assert_eq!(route(hold(&mut m, 1, "10.0.0.1")).refcnt, 1);
    remove(&mut m, "10.0.0.0", 24);
    // The held clone is in rttrash; its parent, which it does not
    // reference, is freed.
    let s = m.stats();
    assert_eq!((s.trash, s.clones), (1, 0));
    assert_eq!(m.apply(&Op::Release { id: 1 }), Reply::Ok);
    assert_eq!(m.stats().trash, 0);
    assert_eq!(m.apply(&Op::Release { id: 1 }), Reply::Err(ENOENT));
}

#[test]
fn an_add_over_a_clone_expunges_it_and_leaks_rtalloc1s_reference() {
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", CLONING);
    get(&mut m, "10.0.0.1", true, None);
    m.take_events();
    assert_eq!(add(&mut m, "10.0.0.1", 32, "192.0.2.2", 0), Reply::Ok);
    assert_eq!(kinds(&mut m), vec!["add 10.0.0.1/32", "miss 192.0.2.2 0"]);
    assert_eq!((m.stats().trash, m.stats().clones), (1, 0));
    let mut k = known();
    add(&mut k, "10.0.0.0", 24, "192.0.2.1", CLONING);
    get(&mut k, "10.0.0.1", true, None);
    k.take_events();
    add(&mut k, "10.0.0.1", 32, "192.0.2.2", 0);
    assert_eq!(
        kinds(&mut k),
        vec![
            "add 10.0.0.1/32",
            "delete(replaced) 10.0.0.1/32",
            "miss 192.0.2.2 0"
        ]
    );
    assert_eq!(k.stats().trash, 0);
}

#[test]
fn a_host_route_changed_through_itself_is_expunged_or_accepted() {
    // With RTF_GATEWAY: rtexpunge, EADDRNOTAVAIL, no message.
    let mut m = strict();
    add(&mut m, "10.0.0.7", 32, "192.0.2.1", 0);
    m.take_events();
    assert_eq!(
        change(&mut m, "10.0.0.7", 32, Some("10.0.0.7"), None),
        Reply::Err(EADDRNOTAVAIL)
    );
    assert!(kinds(&mut m).is_empty());
    assert!(list(&mut m).is_empty());
    // Without RTF_GATEWAY the check does not apply: the change is made,
    // and RTF_GATEWAY stays off.
    add(&mut m, "10.0.0.8", 32, "0.0.0.0", 0);
    assert_eq!(
        change(&mut m, "10.0.0.8", 32, Some("10.0.0.8"), None),
        Reply::Ok
    );
    assert_eq!(list(&mut m)[0].2, ip("10.0.0.8"));
    assert_eq!(list(&mut m)[0].3, UP | HOST);
    // rtemu refuses both and keeps the route.
    let mut k = known();
    add(&mut k, "10.0.0.7", 32, "192.0.2.1", 0);
    add(&mut k, "10.0.0.8", 32, "0.0.0.0", 0);
    for a in ["10.0.0.7", "10.0.0.8"] {
        assert_eq!(
            change(&mut k, a, 32, Some(a), None),
            Reply::Err(EADDRNOTAVAIL)
        );
    }
    assert_eq!(list(&mut k).len(), 2);
}

#[test]
fn rtm_change_in_7_0_changes_no_flags() {
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", CLONING);
    assert_eq!(
        change(&mut m, "10.0.0.0", 24, None, Some(REJECT | XRESOLVE)),
        Reply::Ok
    );
    assert_eq!(list(&mut m)[0].3, UP | GATEWAY | CLONING);
    let mut k = known();
    add(&mut k, "10.0.0.0", 24, "192.0.2.1", CLONING);
    assert_eq!(
        change(&mut k, "10.0.0.0", 24, None, Some(REJECT | XRESOLVE)),
        Reply::Err(EINVAL)
    );
    assert_eq!(
        change(&mut k, "10.0.0.0", 24, None, Some(REJECT)),
        Reply::Ok
    );
    assert_eq!(list(&mut k)[0].3, UP | GATEWAY | CLONING | REJECT);
}

#[test]
fn rt_gwroute_looks_the_router_up_with_report_and_references_it() {
    let mut m = strict();
    add(&mut m, "192.0.2.0", 24, "0.0.0.0", CLONING);
    m.take_events();
    // The router's lookup clones a host route for it (RTM_ADD) and keeps
    // it referenced.
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", 0);
    assert_eq!(kinds(&mut m), vec!["add 10.0.0.0/24", "add 192.0.2.1/32"]);
    let gw = list(&mut m)
        .into_iter()
        .find(|r| r.0 == ip("192.0.2.1"))
        .unwrap();
    assert_eq!(gw.4, 1);
    // Deleting the route drops the reference; deleting the router's clone
    // first leaves it in rttrash until then.
    remove(&mut m, "192.0.2.1", 32);
    assert_eq!(m.stats().trash, 1);
    remove(&mut m, "10.0.0.0", 24);
    assert_eq!(m.stats().trash, 0);
    // No route to the router: RTM_MISS for it.
    add(&mut m, "10.0.1.0", 24, "198.51.100.1", 0);
    assert_eq!(
        kinds(&mut m),
        vec![
            "add 10.0.1.0/24",
            "delete(removed) 10.0.0.0/24",
            "delete(removed) 192.0.2.1/32",
            "miss 198.51.100.1 0"
        ]
    );
}

#[test]
fn a_change_to_a_router_only_the_route_reaches_is_edquot_in_7_0() {
    // The 7.0 text stores the gateway, then finds the route itself.
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", 0);
    m.take_events();
    assert_eq!(
        change(&mut m, "10.0.0.0", 24, Some("10.0.0.9"), None),
        Reply::Err(EDQUOT)
    );
    assert_eq!(list(&mut m)[0].2, ip("10.0.0.9"));
    // rtemu: EADDRINUSE before anything changes.
    let mut k = known();
    add(&mut k, "10.0.0.0", 24, "192.0.2.1", 0);
    assert_eq!(
        change(&mut k, "10.0.0.0", 24, Some("10.0.0.9"), None),
        Reply::Err(EADDRINUSE)
    );
    assert_eq!(list(&mut k)[0].2, ip("192.0.2.1"));
    // A cloning route is accepted by rtemu.
    add(&mut k, "10.0.1.0", 24, "192.0.2.1", CLONING);
    assert_eq!(
        change(&mut k, "10.0.1.0", 24, Some("10.0.1.9"), None),
        Reply::Ok
    );
}

#[test]
fn rtm_change_in_7_0_leaves_rtf_gateway() {
    let mut m = strict();
    add(&mut m, "10.0.0.0", 24, "192.0.2.1", 0);
    assert_eq!(
        change(&mut m, "10.0.0.0", 24, Some("0.0.0.0"), None),
        Reply::Ok
    );
    assert_eq!(list(&mut m)[0].3, UP | GATEWAY);
    let mut k = known();
    add(&mut k, "10.0.0.0", 24, "192.0.2.1", 0);
    change(&mut k, "10.0.0.0", 24, Some("0.0.0.0"), None);
    assert_eq!(list(&mut k)[0].3, UP);
}

#[test]
fn with_the_known_deviations_it_agrees_with_the_readme_model() {
    // Two readings, one of FreeBSD and one of the README: where they part,
    // one of them is wrong or the deviation is missing from the list.
    let bsd = known();
    for k in 0..400 {
        let ops = Generator::new(sequence_seed(29, k)).sequence(40);
        let mut readme = Model::new();
        assert_eq!(
            check_sequence(&mut readme, &[&bsd], &ops),
            Ok(None),
            "sequence {k}"
        );
    }
    // With max_routes too (rtemu's: where it is checked follows rtemu).
    let mut bsd = known();
    bsd.max_routes = Some(4);
    for k in 0..200 {
        let ops = Generator::new(sequence_seed(31, k)).sequence(40);
        let mut readme = Model::with_max_routes(4);
        assert_eq!(
            check_sequence(&mut readme, &[&bsd], &ops),
            Ok(None),
            "sequence {k} with max_routes 4"
        );
    }
    // And the list is consulted: every known deviation decided something.
    for (d, n) in deviations::consulted() {
        assert!(n > 0, "{} never consulted", d.name());
    }
}

#[test]
fn an_add_replaces_the_clone_its_own_routers_lookup_made() {
    // Found by a 1M-operation fuzz run: rtrequest1's makeroute runs
    // rt_setgate before rnh_addaddr, so a clone that the lookup of the new
    // route's router makes at the new route's own key is in the way, and
    // rtexpunge'd like any other. Here 192.0.2.1's clone (through the
    // default route) looks up its router 10.0.0.1, which clones
    // 10.0.0.1/32 from the /23: the very route being added.
    let ops = [
        add_op("0.0.0.0", 0, "10.0.0.1", CLONING | XRESOLVE | STATIC),
        add_op("10.0.0.0", 23, "10.0.0.5", CLONING),
        add_op("10.0.0.1", 32, "192.0.2.1", CLONING),
    ];
    let mut readme = Model::new();
    assert_eq!(check_sequence(&mut readme, &[&known()], &ops), Ok(None));
    let mut m = strict();
    m.apply(&ops[0]);
    m.apply(&ops[1]);
    m.take_events();
    assert_eq!(m.apply(&ops[2]), Reply::Ok);
    let at_dst: Vec<_> = list(&mut m)
        .into_iter()
        .filter(|r| (r.0, r.1) == (ip("10.0.0.1"), 32))
        .collect();
    assert_eq!(at_dst.len(), 1, "{at_dst:?}");
    assert_eq!(at_dst[0].2, ip("192.0.2.1"));
}
