// SPDX-License-Identifier: GPL-2.0-only

//! `rtemu-bench prefixes` on a small package: the files it writes read back to the expected
//! samples in the documented formats.

use std::path::PathBuf;
use std::process::Command;

use rtemu_bench::data::{
    parse_csv,
    Addr, //
};
use rtemu_bench::files::{
    read_bin,
    read_txt,
    RECORD, //
};
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
    let all = parse_csv::<A>(csv);
    let perm = permutation(&all, seed);
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
    for (k, n) in [
        ("v4-1k", 7),
        ("v4-100k", 7),
        ("v4-full", 7),
        ("v6-1k", 4),
        ("v6-100k", 4),
        ("v6-full", 4),
    ] {
        assert_eq!(summary["files"][k], n, "{k} in {stdout}");
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
