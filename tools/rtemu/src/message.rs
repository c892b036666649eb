// SPDX-License-Identifier: GPL-2.0-only

//! The generic netlink payload of the rtemu family: a command and its
//! attributes. This is the raw layer; [`crate::types`] builds typed
//! requests, replies and events on top of it.

use netlink_packet_core::{
    DecodeError, Emitable, NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized,
    NLM_F_REQUEST,
};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};

use crate::attr::{parse_all, RouteAttr, StatsAttr};
use crate::consts::{self, cmd as c};

/// A command of the family (`RTEMU_CMD_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    RouteAdd,
    RouteRemove,
    RouteClear,
    RouteGet,
    RouteList,
    RouteChange,
    RouteHold,
    RouteRelease,
    StatsGet,
    AddNtf,
    DeleteNtf,
    ChangeNtf,
    ExpireNtf,
    DeprecateNtf,
    ClearNtf,
    ResolveNtf,
    MissNtf,
    /// A command this crate does not know.
    Other(u8),
}

impl From<u8> for Cmd {
    fn from(v: u8) -> Cmd {
        match v {
            c::ROUTE_ADD => Cmd::RouteAdd,
            c::ROUTE_REMOVE => Cmd::RouteRemove,
            c::ROUTE_CLEAR => Cmd::RouteClear,
            c::ROUTE_GET => Cmd::RouteGet,
            c::ROUTE_LIST => Cmd::RouteList,
            c::ROUTE_CHANGE => Cmd::RouteChange,
            c::ROUTE_HOLD => Cmd::RouteHold,
            c::ROUTE_RELEASE => Cmd::RouteRelease,
            c::STATS_GET => Cmd::StatsGet,
            c::ADD_NTF => Cmd::AddNtf,
            c::DELETE_NTF => Cmd::DeleteNtf,
            c::CHANGE_NTF => Cmd::ChangeNtf,
            c::EXPIRE_NTF => Cmd::ExpireNtf,
            c::DEPRECATE_NTF => Cmd::DeprecateNtf,
            c::CLEAR_NTF => Cmd::ClearNtf,
            c::RESOLVE_NTF => Cmd::ResolveNtf,
            c::MISS_NTF => Cmd::MissNtf,
            v => Cmd::Other(v),
        }
    }
}

impl From<Cmd> for u8 {
    fn from(v: Cmd) -> u8 {
        match v {
            Cmd::RouteAdd => c::ROUTE_ADD,
            Cmd::RouteRemove => c::ROUTE_REMOVE,
            Cmd::RouteClear => c::ROUTE_CLEAR,
            Cmd::RouteGet => c::ROUTE_GET,
            Cmd::RouteList => c::ROUTE_LIST,
            Cmd::RouteChange => c::ROUTE_CHANGE,
            Cmd::RouteHold => c::ROUTE_HOLD,
            Cmd::RouteRelease => c::ROUTE_RELEASE,
            Cmd::StatsGet => c::STATS_GET,
            Cmd::AddNtf => c::ADD_NTF,
            Cmd::DeleteNtf => c::DELETE_NTF,
            Cmd::ChangeNtf => c::CHANGE_NTF,
            Cmd::ExpireNtf => c::EXPIRE_NTF,
            Cmd::DeprecateNtf => c::DEPRECATE_NTF,
            Cmd::ClearNtf => c::CLEAR_NTF,
            Cmd::ResolveNtf => c::RESOLVE_NTF,
            Cmd::MissNtf => c::MISS_NTF,
            Cmd::Other(v) => v,
        }
    }
}

impl Cmd {
    /// Spec name of the command (`route-add`, `add-ntf`, ...).
    pub fn name(self) -> String {
        match self {
            Cmd::RouteAdd => "route-add".into(),
            Cmd::RouteRemove => "route-remove".into(),
            Cmd::RouteClear => "route-clear".into(),
            Cmd::RouteGet => "route-get".into(),
            Cmd::RouteList => "route-list".into(),
            Cmd::RouteChange => "route-change".into(),
            Cmd::RouteHold => "route-hold".into(),
            Cmd::RouteRelease => "route-release".into(),
            Cmd::StatsGet => "stats-get".into(),
            Cmd::AddNtf => "add-ntf".into(),
            Cmd::DeleteNtf => "delete-ntf".into(),
            Cmd::ChangeNtf => "change-ntf".into(),
            Cmd::ExpireNtf => "expire-ntf".into(),
            Cmd::DeprecateNtf => "deprecate-ntf".into(),
            Cmd::ClearNtf => "clear-ntf".into(),
            Cmd::ResolveNtf => "resolve-ntf".into(),
            Cmd::MissNtf => "miss-ntf".into(),
            Cmd::Other(v) => format!("cmd{v}"),
        }
    }
}

