// SPDX-License-Identifier: GPL-2.0-only

//! rtemu-fuzz: random operations on the rtemu module and on a reference
//! model, every reply compared; a mismatch is shrunk to a 1-minimal sequence.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

use rtemu_fuzz::bsd::BsdModel;
use rtemu_fuzz::deviations::{self, Deviations};
use rtemu_fuzz::gen::{sequence_seed, Generator};
use rtemu_fuzz::kernel::{self, Kernel};
use rtemu_fuzz::model::Model;
use rtemu_fuzz::op::Op;
use rtemu_fuzz::run::{check_sequence, shrink_sequence, Reference, FINAL_CHECKS};

/// The reference models the module is compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Models {
    /// The model written from rtemu's README (`model.rs`).
    Readme,
    /// The model read from FreeBSD 7's route.c, rtsock.c and in_rmx.c
    /// (`bsd.rs`), with the known deviations (`deviations.rs`).
    Freebsd,
    /// Both, beside each other.
    Both,
}

/// Differential fuzzing of the rtemu module against a reference model.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Operations to run in all (final dumps and stats not counted).
    #[arg(long, default_value_t = 10_000)]
    ops: u64,
    /// Seed of the run (default: from the clock); printed, and reproducible.
    #[arg(long)]
    seed: Option<u64>,
    /// Operations per sequence; the table is cleared between sequences.
    #[arg(long, default_value_t = 40)]
    seq_len: usize,
    /// Run only sequence K of the seed (as named by a mismatch report).
    #[arg(long, value_name = "K")]
    sequence: Option<u64>,
    /// Stop after this many mismatches (each is shrunk and printed).
    #[arg(long, default_value_t = 1)]
    max_mismatches: u64,
    /// Length of a tick of the sequences that let time pass, in ms. A
    /// sequence that runs late (a reply after a tick it may cross) runs
    /// again with ticks twice as long, up to --max-slowdown times this.
    #[arg(long, default_value_t = 100)]
    tick_ms: u64,
    /// How many times --tick-ms the ticks of a late sequence may stretch to
    /// (1: a late run counts as it is, e.g. to replay at one tick length).
    #[arg(long, default_value_t = kernel::DEFAULT_MAX_SLOWDOWN, value_parser = clap::value_parser!(u32).range(1..))]
    max_slowdown: u32,
    /// The module was loaded with this max_routes.
    #[arg(long)]
    max_routes: Option<usize>,
    /// The models to compare the module against.
    #[arg(long, value_enum, default_value_t = Models::Both)]
    model: Models,
    /// The FreeBSD model accepts none of the known deviations (or only
    /// those named with --deviation): it predicts FreeBSD 7 as read.
    #[arg(long)]
    strict_freebsd: bool,
    /// With --strict-freebsd, accept this known deviation after all
    /// (repeatable; names as --list-deviations prints them).
    #[arg(long, value_name = "NAME")]
    deviation: Vec<String>,
    /// Print the known deviations of rtemu from FreeBSD 7 and exit.
    #[arg(long)]
    list_deviations: bool,
    /// Print the operations of the sequences instead of running them.
    #[arg(long)]
    print: bool,
    /// Print a KTAP document (diagnostics as "#" lines, one test).
    #[arg(long)]
    ktap: bool,
}

struct Out {
    ktap: bool,
}

impl Out {
    fn say(&self, s: &str) {
        for line in s.lines() {
            if self.ktap {
                println!("# {line}");
            } else {
                println!("{line}");
            }
        }
    }
}

fn clock_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t ^ (std::process::id() as u64).rotate_left(32)) % 1_000_000_000_000
}

