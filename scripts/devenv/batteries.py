"""The simulated batteries of `scripts/develop`, with their state published as a JSON file.

Runs the same simulator as ``python -m simulator`` (same profiles, physics and safety checks)
and, about once a second, writes what each battery is doing to a JSON file. That file is how
the browser test (and a curious developer: ``cat .develop/simulator.json``) checks that a
change made in Home Assistant really reached the battery, without sending the battery a
request of its own: a second client on the battery's port would share Home Assistant's UDP
port and could take its replies.

Usage: python -m scripts.devenv.batteries --state FILE PROFILE@HOST[:PORT] ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator import ScaledClock, SimulatedBattery, Simulator, derive_mac
from simulator.cli import parse_battery_spec, safety_report

PUBLISH_INTERVAL = 1.0  # s


def battery_state(battery: SimulatedBattery) -> dict[str, Any]:
    """What the browser test and the develop banner need to know about one battery."""
    state = battery.state
    report = safety_report(battery)
    return {
        "profile": battery.profile.key,
        "device": battery.profile.device,
        "firmware": battery.profile.firmware,
        "host": battery.host,
        "port": battery.port,
        "ble_mac": battery.ble_mac,
        "mode": str(state.mode),
        "soc": state.soc,
        "battery_power": round(state.battery_power, 1),
        "ac_power": round(state.ac_power, 1),
        "pv_power": round(state.pv_power, 1),
        "grid_power": round(state.grid_power, 1),
        "passive_power": state.passive_power,
        "passive_remaining": round(state.passive_remaining, 1),
        "requests": battery.requests_total,
        "methods": report["methods"],
        "smallest_gap": report["smallest_gap"],
        "violations": report["violations"],
    }


def publish(simulator: Simulator, path: Path) -> None:
    """Write the state file atomically (a reader never sees half a file)."""
    payload = {"batteries": [battery_state(battery) for battery in simulator]}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


async def serve(specs: list[tuple[str, str, int]], state_file: Path) -> int:
    """Serve the batteries until SIGINT/SIGTERM, publishing their state."""
    # The batteries' clocks run on the machine's local time of day (the simulator's default
    # is a fixed Monday 06:00, made for reproducible tests), so the sun shines on the PV
    # inputs when it does outside and manual schedules run when Home Assistant expects.
    simulator = Simulator(clock=ScaledClock(1.0, datetime.now().replace(microsecond=0)))
    for profile, host, port in specs:
        # The BLE MAC is a battery's identity (the config entry's unique id). It depends on
        # the profile only, so a battery moved to other addresses or ports is the same
        # battery: Home Assistant follows it instead of adding a new one. Only recent request
        # records are kept: a develop session may run for days.
        simulator.add(
            profile, host, port, ble_mac=derive_mac("scripts/develop", profile), max_requests=1000
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await simulator.start()
    except OSError as err:
        print(f"simulator: cannot bind: {err}", file=sys.stderr, flush=True)
        return 1
    try:
        # The state file exists before the banner lines that tell the develop script to go on.
        publish(simulator, state_file)
        for battery in simulator:
            model = battery.profile
            print(
                f"simulator: {model.device} fw {model.firmware} (ble_mac {battery.ble_mac})"
                f" at {battery.host}:{battery.port}",
                flush=True,
            )
        while not stop.is_set():
            publish(simulator, state_file)
            try:
                await asyncio.wait_for(stop.wait(), PUBLISH_INTERVAL)
            except TimeoutError:
                pass
    finally:
        await simulator.stop()
    violations = simulator.violations
    print(
        f"simulator: stopped; {sum(b.requests_total for b in simulator)} requests, "
        f"{len(violations)} safety violations",
        flush=True,
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.devenv.batteries", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--state", type=Path, required=True, help="JSON state file to write")
    parser.add_argument("battery", nargs="+", metavar="PROFILE@HOST[:PORT]")
    args = parser.parse_args()
    try:
        specs = [parse_battery_spec(spec) for spec in args.battery]
    except argparse.ArgumentTypeError as err:
        parser.error(str(err))
    return asyncio.run(serve(specs, args.state))


if __name__ == "__main__":
    sys.exit(main())
