// SPDX-License-Identifier: GPL-2.0-only

//! Command-line definitions (clap derive). Shell completions and the man
//! page are generated from these same definitions (`rtemuctl completions
//! SHELL`, `rtemuctl man`).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use rtemu::{Family, IpNet};

const AFTER_HELP: &str = "\
Times: durations like 30s, 5m, 1h30m, 2d; absolute times in RFC 3339 \
(2026-01-01T00:00:00Z or with an offset). Lifetimes are kept by the kernel as \
CLOCK_REALTIME nanoseconds.

-j prints JSON with the same keys as the text output. -batch FILE (or \
--batch) runs many route add/del/change/flush commands from FILE (- for \
stdin) over one socket, acknowledged only on error; failures are reported \
with their line numbers.

Exit status: 0 on success, 1 when the kernel or the socket reports an error \
(the kernel's extack message is printed), 2 on a usage error.";

/// Drive rtemu, BSD routing-socket semantics on Linux, through its
/// generic netlink family.
#[derive(Debug, Parser)]
#[command(name = "rtemuctl", version, after_long_help = AFTER_HELP)]
pub struct Cli {
    /// Print JSON (same keys as the text output).
    #[arg(short = 'j', long = "json", global = true)]
    pub json: bool,

    /// Run commands from FILE, one per line, over one socket (`-batch` works too).
    #[arg(short = 'b', long = "batch", value_name = "FILE")]
    pub batch: Option<PathBuf>,

    #[command(subcommand)]
    pub cmd: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, delete, look up, list and flush routes.
    #[command(subcommand)]
    Route(RouteCmd),

    /// Hold references on the routes of ADDRs while this command runs.
    ///
    /// Holds live as long as the socket: they are taken with route-hold,
    /// kept for --for DURATION, or while CMD runs (its exit status becomes
    /// ours), or until interrupted when neither is given; then released.
    /// Needs CAP_NET_ADMIN.
    Hold {
        /// Addresses to look up (rtalloc1(addr, 0, 0)) and hold.
        #[arg(required = true, num_args = 1..)]
        addrs: Vec<IpAddr>,
        /// How long to hold (30s, 5m, ...).
        #[arg(long = "for", value_name = "DURATION", value_parser = crate::time::parse_duration, conflicts_with = "cmd")]
        duration: Option<std::time::Duration>,
        /// A command to run while the holds are kept.
        #[arg(last = true, value_name = "CMD")]
        cmd: Vec<String>,
    },

    /// Counters of this namespace's table (stats-get).
    Stats,

    /// Print events, one line each: time, event, route.
    ///
    /// After ENOBUFS (events were lost) a `resync` line is printed, the
    /// table is dumped (one `route` line per entry) and `resync-done`
    /// follows; then events continue.
    Monitor {
        /// Groups: monitor (add, delete, change, expire, deprecate, clear),
        /// resolve (resolve, miss), or all.
        #[arg(value_enum, default_value_t = Groups::All)]
        groups: Groups,
        /// Socket receive buffer (SO_RCVBUF) in bytes; default 1 MiB, as
        /// far as net.core.rmem_max allows. A tiny one provokes ENOBUFS.
        #[arg(long, value_name = "BYTES")]
        rcvbuf: Option<usize>,
    },

    /// A small resolver answering RESOLVE events (the RTF_XRESOLVE loop).
    ///
    /// Policy: for each resolve event of a clone, send route-change on the
    /// clone (selected by its prefix and current via) with new-via set to
    /// --via if given, else to the via of the clone's cloning parent (found
    /// by its exact prefix in a dump). Flags and lifetimes are left alone.
    /// A clone whose parent cannot be found is skipped with a message.
    /// Miss events are printed, not answered. After ENOBUFS the table is
    /// dumped and every clone of an xresolve parent whose via differs from
    /// the policy's answer is answered. One line per answer.
    Resolve {
        /// Answer every resolve with this router.
        #[arg(long, value_name = "ADDR")]
        via: Option<IpAddr>,
        /// Exit after answering N resolve events.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Socket receive buffer (SO_RCVBUF) in bytes, as for monitor.
        #[arg(long, value_name = "BYTES")]
        rcvbuf: Option<usize>,
    },

    /// Print a shell completion script to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff) to stdout, or write one page per command to --out DIR.
    Man {
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Groups {
    Monitor,
    Resolve,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Af {
    Inet,
    Inet6,
}

impl From<Af> for Family {
    fn from(a: Af) -> Family {
        match a {
            Af::Inet => Family::Inet,
            Af::Inet6 => Family::Inet6,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RouteCmd {
    /// route add PREFIX via ADDR [preferred DURATION | until TIME]
    /// [expires DURATION | at TIME] [clone] [xresolve] [static]
    /// [reject | blackhole]
    ///
    /// `preferred 5m` sets preferred-until to now + 5m, `until TIME` to an
    /// RFC 3339 time (also `preferred until TIME`); likewise `expires 1h`
    /// and `at TIME` (also `expires at TIME`) for expires-at. `clone` sets
    /// RTF_CLONING, `xresolve` RTF_XRESOLVE, `static` RTF_STATIC, `reject`
    /// RTF_REJECT, `blackhole` RTF_BLACKHOLE. A via of 0.0.0.0 or :: makes
    /// an on-link route.
    Add {
        prefix: IpNet,
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<String>,
    },

    /// route del PREFIX [via ADDR] | route del ADDR
    ///
    /// With a PREFIX (it has a /), every path of that prefix, or only the
    /// one through `via ADDR`. With a bare ADDR: every route whose via is
    /// ADDR and every host route to ADDR.
    #[command(visible_alias = "delete")]
    Del {
        #[arg(value_name = "PREFIX|ADDR")]
        target: String,
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<String>,
    },

    /// route get ADDR [clone] [noreport] [noclone]
    ///
    /// Looks ADDR up with rtalloc1(ADDR, report, ignflags) and prints the
    /// entry as aligned `key: value` lines. report is set only when `clone`
    /// is given, so a plain get never clones and never reports a miss;
    /// `clone` may clone a host route off an RTF_CLONING match (needs
    /// CAP_NET_ADMIN) and report misses. `noreport` clears report again;
    /// `noclone` puts cloning in ignflags (report without cloning).
    Get {
        addr: IpAddr,
        #[arg(trailing_var_arg = true, value_name = "ARGS")]
        args: Vec<String>,
    },

    /// route show [inet | inet6]: list the routes, one per line.
    #[command(visible_alias = "list")]
    Show {
        #[arg(value_enum)]
        family: Option<Af>,
    },

    /// route flush [inet | inet6]: remove every route, or one family's.
    Flush {
        #[arg(value_enum)]
        family: Option<Af>,
    },

    /// route change PREFIX [via ADDR] [new-via ADDR] [flags F,F.. | none]
    /// [flags-mask F,F..] [preferred DURATION | until TIME] [expires
    /// DURATION | at TIME]
    ///
    /// Changes one route (the path through `via` of a multipath prefix);
    /// this is how a resolver answers a resolve event. `flags` replaces
    /// static, reject and blackhole, the flags a change may set (FreeBSD's
    /// RTF_FMASK), or with `flags-mask` only those the mask names (FreeBSD's
    /// rtm_fmask). A new-via of 0.0.0.0 or :: makes the route on-link; any
    /// new-via retires the route's clones.
    Change {
        prefix: IpNet,
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "ARGS"
        )]
        args: Vec<String>,
    },
}

/// `-batch FILE` and `-json` are accepted as in `ip`; clap spells long
/// options with two dashes.
pub fn normalize_args<I: IntoIterator<Item = String>>(args: I) -> Vec<String> {
    let mut out = Vec::new();
    let mut before_cmd = true;
    for (i, a) in args.into_iter().enumerate() {
        if i > 0 && before_cmd {
            match a.as_str() {
                "-batch" => {
                    out.push("--batch".into());
                    continue;
                }
                "-json" => {
                    out.push("--json".into());
                    continue;
                }
                s if !s.starts_with('-') && out.last().map(String::as_str) != Some("--batch") => {
                    before_cmd = false
                }
                _ => {}
            }
        }
        out.push(a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(s: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(normalize_args(s.split_whitespace().map(str::to_string)))
    }

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn route_subcommands() {
        let c = parse("rtemuctl route add 10.0.0.0/8 via 192.0.2.1 expires 5m clone").unwrap();
        match c.cmd {
            Some(Command::Route(RouteCmd::Add { prefix, args })) => {
                assert_eq!(prefix.to_string(), "10.0.0.0/8");
                assert_eq!(args, vec!["via", "192.0.2.1", "expires", "5m", "clone"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("rtemuctl route del 10.0.0.1").unwrap().cmd,
            Some(Command::Route(RouteCmd::Del { .. }))
        ));
        assert!(matches!(
            parse("rtemuctl route delete 10.0.0.0/8 via 1.2.3.4")
                .unwrap()
                .cmd,
            Some(Command::Route(RouteCmd::Del { .. }))
        ));
        assert!(matches!(
            parse("rtemuctl route show inet6").unwrap().cmd,
            Some(Command::Route(RouteCmd::Show {
                family: Some(Af::Inet6)
            }))
        ));
        assert!(matches!(
            parse("rtemuctl route list").unwrap().cmd,
            Some(Command::Route(RouteCmd::Show { family: None }))
        ));
        assert!(matches!(
            parse("rtemuctl route flush inet").unwrap().cmd,
            Some(Command::Route(RouteCmd::Flush {
                family: Some(Af::Inet)
            }))
        ));
        assert!(parse("rtemuctl route show ipx").is_err());
        assert!(parse("rtemuctl route add notaprefix via 1.2.3.4").is_err());
        assert!(parse("rtemuctl route get 10.0.0.0/8").is_err());
        let c = parse("rtemuctl -j route get 10.1.2.3 clone").unwrap();
        assert!(c.json);
        assert!(matches!(c.cmd, Some(Command::Route(RouteCmd::Get { .. }))));
        // -j after the subcommand too (global).
        assert!(parse("rtemuctl route show -j").unwrap().json);
    }

    #[test]
    fn hold_monitor_resolve() {
        let c = parse("rtemuctl hold 10.0.0.1 2001:db8::1 --for 30s").unwrap();
        match c.cmd {
            Some(Command::Hold {
                addrs,
                duration,
                cmd,
            }) => {
                assert_eq!(addrs.len(), 2);
                assert_eq!(duration, Some(std::time::Duration::from_secs(30)));
                assert!(cmd.is_empty());
            }
            other => panic!("{other:?}"),
        }
        match parse("rtemuctl hold 10.0.0.1 -- sleep 5").unwrap().cmd {
            Some(Command::Hold {
                cmd,
                duration: None,
                ..
            }) => assert_eq!(cmd, vec!["sleep", "5"]),
            other => panic!("{other:?}"),
        }
        assert!(parse("rtemuctl hold").is_err());
        assert!(parse("rtemuctl hold 10.0.0.1 --for 5m -- true").is_err());
        assert!(parse("rtemuctl hold 10.0.0.1 --for later").is_err());
        assert!(matches!(
            parse("rtemuctl monitor").unwrap().cmd,
            Some(Command::Monitor {
                groups: Groups::All,
                rcvbuf: None
            })
        ));
        assert!(matches!(
            parse("rtemuctl monitor resolve").unwrap().cmd,
            Some(Command::Monitor {
                groups: Groups::Resolve,
                rcvbuf: None
            })
        ));
        assert!(parse("rtemuctl monitor everything").is_err());
        assert!(matches!(
            parse("rtemuctl monitor monitor --rcvbuf 1").unwrap().cmd,
            Some(Command::Monitor {
                groups: Groups::Monitor,
                rcvbuf: Some(1)
            })
        ));
        match parse("rtemuctl resolve --via 192.0.2.7 --count 3")
            .unwrap()
            .cmd
        {
            Some(Command::Resolve { via, count, rcvbuf }) => {
                assert_eq!(via, Some("192.0.2.7".parse().unwrap()));
                assert_eq!(count, Some(3));
                assert_eq!(rcvbuf, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("rtemuctl stats").unwrap().cmd,
            Some(Command::Stats)
        ));
    }

    #[test]
    fn batch_spellings() {
        for s in [
            "rtemuctl -batch f.txt",
            "rtemuctl --batch f.txt",
            "rtemuctl -b f.txt",
            "rtemuctl -json -batch f.txt",
        ] {
            let c = parse(s).unwrap();
            assert_eq!(
                c.batch.as_deref(),
                Some(std::path::Path::new("f.txt")),
                "{s}"
            );
            assert!(c.cmd.is_none());
        }
        assert!(parse("rtemuctl -json -batch f.txt").unwrap().json);
        // After the subcommand, -batch is not rewritten.
        assert_eq!(
            normalize_args(["rtemuctl", "route", "add", "-batch"].map(String::from)),
            vec!["rtemuctl", "route", "add", "-batch"]
        );
    }

    #[test]
    fn completions_and_man_render() {
        let mut buf = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Cli::command(),
            "rtemuctl",
            &mut buf,
        );
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("rtemuctl") && s.contains("monitor") && s.contains("resolve"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut buf)
            .unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.starts_with(".ie") || s.contains(".TH"), "{}", &s[..80]);
        assert!(s.contains("rtemuctl"));
    }
}
