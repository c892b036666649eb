// SPDX-License-Identifier: GPL-2.0-only

//! Byte-exact encode/decode round trips for every message of the family.
//!
//! The expected bytes are built by hand from the wire format, independently
//! of the netlink crates: nlmsghdr (len u32, type u16, flags u16, seq u32,
//! pid u32), genlmsghdr (cmd u8, version u8, reserved u16), then attributes
//! (nla_len u16, nla_type u16, value, zero padding to 4 bytes). Integers are
//! in host byte order, as netlink carries them.

use std::net::IpAddr;

use rtemu::*;

const FAMILY: u16 = 0x1d;
const REQUEST: u16 = 0x01;
const ACK: u16 = 0x04;
const DUMP: u16 = 0x300;

fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(((4 + value.len()) as u16).to_ne_bytes());
    v.extend(kind.to_ne_bytes());
    v.extend(value);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

fn u8a(kind: u16, x: u8) -> Vec<u8> {
    nla(kind, &[x])
}
fn u32a(kind: u16, x: u32) -> Vec<u8> {
    nla(kind, &x.to_ne_bytes())
}
fn u64a(kind: u16, x: u64) -> Vec<u8> {
    nla(kind, &x.to_ne_bytes())
}
fn ipa(kind: u16, ip: &str) -> Vec<u8> {
    match ip.parse::<IpAddr>().unwrap() {
        IpAddr::V4(a) => nla(kind, &a.octets()),
        IpAddr::V6(a) => nla(kind, &a.octets()),
    }
}

fn msg(flags: u16, seq: u32, cmd: u8, attrs: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = attrs.concat();
    let mut v = Vec::new();
    v.extend(((16 + 4 + body.len()) as u32).to_ne_bytes());
    v.extend(FAMILY.to_ne_bytes());
    v.extend(flags.to_ne_bytes());
    v.extend(seq.to_ne_bytes());
    v.extend(0u32.to_ne_bytes());
    v.extend([cmd, 1, 0, 0]);
    v.extend(body);
    v
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

// Attribute ids, written out from include/uapi/linux/rtemu.h.
const A_PAD: u16 = 1;
const A_FAMILY: u16 = 2;
const A_DST: u16 = 3;
const A_PREFIX_LEN: u16 = 4;
const A_VIA: u16 = 5;
const A_FLAGS: u16 = 6;
const A_PREFERRED_UNTIL: u16 = 7;
const A_EXPIRES_AT: u16 = 8;
const A_PREFERRED_LEFT: u16 = 9;
const A_EXPIRES_LEFT: u16 = 10;
const A_REFCNT: u16 = 11;
const A_USE: u16 = 12;
const A_PARENT_DST: u16 = 13;
const A_PARENT_PREFIX_LEN: u16 = 14;
const A_REPORT: u16 = 15;
const A_IGNFLAGS: u16 = 16;
const A_ADDR: u16 = 17;
const A_HANDLE: u16 = 18;
const A_REASON: u16 = 19;
const A_ERROR: u16 = 20;
const A_COUNT: u16 = 21;
const A_NEW_VIA: u16 = 22;
const A_SA_FAMILY: u16 = 24;

/// Encode a typed request, compare with the hand-built bytes, decode the
/// bytes back to the typed value, and re-encode the raw message.
fn check_request<T: Typed + PartialEq + std::fmt::Debug>(t: &T, flags: u16, seq: u32, want: &[u8]) {
    let got = t.to_message().encode_request(FAMILY, flags, seq);
    assert_eq!(got, want, "encode of {t:?}");
    check_decode(t, want);
}

fn check_decode<T: Typed + PartialEq + std::fmt::Debug>(t: &T, bytes: &[u8]) {
    let (hdr, m) = RtemuMessage::decode(bytes).expect("decode");
    assert_eq!(hdr.message_type, FAMILY);
    assert_eq!(&T::from_message(&m).expect("typed decode"), t);
    // The raw layer re-encodes exactly what it decoded.
    assert_eq!(m.encode(FAMILY, hdr.flags, hdr.sequence_number), bytes);
}

/// For kernel-to-user messages (no NLM_F_REQUEST).
fn check_reply<T: Typed + PartialEq + std::fmt::Debug>(t: &T, flags: u16, seq: u32, want: &[u8]) {
    let got = t.to_message().encode(FAMILY, flags, seq);
    assert_eq!(got, want, "encode of {t:?}");
    check_decode(t, want);
}

const T1: u64 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z
const T2: u64 = 1_767_229_200_000_000_000; // 2026-01-01T01:00:00Z

#[test]
fn route_add_inet() {
    let mut req = RouteAdd::new(net("10.1.0.0/16"), ip("192.0.2.1"));
    req.flags = RouteFlags::CLONING | RouteFlags::STATIC;
    req.preferred_until = Some(T1);
    req.expires_at = Some(T2);
    let want = msg(
        REQUEST | ACK,
        7,
        1,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.1.0.0"),
            u8a(A_PREFIX_LEN, 16),
            ipa(A_VIA, "192.0.2.1"),
            u32a(A_FLAGS, 0x100 | 0x800),
            u64a(A_PREFERRED_UNTIL, T1),
            u64a(A_EXPIRES_AT, T2),
        ],
    );
    assert_eq!(want.len(), 16 + 4 + 8 + 8 + 8 + 8 + 8 + 12 + 12);
    check_request(&req, ACK, 7, &want);
}

