// SPDX-License-Identifier: GPL-2.0-only

//! The native lookup benchmark (feature `bench`): rtemu's trie (the host build of
//! `rust/trie.rs`) against other longest-prefix-match crates, with criterion.
//!
//! For each data set (asn, bgp: [`DataSet`]), family (v4, v6), set (1k, 100k, full:
//! [`crate::sample`]) and key kind (random, hit, miss, and nested where the set nests:
//! [`crate::keys`]) every implementation is built from the same prefixes (the value
//! of a prefix is its index in the set), its heap bytes measured with the counting allocator
//! ([`rtemu_testkit::alloc`], around the build, after deferred frees ran), its answers checked
//! against [`RefLpm`] on the first keys, and then timed by criterion: one criterion iteration is one
//! lookup of the next key of a pre-generated array (cycled), whose result is consumed with
//! `black_box`. The results are gathered from criterion's `estimates.json` files into one JSON
//! report ([`run_to_file`]), with the goals of the benchmark evaluated.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::{
    Ipv4Addr,
    Ipv6Addr, //
};
use std::panic::{
    catch_unwind,
    AssertUnwindSafe, //
};
use std::path::{
    Path,
    PathBuf, //
};
use std::rc::Rc;
use std::time::{
    Duration,
    Instant, //
};

use criterion::{
    Criterion,
    Throughput, //
};
use rtemu_testkit::alloc::live_bytes;
use rtemu_testkit::rng::derive_seed;
use serde_json::{
    json,
    Value, //
};

use crate::data::{
    Addr,
    DataSet, //
};
use crate::keys::{
    generate,
    KeyKind, //
};
use crate::platform::RcuArc;
use crate::reflpm::RefLpm;
use crate::rtemu_trie::{
    settle,
    Guard,
    RtemuTrie, //
};
use crate::sample::{
    permutation,
    take,
    SetSize, //
};
use crate::trie::Key;

/// Implementation names, in report order.
pub const RTEMU: &str = "rtemu";
/// rtemu's trie with `RcuArc<u32>` values (one allocation per prefix, its count beside its value,
/// as a kernel route's reference word is in its entry), plain lookup (reads the value).
pub const RTEMU_ARC: &str = "rtemu-arc";
/// The same trie, referenced lookup: a count of the matched value taken and dropped.
pub const RTEMU_REF: &str = "rtemu-ref";

/// The other crates: (implementation name, crate and version, structure used).
pub const CRATES: [(&str, &str, &str); 4] = [
    (
        "prefix-trie",
        "prefix-trie 0.10.1",
        "PrefixMap<(uN, u8), u32>, get_lpm",
    ),
    (
        "iptrie",
        "iptrie 0.11.2",
        "RTrieMap<IpvNPrefix, u32> compressed to LCTrieMap (level-compressed), lookup; \
         the root prefix carries a no-match sentinel",
    ),
    (
        "poptrie",
        "poptrie 0.2.1",
        "Poptrie<(uN, u8), u32> collected from the set, lookup",
    ),
    (
        "rart",
        "rart 0.11.0",
        "AdaptiveRadixTree<ArrayKey<4|16>, u32>, longest_prefix_value_bytes; rart matches \
         whole key bytes only, so each prefix is expanded to byte-aligned ones (controlled \
         prefix expansion, longer prefixes inserted last); bytes per prefix count the expansion",
    ),
];

/// Criterion's warm-up and measurement time per benchmark (full runs): with 126 benchmarks of
/// the asn set and 168 of the BGP table (whose nested keys add a row per set and family) the
/// whole run stays around eleven minutes.
const WARM_UP_MS: u64 = 500;
const MEASUREMENT_MS: u64 = 1500;

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The data sets, each with its input: the unpacked `@ip-location-db/asn` package, the BGP
    /// table's prefix list.
    pub data: Vec<(DataSet, PathBuf)>,
    /// Seed of samples and keys.
    pub seed: u64,
    /// A short smoke run.
    pub quick: bool,
    /// Only benchmark ids (`bgp/v4/full/hit/rtemu`) containing this.
    pub filter: Option<String>,
}

impl Config {
    /// Keys per (set, kind).
    pub fn keys(&self) -> usize {
        if self.quick {
            1 << 16
        } else {
            1 << 20
        }
    }

    /// Keys checked against the reference before timing.
    pub fn checked_keys(&self) -> usize {
        if self.quick {
            2_000
        } else {
            20_000
        }
    }

