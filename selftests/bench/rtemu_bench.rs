// SPDX-License-Identifier: GPL-2.0

//! rtemu's in-kernel lookup benchmark, side by side with Linux's own FIB.
//!
//! `make bench` loads this module (built with `RTEMU_BENCH=1`) in the perf
//! kernel after the guest script has put the same prefixes into a spare IPv4
//! table and the IPv6 main table. It compiles rtemu's table sources, loads
//! the prefix files into its own table, and times, for random keys, keys
//! that all hit, keys that all miss and, when a file of the set's nested
//! prefixes is given (those another prefix of the set covers), keys inside
//! them (nested hits):
//!
//! - rtemu's plain RCU lookup (`lookup_rcu`, one RCU section per lookup),
//! - rtemu's referenced lookup (`rtalloc1` without `report`, then `RTFREE`),
//! - Linux's `fib_table_lookup()` on the spare table and `fib6_lookup()` (the
//!   local table, then main: Linux 7.3 does not export `fib6_table_lookup()`
//!   to modules, so no single IPv6 table can be asked alone),
//!
//! checks that rtemu and the FIB match the same prefix length for every key,
//! and measures per-lookup latency with and without a writer churning the
//! table as fast as it can (or at a fixed period, `churn_us`). Each result is one `rtemu_bench: {...}` JSON line
//! in the kernel log; `scripts/bench-guest.sh` collects them. Loading runs
//! the benchmark; unload the module afterwards.

#![allow(
    dead_code,
    reason = "the netlink side of the shared sources is not part of the benchmark"
)]

use core::hint::black_box;

use kernel::{
    ffi::c_char,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
    time::{delay::fsleep, Delta},
    workqueue,
};

#[path = "../../rust/addr.rs"]
mod addr;
#[path = "../../rust/bhlock.rs"]
mod bhlock;
#[path = "../../rust/c_consts.rs"]
mod c_consts;
#[path = "../../rust/entry/mod.rs"]
mod entry;
#[path = "../../rust/event.rs"]
mod event;
#[path = "../../rust/lifetime.rs"]
mod lifetime;
#[path = "../../rust/platform.rs"]
mod platform;
#[path = "../../rust/table/mod.rs"]
mod table;
#[path = "../../rust/timed.rs"]
mod timed;
#[path = "../../rust/trie.rs"]
mod trie;
#[path = "../../rust/uapi.rs"]
mod uapi;

use addr::{Addr, Prefix};
use event::Events;
use lifetime::KERNEL_CLOCK;
use platform::{rcu_drain, RcuGuard};
use table::{Hooks, Limits, NewRoute, RouteTable};

module! {
    type: RtemuBench,
    name: "rtemu_bench",
    authors: ["The rtemu authors"],
    description: "Benchmark of rtemu's lookups against Linux's FIB",
    license: "GPL",
}

/// The C half: parameters, file reading, and the FIB's timed loops.
mod glue {
    use kernel::ffi::{c_char, c_int, c_void};

    extern "C" {
        pub(crate) fn rtemu_bench_v4_file() -> *const c_char;
        pub(crate) fn rtemu_bench_v6_file() -> *const c_char;
        pub(crate) fn rtemu_bench_v4_nested_file() -> *const c_char;
        pub(crate) fn rtemu_bench_v6_nested_file() -> *const c_char;
        pub(crate) fn rtemu_bench_keys() -> u32;
        pub(crate) fn rtemu_bench_seed() -> u64;
        pub(crate) fn rtemu_bench_churn_us() -> u32;
        pub(crate) fn rtemu_bench_now_ns() -> u64;
        pub(crate) fn rtemu_bench_cycles() -> u64;
        pub(crate) fn rtemu_bench_cond_resched();
        pub(crate) fn rtemu_bench_read(
            path: *const c_char,
            buf: *mut *mut c_void,
            len: *mut usize,
        ) -> c_int;
        pub(crate) fn rtemu_bench_free(buf: *mut c_void);
        pub(crate) fn rtemu_bench_fib4_table() -> *mut c_void;
        pub(crate) fn rtemu_bench_fib4_match(table: *mut c_void, daddr: *const u8) -> c_int;
        pub(crate) fn rtemu_bench_fib4_loop(
            table: *mut c_void,
            daddr: *const [u8; 4],
            n: u32,
            hits: *mut u64,
        ) -> u64;
        pub(crate) fn rtemu_bench_fib6_match(daddr: *const u8) -> c_int;
        pub(crate) fn rtemu_bench_fib6_loop(daddr: *const [u8; 16], n: u32, hits: *mut u64) -> u64;
    }
}

