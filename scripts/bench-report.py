#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn make bench's raw results into one JSON document, a Markdown report and
an SVG plot of the lookups.

Inputs: the guest's JSON lines (scripts/bench-guest.sh and rtemu_bench.ko)
and the native run's JSON (rtemu-bench native), each row tagged with its data
set (`asn`: the @ip-location-db/asn ranges split into CIDR blocks, which never
nest; `bgp`: a BGP full table, which does). Ratios are rtemu / Linux, so below
1 is rtemu ahead, except insertion, reported as a speed-up (rtemu's routes per
second over iproute2's). Goals are decided per data set.

Exit status: 0; 3 when a check failed (rtemu and the FIB disagree on a key,
rtemu's native trie disagrees with the reference, or a data set asked for has
no lookup rows), after writing everything; anything else is a crash.
"""

import argparse
import html
import json
import math
import os
import sys

SIZES = ["1k", "100k", "full"]
FAMILIES = ["inet", "inet6"]
KEYS = ["random", "hit", "miss", "nested"]
DATA = ["asn", "bgp"]
# The native run names families v4 and v6.
NATIVE_FAMILY = {"v4": "inet", "v6": "inet6"}
DATA_NOTE = {
    "asn": "address ranges split into CIDR blocks: no prefix nests in another",
    "bgp": "a BGP full table: half of its IPv4 prefixes have a covering prefix",
}


def load_guest(path):
    records = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                # Results from before the BGP set have no data set: they are the asn set's.
                r.setdefault("data", "asn")
                records.append(r)
    return records


def pick(records, bench, **match):
    return [r for r in records if r["bench"] == bench and all(r.get(k) == v for k, v in match.items())]


def ratio(a, b):
    return round(a / b, 3) if b else None


def goal(name, value, op, target, detail):
    met = None if value is None else (value <= target if op == "<=" else value >= target)
    return {"goal": name, "value": value, "op": op, "target": target, "met": met, "detail": detail}


def summarize(guest):
    lookups, inserts, timed, memory, dumps, latency = [], [], [], [], [], []
    for r in pick(guest, "lookup"):
        n = r["lookups"] or 1
        lookups.append({
            "data": r["data"], "family": r["family"], "size": r["size"], "prefixes": r["prefixes"],
            "nested": r.get("nested"), "keys": r["keys"],
            "lookups": r["lookups"], "hits": r["hits"], "disagree": r["disagree"],
            "rtemu_ns": round(r["rtemu_ns"] / n, 1), "rtemu_ref_ns": round(r["rtemu_ref_ns"] / n, 1),
            "linux_ns": round(r["linux_ns"] / n, 1), "ratio": ratio(r["rtemu_ns"], r["linux_ns"]),
            "ref_ratio": ratio(r["rtemu_ref_ns"], r["linux_ns"]),
        })
    for r in pick(guest, "insert"):
        n = r["prefixes"]
        linux_rate = n / (r["linux_ns"] / 1e9) if r["linux_ns"] else None
        rtemu_rate = n / (r["rtemu_ns"] / 1e9) if r["rtemu_ns"] else None
        inserts.append({
            "data": r["data"], "family": r["family"], "size": r["size"], "prefixes": n,
            "rtemu_routes_per_s": round(rtemu_rate) if rtemu_rate else None,
            "linux_routes_per_s": round(linux_rate) if linux_rate else None,
            "speedup": round(rtemu_rate / linux_rate, 2) if rtemu_rate and linux_rate else None,
        })
        memory.append({
            "data": r["data"], "family": r["family"], "size": r["size"], "prefixes": n,
            "rtemu_bytes_per_route": round(r["rtemu_bytes"] / n, 1),
            "linux_bytes_per_route": round(r["linux_bytes"] / n, 1),
            "ratio": ratio(r["rtemu_bytes"], r["linux_bytes"]),
        })
    for r in pick(guest, "insert_timed"):
        timed.append({
            "data": r["data"], "family": r["family"], "size": r["size"], "prefixes": r["prefixes"],
            "plain_ms": round(r["plain_ns"] / 1e6, 1), "timed_ms": round(r["timed_ns"] / 1e6, 1),
            "ratio": ratio(r["timed_ns"], r["plain_ns"]),
        })
    for r in pick(guest, "dump"):
        dumps.append({
            "data": r["data"], "family": r["family"], "size": r["size"], "prefixes": r["prefixes"],
            "rtemu_ms": round(r["rtemu_ns"] / 1e6, 1), "linux_ms": round(r["linux_ns"] / 1e6, 1),
            "ratio": ratio(r["rtemu_ns"], r["linux_ns"]),
            "rtemu_lines": r["rtemu_lines"], "linux_lines": r["linux_lines"],
        })
    dump_raw = []
    for r in pick(guest, "dump_raw"):
        dump_raw.append({
            "data": r["data"], "family": r["family"], "size": r["size"], "prefixes": r["prefixes"],
            "routes": r["routes"], "ms": round(r["ns"] / 1e6, 1), "interrupted": r["interrupted"],
            "routes_per_s": round(r["routes"] / (r["ns"] / 1e9)) if r["ns"] else None,
        })
    for r in pick(guest, "latency"):
        latency.append({k: r[k] for k in (
            "data", "family", "size", "prefixes", "lookups", "idle_p50_ns", "idle_p99_ns",
            "churn_p50_ns", "churn_p99_ns")} | {
            "churn_updates_per_s": round(r["churn_updates"] / (r["churn_ns"] / 1e9)) if r["churn_ns"] else None})
    teardown = []
    for t in pick(guest, "teardown"):
        teardown.append({"data": t["data"], "size": t["size"], "rtemu_ms": round(t["rtemu_ns"] / 1e6, 1),
                         "linux_ms": round(t["linux_ns"] / 1e6, 1), "ratio": ratio(t["rtemu_ns"], t["linux_ns"])})
    return {"lookup": lookups, "insert": inserts, "insert_timed": timed, "memory": memory, "dump": dumps,
            "dump_raw": dump_raw, "latency": latency, "teardown": teardown}


def only(s, data):
    """The summary `s` restricted to one data set."""
    return {k: [r for r in v if r["data"] == data] for k, v in s.items()}


def largest(rows, **match):
    """The row of the largest sample that matches."""
    for size in reversed(SIZES):
        for r in rows:
            if r["size"] == size and all(r.get(k) == v for k, v in match.items()):
                return r
    return None


def worst(rows, value, pick_max=True):
    """The row whose `value` is the largest (or smallest), with that value."""
    scored = [(value(r), r) for r in rows if value(r) is not None]
    if not scored:
        return None, None
    return (max if pick_max else min)(scored, key=lambda o: o[0])


def native_rows(native, data):
    return [r for r in native["results"] if r.get("data", "asn") == data]


def native_p7(native, data):
    """P7 and P2 from the host run: rtemu's plain trie against the fastest crate of each row,
    bytes per prefix against the most compact crate, build time against the fastest builder
    (full sets), and the referenced lookup against the plain one on the same trie."""
    if not native:
        return []
    rows = native_rows(native, data)
    crates = [c["implementation"] for c in native["method"]["crates"]]
    by = {(r["family"], r["set"], r["keys"], r["implementation"]): r for r in rows}
    cases = sorted({(r["family"], r["set"], r["keys"]) for r in rows})
    speed = []
    for case in cases:
        ours = by.get(case + ("rtemu",), {}).get("ns_per_lookup")
        theirs = [(by.get(case + (c,), {}).get("ns_per_lookup"), c) for c in crates]
        theirs = [t for t in theirs if t[0]]
        if ours and theirs:
            best = min(theirs)
            speed.append((round(ours / best[0], 2), f"{' '.join(case)}: {ours} vs {best[0]} ns ({best[1]})"))
    out = []
    w = max(speed, default=None)
    out.append(goal("P7 native lookup, rtemu / fastest crate (worst row)", w and w[0], "<=", 1.0, w and w[1]))
    # On the full sets, against the best crate: bytes per prefix and build time.
    for field, what, best_is, unit, target in (
            ("bytes_per_prefix", "bytes per prefix", "most compact crate", "B", 1.5),
            ("build_ms", "build time", "fastest builder", "ms", 3.0)):
        for fam in ("v4", "v6"):
            ours = by.get((fam, "full", "random", "rtemu"), {}).get(field)
            theirs = [(by.get((fam, "full", "random", c), {}).get(field), c) for c in crates]
            best = min((t for t in theirs if t[0]), default=None)
            out.append(goal(f"P7 native {what} {fam}, rtemu / {best_is}",
                            ratio(ours, best[0]) if ours and best else None, "<=", target,
                            best and f"full set: {ours} vs {best[0]} {unit} ({best[1]})"))
    # P2 against rtemu-arc: the same trie, its plain lookup reading the matched value as the
    # kernel's plain lookup reads the route; rtemu keeps its values in the nodes and never
    # misses on a value's memory, which the referenced lookup must.
    ref = []
    for case in cases:
        plain = by.get(case + ("rtemu-arc",), {}).get("ns_per_lookup")
        held = by.get(case + ("rtemu-ref",), {}).get("ns_per_lookup")
        if plain and held:
            ref.append((round(held - plain, 1), f"{' '.join(case)}: {held} vs {plain} ns"))
    w = max(ref, default=None)
    out.append(goal("P2 native referenced minus plain lookup, ns (worst row)", w and w[0], "<=", 10,
                    w and w[1]))
    return out


def goals_of(s, native, data):
    """Issue #28's goals P1-P7 on one data set, each decided on the rows named in its detail."""
    out = []
    lk = s["lookup"]
    r = largest(lk, family="inet", keys="random")
    out.append(goal("P1 lookup inet, full set, random keys, rtemu/Linux", r and r["ratio"], "<=", 0.5,
                    r and f"{r['size']} set: {r['rtemu_ns']} vs {r['linux_ns']} ns"))
    for fam, target in (("inet", 1.0), ("inet6", 0.3)):
        v, r = worst([x for x in lk if x["family"] == fam], lambda x: x["ratio"])
        out.append(goal(f"P1 lookup {fam}, rtemu/Linux (worst row)", v, "<=", target,
                        r and f"{r['size']} {r['keys']}: {r['rtemu_ns']} vs {r['linux_ns']} ns"))
    v, r = worst(lk, lambda x: round(x["rtemu_ref_ns"] - x["rtemu_ns"], 1))
    out.append(goal("P2 referenced minus plain lookup, ns (worst row)", v, "<=", 10,
                    r and f"{r['family']} {r['size']} {r['keys']}: {r['rtemu_ref_ns']} vs {r['rtemu_ns']} ns"))
    for fam in FAMILIES:
        r = largest(s["insert"], family=fam)
        out.append(goal(f"P3 insertion {fam}, rtemu/iproute2 routes/s", r and r["speedup"], ">=", 2,
                        r and f"{r['size']} set: {r['rtemu_routes_per_s']} vs {r['linux_routes_per_s']} routes/s"))
    for fam in FAMILIES:
        r = [x for x in s.get("insert_timed", []) if x["family"] == fam and x["size"] == "100k"]
        r = r[0] if r else None
        out.append(goal(f"P3 bulk add of 100k {fam} routes, with lifetimes / without", r and r["ratio"], "<=", 1.2,
                        r and f"{r['timed_ms']} vs {r['plain_ms']} ms"))
    r = largest(s["memory"], family="inet")
    out.append(goal("P4 memory inet, bytes per route", r and r["rtemu_bytes_per_route"], "<=", 96,
                    r and f"{r['size']} set; Linux {r['linux_bytes_per_route']} B"))
    r = largest(s["memory"], family="inet6")
    out.append(goal("P4 memory inet6, rtemu/Linux", r and r["ratio"], "<=", 0.3,
                    r and f"{r['size']} set: {r['rtemu_bytes_per_route']} vs {r['linux_bytes_per_route']} B"))
    for fam in FAMILIES:
        r = largest(s["dump"], family=fam)
        out.append(goal(f"P5 dump {fam}, rtemuctl route show / ip route show", r and r["ratio"], "<=", 0.5,
                        r and f"{r['size']} set: {r['rtemu_ms']} vs {r['linux_ms']} ms"))
    for fam in FAMILIES:
        r = largest(s.get("dump_raw", []), family=fam)
        out.append(goal(f"P5 raw kernel dump {fam}, routes/s", r and r["routes_per_s"], ">=", 1_000_000,
                        r and f"{r['size']} set: {r['routes']} routes in {r['ms']} ms"
                        + (" (interrupted)" if r["interrupted"] else "")))
    lat = s["latency"]
    v, r = worst(lat, lambda x: x["churn_updates_per_s"], pick_max=False)
    out.append(goal("P6 churn writer, updates/s (slowest row)", v, ">=", 100_000,
                    r and f"{r['family']} {r['size']}"))
    v, r = worst(lat, lambda x: ratio(x["churn_p99_ns"], x["idle_p99_ns"]))
    out.append(goal("P6 lookup p99 while churning / idle p99 (worst row)", v, "<=", 1.1,
                    r and f"{r['family']} {r['size']}: {r['churn_p99_ns']} vs {r['idle_p99_ns']} ns "
                    f"at {r['churn_updates_per_s']} updates/s"))
    out += native_p7(native, data)
    t = largest(s["teardown"])
    out.append(goal("unload rtemu / flush the FIB", t and t["ratio"], "<=", 0.5,
                    t and f"{t['size']} sets: {t['rtemu_ms']} vs {t['linux_ms']} ms"))
    for g in out:
        g["data"] = data
    return out


def goals(s, native, sets):
    """Every goal on each data set, the data sets' rows of one goal next to each other."""
    per = [goals_of(only(s, d), native, d) for d in sets]
    if not per:
        return []
    out = []
    for i in range(max(len(p) for p in per)):
        out += [p[i] for p in per if i < len(p)]
    return out


def checks(s, native, sets, sizes):
    """What must hold for the figures to mean anything: (check, passed, detail)."""
    out = []
    lk = s["lookup"]
    for d in sets:
        rows = [r for r in lk if r["data"] == d]
        bad = [r for r in rows if r["disagree"]]
        want = {(f, z) for f in FAMILIES for z in sizes}
        missing = sorted(want - {(r["family"], r["size"]) for r in rows})
        if missing:
            out.append((f"{d}: in-kernel lookup rows for every family and set", False,
                        "missing: " + ", ".join(f"{f} {z}" for f, z in missing)))
        out.append((f"{d}: rtemu and the FIB match the same prefix length for every key (disagree 0)",
                     bool(rows) and not bad,
                     f"{len(rows)} key sets, {sum(r['lookups'] for r in rows)} keys" if not bad else
                     "; ".join(f"{r['family']} {r['size']} {r['keys']}: {r['disagree']} of {r['lookups']}"
                               for r in bad)))
        nested = [r for r in rows if r["keys"] == "nested"]
        nests = any(r.get("nested") for r in rows)
        if nests or nested:
            out.append((f"{d}: nested-hit keys all hit", bool(nested) and all(r["hits"] == r["lookups"] for r in nested),
                        f"{len(nested)} key sets"))
    if native:
        for d in sets:
            rows = native_rows(native, d)
            ours = [r for r in rows if r["implementation"].startswith("rtemu") and r.get("error")]
            out.append((f"{d}: rtemu's trie agrees with the reference natively", bool(rows) and not ours,
                        f"{len(rows)} rows" if not ours else
                        "; ".join(f"{r['family']} {r['set']} {r['keys']} {r['implementation']}: {r['error']}"
                                  for r in ours)))
    return out


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def mark(met):
    return {True: "yes", False: "**no**", None: "n/a"}[met]


def samples_markdown(samples):
    body = []
    for d, summary in samples.items():
        for fam in ("v4", "v6"):
            for size in SIZES:
                k = f"{fam}-{size}"
                n = summary.get("files", {}).get(k)
                if n is None:
                    continue
                nested = summary.get("nested", {}).get(k)
                share = f"{100 * nested / n:.1f}%" if nested is not None and n else None
                body.append([d, NATIVE_FAMILY[fam], size, n, nested, share])
    return ["### Data sets (prefixes per sample; nested: another prefix of the same sample covers it)", "",
            table(["data", "family", "set", "prefixes", "nested", "share"], body), ""]


def markdown(doc, svg_name=None):
    s, meta = doc["vm"], doc["meta"]
    out = [f"Kernel `{meta['kernel']}` in **{meta['environment']}**. Data sets: "
           + "; ".join(f"`{d}`: `{meta['data'].get(d, '?')}` ({DATA_NOTE.get(d, '')})" for d in meta["sets"])
           + ". The asn set is CC BY 4.0 (RouteViews and RIR data), the BGP table MIT "
           "(gaissmai/bart's test data; see tools/rtemu-bench/data/README.md).", ""]
    if meta.get("quick"):
        out += ["**A `--quick` run** (1k and 100k samples in the kernel, fewer keys, short native "
                "measurements): a smoke test of the pipeline, not figures to publish.", ""]
    out += [f"Linux's IPv4 lookup: `fib_table_lookup()` on spare table 100. IPv6: {meta.get('fib6') or '`fib6_lookup()`'}.",
            ""]
    out += ["### Checks", "", table(["check", "passed", "detail"],
            [[c, "yes" if ok else "**NO**", d] for c, ok, d in doc["checks"]]), ""]
    if doc.get("samples"):
        out += samples_markdown(doc["samples"])
    out += ["### Goals (per data set)", "", table(["goal", "data", "measured", "target", "met", "detail"],
            [[g["goal"], g["data"], g["value"], f"{g['op']} {g['target']}", mark(g["met"]), g["detail"]]
             for g in doc["goals"]]), ""]
    out += ["### Lookups in the kernel (ns per lookup, ratio = rtemu / Linux)", ""]
    if svg_name:
        out += [f"![ns per lookup, every row: rtemu beside Linux and the crates]({svg_name})", ""]
    out += [table(["data", "family", "set", "prefixes", "nested", "keys", "rtemu", "rtemu rtalloc1+RTFREE",
                   "Linux", "ratio", "referenced ratio", "disagree"],
                  [[r["data"], r["family"], r["size"], r["prefixes"], r["nested"], r["keys"], r["rtemu_ns"],
                    r["rtemu_ref_ns"], r["linux_ns"], r["ratio"], r["ref_ratio"], r["disagree"]]
                   for r in s["lookup"]]), ""]
    out += ["### Insertion (routes per second: rtemuctl -batch vs ip -batch)", "",
            table(["data", "family", "set", "prefixes", "rtemu", "iproute2", "speed-up"],
                  [[r["data"], r["family"], r["size"], r["prefixes"], r["rtemu_routes_per_s"],
                    r["linux_routes_per_s"], r["speedup"]] for r in s["insert"]]), ""]
    if s.get("insert_timed"):
        out += ["### Bulk add with lifetimes (ms: rtemuctl -batch of the same routes without and with lifetimes)", "",
                table(["data", "family", "set", "prefixes", "without", "with", "ratio"],
                      [[r["data"], r["family"], r["size"], r["prefixes"], r["plain_ms"], r["timed_ms"], r["ratio"]]
                       for r in s["insert_timed"]]), ""]
    out += ["### Memory (bytes per route: slab + vmalloc growth)", "",
            table(["data", "family", "set", "prefixes", "rtemu", "Linux", "ratio"],
                  [[r["data"], r["family"], r["size"], r["prefixes"], r["rtemu_bytes_per_route"],
                    r["linux_bytes_per_route"], r["ratio"]] for r in s["memory"]]), ""]
    out += ["### Dump (ms: rtemuctl route show vs ip route show)", "",
            table(["data", "family", "set", "prefixes", "rtemu", "iproute2", "ratio"],
                  [[r["data"], r["family"], r["size"], r["prefixes"], r["rtemu_ms"], r["linux_ms"], r["ratio"]]
                   for r in s["dump"]]), ""]
    if s.get("dump_raw"):
        out += ["### Raw kernel dump (route-list received and kept, not decoded: rtemu-bench dump)", "",
                table(["data", "family", "set", "routes", "ms", "routes/s", "interrupted"],
                      [[r["data"], r["family"], r["size"], r["routes"], r["ms"], r["routes_per_s"],
                        r["interrupted"]] for r in s["dump_raw"]]), ""]
    if s["teardown"]:
        out += ["### Teardown with the full sets (ms: rmmod rtemu vs flushing the FIB)", "",
                table(["data", "rtemu", "Linux", "ratio"],
                      [[t["data"], t["rtemu_ms"], t["linux_ms"], t["ratio"]] for t in s["teardown"]]), ""]
    out += ["### Lookup latency, idle vs a writer churning (ns, per lookup, hit keys, timed with the TSC)", "",
            table(["data", "family", "set", "idle p50", "idle p99", "churn p50", "churn p99", "updates/s"],
                  [[r["data"], r["family"], r["size"], r["idle_p50_ns"], r["idle_p99_ns"], r["churn_p50_ns"],
                    r["churn_p99_ns"], r["churn_updates_per_s"]] for r in s["latency"]]), ""]
    native = doc.get("native")
    if native:
        out += native_markdown(native)
    return "\n".join(out)


def impls_of(rows):
    impls = []
    for r in rows:
        if r["implementation"] not in impls:
            impls.append(r["implementation"])
    return impls


def native_markdown(native):
    """The host run of `rtemu-bench native`: ns per lookup per case and implementation."""
    rows = native["results"]
    impls = impls_of(rows)
    host = native.get("host", {})
    out = ["### Native lookups on the host (ns per lookup, criterion)", "",
           f"{host.get('cpu', '?')}, {host.get('cpus', '?')} CPUs; load average at start "
           f"{host.get('loadavg_at_start', '?')}, at end {host.get('loadavg_at_end', '?')}.", ""]
    cases = []
    for r in rows:
        case = (r.get("data", "asn"), r["family"], r["set"], r["keys"])
        if case not in cases:
            cases.append(case)
    by = {(r.get("data", "asn"), r["family"], r["set"], r["keys"], r["implementation"]): r for r in rows}
    body = []
    for case in cases:
        cells = []
        for i in impls:
            r = by.get(case + (i,), {})
            cells.append(r.get("ns_per_lookup", "error" if r.get("error") else None))
        body.append(list(case) + cells)
    out += [table(["data", "family", "set", "keys"] + impls, body), ""]
    errors = [r for r in rows if r.get("error")]
    if errors:
        out += ["Not timed (wrong answers against the reference, or a failed build):", ""]
        out += [f"- {r.get('data', 'asn')} {r['family']} {r['set']} {r['keys']} {r['implementation']}: {r['error']}"
                for r in errors]
        out += [""]
    out += ["Bytes per prefix (full sets):", ""]
    body = []
    for d in dict.fromkeys(c[0] for c in cases):
        for fam in ("v4", "v6"):
            body.append([d, fam] + [by.get((d, fam, "full", "random", i), {}).get("bytes_per_prefix")
                                    for i in impls])
    out += [table(["data", "family"] + impls, body), ""]
    return out


# The plot: one row per (data set, family, set, keys), two panels on one log scale: in the
# kernel (rtemu, rtemu referenced, Linux) and natively on the host (rtemu and the crates).
KERNEL_SERIES = [("rtemu_ns", "rtemu", "#1f5fa8"), ("rtemu_ref_ns", "rtemu referenced", "#8db8e3"),
                 ("linux_ns", "Linux FIB", "#c8352c")]
CRATE_COLOURS = ["#2e8b3d", "#e08a1e", "#7b4fa8", "#8c5a3c", "#4d9da6", "#b0417f"]


def esc(s):
    return html.escape(str(s), quote=True)


def svg(doc):
    """ns per lookup of every lookup row as an SVG document (a string), log scale."""
    meta, s, native = doc["meta"], doc["vm"], doc.get("native")
    fam_of = {"inet": "v4", "inet6": "v6"}
    rows = {}
    for r in s["lookup"]:
        key = (r["data"], fam_of[r["family"]], r["size"], r["keys"])
        rows.setdefault(key, {})["kernel"] = r
    crates = []
    if native:
        crates = [c["implementation"] for c in native["method"]["crates"]]
        for r in native["results"]:
            if r["implementation"] not in ["rtemu"] + crates:
                continue
            key = (r.get("data", "asn"), r["family"], r["set"], r["keys"])
            rows.setdefault(key, {}).setdefault("native", {})[r["implementation"]] = r
    native_series = [("rtemu", "rtemu (host build)", KERNEL_SERIES[0][2])] + [
        (c, c, CRATE_COLOURS[i % len(CRATE_COLOURS)]) for i, c in enumerate(crates)]

    def order(k):
        d, f, z, kk = k
        return (DATA.index(d) if d in DATA else 9, d, f, SIZES.index(z) if z in SIZES else 9,
                KEYS.index(kk) if kk in KEYS else 9)

    keys = sorted(rows, key=order)
    values = [r["kernel"][k] for r in rows.values() if "kernel" in r for k, _, _ in KERNEL_SERIES]
    values += [x.get("ns_per_lookup") for r in rows.values() for x in r.get("native", {}).values()]
    values = [v for v in values if isinstance(v, (int, float)) and v > 0]
    lo = 10 ** math.floor(math.log10(min(values))) if values else 1
    hi = 10 ** math.ceil(math.log10(max(values))) if values else 1000
    if hi <= lo:
        hi = lo * 10

    bar = 4
    kernel_h = bar * len(KERNEL_SERIES)
    native_h = bar * len(native_series)
    row_h = max(kernel_h, native_h if native else 0) + 8
    label_w, panel_w, gap, margin = 150, 360, 56, 12
    panels = [("In the kernel: rtemu_bench.ko in " + meta["environment"], KERNEL_SERIES)]
    if native:
        panels.append(("Natively on the host: rtemu-bench native (criterion)", native_series))
    width = margin * 2 + label_w + len(panels) * panel_w + (len(panels) - 1) * gap + 24
    header_h = 134 + 16 * len(meta["sets"]) + (18 if meta.get("quick") else 0)
    group_h = 22
    groups = list(dict.fromkeys(k[0] for k in keys))
    height = header_h + len(keys) * row_h + len(groups) * group_h + 44

    def x_of(panel, v):
        x0 = margin + label_w + panel * (panel_w + gap)
        return x0 + panel_w * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
         f'<text x="{margin}" y="22" font-size="15" font-weight="bold">rtemu: ns per lookup '
         f'(log scale, shorter is faster)</text>',
         f'<text x="{margin}" y="40">Kernel {esc(meta["kernel"])} in {esc(meta["environment"])}</text>',
         f'<text x="{margin}" y="56">Linux: IPv4 fib_table_lookup() on a spare table; IPv6 '
         f'{esc(meta.get("fib6") or "fib6_lookup()")}</text>']
    y = 72
    for d in meta["sets"]:
        o.append(f'<text x="{margin}" y="{y}">{esc(d)}: {esc(meta["data"].get(d, ""))} '
                 f'({esc(DATA_NOTE.get(d, ""))})</text>')
        y += 16
    y += 4
    if meta.get("quick"):
        o.append(f'<text x="{margin}" y="{y}" fill="#c8352c" font-weight="bold">--quick run: 1k and 100k '
                 f'samples in the kernel, few keys, short native runs: a smoke test, not figures to publish</text>')
        y += 18
    # Legends, one per panel.
    for p, (title, series) in enumerate(panels):
        x0 = margin + label_w + p * (panel_w + gap)
        o.append(f'<text x="{x0}" y="{y + 4}" font-weight="bold">{esc(title)}</text>')
        lx, ly = x0, y + 18
        for _, name, colour in series:
            w = 14 + 6.2 * len(name) + 12
            if lx + w > x0 + panel_w:
                lx, ly = x0, ly + 14
            o.append(f'<rect x="{lx}" y="{ly - 8}" width="10" height="9" fill="{colour}"/>'
                     f'<text x="{lx + 14}" y="{ly}">{esc(name)}</text>')
            lx += w
    top = header_h
    # Grid and axis labels on both panels.
    ticks = []
    t = lo
    decades = round(math.log10(hi / lo))
    while t <= hi * 1.0001:
        for m in (1, 2, 5):
            if lo <= t * m <= hi * 1.0001:
                ticks.append((t * m, m == 1))
        t *= 10
    bottom = height - 32
    for p in range(len(panels)):
        for v, major in ticks:
            x = x_of(p, v)
            o.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" '
                     f'stroke="{"#bbbbbb" if major else "#e6e6e6"}" stroke-width="1"/>')
            if major or decades <= 3:
                o.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" '
                         f'fill="{"#333333" if major else "#888888"}" font-size="{11 if major else 9}">{v:g}</text>')
        mid = (x_of(p, lo) + x_of(p, hi)) / 2
        o.append(f'<text x="{mid:.1f}" y="{bottom + 27}" text-anchor="middle" fill="#333333">'
                 f'ns per lookup</text>')
    y = top
    current = None
    for i, k in enumerate(keys):
        d, fam, size, kind = k
        if d != current:
            current = d
            o.append(f'<text x="{margin}" y="{y + 15}" font-weight="bold" font-size="12">'
                     f'{esc(d)}: {esc(DATA_NOTE.get(d, ""))}</text>')
            y += group_h
        if i % 2 == 0:
            o.append(f'<rect x="{margin}" y="{y}" width="{width - 2 * margin}" height="{row_h}" '
                     f'fill="#f4f4f4"/>')
        weight = ' font-weight="bold"' if kind == "nested" else ""
        o.append(f'<text x="{margin + 4}" y="{y + row_h / 2 + 4:.1f}"{weight}>'
                 f'{esc(f"{fam} {size} {kind}")}</text>')
        r = rows[k]
        bars = []
        if "kernel" not in r:
            o.append(f'<text x="{x_of(0, lo) + 2:.1f}" y="{y + row_h / 2 + 4:.1f}" fill="#888888" '
                     f'font-size="10">not run in the kernel{" (--quick)" if meta.get("quick") else ""}</text>')
        else:
            for j, (field, name, colour) in enumerate(KERNEL_SERIES):
                bars.append((0, j, r["kernel"].get(field), name, colour, kernel_h))
        for j, (impl, name, colour) in enumerate(native_series):
            x = r.get("native", {}).get(impl)
            if x is not None:
                bars.append((1, j, x.get("ns_per_lookup") if not x.get("error") else None, name, colour, native_h))
        for p, j, v, name, colour, h in bars:
            by = y + (row_h - h) / 2 + j * bar
            x0 = x_of(p, lo)
            if isinstance(v, (int, float)) and v > 0:
                o.append(f'<rect x="{x0:.1f}" y="{by:.1f}" width="{max(x_of(p, v) - x0, 1):.1f}" '
                         f'height="{bar - 0.5}" fill="{colour}"><title>{esc(f"{d} {fam} {size} {kind}: {name} {v} ns")}'
                         f'</title></rect>')
            else:
                o.append(f'<text x="{x0 + 2:.1f}" y="{by + bar:.1f}" font-size="7" fill="#c8352c">'
                         f'{esc(name)}: not timed</text>')
        y += row_h
    o.append("</svg>")
    return "\n".join(o) + "\n"


