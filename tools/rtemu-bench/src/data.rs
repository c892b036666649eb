// SPDX-License-Identifier: GPL-2.0-only

//! Address families and the two data sets as CIDR lists: the `@ip-location-db/asn` ranges split
//! into CIDR blocks ([`load_asn`]), and a real BGP full table, one prefix a line ([`load_bgp`]).

use std::fmt::Debug;
use std::hash::Hash;
use std::net::{
    Ipv4Addr,
    Ipv6Addr, //
};
use std::path::Path;
use std::process::Command;

/// An address of one family, as an unsigned integer in host order.
pub trait Addr: Copy + Ord + Eq + Hash + Debug + Send + Sync + 'static {
    /// Address width in bits.
    const BITS: u8;
    /// 4 or 6.
    const FAMILY: u8;
    /// Short name: `v4` or `v6`.
    const NAME: &'static str;
    /// Widens to 128 bits (right-aligned).
    fn to_u128(self) -> u128;
    /// Truncates a right-aligned 128-bit value.
    fn from_u128(x: u128) -> Self;
    /// The address in its canonical text form.
    fn display(self) -> String;
    /// Parses the text form.
    fn parse(s: &str) -> Option<Self>;
    /// The address bytes in network order.
    fn octets(self) -> Vec<u8>;
    /// From network-order bytes (exactly `BITS / 8`).
    fn from_octets(b: &[u8]) -> Option<Self>;
}

impl Addr for u32 {
    const BITS: u8 = 32;
    const FAMILY: u8 = 4;
    const NAME: &'static str = "v4";

    fn to_u128(self) -> u128 {
        u128::from(self)
    }

    fn from_u128(x: u128) -> Self {
        x as u32
    }

    fn display(self) -> String {
        Ipv4Addr::from(self).to_string()
    }

    fn parse(s: &str) -> Option<Self> {
        s.parse::<Ipv4Addr>().ok().map(u32::from)
    }

    fn octets(self) -> Vec<u8> {
        self.to_be_bytes().to_vec()
    }

    fn from_octets(b: &[u8]) -> Option<Self> {
        Some(u32::from_be_bytes(b.try_into().ok()?))
    }
}

impl Addr for u128 {
    const BITS: u8 = 128;
    const FAMILY: u8 = 6;
    const NAME: &'static str = "v6";

    fn to_u128(self) -> u128 {
        self
    }

    fn from_u128(x: u128) -> Self {
        x
    }

    fn display(self) -> String {
        Ipv6Addr::from(self).to_string()
    }

    fn parse(s: &str) -> Option<Self> {
        s.parse::<Ipv6Addr>().ok().map(u128::from)
    }

    fn octets(self) -> Vec<u8> {
        self.to_be_bytes().to_vec()
    }

    fn from_octets(b: &[u8]) -> Option<Self> {
        Some(u128::from_be_bytes(b.try_into().ok()?))
    }
}

/// An IPv4 prefix: address (host order) and length.
pub type Cidr4 = (u32, u8);

/// An IPv6 prefix: address (host order) and length.
pub type Cidr6 = (u128, u8);

/// The host-bit mask of a `len`-bit prefix in a `bits`-bit space (right-aligned).
pub fn host_mask(bits: u8, len: u8) -> u128 {
    let host = u32::from(bits.saturating_sub(len));
    if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    }
}

/// `a` with all but its top `len` bits cleared.
pub fn masked<A: Addr>(a: A, len: u8) -> A {
    A::from_u128(a.to_u128() & !host_mask(A::BITS, len))
}

/// Whether `a` lies in the prefix `p/len`.
pub fn contains<A: Addr>(p: A, len: u8, a: A) -> bool {
    masked(a, len) == p
}

/// `p/len` in canonical text form (`1.0.0.0/24`, `2001:db8::/32`).
pub fn format_cidr<A: Addr>(p: A, len: u8) -> String {
    format!("{}/{len}", p.display())
}

/// Parses `addr/len`; host bits must be zero.
pub fn parse_cidr<A: Addr>(s: &str) -> Option<(A, u8)> {
    let (a, l) = s.split_once('/')?;
    let a = A::parse(a)?;
    let l: u8 = l.parse().ok()?;
    (l <= A::BITS && masked(a, l) == a).then_some((a, l))
}