fn now_ns() -> u64 {
    // SAFETY: reads the monotonic clock; no preconditions.
    unsafe { glue::rtemu_bench_now_ns() }
}

fn cycles() -> u64 {
    // SAFETY: reads the time-stamp counter; no preconditions.
    unsafe { glue::rtemu_bench_cycles() }
}

/// A whole prefix file, read by the kernel's file loader.
///
/// # Invariants
///
/// `buf` points at `len` readable bytes from `rtemu_bench_read`, owned here.
struct FileBuf {
    buf: *mut kernel::ffi::c_void,
    len: usize,
}

impl FileBuf {
    /// Reads `path`, or `None` when the parameter was not given.
    fn read(path: *const c_char) -> Result<Option<Self>> {
        if path.is_null() {
            return Ok(None);
        }
        let mut buf = core::ptr::null_mut();
        let mut len = 0;
        // SAFETY: `path` is the module parameter's NUL-terminated string;
        // `buf` and `len` are valid for writes.
        let err = unsafe { glue::rtemu_bench_read(path, &mut buf, &mut len) };
        if err < 0 {
            // SAFETY: `path` is the module parameter's NUL-terminated string,
            // which outlives this call.
            let name = unsafe { CStr::from_char_ptr(path) };
            pr_err!("rtemu_bench: cannot read {}: {}\n", name, err);
            return Err(Error::from_errno(err));
        }
        // INVARIANT: the loader returned `len` bytes at `buf`.
        Ok(Some(Self { buf, len }))
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: by the type invariants, `len` readable bytes owned by `self`.
        unsafe { core::slice::from_raw_parts(self.buf.cast(), self.len) }
    }
}

impl Drop for FileBuf {
    fn drop(&mut self) {
        // SAFETY: by the type invariants, the loader's buffer, freed once.
        unsafe { glue::rtemu_bench_free(self.buf) };
    }
}

/// The prefix records of a file: family, length, two zero bytes, sixteen
/// address bytes in network order (see `rtemu-bench prefixes`).
fn parse(bytes: &[u8]) -> Result<KVVec<Prefix>> {
    const RECORD: usize = 20;
    if bytes.len() % RECORD != 0 {
        pr_err!(
            "rtemu_bench: file size {} is not a multiple of {}\n",
            bytes.len(),
            RECORD
        );
        return Err(EINVAL);
    }
    let mut out = KVVec::with_capacity(bytes.len() / RECORD, GFP_KERNEL)?;
    for r in bytes.chunks_exact(RECORD) {
        let addr = match r[0] {
            4 => Addr::V4([r[4], r[5], r[6], r[7]]),
            6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&r[4..20]);
                Addr::V6(a)
            }
            _ => return Err(EINVAL),
        };
        let prefix = Prefix::new(addr, r[1]).map_err(|_| EINVAL)?;
        out.push(prefix, GFP_KERNEL)?;
    }
    Ok(out)
}