#[test]
fn route_add_inet6_no_lifetimes() {
    let req = RouteAdd::new(net("2001:db8::/32"), ip("fe80::1"));
    let want = msg(
        REQUEST | ACK,
        1,
        1,
        &[
            u8a(A_FAMILY, 10),
            ipa(A_DST, "2001:db8::"),
            u8a(A_PREFIX_LEN, 32),
            ipa(A_VIA, "fe80::1"),
            u32a(A_FLAGS, 0),
        ],
    );
    check_request(&req, ACK, 1, &want);
}

#[test]
fn route_remove_prefix_and_via() {
    let req = RouteRemove::Prefix {
        cidr: net("10.0.0.0/8"),
        via: Some(ip("192.0.2.1")),
    };
    let want = msg(
        REQUEST | ACK,
        2,
        2,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.0.0.0"),
            u8a(A_PREFIX_LEN, 8),
            ipa(A_VIA, "192.0.2.1"),
        ],
    );
    check_request(&req, ACK, 2, &want);

    let req = RouteRemove::Prefix {
        cidr: net("10.0.0.0/8"),
        via: None,
    };
    let want = msg(
        REQUEST | ACK,
        3,
        2,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.0.0.0"),
            u8a(A_PREFIX_LEN, 8),
        ],
    );
    check_request(&req, ACK, 3, &want);
}

#[test]
fn route_remove_bare_addr() {
    let req = RouteRemove::Addr(ip("2001:db8::5"));
    let want = msg(
        REQUEST | ACK,
        4,
        2,
        &[u8a(A_FAMILY, 10), ipa(A_ADDR, "2001:db8::5")],
    );
    check_request(&req, ACK, 4, &want);
}

#[test]
fn count_reply_of_remove_and_clear() {
    let r = CountReply {
        count: Some(3),
        unknown: vec![],
    };
    let want = msg(0, 4, 2, &[u32a(A_COUNT, 3)]);
    assert_eq!(r.to_message(Cmd::RouteRemove).encode(FAMILY, 0, 4), want);
    let (_, m) = RtemuMessage::decode(&want).unwrap();
    assert_eq!(m.cmd, Cmd::RouteRemove);
    assert_eq!(CountReply::from_message(&m).unwrap(), r);
    assert_eq!(RouteRemove::reply(vec![m]).unwrap(), r);

    let want = msg(0, 5, 3, &[u32a(A_COUNT, 0)]);
    let (_, m) = RtemuMessage::decode(&want).unwrap();
    assert_eq!(RouteClear::reply(vec![m]).unwrap().count, Some(0));
}

