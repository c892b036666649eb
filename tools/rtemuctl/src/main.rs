// SPDX-License-Identifier: GPL-2.0-only

//! rtemuctl: route(8) / `ip route` for rtemu. See `rtemuctl --help` and
//! `rtemuctl man`.

mod args;
mod batch;
mod cli;
mod print;
mod time;

use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use rtemu::{now, proto, Error, Event, Handle, Route, RouteChange, RouteFlags};

use cli::{Cli, Command, Groups, RouteCmd};
use print::{Fields, Printer, Record, RouteWriter, Style};

/// Why a command failed, and so its exit status.
enum Fail {
    /// Bad arguments or input: exit 2.
    Usage(String),
    /// The kernel or the socket said no: exit 1, with the extack message.
    Rtemu(Error),
    Io(io::Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Rtemu(e)
    }
}
impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail::Io(e)
    }
}

type Res<T> = Result<T, Fail>;

/// Write to stdout and flush (monitor lines must not sit in a buffer).
fn out(s: &str) -> Res<()> {
    let mut o = io::stdout().lock();
    written(o.write_all(s.as_bytes()).and_then(|_| o.flush()))
}

/// The outcome of a write to stdout. A closed pipe (`rtemuctl monitor |
/// head`) ends the program quietly.
fn written(r: io::Result<()>) -> Res<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        r => Ok(r?),
    }
}

