// SPDX-License-Identifier: GPL-2.0-only

//! `-batch FILE`: like `ip -batch`, one command per line (`#` starts a
//! comment), parsed with the same grammar as the command line. Only
//! changes are streamed: `route add`, `route del`, `route change` and
//! `route flush`. Every line is parsed before anything is sent; parse
//! errors name their line and nothing is sent. The file is parsed twice,
//! to check it and then as it is sent, rather than held as requests:
//! under emulation (User-Mode Linux, where every page a process first
//! touches is a round trip to the host) a bulk load's cost follows the
//! memory it touches.

use clap::{CommandFactory, FromArgMatches};
use rtemu::{RouteClear, RtemuMessage, Timestamp, Typed};

use crate::args;
use crate::cli::{Cli, Command, RouteCmd};

/// clap's first line, without its "error: " prefix.
fn clap_message(e: clap::Error) -> String {
    let s = e.to_string();
    let first = s.lines().next().unwrap_or("").trim();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

/// `cmd` is `Cli::command()`, built once for the whole file and only when a
/// line needs clap: building it per line made a few thousand lines take
/// seconds in a debug build (tens of seconds under emulation).
fn parse_line(
    cmd: &mut Option<clap::Command>,
    words: Vec<&str>,
    now: Timestamp,
) -> Result<RtemuMessage, String> {
    let words: Vec<&str> = match words.first() {
        Some(&"rtemuctl") => words[1..].to_vec(),
        _ => words,
    };
    if let Some(r) = fast_path(&words, now) {
        return r;
    }
    let matches = cmd
        .get_or_insert_with(Cli::command)
        .try_get_matches_from_mut(std::iter::once("rtemuctl").chain(words.iter().copied()))
        .map_err(clap_message)?;
    let cli = Cli::from_arg_matches(&matches).map_err(clap_message)?;
    if cli.json || cli.batch.is_some() {
        return Err("options are not allowed inside a batch".into());
    }
    Ok(match cli.cmd {
        Some(Command::Route(RouteCmd::Add { prefix, args })) => {
            args::route_add(prefix, &args, now)?.to_message()
        }
        Some(Command::Route(RouteCmd::Del { target, args })) => {
            args::route_del(&target, &args)?.to_message()
        }
        Some(Command::Route(RouteCmd::Change { prefix, args })) => {
            args::route_change(prefix, &args, now)?.to_message()
        }
        Some(Command::Route(RouteCmd::Flush { family })) => RouteClear {
            family: family.map(Into::into),
        }
        .to_message(),
        _ => return Err("only route add, del, change and flush can be batched".into()),
    })
}

/// The usual lines (`route add|del|delete|change PREFIX ...`, `route
/// flush [inet|inet6]`) without clap, which costs more than the rest of a
/// bulk load together; None sends the line through clap (options, bad
/// prefixes and the like, so errors read the same as on the command line).
fn fast_path(words: &[&str], now: Timestamp) -> Option<Result<RtemuMessage, String>> {
    let (&"route", [sub, rest @ ..]) = words.split_first()? else {
        return None;
    };
    if rest.iter().any(|w| w.starts_with('-')) {
        return None;
    }
    Some(match (*sub, rest) {
        ("add", [prefix, args @ ..]) => {
            let prefix = prefix.parse().ok()?;
            args::route_add(prefix, args, now).map(|r| r.to_message())
        }
        ("del" | "delete", [target, args @ ..]) => {
            args::route_del(target, args).map(|r| r.to_message())
        }
        ("change", [prefix, args @ ..]) => {
            let prefix = prefix.parse().ok()?;
            args::route_change(prefix, args, now).map(|r| r.to_message())
        }
        ("flush", []) => Ok(RouteClear { family: None }.to_message()),
        ("flush", [af @ ("inet" | "inet6")]) => Ok(RouteClear {
            family: Some(if *af == "inet" {
                rtemu::Family::Inet
            } else {
                rtemu::Family::Inet6
            }),
        }
        .to_message()),
        _ => return None,
    })
}

/// The lines of a batch file that are requests: number (1-based) and text,
/// without comments and blanks.
pub fn request_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.split('#').next().unwrap_or("").trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

/// The requests of a batch file, in its order, each parsed as it is drawn.
pub fn requests(
    text: &str,
    now: Timestamp,
) -> impl Iterator<Item = Result<RtemuMessage, String>> + '_ {
    let mut cmd = None;
    request_lines(text)
        .map(move |(_, line)| parse_line(&mut cmd, line.split_whitespace().collect(), now))
}

