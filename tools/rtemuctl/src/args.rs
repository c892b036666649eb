// SPDX-License-Identifier: GPL-2.0-only

//! The keyword grammar of `route add/del/get/change`, as in route(8) and
//! `ip route`: words after the prefix or address, parsed in any order.

use std::net::IpAddr;

use rtemu::{IpNet, RouteAdd, RouteChange, RouteFlags, RouteGet, RouteRemove, Timestamp};

use crate::time::{after, parse_duration, parse_time};

/// The words of a command: the command line's `String`s, or a batch line's
/// slices of the file, which need no copy.
struct Words<'a, S> {
    it: std::slice::Iter<'a, S>,
}

impl<'a, S: AsRef<str>> Words<'a, S> {
    fn new(args: &'a [S]) -> Self {
        Words { it: args.iter() }
    }
    fn next(&mut self) -> Option<&'a str> {
        self.it.next().map(AsRef::as_ref)
    }
    fn peek(&self) -> Option<&'a str> {
        self.it.clone().next().map(AsRef::as_ref)
    }
    fn value(&mut self, key: &str, what: &str) -> Result<&'a str, String> {
        self.next().ok_or_else(|| format!("{key} needs {what}"))
    }
    fn addr(&mut self, key: &str) -> Result<IpAddr, String> {
        let v = self.value(key, "an address")?;
        v.parse().map_err(|_| format!("{key}: bad address {v:?}"))
    }
}

fn set_once<T>(slot: &mut Option<T>, v: T, key: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{key} given twice"));
    }
    *slot = Some(v);
    Ok(())
}