/// Appends the CIDR blocks that exactly cover the inclusive range `lo..=hi` of a `bits`-bit
/// space (right-aligned), lowest first: each block is the largest one aligned at the current
/// start that does not pass `hi`.
pub fn range_to_cidrs(mut lo: u128, hi: u128, bits: u8, out: &mut Vec<(u128, u8)>) {
    assert!(lo <= hi, "empty range");
    assert!(bits == 128 || hi >> bits == 0, "range beyond {bits} bits");
    loop {
        let mut k = if lo == 0 {
            u32::from(bits)
        } else {
            lo.trailing_zeros().min(u32::from(bits))
        };
        let span = |k: u32| {
            if k >= 128 {
                u128::MAX
            } else {
                (1u128 << k) - 1
            }
        };
        while span(k) > hi - lo {
            k -= 1;
        }
        out.push((lo, bits - k as u8));
        let last = lo + span(k);
        if last >= hi {
            return;
        }
        lo = last + 1;
    }
}

/// Reads one `@ip-location-db/asn` CSV (`first,last,asn,org`, inclusive ranges) and returns its
/// CIDR blocks sorted by (address, length) and deduplicated. Lines that do not start with two
/// addresses of the family are skipped.
pub fn read_csv<A: Addr>(path: &Path) -> std::io::Result<Vec<(A, u8)>> {
    let text = std::fs::read_to_string(path)?;
    Ok(parse_csv(&text))
}

/// [`read_csv`] on text.
pub fn parse_csv<A: Addr>(text: &str) -> Vec<(A, u8)> {
    let mut wide = Vec::new();
    for line in text.lines() {
        let mut f = line.split(',');
        let (Some(a), Some(b)) = (f.next(), f.next()) else {
            continue;
        };
        let (Some(a), Some(b)) = (A::parse(a.trim()), A::parse(b.trim())) else {
            continue;
        };
        if a > b {
            continue;
        }
        range_to_cidrs(a.to_u128(), b.to_u128(), A::BITS, &mut wide);
    }
    let mut out: Vec<(A, u8)> = wide
        .into_iter()
        .map(|(a, l)| (A::from_u128(a), l))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Both families' CIDR lists from an unpacked package directory (`asn-ipv4.csv`,
/// `asn-ipv6.csv`).
pub fn load_asn(dir: &Path) -> std::io::Result<(Vec<Cidr4>, Vec<Cidr6>)> {
    let v4 = read_csv::<u32>(&dir.join("asn-ipv4.csv"))?;
    let v6 = read_csv::<u128>(&dir.join("asn-ipv6.csv"))?;
    Ok((v4, v6))
}

/// The data sets the benchmarks run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataSet {
    /// `@ip-location-db/asn`: address ranges split into CIDR blocks (no nesting at all).
    Asn,
    /// A BGP full table (`tools/rtemu-bench/data/bgp-full-table.txt.gz`): nested prefixes.
    Bgp,
}

impl DataSet {
    /// Both, in report order.
    pub const ALL: [DataSet; 2] = [DataSet::Asn, DataSet::Bgp];

    /// `asn` or `bgp`.
    pub fn name(self) -> &'static str {
        match self {
            DataSet::Asn => "asn",
            DataSet::Bgp => "bgp",
        }
    }

    /// Where it comes from, for reports.
    pub fn source(self) -> &'static str {
        match self {
            DataSet::Asn => {
                "@ip-location-db/asn (RouteViews + RIR data, CC BY 4.0), ranges split into CIDR \
                 blocks, deduplicated"
            }
            DataSet::Bgp => {
                "BGP full table from the test data of gaissmai/bart \
                 (internal/tests/testdata/prefixes.txt.gz, commit c4b30e2e, MIT), \
                 vendored as tools/rtemu-bench/data/bgp-full-table.txt.gz"
            }
        }
    }

    /// Both families' prefixes from `path`: the unpacked package directory ([`load_asn`]) or
    /// the prefix list ([`load_bgp`]).
    pub fn load(self, path: &Path) -> std::io::Result<(Vec<Cidr4>, Vec<Cidr6>)> {
        match self {
            DataSet::Asn => load_asn(path),
            DataSet::Bgp => load_bgp(path),
        }
    }
}

