"""``python -m benchmarks zero-export``: keeping the grid at zero, side by side.

No battery; the user's passive-setpoint automation every 30 s over the Open API; the emulated
Shelly meter with one battery and with three (shares); each with a grid sensor updated every
1 s and every 10 s; the emulated meter paced to the source (``SourcePacer``), also per
control law; and the ideal instant controller as the reference. One hour of a
simulated household on a virtual clock (zero_export_run.py), scored by zero_export_model.py.
Deterministic: the same arguments give the same numbers. docs/zero-export.md shows a run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .harness import ROOT
from .zero_export_model import SCENARIOS, SETTLE_BAND, Scenario, Trace, score, with_ratios
from .zero_export_run import run

RESULTS = ROOT / "benchmarks" / "results" / "zero-export.json"
# Traces kept for the plot: the emulated meter on a 1 s source, and the automation.
PLOTTED = ("meter, 1 battery, 1 s source", "automation 30 s, 1 s source", "no battery")
PLOT_STEP = 1.0  # s between two plotted points


def measure(duration: float, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the scenarios (all, or those named) and score them; traces of the plotted ones."""
    chosen = [s for s in SCENARIOS if names is None or s.name in names]
    rows: list[dict[str, Any]] = []
    traces: dict[str, dict[str, Any]] = {}
    for scenario in chosen:
        trace = run(scenario, duration)
        rows.append(score(scenario, trace))
        if scenario.name in PLOTTED:
            traces[scenario.name] = _thin(scenario, trace)
    return {"duration_s": duration, "rows": with_ratios(rows), "traces": traces}


def _thin(scenario: Scenario, trace: Trace) -> dict[str, Any]:
    every = max(1, round(PLOT_STEP / (trace.times[1] - trace.times[0]))) if trace.times else 1
    return {
        "time": [round(t, 1) for t in trace.times[::every]],
        "grid": [round(g, 1) for g in trace.grid[::every]],
        "battery": [round(sum(o), 1) for o in trace.outputs[::every]] if scenario.batteries else [],
    }


def _cell(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}{unit}"
    return f"{value}{unit}"


HEADERS = (
    ("scenario", "scenario"),
    ("import Wh", "imported_wh"),
    ("export Wh", "exported_wh"),
    ("sum Wh", "sum_wh"),
    ("over ideal Wh", "excess_wh"),
    ("x ideal", "ratio_to_ideal"),
    ("settle s", "settling_s"),
    ("crossings/min", "crossings_per_min"),
    ("writes/min", "writes_per_min"),
    ("reads/min", "reads_per_min"),
    ("opposite W", "opposite_w"),
    ("s > 50 W", "opposite_s"),
)


def render(result: dict[str, Any]) -> str:
    """The table, as Markdown."""
    lines = [
        "| " + " | ".join(title for title, _ in HEADERS) + " |",
        "|" + "|".join("---" for _ in HEADERS) + "|",
    ]
    for row in result["rows"]:
        cells = []
        for _, key in HEADERS:
            value = row[key]
            if key == "settling_s" and value is None and row["control"] in ("meter", "automation"):
                cells.append(f"not within ±{SETTLE_BAND:g} W")
            else:
                cells.append(_cell(value))
        lines.append("| " + " | ".join(cells) + " |")
    minutes = result["duration_s"] / 60.0
    lines.append("")
    lines.append(f"{minutes:g} simulated minutes of load_profile.demo_household.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=60.0, help="profile length (60)")
    parser.add_argument(
        "--scenario", action="append", help="run only this scenario (repeatable; by name)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"results file (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    known = {s.name for s in SCENARIOS}
    for name in args.scenario or ():
        if name not in known:
            parser.error(f"unknown scenario {name!r}; known: {', '.join(sorted(known))}")
    result = measure(args.minutes * 60.0, args.scenario)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "traces"}, indent=1))
    else:
        print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
