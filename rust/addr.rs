// SPDX-License-Identifier: GPL-2.0

//! Addresses and prefixes of the two families rtemu routes.

use crate::uapi;

/// An address family, with the values of `AF_INET` and `AF_INET6`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Af {
    Inet,
    Inet6,
}

impl Af {
    /// The family of an `RTEMU_AF_*` value.
    pub(crate) fn from_uapi(value: u32) -> Option<Self> {
        match value {
            uapi::RTEMU_AF_INET => Some(Af::Inet),
            uapi::RTEMU_AF_INET6 => Some(Af::Inet6),
            _ => None,
        }
    }

    /// The `RTEMU_AF_*` value of the family.
    pub(crate) fn to_uapi(self) -> u8 {
        match self {
            Af::Inet => uapi::RTEMU_AF_INET as u8,
            Af::Inet6 => uapi::RTEMU_AF_INET6 as u8,
        }
    }

    /// Address length in bytes.
    pub(crate) fn addr_len(self) -> usize {
        match self {
            Af::Inet => 4,
            Af::Inet6 => 16,
        }
    }

    /// Longest prefix length of the family.
    pub(crate) fn max_len(self) -> u8 {
        match self {
            Af::Inet => 32,
            Af::Inet6 => 128,
        }
    }
}

/// An IPv4 or IPv6 address in network byte order.
///
/// Kept as bytes so an entry does not pay `u128`'s 16-byte alignment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Addr {
    V4([u8; 4]),
    V6([u8; 16]),
}

impl Addr {
    /// The address of family `af` in `bytes`, which must be exactly as long as
    /// the family's addresses.
    pub(crate) fn from_bytes(af: Af, bytes: &[u8]) -> Option<Self> {
        match af {
            Af::Inet => Some(Addr::V4(bytes.try_into().ok()?)),
            Af::Inet6 => Some(Addr::V6(bytes.try_into().ok()?)),
        }
    }

    /// The address of an IPv4 key.
    pub(crate) fn from_v4_key(key: u32) -> Self {
        Addr::V4(key.to_be_bytes())
    }

    /// The address of an IPv6 key.
    pub(crate) fn from_v6_key(key: u128) -> Self {
        Addr::V6(key.to_be_bytes())
    }

    pub(crate) fn af(&self) -> Af {
        match self {
            Addr::V4(_) => Af::Inet,
            Addr::V6(_) => Af::Inet6,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Addr::V4(b) => b,
            Addr::V6(b) => b,
        }
    }

    /// The unspecified address (`0.0.0.0`, `::`).
    pub(crate) fn is_unspecified(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }

    /// Whether any bit after the first `len` is set.
    pub(crate) fn has_host_bits(&self, len: u8) -> bool {
        let len = usize::from(len);
        self.as_bytes().iter().enumerate().any(|(i, &b)| {
            let first_bit = i * 8;
            if first_bit + 8 <= len {
                false
            } else if first_bit >= len {
                b != 0
            } else {
                b & (0xffu8 >> (len - first_bit)) != 0
            }
        })
    }
}

/// A destination prefix: an address with no bits set after `len`.
///
/// # Invariants
///
/// `len <= addr.af().max_len()` and `addr` has no bit set after `len`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Prefix {
    addr: Addr,
    len: u8,
}

/// Why a prefix was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PrefixError {
    /// The length exceeds the family's address length.
    TooLong,
    /// Bits after the prefix length are set.
    HostBits,
}

impl Prefix {
    pub(crate) fn new(addr: Addr, len: u8) -> Result<Self, PrefixError> {
        if len > addr.af().max_len() {
            return Err(PrefixError::TooLong);
        }
        if addr.has_host_bits(len) {
            return Err(PrefixError::HostBits);
        }
        // INVARIANT: both conditions were just checked.
        Ok(Self { addr, len })
    }

    /// The host route (full-length prefix) of an address.
    pub(crate) fn host(addr: Addr) -> Self {
        // INVARIANT: a full-length prefix has no bits after its length.
        Self {
            addr,
            len: addr.af().max_len(),
        }
    }

    /// The prefix that [`Prefix::addr`] and [`Prefix::len`] of a prefix
    /// gave: an entry keeps its prefix in pieces. Parts of anything else
    /// make a prefix that breaks the invariants, which debug builds catch.
    pub(crate) fn from_valid_parts(addr: Addr, len: u8) -> Self {
        debug_assert!(len <= addr.af().max_len() && !addr.has_host_bits(len));
        // INVARIANT: the parts of a prefix, which kept them.
        Self { addr, len }
    }

    pub(crate) fn addr(&self) -> Addr {
        self.addr
    }

    /// The address's bytes, as the wire carries them.
    pub(crate) fn addr_bytes(&self) -> &[u8] {
        self.addr.as_bytes()
    }

    pub(crate) fn len(&self) -> u8 {
        self.len
    }

    pub(crate) fn af(&self) -> Af {
        self.addr.af()
    }

    pub(crate) fn is_host(&self) -> bool {
        self.len == self.af().max_len()
    }

    /// Whether `addr` is inside the prefix: same family, same first `len`
    /// bits.
    pub(crate) fn contains(&self, addr: &Addr) -> bool {
        if addr.af() != self.af() {
            return false;
        }
        let len = usize::from(self.len);
        let (ours, theirs) = (self.addr.as_bytes(), addr.as_bytes());
        let whole = len / 8;
        if ours[..whole] != theirs[..whole] {
            return false;
        }
        let rest = len % 8;
        // The first `rest` bits of the next byte; ours has no bits after them.
        rest == 0 || ours[whole] == theirs[whole] & !(0xffu8 >> rest)
    }
}