    /// A criterion configured for this run (sample counts and times kept modest so that the
    /// full run stays within minutes on a small machine).
    pub fn criterion(&self) -> Criterion {
        let c = Criterion::default()
            .without_plots()
            .sample_size(10)
            .nresamples(2_000);
        if self.quick {
            c.warm_up_time(Duration::from_millis(50))
                .measurement_time(Duration::from_millis(100))
        } else {
            c.warm_up_time(Duration::from_millis(WARM_UP_MS))
                .measurement_time(Duration::from_millis(MEASUREMENT_MS))
        }
    }

    fn criterion_json(&self) -> Value {
        let (w, m) = if self.quick {
            (50, 100)
        } else {
            (WARM_UP_MS, MEASUREMENT_MS)
        };
        json!({"sample_size": 10, "warm_up_ms": w, "measurement_ms": m, "nresamples": 2000,
               "sampling": "criterion default (linear) with iter_custom: one iteration = one lookup"})
    }

    fn selected(&self, id: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| id.contains(f.as_str()))
    }
}

/// One lookup structure, ready to be timed.
pub trait Lookup<A> {
    /// The value (set index) of the longest prefix containing `a`.
    fn check(&self, a: A) -> Option<u32>;
    /// `iters` lookups of `keys` (cycled), each result consumed; the time they took.
    fn time(&self, keys: &[A], iters: u64) -> Duration;
}

/// The common timing loop: the same for every implementation.
#[inline(always)]
fn time_loop<A: Copy, R>(keys: &[A], iters: u64, mut f: impl FnMut(A) -> R) -> Duration {
    let n = keys.len();
    let mut i = 0usize;
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f(keys[i]));
        i += 1;
        if i == n {
            i = 0;
        }
    }
    start.elapsed()
}

