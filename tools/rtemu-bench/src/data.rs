// SPDX-License-Identifier: GPL-2.0-only

//! Address families and the ASN data set as CIDR lists.

use std::fmt::Debug;
use std::hash::Hash;
use std::net::{
    Ipv4Addr,
    Ipv6Addr, //
};
use std::path::Path;

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
