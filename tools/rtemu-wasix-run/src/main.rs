// SPDX-License-Identifier: GPL-2.0-only

//! `rtemu-wasix-run GUEST [ARGS]...`: runs a WASIX guest under wasmer (with
//! wasmer-wasix) whose networking is wasmer's host networking with the
//! routing table in rtemu ([`rtemu_wasix::RtemuNetworking`]), and exits with
//! the guest's status.

mod guest;
mod ipv6_fix;
mod netns;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// The status when the runner itself fails (the guest could not be read,
/// compiled or run to an exit): 125, as `env` and `ip netns exec` use for
/// their own failures, so that a guest's statuses below it stay the guest's.
const RUNNER_FAILED: u8 = 125;

#[derive(Parser)]
#[command(
    version,
    about = "Run a WASIX guest under wasmer with its routes (port_route_*) in rtemu",
    after_help = "Exits with the guest's status (its low 8 bits, as for any process), \
                  or 125 when the runner fails."
)]
struct Args {
    /// Run in the network namespace NAME, as `ip netns` names them
    /// (/var/run/netns/NAME); by default, the caller's.
    #[arg(long, value_name = "NAME")]
    netns: Option<String>,
    /// The guest: a WebAssembly module, binary (.wasm) or text (.wat).
    guest: PathBuf,
    /// The guest's arguments (its argv after its name).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("rtemu-wasix-run: {e:#}");
            ExitCode::from(RUNNER_FAILED)
        }
    }
}

fn run(args: &Args) -> anyhow::Result<u8> {
    // Before any thread starts: threads inherit the namespace of the thread
    // that starts them, and the route calls run on wasmer's.
    if let Some(name) = &args.netns {
        netns::enter_named(name)?;
    }
    guest::run(&args.guest, &args.args)
}
