// SPDX-License-Identifier: GPL-2.0-only

//! The generic netlink payload of the rtemu family: a command and its
//! attributes. This is the raw layer; [`crate::types`] builds typed
//! requests, replies and events on top of it.

use netlink_packet_core::{
    DecodeError, Emitable, NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized,
    NLM_F_REQUEST,
};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};

use crate::proto::{self, Attrs, Cmd, RouteAttr};

impl Cmd {
    /// The spec's name (`route-add`, `add-ntf`, ...), `cmd` and the number for
    /// a command it does not name.
    pub fn name(self) -> String {
        self.spec_name()
            .map_or_else(|| format!("cmd{}", u8::from(self)), str::to_string)
    }
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
        proto::FAMILY_NAME
    }
    fn command(&self) -> u8 {
        self.cmd.into()
    }
    fn version(&self) -> u8 {
        proto::FAMILY_VERSION
    }
}

impl Emitable for RtemuMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for RtemuMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let cmd = Cmd::from(header.cmd);
        let attrs = Attrs::parse(cmd, buf)?;
        Ok(RtemuMessage { cmd, attrs })
    }
}
