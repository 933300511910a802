"""``python -m benchmarks COMMAND [ARGS]``: the one entry point of the benchmarks.

Run it from the repository root with the project's ``.venv`` (``.venv/bin/python -m benchmarks
run``); ``python -m benchmarks COMMAND --help`` lists a command's arguments. Each command is
the ``main`` of one module, which still runs on its own too (``python -m benchmarks.soak``).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from .harness import ROOT

COMPARE_PYTHON = ROOT / "benchmarks" / ".venv-compare" / "bin" / "python"


@dataclass(frozen=True, slots=True)
class Command:
    module: str  # benchmarks.<module>.main(argv) runs it
    summary: str


COMMANDS: dict[str, Command] = {
    "run": Command(
        "run_all",
        "poll, device-load, write and discovery tables, ours beside the PyPI libraries",
    ),
    "scenarios": Command(
        "scenarios", "the scenarios for the libraries named, as JSON (what `run` uses)"
    ),
    "soak": Command(
        "soak", "simulated hours of polling batteries through faults, on a virtual clock"
    ),
    "soak-fleet": Command(
        "soak_fleet", "a system of simulated batteries: fleet totals, SOC, members dropping out"
    ),
    "fuzz": Command("fuzz", "fuzz the decoders and the transport's datagram handling"),
    "ha-cost": Command(
        "ha_cost", "cost inside Home Assistant: loop CPU, memory, select timing (pytest)"
    ),
    "report": Command("report", "print the tables of a saved results file again"),
    "plot": Command("plot", "draw docs/benchmarks-*.png from the last `run` results"),
    "zero-export": Command(
        "zero_export", "keeping the grid at zero: emulated meter, automation, ideal (virtual time)"
    ),
    "zero-export-plot": Command(
        "zero_export_plot", "draw docs/images/zero-export.png from the last `zero-export` results"
    ),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: python -m benchmarks COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()]
    lines += ["", "python -m benchmarks COMMAND --help lists a command's arguments."]
    return "\n".join(lines)


def ha_cost(argv: Sequence[str]) -> int:
    """A pytest module (Home Assistant's test harness), so it runs in a pytest process.

    Not in this one: importing this package set the library up without Home Assistant.
    """
    pytest_args = ["benchmarks/ha_cost.py", "-q", "-s", "-p", "no:cacheprovider", "--no-cov"]
    command = [sys.executable, "-m", "pytest", *pytest_args, *argv]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def plot(argv: Sequence[str], name: str = "plot") -> int:
    """matplotlib lives only in benchmarks/.venv-compare: run there when it is not here."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        if not COMPARE_PYTHON.exists():
            print("plot: run benchmarks/setup first (it installs matplotlib)", file=sys.stderr)
            return 1
        command = [str(COMPARE_PYTHON), "-m", "benchmarks", name, *argv]
        return subprocess.run(command, cwd=ROOT, check=False).returncode
    return run_module(name, COMMANDS[name].module, argv)


def run_module(name: str, module: str, argv: Sequence[str]) -> int:
    # The command's own parser names itself after argv[0] ("python -m benchmarks soak").
    sys.argv[0] = f"python -m benchmarks {name}"
    main = importlib.import_module(f"benchmarks.{module}").main
    result: int = main(list(argv))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"benchmarks: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    if name == "ha-cost":
        return ha_cost(rest)
    if name in ("plot", "zero-export-plot"):
        return plot(rest, name)
    return run_module(name, COMMANDS[name].module, rest)


if __name__ == "__main__":
    sys.exit(main())