#[test]
fn route_clear_all_and_family() {
    check_request(
        &RouteClear { family: None },
        ACK,
        5,
        &msg(REQUEST | ACK, 5, 3, &[]),
    );
    check_request(
        &RouteClear {
            family: Some(Family::Inet6),
        },
        ACK,
        6,
        &msg(REQUEST | ACK, 6, 3, &[u8a(A_FAMILY, 10)]),
    );
}

#[test]
fn route_get_request() {
    let mut req = RouteGet::new(ip("10.1.2.3"));
    check_request(
        &req,
        ACK,
        8,
        &msg(
            REQUEST | ACK,
            8,
            4,
            &[u8a(A_FAMILY, 2), ipa(A_ADDR, "10.1.2.3")],
        ),
    );
    req.report = true;
    req.ignflags = Some(RouteFlags::PRCLONING);
    let want = msg(
        REQUEST | ACK,
        9,
        4,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_ADDR, "10.1.2.3"),
            nla(A_REPORT, &[]),
            u32a(A_IGNFLAGS, 0x10000),
        ],
    );
    check_request(&req, ACK, 9, &want);
}

fn full_route() -> (Route, Vec<Vec<u8>>) {
    let mut r = Route::new(net("10.1.2.3/32"));
    r.via = Some(ip("192.0.2.1"));
    r.flags = Some(RouteFlags::UP | RouteFlags::GATEWAY | RouteFlags::HOST | RouteFlags::WASCLONED);
    r.preferred_until = Some(T1);
    r.expires_at = Some(T2);
    r.preferred_left = Some(0);
    r.expires_left = Some(59_000_000_000);
    r.refcnt = Some(2);
    r.use_count = Some(17);
    r.parent = Some(net("10.1.0.0/16"));
    let attrs = vec![
        u8a(A_FAMILY, 2),
        ipa(A_DST, "10.1.2.3"),
        u8a(A_PREFIX_LEN, 32),
        ipa(A_VIA, "192.0.2.1"),
        u32a(A_FLAGS, 0x1 | 0x2 | 0x4 | 0x20000),
        u64a(A_PREFERRED_UNTIL, T1),
        u64a(A_EXPIRES_AT, T2),
        u64a(A_PREFERRED_LEFT, 0),
        u64a(A_EXPIRES_LEFT, 59_000_000_000),
        u32a(A_REFCNT, 2),
        u64a(A_USE, 17),
        ipa(A_PARENT_DST, "10.1.0.0"),
        u8a(A_PARENT_PREFIX_LEN, 16),
    ];
    (r, attrs)
}

/// A `Typed` wrapper so route replies of a given command use the helpers.
#[derive(Debug, PartialEq)]
struct RouteMsg(Cmd, Route);
impl Typed for RouteMsg {
    fn to_message(&self) -> RtemuMessage {
        RtemuMessage::route(self.0, self.1.to_attrs())
    }
    fn from_message(m: &RtemuMessage) -> std::result::Result<Self, DecodeError> {
        Ok(RouteMsg(m.cmd, Route::from_attrs(m.route_attrs())?))
    }
}

#[test]
fn route_get_reply() {
    let (r, attrs) = full_route();
    let want = msg(0, 9, 4, &attrs);
    check_reply(&RouteMsg(Cmd::RouteGet, r.clone()), 0, 9, &want);
    let (_, m) = RtemuMessage::decode(&want).unwrap();
    assert_eq!(RouteGet::reply(vec![m]).unwrap(), r);
}

#[test]
fn route_get_reply_inet6_minimal() {
    let mut r = Route::new(net("2001:db8::/48"));
    r.via = Some(ip("::"));
    r.flags = Some(RouteFlags::UP);
    let want = msg(
        0,
        1,
        4,
        &[
            u8a(A_FAMILY, 10),
            ipa(A_DST, "2001:db8::"),
            u8a(A_PREFIX_LEN, 48),
            ipa(A_VIA, "::"),
            u32a(A_FLAGS, 1),
        ],
    );
    check_reply(&RouteMsg(Cmd::RouteGet, r), 0, 1, &want);
}

