#!/usr/bin/python3
"""Writes bench/results.md and bench/results.png from the runs bench/scenarios.py recorded.

  report.py RESULTS.jsonl RESULTS.md RESULTS.png RUNS

Medians over the runs of each (card, scenario, module); the targets of issue 8
are judged from the same medians.
"""
import json
import statistics
import sys
from collections import OrderedDict, defaultdict

MODS = ["tessera", "opensc", "ykcs11"]
FIELDS = ["apdus", "bytes_to_card", "bytes_from_card", "wall_ms", "client_cpu_ms", "module_cpu_ms",
          "module_cpu_ms_per_signature"]


def load(path):
    groups = defaultdict(list)
    order = OrderedDict()
    for line in open(path):
        r = json.loads(line)
        key = (r["card"], r["scenario"], r["module"])
        groups[key].append(r)
        order.setdefault((r["card"], r["scenario"]), None)
    med = {}
    for key, rs in groups.items():
        ok = [r for r in rs if r["rc"] == 0]
        m = {"runs": len(rs), "failed": len(rs) - len(ok), "cache": rs[0]["cache"]}
        for f in FIELDS:
            vals = [r[f] for r in ok if f in r]
            if vals:
                m[f] = statistics.median(vals)
        med[key] = m
    return med, list(order)


def fmt(v, digits=1):
    if v is None:
        return "–"
    return "%d" % v if float(v).is_integer() and digits == 0 else ("%.*f" % (digits, v))


def table(med, card, scen):
    rows = ["| module | APDUs | bytes to card | bytes from card | wall ms (median) | client CPU ms | notes |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for mod in MODS:
        m = med.get((card, scen, mod))
        if not m:
            continue
        notes = []
        if "module_cpu_ms" in m:
            notes.append("module CPU %.2f ms (inside C_Initialize…C_Finalize)" % m["module_cpu_ms"])
        if "module_cpu_ms_per_signature" in m:
            notes.append("module CPU %.2f ms per signature" % m["module_cpu_ms_per_signature"])
        if m["failed"]:
            notes.append("**%d of %d runs failed**" % (m["failed"], m["runs"]))
        rows.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            mod, fmt(m.get("apdus"), 0), fmt(m.get("bytes_to_card"), 0), fmt(m.get("bytes_from_card"), 0),
            fmt(m.get("wall_ms")), fmt(m.get("client_cpu_ms")), "; ".join(notes)))
    return rows


def get(med, card, scen, mod, f):
    return med.get((card, scen, mod), {}).get(f)


def verdict(ok):
    return "**met**" if ok else "**missed**"


def targets(med):
    out = ["## Targets (issue 8)", ""]
    for card in ("piv", "openpgp"):
        a = get(med, card, "-L", "tessera", "apdus")
        if a is not None:
            out.append("- %s `pkcs11-tool -L` at most 4 APDUs: Tessera %d — %s" % (card, a, verdict(a <= 4)))
    for card in ("piv", "openpgp"):
        a = get(med, card, "login+sign", "tessera", "apdus")
        w = get(med, card, "login+sign", "tessera", "wall_ms")
        ow = get(med, card, "login+sign", "opensc", "wall_ms")
        if a is None or w is None or ow is None:
            continue
        out.append("- %s login + one signature, warm cache, at most 10 APDUs: Tessera %d — %s; "
                   "at most half of OpenSC's wall time: Tessera %.0f ms, OpenSC %.0f ms (%.0f%%) — %s"
                   % (card, a, verdict(a <= 10), w, ow, 100 * w / ow, verdict(w <= ow / 2)))
    for card in ("piv", "openpgp"):
        for scen, frac, label in (("-O", 2, "cold, at most half"), ("certutil", 2, "cold, at most half"),
                                  ("-O warm", 5, "warm, at most a fifth")):
            t = get(med, card, scen, "tessera", "apdus")
            o = get(med, card, scen, "opensc", "apdus")
            if t is None or o is None:
                continue
            out.append("- %s `%s` %s of OpenSC's APDUs: Tessera %d, OpenSC %d (limit %.1f) — %s"
                       % (card, scen, label, t, o, o / frac, verdict(t <= o / frac)))
    c = get(med, "none", "load", "tessera", "module_cpu_ms")
    if c is not None:
        out.append("- module load with no reader and no card under 2 ms CPU: Tessera %.2f ms — %s"
                   % (c, verdict(c < 2)))
    for card in ("piv", "openpgp"):
        per = {m: get(med, card, "100 signatures", m, "module_cpu_ms_per_signature") for m in MODS}
        wall = get(med, card, "100 signatures", "tessera", "wall_ms")
        if per["tessera"] is None or wall is None:
            continue
        card_ms = wall / 100
        others = ", ".join("%s %.2f ms" % (m, v) for m, v in per.items() if v is not None and m != "tessera")
        out.append("- %s 100 signatures limited by the card, not the module: Tessera %.2f ms CPU per signature "
                   "against %.0f ms wall per signature (%.1f%%; %s) — %s"
                   % (card, per["tessera"], card_ms, 100 * per["tessera"] / card_ms, others,
                      verdict(per["tessera"] < 0.05 * card_ms)))
    out += ["", "\"Warm\" scenarios ran after one uncounted `pkcs11-tool -O` with the same cache directory; "
            "\"cold\" ones with an empty one. The certutil target has only a cold measurement here."]
    return out