fn main() -> ExitCode {
    let args = Args::parse();
    let out = Out { ktap: args.ktap };
    if args.print {
        print_sequences(&args);
        return ExitCode::SUCCESS;
    }
    if args.list_deviations {
        for d in deviations::KNOWN {
            println!(
                "{}\n  FreeBSD 7: {}\n  rtemu: {}",
                d.name(),
                d.freebsd(),
                d.rtemu()
            );
        }
        return ExitCode::SUCCESS;
    }
    if args.ktap {
        println!("TAP version 13");
        println!("1..1");
    }
    let seed = args.seed.unwrap_or_else(clock_seed);
    let code = run(&args, seed, &out);
    if args.ktap {
        let (ok, res) = match code {
            0 => (1, "ok"),
            _ => (0, "not ok"),
        };
        println!("{res} 1 rtemu-fuzz seed {seed}");
        println!(
            "# Totals: pass:{ok} fail:{} xfail:0 xpass:0 skip:0 error:0",
            1 - ok
        );
    }
    ExitCode::from(code)
}

fn print_sequences(args: &Args) {
    let seed = args.seed.unwrap_or_else(clock_seed);
    let seq_len = args.seq_len.max(1) as u64;
    let (mut done, mut k) = (0u64, args.sequence.unwrap_or(0));
    while done < args.ops {
        let len = seq_len.min(args.ops - done);
        println!("sequence {k} of seed {seed}:");
        let ops = Generator::new(sequence_seed(seed, k)).sequence(len as usize);
        for (i, op) in ops.iter().enumerate() {
            println!("  {:3}. {op}", i + 1);
        }
        if args.sequence.is_some() {
            break;
        }
        done += len;
        k += 1;
    }
}

