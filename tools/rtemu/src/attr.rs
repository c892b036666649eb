// SPDX-License-Identifier: GPL-2.0-only

//! How attribute values travel, for the attribute types the spec uses; the
//! attribute enums themselves ([`RouteAttr`](crate::RouteAttr),
//! [`StatsAttr`](crate::StatsAttr)) are generated from it in `proto`, which
//! builds on this module.
//!
//! Framing and alignment come from `netlink-packet-core` (`Nla`,
//! `NlaBuffer`, `NlasIterator`), and so do the integer and address parsers;
//! this module adds attributes kept as received, and the description of an
//! attribute the generated tables use.

use std::fmt;
use std::net::IpAddr;

use bitflags::{Bits, Flags};
use netlink_packet_core::{
    parse_ip, parse_u32, parse_u64, parse_u8, DecodeError, ErrorContext, Nla, NlaBuffer,
    NlasIterator, Parseable, NLA_F_NESTED, NLA_F_NET_BYTEORDER,
};

/// The type of an attribute's value, as the spec names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    /// Alignment padding; any length.
    Pad,
    /// Present or absent, no payload.
    Flag,
    U8,
    U32,
    U64,
    /// An unsigned integer of 4 or 8 bytes (netlink's `uint`; rtemu sends 8).
    Uint,
    /// Bytes; an address where the spec hints `ipv4-or-v6`.
    Binary,
}

/// What the spec says about one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttrSpec {
    pub id: u16,
    /// The spec's name (`prefix-len`).
    pub name: &'static str,
    pub ty: AttrType,
    /// The enum or flags definition that names its values (`enum:` in the spec).
    pub enum_name: Option<&'static str>,
}

/// An attribute this crate does not know, kept as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAttr {
    /// The nla_type field, including NLA_F_NESTED / NLA_F_NET_BYTEORDER.
    pub kind: u16,
    pub value: Vec<u8>,
}

impl UnknownAttr {
    pub(crate) fn from_buffer<T: AsRef<[u8]> + ?Sized>(buf: &NlaBuffer<&T>) -> UnknownAttr {
        let mut kind = buf.kind();
        if buf.nested_flag() {
            kind |= NLA_F_NESTED;
        }
        if buf.network_byte_order_flag() {
            kind |= NLA_F_NET_BYTEORDER;
        }
        UnknownAttr {
            kind,
            value: buf.value().to_vec(),
        }
    }
}

impl Nla for UnknownAttr {
    fn value_len(&self) -> usize {
        self.value.len()
    }
    fn kind(&self) -> u16 {
        self.kind
    }
    fn emit_value(&self, buffer: &mut [u8]) {
        buffer.copy_from_slice(&self.value);
    }
}

/// A value as an attribute carries it: integers in host byte order,
/// addresses as their 4 or 16 bytes, bytes as they are.
pub(crate) trait AttrValue: Sized {
    fn wire_len(&self) -> usize;
    fn write(&self, buf: &mut [u8]);
    fn read(bytes: &[u8]) -> Result<Self, DecodeError>;
}

/// Integers in host byte order, parsed with netlink-packet-core's parsers.
macro_rules! int_attr_value {
    ($($t:ty => $parse:ident),*) => {$(
        impl AttrValue for $t {
            fn wire_len(&self) -> usize {
                size_of::<$t>()
            }
            fn write(&self, buf: &mut [u8]) {
                buf.copy_from_slice(&self.to_ne_bytes());
            }
            fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
                $parse(bytes)
            }
        }
    )*};
}

int_attr_value!(u8 => parse_u8, u32 => parse_u32, u64 => parse_u64);

impl AttrValue for IpAddr {
    fn wire_len(&self) -> usize {
        match self {
            IpAddr::V4(_) => 4,
            IpAddr::V6(_) => 16,
        }
    }
    fn write(&self, buf: &mut [u8]) {
        match self {
            IpAddr::V4(a) => buf.copy_from_slice(&a.octets()),
            IpAddr::V6(a) => buf.copy_from_slice(&a.octets()),
        }
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_ip(bytes)
    }
}

impl AttrValue for Vec<u8> {
    fn wire_len(&self) -> usize {
        self.len()
    }
    fn write(&self, buf: &mut [u8]) {
        buf.copy_from_slice(self);
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        Ok(bytes.to_vec())
    }
}

/// Read the value of attribute `name`; an error names the attribute.
pub(crate) fn read_value<V: AttrValue>(bytes: &[u8], name: &str) -> Result<V, DecodeError> {
    V::read(bytes).with_context(|| format!("attribute {name}"))
}

/// Read a `uint` attribute `name`: 4 or 8 bytes, as netlink's `nla_get_uint`
/// takes it.
pub(crate) fn read_uint(bytes: &[u8], name: &str) -> Result<u64, DecodeError> {
    match bytes.len() {
        4 => Ok(u64::from(parse_u32(bytes)?)),
        8 => parse_u64(bytes),
        n => Err(format!("attribute {name}: a uint of {n} bytes (4 or 8)").into()),
    }
}

/// Check the payload of flag attribute `name`: a flag has none.
pub(crate) fn read_flag(bytes: &[u8], name: &str) -> Result<(), DecodeError> {
    if bytes.is_empty() {
        Ok(())
    } else {
        Err(format!("attribute {name}: a flag with a payload").into())
    }
}

/// Names of the flags of `set` found in `names`, in its order; the bits
/// left over as one `0x...`.
pub(crate) fn flag_names<F>(set: F, names: &[(F, &str)]) -> Vec<String>
where
    F: Flags + Copy,
    F::Bits: fmt::LowerHex,
{
    let mut out = Vec::new();
    let mut rest = set.bits();
    for (flag, name) in names {
        if set.contains(*flag) {
            out.push((*name).to_string());
            rest = rest & !flag.bits();
        }
    }
    if rest != F::Bits::EMPTY {
        out.push(format!("{rest:#x}"));
    }
    out
}

/// Writes what [`flag_names`] returns, comma-separated, without allocating.
pub(crate) fn write_flag_names<F>(
    f: &mut fmt::Formatter<'_>,
    set: F,
    names: &[(F, &str)],
) -> fmt::Result
where
    F: Flags + Copy,
    F::Bits: fmt::LowerHex,
{
    let mut sep = "";
    let mut rest = set.bits();
    for (flag, name) in names {
        if set.contains(*flag) {
            write!(f, "{sep}{name}")?;
            sep = ",";
            rest = rest & !flag.bits();
        }
    }
    if rest != F::Bits::EMPTY {
        write!(f, "{sep}{rest:#x}")?;
    }
    Ok(())
}

/// Parse a run of attributes with `netlink-packet-core`'s iterator.
pub(crate) fn parse_all<A>(buf: &[u8]) -> Result<Vec<A>, DecodeError>
where
    A: for<'a> Parseable<NlaBuffer<&'a [u8]>>,
{
    NlasIterator::new(buf)
        .map(|nla| nla.and_then(|nla| A::parse(&nla)))
        .collect()
}