/// splitmix64: small, seedable, good enough for picking keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A random address of the family: all of IPv4, and IPv6's global
    /// unicast space 2000::/3 (where every routed prefix lives).
    fn addr(&mut self, v6: bool) -> Addr {
        if v6 {
            let key = (u128::from(self.next()) << 64) | u128::from(self.next());
            Addr::from_v6_key((key >> 3) | (1u128 << 125))
        } else {
            Addr::from_v4_key(self.next() as u32)
        }
    }

    /// A random address inside `p`.
    fn inside(&mut self, p: &Prefix) -> Addr {
        let host = |bits: u32, len: u8| -> u128 {
            if u32::from(len) >= bits {
                0
            } else {
                u128::MAX >> (128 - bits + u32::from(len))
            }
        };
        match p.addr() {
            Addr::V4(a) => {
                let mask = host(32, p.len()) as u32;
                Addr::from_v4_key(u32::from_be_bytes(a) | (self.next() as u32 & mask))
            }
            Addr::V6(a) => {
                let r = (u128::from(self.next()) << 64) | u128::from(self.next());
                Addr::from_v6_key(u128::from_be_bytes(a) | (r & host(128, p.len())))
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Keys {
    Random,
    Hit,
    Miss,
    /// Inside a nested prefix of the set: the match has a covering prefix.
    Nested,
}

impl Keys {
    fn name(self) -> &'static str {
        match self {
            Keys::Random => "random",
            Keys::Hit => "hit",
            Keys::Miss => "miss",
            Keys::Nested => "nested",
        }
    }
}

/// `n` keys of a kind for `prefixes` in `t`, nested ones from `nested`
/// (fewer misses if the set covers nearly everything).
fn keys(
    t: &RouteTable,
    prefixes: &[Prefix],
    nested: &[Prefix],
    v6: bool,
    kind: Keys,
    n: usize,
    rng: &mut Rng,
) -> Result<KVVec<Addr>> {
    let mut out = KVVec::with_capacity(n, GFP_KERNEL)?;
    let mut tries = 0usize;
    while out.len() < n && tries < 64 * n {
        tries += 1;
        let a = match kind {
            Keys::Random | Keys::Miss => rng.addr(v6),
            Keys::Hit => {
                let i = rng.below(prefixes.len());
                rng.inside(&prefixes[i])
            }
            Keys::Nested => {
                let i = rng.below(nested.len());
                rng.inside(&nested[i])
            }
        };
        if kind == Keys::Miss && match_len(t, &a).is_some() {
            continue;
        }
        out.push(a, GFP_KERNEL)?;
    }
    Ok(out)
}

fn match_len(t: &RouteTable, a: &Addr) -> Option<u8> {
    let g = RcuGuard::new();
    t.lookup_rcu(a, &g).map(|rt| rt.prefix_len())
}

/// The FIB's match for `a` (IPv4: the spare table; IPv6: local, then main).
fn fib_match_len(fib4: *mut kernel::ffi::c_void, a: &Addr) -> Option<u8> {
    let plen = match a {
        // SAFETY: `fib4` is the spare table from `rtemu_bench_fib4_table`,
        // which lives as long as the namespace; `b` holds the 4 bytes read.
        Addr::V4(b) => unsafe { glue::rtemu_bench_fib4_match(fib4, b.as_ptr()) },
        // SAFETY: `b` holds the 16 bytes read.
        Addr::V6(b) => unsafe { glue::rtemu_bench_fib6_match(b.as_ptr()) },
    };
    u8::try_from(plen).ok()
}

/// Times `pass` (which returns the ns it took) three times after a warm-up
/// and keeps the median.
fn median_ns(mut pass: impl FnMut() -> u64) -> u64 {
    pass();
    let mut t = [pass(), pass(), pass()];
    t.sort_unstable();
    t[1]
}

fn time_plain(t: &RouteTable, keys: &[Addr]) -> u64 {
    let start = now_ns();
    for k in keys {
        let g = RcuGuard::new();
        black_box(t.lookup_rcu(k, &g).map(|rt| rt.prefix_len()));
    }
    now_ns() - start
}

fn time_referenced(t: &RouteTable, keys: &[Addr]) -> u64 {
    let start = now_ns();
    let mut ev = Events::new();
    for k in keys {
        if let Some(rt) = t.rtalloc1(k, false, 0, &mut ev) {
            black_box(rt.entry().prefix_len());
            rt.rtfree();
        }
    }
    now_ns() - start
}

fn time_fib(fib4: *mut kernel::ffi::c_void, keys: &[Addr], v4: &[[u8; 4]], v6: &[[u8; 16]]) -> u64 {
    let mut hits = 0;
    let n = keys.len() as u32;
    let ns = if v6.is_empty() {
        // SAFETY: `v4` holds the `n` keys read; `fib4` is the spare table,
        // alive with the namespace.
        unsafe { glue::rtemu_bench_fib4_loop(fib4, v4.as_ptr(), n, &mut hits) }
    } else {
        // SAFETY: `v6` holds the `n` keys read.
        unsafe { glue::rtemu_bench_fib6_loop(v6.as_ptr(), n, &mut hits) }
    };
    black_box(hits);
    ns
}

/// Per-lookup latencies of plain lookups in ns, sorted: each lookup timed
/// alone in cycles, scaled by the kernel clock over the whole pass.
fn latencies(t: &RouteTable, keys: &[Addr]) -> Result<KVVec<u64>> {
    let mut out = KVVec::with_capacity(keys.len(), GFP_KERNEL)?;
    let (ns0, c0) = (now_ns(), cycles());
    for k in keys {
        let start = cycles();
        {
            let g = RcuGuard::new();
            black_box(t.lookup_rcu(k, &g).map(|rt| rt.prefix_len()));
        }
        let _ = out.push_within_capacity(cycles() - start);
    }
    let (ns, c) = (now_ns() - ns0, (cycles() - c0).max(1));
    // Cycles per lookup times ns per pass fit in 64 bits (the kernel has no
    // 128-bit division); a lookup held up for seconds saturates.
    for d in out.iter_mut() {
        *d = d.saturating_mul(ns) / c;
    }
    out.sort_unstable();
    Ok(out)
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    sorted
        .get((sorted.len().saturating_sub(1)) * p / 100)
        .copied()
        .unwrap_or(0)
}

/// A writer that removes and re-adds prefixes of the set, one update every
/// `period_us` (0: back to back), until stopped; dropping it stops it and
/// waits.
struct Churn {
    stop: Arc<Atomic<u32>>,
    done: Arc<Atomic<u32>>,
    updates: Arc<Atomic<u64>>,
}

impl Churn {
    fn start(
        t: &Arc<RouteTable>,
        prefixes: Arc<KVVec<Prefix>>,
        gw: Addr,
        period_us: u32,
        seed: u64,
    ) -> Result<Self> {
        let churn = Self {
            stop: Arc::new(Atomic::new(0), GFP_KERNEL)?,
            done: Arc::new(Atomic::new(0), GFP_KERNEL)?,
            updates: Arc::new(Atomic::new(0), GFP_KERNEL)?,
        };
        let (stop, done, updates, t) = (
            churn.stop.clone(),
            churn.done.clone(),
            churn.updates.clone(),
            t.clone(),
        );
        workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
            let mut rng = Rng(seed);
            while stop.load(Relaxed) == 0 {
                let p = &prefixes[rng.below(prefixes.len())];
                let mut ev = Events::new();
                if t.remove(p, None, &mut ev).is_ok() {
                    let _ = t.add(route(*p, gw), &mut ev);
                    updates.fetch_add(2, Relaxed);
                }
                if period_us == 0 {
                    // SAFETY: the worker holds no lock here; it may sleep.
                    unsafe { glue::rtemu_bench_cond_resched() };
                } else {
                    fsleep(Delta::from_micros(i64::from(period_us)));
                }
            }
            done.store(1, Relaxed);
        })?;
        Ok(churn)
    }
}