def markdown(med, order, runs):
    out = ["# Benchmark results", "",
           "Generated by `make bench` (bench/run; BENCH_RUNS=%s): medians over the runs, every scenario a fresh "
           "process, cards with the `usb-token` latency model (bench/README.md). APDUs and bytes are counted "
           "by the virtual card; client CPU is the child's user+system time (os.wait4)." % runs, ""]
    titles = {"none": "no reader, no card", "piv": "virtual PIV card (YubiKey profile)",
              "openpgp": "virtual OpenPGP card 3.4 (RSA-2048)"}
    for card, scen in order:
        cache = next((m["cache"] for (c, s, _), m in med.items() if c == card and s == scen), "")
        out += ["## %s — %s (%s cache)" % (scen, titles.get(card, card), cache), ""]
        out += table(med, card, scen) + [""]
    out += targets(med)
    return "\n".join(out) + "\n"


def chart(med, order, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cards = [c for c in ("piv", "openpgp") if any(k[0] == c for k in med)]
    fig, axes = plt.subplots(len(cards), 2, figsize=(14, 4.5 * len(cards)), squeeze=False)
    colors = {"tessera": "#1f77b4", "opensc": "#ff7f0e", "ykcs11": "#2ca02c"}
    for row, card in enumerate(cards):
        scens = [s for c, s in order if c == card]
        for col, (field, label) in enumerate((("apdus", "APDUs"), ("wall_ms", "wall ms (usb-token model)"))):
            ax = axes[row][col]
            mods = [m for m in MODS if any((card, s, m) in med for s in scens)]
            width = 0.8 / len(mods)
            for i, mod in enumerate(mods):
                vals = [med.get((card, s, mod), {}).get(field, 0) for s in scens]
                xs = [x + (i - (len(mods) - 1) / 2) * width for x in range(len(scens))]
                bars = ax.bar(xs, vals, width, label=mod, color=colors[mod])
                ax.bar_label(bars, labels=["%.0f" % v for v in vals], fontsize=7, rotation=90, padding=2)
            ax.set_yscale("log")
            top = max([med.get((card, s, m), {}).get(field, 1) for s in scens for m in mods] + [1])
            ax.set_ylim(1 if field == "apdus" else 5, top * 10)  # room for the labels above the bars
            ax.set_xticks(range(len(scens)))
            ax.set_xticklabels(scens, rotation=20, fontsize=8)
            ax.set_title("%s card: %s (median, log scale)" % (card, label))
            ax.legend(fontsize=8)
    load = {m: med.get(("none", "load", m), {}).get("module_cpu_ms") for m in MODS}
    fig.suptitle("Tessera vs OpenSC vs ykcs11 — module load, no card, CPU ms: " +
                 ", ".join("%s %.2f" % (m, v) for m, v in load.items() if v is not None))
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv):
    med, order = load(argv[0])
    with open(argv[1], "w") as f:
        f.write(markdown(med, order, argv[3] if len(argv) > 3 else "?"))
    chart(med, order, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