/// Builds one implementation (or two sharing a structure): their names and lookups.
type Builder<A> = fn(&[(A, u8)]) -> Vec<(&'static str, Box<dyn Lookup<A>>)>;

/// A family the benchmark knows how to build every implementation for.
pub trait Family: Addr {
    /// Every implementation's builder: (label for the build, builder).
    fn builders() -> Vec<(&'static str, Builder<Self>)>;
}

/// `u32` values held inline in the nodes.
struct Rtemu<A: Key>(RtemuTrie<A, u32>);
/// `u32` values, each in an `RcuArc` the trie counts once. Not an `Arc` in the `RcuArc`: that
/// puts the count a reference takes in a second allocation, a 24-byte one that the allocator's
/// 16-byte alignment lets cross a cache line (one in four), so that the referenced lookup would
/// miss on a line the plain one never reads.
type ArcTrie<A> = RtemuTrie<A, RcuArc<u32>>;
struct RtemuArc<A: Key>(Rc<ArcTrie<A>>);
struct RtemuRef<A: Key>(Rc<ArcTrie<A>>);
struct PrefixTrie<A>(prefix_trie::PrefixMap<(A, u8), u32>);
struct Pop<A: poptrie::Address>(poptrie::Poptrie<(A, u8), u32>);

/// The byte-aligned prefixes `(p, len)` expands to (at least one byte).
fn expand<A: Addr>(p: A, len: u8) -> impl Iterator<Item = A> {
    let kb = u32::from(len).div_ceil(8).max(1);
    let el = (kb * 8) as u8;
    let shift = u32::from(A::BITS - el);
    let base = crate::data::masked(p, len).to_u128();
    (0..1u128 << (el - len)).map(move |j| A::from_u128(base | (j << shift)))
}

macro_rules! family {
    ($a:ty, $ip:ty, $iptrie_prefix:ty, $bytes:literal) => {
        impl Lookup<$a> for Rtemu<$a> {
            fn check(&self, a: $a) -> Option<u32> {
                let g = Guard::new();
                self.0.lookup(a, &g).map(|x| x.2)
            }

            fn time(&self, keys: &[$a], iters: u64) -> Duration {
                let g = Guard::new();
                let t = &self.0;
                time_loop(keys, iters, |a| t.lookup(a, &g).map(|(_, _, v)| v))
            }
        }

        impl Lookup<$a> for RtemuArc<$a> {
            fn check(&self, a: $a) -> Option<u32> {
                let g = Guard::new();
                self.0.lookup(a, &g).map(|x| *x.2)
            }

            fn time(&self, keys: &[$a], iters: u64) -> Duration {
                let g = Guard::new();
                let t = &*self.0;
                time_loop(keys, iters, |a| t.lookup(a, &g).map(|(_, _, v)| *v))
            }
        }

        impl Lookup<$a> for RtemuRef<$a> {
            fn check(&self, a: $a) -> Option<u32> {
                let g = Guard::new();
                self.0.lookup(a, &g).and_then(|x| x.2.to_arc()).map(|r| *r)
            }

            fn time(&self, keys: &[$a], iters: u64) -> Duration {
                let g = Guard::new();
                let t = &*self.0;
                time_loop(keys, iters, |a| {
                    t.lookup(a, &g).and_then(|(_, _, v)| {
                        // Take a count (a compare-and-swap: not from zero), use it, drop it
                        // (an atomic decrement). The trie holds one, so it is never refused.
                        let r = v.to_arc()?;
                        let x = **black_box(&r);
                        drop(r);
                        Some(x)
                    })
                })
            }
        }

        impl Lookup<$a> for PrefixTrie<$a> {
            fn check(&self, a: $a) -> Option<u32> {
                self.0.get_lpm(&(a, <$a as Addr>::BITS)).map(|x| *x.1)
            }

            fn time(&self, keys: &[$a], iters: u64) -> Duration {
                let t = &self.0;
                time_loop(keys, iters, |a| {
                    t.get_lpm(&(a, <$a as Addr>::BITS)).map(|(_, v)| *v)
                })
            }
        }

        impl Lookup<$a> for iptrie::map::LCTrieMap<$iptrie_prefix, u32> {
            fn check(&self, a: $a) -> Option<u32> {
                let v = *self.lookup(&<$ip>::from(a)).1;
                (v != u32::MAX).then_some(v)
            }

            fn time(&self, keys: &[$a], iters: u64) -> Duration {
                time_loop(keys, iters, |a| {
                    let v = *self.lookup(&<$ip>::from(a)).1;
                    (v != u32::MAX).then_some(v)
                })
            }
        }

        impl Lookup<$a> for Pop<$a> {
            fn check(&self, a: $a) -> Option<u32> {
                self.0.lookup(a).copied()
            }

            fn time(&self, keys: &[$a], iters: u64) -> Duration {
                let t = &self.0;
                time_loop(keys, iters, |a| t.lookup(a).copied())
            }
        }

        impl Lookup<$a> for rart::AdaptiveRadixTree<rart::keys::array_key::ArrayKey<$bytes>, u32> {
            fn check(&self, a: $a) -> Option<u32> {
                self.longest_prefix_value_bytes(&a.to_be_bytes()).copied()
            }

            fn time(&self, keys: &[$a], iters: u64) -> Duration {
                time_loop(keys, iters, |a| {
                    self.longest_prefix_value_bytes(&a.to_be_bytes()).copied()
                })
            }
        }

        impl Family for $a {
            fn builders() -> Vec<(&'static str, Builder<Self>)> {
                vec![
                    (RTEMU, |set| {
                        let t = RtemuTrie::<$a, u32>::build(set, |i| i as u32);
                        vec![(RTEMU, Box::new(Rtemu(t)))]
                    }),
                    (RTEMU_ARC, |set| {
                        let t = Rc::new(ArcTrie::<$a>::build(set, |i| {
                            RcuArc::try_new(i as u32).expect("host allocation")
                        }));
                        vec![
                            (RTEMU_ARC, Box::new(RtemuArc(Rc::clone(&t)))),
                            (RTEMU_REF, Box::new(RtemuRef(t))),
                        ]
                    }),
                    ("prefix-trie", |set| {
                        let mut m = prefix_trie::PrefixMap::new();
                        for (i, &(p, l)) in set.iter().enumerate() {
                            m.insert((p, l), i as u32);
                        }
                        vec![("prefix-trie", Box::new(PrefixTrie(m)))]
                    }),
                    ("iptrie", |set| {
                        let mut m =
                            iptrie::map::RTrieMap::with_root_and_capacity(u32::MAX, set.len());
                        for (i, &(p, l)) in set.iter().enumerate() {
                            let k =
                                <$iptrie_prefix>::new(<$ip>::from(p), l).expect("a valid prefix");
                            m.insert(k, i as u32);
                        }
                        vec![("iptrie", Box::new(m.compress()))]
                    }),
                    ("poptrie", |set| {
                        let t: poptrie::Poptrie<($a, u8), u32> = set
                            .iter()
                            .enumerate()
                            .map(|(i, &(p, l))| ((p, l), i as u32))
                            .collect();
                        vec![("poptrie", Box::new(Pop(t)))]
                    }),
                    ("rart", |set| {
                        let mut order: Vec<usize> = (0..set.len()).collect();
                        order.sort_by_key(|&i| set[i].1);
                        let mut t = rart::AdaptiveRadixTree::<
                            rart::keys::array_key::ArrayKey<$bytes>,
                            u32,
                        >::new();
                        for i in order {
                            let (p, l) = set[i];
                            let kb = usize::from(l).div_ceil(8).max(1);
                            for q in expand(p, l) {
                                let k =
                                    rart::keys::KeyTrait::new_from_slice(&q.to_be_bytes()[..kb]);
                                t.insert_k(&k, i as u32);
                            }
                        }
                        vec![("rart", Box::new(t))]
                    }),
                ]
            }
        }
    };
}

family!(u32, Ipv4Addr, iptrie::Ipv4Prefix, 4);
family!(u128, Ipv6Addr, iptrie::Ipv6Prefix, 16);

/// What one (family, set) build gave, per implementation.
struct Built<A> {
    name: &'static str,
    lookup: Box<dyn Lookup<A>>,
    bytes: usize,
    build: Duration,
}

fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panic".into())
}

/// Builds every implementation for `set`, measuring bytes; failures are returned as text.
fn build_all<A: Family>(set: &[(A, u8)]) -> (Vec<Built<A>>, Vec<(&'static str, String)>) {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (label, builder) in A::builders() {
        settle();
        let base = live_bytes();
        let start = Instant::now();
        let r = catch_unwind(AssertUnwindSafe(|| builder(set)));
        let build = start.elapsed();
        settle();
        let bytes = (live_bytes() - base).max(0) as usize;
        match r {
            Ok(v) => ok.extend(v.into_iter().map(|(name, lookup)| Built {
                name,
                lookup,
                bytes,
                build,
            })),
            Err(e) => failed.push((label, format!("build panicked: {}", panic_text(&*e)))),
        }
    }
    (ok, failed)
}

/// One result row before criterion's estimate is attached.
struct Row {
    id: String,
    data: &'static str,
    family: &'static str,
    set: &'static str,
    keys: &'static str,
    implementation: &'static str,
    prefixes: usize,
    /// The prefixes of the set that another one of the set covers.
    nested: usize,
    bytes: usize,
    build: Duration,
    matched: f64,
    error: Option<String>,
}

/// Everything [`bench_all`] measured apart from the timings.
pub struct Plan {
    rows: Vec<Row>,
    /// Per data set and family: the prefixes, and how many of them another one covers.
    counts: BTreeMap<(&'static str, &'static str), (usize, usize)>,
    loadavg_start: String,
}

/// `/proc/loadavg`'s first three fields: how busy the machine was (the benchmark shares it).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn bench_family<A: Family>(
    c: &mut Criterion,
    cfg: &Config,
    data: DataSet,
    all: &[(A, u8)],
    plan: &mut Plan,
) {
    plan.counts.insert(
        (data.name(), A::NAME),
        (all.len(), crate::reflpm::nested(all).len()),
    );
    let perm = permutation(all, cfg.seed);
    for size in SetSize::ALL {
        let set = take(&perm, size);
        let prefix = format!("{}/{}/{}", data.name(), A::NAME, size.name());
        let names = [RTEMU, RTEMU_ARC, RTEMU_REF]
            .into_iter()
            .chain(CRATES.iter().map(|c| c.0));
        let wanted = names
            .flat_map(|n| KeyKind::ALL.map(|k| format!("{prefix}/{}/{n}", k.name())))
            .any(|id| cfg.selected(&id));
        if !wanted {
            continue;
        }
        let t0 = Instant::now();
        let lpm = RefLpm::new(set);
        // Nested keys only where the sample nests (never in the asn set).
        let nested = set
            .iter()
            .filter(|&&(p, l)| lpm.covering(p, l).is_some())
            .count();
        let keys: Vec<(KeyKind, Vec<A>)> = KeyKind::ALL
            .iter()
            .filter(|&&k| k != KeyKind::Nested || nested > 0)
            .map(|&k| {
                // The asn set's keys are seeded as before there were two sets, so that its
                // rows stay comparable with earlier runs.
                let seed_prefix = match data {
                    DataSet::Asn => format!("{}/{}", A::NAME, size.name()),
                    DataSet::Bgp => prefix.clone(),
                };
                let seed = derive_seed(cfg.seed, &format!("{seed_prefix}/{}/keys", k.name()));
                (k, generate(set, &lpm, k, cfg.keys(), seed))
            })
            .collect();
        let (built, failed) = build_all(set);
        eprintln!(
            "rtemu-bench: {prefix}: {} prefixes, keys and {} structures in {:.1?}",
            set.len(),
            built.len(),
            t0.elapsed()
        );
        for (kind, ks) in &keys {
            let group = format!("{prefix}/{}", kind.name());
            let want: Vec<Option<u32>> = ks[..cfg.checked_keys().min(ks.len())]
                .iter()
                .map(|&a| lpm.lookup(a).map(|x| x.2))
                .collect();
            let matched =
                want.iter().filter(|x| x.is_some()).count() as f64 / want.len().max(1) as f64;
            let mut g = c.benchmark_group(&group);
            g.throughput(Throughput::Elements(1));
            for b in &built {
                let id = format!("{group}/{}", b.name);
                if !cfg.selected(&id) {
                    continue;
                }
                let checked = catch_unwind(AssertUnwindSafe(|| {
                    ks.iter()
                        .zip(&want)
                        .position(|(&a, &w)| b.lookup.check(a) != w)
                }));
                let error = match checked {
                    Ok(None) => None,
                    Ok(Some(i)) => Some(format!(
                        "wrong answer for key {:?}: {:?}, the reference says {:?}",
                        ks[i],
                        b.lookup.check(ks[i]),
                        want[i]
                    )),
                    Err(e) => Some(format!("lookup panicked: {}", panic_text(&*e))),
                };
                if let Some(e) = &error {
                    eprintln!("rtemu-bench: {id}: not timed: {e}");
                } else {
                    g.bench_function(b.name, |bencher| {
                        bencher.iter_custom(|iters| b.lookup.time(ks, iters))
                    });
                }
                plan.rows.push(Row {
                    id,
                    data: data.name(),
                    family: A::NAME,
                    set: size.name(),
                    keys: kind.name(),
                    implementation: b.name,
                    prefixes: set.len(),
                    nested,
                    bytes: b.bytes,
                    build: b.build,
                    matched,
                    error,
                });
            }
            for (name, e) in &failed {
                let id = format!("{group}/{name}");
                if cfg.selected(&id) {
                    plan.rows.push(Row {
                        id,
                        data: data.name(),
                        family: A::NAME,
                        set: size.name(),
                        keys: kind.name(),
                        implementation: name,
                        prefixes: set.len(),
                        nested,
                        bytes: 0,
                        build: Duration::ZERO,
                        matched,
                        error: Some(e.clone()),
                    });
                }
            }
            g.finish();
        }
    }
}

