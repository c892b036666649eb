// SPDX-License-Identifier: GPL-2.0-only

//! The files `rtemu-bench prefixes` writes.
//!
//! - `FAM-SIZE.txt`: one canonical CIDR per line (`1.0.0.0/24`, `2001:db8::/32`).
//! - `FAM-SIZE.bin`: fixed 20-byte records: u8 family (4 or 6), u8 prefix length, 2 zero bytes,
//!   16 address bytes in network order (IPv4: the first 4, the rest zero); host bits are zero.
//!
//! Both list the prefixes in the same (sampled) order.

use std::io::{
    self,
    BufWriter,
    Write, //
};
use std::path::Path;

use crate::data::{
    format_cidr,
    masked,
    parse_cidr,
    Addr, //
};

/// Size of one `.bin` record.
pub const RECORD: usize = 20;

/// The `.bin` record of `p/len`.
pub fn record<A: Addr>(p: A, len: u8) -> [u8; RECORD] {
    let mut r = [0u8; RECORD];
    r[0] = A::FAMILY;
    r[1] = len;
    let o = masked(p, len).octets();
    r[4..4 + o.len()].copy_from_slice(&o);
    r
}

/// Writes `set` as text, one CIDR a line.
pub fn write_txt<A: Addr>(path: &Path, set: &[(A, u8)]) -> io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    for &(p, l) in set {
        writeln!(w, "{}", format_cidr(masked(p, l), l))?;
    }
    w.flush()
}

/// Writes `set` as 20-byte records.
pub fn write_bin<A: Addr>(path: &Path, set: &[(A, u8)]) -> io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    for &(p, l) in set {
        w.write_all(&record(p, l))?;
    }
    w.flush()
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Reads a `.txt` file back.
pub fn read_txt<A: Addr>(path: &Path) -> io::Result<Vec<(A, u8)>> {
    std::fs::read_to_string(path)?
        .lines()
        .enumerate()
        .map(|(i, s)| parse_cidr(s).ok_or_else(|| bad(format!("line {}: {s:?}", i + 1))))
        .collect()
}

/// Reads a `.bin` file back, checking every record's format.
pub fn read_bin<A: Addr>(path: &Path) -> io::Result<Vec<(A, u8)>> {
    let b = std::fs::read(path)?;
    if b.len() % RECORD != 0 {
        return Err(bad(format!("{} bytes: not whole records", b.len())));
    }
    let n = usize::from(A::BITS / 8);
    b.chunks_exact(RECORD)
        .enumerate()
        .map(|(i, r)| {
            let a = A::from_octets(&r[4..4 + n]).ok_or_else(|| bad(format!("record {i}")))?;
            let ok = r[0] == A::FAMILY
                && r[1] <= A::BITS
                && r[2..4] == [0, 0]
                && r[4 + n..].iter().all(|&x| x == 0)
                && masked(a, r[1]) == a;
            if ok {
                Ok((a, r[1]))
            } else {
                Err(bad(format!("record {i}: {r:02x?}")))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        assert_eq!(
            record(0x0102_0300u32, 24),
            [4, 24, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        // Host bits are cleared.
        assert_eq!(record(0x0102_03ffu32, 24), record(0x0102_0300u32, 24));
        let r = record(0x2001_0db8u128 << 96, 32);
        assert_eq!(&r[..8], &[6, 32, 0, 0, 0x20, 0x01, 0x0d, 0xb8]);
        assert!(r[8..].iter().all(|&x| x == 0));
    }
}
