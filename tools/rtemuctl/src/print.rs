// SPDX-License-Identifier: GPL-2.0-only

//! The one printer for text and JSON: commands build [`Record`]s (ordered
//! key/value fields) and the printer renders them either way, with the same
//! keys. Text comes in two styles: `Line` (`ip route` / `ip monitor`: the
//! leading `bare` fields as values, the rest as `key value`) and `Block`
//! (FreeBSD `route get`: right-aligned `key: value` lines).
//!
//! `route show` prints hundreds of thousands of routes of one shape, so a
//! route's fields are described once, for any [`Fields`]: a [`Record`], or
//! a [`Line`] written straight out by [`RouteWriter`] without keeping them.

use std::fmt::{Display, Write as _};
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;

use rtemu::{Event, HoldReply, Route, Stats, UnknownAttr};
use serde_json::{Map, Value as Json};

use crate::time::{format_duration, format_time, format_time_millis};

/// A field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(u64),
    /// Comma-separated in text, an array in JSON.
    List(Vec<String>),
    /// In text the key alone when true, nothing when false.
    Flag(bool),
}

/// Ordered fields; the first `bare` print without their key in line style.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub fields: Vec<(String, Value)>,
    pub bare: usize,
}

/// Takes a record's fields in order.
pub trait Fields: Sized {
    fn str(self, k: &str, v: impl Display) -> Self;
    fn num(self, k: &str, v: u64) -> Self;
    /// Comma-separated in text (`none` when empty), an array in JSON.
    fn list(self, k: &str, v: Vec<String>) -> Self;

    fn opt_str(self, k: &str, v: Option<impl Display>) -> Self {
        match v {
            Some(v) => self.str(k, v),
            None => self,
        }
    }
    fn opt_num(self, k: &str, v: Option<u64>) -> Self {
        match v {
            Some(v) => self.num(k, v),
            None => self,
        }
    }
}

impl Fields for Record {
    fn str(mut self, k: &str, v: impl Display) -> Self {
        self.fields.push((k.into(), Value::Str(v.to_string())));
        self
    }
    fn num(mut self, k: &str, v: u64) -> Self {
        self.fields.push((k.into(), Value::Num(v)));
        self
    }
    fn list(mut self, k: &str, v: Vec<String>) -> Self {
        self.fields.push((k.into(), Value::List(v)));
        self
    }
}

/// A record written into a line of text as it is made, byte for byte what
/// [`Record::to_line`] renders of the same fields.
pub struct Line<'a> {
    out: &'a mut String,
    /// Fields that print without their key, as [`Record::bare`].
    bare: usize,
    written: usize,
}

impl<'a> Line<'a> {
    /// A line appended to `out`, without its newline.
    pub fn new(out: &'a mut String, bare: usize) -> Self {
        Line {
            out,
            bare,
            written: 0,
        }
    }

    /// Start a field: the separator, then its key unless it is bare.
    fn key(&mut self, k: &str) {
        if self.written > 0 {
            self.out.push(' ');
        }
        if self.written >= self.bare {
            self.out.push_str(k);
            self.out.push(' ');
        }
        self.written += 1;
    }
}

impl Fields for Line<'_> {
    fn str(mut self, k: &str, v: impl Display) -> Self {
        self.key(k);
        // A String takes every write; only a Display impl could fail one.
        let _ = write!(self.out, "{v}");
        self
    }
    fn num(self, k: &str, v: u64) -> Self {
        self.str(k, v)
    }
    fn list(mut self, k: &str, v: Vec<String>) -> Self {
        self.key(k);
        if v.is_empty() {
            self.out.push_str("none");
        }
        for (i, item) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(item);
        }
        self
    }
}

impl Record {
    pub fn new() -> Self {
        Record::default()
    }
    pub fn flag(mut self, k: &str, v: bool) -> Self {
        self.fields.push((k.into(), Value::Flag(v)));
        self
    }
    pub fn bare(mut self, n: usize) -> Self {
        self.bare = n;
        self
    }
    pub fn extend(mut self, other: Record) -> Self {
        self.fields.extend(other.fields);
        self
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Num(n) => n.to_string(),
        Value::List(l) if l.is_empty() => "none".into(),
        Value::List(l) => l.join(","),
        Value::Flag(_) => String::new(),
    }
}