/// The attributes of a message: `stats-get` uses the `stats` set, every other
/// command the `route` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attrs {
    Route(Vec<RouteAttr>),
    Stats(Vec<StatsAttr>),
}

/// One rtemu generic netlink payload (after the genlmsghdr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtemuMessage {
    pub cmd: Cmd,
    pub attrs: Attrs,
}

impl RtemuMessage {
    pub fn route(cmd: Cmd, attrs: Vec<RouteAttr>) -> Self {
        RtemuMessage {
            cmd,
            attrs: Attrs::Route(attrs),
        }
    }

    /// The `route`-set attributes, or an empty slice for a stats message.
    pub fn route_attrs(&self) -> &[RouteAttr] {
        match &self.attrs {
            Attrs::Route(a) => a,
            Attrs::Stats(_) => &[],
        }
    }

    /// Wrap into a complete netlink message for `family_id`.
    pub fn into_netlink(
        self,
        family_id: u16,
        flags: u16,
        seq: u32,
    ) -> NetlinkMessage<GenlMessage<RtemuMessage>> {
        let mut genl = GenlMessage::from_payload(self);
        genl.set_resolved_family_id(family_id);
        let mut header = NetlinkHeader::default();
        header.flags = flags;
        header.sequence_number = seq;
        let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
        nl.finalize();
        nl
    }

    /// Encode as one netlink message (nlmsghdr + genlmsghdr + attributes)
    /// with exactly the given nlmsg_flags and a zero port id.
    pub fn encode(self, family_id: u16, flags: u16, seq: u32) -> Vec<u8> {
        let nl = self.into_netlink(family_id, flags, seq);
        let mut buf = vec![0u8; nl.buffer_len()];
        nl.serialize(&mut buf);
        buf
    }

    /// Encode as a request: `flags` plus NLM_F_REQUEST.
    pub fn encode_request(self, family_id: u16, flags: u16, seq: u32) -> Vec<u8> {
        self.encode(family_id, flags | NLM_F_REQUEST, seq)
    }

    /// Decode one netlink message known to carry an rtemu payload.
    pub fn decode(buf: &[u8]) -> Result<(NetlinkHeader, RtemuMessage), DecodeError> {
        let nl = NetlinkMessage::<GenlMessage<RtemuMessage>>::deserialize(buf)?;
        match nl.payload {
            NetlinkPayload::InnerMessage(genl) => Ok((nl.header, genl.payload)),
            other => Err(format!("not an rtemu message: {other:?}").into()),
        }
    }
}

impl GenlFamily for RtemuMessage {
    fn family_name() -> &'static str {
        consts::FAMILY_NAME
    }
    fn command(&self) -> u8 {
        self.cmd.into()
    }
    fn version(&self) -> u8 {
        consts::FAMILY_VERSION
    }
}

impl Emitable for RtemuMessage {
    fn buffer_len(&self) -> usize {
        match &self.attrs {
            Attrs::Route(a) => a.as_slice().buffer_len(),
            Attrs::Stats(a) => a.as_slice().buffer_len(),
        }
    }
    fn emit(&self, buffer: &mut [u8]) {
        match &self.attrs {
            Attrs::Route(a) => a.as_slice().emit(buffer),
            Attrs::Stats(a) => a.as_slice().emit(buffer),
        }
    }
}

impl ParseableParametrized<[u8], GenlHeader> for RtemuMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let cmd = Cmd::from(header.cmd);
        let attrs = if cmd == Cmd::StatsGet {
            Attrs::Stats(parse_all(buf)?)
        } else {
            Attrs::Route(parse_all(buf)?)
        };
        Ok(RtemuMessage { cmd, attrs })
    }
}