fn main() -> ExitCode {
    let argv = cli::normalize_args(std::env::args());
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| e.exit());
    let p = Printer { json: cli.json };
    match run(cli, p) {
        Ok(code) => code,
        Err(Fail::Usage(m)) => {
            eprintln!("rtemuctl: {m}");
            ExitCode::from(2)
        }
        Err(Fail::Rtemu(e)) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
        Err(Fail::Io(e)) => {
            eprintln!("rtemuctl: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli, p: Printer) -> Res<ExitCode> {
    if let Some(path) = &cli.batch {
        if cli.cmd.is_some() {
            return Err(Fail::Usage("-batch FILE takes no command".into()));
        }
        return run_batch(path, p);
    }
    let Some(cmd) = cli.cmd else {
        Cli::command().print_help()?;
        return Ok(ExitCode::from(2));
    };
    match cmd {
        Command::Route(rc) => route(rc, p),
        Command::Hold {
            addrs,
            duration,
            cmd,
        } => hold(&addrs, duration, &cmd, p),
        Command::Stats => {
            let s = Handle::connect()?.stats()?;
            out(&p.one(&print::stats(&s), Style::Block))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Monitor { groups, rcvbuf } => monitor(groups, rcvbuf, p),
        Command::Resolve { via, count, rcvbuf } => resolve(via, count, rcvbuf, p),
        // Rendered into memory first: clap_complete panics on a write error
        // and `rtemuctl completions bash | head` closes the pipe early.
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rtemuctl", &mut buf);
            out(&String::from_utf8_lossy(&buf))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { out: dir } => {
            match dir {
                Some(d) => {
                    std::fs::create_dir_all(&d)?;
                    clap_mangen::generate_to(Cli::command(), &d)?;
                }
                None => {
                    let mut buf = Vec::new();
                    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
                    out(&String::from_utf8_lossy(&buf))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn route(rc: RouteCmd, p: Printer) -> Res<ExitCode> {
    // Parse before connecting, so usage errors need no module.
    match rc {
        RouteCmd::Add { prefix, args } => {
            let req = args::route_add(prefix, &args, now()).map_err(Fail::Usage)?;
            Handle::connect()?.route_add(&req)?;
        }
        RouteCmd::Del { target, args } => {
            let req = args::route_del(&target, &args).map_err(Fail::Usage)?;
            let count = Handle::connect()?.route_remove(&req)?;
            if let Some(c) = count {
                out(&p.one(&Record::new().num("count", c.into()), Style::Line))?;
            }
        }
        RouteCmd::Get { addr, args } => {
            let req = args::route_get(addr, &args).map_err(Fail::Usage)?;
            let r = Handle::connect()?.route_get(&req)?;
            out(&p.one(&print::route_get(addr, &r), Style::Block))?;
        }
        RouteCmd::Show { family } => {
            // Kept as received until known consistent, then printed as
            // each route is decoded.
            let dump = Handle::connect()?.route_list_raw_consistent(family.map(Into::into), 3)?;
            if dump.interrupted {
                eprintln!("rtemuctl: the table kept changing during the dump; the list may be inconsistent");
            }
            let mut w = RouteWriter::new(p, io::stdout().lock());
            for r in dump.routes() {
                written(w.route(&r?))?;
            }
            written(w.finish())?;
        }
        RouteCmd::Flush { family } => {
            let count = Handle::connect()?.route_clear(family.map(Into::into))?;
            if let Some(c) = count {
                out(&p.one(&Record::new().num("count", c.into()), Style::Line))?;
            }
        }
        RouteCmd::Change { prefix, args } => {
            let req = args::route_change(prefix, &args, now()).map_err(Fail::Usage)?;
            Handle::connect()?.route_change(&req)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn hold(
    addrs: &[IpAddr],
    duration: Option<std::time::Duration>,
    cmd: &[String],
    p: Printer,
) -> Res<ExitCode> {
    let mut h = Handle::connect()?;
    let mut recs = Vec::new();
    let mut handles = Vec::new();
    for &a in addrs {
        // On failure the holds taken so far go with the socket.
        let r = h.hold(a)?;
        handles.push(r.handle);
        recs.push(print::hold(a, &r));
    }
    out(&p.many(&recs))?;
    let code = if !cmd.is_empty() {
        let status = std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .status()
            .map_err(|e| Fail::Usage(format!("cannot run {}: {e}", cmd[0])))?;
        ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8)
    } else if let Some(d) = duration {
        std::thread::sleep(d);
        ExitCode::SUCCESS
    } else {
        // Until interrupted; the kernel releases the holds with the socket.
        loop {
            std::thread::park();
        }
    };
    for handle in handles {
        h.release(handle)?;
    }
    Ok(code)
}

/// Dump and print the table after lost events. `req` is the listener's
/// second socket, in no group: a dump there cannot be disturbed by events.
fn resync(req: &mut Handle, p: Printer) -> Res<()> {
    out(&p.stream(&print::marker(now(), "resync")))?;
    let dump = req.route_list_consistent(None, 3)?;
    for r in &dump.routes {
        out(&p.stream(
            &print::marker(now(), "route")
                .extend(print::route(r))
                .bare(3),
        ))?;
    }
    let done = print::marker(now(), "resync-done")
        .num("count", dump.routes.len() as u64)
        .flag("interrupted", dump.interrupted);
    out(&p.stream(&done))
}

/// A listener's receive buffer: the size asked for, else 1 MiB (best
/// effort: rmem_max caps it).
fn set_rcvbuf(h: &mut Handle, rcvbuf: Option<usize>) -> Res<()> {
    match rcvbuf {
        Some(n) => h.socket().set_recv_buffer(n)?,
        None => {
            let _ = h.socket().set_recv_buffer(1 << 20);
        }
    }
    Ok(())
}

fn monitor(groups: Groups, rcvbuf: Option<usize>, p: Printer) -> Res<ExitCode> {
    let mut h = Handle::connect()?;
    let mut req = Handle::connect()?;
    set_rcvbuf(&mut h, rcvbuf)?;
    match groups {
        Groups::Monitor => h.subscribe(&[proto::MCGRP_MONITOR])?,
        Groups::Resolve => h.subscribe(&[proto::MCGRP_RESOLVE])?,
        Groups::All => h.subscribe(proto::MCGRPS)?,
    }
    loop {
        match h.next_event() {
            Ok(ev) => out(&p.stream(&print::event(now(), &ev)))?,
            // ENOBUFS, or an event the kernel failed to build (genl_set_err):
            // either way events were lost.
            Err(Error::Overrun) => resync(&mut req, p)?,
            Err(Error::Kernel(k)) => {
                eprintln!("rtemuctl: event lost: {k}");
                resync(&mut req, p)?
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The resolver's answer for a clone: --via, else its parent's via.
fn answer_for(clone: &Route, fixed: Option<IpAddr>, table: &[Route]) -> Option<IpAddr> {
    if fixed.is_some() {
        return fixed;
    }
    let parent = clone.parent?;
    table.iter().find(|r| r.dst == parent).and_then(|r| r.via)
}

/// Send the answer and print one line; failures are printed, not fatal.
fn answer(h: &mut Handle, clone: &Route, new_via: IpAddr, p: Printer) -> Res<bool> {
    let mut req = RouteChange::new(clone.dst);
    req.via = clone.via;
    req.new_via = Some(new_via);
    match h.route_change(&req) {
        Ok(()) => {
            let rec = print::marker(now(), "resolved")
                .extend(print::route(clone))
                .bare(3)
                .str("new-via", new_via);
            out(&p.stream(&rec))?;
            Ok(true)
        }
        Err(e @ Error::Kernel(_)) => {
            eprintln!("rtemuctl: resolve {}: {e}", clone.dst);
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

fn resolve(
    fixed: Option<IpAddr>,
    count: Option<u64>,
    rcvbuf: Option<usize>,
    p: Printer,
) -> Res<ExitCode> {
    // Events come in on `h`; dumps and answers go out on `req`, where no
    // event can crowd out their replies (a full buffer drops acks too).
    let mut h = Handle::connect()?;
    let mut req = Handle::connect()?;
    set_rcvbuf(&mut h, rcvbuf)?;
    h.subscribe(&[proto::MCGRP_RESOLVE])?;
    let mut answered = 0u64;
    let done = |n: u64| count.is_some_and(|c| n >= c);
    if done(0) {
        return Ok(ExitCode::SUCCESS);
    }
    loop {
        match h.next_event() {
            Ok(Event::Resolve(clone)) => {
                let table = if fixed.is_none() {
                    req.route_list(Some(clone.family()))?.routes
                } else {
                    Vec::new()
                };
                match answer_for(&clone, fixed, &table) {
                    Some(v) => {
                        if answer(&mut req, &clone, v, p)? {
                            answered += 1;
                        }
                    }
                    None => eprintln!(
                        "rtemuctl: resolve {}: no parent route with a via; skipped",
                        clone.dst
                    ),
                }
            }
            Ok(ev @ Event::Miss { .. }) => out(&p.stream(&print::event(now(), &ev)))?,
            Ok(_) => {}
            Err(Error::Overrun) | Err(Error::Kernel(_)) => {
                out(&p.stream(&print::marker(now(), "resync")))?;
                let table = req.route_list(None)?.routes;
                for clone in pending_clones(&table, fixed) {
                    if let Some(v) = answer_for(clone, fixed, &table) {
                        if answer(&mut req, clone, v, p)? {
                            answered += 1;
                        }
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
        if done(answered) {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

/// Clones of xresolve parents whose via is not yet the policy's answer.
fn pending_clones(table: &[Route], fixed: Option<IpAddr>) -> Vec<&Route> {
    table
        .iter()
        .filter(|r| r.flags().contains(RouteFlags::WASCLONED))
        .filter(|r| {
            r.parent
                .and_then(|pp| table.iter().find(|x| x.dst == pp))
                .is_some_and(|parent| parent.flags().contains(RouteFlags::XRESOLVE))
        })
        .filter(|r| answer_for(r, fixed, table).is_some_and(|v| r.via != Some(v)))
        .collect()
}

fn run_batch(path: &std::path::Path, p: Printer) -> Res<ExitCode> {
    let name = path.display().to_string();
    let text = if name == "-" {
        let mut s = String::new();
        io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| Fail::Usage(format!("{name}: {e}")))?
    };
    let now = now();
    if let Err(bad) = batch::check(&text, now) {
        for (n, e) in bad {
            eprintln!("rtemuctl: {name}:{n}: {e}");
        }
        return Err(Fail::Usage(format!("{name}: nothing sent")));
    }
    // Checked: every request parses.
    let report = Handle::connect()?.batch(batch::requests(&text, now).filter_map(Result::ok))?;
    // The lines of the failed requests, found again by their index.
    let lines: Vec<(usize, &str)> = match report.errors.iter().map(|(i, _)| *i).max() {
        Some(last) => batch::request_lines(&text).take(last + 1).collect(),
        None => Vec::new(),
    };
    let mut failed = Vec::new();
    for (i, e) in &report.errors {
        let (line, text) = lines[*i];
        eprintln!("Error: {name}:{line}: {text}: {e}");
        failed.push(
            Record::new()
                .num("line", line as u64)
                .str("command", text)
                .str("error", e)
                .num("errno", e.errno().unwrap_or(0) as u64)
                .bare(0),
        );
    }
    if p.json {
        out(&p.many(&failed))?;
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtemu::{Family, IpNet};

    fn route(dst: &str, via: &str, flags: RouteFlags, parent: Option<&str>) -> Route {
        let mut r = Route::new(dst.parse::<IpNet>().unwrap());
        r.via = Some(via.parse().unwrap());
        r.flags = Some(flags);
        r.parent = parent.map(|p| p.parse().unwrap());
        r
    }

    #[test]
    fn resolver_policy() {
        let parent = route(
            "10.0.0.0/8",
            "192.0.2.1",
            RouteFlags::CLONING | RouteFlags::XRESOLVE,
            None,
        );
        let clone = route(
            "10.1.2.3/32",
            "0.0.0.0",
            RouteFlags::WASCLONED | RouteFlags::HOST,
            Some("10.0.0.0/8"),
        );
        let done = route(
            "10.1.2.4/32",
            "192.0.2.1",
            RouteFlags::WASCLONED,
            Some("10.0.0.0/8"),
        );
        let table = vec![parent.clone(), clone.clone(), done.clone()];
        assert_eq!(
            answer_for(&clone, None, &table),
            Some("192.0.2.1".parse().unwrap())
        );
        let fixed: IpAddr = "192.0.2.99".parse().unwrap();
        assert_eq!(answer_for(&clone, Some(fixed), &table), Some(fixed));
        // An orphan clone has no answer under the parent policy.
        let orphan = route(
            "10.9.9.9/32",
            "0.0.0.0",
            RouteFlags::WASCLONED,
            Some("10.9.0.0/16"),
        );
        assert_eq!(answer_for(&orphan, None, &table), None);
        // After ENOBUFS only unresolved clones of xresolve parents are answered.
        let pend: Vec<_> = pending_clones(&table, None)
            .into_iter()
            .map(|r| r.dst)
            .collect();
        assert_eq!(pend, vec![clone.dst]);
        let pend = pending_clones(&table, Some(fixed));
        assert_eq!(pend.len(), 2);
        // Clones of a parent without xresolve are left alone.
        let plain = route("10.0.0.0/8", "192.0.2.1", RouteFlags::CLONING, None);
        assert!(pending_clones(&[plain, clone], Some(fixed)).is_empty());
    }

    #[test]
    fn family_conversion() {
        assert_eq!(Family::from(cli::Af::Inet6), Family::Inet6);
    }
}
