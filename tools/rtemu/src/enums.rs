// SPDX-License-Identifier: GPL-2.0-only

//! The spec's enums as users name them: the address family ([`Family`]) and
//! the reason a route was deleted ([`DeleteReason`]), each with its spec name,
//! shown and parsed.

use std::fmt;
use std::net::IpAddr;

/// Address family of a route (`enum rtemu_af`).
pub use crate::proto::Af as Family;
use crate::proto::DeleteReason;

impl Family {
    pub fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Inet,
            IpAddr::V6(_) => Family::Inet6,
        }
    }

    /// The spec's name, `af` and the number for a value it does not name.
    pub fn name(self) -> String {
        self.spec_name()
            .map_or_else(|| format!("af{}", u8::from(self)), str::to_string)
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
            "ipv4" | "4" => Ok(Family::Inet),
            "ipv6" | "6" => Ok(Family::Inet6),
            _ => Family::from_spec_name(s)
                .ok_or_else(|| format!("unknown address family {s:?} (inet or inet6)")),
        }
    }
}

impl DeleteReason {
    /// The spec's name, `reason` and the number for a value it does not name.
    pub fn name(self) -> String {
        self.spec_name()
            .map_or_else(|| format!("reason{}", u32::from(self)), str::to_string)
    }
}

impl fmt::Display for DeleteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}
