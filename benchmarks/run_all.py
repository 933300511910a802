"""Run every benchmark scenario for our library and, side by side, for the PyPI libraries.

Our library runs in this process (the project's ``.venv``); aiomarstek and py-marstek run at
the same time in ``benchmarks/.venv-compare`` (created by ``benchmarks/setup``) through
``python -m benchmarks scenarios``, against the same simulator with the same plan. The tables
are printed as Markdown and the raw results saved as JSON for ``python -m benchmarks plot``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from .adapters import THEIRS
from .harness import ROOT
from .report import render
from .scenarios import Plan, add_plan_arguments, plan_from_args, plan_json, run_libraries

COMPARE_PYTHON = ROOT / "benchmarks" / ".venv-compare" / "bin" / "python"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "latest.json"


async def run_theirs(plan: Plan) -> tuple[dict[str, Any], dict[str, str]]:
    """The PyPI libraries' results from the compare venv, or why there are none."""
    if not COMPARE_PYTHON.exists():
        reason = "benchmarks/.venv-compare is missing: run benchmarks/setup"
        return {}, dict.fromkeys(THEIRS, reason)
    process = await asyncio.create_subprocess_exec(
        str(COMPARE_PYTHON),
        "-m",
        "benchmarks",
        "scenarios",
        "--libs",
        ",".join(THEIRS),
        "--plan",
        plan_json(plan),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate()
    if process.returncode != 0:
        reason = f"the compare run failed (exit {process.returncode})"
        return {}, dict.fromkeys(THEIRS, reason)
    return json.loads(stdout)["libraries"], {}


async def run(plan: Plan, compare: bool) -> dict[str, Any]:
    def progress(line: str) -> None:
        print(f"run_all: {line}", file=sys.stderr)

    started = time.monotonic()
    theirs_job = asyncio.create_task(run_theirs(plan)) if compare else None
    ours = await run_libraries(["ours"], plan, progress)
    result: dict[str, Any] = {"plan": json.loads(plan_json(plan)), **ours, "missing": {}}
    if theirs_job is not None:
        libraries, missing = await theirs_job
        progress("PyPI libraries: done" if libraries else f"PyPI libraries: {missing}")
        result["libraries"].update(libraries)
        result["missing"] = missing
    else:
        result["missing"] = dict.fromkeys(THEIRS, "skipped (--no-compare)")
    result["seconds"] = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_plan_arguments(parser)
    parser.add_argument("--no-compare", action="store_true", help="our library only")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    plan = plan_from_args(args)
    print(
        "run_all: discovery, then polls and writes at "
        f"{', '.join(f'{loss:.0%}' for loss in plan.losses)} loss in parallel "
        f"({'quick' if args.quick else 'full'} plan; a full run takes about 5 minutes)",
        file=sys.stderr,
    )
    result = asyncio.run(run(plan, compare=not args.no_compare))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1))
    print(render(result))
    print(f"\nrun_all: {result['seconds']:.0f} s; results in {args.output}", file=sys.stderr)
    print(
        "run_all: python -m benchmarks plot draws docs/benchmarks-*.png from them", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
