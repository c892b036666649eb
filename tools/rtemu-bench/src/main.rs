// SPDX-License-Identifier: GPL-2.0-only

//! rtemu-bench: real-data prefix sets (`prefixes`), the native LPM benchmark (`native`), and the
//! rate of the kernel's route dump (`dump`).

use std::path::{
    Path,
    PathBuf, //
};
use std::process::ExitCode;
use std::time::Instant;

use clap::{
    Parser,
    Subcommand, //
};
use serde_json::{
    json,
    Map,
    Value, //
};

use rtemu_bench::data::{
    Addr,
    DataSet, //
};
use rtemu_bench::files::{
    write_bin,
    write_txt, //
};
use rtemu_bench::reflpm::nested;
use rtemu_bench::sample::{
    permutation,
    take,
    SetSize, //
};

#[global_allocator]
static ALLOC: rtemu_testkit::alloc::Counting = rtemu_testkit::alloc::Counting;

/// Benchmarks of rtemu's trie on real routing-table prefixes.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Writes the sampled prefix sets of one data set: FAM-SIZE.txt, FAM-SIZE.bin and
    /// FAM-SIZE.nested.bin (the sample's nested prefixes) for FAM in v4, v6 and SIZE in 1k,
    /// 100k, full; prints a one-line JSON summary.
    #[command(group = clap::ArgGroup::new("data").required(true).multiple(false))]
    Prefixes {
        /// The unpacked @ip-location-db/asn package (asn-ipv4.csv, asn-ipv6.csv).
        #[arg(long, value_name = "DIR", group = "data")]
        asn: Option<PathBuf>,
        /// A prefix list, one prefix a line, IPv4 and IPv6 (the BGP full table,
        /// tools/rtemu-bench/data/bgp-full-table.txt.gz; .gz is read through gzip -dc).
        #[arg(long, value_name = "FILE", group = "data")]
        bgp: Option<PathBuf>,
        /// Where to write the files (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Seed of the samples.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Native lookup benchmark (criterion): rtemu's trie against other LPM crates, on each data
    /// set given; writes all results to one JSON file. Needs the `bench` feature.
    #[command(group = clap::ArgGroup::new("data").required(true).multiple(true))]
    Native {
        /// The unpacked @ip-location-db/asn package (asn-ipv4.csv, asn-ipv6.csv).
        #[arg(long, value_name = "DIR", group = "data")]
        asn: Option<PathBuf>,
        /// The BGP full table's prefix list (tools/rtemu-bench/data/bgp-full-table.txt.gz).
        #[arg(long, value_name = "FILE", group = "data")]
        bgp: Option<PathBuf>,
        /// The JSON file to write.
        #[arg(long, value_name = "OUT")]
        json: PathBuf,
        /// Seed of the samples and keys.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A short smoke run (fewer keys, much shorter measurements).
        #[arg(long)]
        quick: bool,
        /// Only benchmarks whose id contains this (e.g. `v4/full`).
        #[arg(long)]
        filter: Option<String>,
    },
    /// Times one `route-list` dump of the loaded module's table, kept as received and not
    /// decoded (what the kernel and the socket cost, without any printing); prints a one-line
    /// JSON result.
    Dump {
        /// Only this family's routes.
        #[arg(value_enum)]
        family: Option<DumpFamily>,
    },
}

/// The families `dump` can list.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum DumpFamily {
    Inet,
    Inet6,
}

impl From<DumpFamily> for rtemu::Family {
    fn from(f: DumpFamily) -> Self {
        match f {
            DumpFamily::Inet => rtemu::Family::Inet,
            DumpFamily::Inet6 => rtemu::Family::Inet6,
        }
    }
}

fn dump(family: Option<DumpFamily>) -> rtemu::Result<Value> {
    let mut handle = rtemu::Handle::connect()?;
    let start = Instant::now();
    let dump = handle.route_list_raw(family.map(Into::into))?;
    let ns = start.elapsed().as_nanos();
    Ok(json!({
        "routes": dump.len(),
        "ns": ns,
        "interrupted": dump.interrupted,
    }))
}

fn write_family<A: Addr>(
    all: &[(A, u8)],
    seed: u64,
    out: &Path,
    files: &mut Map<String, Value>,
    nested_counts: &mut Map<String, Value>,
) -> std::io::Result<()> {
    let perm = permutation(all, seed);
    for size in SetSize::ALL {
        let set = take(&perm, size);
        let stem = format!("{}-{}", A::NAME, size.name());
        write_txt(&out.join(format!("{stem}.txt")), set)?;
        write_bin(&out.join(format!("{stem}.bin")), set)?;
        // Nested within the sample itself: a cover left out of the sample does not count.
        let nested = nested(set);
        write_bin(&out.join(format!("{stem}.nested.bin")), &nested)?;
        files.insert(stem.clone(), json!(set.len()));
        nested_counts.insert(stem, json!(nested.len()));
    }
    Ok(())
}

fn prefixes(data: DataSet, input: &Path, out: &Path, seed: u64) -> std::io::Result<Value> {
    let (v4, v6) = data.load(input)?;
    std::fs::create_dir_all(out)?;
    let mut files = Map::new();
    let mut nested = Map::new();
    write_family(&v4, seed, out, &mut files, &mut nested)?;
    write_family(&v6, seed, out, &mut files, &mut nested)?;
    Ok(json!({
        "data": data.name(),
        "source": data.source(),
        "input": input.display().to_string(),
        "seed": seed,
        "out": out.display().to_string(),
        "files": files,
        "nested": nested,
    }))
}

/// The data sets given, each with its path, in report order.
fn data_sets(asn: Option<PathBuf>, bgp: Option<PathBuf>) -> Vec<(DataSet, PathBuf)> {
    [(DataSet::Asn, asn), (DataSet::Bgp, bgp)]
        .into_iter()
        .filter_map(|(d, p)| p.map(|p| (d, p)))
        .collect()
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.cmd {
        Cmd::Prefixes {
            asn,
            bgp,
            out,
            seed,
        } => match data_sets(asn, bgp)
            .first()
            .map(|(d, input)| prefixes(*d, input, &out, seed))
            .expect("clap requires one data set")
        {
            Ok(v) => {
                println!("{v}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rtemu-bench prefixes: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Native {
            asn,
            bgp,
            json,
            seed,
            quick,
            filter,
        } => native(&data_sets(asn, bgp), &json, seed, quick, filter.as_deref()),
        Cmd::Dump { family } => match dump(family) {
            Ok(v) => {
                println!("{v}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rtemu-bench dump: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

#[cfg(feature = "bench")]
fn native(
    data: &[(DataSet, PathBuf)],
    json: &Path,
    seed: u64,
    quick: bool,
    filter: Option<&str>,
) -> ExitCode {
    match rtemu_bench::native::run_to_file(data, json, seed, quick, filter) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtemu-bench native: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "bench"))]
fn native(_: &[(DataSet, PathBuf)], _: &Path, _: u64, _: bool, _: Option<&str>) -> ExitCode {
    eprintln!(
        "rtemu-bench native: built without the `bench` feature; run it as\n  \
         cargo run --release -p rtemu-bench --features bench -- native ..."
    );
    ExitCode::from(2)
}
