// SPDX-License-Identifier: GPL-2.0-only

//! A WASIX guest's route calls through `RtemuNetworking`, against the loaded
//! rtemu module: `add` and `list` as a guest would make them (the demo), and
//! `check CASE`, the cases selftests/rtemu_wasix.sh runs, each in a network
//! namespace of its own.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand, ValueEnum};
use rtemu_wasix::RtemuNetworking;
use tokio::sync::mpsc;
use virtual_net::{
    IpCidr, IpRoute, NetworkError, RemoteNetworkingClient, RemoteNetworkingServer,
    UnsupportedVirtualNetworking, VirtualNetworking,
};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// route_add CIDR via VIA, expiring after --expires-in if given.
    Add {
        cidr: String,
        via: IpAddr,
        /// Seconds from now; becomes expires_at, an absolute time.
        #[arg(long)]
        expires_in: Option<f64>,
    },
    /// route_list, a route a line: CIDR via ROUTER [expires-at SECONDS].
    List,
    /// One case of the kselftest.
    Check { case: Case },
}

#[derive(Clone, Copy, ValueEnum)]
enum Case {
    /// Each of the four calls, IPv4 and IPv6, lifetimes and "forever".
    Calls,
    /// Each error a guest can get from a loaded module (run with
    /// max_routes=8).
    Errors,
    /// Without CAP_NET_ADMIN: lists work, changes are PermissionDenied.
    Unprivileged,
    /// The module not loaded: each call is Unsupported.
    NotLoaded,
    /// Connected, then the module unloaded: Unsupported; reloaded: works.
    /// Says "connected" and "unsupported" on stdout, waits for a line on
    /// stdin after each.
    Unloaded,
    /// A route with expires_at leaves route_list, not before that time.
    Expires,
    /// The four calls from virtual-net's RemoteNetworkingClient to its
    /// RemoteNetworkingServer, with RtemuNetworking behind the server.
    Remote,
}

type Outcome = Result<(), String>;

