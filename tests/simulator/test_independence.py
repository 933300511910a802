"""The simulator is an independent implementation: it never imports the integration or HA."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_simulator_imports_neither_integration_nor_homeassistant() -> None:
    code = (
        "import sys, simulator, simulator.cli, simulator.battery\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('custom_components', 'homeassistant'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