/// Loads each data set and runs every benchmark of `cfg` on `c`.
pub fn bench_all(c: &mut Criterion, cfg: &Config) -> std::io::Result<Plan> {
    let mut plan = Plan {
        rows: Vec::new(),
        counts: BTreeMap::new(),
        loadavg_start: loadavg(),
    };
    for (data, path) in &cfg.data {
        let (v4, v6) = data
            .load(path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        bench_family(c, cfg, *data, &v4, &mut plan);
        bench_family(c, cfg, *data, &v6, &mut plan);
    }
    Ok(plan)
}

/// What criterion measured for one benchmark, in ns per iteration (= per lookup).
#[derive(Clone, Copy)]
struct Estimate {
    /// Criterion's point estimate (slope of the linear regression, else mean).
    point: f64,
    /// Its 95% confidence interval.
    low: f64,
    high: f64,
    /// The median and the fastest of the samples' time per iteration: on a shared machine the
    /// fastest sample is the one least disturbed by other processes.
    median: f64,
    best: f64,
}

/// Criterion's estimates under `dir`, by full benchmark id.
fn read_estimates(dir: &Path) -> BTreeMap<String, Estimate> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.file_name().is_none_or(|n| n != "benchmark.json")
                || p.parent()
                    .and_then(Path::file_name)
                    .is_none_or(|n| n != "new")
            {
                continue;
            }
            let read = |p: &Path| -> Option<Value> {
                serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
            };
            let (Some(b), Some(est)) = (read(&p), read(&p.with_file_name("estimates.json"))) else {
                continue;
            };
            let Some(id) = b["full_id"].as_str() else {
                continue;
            };
            // The slope of the linear regression when criterion made one, else the mean.
            let e = if est["slope"].is_object() {
                &est["slope"]
            } else {
                &est["mean"]
            };
            let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
            let mut per: Vec<f64> = read(&p.with_file_name("sample.json"))
                .map(|s| {
                    let it = s["iters"].as_array().cloned().unwrap_or_default();
                    let t = s["times"].as_array().cloned().unwrap_or_default();
                    it.iter().zip(&t).map(|(i, t)| f(t) / f(i)).collect()
                })
                .unwrap_or_default();
            per.retain(|x| x.is_finite());
            per.sort_by(f64::total_cmp);
            out.insert(
                id.to_owned(),
                Estimate {
                    point: f(&e["point_estimate"]),
                    low: f(&e["confidence_interval"]["lower_bound"]),
                    high: f(&e["confidence_interval"]["upper_bound"]),
                    median: per.get(per.len() / 2).copied().unwrap_or(f64::NAN),
                    best: per.first().copied().unwrap_or(f64::NAN),
                },
            );
        }
    }
    out
}

