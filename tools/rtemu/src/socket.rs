// SPDX-License-Identifier: GPL-2.0-only

//! The socket layer: a generic netlink socket bound to the rtemu family.
//!
//! Family and multicast groups are resolved by name through nlctrl. Requests
//! are sent with NLM_F_ACK and their reply and ack collected; errors carry
//! the kernel's extack. Dumps are read across as many `recvmsg` calls as the
//! kernel needs until NLMSG_DONE. Events that arrive while a request is in
//! flight are queued for [`Socket::next_event`]. A receive buffer overrun
//! (ENOBUFS) is surfaced as [`Error::Overrun`]; one during a dump is reported
//! by the next [`Socket::next_event`] instead, after the dump completes. A
//! request's own ack can be dropped too when the buffer is full of events,
//! so listeners are best paired with a second socket for their requests.

use std::collections::{HashMap, VecDeque};
use std::io;

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP,
    NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::{GenlCtrlAttrs, McastGrpAttrs};
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::GenlMessage;
use netlink_sys::{protocols::NETLINK_GENERIC, Socket as NlSocket, SocketAddr};

use crate::error::{Error, Extack, KernelError, Result};
use crate::message::RtemuMessage;
use crate::proto;
use crate::types::{Event, Request, Typed};

/// Requests sent in one `sendmsg` by [`Socket::batch`] before a barrier.
pub const BATCH_CHUNK: usize = 64;

/// A resolved family: its id and multicast groups by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyInfo {
    pub id: u16,
    pub version: u32,
    pub groups: HashMap<String, u32>,
}

/// Replies of a request, and whether the kernel marked a dump interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replies {
    pub msgs: Vec<RtemuMessage>,
    /// NLM_F_DUMP_INTR was set: the table changed during the dump.
    pub interrupted: bool,
}

/// The result of [`Socket::batch`].
#[derive(Debug, Default)]
pub struct BatchReport {
    /// Requests sent.
    pub sent: usize,
    /// Failures, by index in the batch, in the order they came back.
    pub errors: Vec<(usize, Error)>,
}

/// A generic netlink socket talking to the rtemu family.
pub struct Socket {
    sock: NlSocket,
    family: FamilyInfo,
    seq: u32,
    port: u32,
    pending: VecDeque<RtemuMessage>,
    /// ENOBUFS seen during a dump, not yet reported by `next_event`.
    overrun: bool,
}

fn kernel_error(flags: u16, code: i32, echoed: &[u8], family_id: u16) -> Error {
    Error::Kernel(KernelError {
        errno: -code,
        extack: Extack::from_error_payload_of(flags, echoed, Some(family_id)),
    })
}

/// Split a datagram into its netlink messages (lengths from each header,
/// read through `NetlinkBuffer`).
fn split(buf: &[u8]) -> Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < buf.len() {
        let nb = NetlinkBuffer::new_checked(&buf[off..])?;
        let len = nb.length() as usize;
        out.push(&buf[off..off + len]);
        off += len.div_ceil(4) * 4;
    }
    Ok(out)
}

fn header_of(raw: &[u8]) -> Result<NetlinkHeader> {
    use netlink_packet_core::Parseable;
    Ok(NetlinkHeader::parse(&NetlinkBuffer::new_checked(raw)?)?)
}

impl Socket {
    /// Open a socket and resolve the rtemu family and its groups.
    pub fn connect() -> Result<Socket> {
        Self::connect_family(proto::FAMILY_NAME)
    }

    /// Open a socket and resolve a family of the given name (tests and
    /// forks of the family under another name).
    pub fn connect_family(name: &str) -> Result<Socket> {
        let mut sock = NlSocket::new(NETLINK_GENERIC)?;
        let addr = sock.bind_auto()?;
        // Older kernels lack these options; errors then carry no extack.
        let _ = sock.set_ext_ack(true);
        let mut s = Socket {
            sock,
            family: FamilyInfo {
                id: 0,
                version: 0,
                groups: HashMap::new(),
            },
            seq: 0,
            port: addr.port_number(),
            pending: VecDeque::new(),
            overrun: false,
        };
        s.family = s.resolve_family(name)?;
        Ok(s)
    }

    pub fn family(&self) -> &FamilyInfo {
        &self.family
    }

    /// The underlying netlink socket (for poll, buffer sizes, ...).
    pub fn raw(&self) -> &NlSocket {
        &self.sock
    }