/// Why a prefix list was refused: the first bad line, numbered from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// Its number.
    pub line: usize,
    /// Its text (without the line end).
    pub text: String,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: {:?} is not an IPv4 or IPv6 prefix (addr/len, host bits zero)",
            self.line, self.text
        )
    }
}

impl std::error::Error for BadLine {}

/// Parses a prefix list: one `addr/len` a line, IPv4 and IPv6 mixed, LF or CRLF line ends,
/// surrounding blanks and empty lines ignored. Every other line must be a prefix of either
/// family with its host bits zero, else the list is refused at its first bad line. Returns each
/// family's prefixes sorted by (address, length) and deduplicated.
pub fn parse_prefix_list(text: &str) -> Result<(Vec<Cidr4>, Vec<Cidr6>), BadLine> {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let s = line.trim();
        if s.is_empty() {
            continue;
        }
        if let Some(p) = parse_cidr::<u32>(s) {
            v4.push(p);
        } else if let Some(p) = parse_cidr::<u128>(s) {
            v6.push(p);
        } else {
            return Err(BadLine {
                line: i + 1,
                text: s.to_owned(),
            });
        }
    }
    v4.sort_unstable();
    v4.dedup();
    v6.sort_unstable();
    v6.dedup();
    Ok((v4, v6))
}