def read_samples(root, sets):
    """The `rtemu-bench prefixes` summaries under root (ROOT/SET/summary.json)."""
    out = {}
    for d in sets:
        p = os.path.join(root, d, "summary.json")
        if os.path.exists(p):
            with open(p) as f:
                out[d] = json.load(f)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--native")
    ap.add_argument("--environment", required=True,
                    help="where the kernel ran, e.g. 'User-Mode Linux (native)' or 'virtme-ng (TCG)'")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--data", action="append", default=[], metavar="SET=DESCRIPTION",
                    help="where a data set came from (asn=@ip-location-db/asn@..., bgp=FILE); repeatable")
    ap.add_argument("--sets", default="asn bgp", help="the data sets the run was asked for")
    ap.add_argument("--sizes", default=None,
                    help="the sample sizes the guest ran (default: 1k 100k, and full unless --quick)")
    ap.add_argument("--samples", help="the samples' directory (SET/summary.json from rtemu-bench prefixes)")
    ap.add_argument("--fib6", help="which Linux function the IPv6 lookups were timed with")
    ap.add_argument("--quick", action="store_true", help="the results are from a --quick run")
    ap.add_argument("--json", required=True)
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--svg", help="write the lookups' plot here (report.md links it)")
    a = ap.parse_args()
    sets = a.sets.split()
    sizes = a.sizes.split() if a.sizes else (["1k", "100k"] if a.quick else SIZES)
    data = {}
    for d in a.data:
        name, _, desc = d.partition("=")
        data[name] = desc
    guest = load_guest(a.guest)
    s = summarize(guest)
    doc = {"meta": {"environment": a.environment, "kernel": a.kernel, "data": data, "sets": sets,
                    "sizes": sizes, "quick": a.quick, "fib6": a.fib6}, "vm": s}
    if a.samples:
        doc["samples"] = read_samples(a.samples, sets)
    if a.native:
        with open(a.native) as f:
            doc["native"] = json.load(f)
    doc["goals"] = goals(s, doc.get("native"), sets)
    doc["checks"] = checks(s, doc.get("native"), sets, sizes)
    svg_name = None
    if a.svg:
        with open(a.svg, "w") as f:
            f.write(svg(doc))
        svg_name = os.path.relpath(a.svg, os.path.dirname(os.path.abspath(a.markdown)))
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=1)
    with open(a.markdown, "w") as f:
        f.write(markdown(doc, svg_name))
    failed = [c for c in doc["checks"] if not c[1]]
    for c, _, detail in failed:
        print(f"bench-report: CHECK FAILED: {c}: {detail}", file=sys.stderr)
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
