// SPDX-License-Identifier: GPL-2.0

//! The resumable ordered walk.

use proptest::prelude::*;

use super::build;
use super::model::{v4_addr, v4_len, v6_addr, v6_len};
use crate::platform::RcuGuard;
use crate::trie::Key;

/// Resuming from every present cursor and from arbitrary (absent) ones gives exactly the rest.
fn resume_all<K: Key>(pfx: &[(K, u8)], probes: &[(K, u8)]) {
    let (t, m) = build(pfx);
    let g = RcuGuard::new();
    let cursors = m.map.keys().copied().chain(probes.iter().copied());
    for cur in cursors {
        let got: Vec<_> = t.iter_from(Some(cur), &g).collect();
        assert_eq!(got, m.after(Some(cur)), "after {cur:?}");
    }
    let got: Vec<_> = t.iter_from(None, &g).collect();
    assert_eq!(got, m.after(None));
}

/// A dump in small pieces while the table changes between pieces: strictly increasing (so no
/// duplicates), and every prefix present during the whole dump is in it.
fn dump_while_changing<K: Key>(pfx: &[(K, u8)], churn: &[(K, u8)], step: usize) {
    let (t, _) = build(pfx);
    let stable: std::collections::BTreeSet<(K, u8)> = {
        let churned: std::collections::BTreeSet<_> =
            churn.iter().map(|&(a, l)| (a.masked(l), l)).collect();
        pfx.iter()
            .map(|&(a, l)| (a.masked(l), l))
            .filter(|x| !churned.contains(x))
            .collect()
    };
    let mut cursor = None;
    let mut out = Vec::new();
    let mut ci = 0;
    loop {
        let piece: Vec<(K, u8)> = {
            let g = RcuGuard::new();
            t.iter_from(cursor, &g)
                .take(step)
                .map(|(p, l, _)| (p, l))
                .collect()
        };
        if piece.is_empty() {
            break;
        }
        cursor = piece.last().copied();
        out.extend(piece);
        // Change the table between two "recvmsg" calls.
        let mut w = t.writer().unwrap();
        for _ in 0..3 {
            if let Some(&(a, l)) = churn.get(ci) {
                if ci % 2 == 0 {
                    w.insert(a, l, 7).unwrap();
                } else {
                    w.remove(a, l).unwrap();
                }
            }
            ci += 1;
        }
    }
    assert!(
        out.windows(2).all(|w| w[0] < w[1]),
        "not strictly increasing"
    );
    let got: std::collections::BTreeSet<_> = out.into_iter().collect();
    assert!(stable.is_subset(&got));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn v4_resume(pfx in proptest::collection::vec((v4_addr(), v4_len()), 0..120),
                 probes in proptest::collection::vec((v4_addr(), v4_len()), 0..30)) {
        resume_all(&pfx, &probes);
    }

    #[test]
    fn v6_resume(pfx in proptest::collection::vec((v6_addr(), v6_len()), 0..120),
                 probes in proptest::collection::vec((v6_addr(), v6_len()), 0..30)) {
        resume_all(&pfx, &probes);
    }

    #[test]
    fn v4_dump_while_changing(pfx in proptest::collection::vec((v4_addr(), v4_len()), 0..150),
                              churn in proptest::collection::vec((v4_addr(), v4_len()), 0..60),
                              step in 1..10usize) {
        dump_while_changing(&pfx, &churn, step);
    }

    #[test]
    fn v6_dump_while_changing(pfx in proptest::collection::vec((v6_addr(), v6_len()), 0..150),
                              churn in proptest::collection::vec((v6_addr(), v6_len()), 0..60),
                              step in 1..10usize) {
        dump_while_changing(&pfx, &churn, step);
    }
}

#[test]
fn order_is_address_then_length() {
    let pfx = [
        (0x0a00_0100u32, 24u8),
        (0x0a00_0000, 16),
        (0x0a00_0000, 8),
        (0, 0),
        (0x0a00_0000, 24),
        (0x0900_0000, 8),
        (0x0a00_0000, 32),
        (0x0a00_0080, 25),
    ];
    let (t, _) = build(&pfx);
    let g = RcuGuard::new();
    let got: Vec<_> = t.iter(&g).map(|(p, l, _)| (p, l)).collect();
    assert_eq!(
        got,
        [
            (0, 0),
            (0x0900_0000, 8),
            (0x0a00_0000, 8),
            (0x0a00_0000, 16),
            (0x0a00_0000, 24),
            (0x0a00_0000, 32),
            (0x0a00_0080, 25),
            (0x0a00_0100, 24),
        ]
    );
}