#[test]
fn route_list_request_and_multipart_replies() {
    check_request(
        &RouteList { family: None },
        DUMP,
        10,
        &msg(REQUEST | DUMP, 10, 5, &[]),
    );
    check_request(
        &RouteList {
            family: Some(Family::Inet),
        },
        DUMP,
        11,
        &msg(REQUEST | DUMP, 11, 5, &[u8a(A_FAMILY, 2)]),
    );
    // NLM_F_MULTI (0x2) and NLM_F_DUMP_INTR (0x10) ride in the header.
    let (r, attrs) = full_route();
    let want = msg(0x2 | 0x10, 11, 5, &attrs);
    check_reply(&RouteMsg(Cmd::RouteList, r.clone()), 0x12, 11, &want);
    let (hdr, m) = RtemuMessage::decode(&want).unwrap();
    assert_eq!(hdr.flags & 0x10, 0x10);
    assert_eq!(
        RouteList::reply(vec![m.clone(), m]).unwrap(),
        vec![r.clone(), r]
    );
}

#[test]
fn route_change_request() {
    let mut req = RouteChange::new(net("10.1.2.3/32"));
    req.via = Some(ip("192.0.2.1"));
    req.new_via = Some(ip("192.0.2.9"));
    req.flags = Some(RouteFlags::UP | RouteFlags::GATEWAY);
    req.preferred_until = Some(T1);
    req.expires_at = Some(T2);
    let want = msg(
        REQUEST | ACK,
        12,
        6,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.1.2.3"),
            u8a(A_PREFIX_LEN, 32),
            ipa(A_VIA, "192.0.2.1"),
            ipa(A_NEW_VIA, "192.0.2.9"),
            u32a(A_FLAGS, 3),
            u64a(A_PREFERRED_UNTIL, T1),
            u64a(A_EXPIRES_AT, T2),
        ],
    );
    check_request(&req, ACK, 12, &want);

    let mut req = RouteChange::new(net("2001:db8::/64"));
    req.new_via = Some(ip("2001:db8::1"));
    let want = msg(
        REQUEST | ACK,
        13,
        6,
        &[
            u8a(A_FAMILY, 10),
            ipa(A_DST, "2001:db8::"),
            u8a(A_PREFIX_LEN, 64),
            ipa(A_NEW_VIA, "2001:db8::1"),
        ],
    );
    check_request(&req, ACK, 13, &want);
}

#[test]
fn route_hold_request_and_reply() {
    check_request(
        &RouteHold {
            addr: ip("10.9.9.9"),
        },
        ACK,
        14,
        &msg(
            REQUEST | ACK,
            14,
            7,
            &[u8a(A_FAMILY, 2), ipa(A_ADDR, "10.9.9.9")],
        ),
    );
    let mut route = Route::new(net("10.0.0.0/8"));
    route.via = Some(ip("192.0.2.1"));
    route.flags = Some(RouteFlags::UP | RouteFlags::GATEWAY);
    route.refcnt = Some(1);
    let reply = HoldReply {
        handle: 0x1234_5678_9abc,
        route,
    };
    let want = msg(
        0,
        14,
        7,
        &[
            u64a(A_HANDLE, 0x1234_5678_9abc),
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.0.0.0"),
            u8a(A_PREFIX_LEN, 8),
            ipa(A_VIA, "192.0.2.1"),
            u32a(A_FLAGS, 3),
            u32a(A_REFCNT, 1),
        ],
    );
    check_reply(&reply, 0, 14, &want);
}

#[test]
fn route_release_request() {
    check_request(
        &RouteRelease { handle: 42 },
        ACK,
        15,
        &msg(REQUEST | ACK, 15, 8, &[u64a(A_HANDLE, 42)]),
    );
}

