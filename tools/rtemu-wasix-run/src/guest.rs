// SPDX-License-Identifier: GPL-2.0-only

//! Running one WASIX guest under wasmer-wasix, with the routing table in
//! rtemu.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rtemu_wasix::RtemuNetworking;
use virtual_net::host::LocalNetworking;
use virtual_net::VirtualNetworking;
use wasmer::Module;
use wasmer_types::ModuleHash;
use wasmer_wasix::runners::wasi::{RuntimeOrEngine, WasiRunner};
use wasmer_wasix::runtime::task_manager::tokio::TokioTaskManager;
use wasmer_wasix::{PluggableRuntime, Runtime, WasiRuntimeError};

use crate::ipv6_fix::UnswapIpv6;

/// Runs the guest at `path` (binary or text WebAssembly) with `args` and
/// returns its exit status as a process's (the low 8 bits).
pub fn run(path: &Path, args: &[String]) -> anyhow::Result<u8> {
    // wat passes binary modules through unchanged.
    let wasm = wat::parse_file(path).with_context(|| format!("{}", path.display()))?;
    let name = path
        .file_stem()
        .map_or_else(|| "guest".into(), |s| s.to_string_lossy());
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    // LocalNetworking and the task manager find the runtime through it;
    // run_wasm blocks, so it must not run inside block_on.
    let _entered = tokio.enter();
    let net = UnswapIpv6::new(RtemuNetworking::new(Arc::new(LocalNetworking::new())));
    run_with(&wasm, &name, args, net)
}

/// Runs the module `wasm` named `name` with `args` and `net` for its
/// networking, in the tokio runtime the caller entered.
pub fn run_with(
    wasm: &[u8],
    name: &str,
    args: &[String],
    net: impl VirtualNetworking,
) -> anyhow::Result<u8> {
    let tasks = TokioTaskManager::new(tokio::runtime::Handle::current());
    let mut runtime = PluggableRuntime::new(Arc::new(tasks));
    runtime.set_networking_implementation(net);
    let module = Module::new(&runtime.engine(), wasm).context("compiling the guest")?;
    let outcome = WasiRunner::new().with_args(args).run_wasm(
        RuntimeOrEngine::Runtime(Arc::new(runtime)),
        name,
        module,
        ModuleHash::new(wasm),
    );
    match outcome {
        Ok(()) => Ok(0),
        Err(e) => match e
            .downcast_ref::<WasiRuntimeError>()
            .and_then(WasiRuntimeError::as_exit_code)
        {
            // As a native process's status: the low 8 bits.
            Some(code) => Ok(code.raw() as u8),
            None => Err(e.context(format!("running {name}"))),
        },
    }
}
