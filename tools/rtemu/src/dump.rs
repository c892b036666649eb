// SPDX-License-Identifier: GPL-2.0-only

//! A `route-list` dump kept as the kernel sent it and decoded route by
//! route when read.
//!
//! Whether a dump is consistent is known only at its end (NLM_F_DUMP_INTR
//! can come with its last datagram), so a caller that wants a consistent
//! table keeps the whole dump before using any of it. Kept as received,
//! that is the reply messages' bytes (about 80 per route), instead of a
//! decoded [`Route`] each; [`RawRouteDump::routes`] decodes them one at a
//! time, so a printer can write each route out as it is decoded.

use netlink_packet_core::NetlinkBuffer;

use crate::error::Result;
use crate::socket::genl_parts;
use crate::types::Route;

/// NLMSG_ALIGNTO: where each message of a datagram starts.
const ALIGN: usize = 4;

/// The routes of a dump, and whether the table changed while it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDump {
    pub routes: Vec<Route>,
    /// The kernel set NLM_F_DUMP_INTR: the table changed during the dump.
    pub interrupted: bool,
}

/// The reply messages of one `route-list` dump, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRouteDump {
    /// The netlink messages back to back, each padded to [`ALIGN`] as in a
    /// datagram.
    msgs: Vec<u8>,
    len: usize,
    /// The kernel set NLM_F_DUMP_INTR: the table changed during the dump.
    pub interrupted: bool,
}

impl RawRouteDump {
    /// Routes in the dump.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forget the routes, keeping the memory for the next dump.
    pub(crate) fn clear(&mut self) {
        self.msgs.clear();
        self.len = 0;
        self.interrupted = false;
    }

    /// Keep one reply message (a complete netlink message), as a dump
    /// does with each it receives.
    pub fn push(&mut self, msg: &[u8]) {
        self.msgs.extend_from_slice(msg);
        self.msgs.resize(self.msgs.len().next_multiple_of(ALIGN), 0);
        self.len += 1;
    }

    /// The routes, decoded one by one, in the order the kernel sent them.
    pub fn routes(&self) -> impl Iterator<Item = Result<Route>> + '_ {
        let mut rest = &self.msgs[..];
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            Some(next_message(&mut rest).and_then(|msg| {
                let (_, attrs) = genl_parts(msg)?;
                Ok(Route::parse_attrs(attrs)?)
            }))
        })
    }

    /// Decode every route.
    pub fn decode(&self) -> Result<RouteDump> {
        Ok(RouteDump {
            routes: self.routes().collect::<Result<_>>()?,
            interrupted: self.interrupted,
        })
    }
}

/// Split the first message off `rest`. On an error `rest` is emptied: the
/// lengths after a bad one cannot be trusted.
fn next_message<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8]> {
    let len = match NetlinkBuffer::new_checked(*rest) {
        Ok(nb) => nb.length() as usize,
        Err(e) => {
            *rest = &[];
            return Err(e.into());
        }
    };
    let (msg, tail) = rest.split_at(len);
    *rest = tail.get(len.next_multiple_of(ALIGN) - len..).unwrap_or(&[]);
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::UnknownAttr;
    use crate::proto::{Cmd, RouteFlags};

    fn routes() -> Vec<Route> {
        let mut full = Route::new("10.1.0.0/16".parse().unwrap());
        full.via = Some("192.0.2.1".parse().unwrap());
        full.flags = Some(RouteFlags::UP | RouteFlags::GATEWAY);
        full.expires_at = Some(7);
        full.use_count = Some(3);
        full.parent = Some("10.0.0.0/8".parse().unwrap());
        let mut v6 = Route::new("2001:db8::/48".parse().unwrap());
        v6.unknown = vec![UnknownAttr {
            kind: 60,
            value: vec![9],
        }];
        vec![full, v6, Route::new("0.0.0.0/0".parse().unwrap())]
    }

    fn reply(r: &Route) -> Vec<u8> {
        let msg = crate::RtemuMessage::route(Cmd::RouteList, r.to_attrs());
        msg.encode(0x1c, 0x2, 9)
    }

    #[test]
    fn routes_come_back_in_order() {
        let want = routes();
        let mut dump = RawRouteDump::default();
        for r in &want {
            dump.push(&reply(r));
        }
        assert_eq!(dump.len(), 3);
        let got: Vec<Route> = dump.routes().collect::<Result<_>>().unwrap();
        assert_eq!(got, want);
        assert_eq!(dump.decode().unwrap().routes, want);

        dump.clear();
        assert!(dump.is_empty());
        assert_eq!(dump.routes().count(), 0);
    }

    #[test]
    fn a_route_that_does_not_decode_is_an_error_of_its_own() {
        let mut dump = RawRouteDump::default();
        dump.push(&reply(&routes()[0]));
        // A route without its prefix length, then a good one.
        let bad = crate::RtemuMessage::route(Cmd::RouteList, vec![]).encode(0x1c, 0x2, 9);
        dump.push(&bad);
        dump.push(&reply(&routes()[2]));
        let got: Vec<_> = dump.routes().map(|r| r.is_ok()).collect();
        assert_eq!(got, [true, false, true]);
        assert!(dump.decode().is_err());
    }
}
