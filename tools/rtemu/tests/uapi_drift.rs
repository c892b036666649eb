// SPDX-License-Identifier: GPL-2.0-only

//! The generated protocol module (`src/proto.rs`) agrees, by name and
//! number, with the UAPI header `include/uapi/linux/rtemu.h` that the
//! kernel's ynl_gen_c.py generates from the same spec: both generators
//! number enums, flags, attributes and commands alike.

use std::collections::BTreeMap;

use rtemu::attr::AttrSpec;
use rtemu::proto::{self, route_attr, stats_attr, Af, Cmd, DeleteReason, RouteFlags};

fn header() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/uapi/linux/rtemu.h"
    );
    std::fs::read_to_string(path).expect("read the UAPI header")
}

/// `NAME = value` and implicit-counter entries of every enum block, the
/// private `__` ones left out.
fn header_values() -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let mut in_enum = false;
    let mut next = 0i64;
    for line in header().lines() {
        let l = line.trim();
        if l.starts_with("enum") && l.ends_with('{') {
            in_enum = true;
            next = 0;
            continue;
        }
        if in_enum && l.starts_with('}') {
            in_enum = false;
            continue;
        }
        if !in_enum || !(l.starts_with("RTEMU_") || l.starts_with("__RTEMU_")) {
            continue;
        }
        let l = l.trim_end_matches(',');
        let (name, value) = match l.split_once('=') {
            Some((n, v)) => {
                let v = v.trim();
                let v = if let Ok(n) = v.parse::<i64>() {
                    n
                } else {
                    // (__X_MAX - 1)
                    let inner = v.trim_matches(|c| c == '(' || c == ')');
                    let (sym, _) = inner.split_once('-').unwrap();
                    out[sym.trim()] - 1
                };
                (n.trim().to_string(), v)
            }
            None => (l.to_string(), next),
        };
        next = value + 1;
        out.insert(name, value);
    }
    out.retain(|name, _| !name.starts_with("__"));
    out
}

/// `#define NAME "value"` and `#define NAME value` lines.
fn header_defines() -> BTreeMap<String, String> {
    header()
        .lines()
        .filter_map(|l| l.strip_prefix("#define RTEMU_"))
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, v)| (format!("RTEMU_{n}"), v.trim_matches('"').to_string()))
        .collect()
}

fn c_name(prefix: &str, spec_name: &str) -> String {
    format!("{prefix}{}", spec_name.to_uppercase().replace('-', "_"))
}

fn attrs(prefix: &str, attrs: &[AttrSpec], max: u16) -> Vec<(String, i64)> {
    let mut out: Vec<_> = attrs
        .iter()
        .map(|a| (c_name(prefix, a.name), i64::from(a.id)))
        .collect();
    out.push((format!("{prefix}MAX"), i64::from(max)));
    out
}

/// Every numbered name of the generated module, spelled as the header
/// spells it.
fn generated_values() -> BTreeMap<String, i64> {
    let mut out = Vec::new();
    for v in Af::ALL {
        out.push((
            c_name("RTEMU_AF_", v.spec_name().unwrap()),
            i64::from(u8::from(*v)),
        ));
    }
    for (flag, name) in RouteFlags::SPEC_NAMES {
        out.push((c_name("RTEMU_ROUTE_FLAGS_", name), i64::from(flag.bits())));
    }
    for v in DeleteReason::ALL {
        let name = c_name("RTEMU_DELETE_REASON_", v.spec_name().unwrap());
        out.push((name, i64::from(u32::from(*v))));
    }
    out.extend(attrs("RTEMU_A_ROUTE_", route_attr::ATTRS, route_attr::MAX));
    out.extend(attrs("RTEMU_A_STATS_", stats_attr::ATTRS, stats_attr::MAX));
    for c in Cmd::ALL {
        out.push((
            c_name("RTEMU_CMD_", c.spec_name().unwrap()),
            i64::from(u8::from(*c)),
        ));
    }
    let last = Cmd::ALL.iter().map(|c| u8::from(*c)).max().unwrap();
    out.push(("RTEMU_CMD_MAX".into(), i64::from(last)));
    let n = out.len();
    let map: BTreeMap<_, _> = out.into_iter().collect();
    assert_eq!(map.len(), n, "a name generated twice");
    map
}

#[test]
fn numbers_match_the_uapi_header() {
    let header = header_values();
    let ours = generated_values();
    for (name, value) in &header {
        assert_eq!(
            ours.get(name),
            Some(value),
            "{name} = {value} in the header"
        );
    }
    for (name, value) in &ours {
        assert_eq!(header.get(name), Some(value), "{name} = {value} generated");
    }
}

#[test]
fn names_match_the_uapi_header() {
    let mut ours = BTreeMap::from([
        (
            "RTEMU_FAMILY_NAME".to_string(),
            proto::FAMILY_NAME.to_string(),
        ),
        (
            "RTEMU_FAMILY_VERSION".to_string(),
            proto::FAMILY_VERSION.to_string(),
        ),
    ]);
    for g in proto::MCGRPS {
        ours.insert(c_name("RTEMU_MCGRP_", g), g.to_string());
    }
    assert_eq!(header_defines(), ours);
}