/// Lifetimes: `preferred DURATION`, `preferred until TIME`, `until TIME`,
/// `expires DURATION`, `expires at TIME`, `at TIME`. Returns false when
/// `word` is not a lifetime keyword.
fn lifetime<S: AsRef<str>>(
    word: &str,
    w: &mut Words<'_, S>,
    now: Timestamp,
    preferred: &mut Option<Timestamp>,
    expires: &mut Option<Timestamp>,
) -> Result<bool, String> {
    match word {
        "preferred" => {
            let t = if w.peek() == Some("until") {
                w.next();
                parse_time(w.value("preferred until", "a time")?)?
            } else {
                after(now, parse_duration(w.value("preferred", "a duration")?)?)
            };
            set_once(preferred, t, "preferred")?;
        }
        "until" => set_once(
            preferred,
            parse_time(w.value("until", "a time")?)?,
            "preferred",
        )?,
        "expires" => {
            let t = if w.peek() == Some("at") {
                w.next();
                parse_time(w.value("expires at", "a time")?)?
            } else {
                after(now, parse_duration(w.value("expires", "a duration")?)?)
            };
            set_once(expires, t, "expires")?;
        }
        "at" => set_once(expires, parse_time(w.value("at", "a time")?)?, "expires")?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// `route add PREFIX via ADDR [lifetimes] [clone] [xresolve] [static] [reject|blackhole]`.
pub fn route_add<S: AsRef<str>>(
    prefix: IpNet,
    args: &[S],
    now: Timestamp,
) -> Result<RouteAdd, String> {
    let mut w = Words::new(args);
    let mut via = None;
    let mut req = RouteAdd::new(prefix, IpAddr::from([0u8; 4]));
    while let Some(word) = w.next() {
        if lifetime(
            word,
            &mut w,
            now,
            &mut req.preferred_until,
            &mut req.expires_at,
        )? {
            continue;
        }
        let flag = match word {
            "via" | "gw" => {
                set_once(&mut via, w.addr("via")?, "via")?;
                continue;
            }
            "clone" | "cloning" => RouteFlags::CLONING,
            "xresolve" => RouteFlags::XRESOLVE,
            "static" => RouteFlags::STATIC,
            "reject" => RouteFlags::REJECT,
            "blackhole" => RouteFlags::BLACKHOLE,
            "prcloning" => RouteFlags::PRCLONING,
            other => return Err(format!("route add: unknown word {other:?}")),
        };
        if req.flags.contains(flag) {
            return Err(format!("{word} given twice"));
        }
        req.flags.insert(flag);
    }
    if req
        .flags
        .contains(RouteFlags::REJECT | RouteFlags::BLACKHOLE)
    {
        return Err("reject and blackhole exclude each other".into());
    }
    req.via = via.ok_or("route add needs via ADDR (0.0.0.0 or :: for on-link)")?;
    Ok(req)
}

/// `route del PREFIX [via ADDR]` or `route del ADDR`.
pub fn route_del<S: AsRef<str>>(target: &str, args: &[S]) -> Result<RouteRemove, String> {
    let mut w = Words::new(args);
    if target.contains('/') {
        let cidr: IpNet = target
            .parse()
            .map_err(|_| format!("bad prefix {target:?}"))?;
        let mut via = None;
        while let Some(word) = w.next() {
            match word {
                "via" | "gw" => set_once(&mut via, w.addr("via")?, "via")?,
                other => return Err(format!("route del: unknown word {other:?}")),
            }
        }
        Ok(RouteRemove::Prefix { cidr, via })
    } else {
        let addr: IpAddr = target
            .parse()
            .map_err(|_| format!("bad address or prefix {target:?}"))?;
        if let Some(word) = w.next() {
            return Err(format!(
                "route del ADDR takes nothing more (got {word:?}); use PREFIX via ADDR for one path"
            ));
        }
        Ok(RouteRemove::Addr(addr))
    }
}

/// `route get ADDR [clone] [noreport] [noclone]`.
pub fn route_get<S: AsRef<str>>(addr: IpAddr, args: &[S]) -> Result<RouteGet, String> {
    let mut req = RouteGet::new(addr);
    let (mut clone, mut noreport) = (false, false);
    for word in args {
        match word.as_ref() {
            "clone" => clone = true,
            "noreport" => noreport = true,
            "noclone" => {
                let f = req.ignflags.unwrap_or_default() | RouteFlags::CLONING;
                req.ignflags = Some(f);
            }
            other => return Err(format!("route get: unknown word {other:?}")),
        }
    }
    if clone && noreport {
        return Err("clone needs report; drop noreport".into());
    }
    req.report = clone;
    Ok(req)
}

/// The flags a request may carry (the kernel's RTF_USER); up, gateway,
/// host, wascloned and deprecated follow from the route itself.
const SETTABLE: RouteFlags = RouteFlags::CLONING
    .union(RouteFlags::XRESOLVE)
    .union(RouteFlags::STATIC)
    .union(RouteFlags::REJECT)
    .union(RouteFlags::BLACKHOLE)
    .union(RouteFlags::PRCLONING);
const SETTABLE_NAMES: &str = "cloning,xresolve,static,reject,blackhole,prcloning";

/// `route change PREFIX [via ADDR] [new-via ADDR] [flags F,F..]
/// [flags-mask F,F..] [lifetimes]`.
pub fn route_change<S: AsRef<str>>(
    prefix: IpNet,
    args: &[S],
    now: Timestamp,
) -> Result<RouteChange, String> {
    let mut w = Words::new(args);
    let mut req = RouteChange::new(prefix);
    while let Some(word) = w.next() {
        if lifetime(
            word,
            &mut w,
            now,
            &mut req.preferred_until,
            &mut req.expires_at,
        )? {
            continue;
        }
        match word {
            "via" | "gw" => set_once(&mut req.via, w.addr("via")?, "via")?,
            "new-via" | "to" => set_once(&mut req.new_via, w.addr("new-via")?, "new-via")?,
            "flags" => set_once(&mut req.flags, settable_flags(&mut w, "flags")?, "flags")?,
            "flags-mask" => set_once(
                &mut req.flags_mask,
                settable_flags(&mut w, "flags-mask")?,
                "flags-mask",
            )?,
            other => return Err(format!("route change: unknown word {other:?}")),
        }
    }
    Ok(req)
}

/// The value of `word`: flags a request may set, as `F,F..` or `none`.
fn settable_flags<S: AsRef<str>>(w: &mut Words<'_, S>, word: &str) -> Result<RouteFlags, String> {
    let v = w.value(word, "a list like static,reject or none")?;
    let mut f = RouteFlags::empty();
    if v != "none" {
        for name in v.split(',') {
            let flag =
                RouteFlags::from_spec_name(name).ok_or_else(|| format!("unknown flag {name:?}"))?;
            if !SETTABLE.contains(flag) {
                return Err(format!(
                    "flag {name} is the kernel's to set; {word} takes {SETTABLE_NAMES} or none"
                ));
            }
            f.insert(flag);
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A command with no words after its prefix or address.
    const NO_WORDS: &[&str] = &[];

    const NOW: u64 = 1_767_225_600_000_000_000;

    fn a(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }
    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn add_full() {
        let r = route_add(
            net("10.0.0.0/8"),
            &a("via 192.0.2.1 preferred 5m expires at 2026-01-01T01:00:00Z clone xresolve static"),
            NOW,
        )
        .unwrap();
        assert_eq!(r.via, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!(r.preferred_until, Some(NOW + 300_000_000_000));
        assert_eq!(r.expires_at, Some(NOW + 3_600_000_000_000));
        assert_eq!(
            r.flags,
            RouteFlags::CLONING | RouteFlags::XRESOLVE | RouteFlags::STATIC
        );
    }

    #[test]
    fn add_short_lifetime_forms() {
        let r = route_add(
            net("2001:db8::/32"),
            &a("until 2026-01-01T00:30:00Z via fe80::1 at 2026-01-01T02:00:00+01:00 blackhole"),
            NOW,
        )
        .unwrap();
        assert_eq!(r.preferred_until, Some(NOW + 1_800_000_000_000));
        assert_eq!(r.expires_at, Some(NOW + 3_600_000_000_000));
        assert_eq!(r.flags, RouteFlags::BLACKHOLE);
        let r = route_add(
            net("10.0.0.0/8"),
            &a("via 0.0.0.0 expires 30s preferred until 2026-01-01T00:00:10Z"),
            NOW,
        )
        .unwrap();
        assert_eq!(r.expires_at, Some(NOW + 30_000_000_000));
        assert_eq!(r.preferred_until, Some(NOW + 10_000_000_000));
        assert!(r.flags.is_empty());
    }

    #[test]
    fn add_errors() {
        assert!(route_add(net("10.0.0.0/8"), &a("clone"), NOW)
            .unwrap_err()
            .contains("needs via"));
        assert!(route_add(net("10.0.0.0/8"), &a("via"), NOW).is_err());
        assert!(route_add(net("10.0.0.0/8"), &a("via nope"), NOW).is_err());
        assert!(route_add(net("10.0.0.0/8"), &a("via 1.2.3.4 reject blackhole"), NOW).is_err());
        assert!(route_add(net("10.0.0.0/8"), &a("via 1.2.3.4 via 1.2.3.5"), NOW).is_err());
        assert!(route_add(
            net("10.0.0.0/8"),
            &a("via 1.2.3.4 preferred 5m until 2026-01-01T00:00:00Z"),
            NOW
        )
        .is_err());
        assert!(route_add(net("10.0.0.0/8"), &a("via 1.2.3.4 expires soon"), NOW).is_err());
        assert!(route_add(net("10.0.0.0/8"), &a("via 1.2.3.4 at 5m"), NOW).is_err());
        assert!(route_add(net("10.0.0.0/8"), &a("via 1.2.3.4 clone clone"), NOW).is_err());
        assert!(route_add(net("10.0.0.0/8"), &a("via 1.2.3.4 mtu 1500"), NOW).is_err());
    }

    #[test]
    fn del_forms() {
        assert_eq!(
            route_del("10.0.0.0/8", &a("via 192.0.2.1")).unwrap(),
            RouteRemove::Prefix {
                cidr: net("10.0.0.0/8"),
                via: Some("192.0.2.1".parse().unwrap())
            }
        );
        assert_eq!(
            route_del("10.0.0.0/8", NO_WORDS).unwrap(),
            RouteRemove::Prefix {
                cidr: net("10.0.0.0/8"),
                via: None
            }
        );
        assert_eq!(
            route_del("10.0.0.1", NO_WORDS).unwrap(),
            RouteRemove::Addr("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            route_del("2001:db8::1", NO_WORDS).unwrap(),
            RouteRemove::Addr("2001:db8::1".parse().unwrap())
        );
        assert!(route_del("10.0.0.1", &a("via 1.2.3.4")).is_err());
        assert!(route_del("10.0.0.0/33", NO_WORDS).is_err());
        assert!(route_del("host", NO_WORDS).is_err());
    }

    #[test]
    fn get_forms() {
        let addr: IpAddr = "10.1.2.3".parse().unwrap();
        let g = route_get(addr, NO_WORDS).unwrap();
        assert!(!g.report);
        assert_eq!(g.ignflags, None);
        assert!(route_get(addr, &a("clone")).unwrap().report);
        assert!(!route_get(addr, &a("noreport")).unwrap().report);
        let g = route_get(addr, &a("clone noclone")).unwrap();
        assert!(g.report);
        assert_eq!(g.ignflags, Some(RouteFlags::CLONING));
        assert!(route_get(addr, &a("clone noreport")).is_err());
        assert!(route_get(addr, &a("fast")).is_err());
    }

    #[test]
    fn change_forms() {
        let c = route_change(
            net("10.1.2.3/32"),
            &a("via 192.0.2.1 new-via 192.0.2.9 flags static,cloning expires 1m"),
            NOW,
        )
        .unwrap();
        assert_eq!(c.via, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(c.new_via, Some("192.0.2.9".parse().unwrap()));
        assert_eq!(c.flags, Some(RouteFlags::STATIC | RouteFlags::CLONING));
        // The kernel refuses the flags it derives (EINVAL); say so first.
        let e = route_change(net("10.0.0.0/8"), &a("flags up,gateway,static"), NOW).unwrap_err();
        assert!(e.contains("flag up is the kernel's"), "{e}");
        let m = route_change(
            net("10.0.0.0/8"),
            &a("flags reject flags-mask reject,static"),
            NOW,
        )
        .unwrap();
        assert_eq!(m.flags, Some(RouteFlags::REJECT));
        assert_eq!(m.flags_mask, Some(RouteFlags::REJECT | RouteFlags::STATIC));
        let e = route_change(net("10.0.0.0/8"), &a("flags-mask wascloned"), NOW).unwrap_err();
        assert!(e.contains("flags-mask takes"), "{e}");
        assert_eq!(c.expires_at, Some(NOW + 60_000_000_000));
        assert_eq!(
            route_change(net("10.0.0.0/8"), &a("flags none"), NOW)
                .unwrap()
                .flags,
            Some(RouteFlags::empty())
        );
        assert!(route_change(net("10.0.0.0/8"), &a("flags up,bogus"), NOW).is_err());
    }
}