#[test]
fn stats_get_request_and_reply() {
    check_request(&StatsGet, ACK, 16, &msg(REQUEST | ACK, 16, 9, &[]));
    let s = Stats {
        routes_inet: Some(5),
        routes_inet6: Some(2),
        clones: Some(1),
        trash: Some(0),
        holds: Some(3),
        misses: Some(1 << 40),
        resolves: Some(7),
        lifetime_runs: Some(12),
        writer_visits: Some(1 << 33),
        writer_batch_max: Some(130),
        events_lost: Some(2),
        unreach: Some(1 << 35),
        unknown: vec![],
    };
    let want = msg(
        0,
        16,
        9,
        &[
            u32a(2, 5),
            u32a(3, 2),
            u32a(4, 1),
            u32a(5, 0),
            u32a(6, 3),
            u64a(7, 1 << 40),
            u64a(8, 7),
            u64a(9, 12),
            u64a(10, 1 << 33),
            u32a(11, 130),
            u64a(12, 2),
            u64a(13, 1 << 35),
        ],
    );
    check_reply(&s, 0, 16, &want);
}

#[test]
fn events_route_carrying() {
    let (r, attrs) = full_route();
    for (cmd, ev) in [
        (10u8, Event::Add(r.clone())),
        (12, Event::Change(r.clone())),
        (13, Event::Expire(r.clone())),
        (14, Event::Deprecate(r.clone())),
        (16, Event::Resolve(r.clone())),
    ] {
        let want = msg(0, 0, cmd, &attrs);
        check_reply(&ev, 0, 0, &want);
    }
}

#[test]
fn event_delete_with_reason() {
    let mut route = Route::new(net("10.1.2.3/32"));
    route.via = Some(ip("192.0.2.1"));
    route.flags = Some(RouteFlags::UP | RouteFlags::HOST | RouteFlags::WASCLONED);
    route.expires_at = Some(T2);
    route.refcnt = Some(0);
    let ev = Event::Delete {
        route,
        reason: Some(DeleteReason::ParentDeleted),
    };
    let want = msg(
        0,
        0,
        11,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.1.2.3"),
            u8a(A_PREFIX_LEN, 32),
            ipa(A_VIA, "192.0.2.1"),
            u32a(A_FLAGS, 0x1 | 0x4 | 0x20000),
            u64a(A_EXPIRES_AT, T2),
            u32a(A_REFCNT, 0),
            u32a(A_REASON, 1),
        ],
    );
    check_reply(&ev, 0, 0, &want);
}

#[test]
fn event_clear_and_miss() {
    let ev = Event::Clear {
        family: None,
        count: Some(12),
        unknown: vec![],
    };
    check_reply(&ev, 0, 0, &msg(0, 0, 15, &[u32a(A_COUNT, 12)]));
    let ev = Event::Clear {
        family: Some(Family::Inet),
        count: Some(3),
        unknown: vec![],
    };
    check_reply(
        &ev,
        0,
        0,
        &msg(0, 0, 15, &[u8a(A_FAMILY, 2), u32a(A_COUNT, 3)]),
    );
    let ev = Event::Miss {
        addr: Some(ip("2001:db8::7")),
        sa_family: None,
        error: Some(113),
        unknown: vec![],
    };
    check_reply(
        &ev,
        0,
        0,
        &msg(
            0,
            0,
            17,
            &[
                u8a(A_FAMILY, 10),
                ipa(A_ADDR, "2001:db8::7"),
                u32a(A_ERROR, 113),
            ],
        ),
    );
    // A family with no table (AF_UNIX through the in-kernel API): its
    // number, no family or addr.
    let ev = Event::Miss {
        addr: None,
        sa_family: Some(1),
        error: Some(0),
        unknown: vec![],
    };
    check_reply(
        &ev,
        0,
        0,
        &msg(0, 0, 17, &[u32a(A_ERROR, 0), u32a(A_SA_FAMILY, 1)]),
    );
    // One with neither addr nor sa-family is malformed.
    assert!(Event::from_message(
        &RtemuMessage::decode(&msg(0, 0, 17, &[u32a(A_ERROR, 0)]))
            .unwrap()
            .1
    )
    .is_err());
}

