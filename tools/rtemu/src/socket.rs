// SPDX-License-Identifier: GPL-2.0-only

//! The socket layer: a generic netlink socket bound to the rtemu family.
//!
//! Family and multicast groups are resolved by name through nlctrl. Requests
//! are sent with NLM_F_ACK and their reply and ack collected; errors carry
//! the kernel's extack. Dumps are read across as many `recvmsg` calls as the
//! kernel needs until NLMSG_DONE, each reply handed over as received
//! ([`Socket::dump_each`]) or collected ([`Socket::transact`]). Every datagram is
//! received into one reused buffer of [`RECV_BUF_LEN`] bytes. Events that
//! arrive while a request is in flight are queued for [`Socket::next_event`].
//! A receive buffer overrun (ENOBUFS) is surfaced as [`Error::Overrun`]; one
//! during a dump is reported by the next [`Socket::next_event`] instead,
//! after the dump completes. A request's own ack can be dropped too when the
//! buffer is full of events, so listeners are best paired with a second
//! socket for their requests.

use std::collections::{HashMap, VecDeque};
use std::io;

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLMSG_DONE, NLMSG_ERROR,
    NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_generic::constants::GENL_HDRLEN;
use netlink_packet_generic::ctrl::nlas::{GenlCtrlAttrs, McastGrpAttrs};
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlHeader, GenlMessage};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket as NlSocket, SocketAddr};

use crate::error::{Error, Extack, KernelError, Result};
use crate::message::RtemuMessage;
use crate::proto::{self, Cmd};
use crate::types::{Event, Request, Typed};

/// Requests sent in one `sendmsg` by [`Socket::batch`] before a barrier.
pub const BATCH_CHUNK: usize = 64;

/// Bytes of the buffer every datagram is received into. The kernel sizes
/// the datagrams of a dump by the largest buffer the socket has received
/// into (`max_recvmsg_len` in `netlink_recvmsg()`, capped there at
/// `SKB_WITH_OVERHEAD(32768)`), so receiving into 32 KiB, as iproute2 does,
/// gets about 380 IPv4 routes a datagram where a page-sized buffer gets 45.
/// Nothing the family sends is larger; a datagram that is anyway is
/// reported as [`Error::Truncated`], never cut short silently.
pub const RECV_BUF_LEN: usize = 32 * 1024;

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
    rx: RecvBuf,
    family: FamilyInfo,
    seq: u32,
    port: u32,
    pending: VecDeque<RtemuMessage>,
    /// ENOBUFS seen during a dump, not yet reported by `next_event`.
    overrun: bool,
}

/// The buffer datagrams are received into, reused for each.
struct RecvBuf(Box<[u8]>);

impl RecvBuf {
    fn new() -> RecvBuf {
        RecvBuf(vec![0; RECV_BUF_LEN].into_boxed_slice())
    }

