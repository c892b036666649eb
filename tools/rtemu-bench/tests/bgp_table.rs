// SPDX-License-Identifier: GPL-2.0-only

//! The vendored BGP full table (`data/bgp-full-table.txt.gz`, see `data/README.md`): it reads
//! through the same path the benchmarks take, with the counts its README gives, and it nests.

use std::path::PathBuf;

use rtemu_bench::data::{
    format_cidr,
    load_bgp,
    parse_cidr,
    DataSet, //
};
use rtemu_bench::reflpm::{
    nested,
    RefLpm, //
};

fn vendored() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/bgp-full-table.txt.gz")
}

#[test]
fn vendored_bgp_table_has_the_documented_counts() {
    let (v4, v6) = load_bgp(&vendored()).expect("the vendored table reads");
    assert_eq!(v4.len(), 901_899, "IPv4 prefixes");
    assert_eq!(v6.len(), 160_147, "IPv6 prefixes");
    assert_eq!(
        DataSet::Bgp.load(&vendored()).unwrap(),
        (v4.clone(), v6.clone())
    );
    // Nesting: prefixes another prefix of the table covers.
    let n4 = nested(&v4);
    let n6 = nested(&v6);
    assert_eq!(n4.len(), 457_209, "nested IPv4 prefixes");
    assert_eq!(n6.len(), 91_091, "nested IPv6 prefixes");
    // One known nest of the table: 1.0.4.0/22 holds 1.0.5.0/24 (the file's second and third
    // lines), and the /22 itself has no cover.
    let lpm = RefLpm::new(&v4);
    let (p24, l24) = parse_cidr::<u32>("1.0.5.0/24").unwrap();
    let (p22, l22) = parse_cidr::<u32>("1.0.4.0/22").unwrap();
    assert!(n4.contains(&(p24, l24)));
    assert!(!n4.contains(&(p22, l22)));
    let cover = lpm.covering(p24, l24).expect("1.0.5.0/24 is nested");
    assert_eq!(format_cidr(cover.0, cover.1), "1.0.4.0/22");
    assert_eq!(lpm.covering(p22, l22), None);
}

#[test]
fn a_missing_or_malformed_table_is_an_error() {
    let dir = std::env::temp_dir().join(format!("rtemu-bench-bgp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.txt");
    std::fs::write(&bad, "1.0.0.0/24\r\n1.0.0.0/8 \r\n300.0.0.0/8\r\n").unwrap();
    let e = load_bgp(&bad).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("line 3: \"300.0.0.0/8\""), "{e}");
    assert!(load_bgp(&dir.join("missing.txt")).is_err());
    // A .gz that is not one fails in gzip, and says so.
    let not_gz = dir.join("not.txt.gz");
    std::fs::write(&not_gz, "1.0.0.0/24\n").unwrap();
    let e = load_bgp(&not_gz).unwrap_err();
    assert!(e.to_string().contains("gzip -dc"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}
