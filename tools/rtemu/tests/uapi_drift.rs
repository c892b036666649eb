// SPDX-License-Identifier: GPL-2.0-only

//! The crate's numbers agree with the generated UAPI header
//! `include/uapi/linux/rtemu.h` (itself generated from the YNL spec).

use std::collections::HashMap;

use rtemu::consts;

/// Parse `NAME = value` and implicit-counter entries of every enum block.
fn header_values() -> HashMap<String, i64> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/uapi/linux/rtemu.h"
    );
    let text = std::fs::read_to_string(path).expect("read the UAPI header");
    let mut out = HashMap::new();
    let mut in_enum = false;
    let mut next = 0i64;
    for line in text.lines() {
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
                } else if let Some(h) = v.strip_prefix("0x") {
                    i64::from_str_radix(h, 16).unwrap()
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
    out
}

#[test]
fn numbers_match_the_uapi_header() {
    let h = header_values();
    let v = |n: &str| *h.get(n).unwrap_or_else(|| panic!("{n} not in header"));
    use consts::{cmd, delete_reason as dr, flags as f, route_attr as ra, stats_attr as sa};
    let checks: &[(&str, i64)] = &[
        ("RTEMU_AF_INET", consts::AF_INET as i64),
        ("RTEMU_AF_INET6", consts::AF_INET6 as i64),
        ("RTEMU_ROUTE_FLAGS_UP", f::UP as i64),
        ("RTEMU_ROUTE_FLAGS_GATEWAY", f::GATEWAY as i64),
        ("RTEMU_ROUTE_FLAGS_HOST", f::HOST as i64),
        ("RTEMU_ROUTE_FLAGS_REJECT", f::REJECT as i64),
        ("RTEMU_ROUTE_FLAGS_CLONING", f::CLONING as i64),
        ("RTEMU_ROUTE_FLAGS_XRESOLVE", f::XRESOLVE as i64),
        ("RTEMU_ROUTE_FLAGS_STATIC", f::STATIC as i64),
        ("RTEMU_ROUTE_FLAGS_BLACKHOLE", f::BLACKHOLE as i64),
        ("RTEMU_ROUTE_FLAGS_PRCLONING", f::PRCLONING as i64),
        ("RTEMU_ROUTE_FLAGS_WASCLONED", f::WASCLONED as i64),
        ("RTEMU_ROUTE_FLAGS_DEPRECATED", f::DEPRECATED as i64),
        ("RTEMU_DELETE_REASON_REMOVED", dr::REMOVED as i64),
        (
            "RTEMU_DELETE_REASON_PARENT_DELETED",
            dr::PARENT_DELETED as i64,
        ),
        ("RTEMU_DELETE_REASON_IDLE", dr::IDLE as i64),
        ("RTEMU_DELETE_REASON_REPLACED", dr::REPLACED as i64),
        ("RTEMU_DELETE_REASON_SUPERSEDED", dr::SUPERSEDED as i64),
        (
            "RTEMU_DELETE_REASON_PARENT_CHANGED",
            dr::PARENT_CHANGED as i64,
        ),
        ("RTEMU_A_ROUTE_PAD", ra::PAD as i64),
        ("RTEMU_A_ROUTE_FAMILY", ra::FAMILY as i64),
        ("RTEMU_A_ROUTE_DST", ra::DST as i64),
        ("RTEMU_A_ROUTE_PREFIX_LEN", ra::PREFIX_LEN as i64),
        ("RTEMU_A_ROUTE_VIA", ra::VIA as i64),
        ("RTEMU_A_ROUTE_FLAGS", ra::FLAGS as i64),
        ("RTEMU_A_ROUTE_PREFERRED_UNTIL", ra::PREFERRED_UNTIL as i64),
        ("RTEMU_A_ROUTE_EXPIRES_AT", ra::EXPIRES_AT as i64),
        ("RTEMU_A_ROUTE_PREFERRED_LEFT", ra::PREFERRED_LEFT as i64),
        ("RTEMU_A_ROUTE_EXPIRES_LEFT", ra::EXPIRES_LEFT as i64),
        ("RTEMU_A_ROUTE_REFCNT", ra::REFCNT as i64),
        ("RTEMU_A_ROUTE_USE", ra::USE as i64),
        ("RTEMU_A_ROUTE_PARENT_DST", ra::PARENT_DST as i64),
        (
            "RTEMU_A_ROUTE_PARENT_PREFIX_LEN",
            ra::PARENT_PREFIX_LEN as i64,
        ),
        ("RTEMU_A_ROUTE_REPORT", ra::REPORT as i64),
        ("RTEMU_A_ROUTE_IGNFLAGS", ra::IGNFLAGS as i64),
        ("RTEMU_A_ROUTE_ADDR", ra::ADDR as i64),
        ("RTEMU_A_ROUTE_HANDLE", ra::HANDLE as i64),
        ("RTEMU_A_ROUTE_REASON", ra::REASON as i64),
        ("RTEMU_A_ROUTE_ERROR", ra::ERROR as i64),
        ("RTEMU_A_ROUTE_COUNT", ra::COUNT as i64),
        ("RTEMU_A_ROUTE_NEW_VIA", ra::NEW_VIA as i64),
        ("RTEMU_A_ROUTE_MAX", ra::MAX as i64),
        ("RTEMU_A_STATS_PAD", sa::PAD as i64),
        ("RTEMU_A_STATS_ROUTES_INET", sa::ROUTES_INET as i64),
        ("RTEMU_A_STATS_ROUTES_INET6", sa::ROUTES_INET6 as i64),
        ("RTEMU_A_STATS_CLONES", sa::CLONES as i64),
        ("RTEMU_A_STATS_TRASH", sa::TRASH as i64),
        ("RTEMU_A_STATS_HOLDS", sa::HOLDS as i64),
        ("RTEMU_A_STATS_MISSES", sa::MISSES as i64),
        ("RTEMU_A_STATS_RESOLVES", sa::RESOLVES as i64),
        ("RTEMU_A_STATS_LIFETIME_RUNS", sa::LIFETIME_RUNS as i64),
        ("RTEMU_A_STATS_MAX", sa::MAX as i64),
        ("RTEMU_CMD_ROUTE_ADD", cmd::ROUTE_ADD as i64),
        ("RTEMU_CMD_ROUTE_REMOVE", cmd::ROUTE_REMOVE as i64),
        ("RTEMU_CMD_ROUTE_CLEAR", cmd::ROUTE_CLEAR as i64),
        ("RTEMU_CMD_ROUTE_GET", cmd::ROUTE_GET as i64),
        ("RTEMU_CMD_ROUTE_LIST", cmd::ROUTE_LIST as i64),
        ("RTEMU_CMD_ROUTE_CHANGE", cmd::ROUTE_CHANGE as i64),
        ("RTEMU_CMD_ROUTE_HOLD", cmd::ROUTE_HOLD as i64),
        ("RTEMU_CMD_ROUTE_RELEASE", cmd::ROUTE_RELEASE as i64),
        ("RTEMU_CMD_STATS_GET", cmd::STATS_GET as i64),
        ("RTEMU_CMD_ADD_NTF", cmd::ADD_NTF as i64),
        ("RTEMU_CMD_DELETE_NTF", cmd::DELETE_NTF as i64),
        ("RTEMU_CMD_CHANGE_NTF", cmd::CHANGE_NTF as i64),
        ("RTEMU_CMD_EXPIRE_NTF", cmd::EXPIRE_NTF as i64),
        ("RTEMU_CMD_DEPRECATE_NTF", cmd::DEPRECATE_NTF as i64),
        ("RTEMU_CMD_CLEAR_NTF", cmd::CLEAR_NTF as i64),
        ("RTEMU_CMD_RESOLVE_NTF", cmd::RESOLVE_NTF as i64),
        ("RTEMU_CMD_MISS_NTF", cmd::MISS_NTF as i64),
        ("RTEMU_CMD_MAX", cmd::MISS_NTF as i64),
    ];
    for (name, ours) in checks {
        assert_eq!(v(name), *ours, "{name}");
    }
    // Every number of the header is checked above.
    let private = |n: &str| n.starts_with("__");
    assert_eq!(h.keys().filter(|n| !private(n)).count(), checks.len());
}

#[test]
fn names_match_the_uapi_header() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/uapi/linux/rtemu.h"
    );
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(&format!(
        "#define RTEMU_FAMILY_NAME\t\"{}\"",
        consts::FAMILY_NAME
    )));
    assert!(text.contains(&format!(
        "#define RTEMU_FAMILY_VERSION\t{}",
        consts::FAMILY_VERSION
    )));
    assert!(text.contains(&format!(
        "#define RTEMU_MCGRP_MONITOR\t\"{}\"",
        consts::MCGRP_MONITOR
    )));
    assert!(text.contains(&format!(
        "#define RTEMU_MCGRP_RESOLVE\t\"{}\"",
        consts::MCGRP_RESOLVE
    )));
}