    /// Receive one datagram. MSG_TRUNC makes the kernel return the
    /// datagram's full length, so one that did not fit is detected (and
    /// reported: its tail is gone) rather than parsed as if it were whole.
    fn recv(&mut self, sock: &NlSocket) -> Result<&[u8]> {
        let mut room = &mut self.0[..];
        let len = match sock.recv(&mut room, libc::MSG_TRUNC) {
            Ok(len) => len,
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => return Err(Error::Overrun),
            Err(e) => return Err(Error::Io(e)),
        };
        if len > self.0.len() {
            return Err(Error::Truncated {
                len,
                room: self.0.len(),
            });
        }
        Ok(&self.0[..len])
    }
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

/// The command and the attribute bytes of one generic netlink message.
pub fn genl_parts(raw: &[u8]) -> Result<(Cmd, &[u8])> {
    let payload = NetlinkBuffer::new_checked(raw)?.payload();
    let cmd = GenlHeader::parse(payload)?.cmd;
    Ok((Cmd::from(cmd), &payload[GENL_HDRLEN..]))
}

/// Keep an event that arrived while waiting for a reply: a message of the
/// family stamped with no request's sequence number.
fn stash(pending: &mut VecDeque<RtemuMessage>, family_id: u16, raw: &[u8], hdr: &NetlinkHeader) {
    if hdr.message_type == family_id && hdr.sequence_number == 0 {
        if let Ok((_, m)) = RtemuMessage::decode(raw) {
            pending.push_back(m);
        }
    }
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
            rx: RecvBuf::new(),
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
            let dgram = self.rx.recv(&self.sock)?;
            for raw in split(dgram)? {
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
        let mut msgs = Vec::new();
        let interrupted = self.exchange(msg, dump, |raw| {
            msgs.push(RtemuMessage::decode(raw)?.1);
            Ok(())
        })?;
        Ok(Replies { msgs, interrupted })
    }

    /// Send one request and hand each of its replies to `reply`, as the
    /// complete netlink message received ([`genl_parts`] splits it), up to
    /// the ack (or, for a dump, up to NLMSG_DONE). Returns whether the
    /// kernel marked the dump interrupted. Notifications and other
    /// traffic that arrive meanwhile are kept for [`Socket::next_event`].
    fn exchange(
        &mut self,
        msg: RtemuMessage,
        dump: bool,
        mut reply: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<bool> {
        let seq = self.next_seq();
        let flags = if dump { NLM_F_DUMP } else { NLM_F_ACK };
        self.send(&msg.encode_request(self.family.id, flags, seq))?;
        let mut interrupted = false;
        loop {
            let dgram = match self.rx.recv(&self.sock) {
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
            for raw in split(dgram)? {
                let hdr = header_of(raw)?;
                if hdr.sequence_number != seq || hdr.port_number != self.port {
                    stash(&mut self.pending, self.family.id, raw, &hdr);
                    continue;
                }
                if hdr.flags & NLM_F_DUMP_INTR != 0 {
                    interrupted = true;
                }
                if !matches!(
                    hdr.message_type,
                    NLMSG_NOOP | NLMSG_ERROR | NLMSG_DONE | NLMSG_OVERRUN
                ) {
                    // A notification stamped with our request's seq and
                    // port (genl_notify with the request's info) is an
                    // event; anything else of ours is a reply.
                    if genl_parts(raw)?.0.is_notification() {
                        self.pending.push_back(RtemuMessage::decode(raw)?.1);
                    } else {
                        reply(raw)?;
                    }
                    continue;
                }
                match NetlinkMessage::<GenlMessage<RtemuMessage>>::deserialize(raw)?.payload {
                    NetlinkPayload::Error(e) => match e.code {
                        None => return Ok(interrupted),
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
                        return Ok(interrupted);
                    }
                    NetlinkPayload::Overrun(_) => return Err(Error::Overrun),
                    _ => {}
                }
            }
        }
    }

    /// Do a typed request.
    pub fn request<R: Request>(&mut self, req: &R) -> Result<R::Reply> {
        let replies = self.transact(req.to_message(), R::DUMP)?;
        Ok(R::reply(replies.msgs)?)
    }

    /// Send a dump request and hand each reply to `reply` as the netlink
    /// message received, without decoding it: for callers that keep or
    /// skim large dumps ([`crate::RawRouteDump`]). Returns whether the
    /// kernel marked the dump interrupted (NLM_F_DUMP_INTR).
    pub fn dump_each(
        &mut self,
        msg: RtemuMessage,
        reply: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<bool> {
        self.exchange(msg, true, reply)
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
            let dgram = self.rx.recv(&self.sock)?;
            for raw in split(dgram)? {
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
    /// The requests are drawn as they are sent: a caller can make them one
    /// chunk at a time.
    pub fn batch(&mut self, msgs: impl IntoIterator<Item = RtemuMessage>) -> Result<BatchReport> {
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
                let dgram = self.rx.recv(&self.sock)?;
                for raw in split(dgram)? {
                    let hdr = header_of(raw)?;
                    if hdr.port_number != self.port {
                        stash(&mut self.pending, self.family.id, raw, &hdr);
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

    /// A datagram socket pair, one end as the netlink socket type: the
    /// receive path only calls recv(2) on it, which works the same there.
    fn dgram_pair() -> (NlSocket, std::os::fd::OwnedFd) {
        use std::os::fd::{FromRawFd, OwnedFd};
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors socketpair writes.
        let r = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_DGRAM, 0, fds.as_mut_ptr()) };
        assert_eq!(r, 0, "socketpair: {}", io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and nothing else owns them.
        unsafe { (NlSocket::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    }

    fn send(fd: &std::os::fd::OwnedFd, len: usize) {
        use std::os::fd::AsRawFd;
        let buf = vec![7u8; len];
        // SAFETY: `buf` is valid for `len` bytes for the whole call.
        let n = unsafe { libc::send(fd.as_raw_fd(), buf.as_ptr().cast(), len, 0) };
        assert_eq!(n, len as isize, "send: {}", io::Error::last_os_error());
    }

    #[test]
    fn a_datagram_too_large_for_the_buffer_is_an_error() {
        let (sock, peer) = dgram_pair();
        let mut rx = RecvBuf::new();
        send(&peer, RECV_BUF_LEN);
        send(&peer, RECV_BUF_LEN + 1);
        send(&peer, 20);
        assert_eq!(rx.recv(&sock).unwrap().len(), RECV_BUF_LEN);
        match rx.recv(&sock) {
            Err(Error::Truncated { len, room }) => {
                assert_eq!((len, room), (RECV_BUF_LEN + 1, RECV_BUF_LEN))
            }
            other => panic!("{other:?}"),
        }
        // The next datagram is whole again.
        assert_eq!(rx.recv(&sock).unwrap(), [7u8; 20]);
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