/// A file's text; a name ending in `.gz` is decompressed with `gzip -dc` (the workspace has no
/// gzip crate, and every system has gzip).
pub fn read_text(path: &Path) -> std::io::Result<String> {
    if path.extension().is_none_or(|e| e != "gz") {
        return std::fs::read_to_string(path);
    }
    let out = Command::new("gzip").arg("-dc").arg(path).output()?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "gzip -dc {}: {}: {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Both families' prefixes of a prefix list file ([`parse_prefix_list`]; `.gz` allowed).
pub fn load_bgp(path: &Path) -> std::io::Result<(Vec<Cidr4>, Vec<Cidr6>)> {
    parse_prefix_list(&read_text(path)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(lo: u128, hi: u128, bits: u8) -> Vec<(u128, u8)> {
        let mut v = Vec::new();
        range_to_cidrs(lo, hi, bits, &mut v);
        v
    }

    /// Blocks are aligned, contiguous, cover exactly the range and are maximal (no two
    /// neighbours could merge into one aligned block).
    fn check_cover(lo: u128, hi: u128, bits: u8) {
        let v = cidrs(lo, hi, bits);
        let mut next = lo;
        for (i, &(a, l)) in v.iter().enumerate() {
            assert_eq!(a, next, "{lo:#x}..={hi:#x}: gap before block {i}");
            let hm = host_mask(bits, l);
            assert_eq!(a & hm, 0, "unaligned block");
            next = (a | hm).wrapping_add(1);
            if i + 1 < v.len() {
                let (b, m) = v[i + 1];
                let merged = l == m && l > 0 && (a & host_mask(bits, l - 1)) == 0 && b == next;
                assert!(
                    !merged,
                    "{lo:#x}..={hi:#x}: blocks {i} and {} could merge",
                    i + 1
                );
            }
        }
        let last = v.last().unwrap();
        assert_eq!(last.0 | host_mask(bits, last.1), hi);
    }

    #[test]
    fn ranges_split_into_cidrs() {
        assert_eq!(cidrs(0x0100_0000, 0x0100_00ff, 32), [(0x0100_0000, 24)]);
        // 1.0.4.0 - 1.0.7.255 is one /22.
        assert_eq!(cidrs(0x0100_0400, 0x0100_07ff, 32), [(0x0100_0400, 22)]);
        // 10.0.0.1 - 10.0.0.6: .1/32 .2/31 .4/31 .6/32
        assert_eq!(
            cidrs(0x0a00_0001, 0x0a00_0006, 32),
            [
                (0x0a00_0001, 32),
                (0x0a00_0002, 31),
                (0x0a00_0004, 31),
                (0x0a00_0006, 32)
            ]
        );
        assert_eq!(cidrs(0, u128::from(u32::MAX), 32), [(0, 0)]);
        assert_eq!(cidrs(0, u128::MAX, 128), [(0, 0)]);
        assert_eq!(cidrs(u128::MAX, u128::MAX, 128), [(u128::MAX, 128)]);
        assert_eq!(
            cidrs(1, u128::MAX, 128).len(),
            128,
            "one block per bit from /128 up to /1"
        );
        assert_eq!(cidrs(5, 5, 32), [(5, 32)]);
        for (lo, hi) in [
            (0, 0),
            (1, 2),
            (3, 1000),
            (0x0a00_0001, 0x0aff_fffe),
            (0, u128::from(u32::MAX) - 1),
            (1, u128::from(u32::MAX)),
        ] {
            check_cover(lo, hi, 32);
        }
        let mut r = rtemu_testkit::rng::SplitMix64::new(7);
        for _ in 0..500 {
            let (a, b) = (r.next_u128(), r.next_u128());
            check_cover(a.min(b), a.max(b), 128);
            let (a, b) = (r.next_u64() as u32, r.next_u64() as u32);
            check_cover(u128::from(a.min(b)), u128::from(a.max(b)), 32);
        }
    }

    #[test]
    fn csv_is_parsed_and_deduplicated() {
        let text = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n\
                    1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd\n\
                    1.0.0.0,1.0.0.255,13335,dup\n\
                    garbage line\n\
                    2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,HE\n\
                    10.0.0.1,10.0.0.2,1,x\n";
        let v4 = parse_csv::<u32>(text);
        assert_eq!(
            v4,
            [
                (0x0100_0000, 24),
                (0x0100_0400, 22),
                (0x0a00_0001, 32),
                (0x0a00_0002, 32)
            ]
        );
        let v6 = parse_csv::<u128>(text);
        assert_eq!(v6, [(0x2001u128 << 112, 32)]);
    }

    #[test]
    fn prefix_list_is_parsed() {
        // CRLF line ends as in the BGP table, a blank line, both families mixed, a duplicate.
        let text = "1.0.0.0/24\r\n1.0.4.0/22\r\n\r\n2001:db8::/32\r\n\
                    10.0.0.0/8\n10.1.0.0/16\n1.0.0.0/24\n  2001:db8:1::/48  \n";
        let (v4, v6) = parse_prefix_list(text).unwrap();
        assert_eq!(
            v4,
            [
                (0x0100_0000, 24),
                (0x0100_0400, 22),
                (0x0a00_0000, 8),
                (0x0a01_0000, 16)
            ]
        );
        assert_eq!(
            v6,
            [
                (0x2001_0db8u128 << 96, 32),
                ((0x2001_0db8u128 << 96) | (1 << 80), 48)
            ]
        );
        assert_eq!(parse_prefix_list(""), Ok((vec![], vec![])));
    }

    #[test]
    fn malformed_prefix_lists_are_refused() {
        for (text, line, bad) in [
            ("1.0.0.0/24\r\n1.0.0.1/24\r\n", 2, "1.0.0.1/24"), // host bits set
            ("1.0.0.0/24\n1.0.0.0/33\n", 2, "1.0.0.0/33"),
            ("1.0.0.0\n", 1, "1.0.0.0"), // no length
            ("::/0\n\n2001:db8::/129\n", 3, "2001:db8::/129"),
            ("1.0.0.0/24 # comment\n", 1, "1.0.0.0/24 # comment"),
            ("1.0.0.0/24,13335\n", 1, "1.0.0.0/24,13335"),
            ("garbage\n", 1, "garbage"),
        ] {
            assert_eq!(
                parse_prefix_list(text),
                Err(BadLine {
                    line,
                    text: bad.to_owned()
                }),
                "{text:?}"
            );
        }
        let e = parse_prefix_list("x/1\n").unwrap_err().to_string();
        assert!(e.starts_with("line 1: \"x/1\""), "{e}");
    }

    #[test]
    fn cidr_text() {
        assert_eq!(format_cidr(0x0100_0000u32, 24), "1.0.0.0/24");
        assert_eq!(format_cidr(0x2001_0db8u128 << 96, 32), "2001:db8::/32");
        assert_eq!(parse_cidr::<u32>("1.0.0.0/24"), Some((0x0100_0000, 24)));
        assert_eq!(parse_cidr::<u32>("1.0.0.1/24"), None, "host bits set");
        assert_eq!(parse_cidr::<u32>("1.0.0.0/33"), None);
        assert_eq!(
            parse_cidr::<u128>("2001:db8::/32"),
            Some((0x2001_0db8u128 << 96, 32))
        );
        assert_eq!(parse_cidr::<u128>("::/0"), Some((0, 0)));
    }
}
