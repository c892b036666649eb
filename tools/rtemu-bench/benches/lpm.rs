// SPDX-License-Identifier: GPL-2.0-only

//! `cargo bench -p rtemu-bench --features bench --bench lpm`: the native LPM benchmark (see
//! `rtemu_bench::native`) with criterion. Environment:
//!
//! - `RTEMU_BENCH_DATA`: the data sets, comma-separated (default `asn,bgp`);
//! - `RTEMU_ASN_DIR`: the unpacked `@ip-location-db/asn` package (default
//!   `~/.cache/rtemu/data/asn`, where `scripts/setup.sh` puts it);
//! - `RTEMU_BGP_FILE`: the BGP table's prefix list (default the vendored
//!   `data/bgp-full-table.txt.gz` of this crate);
//! - `RTEMU_BENCH_QUICK=1`: a short smoke run;
//! - `RTEMU_BENCH_SEED`: seed of samples and keys (default 1);
//! - `RTEMU_BENCH_FILTER`: only benchmark ids containing this (e.g. `v4/full`);
//! - `RTEMU_BENCH_JSON`: where to write the JSON report (default
//!   `target/rtemu-bench-native.json`).
//!
//! Criterion's own results go to `target/criterion/`.

use std::path::PathBuf;
use std::time::Instant;

use rtemu_bench::data::DataSet;
use rtemu_bench::native::{
    bench_all,
    report,
    table,
    Config, //
};

#[global_allocator]
static ALLOC: rtemu_testkit::alloc::Counting = rtemu_testkit::alloc::Counting;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn main() {
    let asn = env("RTEMU_ASN_DIR").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/rtemu/data/asn")
        },
        PathBuf::from,
    );
    let bgp = env("RTEMU_BGP_FILE").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/bgp-full-table.txt.gz"),
        PathBuf::from,
    );
    let wanted = env("RTEMU_BENCH_DATA").unwrap_or_else(|| "asn,bgp".into());
    let data = wanted
        .split(',')
        .map(|name| match name.trim() {
            "asn" => (DataSet::Asn, asn.clone()),
            "bgp" => (DataSet::Bgp, bgp.clone()),
            other => panic!("RTEMU_BENCH_DATA: unknown data set {other:?} (asn, bgp)"),
        })
        .collect();
    let cfg = Config {
        data,
        seed: env("RTEMU_BENCH_SEED").map_or(1, |s| s.parse().expect("RTEMU_BENCH_SEED")),
        quick: env("RTEMU_BENCH_QUICK").is_some_and(|v| v != "0"),
        filter: env("RTEMU_BENCH_FILTER"),
    };
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .to_path_buf();
    let dir = target.join("criterion");
    let start = Instant::now();
    let mut c = cfg.criterion().output_directory(&dir).configure_from_args();
    let plan = bench_all(&mut c, &cfg)
        .unwrap_or_else(|e| panic!("{e} (set RTEMU_ASN_DIR, RTEMU_BGP_FILE or RTEMU_BENCH_DATA)"));
    c.final_summary();
    let report = report(&cfg, &plan, &dir, start.elapsed());
    let json = env("RTEMU_BENCH_JSON")
        .map_or_else(|| target.join("rtemu-bench-native.json"), PathBuf::from);
    let text = serde_json::to_string_pretty(&report).expect("JSON");
    std::fs::write(&json, text + "\n").unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    println!("{}", table(&report));
    println!("wrote {}", json.display());
}
