// SPDX-License-Identifier: GPL-2.0-only

//! `rtemu-bench prefixes` on a small package and a small prefix list: the files it writes read
//! back to the expected samples (and their nested prefixes) in the documented formats.

use std::path::PathBuf;
use std::process::Command;

use rtemu_bench::data::{
    parse_csv,
    parse_prefix_list,
    Addr, //
};
use rtemu_bench::files::{
    read_bin,
    read_txt,
    RECORD, //
};
use rtemu_bench::reflpm::nested;
use rtemu_bench::sample::{
    permutation,
    take,
    SetSize, //
};

const V4: &str = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n\
                  1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\n\
                  10.0.0.1,10.0.0.6,1,odd range\n\
                  1.0.0.0,1.0.0.255,13335,duplicate\n\
                  223.255.255.0,223.255.255.255,2,last\n";
const V6: &str = "2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC\n\
                  2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,1,doc\n\
                  2a00::1,2a00::2,2,two\n";

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rtemu-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check_family<A: Addr>(csv: &str, out: &std::path::Path, seed: u64, want_txt: &[&str]) {
    check_sets(&parse_csv::<A>(csv), out, seed, want_txt);
}

fn check_sets<A: Addr>(all: &[(A, u8)], out: &std::path::Path, seed: u64, want_txt: &[&str]) {
    let perm = permutation(all, seed);
    for size in SetSize::ALL {
        let stem = format!("{}-{}", A::NAME, size.name());
        let want = take(&perm, size);
        let txt = read_txt::<A>(&out.join(format!("{stem}.txt"))).unwrap();
        assert_eq!(txt, want, "{stem}.txt");
        let bin_path = out.join(format!("{stem}.bin"));
        assert_eq!(
            std::fs::metadata(&bin_path).unwrap().len() as usize,
            RECORD * want.len()
        );
        assert_eq!(read_bin::<A>(&bin_path).unwrap(), want, "{stem}.bin");
        // The sample's own nested prefixes, in the sample's order.
        assert_eq!(
            read_bin::<A>(&out.join(format!("{stem}.nested.bin"))).unwrap(),
            nested(want),
            "{stem}.nested.bin"
        );
    }
    let mut lines: Vec<String> = std::fs::read_to_string(out.join(format!("{}-full.txt", A::NAME)))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    assert_eq!(lines, want_txt);
}

#[test]
fn prefixes_writes_the_documented_formats() {
    let asn = tmpdir("asn");
    std::fs::write(asn.join("asn-ipv4.csv"), V4).unwrap();
    std::fs::write(asn.join("asn-ipv6.csv"), V6).unwrap();
    let out = tmpdir("out");
    let run = Command::new(env!("CARGO_BIN_EXE_rtemu-bench"))
        .args(["prefixes", "--seed", "7", "--asn"])
        .arg(&asn)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one line of JSON: {stdout}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["data"], "asn");
    for (k, n) in [
        ("v4-1k", 7),
        ("v4-100k", 7),
        ("v4-full", 7),
        ("v6-1k", 4),
        ("v6-100k", 4),
        ("v6-full", 4),
    ] {
        assert_eq!(summary["files"][k], n, "{k} in {stdout}");
        assert_eq!(summary["nested"][k], 0, "the asn ranges never nest: {k}");
    }
    check_family::<u32>(
        V4,
        &out,
        7,
        &[
            "1.0.0.0/24",
            "1.0.4.0/22",
            "10.0.0.1/32",
            "10.0.0.2/31",
            "10.0.0.4/31",
            "10.0.0.6/32",
            "223.255.255.0/24",
        ],
    );
    check_family::<u128>(
        V6,
        &out,
        7,
        &["2001::/32", "2001:db8::/32", "2a00::1/128", "2a00::2/128"],
    );
    // The exact bytes of one record of each family.
    let b4 = std::fs::read(out.join("v4-full.bin")).unwrap();
    let r = b4
        .chunks(RECORD)
        .find(|r| r[1] == 22)
        .expect("the /22 record");
    assert_eq!(
        r,
        [4, 22, 0, 0, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    let b6 = std::fs::read(out.join("v6-full.bin")).unwrap();
    let r = b6
        .chunks(RECORD)
        .find(|r| r[4..8] == [0x20, 0x01, 0x0d, 0xb8])
        .expect("the 2001:db8::/32 record");
    assert_eq!(
        r,
        [6, 32, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    // Same seed, same files.
    let out2 = tmpdir("out2");
    let run = Command::new(env!("CARGO_BIN_EXE_rtemu-bench"))
        .args(["prefixes", "--seed", "7", "--asn"])
        .arg(&asn)
        .arg("--out")
        .arg(&out2)
        .output()
        .unwrap();
    assert!(run.status.success());
    for f in ["v4-full.bin", "v6-full.txt"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out2.join(f)).unwrap()
        );
    }
    for d in [asn, out, out2] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

/// A prefix list with nesting (CRLF line ends, as the BGP table has them).
const BGP: &str = "10.0.0.0/8\r\n10.1.0.0/16\r\n10.1.2.0/24\r\n11.0.0.0/24\r\n\
                   2001:db8::/32\r\n2001:db8:1::/48\r\n2001:db9::/48\r\n";

#[test]
fn prefixes_of_a_prefix_list_with_nesting() {
    let dir = tmpdir("bgp");
    let list = dir.join("table.txt");
    std::fs::write(&list, BGP).unwrap();
    let out = dir.join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_rtemu-bench"))
        .args(["prefixes", "--seed", "3", "--bgp"])
        .arg(&list)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["data"], "bgp");
    for (k, n, nested) in [("v4-full", 4, 2), ("v6-1k", 3, 1)] {
        assert_eq!(summary["files"][k], n, "{k}");
        assert_eq!(summary["nested"][k], nested, "{k}");
    }
    let (v4, v6) = parse_prefix_list(BGP).unwrap();
    check_sets(
        &v4,
        &out,
        3,
        &["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "11.0.0.0/24"],
    );
    check_sets(
        &v6,
        &out,
        3,
        &["2001:db8:1::/48", "2001:db8::/32", "2001:db9::/48"],
    );
    let mut n4 = read_bin::<u32>(&out.join("v4-full.nested.bin")).unwrap();
    n4.sort_unstable();
    assert_eq!(n4, [(0x0a01_0000, 16), (0x0a01_0200, 24)]);

    // One data set at a time; a malformed list is refused with its line.
    let both = Command::new(env!("CARGO_BIN_EXE_rtemu-bench"))
        .args(["prefixes", "--asn", "x", "--bgp"])
        .arg(&list)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!both.status.success());
    std::fs::write(&list, "10.0.0.0/8\r\n10.0.0.1/8\r\n").unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_rtemu-bench"))
        .args(["prefixes", "--bgp"])
        .arg(&list)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(err.contains("line 2: \"10.0.0.1/8\""), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
