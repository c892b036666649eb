// SPDX-License-Identifier: GPL-2.0-only

//! Userspace library of rtemu, BSD routing-socket semantics on Linux through
//! the `rtemu` generic netlink family.
//!
//! Layers, as in the rust-netlink crates:
//! - [`proto`]: the family as `include/rtemu.yaml` defines it, generated from
//!   it (`scripts/ynl-regen.sh`): numbers and names, commands, the attribute
//!   enums with their codec, enums and flags;
//! - [`attr`] and [`message`]: attribute values and the generic netlink
//!   payload, framed by `netlink-packet-core` / `netlink-packet-generic`;
//! - [`enums`]: the address family and delete reason by their spec names;
//! - [`types`]: typed requests, replies and events for every operation;
//! - [`socket`]: family/group resolution, requests with ack and extack,
//!   dumps, events, batches (over `netlink-sys`);
//! - [`handle`]: one method per operation;
//! - [`dump`]: route dumps kept as received, decoded route by route;
//! - [`wasix`]: the WASIX `port_route_*` calls with WASI errno values, and
//!   the rules every WASIX backend of the project keeps (`tools/rtemu-wasix`).
//!
//! Timestamps are `u64` nanoseconds on CLOCK_REALTIME.

pub mod attr;
pub mod dump;
pub mod enums;
pub mod error;
pub mod handle;
pub mod message;
pub mod proto;
pub mod socket;
pub mod types;
pub mod wasix;

pub use attr::UnknownAttr;
pub use dump::{RawRouteDump, RouteDump};
pub use enums::Family;
pub use error::{Error, Extack, KernelError, Result};
pub use handle::Handle;
pub use ipnet::IpNet;
pub use message::RtemuMessage;
pub use netlink_packet_core::DecodeError;
pub use proto::{Attrs, Cmd, DeleteReason, RouteAttr, RouteFlags, StatsAttr};
pub use socket::{BatchReport, FamilyInfo, Replies, Socket};
pub use types::{
    now, CountReply, Event, HoldReply, Request, Route, RouteAdd, RouteChange, RouteClear, RouteGet,
    RouteHold, RouteList, RouteRelease, RouteRemove, Stats, StatsGet, Timestamp, Typed,
};