    /// Set SO_RCVBUF, e.g. larger for a monitor.
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<()> {
        self.sock.set_rx_buf_sz(bytes)?;
        Ok(())
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1).max(1);
        self.seq
    }

    fn send(&self, buf: &[u8]) -> Result<()> {
        self.sock.send_to(buf, &SocketAddr::new(0, 0), 0)?;
        Ok(())
    }

    fn recv(&self) -> Result<Vec<u8>> {
        match self.sock.recv_from_full() {
            Ok((buf, _)) => Ok(buf),
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => Err(Error::Overrun),
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// Resolve a generic netlink family and its multicast groups by name.
    pub fn resolve_family(&mut self, name: &str) -> Result<FamilyInfo> {
        let seq = self.next_seq();
        let ctrl = GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(name.to_string())],
        };
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK;
        header.sequence_number = seq;
        let mut nl = NetlinkMessage::new(
            header,
            NetlinkPayload::InnerMessage(GenlMessage::from_payload(ctrl)),
        );
        nl.finalize();
        let mut buf = vec![0; nl.buffer_len()];
        nl.serialize(&mut buf);
        self.send(&buf)?;

        let mut info = None;
        loop {
            let dgram = self.recv()?;
            for raw in split(&dgram)? {
                let hdr = header_of(raw)?;
                if hdr.sequence_number != seq {
                    continue;
                }
                match NetlinkMessage::<GenlMessage<GenlCtrl>>::deserialize(raw)?.payload {
                    NetlinkPayload::InnerMessage(m) => info = Some(family_info(&m.payload)),
                    NetlinkPayload::Error(e) => match e.code {
                        None => {
                            return info
                                .flatten()
                                .ok_or_else(|| Error::FamilyNotFound(name.to_string()))
                        }
                        Some(c) if c.get() == -libc::ENOENT => {
                            return Err(Error::FamilyNotFound(name.to_string()))
                        }
                        Some(c) => {
                            return Err(kernel_error(hdr.flags, c.get(), &e.header, self.family.id))
                        }
                    },
                    _ => {}
                }
            }
        }
    }

    /// Send one request and collect its replies up to the ack (or, for a
    /// dump, up to NLMSG_DONE).
    pub fn transact(&mut self, msg: RtemuMessage, dump: bool) -> Result<Replies> {
        let seq = self.next_seq();
        let flags = if dump { NLM_F_DUMP } else { NLM_F_ACK };
        self.send(&msg.encode_request(self.family.id, flags, seq))?;
        let mut out = Replies {
            msgs: Vec::new(),
            interrupted: false,
        };
        loop {
            let dgram = match self.recv() {
                // ENOBUFS on a socket that also listens: events were lost,
                // not the dump (the kernel queues dump parts only when there
                // is room). Finish the dump, which also keeps the socket
                // usable (a new dump while this one runs is EBUSY), and
                // report the overrun as the next event.
                Err(Error::Overrun) if dump => {
                    self.overrun = true;
                    continue;
                }
                r => r?,
            };
            for raw in split(&dgram)? {
                let hdr = header_of(raw)?;
                if hdr.sequence_number != seq || hdr.port_number != self.port {
                    self.stash(raw, &hdr);
                    continue;
                }
                if hdr.flags & NLM_F_DUMP_INTR != 0 {
                    out.interrupted = true;
                }
                match NetlinkMessage::<GenlMessage<RtemuMessage>>::deserialize(raw)?.payload {
                    // A notification stamped with our request's seq and port
                    // (genl_notify with the request's info) is an event.
                    NetlinkPayload::InnerMessage(m) if m.payload.cmd.is_notification() => {
                        self.pending.push_back(m.payload)
                    }
                    NetlinkPayload::InnerMessage(m) => out.msgs.push(m.payload),
                    NetlinkPayload::Error(e) => match e.code {
                        None => return Ok(out),
                        Some(c) => {
                            return Err(kernel_error(hdr.flags, c.get(), &e.header, self.family.id))
                        }
                    },
                    NetlinkPayload::Done(d) => {
                        if d.code < 0 {
                            return Err(Error::Kernel(KernelError {
                                errno: -d.code,
                                extack: Extack::parse(&d.extended_ack),
                            }));
                        }
                        return Ok(out);
                    }
                    NetlinkPayload::Overrun(_) => return Err(Error::Overrun),
                    _ => {}
                }
            }
        }
    }

    /// Keep an event that arrived while waiting for a reply.
    fn stash(&mut self, raw: &[u8], hdr: &NetlinkHeader) {
        if hdr.message_type == self.family.id && hdr.sequence_number == 0 {
            if let Ok((_, m)) = RtemuMessage::decode(raw) {
                self.pending.push_back(m);
            }
        }
    }

    /// Do a typed request.
    pub fn request<R: Request>(&mut self, req: &R) -> Result<R::Reply> {
        let replies = self.transact(req.to_message(), R::DUMP)?;
        Ok(R::reply(replies.msgs)?)
    }

    /// Do a typed dump request; also tells whether the dump was interrupted.
    pub fn dump<R: Request>(&mut self, req: &R) -> Result<(R::Reply, bool)> {
        let replies = self.transact(req.to_message(), true)?;
        let intr = replies.interrupted;
        Ok((R::reply(replies.msgs)?, intr))
    }

    /// Join a multicast group of the family by name (`monitor`, `resolve`).
    pub fn subscribe(&mut self, group: &str) -> Result<()> {
        let id = *self
            .family
            .groups
            .get(group)
            .ok_or_else(|| Error::GroupNotFound(group.to_string()))?;
        self.sock.add_membership(id)?;
        Ok(())
    }

    /// Leave a multicast group.
    pub fn unsubscribe(&mut self, group: &str) -> Result<()> {
        let id = *self
            .family
            .groups
            .get(group)
            .ok_or_else(|| Error::GroupNotFound(group.to_string()))?;
        self.sock.drop_membership(id)?;
        Ok(())
    }

    /// The next event, blocking. A receive buffer overrun returns
    /// [`Error::Overrun`]: events were lost; dump to resynchronise.
    pub fn next_event(&mut self) -> Result<Event> {
        if std::mem::take(&mut self.overrun) {
            return Err(Error::Overrun);
        }
        loop {
            if let Some(m) = self.pending.pop_front() {
                return Ok(Event::from_message(&m)?);
            }
            let dgram = self.recv()?;
            for raw in split(&dgram)? {
                let hdr = header_of(raw)?;
                if hdr.message_type == self.family.id {
                    let (_, m) = RtemuMessage::decode(raw)?;
                    self.pending.push_back(m);
                } else if hdr.message_type == netlink_packet_core::NLMSG_ERROR {
                    // genl_set_err(): a listener is told an event was lost.
                    let nl = NetlinkMessage::<GenlMessage<RtemuMessage>>::deserialize(raw)?;
                    if let NetlinkPayload::Error(e) = nl.payload {
                        if let Some(c) = e.code {
                            return Err(kernel_error(
                                hdr.flags,
                                c.get(),
                                &e.header,
                                self.family.id,
                            ));
                        }
                    }
                }
            }
        }
    }

    /// Stream requests without NLM_F_ACK, [`BATCH_CHUNK`] to a `sendmsg`,
    /// each chunk followed by an acknowledged nlctrl barrier. The kernel
    /// answers only failures (and the replies of requests that have one,
    /// which are dropped), so a bulk load costs one round trip per chunk.
    pub fn batch(&mut self, msgs: Vec<RtemuMessage>) -> Result<BatchReport> {
        let mut report = BatchReport::default();
        let mut index = 0usize;
        let mut msgs = msgs.into_iter().peekable();
        while msgs.peek().is_some() {
            let mut buf = Vec::new();
            let mut seqs = HashMap::new();
            for m in msgs.by_ref().take(BATCH_CHUNK) {
                let seq = self.next_seq();
                seqs.insert(seq, index);
                index += 1;
                buf.extend(m.encode_request(self.family.id, 0, seq));
            }
            let barrier = self.next_seq();
            buf.extend(barrier_message(&self.family, barrier));
            self.send(&buf)?;
            report.sent += seqs.len();
            'chunk: loop {
                let dgram = self.recv()?;
                for raw in split(&dgram)? {
                    let hdr = header_of(raw)?;
                    if hdr.port_number != self.port {
                        self.stash(raw, &hdr);
                        continue;
                    }
                    if hdr.message_type != netlink_packet_core::NLMSG_ERROR {
                        continue;
                    }
                    let nl = NetlinkMessage::<GenlMessage<RtemuMessage>>::deserialize(raw)?;
                    let NetlinkPayload::Error(e) = nl.payload else {
                        continue;
                    };
                    if hdr.sequence_number == barrier {
                        if let Some(c) = e.code {
                            return Err(kernel_error(
                                hdr.flags,
                                c.get(),
                                &e.header,
                                self.family.id,
                            ));
                        }
                        break 'chunk;
                    }
                    if let (Some(c), Some(&i)) = (e.code, seqs.get(&hdr.sequence_number)) {
                        report.errors.push((
                            i,
                            kernel_error(hdr.flags, c.get(), &e.header, self.family.id),
                        ));
                    }
                }
            }
        }
        Ok(report)
    }
}

