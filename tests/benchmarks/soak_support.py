"""Running a soak as its own process (test_soak.py says why) and reading its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_soak(module: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    """The report of ``python -m benchmarks.MODULE ARGS``, written under ``tmp_path``."""
    output = tmp_path / f"{module}.json"
    run = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args, "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,  # a failed soak still writes its report; the assertions show what failed
    )
    assert output.exists(), run.stderr[-3000:]
    report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return report
