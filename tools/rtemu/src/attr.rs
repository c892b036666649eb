// SPDX-License-Identifier: GPL-2.0-only

//! Attributes of the `route` and `stats` attribute sets, one variant per
//! attribute of the spec, plus `Other` for attributes this crate does not
//! know (kept byte for byte so they survive a decode/encode round trip).
//!
//! Framing and alignment come from `netlink-packet-core` (`Nla`,
//! `NlaBuffer`, `NlasIterator`); this module only maps values.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bitflags::{Bits, Flags};
use netlink_packet_core::{DecodeError, ErrorContext, Nla, NlaBuffer, NlasIterator, Parseable};

use crate::consts::{self, route_attr as ra, stats_attr as sa};

/// Address family of a route (`enum rtemu_af`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Inet,
    Inet6,
    /// A value this crate does not know, kept as received.
    Other(u8),
}

impl Family {
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Inet,
            IpAddr::V6(_) => Family::Inet6,
        }
    }
    pub fn name(self) -> String {
        match self {
            Family::Inet => "inet".into(),
            Family::Inet6 => "inet6".into(),
            Family::Other(v) => format!("af{v}"),
        }
    }
}

impl From<u8> for Family {
    fn from(v: u8) -> Self {
        match v {
            consts::AF_INET => Family::Inet,
            consts::AF_INET6 => Family::Inet6,
            v => Family::Other(v),
        }
    }
}

impl From<Family> for u8 {
    fn from(f: Family) -> u8 {
        match f {
            Family::Inet => consts::AF_INET,
            Family::Inet6 => consts::AF_INET6,
            Family::Other(v) => v,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl std::str::FromStr for Family {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "inet" | "ipv4" | "4" => Ok(Family::Inet),
            "inet6" | "ipv6" | "6" => Ok(Family::Inet6),
            _ => Err(format!("unknown address family {s:?} (inet or inet6)")),
        }
    }
}

/// Route flags (`enum rtemu_route_flags`), FreeBSD 7's RTF_* bit values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RouteFlags(pub u32);

/// Names of the known flags, in bit order, as spelled in the spec.
pub const FLAG_NAMES: &[(u32, &str)] = &[
    (consts::flags::UP, "up"),
    (consts::flags::GATEWAY, "gateway"),
    (consts::flags::HOST, "host"),
    (consts::flags::REJECT, "reject"),
    (consts::flags::CLONING, "cloning"),
    (consts::flags::XRESOLVE, "xresolve"),
    (consts::flags::STATIC, "static"),
    (consts::flags::BLACKHOLE, "blackhole"),
    (consts::flags::PRCLONING, "prcloning"),
    (consts::flags::WASCLONED, "wascloned"),
    (consts::flags::DEPRECATED, "deprecated"),
];

impl RouteFlags {
    pub const UP: RouteFlags = RouteFlags(consts::flags::UP);
    pub const GATEWAY: RouteFlags = RouteFlags(consts::flags::GATEWAY);
    pub const HOST: RouteFlags = RouteFlags(consts::flags::HOST);
    pub const REJECT: RouteFlags = RouteFlags(consts::flags::REJECT);
    pub const CLONING: RouteFlags = RouteFlags(consts::flags::CLONING);
    pub const XRESOLVE: RouteFlags = RouteFlags(consts::flags::XRESOLVE);
    pub const STATIC: RouteFlags = RouteFlags(consts::flags::STATIC);
    pub const BLACKHOLE: RouteFlags = RouteFlags(consts::flags::BLACKHOLE);
    pub const PRCLONING: RouteFlags = RouteFlags(consts::flags::PRCLONING);
    pub const WASCLONED: RouteFlags = RouteFlags(consts::flags::WASCLONED);
    pub const DEPRECATED: RouteFlags = RouteFlags(consts::flags::DEPRECATED);

