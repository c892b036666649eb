// SPDX-License-Identifier: GPL-2.0

//! Allocation failure injection: a failed update leaves the trie as it was.

use proptest::prelude::*;

use super::model::{v4_addr, v4_len, v6_addr, v6_len, Op};
use super::{check_same, Naive};
use crate::platform::{alloc_count, fail_allocs_after, RcuGuard};
use crate::trie::{Key, Trie};

fn snapshot<K: Key>(t: &Trie<K, u64>) -> Vec<(K, u8, u64)> {
    let g = RcuGuard::new();
    t.iter(&g).collect()
}

fn run<K: Key>(ops: &[Op<K>]) {
    let t = Trie::<K, u64>::new();
    let mut m = Naive::new();
    let mut failures = 0;
    for op in ops {
        let before = snapshot(&t);
        let nodes = t.stats();
        for k in 0.. {
            let mut w = t.writer().unwrap();
            let start = alloc_count();
            fail_allocs_after(Some(k));
            let r = match *op {
                Op::Insert(a, l, v) => w.insert(a, l, v),
                Op::Remove(a, l) => w.remove(a, l),
                _ => Ok(None),
            };
            fail_allocs_after(None);
            match r {
                Err(_) => {
                    failures += 1;
                    assert!(alloc_count() > start);
                    assert_eq!(snapshot(&t), before, "changed by a failed update");
                    assert_eq!(t.stats(), nodes);
                    assert_eq!(t.len(), m.map.len());
                }
                Ok(old) => {
                    let want = match *op {
                        Op::Insert(a, l, v) => m.map.insert((a.masked(l), l), v),
                        Op::Remove(a, l) => m.map.remove(&(a.masked(l), l)),
                        _ => None,
                    };
                    assert_eq!(old, want);
                    break;
                }
            }
        }
    }
    let _ = failures;
    check_same(&t, &m, &[]);
}

fn ops<K: Key>(
    addr: impl Strategy<Value = K> + Clone,
    len: impl Strategy<Value = u8> + Clone,
) -> impl Strategy<Value = Vec<Op<K>>> {
    let op = prop_oneof![
        2 => (addr.clone(), len.clone(), any::<u64>()).prop_map(|(a, l, v)| Op::Insert(a, l, v)),
        1 => (addr, len).prop_map(|(a, l)| Op::Remove(a, l)),
    ];
    proptest::collection::vec(op, 1..80)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn v4_alloc_failure_leaves_trie_unchanged(ops in ops(v4_addr(), v4_len())) {
        run(&ops);
    }

    #[test]
    fn v6_alloc_failure_leaves_trie_unchanged(ops in ops(v6_addr(), v6_len())) {
        run(&ops);
    }
}

#[test]
fn failure_paths_are_exercised() {
    // A /128 that parts from another one in the middle of its compressed path needs two nodes
    // (its own and the one where the two part): either can fail.
    let t = Trie::<u128, u64>::new();
    t.writer().unwrap().insert(1, 128, 1).unwrap();
    let before = t.stats();
    let mut fails = 0;
    for k in 0.. {
        let mut w = t.writer().unwrap();
        fail_allocs_after(Some(k));
        let r = w.insert(1 << 64, 128, 2);
        fail_allocs_after(None);
        if r.is_ok() {
            break;
        }
        fails += 1;
        assert!(t.len() == 1 && t.stats() == before);
    }
    assert_eq!(fails, 2);
    assert_eq!(t.stats().nodes, 3);
}
