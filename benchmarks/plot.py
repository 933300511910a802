"""Draw the plots of docs/benchmarks.md from benchmarks/results/latest.json (needs matplotlib).

``python -m benchmarks plot`` runs this inside ``benchmarks/.venv-compare``, the only
environment with matplotlib; the project's ``.venv`` and its test requirements never get it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from .harness import ROOT

COLOURS = {"ours": "#1b7837", "aiomarstek": "#762a83", "py-marstek": "#e08214"}
DOCS = ROOT / "docs"


def _pyplot() -> Any:
    """matplotlib's pyplot with the file-only backend (imported late: compare venv only)."""
    matplotlib = import_module("matplotlib")
    matplotlib.use("Agg")
    return import_module("matplotlib.pyplot")


def _levels(result: dict[str, Any], lib: str, phase: str) -> list[dict[str, Any]]:
    entry = result["libraries"].get(lib, {})
    return sorted(entry.get(phase, []), key=lambda item: item["loss"])


def plot_summary(result: dict[str, Any], path: Path) -> None:
    """Fresh cycles, confirmed writes and median cycle time against packet loss."""
    plt = _pyplot()

    figure, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
    panels: tuple[tuple[str, Callable[[dict[str, Any]], float], str], ...] = (
        ("poll", lambda item: item["fresh_share"] * 100, "cycles with every field fresh (%)"),
        ("write", lambda item: item["success_share"] * 100, "mode writes confirmed (%)"),
        ("poll", lambda item: item["cycle_time"]["median"], "median poll cycle (s)"),
    )
    for axis, (phase, value, title) in zip(axes, panels, strict=True):
        for lib, colour in COLOURS.items():
            levels = _levels(result, lib, phase)
            if not levels:
                continue
            axis.plot(
                [item["loss"] * 100 for item in levels],
                [value(item) for item in levels],
                marker="o",
                color=colour,
                label=lib,
            )
        axis.set_title(title)
        axis.set_xlabel("packet loss each way (%)")
        axis.grid(alpha=0.3)
    axes[0].set_ylim(0, 102)
    axes[1].set_ylim(0, 102)
    axes[0].legend(loc="lower left")
    plan = result.get("plan", {})
    figure.suptitle(
        "Marstek clients against the simulator, latency "
        f"{plan.get('latency', 0.15) * 1000:.0f} ± {plan.get('jitter', 0.05) * 1000:.0f} ms"
    )
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_cycle_cdf(result: dict[str, Any], path: Path) -> None:
    """Distribution of poll-cycle times per loss level (empirical CDF)."""
    plt = _pyplot()

    losses = sorted({item["loss"] for lib in COLOURS for item in _levels(result, lib, "poll")})
    figure, axes = plt.subplots(
        1, len(losses), figsize=(3.4 * len(losses), 3.6), sharey=True, layout="constrained"
    )
    for axis, loss in zip(axes, losses, strict=True):
        for lib, colour in COLOURS.items():
            item = next((i for i in _levels(result, lib, "poll") if i["loss"] == loss), None)
            if item is None or not item.get("cycle_times"):
                continue
            times = sorted(item["cycle_times"])
            shares = [(n + 1) / len(times) for n in range(len(times))]
            axis.step(times, shares, where="post", color=colour, label=f"{lib} ({len(times)})")
        axis.set_title(f"{loss * 100:.0f} % loss")
        axis.set_xlabel("poll cycle (s)")
        axis.grid(alpha=0.3)
        axis.legend(loc="lower right", fontsize="small")
    axes[0].set_ylabel("share of cycles done")
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results", nargs="?", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json"
    )
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    result = json.loads(args.results.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    summary, cdf = args.out / "benchmarks-summary.png", args.out / "benchmarks-cycles.png"
    plot_summary(result, summary)
    plot_cycle_cdf(result, cdf)
    print(f"plot: wrote {summary} and {cdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