    pub const fn empty() -> Self {
        RouteFlags(0)
    }
    pub const fn bits(self) -> u32 {
        self.0
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub const fn contains(self, other: RouteFlags) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn insert(&mut self, other: RouteFlags) {
        self.0 |= other.0;
    }
    /// Names of the set flags; unknown bits as `0x...`.
    pub fn names(self) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.0;
        for (bit, name) in FLAG_NAMES {
            if self.0 & bit != 0 {
                out.push((*name).to_string());
                rest &= !bit;
            }
        }
        if rest != 0 {
            out.push(format!("{rest:#x}"));
        }
        out
    }
    /// Parse one flag name as printed by [`RouteFlags::names`].
    pub fn from_name(name: &str) -> Option<RouteFlags> {
        FLAG_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(b, _)| RouteFlags(*b))
    }
}

impl std::ops::BitOr for RouteFlags {
    type Output = RouteFlags;
    fn bitor(self, rhs: RouteFlags) -> RouteFlags {
        RouteFlags(self.0 | rhs.0)
    }
}

impl fmt::Display for RouteFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

/// Why a route left the table (`enum rtemu_delete_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeleteReason {
    Removed,
    ParentDeleted,
    Idle,
    Replaced,
    Superseded,
    ParentChanged,
    Other(u32),
}

impl DeleteReason {
    pub fn name(self) -> String {
        match self {
            DeleteReason::Removed => "removed".into(),
            DeleteReason::ParentDeleted => "parent-deleted".into(),
            DeleteReason::Idle => "idle".into(),
            DeleteReason::Replaced => "replaced".into(),
            DeleteReason::Superseded => "superseded".into(),
            DeleteReason::ParentChanged => "parent-changed".into(),
            DeleteReason::Other(v) => format!("reason{v}"),
        }
    }
}

impl From<u32> for DeleteReason {
    fn from(v: u32) -> Self {
        use consts::delete_reason as d;
        match v {
            d::REMOVED => DeleteReason::Removed,
            d::PARENT_DELETED => DeleteReason::ParentDeleted,
            d::IDLE => DeleteReason::Idle,
            d::REPLACED => DeleteReason::Replaced,
            d::SUPERSEDED => DeleteReason::Superseded,
            d::PARENT_CHANGED => DeleteReason::ParentChanged,
            v => DeleteReason::Other(v),
        }
    }
}

impl From<DeleteReason> for u32 {
    fn from(r: DeleteReason) -> u32 {
        use consts::delete_reason as d;
        match r {
            DeleteReason::Removed => d::REMOVED,
            DeleteReason::ParentDeleted => d::PARENT_DELETED,
            DeleteReason::Idle => d::IDLE,
            DeleteReason::Replaced => d::REPLACED,
            DeleteReason::Superseded => d::SUPERSEDED,
            DeleteReason::ParentChanged => d::PARENT_CHANGED,
            DeleteReason::Other(v) => v,
        }
    }
}

impl fmt::Display for DeleteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// An attribute this crate does not know, kept as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAttr {
    /// The nla_type field, including NLA_F_NESTED / NLA_F_NET_BYTEORDER.
    pub kind: u16,
    pub value: Vec<u8>,
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

impl UnknownAttr {
    pub(crate) fn from_buffer<T: AsRef<[u8]> + ?Sized>(buf: &NlaBuffer<&T>) -> UnknownAttr {
        unknown(buf)
    }
}

fn unknown<T: AsRef<[u8]> + ?Sized>(buf: &NlaBuffer<&T>) -> UnknownAttr {
    let mut kind = buf.kind();
    if buf.nested_flag() {
        kind |= netlink_packet_core::NLA_F_NESTED;
    }
    if buf.network_byte_order_flag() {
        kind |= netlink_packet_core::NLA_F_NET_BYTEORDER;
    }
    UnknownAttr {
        kind,
        value: buf.value().to_vec(),
    }
}

/// An attribute of the `route` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAttr {
    /// Alignment padding for 64-bit attributes; its payload is kept.
    Pad(Vec<u8>),
    Family(Family),
    Dst(IpAddr),
    PrefixLen(u8),
    Via(IpAddr),
    Flags(RouteFlags),
    PreferredUntil(u64),
    ExpiresAt(u64),
    PreferredLeft(u64),
    ExpiresLeft(u64),
    Refcnt(u32),
    Use(u64),
    ParentDst(IpAddr),
    ParentPrefixLen(u8),
    Report,
    Ignflags(RouteFlags),
    Addr(IpAddr),
    Handle(u64),
    Reason(DeleteReason),
    Error(u32),
    Count(u32),
    NewVia(IpAddr),
    Other(UnknownAttr),
}

