// SPDX-License-Identifier: GPL-2.0-only

//! The generated protocol module: every attribute the spec lists goes
//! through its typed codec, and names come from the spec, with a fallback
//! for values it does not name.

use rtemu::attr::{AttrSpec, AttrType};
use rtemu::proto::{route_attr, stats_attr};
use rtemu::{Attrs, Cmd, DeleteReason, Family, RouteAttr, RouteFlags, RtemuMessage, StatsAttr};

/// One netlink message of family 0x1d carrying `cmd` and one attribute.
fn message(cmd: Cmd, kind: u16, value: &[u8]) -> Vec<u8> {
    let mut nla = Vec::new();
    nla.extend(((4 + value.len()) as u16).to_ne_bytes());
    nla.extend(kind.to_ne_bytes());
    nla.extend(value);
    nla.resize(nla.len().div_ceil(4) * 4, 0);
    let mut v = Vec::new();
    v.extend(((16 + 4 + nla.len()) as u32).to_ne_bytes());
    v.extend(0x1du16.to_ne_bytes());
    v.extend(0u16.to_ne_bytes());
    v.extend(1u32.to_ne_bytes());
    v.extend(0u32.to_ne_bytes());
    v.extend([u8::from(cmd), 1, 0, 0]);
    v.extend(nla);
    v
}

/// A value of the attribute's type, and one of a wrong length when the type
/// has a fixed one.
fn values(ty: AttrType) -> (Vec<u8>, Option<Vec<u8>>) {
    match ty {
        AttrType::Pad => (vec![], None),
        AttrType::Flag => (vec![], Some(vec![1])),
        AttrType::U8 => (vec![7], Some(vec![7, 0])),
        AttrType::U32 => (7u32.to_ne_bytes().to_vec(), Some(vec![7, 0])),
        AttrType::U64 => (7u64.to_ne_bytes().to_vec(), Some(vec![7, 0, 0, 0])),
        // rtemu sends 8 bytes; 4 decode too (below), not re-encoded alike.
        AttrType::Uint => (7u64.to_ne_bytes().to_vec(), Some(vec![7, 0, 0])),
        // Addresses (the spec's ipv4-or-v6 hint) and plain bytes alike.
        AttrType::Binary => (vec![192, 0, 2, 1], None),
    }
}

fn is_known(attrs: &Attrs) -> bool {
    match attrs {
        Attrs::Route(a) => !matches!(a[..], [RouteAttr::Other(_)]),
        Attrs::Stats(a) => !matches!(a[..], [StatsAttr::Other(_)]),
    }
}

/// Whatever the spec lists decodes to its own variant, re-encodes byte for
/// byte, and at a wrong length is an error that names the attribute.
#[test]
fn every_attribute_of_the_spec_round_trips() {
    let sets: [(Cmd, &[AttrSpec]); 2] = [
        (Cmd::RouteGet, route_attr::ATTRS),
        (Cmd::StatsGet, stats_attr::ATTRS),
    ];
    for (cmd, attrs) in sets {
        for a in attrs {
            let (good, bad) = values(a.ty);
            let bytes = message(cmd, a.id, &good);
            let (_, m) = RtemuMessage::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", a.name));
            assert!(is_known(&m.attrs), "{} decoded as unknown", a.name);
            assert_eq!(m.encode(0x1d, 0, 1), bytes, "{}", a.name);
            if let Some(bad) = bad {
                let err = RtemuMessage::decode(&message(cmd, a.id, &bad))
                    .expect_err(a.name)
                    .to_string();
                assert!(err.contains(&format!("attribute {}", a.name)), "{err}");
            }
        }
    }
}

/// A `uint` counter reads from 4 bytes as from the 8 rtemu sends.
#[test]
fn a_uint_of_four_bytes_reads_as_its_value() {
    let uints: Vec<_> = stats_attr::ATTRS
        .iter()
        .filter(|a| a.ty == AttrType::Uint)
        .collect();
    assert!(!uints.is_empty(), "the stats have uint counters");
    for a in uints {
        for value in [&7u32.to_ne_bytes()[..], &7u64.to_ne_bytes()[..]] {
            let (_, m) = RtemuMessage::decode(&message(Cmd::StatsGet, a.id, value))
                .unwrap_or_else(|e| panic!("{}: {e}", a.name));
            let Attrs::Stats(attrs) = &m.attrs else {
                panic!("{}: not stats", a.name)
            };
            assert_eq!(attrs.len(), 1);
            assert!(
                format!("{:?}", attrs[0]).contains("(7)"),
                "{}: {attrs:?}",
                a.name
            );
        }
    }
}

#[test]
fn names_come_from_the_spec() {
    for r in DeleteReason::ALL {
        assert_eq!(DeleteReason::from(u32::from(*r)), *r);
        assert_eq!(DeleteReason::from_spec_name(&r.to_string()), Some(*r));
    }
    assert_eq!(DeleteReason::from(5).name(), "parent-changed");
    assert_eq!(DeleteReason::from(99).name(), "reason99");
    assert_eq!(Family::from(10).to_string(), "inet6");
    assert_eq!(Family::from(7).to_string(), "af7");
    assert_eq!("ipv4".parse::<Family>(), Ok(Family::Inet));
    assert_eq!("inet6".parse::<Family>(), Ok(Family::Inet6));
    assert!("inet7".parse::<Family>().is_err());
    assert_eq!(Cmd::from(11).name(), "delete-ntf");
    assert_eq!(Cmd::from(200).name(), "cmd200");
    assert_eq!(Cmd::from_spec_name("stats-get"), Some(Cmd::StatsGet));
}

#[test]
fn flags_keep_the_bits_the_spec_does_not_name() {
    let f = RouteFlags::UP | RouteFlags::WASCLONED | RouteFlags::from_bits_retain(1 << 30);
    assert_eq!(f.names(), ["up", "wascloned", "0x40000000"]);
    assert_eq!(f.to_string(), "up,wascloned,0x40000000");
    assert_eq!(f.bits(), 1 | 1 << 17 | 1 << 30);
    assert_eq!(
        RouteFlags::from_spec_name("xresolve"),
        Some(RouteFlags::XRESOLVE)
    );
    // bitflags' own from_name takes the Rust constant's name, not the spec's.
    assert_eq!(RouteFlags::from_spec_name("XRESOLVE"), None);
    assert_eq!(RouteFlags::empty().to_string(), "");
}