impl Drop for Churn {
    fn drop(&mut self) {
        self.stop.store(1, Relaxed);
        while self.done.load(Relaxed) == 0 {
            fsleep(Delta::from_millis(1));
        }
    }
}

fn route(prefix: Prefix, gw: Addr) -> NewRoute {
    NewRoute {
        prefix,
        gateway: gw,
        flags: 0,
        preferred: None,
        expires: None,
    }
}

/// Everything for one family's prefix file and the file of its nested
/// prefixes (none: no nested keys).
fn bench_family(
    file: FileBuf,
    nested_file: Option<FileBuf>,
    v6: bool,
    fib4: *mut kernel::ffi::c_void,
    n: usize,
    rng: &mut Rng,
) -> Result {
    let family = if v6 { "inet6" } else { "inet" };
    let prefixes = Arc::new(parse(file.bytes())?, GFP_KERNEL)?;
    drop(file);
    let nested = match nested_file {
        Some(f) => parse(f.bytes())?,
        None => KVVec::new(),
    };
    let gw = if v6 {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        a[15] = 2;
        Addr::V6(a)
    } else {
        Addr::V4([192, 0, 2, 2])
    };
    let limits = Limits {
        routes: u32::MAX,
        paths: u32::MAX,
    };
    let t = RouteTable::new(limits, &KERNEL_CLOCK, Hooks::default())?;
    let start = now_ns();
    for p in prefixes.iter() {
        t.add(route(*p, gw), &mut Events::new())?;
    }
    pr_info!(
        "rtemu_bench: {{\"bench\":\"insert_inkernel\",\"family\":\"{}\",\"prefixes\":{},\"ns\":{}}}\n",
        family,
        prefixes.len(),
        now_ns() - start
    );

    for kind in [Keys::Random, Keys::Hit, Keys::Miss, Keys::Nested] {
        if kind == Keys::Nested && nested.is_empty() {
            continue;
        }
        let keys = keys(&t, &prefixes, &nested, v6, kind, n, rng)?;
        // The same keys as the FIB loops take them.
        // Arrays this large need kvmalloc (kmalloc stops at 4 MiB).
        let mut raw4: KVVec<[u8; 4]> = KVVec::new();
        let mut raw6: KVVec<[u8; 16]> = KVVec::new();
        let mut disagree = 0u32;
        let mut hits = 0u32;
        for k in keys.iter() {
            match k {
                Addr::V4(b) => raw4.push(*b, GFP_KERNEL)?,
                Addr::V6(b) => raw6.push(*b, GFP_KERNEL)?,
            }
            let ours = match_len(&t, k);
            hits += u32::from(ours.is_some());
            if ours != fib_match_len(fib4, k) {
                disagree += 1;
            }
        }
        let plain = median_ns(|| time_plain(&t, &keys));
        let referenced = median_ns(|| time_referenced(&t, &keys));
        let linux = median_ns(|| time_fib(fib4, &keys, &raw4, &raw6));
        pr_info!(
            "rtemu_bench: {{\"bench\":\"lookup\",\"family\":\"{}\",\"prefixes\":{},\"nested\":{},\"keys\":\"{}\",\"lookups\":{},\"hits\":{},\"disagree\":{},\"rtemu_ns\":{},\"rtemu_ref_ns\":{},\"linux_ns\":{}}}\n",
            family,
            prefixes.len(),
            nested.len(),
            kind.name(),
            keys.len(),
            hits,
            disagree,
            plain,
            referenced,
            linux
        );
        if kind == Keys::Hit {
            let idle = latencies(&t, &keys)?;
            // SAFETY: reads a module parameter; no preconditions.
            let period = unsafe { glue::rtemu_bench_churn_us() };
            let churn = Churn::start(&t, prefixes.clone(), gw, period, rng.next())?;
            let churn_start = now_ns();
            let busy = latencies(&t, &keys)?;
            let elapsed = now_ns() - churn_start;
            let updates = churn.updates.load(Relaxed);
            drop(churn);
            pr_info!(
                "rtemu_bench: {{\"bench\":\"latency\",\"family\":\"{}\",\"prefixes\":{},\"lookups\":{},\"idle_p50_ns\":{},\"idle_p99_ns\":{},\"churn_p50_ns\":{},\"churn_p99_ns\":{},\"churn_updates\":{},\"churn_ns\":{}}}\n",
                family,
                prefixes.len(),
                keys.len(),
                percentile(&idle, 50),
                percentile(&idle, 99),
                percentile(&busy, 50),
                percentile(&busy, 99),
                updates,
                elapsed
            );
        }
    }
    t.destroy(&mut Events::new());
    Ok(())
}

