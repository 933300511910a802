"""The smoke run's battery: one simulated Venus E 3.0 on a loopback address and a free port.

It runs the simulator the way scripts/develop does (``scripts.devenv.batteries``), which
publishes the battery's state in a JSON file about once a second: that file tells whether a
mode switch made in Home Assistant reached the battery, without a second client on its port.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import REPO
from .processes import free_port, spawn

PROFILE = "venus_e3_150"
# The select's options (the integration's translation keys) as the battery reports its mode.
DEVICE_MODE = {"auto": "Auto", "ai": "AI", "manual": "Manual", "passive": "Passive", "ups": "UPS"}


class SimulatorError(Exception):
    """The simulated battery did not start."""


@dataclass(slots=True)
class Battery:
    """The running simulator process and what it reports."""

    process: asyncio.subprocess.Process
    state_file: Path
    log: Path
    host: str
    port: int
    ble_mac: str = ""

    def state(self) -> dict[str, Any]:
        """The battery's last published state (mode, soc, requests, violations, ...)."""
        payload: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        battery: dict[str, Any] = payload["batteries"][0]
        return battery


async def start_battery(work: Path, host: str, timeout: float) -> Battery:
    """Start the simulator and wait until it serves (its state file exists)."""
    port = free_port(socket.SOCK_DGRAM, host)
    state_file = work / "simulator.json"
    log = work / "simulator.log"
    process = await spawn(
        [
            sys.executable,
            "-m",
            "scripts.devenv.batteries",
            "--state",
            str(state_file),
            f"{PROFILE}@{host}:{port}",
        ],
        cwd=REPO,
        log=log,
    )
    battery = Battery(process, state_file, log, host, port)
    deadline = time.monotonic() + timeout
    while not state_file.exists():
        if process.returncode is not None:
            raise SimulatorError(f"the simulator exited with {process.returncode} (see {log})")
        if time.monotonic() > deadline:
            raise SimulatorError(f"the simulator did not start within {timeout:.0f} s")
        await asyncio.sleep(0.2)
    battery.ble_mac = str(battery.state()["ble_mac"])
    return battery
