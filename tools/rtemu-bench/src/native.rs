// SPDX-License-Identifier: GPL-2.0-only

//! The native lookup benchmark (feature `bench`).

use std::path::Path;

/// Runs the benchmark and writes its JSON report to `json`.
pub fn run_to_file(
    _asn: &Path,
    _json: &Path,
    _seed: u64,
    _quick: bool,
    _filter: Option<&str>,
) -> Result<(), String> {
    Err("not implemented yet".into())
}
