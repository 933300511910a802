"""Markdown tables from the results of ``python -m benchmarks run`` (ours beside the PyPI libraries).

Ratios are always "theirs ÷ ours": above 1 for a time means they are slower, below 1 for a
share means they bring fewer fresh cycles or confirmed writes. ``python -m benchmarks report
[FILE]`` prints the tables of a saved results file again (a soak report too) without
measuring anything.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MISSING = "\u2013"  # en dash: no value
TIMES = "\u00d7"  # multiplication sign, for ratios

LIBS = ("ours", "aiomarstek", "py-marstek")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with columns padded for reading in a terminal."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def seconds(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


def millis(value: float | None) -> str:
    return MISSING if value is None else f"{value * 1000:.0f} ms"


def percent(value: float | None, digits: int = 1) -> str:
    return MISSING if value is None else f"{value * 100:.{digits}f} %"


def ratio(theirs: float | None, ours: float | None) -> str:
    if theirs is None or ours is None or ours == 0:
        return MISSING
    return f"{TIMES}{theirs / ours:.2f}"


def loss_label(loss: float) -> str:
    return f"{loss * 100:.0f} %"


def _by_loss(result: dict[str, Any], lib: str, phase: str) -> dict[float, dict[str, Any]]:
    entry = result["libraries"].get(lib)
    if entry is None:
        return {}
    return {item["loss"]: item for item in entry.get(phase, [])}


def _losses(result: dict[str, Any], phase: str) -> list[float]:
    return sorted({loss for lib in LIBS for loss in _by_loss(result, lib, phase)})


def _present(result: dict[str, Any]) -> list[str]:
    return [lib for lib in LIBS if lib in result["libraries"]]


def poll_time_table(result: dict[str, Any]) -> str:
    libs = _present(result)
    headers = ["loss", *(f"{lib} median / p95 s" for lib in libs)]
    headers += [f"{lib} ÷ ours (median)" for lib in libs if lib != "ours"]
    rows = []
    for loss in _losses(result, "poll"):
        cells = [loss_label(loss)]
        medians: dict[str, float | None] = {}
        for lib in libs:
            item = _by_loss(result, lib, "poll").get(loss)
            time = item["cycle_time"] if item else {}
            medians[lib] = time.get("median")
            cells.append(f"{seconds(time.get('median'))} / {seconds(time.get('p95'))}")
        cells += [ratio(medians[lib], medians.get("ours")) for lib in libs if lib != "ours"]
        rows.append(cells)
    return table(headers, rows)


def poll_fresh_table(result: dict[str, Any]) -> str:
    libs = _present(result)
    headers = ["loss", *(f"{lib} fresh cycles" for lib in libs)]
    headers += [f"{lib} ÷ ours" for lib in libs if lib != "ours"]
    rows = []
    for loss in _losses(result, "poll"):
        cells = [loss_label(loss)]
        shares: dict[str, float | None] = {}
        for lib in libs:
            item = _by_loss(result, lib, "poll").get(loss)
            if item is None:
                shares[lib] = None
                cells.append(MISSING)
                continue
            shares[lib] = item["fresh_share"]
            cells.append(f"{percent(item['fresh_share'])} ({item['fresh_all']}/{item['cycles']})")
        cells += [ratio(shares[lib], shares.get("ours")) for lib in libs if lib != "ours"]
        rows.append(cells)
    return table(headers, rows)


def device_load_table(result: dict[str, Any]) -> str:
    """What the batteries received while polled and scanned: probes count like any request."""
    headers = [
        "loss",
        "library",
        "requests per battery per cycle (of them probes)",
        "÷ ours",
        "poll requests per fresh reading",
        "most requests in 10 s",
        "smallest gap",
        "safety violations",
        "scans (batteries found)",
    ]
    rows = []
    for loss in _losses(result, "poll"):
        ours = _by_loss(result, "ours", "poll").get(loss)
        for lib in _present(result):
            item = _by_loss(result, lib, "poll").get(loss)
            if item is None:
                continue
            per_cycle = item.get("requests_per_battery_cycle")
            probes = item.get("probes_per_battery_cycle")
            per_read = item["requests_per_fresh_read"]
            rows.append(
                [
                    loss_label(loss),
                    lib,
                    MISSING
                    if per_cycle is None
                    else f"{per_cycle:.2f} ({MISSING if probes is None else f'{probes:.2f}'})",
                    ""
                    if lib == "ours" or ours is None
                    else ratio(per_cycle, ours.get("requests_per_battery_cycle")),
                    MISSING if per_read is None else f"{per_read:.2f}",
                    str(item["peak_requests_per_10s"]),
                    millis(item["smallest_gap"]),
                    _violations(item["violations"]),
                    _scans(item),
                ]
            )
    return table(headers, rows)


def _scans(item: dict[str, Any]) -> str:
    """How many scans ran during the poll, and how many batteries each found."""
    if "scan_every" not in item:
        return MISSING  # results from before scans were part of the poll scenario
    if item["scans"] is None:
        return "n/a (no loopback discovery)"
    found: list[int] = item["scan_found"]
    targets: int = item["scan_targets"]
    errors = f", {item['scan_errors']} failed" if item["scan_errors"] else ""
    if not found:
        return f"{item['scans']}{errors}"
    if min(found) == max(found) == targets:
        return f"{item['scans']} (all {targets}{errors})"
    low, high = min(found), max(found)
    span = str(low) if low == high else f"{low}\u2013{high}"
    return f"{item['scans']} ({span} of {targets}{errors})"


def _violations(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "0"
    return f"{total} ({', '.join(f'{kind} {n}' for kind, n in sorted(counts.items()))})"


def write_table(result: dict[str, Any]) -> str:
    libs = _present(result)
    headers = ["loss"]
    for lib in libs:
        headers += [f"{lib} confirmed", f"{lib} median / p95 s"]
    headers += [f"{lib} ÷ ours (success)" for lib in libs if lib != "ours"]
    headers += [f"{lib} ÷ ours (median time)" for lib in libs if lib != "ours"]
    rows = []
    for loss in _losses(result, "write"):
        cells = [loss_label(loss)]
        shares: dict[str, float | None] = {}
        medians: dict[str, float | None] = {}
        for lib in libs:
            item = _by_loss(result, lib, "write").get(loss)
            if item is None:
                shares[lib] = medians[lib] = None
                cells += [MISSING, MISSING]
                continue
            shares[lib] = item["success_share"]
            medians[lib] = item["time"]["median"]
            wrong = item["false_success"] + item["false_failure"]
            note = f", {wrong} misreported" if wrong else ""
            cells.append(
                f"{percent(item['success_share'])} ({item['confirmed']}/{item['writes']}{note})"
            )
            cells.append(f"{seconds(item['time']['median'])} / {seconds(item['time']['p95'])}")
        cells += [ratio(shares[lib], shares.get("ours")) for lib in libs if lib != "ours"]
        cells += [ratio(medians[lib], medians.get("ours")) for lib in libs if lib != "ours"]
        rows.append(cells)
    return table(headers, rows)


def write_errors_table(result: dict[str, Any]) -> str:
    """What became of the writes that were not confirmed."""
    headers = [
        "loss",
        "library",
        "device switched, library said failed",
        "library said done, device did not",
        "neither",
        "requests per write",
        "safety violations",
    ]
    rows = []
    for loss in _losses(result, "write"):
        for lib in _present(result):
            item = _by_loss(result, lib, "write").get(loss)
            if item is None:
                continue
            rows.append(
                [
                    loss_label(loss),
                    lib,
                    str(item["false_failure"]),
                    str(item["false_success"]),
                    str(item["failed"]),
                    f"{item['requests_per_write']:.2f}",
                    _violations(item["violations"]),
                ]
            )
    return table(headers, rows)


def discovery_table(result: dict[str, Any]) -> str:
    libs = _present(result)
    sizes = sorted(
        {d["batteries"] for lib in libs for d in result["libraries"][lib].get("discovery", [])}
    )
    headers = ["batteries", *(f"{lib} found / s" for lib in libs)]
    headers += [f"{lib} ÷ ours (time)" for lib in libs if lib != "ours"]
    rows = []
    for size in sizes:
        cells = [str(size)]
        times: dict[str, float | None] = {}
        for lib in libs:
            entry = result["libraries"][lib]
            item = next((d for d in entry.get("discovery", []) if d["batteries"] == size), None)
            if item is None:
                times[lib] = None
                cells.append("n/a" if "discovery_unsupported" in entry else MISSING)
                continue
            times[lib] = item["seconds"]
            cells.append(f"{item['found']} / {seconds(item['seconds'])}")
        cells += [ratio(times[lib], times.get("ours")) for lib in libs if lib != "ours"]
        rows.append(cells)
    return table(headers, rows)


def notes(result: dict[str, Any]) -> list[str]:
    """How each library was driven, and anything that could not be measured."""
    lines = []
    for lib in _present(result):
        entry = result["libraries"][lib]
        for note in entry.get("notes", []):
            lines.append(f"{lib} {entry['version']}: {note}")
        if "discovery_unsupported" in entry:
            lines.append(f"{lib}: discovery n/a: {entry['discovery_unsupported']}")
    for lib, reason in result.get("missing", {}).items():
        lines.append(f"{lib}: not measured: {reason}")
    return lines


def render(result: dict[str, Any]) -> str:
    """Every table, titled, as one Markdown text."""
    plan = result.get("plan", {})
    latency = (
        f"{plan.get('latency', 0.15) * 1000:.0f} ms ± {plan.get('jitter', 0.05) * 1000:.0f} ms"
    )
    parts = []
    libs = _present(result)
    if any(result["libraries"][lib].get("poll") for lib in libs):
        parts += [
            f"### Poll cycle: seconds per fast-tier batch (latency {latency})",
            poll_time_table(result),
            "### Poll cycle: share of cycles with fresh values for every field",
            poll_fresh_table(result),
            "### Device load (poll scenario, a discovery scan at its start and every "
            f"{plan.get('scan_every', 20.0):.0f} s)",
            device_load_table(result),
        ]
    if any(result["libraries"][lib].get("write") for lib in libs):
        parts += [
            f"### Writes: set mode until confirmed (latency {latency})",
            write_table(result),
            "### Writes: the ones that were not confirmed",
            write_errors_table(result),
        ]
    if any("discovery" in result["libraries"][lib] for lib in libs):
        parts += ["### Discovery on loopback", discovery_table(result)]
    lag = result.get("loop_lag", {})
    extra = [f"- {line}" for line in notes(result)]
    if lag:
        extra.append(
            "- event-loop lag during the run (ours): "
            f"p99 {millis(lag.get('p99'))}, max {millis(lag.get('max'))}"
        )
    if extra:
        parts += ["### Notes", "\n".join(extra)]
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Print the tables of a saved ``run`` results file or ``soak`` report."""
    from .harness import ROOT

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "results",
        nargs="?",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "latest.json",
        help="results JSON (default benchmarks/results/latest.json; soak.json for the soak)",
    )
    args = parser.parse_args(argv)
    if not args.results.is_file():
        parser.error(f"no results in {args.results}: run `python -m benchmarks run` first")
    result = json.loads(args.results.read_text(encoding="utf-8"))
    if "libraries" in result:
        print(render(result))
    else:
        from .soak_report import render as render_soak

        print(render_soak(result))
    return 0