fn json(v: &Value) -> Json {
    match v {
        Value::Str(s) => Json::String(s.clone()),
        Value::Num(n) => Json::from(*n),
        Value::List(l) => Json::Array(l.iter().cloned().map(Json::String).collect()),
        Value::Flag(b) => Json::Bool(*b),
    }
}

impl Record {
    /// `10.0.0.0/8 via 192.0.2.1 flags up,gateway`.
    pub fn to_line(&self) -> String {
        let mut parts = Vec::new();
        for (i, (k, v)) in self.fields.iter().enumerate() {
            match v {
                Value::Flag(false) => {}
                Value::Flag(true) => parts.push(k.clone()),
                _ if i < self.bare => parts.push(text(v)),
                _ => parts.push(format!("{k} {}", text(v))),
            }
        }
        parts.join(" ")
    }

    /// Right-aligned `key: value` lines.
    pub fn to_block(&self) -> String {
        let width = self.fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (k, v) in &self.fields {
            let val = match v {
                Value::Flag(b) => b.to_string(),
                v => text(v),
            };
            out.push_str(&format!("{k:>width$}: {val}\n"));
        }
        out
    }

    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        for (k, v) in &self.fields {
            m.insert(k.clone(), json(v));
        }
        Json::Object(m)
    }
}

/// How records are laid out in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Line,
    Block,
}

/// Renders records as text or JSON.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub json: bool,
}

impl Printer {
    /// One record (`route get`, `stats`): a JSON object, or text.
    pub fn one(&self, r: &Record, style: Style) -> String {
        if self.json {
            format!("{}\n", r.to_json())
        } else {
            match style {
                Style::Line => format!("{}\n", r.to_line()),
                Style::Block => r.to_block(),
            }
        }
    }

    /// Many records (`route show`): a JSON array, or one line each.
    pub fn many(&self, rs: &[Record]) -> String {
        if self.json {
            format!(
                "{}\n",
                Json::Array(rs.iter().map(Record::to_json).collect())
            )
        } else {
            rs.iter().map(|r| format!("{}\n", r.to_line())).collect()
        }
    }

    /// A streamed record (monitor): one JSON object or one line.
    pub fn stream(&self, r: &Record) -> String {
        if self.json {
            format!("{}\n", r.to_json())
        } else {
            format!("{}\n", r.to_line())
        }
    }
}

/// Writes the routes of `route show` as they come: byte for byte what
/// [`Printer::many`] renders of their [`route`] records, without keeping
/// them. Text lines are made in one reused string; JSON is one array.
pub struct RouteWriter<W: Write> {
    json: bool,
    out: BufWriter<W>,
    line: String,
    written: usize,
}

impl<W: Write> RouteWriter<W> {
    pub fn new(p: Printer, out: W) -> Self {
        RouteWriter {
            json: p.json,
            // Large writes: each is a system call, costly in a VM.
            out: BufWriter::with_capacity(64 * 1024, out),
            line: String::new(),
            written: 0,
        }
    }

    pub fn route(&mut self, r: &Route) -> io::Result<()> {
        if self.json {
            self.out
                .write_all(if self.written == 0 { b"[" } else { b"," })?;
            serde_json::to_writer(&mut self.out, &route(r).to_json())?;
        } else {
            self.line.clear();
            route_fields(Line::new(&mut self.line, 1), r);
            self.line.push('\n');
            self.out.write_all(self.line.as_bytes())?;
        }
        self.written += 1;
        Ok(())
    }

    /// Close the JSON array and flush.
    pub fn finish(mut self) -> io::Result<()> {
        if self.json {
            if self.written == 0 {
                self.out.write_all(b"[")?;
            }
            self.out.write_all(b"]\n")?;
        }
        self.out.flush()
    }
}

fn unknown_fields<F: Fields>(mut rec: F, unknown: &[UnknownAttr]) -> F {
    for u in unknown {
        let hex: String = u.value.iter().map(|b| format!("{b:02x}")).collect();
        rec = rec.str(
            &format!("attr{}", u.kind),
            if hex.is_empty() { "-".into() } else { hex },
        );
    }
    rec
}

/// A route's fields: dst first (bare in line style).
pub fn route(r: &Route) -> Record {
    route_fields(Record::new(), r).bare(1)
}