fn round(x: f64, digits: i32) -> Value {
    if x.is_finite() {
        let m = 10f64.powi(digits);
        json!((x * m).round() / m)
    } else {
        Value::Null
    }
}

fn host(plan: &Plan) -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|x| x.1.trim().to_owned())
        })
        .unwrap_or_default();
    json!({
        "cpu": cpu,
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "loadavg_at_start": plan.loadavg_start,
        "loadavg_at_end": loadavg(),
    })
}

/// Builds the JSON report from the plan and criterion's estimates under `criterion_dir`.
pub fn report(cfg: &Config, plan: &Plan, criterion_dir: &Path, elapsed: Duration) -> Value {
    let est = read_estimates(criterion_dir);
    let mut ns: BTreeMap<Case, f64> = BTreeMap::new();
    let mut best: BTreeMap<Case, f64> = BTreeMap::new();
    let mut results = Vec::new();
    for r in &plan.rows {
        let e = est.get(&r.id).copied();
        let mut v = json!({
            "data": r.data,
            "family": r.family,
            "set": r.set,
            "keys": r.keys,
            "implementation": r.implementation,
            "prefixes": r.prefixes,
            "nested_prefixes": r.nested,
            "bytes_per_prefix": round(r.bytes as f64 / r.prefixes.max(1) as f64, 1),
            "build_ms": round(r.build.as_secs_f64() * 1e3, 1),
            "matched_share": round(r.matched, 4),
        });
        match (&r.error, e) {
            (Some(err), _) => {
                v["error"] = json!(err);
            }
            (None, Some(e)) => {
                let k = (r.data, r.family, r.set, r.keys, r.implementation);
                ns.insert(k, e.point);
                best.insert(k, e.best);
                v["ns_per_lookup"] = round(e.point, 2);
                v["ns_ci95"] = json!([round(e.low, 2), round(e.high, 2)]);
                v["lookups_per_second"] = round(1e9 / e.point, 0);
                v["ns_median_sample"] = round(e.median, 2);
                v["ns_best_sample"] = round(e.best, 2);
            }
            (None, None) => {
                v["error"] = json!("no criterion estimate found");
            }
        }
        results.push(v);
    }
    json!({
        "tool": "rtemu-bench native",
        "seed": cfg.seed,
        "quick": cfg.quick,
        "keys_per_set_and_kind": cfg.keys(),
        "keys_checked_against_reference": cfg.checked_keys(),
        "criterion": cfg.criterion_json(),
        "elapsed_s": round(elapsed.as_secs_f64(), 1),
        "host": host(plan),
        "data": cfg.data.iter().map(|(d, path)| {
            let count = |i: usize| json!({
                "v4": plan.counts.get(&(d.name(), "v4")).map(|c| if i == 0 { c.0 } else { c.1 }),
                "v6": plan.counts.get(&(d.name(), "v6")).map(|c| if i == 0 { c.0 } else { c.1 }),
            });
            (d.name().to_owned(), json!({
                "source": d.source(),
                "path": path.display().to_string(),
                "prefixes": count(0),
                "nested": count(1),
            }))
        }).collect::<serde_json::Map<_, _>>(),
        "method": {
            "ns_per_lookup": "criterion's estimate (slope of the linear regression, else mean) of the time of one lookup; the loop cycles through a pre-generated key array and black_boxes each result (the matched value, read)",
            "ns_median_sample, ns_best_sample": "the median and the fastest of criterion's samples (time / iterations): the fastest is the least disturbed by other load on a shared machine; goals_on_best_samples evaluates the goals on it",
            "bytes_per_prefix": "heap bytes requested from the global allocator (counting wrapper of System) by building the structure from the set, after deferred frees ran, divided by the set's prefix count",
            "rtemu": "the host build of rust/trie.rs (rtemu-trie's platform: std + crossbeam-epoch); u32 values held inline in the nodes' value slots; one epoch pin (the kernel's rcu_read_lock) per timed batch",
            "rtemu-arc": "the same trie with u32 values, each in an RcuArc the trie counts once (one allocation per prefix, its count beside its value, as a kernel route's reference word is in its entry); plain lookup reading the value",
            "rtemu-ref": "the rtemu-arc trie; referenced lookup: RcuRef::to_arc of the matched value (a compare-and-swap increment, refused from zero) and the RcuArc's drop (atomic decrement)",
            "keys": "random: uniform addresses; hit: a uniform address inside a uniformly chosen prefix of the set; miss: uniform addresses no prefix covers (rejection sampling); nested: a uniform address inside a uniformly chosen nested prefix of the set (one another prefix of the set covers), only for sets that nest",
            "crates": CRATES.iter().map(|(n, c, s)| json!({"implementation": n, "crate": c, "structure": s})).collect::<Vec<_>>(),
        },
        "results": results,
        "goals": goals(&ns),
        "goals_on_best_samples": goals(&best),
    })
}