fn cidr(s: &str) -> IpCidr {
    let (ip, prefix) = s.split_once('/').expect("CIDR/prefix");
    IpCidr {
        ip: ip.parse().expect("address"),
        prefix: prefix.parse().expect("prefix length"),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn since_epoch() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

fn show(r: &IpRoute) -> String {
    let mut s = format!("{}/{} via {}", r.cidr.ip, r.cidr.prefix, r.via_router);
    if let Some(p) = r.preferred_until {
        s += &format!(" preferred-until {}", p.as_nanos());
    }
    if let Some(e) = r.expires_at {
        s += &format!(" expires-at {}", e.as_nanos());
    }
    s
}

/// The listed routes as text, sorted.
async fn listed(net: &dyn VirtualNetworking) -> Result<BTreeSet<String>, String> {
    let routes = net
        .route_list()
        .await
        .map_err(|e| format!("route_list: {e:?}"))?;
    Ok(routes.iter().map(show).collect())
}

async fn expect_listed(net: &dyn VirtualNetworking, want: &[&str]) -> Outcome {
    let got = listed(net).await?;
    let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
    if got != want {
        return Err(format!("route_list {got:?}, wanted {want:?}"));
    }
    Ok(())
}

fn expect_ok<T>(what: &str, got: Result<T, NetworkError>) -> Outcome {
    got.map(|_| ())
        .map_err(|e| format!("{what}: {e:?}, wanted success"))
}

fn expect_err<T>(what: &str, got: Result<T, NetworkError>, want: NetworkError) -> Outcome {
    match got {
        Err(e) if e == want => Ok(()),
        Err(e) => Err(format!("{what}: {e:?}, wanted {want:?}")),
        Ok(_) => Err(format!("{what}: success, wanted {want:?}")),
    }
}

fn backend() -> RtemuNetworking {
    RtemuNetworking::new(Arc::new(UnsupportedVirtualNetworking::default()))
}

async fn calls(net: &dyn VirtualNetworking) -> Outcome {
    expect_listed(net, &[]).await?;
    let hour = since_epoch() + Duration::from_secs(3600);
    let forever = Duration::from_nanos(u64::MAX);
    expect_ok(
        "add 10.1.0.0/16",
        net.route_add(cidr("10.1.0.0/16"), ip("192.0.2.1"), None, None)
            .await,
    )?;
    expect_ok(
        "add 10.1.0.0/24",
        net.route_add(cidr("10.1.0.0/24"), ip("192.0.2.2"), Some(hour), None)
            .await,
    )?;
    expect_ok(
        "add default",
        net.route_add(cidr("0.0.0.0/0"), ip("192.0.2.254"), None, None)
            .await,
    )?;
    expect_ok(
        "add 2001:db8:1::/48",
        net.route_add(
            cidr("2001:db8:1::/48"),
            ip("fe80::1"),
            Some(forever),
            Some(hour),
        )
        .await,
    )?;
    expect_ok(
        "add on-link 10.2.0.0/16",
        net.route_add(cidr("10.2.0.0/16"), ip("0.0.0.0"), None, Some(forever))
            .await,
    )?;
    let hour = hour.as_nanos();
    expect_listed(
        net,
        &[
            "10.1.0.0/16 via 192.0.2.1",
            &format!("10.1.0.0/24 via 192.0.2.2 preferred-until {hour}"),
            "0.0.0.0/0 via 192.0.2.254",
            &format!("2001:db8:1::/48 via fe80::1 expires-at {hour}"),
            "10.2.0.0/16 via 0.0.0.0",
        ],
    )
    .await?;
    // The routes whose network address it is, not those through it.
    expect_ok("remove 10.1.0.0", net.route_remove(ip("10.1.0.0")).await)?;
    expect_err(
        "remove the router 192.0.2.254",
        net.route_remove(ip("192.0.2.254")).await,
        NetworkError::AddressNotAvailable,
    )?;
    expect_ok(
        "remove 2001:db8:1::",
        net.route_remove(ip("2001:db8:1::")).await,
    )?;
    expect_listed(
        net,
        &["0.0.0.0/0 via 192.0.2.254", "10.2.0.0/16 via 0.0.0.0"],
    )
    .await?;
    expect_ok("clear", net.route_clear().await)?;
    expect_listed(net, &[]).await
}

async fn errors(net: &dyn VirtualNetworking) -> Outcome {
    let via = ip("192.0.2.1");
    expect_ok(
        "add 10.1.0.0/16",
        net.route_add(cidr("10.1.0.0/16"), via, None, None).await,
    )?;
    expect_err(
        "add 10.1.0.0/16 again",
        net.route_add(cidr("10.1.0.0/16"), via, None, None).await,
        NetworkError::AlreadyExists,
    )?;
    let invalid = [
        ("host bits", cidr("10.1.2.3/16"), via, None),
        ("prefix 33", cidr("10.0.0.0/33"), via, None),
        (
            "IPv6 router of an IPv4 prefix",
            cidr("10.3.0.0/16"),
            ip("fe80::1"),
            None,
        ),
        (
            "expired",
            cidr("10.4.0.0/16"),
            via,
            Some(Duration::from_secs(1)),
        ),
    ];
    for (what, c, v, expires) in invalid {
        expect_err(
            what,
            net.route_add(c, v, None, expires).await,
            NetworkError::InvalidInput,
        )?;
    }
    expect_err(
        "remove 10.9.0.0",
        net.route_remove(ip("10.9.0.0")).await,
        NetworkError::AddressNotAvailable,
    )?;
    expect_err(
        "a host route through itself",
        net.route_add(cidr("10.5.0.1/32"), ip("10.5.0.1"), None, None)
            .await,
        NetworkError::AddressNotAvailable,
    )?;
    expect_listed(net, &["10.1.0.0/16 via 192.0.2.1"]).await?;
    // max_routes=8: seven more fit, the ninth does not.
    for i in 0..7 {
        expect_ok(
            "add up to max_routes",
            net.route_add(cidr(&format!("10.6.{i}.0/24")), via, None, None)
                .await,
        )?;
    }
    expect_err(
        "add past max_routes",
        net.route_add(cidr("10.7.0.0/16"), via, None, None).await,
        NetworkError::InsufficientMemory,
    )?;
    expect_ok("clear", net.route_clear().await)?;
    expect_listed(net, &[]).await
}

/// Run by the kselftest after it added 10.1.0.0/16 via 192.0.2.1 itself.
async fn unprivileged(net: &dyn VirtualNetworking) -> Outcome {
    expect_listed(net, &["10.1.0.0/16 via 192.0.2.1"]).await?;
    let denied = NetworkError::PermissionDenied;
    expect_err(
        "add",
        net.route_add(cidr("10.2.0.0/16"), ip("192.0.2.1"), None, None)
            .await,
        denied,
    )?;
    expect_err("remove", net.route_remove(ip("10.1.0.0")).await, denied)?;
    expect_err("clear", net.route_clear().await, denied)?;
    expect_listed(net, &["10.1.0.0/16 via 192.0.2.1"]).await
}

async fn all_unsupported(net: &dyn VirtualNetworking) -> Outcome {
    let unsupported = NetworkError::Unsupported;
    expect_err(
        "add",
        net.route_add(cidr("10.1.0.0/16"), ip("192.0.2.1"), None, None)
            .await,
        unsupported,
    )?;
    expect_err(
        "remove",
        net.route_remove(ip("10.1.0.0")).await,
        unsupported,
    )?;
    expect_err("clear", net.route_clear().await, unsupported)?;
    expect_err("list", net.route_list().await, unsupported)
}

/// Prints `said` and waits for the kselftest's line on stdin.
fn handshake(said: &str) -> Outcome {
    println!("{said}");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("stdin: {e}"))?;
    Ok(())
}

async fn unloaded(net: &dyn VirtualNetworking) -> Outcome {
    expect_listed(net, &[]).await?;
    handshake("connected")?;
    all_unsupported(net).await?;
    handshake("unsupported")?;
    expect_ok(
        "add after the reload",
        net.route_add(cidr("10.1.0.0/16"), ip("192.0.2.1"), None, None)
            .await,
    )?;
    expect_listed(net, &["10.1.0.0/16 via 192.0.2.1"]).await
}

async fn expires(net: &dyn VirtualNetworking) -> Outcome {
    // Two seconds ahead; taken again should the time have passed before the
    // kernel saw it (a stalled machine), which it refuses.
    let expires_at = loop {
        let at = since_epoch() + Duration::from_secs(2);
        match net
            .route_add(cidr("10.1.0.0/16"), ip("192.0.2.1"), None, Some(at))
            .await
        {
            Ok(()) => break at,
            Err(NetworkError::InvalidInput) if since_epoch() >= at => continue,
            Err(e) => return Err(format!("add with expires_at: {e:?}")),
        }
    };
    let route = format!(
        "10.1.0.0/16 via 192.0.2.1 expires-at {}",
        expires_at.as_nanos()
    );
    // Polls for the condition; the bound only keeps a broken module from
    // hanging the test.
    let give_up = Instant::now() + Duration::from_secs(120);
    loop {
        let got = listed(net).await?;
        let now = since_epoch();
        if got.is_empty() {
            if now < expires_at {
                return Err(format!("gone {:?} before expires_at", expires_at - now));
            }
            return Ok(());
        }
        if got != BTreeSet::from([route.clone()]) {
            return Err(format!("route_list {got:?}, wanted [{route}]"));
        }
        if Instant::now() > give_up {
            return Err(format!(
                "still listed {:?} after expires_at",
                now - expires_at
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The remote pair over channels, as wasmer's own tests build it.
async fn remote() -> Outcome {
    let (client_tx, server_rx) = mpsc::channel(16);
    let (server_tx, client_rx) = mpsc::channel(16);
    let (client, client_driver) = RemoteNetworkingClient::new_from_mpsc(client_tx, client_rx);
    let (_server, server_driver) =
        RemoteNetworkingServer::new_from_mpsc(server_tx, server_rx, Arc::new(backend()));
    tokio::spawn(client_driver);
    tokio::spawn(server_driver);
    // The client sends add, remove and clear without waiting for an answer
    // (wasmer's design: their errors never come back to it); the server
    // handles requests in order, so a list after them shows their effect.
    let net: &dyn VirtualNetworking = &client;
    expect_listed(net, &[]).await?;
    let hour = since_epoch() + Duration::from_secs(3600);
    let via = ip("192.0.2.1");
    let adds = [
        (cidr("10.1.0.0/16"), via, None),
        (cidr("10.1.0.0/24"), ip("192.0.2.2"), Some(hour)),
        (cidr("2001:db8:1::/48"), ip("fe80::1"), Some(hour)),
        // Host bits: the server refuses it, the client never hears.
        (cidr("10.2.0.1/16"), via, None),
    ];
    for (c, v, expires) in adds {
        expect_ok("add", net.route_add(c, v, None, expires).await)?;
    }
    let hour = hour.as_nanos();
    expect_listed(
        net,
        &[
            "10.1.0.0/16 via 192.0.2.1",
            &format!("10.1.0.0/24 via 192.0.2.2 expires-at {hour}"),
            &format!("2001:db8:1::/48 via fe80::1 expires-at {hour}"),
        ],
    )
    .await?;
    expect_ok("remove 10.1.0.0", net.route_remove(ip("10.1.0.0")).await)?;
    expect_listed(
        net,
        &[&format!("2001:db8:1::/48 via fe80::1 expires-at {hour}")],
    )
    .await?;
    expect_ok("clear", net.route_clear().await)?;
    expect_listed(net, &[]).await
}

async fn check(case: Case) -> Outcome {
    let net = backend();
    match case {
        Case::Calls => calls(&net).await,
        Case::Errors => errors(&net).await,
        Case::Unprivileged => unprivileged(&net).await,
        Case::NotLoaded => all_unsupported(&net).await,
        Case::Unloaded => unloaded(&net).await,
        Case::Expires => expires(&net).await,
        Case::Remote => remote().await,
    }
}

async fn run(cmd: Cmd) -> Outcome {
    match cmd {
        Cmd::Add {
            cidr: c,
            via,
            expires_in,
        } => {
            let expires_at = expires_in.map(|s| since_epoch() + Duration::from_secs_f64(s));
            backend()
                .route_add(cidr(&c), via, None, expires_at)
                .await
                .map_err(|e| format!("route_add: {e}"))
        }
        Cmd::List => {
            for r in backend()
                .route_list()
                .await
                .map_err(|e| format!("route_list: {e}"))?
            {
                println!("{}", show(&r));
            }
            Ok(())
        }
        Cmd::Check { case } => check(case).await,
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args.cmd)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