/// A route's fields, dst first.
fn route_fields<F: Fields>(rec: F, r: &Route) -> F {
    let mut rec = rec.str("dst", r.dst).opt_str("via", r.via);
    if let Some(f) = r.flags {
        rec = rec.list("flags", f.names());
    }
    rec = rec
        .opt_str("preferred", r.preferred_until.map(format_time))
        .opt_str("preferred-left", r.preferred_left.map(format_duration))
        .opt_str("expires", r.expires_at.map(format_time))
        .opt_str("expires-left", r.expires_left.map(format_duration))
        .opt_num("refcnt", r.refcnt.map(u64::from))
        .opt_num("use", r.use_count)
        .opt_str("parent", r.parent);
    unknown_fields(rec, &r.unknown)
}

/// `route get`: the address asked about, then the route.
pub fn route_get(addr: IpAddr, r: &Route) -> Record {
    let mut rec = Record::new().str("route-to", addr);
    rec.fields.extend(route(r).fields);
    rec
}

/// `hold`: the address, its handle, then the held route.
pub fn hold(addr: IpAddr, h: &HoldReply) -> Record {
    Record::new()
        .str("addr", addr)
        .num("handle", h.handle)
        .bare(1)
        .extend(route(&h.route))
}

pub fn stats(s: &Stats) -> Record {
    let rec = Record::new()
        .opt_num("routes-inet", s.routes_inet.map(u64::from))
        .opt_num("routes-inet6", s.routes_inet6.map(u64::from))
        .opt_num("clones", s.clones.map(u64::from))
        .opt_num("trash", s.trash.map(u64::from))
        .opt_num("holds", s.holds.map(u64::from))
        .opt_num("misses", s.misses)
        .opt_num("resolves", s.resolves)
        .opt_num("lifetime-runs", s.lifetime_runs)
        .opt_num("writer-visits", s.writer_visits)
        .opt_num("writer-batch-max", s.writer_batch_max.map(u64::from))
        .opt_num("events-lost", s.events_lost)
        .opt_num("unreach", s.unreach);
    unknown_fields(rec, &s.unknown)
}

/// A monitor line: time and event name, then what the event carries.
pub fn event(time_ns: u64, e: &Event) -> Record {
    let head = Record::new()
        .str("time", format_time_millis(time_ns))
        .str("event", e.name());
    match e {
        Event::Add(r)
        | Event::Change(r)
        | Event::Expire(r)
        | Event::Deprecate(r)
        | Event::Resolve(r) => head.extend(route(r)).bare(3),
        Event::Delete { route: r, reason } => head
            .extend(route(r))
            .opt_str("reason", reason.map(|x| x.name()))
            .bare(3),
        Event::Clear {
            family,
            count,
            unknown,
        } => {
            let rec = head
                .str(
                    "family",
                    family.map(|f| f.name()).unwrap_or_else(|| "all".into()),
                )
                .opt_num("count", count.map(u64::from))
                .bare(2);
            unknown_fields(rec, unknown)
        }
        Event::Miss {
            addr,
            sa_family,
            error,
            unknown,
        } => {
            // A family with no table has no address to show: its number.
            let rec = match addr {
                Some(addr) => head.str("addr", addr).bare(3),
                None => head.bare(2),
            }
            .opt_num("sa-family", sa_family.map(u64::from))
            .opt_num("error", error.map(u64::from));
            let rec = match error {
                Some(e) if *e != 0 => rec.str("error-msg", rtemu::error::strerror(*e as i32)),
                _ => rec,
            };
            unknown_fields(rec, unknown)
        }
        Event::Unknown(m) => head.num("attrs", m.route_attrs().len() as u64).bare(2),
    }
}