/// One timed case: (data set, family, set, keys, implementation).
type Case<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

/// The goals as booleans with the numbers they were decided on, over every data set.
fn goals(ns: &BTreeMap<Case, f64>) -> Value {
    // 1. IPv4, full set, plain lookup <= 20 ns, for every key kind of every data set.
    let v4: BTreeMap<String, f64> = ns
        .iter()
        .filter(|(&(_, f, s, _, i), _)| f == "v4" && s == "full" && i == RTEMU)
        .map(|(&(d, _, _, k, _), &x)| (format!("{d}/{k}"), x))
        .collect();
    let g1 = json!({
        "ok": !v4.is_empty() && v4.values().all(|&x| x <= 20.0),
        "limit_ns": 20,
        "measured_ns": v4.iter().map(|(k, &x)| (k.clone(), round(x, 2))).collect::<serde_json::Map<_, _>>(),
    });
    // 2. Referenced lookup <= 10 ns over plain, in every case. Plain is rtemu-arc, the same
    // trie read the same way (the matched value, through its pointers), as the kernel's plain
    // lookup reads the route it found: against rtemu, whose values live in the nodes, the
    // difference would be mostly the miss on the value's memory, not the reference.
    let mut over = Vec::new();
    let mut worst: f64 = f64::NEG_INFINITY;
    for (&(d, f, s, k, i), &r) in ns {
        if i != RTEMU_REF {
            continue;
        }
        let plain = ns.get(&(d, f, s, k, RTEMU_ARC));
        let inline = ns.get(&(d, f, s, k, RTEMU));
        if let Some(&p) = plain {
            worst = worst.max(r - p);
        }
        over.push(json!({
            "data": d, "family": f, "set": s, "keys": k,
            "referenced_ns": round(r, 2),
            "plain_ns": plain.map_or(Value::Null, |&p| round(p, 2)),
            "over_plain_ns": plain.map_or(Value::Null, |&p| round(r - p, 2)),
            "over_inline_values_ns": inline.map_or(Value::Null, |&p| round(r - p, 2)),
        }));
    }
    let g2 = json!({
        "ok": !over.is_empty() && worst <= 10.0,
        "limit_ns": 10,
        "worst_over_plain_ns": round(worst, 2),
        "definition": "rtemu-ref minus rtemu-arc (plain lookup on the same trie, reading the matched value) per case; over_inline_values_ns is rtemu-ref minus rtemu (u32 values in the nodes), which adds the miss on the value's memory that only the RcuArc trie takes",
        "cases": over,
    });
    // 3. rtemu (plain) faster than every other crate in every case.
    let mut cases = Vec::new();
    let mut all_ahead = true;
    let mut any = false;
    for (&(d, f, s, k, i), &x) in ns {
        if i != RTEMU {
            continue;
        }
        for (c, _, _) in CRATES {
            let Some(&y) = ns.get(&(d, f, s, k, c)) else {
                continue;
            };
            any = true;
            let ahead = x < y;
            all_ahead &= ahead;
            cases.push(json!({
                "data": d, "family": f, "set": s, "keys": k, "crate": c,
                "rtemu_ns": round(x, 2), "crate_ns": round(y, 2),
                "speedup": round(y / x, 2), "rtemu_ahead": ahead,
            }));
        }
    }
    json!({
        "ipv4_full_plain_lookup_le_20ns": g1,
        "referenced_lookup_le_10ns_over_plain": g2,
        "rtemu_ahead_of_every_crate": {
            "ok": any && all_ahead,
            "crates": CRATES.iter().map(|c| c.0).collect::<Vec<_>>(),
            "cases": cases,
        },
    })
}