#[test]
fn unknown_attributes_are_kept() {
    // An attribute from a newer kernel (id 99) and one with NLA_F_NESTED.
    let (mut r, mut attrs) = full_route();
    attrs.push(nla(99, &[1, 2, 3, 4, 5]));
    attrs.push(nla(0x8000 | 40, &u32a(1, 7)));
    r.unknown = vec![
        UnknownAttr {
            kind: 99,
            value: vec![1, 2, 3, 4, 5],
        },
        UnknownAttr {
            kind: 0x8000 | 40,
            value: u32a(1, 7),
        },
    ];
    let want = msg(0, 0, 10, &attrs);
    check_reply(&Event::Add(r), 0, 0, &want);

    // Out of order and in the middle: the raw layer keeps the order.
    let bytes = msg(
        0,
        3,
        4,
        &[
            u8a(A_FAMILY, 2),
            nla(77, &[9]),
            ipa(A_DST, "10.0.0.0"),
            u8a(A_PREFIX_LEN, 8),
        ],
    );
    let (hdr, m) = RtemuMessage::decode(&bytes).unwrap();
    assert!(matches!(
        m.route_attrs()[1],
        RouteAttr::Other(UnknownAttr { kind: 77, .. })
    ));
    assert_eq!(m.encode(FAMILY, hdr.flags, hdr.sequence_number), bytes);

    // An unknown command is kept as a raw event.
    let bytes = msg(0, 0, 200, &[nla(5, &[10, 0, 0, 1])]);
    let (_, m) = RtemuMessage::decode(&bytes).unwrap();
    assert_eq!(m.cmd, Cmd::Other(200));
    let ev = Event::from_message(&m).unwrap();
    assert!(matches!(ev, Event::Unknown(_)));
    assert_eq!(ev.to_message().encode(FAMILY, 0, 0), bytes);

    // Unknown stats counters too.
    let bytes = msg(0, 1, 9, &[u32a(2, 1), u64a(30, 5)]);
    let (_, m) = RtemuMessage::decode(&bytes).unwrap();
    let s = Stats::from_message(&m).unwrap();
    assert_eq!(s.unknown.len(), 1);
    assert_eq!(s.to_message().encode(FAMILY, 0, 1), bytes);
}

#[test]
fn pad_attributes_are_skipped() {
    // Kernels without efficient unaligned access put an empty pad before
    // a u64 (nla_put_u64_64bit).
    let bytes = msg(
        0,
        1,
        4,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.0.0.0"),
            u8a(A_PREFIX_LEN, 8),
            nla(A_PAD, &[]),
            u64a(A_EXPIRES_AT, T2),
        ],
    );
    let (_, m) = RtemuMessage::decode(&bytes).unwrap();
    let r = Route::from_attrs(m.route_attrs()).unwrap();
    assert_eq!(r.expires_at, Some(T2));
    assert!(r.unknown.is_empty());
    assert_eq!(m.encode(FAMILY, 0, 1), bytes);
}

#[test]
fn malformed_messages_are_errors() {
    // Address of 5 bytes.
    let bytes = msg(0, 1, 4, &[u8a(A_FAMILY, 2), nla(A_DST, &[1, 2, 3, 4, 5])]);
    assert!(RtemuMessage::decode(&bytes).is_err());
    // u32 of 2 bytes.
    let bytes = msg(0, 1, 4, &[nla(A_FLAGS, &[1, 2])]);
    assert!(RtemuMessage::decode(&bytes).is_err());
    // Prefix length too long for the family.
    let bytes = msg(
        0,
        1,
        4,
        &[
            u8a(A_FAMILY, 2),
            ipa(A_DST, "10.0.0.0"),
            u8a(A_PREFIX_LEN, 33),
        ],
    );
    let (_, m) = RtemuMessage::decode(&bytes).unwrap();
    assert!(Route::from_attrs(m.route_attrs()).is_err());
    // Family that does not match dst.
    let bytes = msg(
        0,
        1,
        4,
        &[
            u8a(A_FAMILY, 10),
            ipa(A_DST, "10.0.0.0"),
            u8a(A_PREFIX_LEN, 8),
        ],
    );
    let (_, m) = RtemuMessage::decode(&bytes).unwrap();
    assert!(Route::from_attrs(m.route_attrs()).is_err());
    // Missing dst.
    let bytes = msg(0, 1, 4, &[u8a(A_FAMILY, 2)]);
    let (_, m) = RtemuMessage::decode(&bytes).unwrap();
    assert!(Route::from_attrs(m.route_attrs()).is_err());
    // nla_len beyond the message.
    let mut bytes = msg(0, 1, 4, &[u32a(A_COUNT, 1)]);
    bytes[20] = 40;
    assert!(RtemuMessage::decode(&bytes).is_err());
    // Report flag with a payload.
    let bytes = msg(0, 1, 4, &[nla(A_REPORT, &[1])]);
    assert!(RtemuMessage::decode(&bytes).is_err());
}

