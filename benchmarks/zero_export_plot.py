"""Draw docs/images/zero-export.png from the last ``zero-export`` results (needs matplotlib).

``python -m benchmarks zero-export-plot`` runs this inside ``benchmarks/.venv-compare`` (the
environment with matplotlib), like ``python -m benchmarks plot``. Two panels over the hour of
the household profile: the grid power with the emulated meter (1 battery, 1 s source) beside
the 30 s automation and no battery at all, and the battery's output in both controlled cases.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

from .harness import ROOT

RESULTS = ROOT / "benchmarks" / "results" / "zero-export.json"
IMAGE = ROOT / "docs" / "images" / "zero-export.png"
LINES = (
    ("no battery", "#bbbbbb", "no battery"),
    ("automation 30 s, 1 s source", "#e08214", "passive automation every 30 s"),
    ("meter, 1 battery, 1 s source", "#1b7837", "emulated meter (1 s source)"),
)


def draw(result: dict[str, Any], path: Path) -> None:
    matplotlib = import_module("matplotlib")
    matplotlib.use("Agg")
    plt = import_module("matplotlib.pyplot")
    traces = result["traces"]
    figure, (grid, battery) = plt.subplots(2, 1, figsize=(11, 6), sharex=True, layout="constrained")
    for name, colour, label in LINES:
        trace = traces.get(name)
        if trace is None:
            continue
        minutes = [t / 60.0 for t in trace["time"]]
        width = 0.8 if name == "no battery" else 1.0
        grid.plot(minutes, trace["grid"], color=colour, linewidth=width, label=label)
        if trace["battery"]:
            battery.plot(minutes, trace["battery"], color=colour, linewidth=1.0, label=label)
    grid.axhline(0.0, color="black", linewidth=0.5)
    grid.set_ylabel("grid power (W, + import)")
    grid.legend(loc="upper right", fontsize="small")
    grid.grid(alpha=0.3)
    battery.axhline(0.0, color="black", linewidth=0.5)
    battery.set_ylabel("battery AC power (W, + discharge)")
    battery.set_xlabel("minutes into the household profile (simulated)")
    battery.grid(alpha=0.3)
    figure.suptitle("Zero export: one Venus E 3.0 (simulated) over an hour of a household")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="draw docs/images/zero-export.png")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--output", type=Path, default=IMAGE)
    args = parser.parse_args(argv)
    if not args.results.exists():
        print(f"no results at {args.results}: run `python -m benchmarks zero-export` first")
        return 1
    draw(json.loads(args.results.read_text(encoding="utf-8")), args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