fn run(args: &Args, seed: u64, out: &Out) -> u8 {
    out.say(&format!(
        "fuzz: seed {seed}, {} operations in sequences of {} (rerun: rtemu-fuzz --seed {seed} --ops {} --seq-len {})",
        args.ops, args.seq_len, args.ops, args.seq_len
    ));
    let tick = Duration::from_millis(args.tick_ms.max(1));
    let mut kernel = match Kernel::connect(tick, args.max_slowdown) {
        Ok(k) => k,
        Err(e) => {
            out.say(&format!("fuzz: cannot reach the rtemu family: {e}"));
            return 2;
        }
    };
    // A replay of one sequence says why each late run was late.
    kernel.tell_late = args.sequence.is_some();
    let readme = match args.max_routes {
        Some(m) => Model::with_max_routes(m),
        None => Model::new(),
    };
    let accepted = if args.strict_freebsd {
        let mut list = Vec::new();
        for name in &args.deviation {
            match deviations::by_name(name) {
                Some(d) => list.push(d),
                None => {
                    out.say(&format!("fuzz: no known deviation is named {name}"));
                    return 2;
                }
            }
        }
        Deviations::of(&list)
    } else {
        Deviations::known()
    };
    let mut freebsd = BsdModel::new(accepted);
    freebsd.max_routes = args.max_routes;
    let models: Vec<&dyn Reference> = match args.model {
        Models::Readme => vec![&readme],
        Models::Freebsd => vec![&freebsd],
        Models::Both => vec![&readme, &freebsd],
    };
    out.say(&format!(
        "fuzz: models {}; the FreeBSD model accepts {} known deviations{}",
        models
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(" and "),
        deviations::KNOWN
            .iter()
            .filter(|d| accepted.has(**d))
            .count(),
        if args.strict_freebsd {
            " (--strict-freebsd)"
        } else {
            ""
        }
    ));
    let seq_len = args.seq_len.max(1) as u64;
    let start = Instant::now();
    let (mut done, mut seqs, mut mismatches) = (0u64, 0u64, 0u64);
    let (mut timed, mut waits) = (0u64, 0u64);
    let mut shrinking = 0f64;
    let step = (args.ops / 10).max(1000);
    let mut next_progress = step;
    let mut k = args.sequence.unwrap_or(0);
    while done < args.ops {
        let len = seq_len.min(args.ops - done);
        let ops = Generator::new(sequence_seed(seed, k)).sequence(len as usize);
        let waits_here = ops
            .iter()
            .filter(|op| matches!(op, Op::Wait { .. }))
            .count() as u64;
        timed += (waits_here > 0) as u64;
        waits += waits_here;
        let result = check_sequence(&mut kernel, &models, &ops).and_then(|r| match r {
            None => Ok(None),
            Some(first) => {
                // Printed before shrinking: a mismatch that does not
                // reproduce is known by this alone.
                // The ticks it ran at: a sequence that ran late runs again
                // with longer ones (replay with --tick-ms).
                let (tick, late) = (kernel.tick(), kernel.was_late());
                let late = match kernel.late_reason() {
                    Some(why) if late => format!(", late: {why}"),
                    _ => String::new(),
                };
                out.say(&format!(
                    "fuzz: sequence {k}: mismatch with the {} model at operation {} of {} ({}), at ticks of {} ms{}\n    model:  {}\n    module: {}\nshrinking",
                    first.model,
                    first.index + 1,
                    ops.len(),
                    first.op,
                    tick.as_millis(),
                    late,
                    first.expected,
                    first.got
                ));
                let t = Instant::now();
                let r = shrink_sequence(&mut kernel, &models, &ops, &first).map(Some);
                shrinking += t.elapsed().as_secs_f64();
                r
            }
        });
        done += len;
        seqs += 1;
        match result {
            Err(e) => {
                out.say(&format!("fuzz: harness error in sequence {k}: {e}"));
                return 2;
            }
            Ok(None) => {}
            Ok(Some((min, m))) => {
                mismatches += 1;
                let mut s = format!(
                    "fuzz: MISMATCH with the {} model in sequence {k} of seed {seed} (rerun: rtemu-fuzz --seed {seed} --sequence {k} --ops {len} --seq-len {len}),\n\
                     shrunk from {} to {} operations (1-minimal):\n",
                    m.model,
                    ops.len(),
                    min.len()
                );
                for (i, op) in min.iter().enumerate() {
                    s += &format!("  {:3}. {op}\n", i + 1);
                }
                for (i, op) in FINAL_CHECKS.iter().enumerate() {
                    s += &format!("  {:3}. {op}   (final check)\n", min.len() + i + 1);
                }
                s += &format!("  at operation {}: {}\n", m.index + 1, m.op);
                s += &format!("    model ({}):  {}\n", m.model, m.expected);
                s += &format!("    module: {}", m.got);
                if let (rtemu_fuzz::Reply::Err(_), Some(x)) = (&m.got, &kernel.last_extack) {
                    s += &format!(" ({x})");
                }
                out.say(&s);
                if mismatches >= args.max_mismatches {
                    break;
                }
            }
        }
        if args.sequence.is_some() {
            break;
        }
        k += 1;
        if done >= next_progress && done < args.ops {
            let t = start.elapsed().as_secs_f64();
            out.say(&format!(
                "fuzz: {done} operations, {:.0} ops/s",
                done as f64 / t
            ));
            next_progress += step;
        }
    }
    let t = start.elapsed().as_secs_f64();
    out.say(&format!(
        "fuzz: {:.1} s ({:.1} s shrinking), {:.0} operations/s, {} settles waited for the lifetime work after a tick",
        t,
        shrinking,
        done as f64 / (t - shrinking).max(1e-9),
        kernel.lifetime_settles
    ));
    out.say(&format!(
        "fuzz: {timed} sequences let time pass ({waits} waits for ticks of {} ms), {} late runs run again, the longest tick {} ms",
        args.tick_ms,
        kernel.late_runs,
        kernel.longest_tick.as_millis()
    ));
    if models.iter().any(|m| m.name() == "freebsd") {
        let used: Vec<String> = deviations::consulted()
            .iter()
            .filter(|(d, _)| accepted.has(*d))
            .map(|(d, n)| format!("{} {n}", d.name()))
            .collect();
        out.say(&format!(
            "fuzz: known deviations from FreeBSD 7 that decided a prediction: {}",
            used.join(", ")
        ));
    }
    out.say(&format!(
        "fuzz: {done} operations, {seqs} sequences, seed {seed}, {mismatches} mismatches"
    ));
    if mismatches > 0 {
        1
    } else {
        0
    }
}