/// A short table of the results for the terminal.
pub fn table(report: &Value) -> String {
    let mut rows: BTreeMap<(String, String, String, String), BTreeMap<String, String>> =
        BTreeMap::new();
    let mut impls: Vec<String> = Vec::new();
    for r in report["results"].as_array().into_iter().flatten() {
        let key = (
            r["data"].as_str().unwrap_or("").to_owned(),
            r["family"].as_str().unwrap_or("").to_owned(),
            r["set"].as_str().unwrap_or("").to_owned(),
            r["keys"].as_str().unwrap_or("").to_owned(),
        );
        let i = r["implementation"].as_str().unwrap_or("").to_owned();
        if !impls.contains(&i) {
            impls.push(i.clone());
        }
        let cell = match r["ns_per_lookup"].as_f64() {
            Some(x) => format!("{x:.1}"),
            None => "error".into(),
        };
        rows.entry(key).or_default().insert(i, cell);
    }
    let mut s = format!("{:<24}", "ns/lookup");
    for i in &impls {
        s += &format!("{i:>12}");
    }
    s.push('\n');
    let order = |x: &str| match x {
        "1k" | "random" => 0,
        "100k" | "hit" => 1,
        "full" | "miss" => 2,
        _ => 3,
    };
    let mut keys: Vec<_> = rows.keys().cloned().collect();
    keys.sort_by_key(|k| (k.0.clone(), k.1.clone(), order(&k.2), order(&k.3)));
    for k in keys {
        s += &format!("{:<24}", format!("{}/{}/{}/{}", k.0, k.1, k.2, k.3));
        for i in &impls {
            s += &format!("{:>12}", rows[&k].get(i).map_or("-", String::as_str));
        }
        s.push('\n');
    }
    s
}