/// Check a batch file: every bad line, with its number, or none.
pub fn check(text: &str, now: Timestamp) -> Result<(), Vec<(usize, String)>> {
    let bad: Vec<(usize, String)> = request_lines(text)
        .zip(requests(text, now))
        .filter_map(|((n, _), r)| r.err().map(|e| (n, e)))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtemu::{Cmd, RouteAdd, RouteRemove};

    const NOW: u64 = 1_767_225_600_000_000_000;

    #[test]
    fn parses_lines_comments_and_blanks() {
        let text = "\
# bulk load
route add 10.0.0.0/8 via 192.0.2.1 static

route add 2001:db8::/32 via fe80::1 expires 5m   # trailing comment
rtemuctl route del 10.0.0.0/8 via 192.0.2.1
route del 192.0.2.1
route change 10.1.2.3/32 new-via 192.0.2.9
route flush inet6
route delete 10.9.0.0/16
";
        check(text, NOW).unwrap();
        let lines: Vec<(usize, &str)> = request_lines(text).collect();
        let msgs: Vec<RtemuMessage> = requests(text, NOW).map(Result::unwrap).collect();
        let nums: Vec<usize> = lines.iter().map(|l| l.0).collect();
        assert_eq!(nums, vec![2, 4, 5, 6, 7, 8, 9]);
        let cmds: Vec<Cmd> = msgs.iter().map(|m| m.cmd).collect();
        assert_eq!(
            cmds,
            vec![
                Cmd::RouteAdd,
                Cmd::RouteAdd,
                Cmd::RouteRemove,
                Cmd::RouteRemove,
                Cmd::RouteChange,
                Cmd::RouteClear,
                Cmd::RouteRemove
            ]
        );
        let add = RouteAdd::from_message(&msgs[1]).unwrap();
        assert_eq!(add.expires_at, Some(NOW + 300_000_000_000));
        assert_eq!(
            RouteRemove::from_message(&msgs[3]).unwrap(),
            RouteRemove::Addr("192.0.2.1".parse().unwrap())
        );
        assert_eq!(lines[1].1, "route add 2001:db8::/32 via fe80::1 expires 5m");
    }

    #[test]
    fn reports_every_bad_line() {
        let text = "\
route add 10.0.0.0/8 via 192.0.2.1
route add 10.0.0.0/8
route get 10.0.0.1
route add 10.0.0.0/40 via 1.2.3.4
frobnicate
route show
-j route flush
";
        let bad = check(text, NOW).unwrap_err();
        let nums: Vec<usize> = bad.iter().map(|(n, _)| *n).collect();
        assert_eq!(nums, vec![2, 3, 4, 5, 6, 7]);
        assert!(bad[0].1.contains("needs via"), "{}", bad[0].1);
        assert!(bad[1].1.contains("only route add"), "{}", bad[1].1);
        assert!(bad[2].1.contains("10.0.0.0/40"), "{}", bad[2].1);
    }

    #[test]
    fn fast_path_agrees_with_clap() {
        let mut cmd = Cli::command();
        for line in [
            "route add 10.0.0.0/8 via 192.0.2.1 static expires 5m clone",
            "route add 2001:db8::/32 via fe80::1 until 2026-01-01T00:30:00Z",
            "route del 10.0.0.0/8 via 192.0.2.1",
            "route delete 192.0.2.1",
            "route change 10.1.2.3/32 new-via 192.0.2.9 flags static",
            "route flush",
            "route flush inet6",
        ] {
            let words: Vec<&str> = line.split_whitespace().collect();
            let fast = fast_path(&words, NOW).expect(line).unwrap();
            let m = cmd.try_get_matches_from_mut(std::iter::once("rtemuctl").chain(words.clone()));
            let cli = Cli::from_arg_matches(&m.unwrap()).unwrap();
            let slow = match cli.cmd {
                Some(Command::Route(RouteCmd::Add { prefix, args })) => {
                    args::route_add(prefix, &args, NOW).unwrap().to_message()
                }
                Some(Command::Route(RouteCmd::Del { target, args })) => {
                    args::route_del(&target, &args).unwrap().to_message()
                }
                Some(Command::Route(RouteCmd::Change { prefix, args })) => {
                    args::route_change(prefix, &args, NOW).unwrap().to_message()
                }
                Some(Command::Route(RouteCmd::Flush { family })) => RouteClear {
                    family: family.map(Into::into),
                }
                .to_message(),
                other => panic!("{other:?}"),
            };
            assert_eq!(fast, slow, "{line}");
        }
        // Left to clap: options, bad prefixes, other commands.
        for line in [
            "route add 10.0.0.0/40 via 1.2.3.4",
            "route add -j 10.0.0.0/8 via 1.2.3.4",
            "route show",
            "route flush ipx",
            "stats",
        ] {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert!(fast_path(&words, NOW).is_none(), "{line}");
        }
    }

    #[test]
    fn empty_file_is_empty_batch() {
        assert_eq!(check("# nothing\n\n", NOW), Ok(()));
        assert_eq!(requests("# nothing\n\n", NOW).count(), 0);
    }
}
