// SPDX-License-Identifier: GPL-2.0-only

//! Errors, with the kernel's extended ack (extack) kept and shown.

use std::fmt;
use std::io;

use netlink_packet_core::{DecodeError, NlasIterator, NLM_F_ACK_TLVS, NLM_F_CAPPED};

use crate::proto::route_attr;

/// `struct nlmsgerr` extended-ack attributes (`NLMSGERR_ATTR_*`, linux/netlink.h).
mod nlmsgerr_attr {
    pub const MSG: u16 = 1;
    pub const OFFS: u16 = 2;
    pub const MISS_TYPE: u16 = 5;
    pub const MISS_NEST: u16 = 6;
}

/// The extended ack the kernel attached to an error or a dump's done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extack {
    /// NLMSGERR_ATTR_MSG: the human-readable message.
    pub msg: Option<String>,
    /// NLMSGERR_ATTR_OFFS: offset of the offending attribute in the request.
    pub offset: Option<u32>,
    /// Name of the attribute at `offset`, when it could be found.
    pub bad_attr: Option<String>,
    /// NLMSGERR_ATTR_MISS_TYPE: a required attribute that was missing.
    pub missing_type: Option<u16>,
    /// NLMSGERR_ATTR_MISS_NEST: the nest it was missing from.
    pub missing_nest: Option<u32>,
}

impl Extack {
    /// Parse extack TLVs (the part after the echoed request).
    pub fn parse(tlvs: &[u8]) -> Extack {
        let mut e = Extack::default();
        for nla in NlasIterator::new(tlvs).flatten() {
            let v = nla.value();
            match nla.kind() {
                nlmsgerr_attr::MSG => {
                    let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
                    e.msg = Some(String::from_utf8_lossy(&v[..end]).into_owned());
                }
                nlmsgerr_attr::OFFS if v.len() == 4 => {
                    e.offset = Some(u32::from_ne_bytes(v.try_into().unwrap()));
                }
                nlmsgerr_attr::MISS_TYPE if v.len() == 4 => {
                    e.missing_type = Some(u32::from_ne_bytes(v.try_into().unwrap()) as u16);
                }
                nlmsgerr_attr::MISS_NEST if v.len() == 4 => {
                    e.missing_nest = Some(u32::from_ne_bytes(v.try_into().unwrap()));
                }
                _ => {}
            }
        }
        e
    }

    /// Parse the payload of an NLMSG_ERROR after its error code: the echoed
    /// request (its header only when `NLM_F_CAPPED`), then TLVs when
    /// `NLM_F_ACK_TLVS`. The bad attribute offset is resolved to a name
    /// using the echoed request when it is there, if it was an rtemu
    /// message (`family_id`).
    pub fn from_error_payload(flags: u16, echoed: &[u8]) -> Extack {
        Self::from_error_payload_of(flags, echoed, None)
    }

    /// Like [`Extack::from_error_payload`], naming a bad attribute only
    /// when the echoed request was of `family_id` (any when None).
    pub fn from_error_payload_of(flags: u16, echoed: &[u8], family_id: Option<u16>) -> Extack {
        const NLMSG_HDRLEN: usize = 16;
        const GENL_HDRLEN: usize = 4;
        if echoed.len() < NLMSG_HDRLEN {
            return Extack::default();
        }
        let orig_len = u32::from_ne_bytes(echoed[0..4].try_into().unwrap()) as usize;
        let skip = if flags & NLM_F_CAPPED != 0 {
            NLMSG_HDRLEN
        } else {
            orig_len.div_ceil(4) * 4
        };
        let mut e = if flags & NLM_F_ACK_TLVS != 0 && echoed.len() > skip {
            Extack::parse(&echoed[skip..])
        } else {
            Extack::default()
        };
        let echoed_type = u16::from_ne_bytes([echoed[4], echoed[5]]);
        let ours = family_id.is_none_or(|id| id == echoed_type);
        if let (Some(off), true) = (e.offset, ours) {
            let off = off as usize;
            let attrs_at = NLMSG_HDRLEN + GENL_HDRLEN;
            if flags & NLM_F_CAPPED == 0 && off >= attrs_at && orig_len <= echoed.len() {
                let mut pos = attrs_at;
                for nla in NlasIterator::new(&echoed[attrs_at..orig_len]).flatten() {
                    if pos == off {
                        e.bad_attr = route_attr::name(nla.kind()).map(str::to_string);
                        break;
                    }
                    pos += (nla.length() as usize).div_ceil(4) * 4;
                }
            }
        }
        e
    }

    fn is_empty(&self) -> bool {
        self.msg.is_none() && self.bad_attr.is_none() && self.missing_type.is_none()
    }
}

impl fmt::Display for Extack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(m) = &self.msg {
            parts.push(m.clone());
        }
        if let Some(a) = &self.bad_attr {
            parts.push(format!("bad attribute {a}"));
        }
        if let Some(t) = self.missing_type {
            parts.push(format!(
                "missing attribute {}",
                route_attr::name(t)
                    .map(str::to_string)
                    .unwrap_or_else(|| t.to_string())
            ));
        }
        f.write_str(&parts.join("; "))
    }
}

/// A failure reported by the kernel: a positive errno and its extack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelError {
    /// Positive Linux errno.
    pub errno: i32,
    pub extack: Extack,
}

/// The C library's description of an errno, without "(os error N)".
pub fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.extack.is_empty() {
            write!(f, "{}", strerror(self.errno))
        } else {
            write!(f, "{} ({})", self.extack, strerror(self.errno))
        }
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kernel refused a request; shows the extack message.
    #[error("{0}")]
    Kernel(KernelError),
    #[error("netlink socket: {0}")]
    Io(#[from] io::Error),
    #[error("malformed netlink message: {0}")]
    Decode(#[from] DecodeError),
    #[error("generic netlink family {0:?} not found (is the rtemu module loaded?)")]
    FamilyNotFound(String),
    #[error("multicast group {0:?} not found in the rtemu family")]
    GroupNotFound(String),
    /// The socket's receive buffer overflowed (ENOBUFS): events were lost
    /// and the listener must resynchronise with a dump.
    #[error("events lost: receive buffer overrun (ENOBUFS)")]
    Overrun,
    /// A datagram larger than the buffer it was received into: its tail
    /// is lost, so what it carried is not used.
    #[error("netlink datagram of {len} bytes does not fit the {room}-byte receive buffer")]
    Truncated { len: usize, room: usize },
    #[error("unexpected netlink traffic: {0}")]
    Protocol(String),
}

impl Error {
    /// The Linux errno behind the error, when there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Kernel(k) => Some(k.errno),
            Error::Io(e) => e.raw_os_error(),
            Error::Overrun => Some(libc::ENOBUFS),
            Error::Truncated { .. } => Some(libc::EMSGSIZE),
            Error::FamilyNotFound(_) | Error::GroupNotFound(_) => Some(libc::ENOENT),
            Error::Decode(_) | Error::Protocol(_) => Some(libc::EPROTO),
        }
    }

    /// The extack of a kernel error.
    pub fn extack(&self) -> Option<&Extack> {
        match self {
            Error::Kernel(k) => Some(&k.extack),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