/// A monitor marker (`resync`, `resync-done`) with extra fields.
pub fn marker(time_ns: u64, name: &str) -> Record {
    Record::new()
        .str("time", format_time_millis(time_ns))
        .str("event", name)
        .bare(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtemu::{DeleteReason, Family, IpNet, RouteFlags};

    const T1: u64 = 1_767_225_600_000_000_000;

    fn sample() -> Route {
        let mut r = Route::new("10.1.0.0/16".parse::<IpNet>().unwrap());
        r.via = Some("192.0.2.1".parse().unwrap());
        r.flags = Some(RouteFlags::UP | RouteFlags::GATEWAY | RouteFlags::CLONING);
        r.expires_at = Some(T1 + 3_600_000_000_000);
        r.expires_left = Some(299_000_000_000);
        r.refcnt = Some(1);
        r.use_count = Some(4);
        r
    }

    #[test]
    fn route_line_and_json_share_keys() {
        let rec = route(&sample());
        assert_eq!(
            rec.to_line(),
            "10.1.0.0/16 via 192.0.2.1 flags up,gateway,cloning expires 2026-01-01T01:00:00Z \
             expires-left 4m59s refcnt 1 use 4"
        );
        let j = rec.to_json();
        assert_eq!(
            j.to_string(),
            r#"{"dst":"10.1.0.0/16","via":"192.0.2.1","flags":["up","gateway","cloning"],"expires":"2026-01-01T01:00:00Z","expires-left":"4m59s","refcnt":1,"use":4}"#
        );
        // Every key of the line is a key of the object.
        for (k, _) in &rec.fields {
            assert!(j.get(k).is_some(), "{k}");
        }
    }

    #[test]
    fn route_show_many() {
        let p = Printer { json: false };
        let mut r2 = Route::new("2001:db8::/32".parse::<IpNet>().unwrap());
        r2.via = Some("fe80::1".parse().unwrap());
        r2.flags = Some(RouteFlags::empty());
        let recs = [route(&sample()), route(&r2)];
        let out = p.many(&recs);
        assert_eq!(out.lines().count(), 2);
        assert_eq!(
            out.lines().nth(1).unwrap(),
            "2001:db8::/32 via fe80::1 flags none"
        );
        let pj = Printer { json: true };
        let v: Json = serde_json::from_str(&pj.many(&recs)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[1]["flags"], Json::Array(vec![]));
        assert_eq!(pj.many(&[]), "[]\n");
        assert_eq!(p.many(&[]), "");
    }

    /// Routes with every field, none, and the odd ones: unknown flag bits,
    /// unknown attributes (one empty), a clone with its parent.
    fn assorted_routes() -> Vec<Route> {
        let mut all = sample();
        all.preferred_until = Some(T1);
        all.preferred_left = Some(0);
        all.parent = Some("10.0.0.0/8".parse().unwrap());
        all.unknown = vec![
            UnknownAttr {
                kind: 40,
                value: vec![0xab, 1],
            },
            UnknownAttr {
                kind: 41,
                value: vec![],
            },
        ];
        let bare = Route::new("0.0.0.0/0".parse::<IpNet>().unwrap());
        let mut v6 = Route::new("2001:db8::/32".parse::<IpNet>().unwrap());
        v6.via = Some("fe80::1".parse().unwrap());
        v6.flags = Some(RouteFlags::empty());
        let mut odd = Route::new("192.0.2.7/32".parse::<IpNet>().unwrap());
        odd.flags = Some(RouteFlags::from_bits_retain(0x8000_0001));
        odd.use_count = Some(u64::MAX);
        vec![sample(), all, bare, v6, odd]
    }

    fn written(p: Printer, routes: &[Route]) -> String {
        let mut out = Vec::new();
        let mut w = RouteWriter::new(p, &mut out);
        for r in routes {
            w.route(r).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn route_writer_writes_what_records_render() {
        let routes = assorted_routes();
        let recs: Vec<Record> = routes.iter().map(route).collect();
        for json in [false, true] {
            let p = Printer { json };
            assert_eq!(written(p, &routes), p.many(&recs), "json {json}");
            assert_eq!(written(p, &[]), p.many(&[]), "json {json}");
            assert_eq!(written(p, &routes[..1]), p.many(&recs[..1]), "json {json}");
        }
        assert_eq!(
            written(Printer { json: false }, &routes[4..]),
            "192.0.2.7/32 flags up,0x80000000 use 18446744073709551615\n"
        );
    }

    /// `route show` after the dump, old against new, on `ROUTES` synthetic
    /// reply messages like the kernel's: decoding every message, every
    /// route and a record each into one string, against keeping the
    /// messages and writing each route as it is decoded. Best of 5 runs.
    #[test]
    #[ignore = "timing: cargo test --release -p rtemuctl route_show_timing -- --ignored --nocapture"]
    fn route_show_timing() {
        use rtemu::{Cmd, RawRouteDump, Request, RouteList, RtemuMessage};
        use std::time::{Duration, Instant};

        let n: u32 = std::env::var("ROUTES").map_or(100_000, |v| v.parse().unwrap());
        let msgs: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let dst = std::net::Ipv4Addr::from(0x0a00_0000 + (i << 8));
                let mut r = Route::new(IpNet::new(dst.into(), 24).unwrap());
                r.via = Some("192.0.2.2".parse().unwrap());
                r.flags = Some(RouteFlags::UP | RouteFlags::GATEWAY | RouteFlags::STATIC);
                r.refcnt = Some(0);
                r.use_count = Some(0);
                RtemuMessage::route(Cmd::RouteList, r.to_attrs()).encode(0x1c, 0x2, 1)
            })
            .collect();
        /// Where the output goes: counted, not kept, as into /dev/null.
        struct Count(usize);
        impl Write for Count {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0 += b.len();
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let best = |f: &dyn Fn() -> usize| {
            let mut best = Duration::MAX;
            let mut bytes = 0;
            for _ in 0..5 {
                let t = Instant::now();
                bytes = f();
                best = best.min(t.elapsed());
            }
            (best, bytes)
        };
        for json in [false, true] {
            let p = Printer { json };
            let old = best(&|| {
                let decoded = msgs
                    .iter()
                    .map(|m| RtemuMessage::decode(m).unwrap().1)
                    .collect();
                let routes = RouteList::reply(decoded).unwrap();
                let recs: Vec<Record> = routes.iter().map(route).collect();
                let mut out = Count(0);
                out.write_all(p.many(&recs).as_bytes()).unwrap();
                out.0
            });
            let new = best(&|| {
                let mut dump = RawRouteDump::default();
                for m in &msgs {
                    dump.push(m);
                }
                let mut out = Count(0);
                let mut w = RouteWriter::new(p, &mut out);
                for r in dump.routes() {
                    w.route(&r.unwrap()).unwrap();
                }
                w.finish().unwrap();
                out.0
            });
            assert_eq!(old.1, new.1);
            println!(
                "{n} routes, json {json}: old {:?}, new {:?}, new/old {:.3}",
                old.0,
                new.0,
                new.0.as_secs_f64() / old.0.as_secs_f64()
            );
        }
    }

    #[test]
    fn line_keys_all_but_the_bare_fields() {
        let mut s = String::new();
        Line::new(&mut s, 2)
            .str("a", "x")
            .num("b", 1)
            .list("c", vec![])
            .list("d", vec!["p".into(), "q".into()]);
        assert_eq!(s, "x 1 c none d p,q");
    }

    #[test]
    fn route_get_block_is_aligned() {
        let mut r = sample();
        r.parent = Some("10.0.0.0/8".parse().unwrap());
        let rec = route_get("10.1.2.3".parse().unwrap(), &r);
        let out = Printer { json: false }.one(&rec, Style::Block);
        let want = "    route-to: 10.1.2.3
         dst: 10.1.0.0/16
         via: 192.0.2.1
       flags: up,gateway,cloning
     expires: 2026-01-01T01:00:00Z
expires-left: 4m59s
      refcnt: 1
         use: 4
      parent: 10.0.0.0/8
";
        assert_eq!(out, want);
        let j: Json =
            serde_json::from_str(&Printer { json: true }.one(&rec, Style::Block)).unwrap();
        assert_eq!(j["route-to"], "10.1.2.3");
        assert_eq!(j["parent"], "10.0.0.0/8");
        assert_eq!(j["refcnt"], 1);
    }

    #[test]
    fn stats_block_and_json() {
        let s = Stats {
            routes_inet: Some(3),
            routes_inet6: Some(1),
            clones: Some(0),
            trash: Some(0),
            holds: Some(2),
            misses: Some(10),
            resolves: Some(1),
            lifetime_runs: Some(4),
            writer_visits: Some(120),
            writer_batch_max: Some(7),
            events_lost: Some(0),
            unreach: Some(11),
            unknown: vec![UnknownAttr {
                kind: 30,
                value: vec![1, 0, 0, 0],
            }],
        };
        let out = Printer { json: false }.one(&stats(&s), Style::Block);
        assert!(
            out.starts_with("     routes-inet: 3\n    routes-inet6: 1\n"),
            "{out}"
        );
        assert!(
            out.ends_with(
                "   lifetime-runs: 4\n   writer-visits: 120\nwriter-batch-max: 7\n     events-lost: 0\n         unreach: 11\n          attr30: 01000000\n"
            ),
            "{out}"
        );
        let j: Json =
            serde_json::from_str(&Printer { json: true }.one(&stats(&s), Style::Block)).unwrap();
        assert_eq!(j["misses"], 10);
        assert_eq!(j["unreach"], 11);
        assert_eq!(j["lifetime-runs"], 4);
        assert_eq!(j["writer-visits"], 120);
        assert_eq!(j["attr30"], "01000000");
    }

    #[test]
    fn monitor_lines() {
        let mut r = Route::new("10.1.2.3/32".parse::<IpNet>().unwrap());
        r.via = Some("192.0.2.1".parse().unwrap());
        r.flags = Some(RouteFlags::UP | RouteFlags::HOST | RouteFlags::WASCLONED);
        let t = T1 + 5_000_000;
        let p = Printer { json: false };
        assert_eq!(
            p.stream(&event(t, &Event::Add(r.clone()))),
            "2026-01-01T00:00:00.005Z add 10.1.2.3/32 via 192.0.2.1 flags up,host,wascloned\n"
        );
        assert_eq!(
            p.stream(&event(t, &Event::Delete { route: r.clone(), reason: Some(DeleteReason::Idle) })),
            "2026-01-01T00:00:00.005Z delete 10.1.2.3/32 via 192.0.2.1 flags up,host,wascloned reason idle\n"
        );
        assert_eq!(
            p.stream(&event(
                t,
                &Event::Clear {
                    family: None,
                    count: Some(4),
                    unknown: vec![]
                }
            )),
            "2026-01-01T00:00:00.005Z clear family all count 4\n"
        );
        assert_eq!(
            p.stream(&event(
                t,
                &Event::Clear {
                    family: Some(Family::Inet6),
                    count: Some(1),
                    unknown: vec![]
                }
            )),
            "2026-01-01T00:00:00.005Z clear family inet6 count 1\n"
        );
        assert_eq!(
            p.stream(&event(
                t,
                &Event::Miss {
                    addr: Some("10.9.9.9".parse().unwrap()),
                    sa_family: None,
                    error: Some(libc_ehostunreach()),
                    unknown: vec![]
                }
            )),
            "2026-01-01T00:00:00.005Z miss 10.9.9.9 error 113 error-msg No route to host\n"
        );
        let unix = Event::Miss {
            addr: None,
            sa_family: Some(1),
            error: Some(0),
            unknown: vec![],
        };
        assert_eq!(
            p.stream(&event(t, &unix)),
            "2026-01-01T00:00:00.005Z miss sa-family 1 error 0\n"
        );
        let j: Json =
            serde_json::from_str(&Printer { json: true }.stream(&event(t, &unix))).unwrap();
        assert_eq!(j["sa-family"], 1);
        assert!(j.get("addr").is_none(), "{j}");
        assert_eq!(
            p.stream(&marker(t, "resync")),
            "2026-01-01T00:00:00.005Z resync\n"
        );
        let j: Json =
            serde_json::from_str(&Printer { json: true }.stream(&event(t, &Event::Resolve(r))))
                .unwrap();
        assert_eq!(j["event"], "resolve");
        assert_eq!(j["time"], "2026-01-01T00:00:00.005Z");
        assert_eq!(j["dst"], "10.1.2.3/32");
    }

    fn libc_ehostunreach() -> u32 {
        113
    }

    #[test]
    fn hold_line() {
        let mut r = Route::new("10.0.0.0/8".parse::<IpNet>().unwrap());
        r.via = Some("192.0.2.1".parse().unwrap());
        r.refcnt = Some(2);
        let h = HoldReply {
            handle: 7,
            route: r,
        };
        assert_eq!(
            hold("10.1.1.1".parse().unwrap(), &h).to_line(),
            "10.1.1.1 handle 7 dst 10.0.0.0/8 via 192.0.2.1 refcnt 2"
        );
    }

    #[test]
    fn flags_in_text() {
        let r = Record::new()
            .str("a", "x")
            .flag("interrupted", true)
            .flag("never", false)
            .bare(1);
        assert_eq!(r.to_line(), "x interrupted");
        assert_eq!(
            r.to_json().to_string(),
            r#"{"a":"x","interrupted":true,"never":false}"#
        );
    }
}