/// An nlctrl get-family of our own family, with NLM_F_ACK: its ack marks
/// the end of a batch chunk (netlink handles a socket's messages in order).
fn barrier_message(family: &FamilyInfo, seq: u32) -> Vec<u8> {
    let ctrl = GenlCtrl {
        cmd: GenlCtrlCmd::GetFamily,
        nlas: vec![GenlCtrlAttrs::FamilyId(family.id)],
    };
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_ACK;
    header.sequence_number = seq;
    let mut nl = NetlinkMessage::new(
        header,
        NetlinkPayload::InnerMessage(GenlMessage::from_payload(ctrl)),
    );
    nl.finalize();
    let mut buf = vec![0; nl.buffer_len()];
    nl.serialize(&mut buf);
    buf
}

fn family_info(ctrl: &GenlCtrl) -> Option<FamilyInfo> {
    let mut info = FamilyInfo {
        id: 0,
        version: 0,
        groups: HashMap::new(),
    };
    for a in &ctrl.nlas {
        match a {
            GenlCtrlAttrs::FamilyId(id) => info.id = *id,
            GenlCtrlAttrs::Version(v) => info.version = *v,
            GenlCtrlAttrs::McastGroups(groups) => {
                for g in groups {
                    let mut name = None;
                    let mut id = None;
                    for ga in g {
                        match ga {
                            McastGrpAttrs::Name(n) => name = Some(n.clone()),
                            McastGrpAttrs::Id(i) => id = Some(*i),
                        }
                    }
                    if let (Some(n), Some(i)) = (name, id) {
                        info.groups.insert(n, i);
                    }
                }
            }
            _ => {}
        }
    }
    (info.id != 0).then_some(info)
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e.errno() {
            Some(n) => io::Error::new(io::Error::from_raw_os_error(n).kind(), e.to_string()),
            None => io::Error::other(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Cmd;

    #[test]
    fn split_two_messages() {
        // Two NLMSG_NOOP messages of 16 and 20 bytes in one datagram.
        let mut buf = Vec::new();
        buf.extend(16u32.to_ne_bytes());
        buf.extend(1u16.to_ne_bytes());
        buf.extend([0u8; 10]);
        buf.extend(20u32.to_ne_bytes());
        buf.extend(1u16.to_ne_bytes());
        buf.extend([0u8; 14]);
        let parts = split(&buf).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].len(), 20);
    }

    #[test]
    fn notifications_are_told_apart_from_replies() {
        assert!(Cmd::ResolveNtf.is_notification());
        assert!(Cmd::ClearNtf.is_notification());
        assert!(!Cmd::RouteGet.is_notification());
        assert!(!Cmd::RouteList.is_notification());
        assert!(!Cmd::Other(200).is_notification());
    }

    #[test]
    fn family_info_from_ctrl() {
        let ctrl = GenlCtrl {
            cmd: GenlCtrlCmd::NewFamily,
            nlas: vec![
                GenlCtrlAttrs::FamilyId(0x1c),
                GenlCtrlAttrs::FamilyName("rtemu".into()),
                GenlCtrlAttrs::Version(1),
                GenlCtrlAttrs::McastGroups(vec![
                    vec![McastGrpAttrs::Name("monitor".into()), McastGrpAttrs::Id(9)],
                    vec![McastGrpAttrs::Id(10), McastGrpAttrs::Name("resolve".into())],
                ]),
            ],
        };
        let info = family_info(&ctrl).unwrap();
        assert_eq!(info.id, 0x1c);
        assert_eq!(info.groups["monitor"], 9);
        assert_eq!(info.groups["resolve"], 10);
    }
}