/// An NLMSG_ERROR as the kernel sends it with NETLINK_EXT_ACK: error code,
/// echoed request, then NLMSGERR_ATTR_MSG and NLMSGERR_ATTR_OFFS.
#[test]
fn extack_of_an_error() {
    let req = RouteAdd::new(net("10.1.0.0/8"), ip("192.0.2.1"));
    let echoed = req.to_message().encode_request(FAMILY, ACK, 21);
    let mut tlvs = nla(1, b"host bits set beyond the prefix\0");
    tlvs.extend(u32a(2, 16 + 4 + 8)); // offset of dst: after the 8-byte family
    let mut payload = (-libc::EINVAL).to_ne_bytes().to_vec();
    payload.extend(&echoed);
    payload.extend(&tlvs);
    let mut err = Vec::new();
    err.extend(((16 + payload.len()) as u32).to_ne_bytes());
    err.extend(2u16.to_ne_bytes()); // NLMSG_ERROR
    err.extend(0x200u16.to_ne_bytes()); // NLM_F_ACK_TLVS
    err.extend(21u32.to_ne_bytes());
    err.extend(0u32.to_ne_bytes());
    err.extend(&payload);

    let nl = netlink_packet_core::NetlinkMessage::<
        netlink_packet_generic::GenlMessage<RtemuMessage>,
    >::deserialize(&err)
    .unwrap();
    let netlink_packet_core::NetlinkPayload::Error(e) = nl.payload else {
        panic!()
    };
    assert_eq!(e.code.unwrap().get(), -libc::EINVAL);
    let x = Extack::from_error_payload(nl.header.flags, &e.header);
    assert_eq!(x.msg.as_deref(), Some("host bits set beyond the prefix"));
    assert_eq!(x.offset, Some(28));
    assert_eq!(x.bad_attr.as_deref(), Some("dst"));
    let k = KernelError {
        errno: libc::EINVAL,
        extack: x,
    };
    assert_eq!(
        k.to_string(),
        "host bits set beyond the prefix; bad attribute dst (Invalid argument)"
    );
}

#[test]
fn extack_capped_and_missing_attr() {
    // NLM_F_CAPPED: only the request's header is echoed.
    let echoed_hdr = &RouteGet::new(ip("10.0.0.1"))
        .to_message()
        .encode_request(FAMILY, ACK, 3)[..16];
    let mut bytes = echoed_hdr.to_vec();
    bytes.extend(nla(1, b"missing addr\0"));
    bytes.extend(u32a(5, A_ADDR as u32));
    let x = Extack::from_error_payload(0x100 | 0x200, &bytes);
    assert_eq!(x.msg.as_deref(), Some("missing addr"));
    assert_eq!(x.missing_type, Some(A_ADDR));
    assert_eq!(x.to_string(), "missing addr; missing attribute addr");
    // Without NLM_F_ACK_TLVS there is nothing to read.
    assert_eq!(Extack::from_error_payload(0x100, &bytes), Extack::default());
}

#[test]
fn cmd_numbers_round_trip() {
    for v in 0u8..=255 {
        assert_eq!(u8::from(Cmd::from(v)), v);
    }
    for v in 1u16..=A_NEW_VIA {
        assert!(rtemu::proto::route_attr::name(v).is_some());
    }
    let _ = (
        A_PREFERRED_LEFT,
        A_EXPIRES_LEFT,
        A_REFCNT,
        A_USE,
        A_PARENT_DST,
        A_PARENT_PREFIX_LEN,
        A_HANDLE,
        A_REASON,
        A_ERROR,
    );
}