/// The entries' slab cache, for the benchmark's tables.
struct RtemuBench {
    _entries: platform::RcuSlabRegistration<entry::RtEntry>,
    _nodes: platform::NodeSlabs,
}

impl kernel::Module for RtemuBench {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let entries = entry::ENTRY_SLAB.register(c"rtemu_bench_entry")?;
        platform::detect_cpu();
        let nodes = platform::NodeSlabs::register("rtemu_bench_node")?;
        // SAFETY: reads a module parameter, set before `init` runs.
        let n = unsafe { glue::rtemu_bench_keys() } as usize;
        // SAFETY: reads a module parameter, set before `init` runs.
        let seed = unsafe { glue::rtemu_bench_seed() };
        // SAFETY: reads a module parameter, set before `init` runs.
        let v4 = unsafe { glue::rtemu_bench_v4_file() };
        // SAFETY: reads a module parameter, set before `init` runs.
        let v6 = unsafe { glue::rtemu_bench_v6_file() };
        // SAFETY: reads a module parameter, set before `init` runs.
        let v4_nested = unsafe { glue::rtemu_bench_v4_nested_file() };
        // SAFETY: reads a module parameter, set before `init` runs.
        let v6_nested = unsafe { glue::rtemu_bench_v6_nested_file() };
        // SAFETY: creates or finds the spare table of the initial namespace.
        let fib4 = unsafe { glue::rtemu_bench_fib4_table() };
        if fib4.is_null() {
            return Err(ENOMEM);
        }
        let mut rng = Rng(seed);
        if let Some(file) = FileBuf::read(v4)? {
            bench_family(file, FileBuf::read(v4_nested)?, false, fib4, n, &mut rng)?;
        }
        if let Some(file) = FileBuf::read(v6)? {
            bench_family(file, FileBuf::read(v6_nested)?, true, fib4, n, &mut rng)?;
        }
        pr_info!("rtemu_bench: {{\"bench\":\"done\"}}\n");
        Ok(Self {
            _entries: entries,
            _nodes: nodes,
        })
    }
}

impl Drop for RtemuBench {
    fn drop(&mut self) {
        rcu_drain();
    }
}