fn ip_len(ip: &IpAddr) -> usize {
    match ip {
        IpAddr::V4(_) => 4,
        IpAddr::V6(_) => 16,
    }
}

fn emit_ip(ip: &IpAddr, buf: &mut [u8]) {
    match ip {
        IpAddr::V4(a) => buf.copy_from_slice(&a.octets()),
        IpAddr::V6(a) => buf.copy_from_slice(&a.octets()),
    }
}

fn parse_ip(name: &str, v: &[u8]) -> Result<IpAddr, DecodeError> {
    match v.len() {
        4 => Ok(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(v).unwrap()))),
        16 => Ok(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(v).unwrap()))),
        n => Err(format!("attribute {name}: address of {n} bytes (want 4 or 16)").into()),
    }
}

fn parse_u8(name: &str, v: &[u8]) -> Result<u8, DecodeError> {
    match v {
        [b] => Ok(*b),
        _ => Err(format!("attribute {name}: {} bytes for a u8", v.len()).into()),
    }
}

fn parse_u32(name: &str, v: &[u8]) -> Result<u32, DecodeError> {
    <[u8; 4]>::try_from(v)
        .map(u32::from_ne_bytes)
        .map_err(|_| format!("attribute {name}: {} bytes for a u32", v.len()).into())
}

fn parse_u64(name: &str, v: &[u8]) -> Result<u64, DecodeError> {
    <[u8; 8]>::try_from(v)
        .map(u64::from_ne_bytes)
        .map_err(|_| format!("attribute {name}: {} bytes for a u64", v.len()).into())
}

