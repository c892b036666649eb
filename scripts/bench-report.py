#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn make bench's raw results into one JSON document and a Markdown report.

Inputs: the guest's JSON lines (scripts/bench-guest.sh and rtemu_bench.ko)
and the native run's JSON (rtemu-bench native). Ratios are rtemu / Linux, so
below 1 is rtemu ahead, except insertion, reported as a speed-up (rtemu's
routes per second over iproute2's).
"""

import argparse
import json
import sys

SIZES = ["1k", "100k", "full"]
FAMILIES = ["inet", "inet6"]
KEYS = ["random", "hit", "miss"]


def load_guest(path):
    records = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                records.append(json.loads(line))
    return records


def pick(records, bench, **match):
    return [r for r in records if r["bench"] == bench and all(r.get(k) == v for k, v in match.items())]


def one(records, bench, **match):
    found = pick(records, bench, **match)
    return found[0] if found else None


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
            "family": r["family"], "size": r["size"], "prefixes": r["prefixes"], "keys": r["keys"],
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
            "family": r["family"], "size": r["size"], "prefixes": n,
            "rtemu_routes_per_s": round(rtemu_rate) if rtemu_rate else None,
            "linux_routes_per_s": round(linux_rate) if linux_rate else None,
            "speedup": round(rtemu_rate / linux_rate, 2) if rtemu_rate and linux_rate else None,
        })
        memory.append({
            "family": r["family"], "size": r["size"], "prefixes": n,
            "rtemu_bytes_per_route": round(r["rtemu_bytes"] / n, 1),
            "linux_bytes_per_route": round(r["linux_bytes"] / n, 1),
            "ratio": ratio(r["rtemu_bytes"], r["linux_bytes"]),
        })
    for r in pick(guest, "insert_timed"):
        timed.append({
            "family": r["family"], "size": r["size"], "prefixes": r["prefixes"],
            "plain_ms": round(r["plain_ns"] / 1e6, 1), "timed_ms": round(r["timed_ns"] / 1e6, 1),
            "ratio": ratio(r["timed_ns"], r["plain_ns"]),
        })
    for r in pick(guest, "dump"):
        dumps.append({
            "family": r["family"], "size": r["size"], "prefixes": r["prefixes"],
            "rtemu_ms": round(r["rtemu_ns"] / 1e6, 1), "linux_ms": round(r["linux_ns"] / 1e6, 1),
            "ratio": ratio(r["rtemu_ns"], r["linux_ns"]),
            "rtemu_lines": r["rtemu_lines"], "linux_lines": r["linux_lines"],
        })
    dump_raw = []
    for r in pick(guest, "dump_raw"):
        dump_raw.append({
            "family": r["family"], "size": r["size"], "prefixes": r["prefixes"], "routes": r["routes"],
            "ms": round(r["ns"] / 1e6, 1), "interrupted": r["interrupted"],
            "routes_per_s": round(r["routes"] / (r["ns"] / 1e9)) if r["ns"] else None,
        })
    for r in pick(guest, "latency"):
        latency.append({k: r[k] for k in (
            "family", "size", "prefixes", "lookups", "idle_p50_ns", "idle_p99_ns",
            "churn_p50_ns", "churn_p99_ns")} | {
            "churn_updates_per_s": round(r["churn_updates"] / (r["churn_ns"] / 1e9)) if r["churn_ns"] else None})
    teardown = None
    t = one(guest, "teardown")
    if t:
        teardown = {"size": t["size"], "rtemu_ms": round(t["rtemu_ns"] / 1e6, 1),
                    "linux_ms": round(t["linux_ns"] / 1e6, 1), "ratio": ratio(t["rtemu_ns"], t["linux_ns"])}
    return {"lookup": lookups, "insert": inserts, "insert_timed": timed, "memory": memory, "dump": dumps,
            "dump_raw": dump_raw, "latency": latency, "teardown": teardown}


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


def native_p7(native):
    """P7 from the host run: rtemu's plain trie against the fastest crate of each row, and bytes
    per prefix against the most compact crate."""
    if not native:
        return []
    rows = native["results"]
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
    for fam in ("v4", "v6"):
        ours = by.get((fam, "full", "random", "rtemu"), {}).get("bytes_per_prefix")
        theirs = [(by.get((fam, "full", "random", c), {}).get("bytes_per_prefix"), c) for c in crates]
        theirs = [t for t in theirs if t[0]]
        best = min(theirs, default=None)
        out.append(goal(f"P7 native bytes per prefix {fam}, rtemu / most compact crate",
                        ratio(ours, best[0]) if ours and best else None, "<=", 1.0,
                        best and f"full set: {ours} vs {best[0]} B ({best[1]})"))
    return out


def goals(s, native=None):
    """Issue #15's goals P1-P7, each decided on the rows named in its detail."""
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
    out += native_p7(native)
    t = s["teardown"]
    out.append(goal("unload rtemu / flush the FIB", t and t["ratio"], "<=", 0.5,
                    t and f"{t['size']} sets: {t['rtemu_ms']} vs {t['linux_ms']} ms"))
    return out


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def mark(met):
    return {True: "yes", False: "**no**", None: "n/a"}[met]


def markdown(doc):
    s, meta = doc["vm"], doc["meta"]
    out = [f"Kernel `{meta['kernel']}` in **{meta['environment']}**; prefixes from "
           f"`{meta['data']}` (CC BY 4.0, RouteViews and RIR data).", ""]
    out += ["### Goals", "", table(["goal", "measured", "target", "met", "detail"],
            [[g["goal"], g["value"], f"{g['op']} {g['target']}", mark(g["met"]), g["detail"]]
             for g in doc["goals"]]), ""]
    out += ["### Lookups in the kernel (ns per lookup, ratio = rtemu / Linux)", "",
            table(["family", "set", "prefixes", "keys", "rtemu", "rtemu rtalloc1+RTFREE", "Linux",
                   "ratio", "referenced ratio", "disagree"],
                  [[r["family"], r["size"], r["prefixes"], r["keys"], r["rtemu_ns"], r["rtemu_ref_ns"],
                    r["linux_ns"], r["ratio"], r["ref_ratio"], r["disagree"]] for r in s["lookup"]]), ""]
    out += ["### Insertion (routes per second: rtemuctl -batch vs ip -batch)", "",
            table(["family", "set", "prefixes", "rtemu", "iproute2", "speed-up"],
                  [[r["family"], r["size"], r["prefixes"], r["rtemu_routes_per_s"], r["linux_routes_per_s"],
                    r["speedup"]] for r in s["insert"]]), ""]
    if s.get("insert_timed"):
        out += ["### Bulk add with lifetimes (ms: rtemuctl -batch of the same routes without and with lifetimes)", "",
                table(["family", "set", "prefixes", "without", "with", "ratio"],
                      [[r["family"], r["size"], r["prefixes"], r["plain_ms"], r["timed_ms"], r["ratio"]]
                       for r in s["insert_timed"]]), ""]
    out += ["### Memory (bytes per route: slab + vmalloc growth)", "",
            table(["family", "set", "prefixes", "rtemu", "Linux", "ratio"],
                  [[r["family"], r["size"], r["prefixes"], r["rtemu_bytes_per_route"],
                    r["linux_bytes_per_route"], r["ratio"]] for r in s["memory"]]), ""]
    out += ["### Dump (ms: rtemuctl route show vs ip route show)", "",
            table(["family", "set", "prefixes", "rtemu", "iproute2", "ratio"],
                  [[r["family"], r["size"], r["prefixes"], r["rtemu_ms"], r["linux_ms"], r["ratio"]]
                   for r in s["dump"]]), ""]
    if s.get("dump_raw"):
        out += ["### Raw kernel dump (route-list received and kept, not decoded: rtemu-bench dump)", "",
                table(["family", "set", "routes", "ms", "routes/s", "interrupted"],
                      [[r["family"], r["size"], r["routes"], r["ms"], r["routes_per_s"], r["interrupted"]]
                       for r in s["dump_raw"]]), ""]
    t = s["teardown"]
    if t:
        out += ["### Teardown with the full sets (ms: rmmod rtemu vs flushing the FIB)", "",
                table(["rtemu", "Linux", "ratio"], [[t["rtemu_ms"], t["linux_ms"], t["ratio"]]]), ""]
    out += ["### Lookup latency, idle vs a writer churning (ns, per lookup, hit keys, timed with the TSC)", "",
            table(["family", "set", "idle p50", "idle p99", "churn p50", "churn p99", "updates/s"],
                  [[r["family"], r["size"], r["idle_p50_ns"], r["idle_p99_ns"], r["churn_p50_ns"],
                    r["churn_p99_ns"], r["churn_updates_per_s"]] for r in s["latency"]]), ""]
    native = doc.get("native")
    if native:
        out += native_markdown(native)
    return "\n".join(out)


def native_markdown(native):
    """The host run of `rtemu-bench native`: ns per lookup per case and implementation."""
    rows = native["results"]
    impls = []
    for r in rows:
        if r["implementation"] not in impls:
            impls.append(r["implementation"])
    host = native.get("host", {})
    out = ["### Native lookups on the host (ns per lookup, criterion)", "",
           f"{host.get('cpu', '?')}, {host.get('cpus', '?')} CPUs; load average at start "
           f"{host.get('loadavg_at_start', '?')}, at end {host.get('loadavg_at_end', '?')}.", ""]
    cases = []
    for r in rows:
        case = (r["family"], r["set"], r["keys"])
        if case not in cases:
            cases.append(case)
    by = {(r["family"], r["set"], r["keys"], r["implementation"]): r for r in rows}
    body = []
    for case in cases:
        body.append(list(case) + [by.get(case + (i,), {}).get("ns_per_lookup") for i in impls])
    out += [table(["family", "set", "keys"] + impls, body), ""]
    out += ["Bytes per prefix (full sets):", ""]
    body = []
    for fam in ("v4", "v6"):
        body.append([fam] + [by.get((fam, "full", "random", i), {}).get("bytes_per_prefix") for i in impls])
    out += [table(["family"] + impls, body), ""]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--native")
    ap.add_argument("--environment", required=True,
                    help="where the kernel ran, e.g. 'User-Mode Linux (native)' or 'virtme-ng (TCG)'")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--markdown", required=True)
    a = ap.parse_args()
    guest = load_guest(a.guest)
    s = summarize(guest)
    doc = {"meta": {"environment": a.environment, "kernel": a.kernel, "data": a.data}, "vm": s}
    if a.native:
        with open(a.native) as f:
            doc["native"] = json.load(f)
    doc["goals"] = goals(s, doc.get("native"))
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=1)
    with open(a.markdown, "w") as f:
        f.write(markdown(doc))
    bad = [r for r in s["lookup"] if r["disagree"]]
    if bad:
        print(f"bench-report: rtemu and the FIB disagree on {len(bad)} key sets", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