/// The `native` subcommand: runs everything with criterion output under a fresh directory next
/// to `json` (`JSON.criterion/`), writes the report to `json` and prints a table.
pub fn run_to_file(
    data: &[(DataSet, PathBuf)],
    json: &Path,
    seed: u64,
    quick: bool,
    filter: Option<&str>,
) -> Result<(), String> {
    let cfg = Config {
        data: data.to_vec(),
        seed,
        quick,
        filter: filter.map(str::to_owned),
    };
    let mut dir = json.as_os_str().to_owned();
    dir.push(".criterion");
    let dir = PathBuf::from(dir);
    let _ = std::fs::remove_dir_all(&dir);
    let start = Instant::now();
    let mut c = cfg.criterion().output_directory(&dir);
    let plan = bench_all(&mut c, &cfg).map_err(|e| e.to_string())?;
    let report = report(&cfg, &plan, &dir, start.elapsed());
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(json, text + "\n").map_err(|e| format!("{}: {e}", json.display()))?;
    println!("{}", table(&report));
    for g in [
        "ipv4_full_plain_lookup_le_20ns",
        "referenced_lookup_le_10ns_over_plain",
        "rtemu_ahead_of_every_crate",
    ] {
        println!("goal {g}: {}", report["goals"][g]["ok"]);
    }
    println!("wrote {} in {:.0?}", json.display(), start.elapsed());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_is_byte_aligned() {
        let v: Vec<u32> = expand(0x0a00_0000u32, 7).collect();
        assert_eq!(v, [0x0a00_0000, 0x0b00_0000]);
        assert_eq!(expand(0u32, 0).count(), 256);
        assert_eq!(
            expand(0x0102_0300u32, 24).collect::<Vec<_>>(),
            [0x0102_0300]
        );
        assert_eq!(expand(0x2001u128 << 112, 29).count(), 8);
    }

    /// Every implementation agrees with the reference on a small nested set.
    #[test]
    fn implementations_agree() {
        let mut r = rtemu_testkit::rng::SplitMix64::new(3);
        let set: Vec<(u32, u8)> = (0..300)
            .map(|_| {
                let l = [7u8, 8, 13, 16, 22, 24, 31, 32][r.below(8)];
                (crate::data::masked(r.next_u64() as u32 & 0x3fff_ffff, l), l)
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let lpm = RefLpm::new(&set);
        let (built, failed) = build_all(&set);
        assert!(failed.is_empty(), "{failed:?}");
        assert_eq!(built.len(), 7);
        let keys = generate(&set, &lpm, KeyKind::Hit, 2000, 1);
        let miss = generate(&set, &lpm, KeyKind::Miss, 500, 2);
        let nested = generate(&set, &lpm, KeyKind::Nested, 1000, 3);
        for b in &built {
            for &a in keys.iter().chain(&miss).chain(&nested) {
                assert_eq!(b.lookup.check(a), lpm.lookup(a).map(|x| x.2), "{}", b.name);
            }
            assert!(b.lookup.time(&keys, 100) > Duration::ZERO);
        }
    }
}
