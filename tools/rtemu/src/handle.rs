// SPDX-License-Identifier: GPL-2.0-only

//! The handle: one method per operation of the family.

use std::net::IpAddr;

use crate::dump::{RawRouteDump, RouteDump};
use crate::enums::Family;
use crate::error::Result;
use crate::message::RtemuMessage;
use crate::socket::{BatchReport, Socket};
use crate::types::{
    Event, HoldReply, Route, RouteAdd, RouteChange, RouteClear, RouteGet, RouteHold, RouteList,
    RouteRelease, RouteRemove, Stats, StatsGet, Typed,
};

/// A connection to the rtemu family of the caller's network namespace.
///
/// Holds taken through [`Handle::hold`] belong to this handle's socket and
/// are released by the kernel when it is dropped.
pub struct Handle {
    sock: Socket,
}

impl Handle {
    /// Open a socket and resolve the family.
    pub fn connect() -> Result<Handle> {
        Ok(Handle {
            sock: Socket::connect()?,
        })
    }

    pub fn from_socket(sock: Socket) -> Handle {
        Handle { sock }
    }

    pub fn socket(&mut self) -> &mut Socket {
        &mut self.sock
    }

    /// `route-add`.
    pub fn route_add(&mut self, req: &RouteAdd) -> Result<()> {
        self.sock.request(req)
    }

    /// `route-remove`; returns how many routes went, if the kernel said.
    pub fn route_remove(&mut self, req: &RouteRemove) -> Result<Option<u32>> {
        Ok(self.sock.request(req)?.count)
    }

    /// `route-clear` of every family, or one.
    pub fn route_clear(&mut self, family: Option<Family>) -> Result<Option<u32>> {
        Ok(self.sock.request(&RouteClear { family })?.count)
    }

    /// `route-get`.
    pub fn route_get(&mut self, req: &RouteGet) -> Result<Route> {
        self.sock.request(req)
    }

    /// `route-list` dump of every family, or one.
    pub fn route_list(&mut self, family: Option<Family>) -> Result<RouteDump> {
        self.route_list_raw(family)?.decode()
    }

    /// `route-list`, repeated (up to `tries` times) while the kernel marks
    /// the dump interrupted; the last dump is returned either way.
    pub fn route_list_consistent(
        &mut self,
        family: Option<Family>,
        tries: usize,
    ) -> Result<RouteDump> {
        self.route_list_raw_consistent(family, tries)?.decode()
    }

    /// `route-list`, kept as received and decoded when read: for large
    /// tables, a few bytes a route until they are used.
    pub fn route_list_raw(&mut self, family: Option<Family>) -> Result<RawRouteDump> {
        let mut dump = RawRouteDump::default();
        self.route_list_into(family, &mut dump)?;
        Ok(dump)
    }

    /// [`Handle::route_list_raw`], repeated as
    /// [`Handle::route_list_consistent`] does.
    pub fn route_list_raw_consistent(
        &mut self,
        family: Option<Family>,
        tries: usize,
    ) -> Result<RawRouteDump> {
        let mut dump = RawRouteDump::default();
        for _ in 0..tries.max(1) {
            self.route_list_into(family, &mut dump)?;
            if !dump.interrupted {
                break;
            }
        }
        Ok(dump)
    }

    /// One `route-list` dump into `dump`, replacing what it held.
    fn route_list_into(&mut self, family: Option<Family>, dump: &mut RawRouteDump) -> Result<()> {
        dump.clear();
        dump.interrupted = self
            .sock
            .dump_each(RouteList { family }.to_message(), |msg| {
                dump.push(msg);
                Ok(())
            })?;
        Ok(())
    }

    /// `route-change`.
    pub fn route_change(&mut self, req: &RouteChange) -> Result<()> {
        self.sock.request(req)
    }

    /// `route-hold`: a reference that lives until [`Handle::release`] or
    /// until this handle is dropped.
    pub fn hold(&mut self, addr: IpAddr) -> Result<HoldReply> {
        self.sock.request(&RouteHold { addr })
    }

    /// `route-release`.
    pub fn release(&mut self, handle: u64) -> Result<()> {
        self.sock.request(&RouteRelease { handle })
    }

    /// `stats-get`.
    pub fn stats(&mut self) -> Result<Stats> {
        self.sock.request(&StatsGet)
    }

    /// Join multicast groups by name (`monitor`, `resolve`).
    pub fn subscribe(&mut self, groups: &[&str]) -> Result<()> {
        for g in groups {
            self.sock.subscribe(g)?;
        }
        Ok(())
    }

    /// The next event of the joined groups (blocking).
    pub fn next_event(&mut self) -> Result<Event> {
        self.sock.next_event()
    }

    /// Stream requests acknowledged only on error; see [`Socket::batch`].
    pub fn batch(&mut self, msgs: impl IntoIterator<Item = RtemuMessage>) -> Result<BatchReport> {
        self.sock.batch(msgs)
    }
}