impl Nla for RouteAttr {
    fn value_len(&self) -> usize {
        use RouteAttr::*;
        match self {
            Pad(v) => v.len(),
            Family(_) | PrefixLen(_) | ParentPrefixLen(_) => 1,
            Dst(a) | Via(a) | ParentDst(a) | Addr(a) | NewVia(a) => ip_len(a),
            Flags(_) | Ignflags(_) | Refcnt(_) | Reason(_) | Error(_) | Count(_) => 4,
            PreferredUntil(_) | ExpiresAt(_) | PreferredLeft(_) | ExpiresLeft(_) | Use(_)
            | Handle(_) => 8,
            Report => 0,
            Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        use RouteAttr::*;
        match self {
            Pad(_) => ra::PAD,
            Family(_) => ra::FAMILY,
            Dst(_) => ra::DST,
            PrefixLen(_) => ra::PREFIX_LEN,
            Via(_) => ra::VIA,
            Flags(_) => ra::FLAGS,
            PreferredUntil(_) => ra::PREFERRED_UNTIL,
            ExpiresAt(_) => ra::EXPIRES_AT,
            PreferredLeft(_) => ra::PREFERRED_LEFT,
            ExpiresLeft(_) => ra::EXPIRES_LEFT,
            Refcnt(_) => ra::REFCNT,
            Use(_) => ra::USE,
            ParentDst(_) => ra::PARENT_DST,
            ParentPrefixLen(_) => ra::PARENT_PREFIX_LEN,
            Report => ra::REPORT,
            Ignflags(_) => ra::IGNFLAGS,
            Addr(_) => ra::ADDR,
            Handle(_) => ra::HANDLE,
            Reason(_) => ra::REASON,
            Error(_) => ra::ERROR,
            Count(_) => ra::COUNT,
            NewVia(_) => ra::NEW_VIA,
            Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        use RouteAttr::*;
        match self {
            Pad(v) => buf.copy_from_slice(v),
            Family(f) => buf[0] = u8::from(*f),
            PrefixLen(v) | ParentPrefixLen(v) => buf[0] = *v,
            Dst(a) | Via(a) | ParentDst(a) | Addr(a) | NewVia(a) => emit_ip(a, buf),
            Flags(f) | Ignflags(f) => buf.copy_from_slice(&f.0.to_ne_bytes()),
            Refcnt(v) | Error(v) | Count(v) => buf.copy_from_slice(&v.to_ne_bytes()),
            Reason(r) => buf.copy_from_slice(&u32::from(*r).to_ne_bytes()),
            PreferredUntil(v) | ExpiresAt(v) | PreferredLeft(v) | ExpiresLeft(v) | Use(v)
            | Handle(v) => buf.copy_from_slice(&v.to_ne_bytes()),
            Report => {}
            Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for RouteAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        use RouteAttr::*;
        let v = buf.value();
        // Flag bits are never set on attributes of this family; an attribute
        // that carries them is not ours to interpret and is kept as is.
        if buf.nested_flag() || buf.network_byte_order_flag() {
            return Ok(Other(unknown(buf)));
        }
        Ok(match buf.kind() {
            ra::PAD => Pad(v.to_vec()),
            ra::FAMILY => Family(parse_u8("family", v)?.into()),
            ra::DST => Dst(parse_ip("dst", v)?),
            ra::PREFIX_LEN => PrefixLen(parse_u8("prefix-len", v)?),
            ra::VIA => Via(parse_ip("via", v)?),
            ra::FLAGS => Flags(RouteFlags(parse_u32("flags", v)?)),
            ra::PREFERRED_UNTIL => PreferredUntil(parse_u64("preferred-until", v)?),
            ra::EXPIRES_AT => ExpiresAt(parse_u64("expires-at", v)?),
            ra::PREFERRED_LEFT => PreferredLeft(parse_u64("preferred-left", v)?),
            ra::EXPIRES_LEFT => ExpiresLeft(parse_u64("expires-left", v)?),
            ra::REFCNT => Refcnt(parse_u32("refcnt", v)?),
            ra::USE => Use(parse_u64("use", v)?),
            ra::PARENT_DST => ParentDst(parse_ip("parent-dst", v)?),
            ra::PARENT_PREFIX_LEN => ParentPrefixLen(parse_u8("parent-prefix-len", v)?),
            ra::REPORT => {
                if !v.is_empty() {
                    return Err("attribute report: a flag with a payload".into());
                }
                Report
            }
            ra::IGNFLAGS => Ignflags(RouteFlags(parse_u32("ignflags", v)?)),
            ra::ADDR => Addr(parse_ip("addr", v)?),
            ra::HANDLE => Handle(parse_u64("handle", v)?),
            ra::REASON => Reason(parse_u32("reason", v)?.into()),
            ra::ERROR => Error(parse_u32("error", v)?),
            ra::COUNT => Count(parse_u32("count", v)?),
            ra::NEW_VIA => NewVia(parse_ip("new-via", v)?),
            _ => Other(unknown(buf)),
        })
    }
}

/// An attribute of the `stats` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsAttr {
    Pad(Vec<u8>),
    RoutesInet(u32),
    RoutesInet6(u32),
    Clones(u32),
    Trash(u32),
    Holds(u32),
    Misses(u64),
    Resolves(u64),
    LifetimeRuns(u64),
    Other(UnknownAttr),
}

impl Nla for StatsAttr {
    fn value_len(&self) -> usize {
        use StatsAttr::*;
        match self {
            Pad(v) => v.len(),
            RoutesInet(_) | RoutesInet6(_) | Clones(_) | Trash(_) | Holds(_) => 4,
            Misses(_) | Resolves(_) | LifetimeRuns(_) => 8,
            Other(o) => o.value_len(),
        }
    }
    fn kind(&self) -> u16 {
        use StatsAttr::*;
        match self {
            Pad(_) => sa::PAD,
            RoutesInet(_) => sa::ROUTES_INET,
            RoutesInet6(_) => sa::ROUTES_INET6,
            Clones(_) => sa::CLONES,
            Trash(_) => sa::TRASH,
            Holds(_) => sa::HOLDS,
            Misses(_) => sa::MISSES,
            Resolves(_) => sa::RESOLVES,
            LifetimeRuns(_) => sa::LIFETIME_RUNS,
            Other(o) => o.kind(),
        }
    }
    fn emit_value(&self, buf: &mut [u8]) {
        use StatsAttr::*;
        match self {
            Pad(v) => buf.copy_from_slice(v),
            RoutesInet(v) | RoutesInet6(v) | Clones(v) | Trash(v) | Holds(v) => {
                buf.copy_from_slice(&v.to_ne_bytes())
            }
            Misses(v) | Resolves(v) | LifetimeRuns(v) => buf.copy_from_slice(&v.to_ne_bytes()),
            Other(o) => o.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for StatsAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        use StatsAttr::*;
        let v = buf.value();
        if buf.nested_flag() || buf.network_byte_order_flag() {
            return Ok(Other(unknown(buf)));
        }
        Ok(match buf.kind() {
            sa::PAD => Pad(v.to_vec()),
            sa::ROUTES_INET => RoutesInet(parse_u32("routes-inet", v)?),
            sa::ROUTES_INET6 => RoutesInet6(parse_u32("routes-inet6", v)?),
            sa::CLONES => Clones(parse_u32("clones", v)?),
            sa::TRASH => Trash(parse_u32("trash", v)?),
            sa::HOLDS => Holds(parse_u32("holds", v)?),
            sa::MISSES => Misses(parse_u64("misses", v)?),
            sa::RESOLVES => Resolves(parse_u64("resolves", v)?),
            sa::LIFETIME_RUNS => LifetimeRuns(parse_u64("lifetime-runs", v)?),
            _ => Other(unknown(buf)),
        })
    }
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

/// Name of a `route` attribute id, for error messages.
pub fn route_attr_name(kind: u16) -> Option<&'static str> {
    Some(match kind {
        ra::PAD => "pad",
        ra::FAMILY => "family",
        ra::DST => "dst",
        ra::PREFIX_LEN => "prefix-len",
        ra::VIA => "via",
        ra::FLAGS => "flags",
        ra::PREFERRED_UNTIL => "preferred-until",
        ra::EXPIRES_AT => "expires-at",
        ra::PREFERRED_LEFT => "preferred-left",
        ra::EXPIRES_LEFT => "expires-left",
        ra::REFCNT => "refcnt",
        ra::USE => "use",
        ra::PARENT_DST => "parent-dst",
        ra::PARENT_PREFIX_LEN => "parent-prefix-len",
        ra::REPORT => "report",
        ra::IGNFLAGS => "ignflags",
        ra::ADDR => "addr",
        ra::HANDLE => "handle",
        ra::REASON => "reason",
        ra::ERROR => "error",
        ra::COUNT => "count",
        ra::NEW_VIA => "new-via",
        _ => return None,
    })
}

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

/// A value as an attribute carries it: integers in host byte order,
/// addresses as their 4 or 16 bytes, bytes as they are.
pub(crate) trait AttrValue: Sized {
    fn wire_len(&self) -> usize;
    fn write(&self, buf: &mut [u8]);
    fn read(bytes: &[u8]) -> Result<Self, DecodeError>;
}

impl AttrValue for u8 {
    fn wire_len(&self) -> usize {
        1
    }
    fn write(&self, buf: &mut [u8]) {
        buf[0] = *self;
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        netlink_packet_core::parse_u8(bytes)
    }
}

impl AttrValue for u32 {
    fn wire_len(&self) -> usize {
        4
    }
    fn write(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.to_ne_bytes());
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        netlink_packet_core::parse_u32(bytes)
    }
}

impl AttrValue for u64 {
    fn wire_len(&self) -> usize {
        8
    }
    fn write(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.to_ne_bytes());
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        netlink_packet_core::parse_u64(bytes)
    }
}

impl AttrValue for IpAddr {
    fn wire_len(&self) -> usize {
        ip_len(self)
    }
    fn write(&self, buf: &mut [u8]) {
        emit_ip(self, buf)
    }
    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {
        netlink_packet_core::parse_ip(bytes)
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
