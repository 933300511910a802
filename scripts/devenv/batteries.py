"""The simulated batteries of `scripts/develop`, with their state published as a JSON file.

Runs the same simulator as ``python -m simulator`` (same profiles, physics and safety checks)
and, about once a second, writes what each battery is doing to a JSON file. That file is how
the browser test (and a curious developer: ``cat .develop/simulator.json``) checks that a
change made in Home Assistant really reached the battery, without sending the battery a
request of its own: a second client on the battery's port would share Home Assistant's UDP
port and could take its replies.

With ``--grid-feed PORT`` it also serves the grid power of the first battery's house over
HTTP on 127.0.0.1 (simulator/grid_feed.py: a P1 meter's telegram every ``--grid-period`` s),
which Home Assistant reads as its grid-power sensor (a ``rest`` sensor, config.py). With
``--follow-meter MODEL`` that first battery follows an emulated Shelly MODEL instead of its
built-in CT model: it polls its /24 broadcast (127.0.0.255 on loopback) on the model's port,
where a meter entry of the integration, bound to 0.0.0.0, answers it.

Usage: python -m scripts.devenv.batteries --state FILE [--grid-feed PORT] PROFILE@HOST[:PORT] ...
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

from simulator import (
    MeterFollower,
    MeterModel,
    ScaledClock,
    SimulatedBattery,
    Simulator,
    derive_mac,
    follower_config,
)
from simulator.cli import parse_battery_spec, safety_report
from simulator.grid_feed import DSMR5_PERIOD, GridFeed, GridMeter

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


def grid_feed(simulator: Simulator, port: int | None, period: float) -> GridFeed | None:
    """The household's P1 meter: the first battery's house only. Each simulated battery runs
    its own house and its own built-in CT model, so adding the second one's output to the
    first one's house would count the load twice."""
    if port is None:
        return None
    return GridFeed(GridMeter(simulator.batteries[:1], period), "127.0.0.1", port)


async def serve(
    specs: list[tuple[str, str, int]],
    state_file: Path,
    feed_port: int | None = None,
    feed_period: float = DSMR5_PERIOD,
    follow: MeterModel | None = None,
) -> int:
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
    feed = grid_feed(simulator, feed_port, feed_period)
    follower: MeterFollower | None = None
    try:
        await simulator.start()
        if feed is not None:
            await feed.start()
    except OSError as err:
        await simulator.stop()
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
        if feed is not None:
            print(f"simulator: grid feed at {feed.url} every {feed_period:g} s", flush=True)
        if follow is not None:
            first = simulator.batteries[0]
            follower = MeterFollower(first, follower_config(first.profile.family, follow))
            await follower.start()
            address = follower.config.meter_address(first.host)
            print(
                f"simulator: {first.profile.device} follows an emulated {follow.value} meter "
                f"at {address}:{follower.config.meter_port}",
                flush=True,
            )
        while not stop.is_set():
            publish(simulator, state_file)
            try:
                await asyncio.wait_for(stop.wait(), PUBLISH_INTERVAL)
            except TimeoutError:
                pass
    finally:
        if follower is not None:
            await follower.stop()
        if feed is not None:
            await feed.stop()
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
    parser.add_argument(
        "--grid-feed", type=int, default=None, metavar="PORT", help="serve the grid power"
    )
    parser.add_argument(
        "--grid-period",
        type=float,
        default=DSMR5_PERIOD,
        help="s between two grid samples (1: DSMR 5, 10: DSMR 4)",
    )
    parser.add_argument(
        "--follow-meter",
        choices=[model.value for model in MeterModel],
        default=None,
        metavar="MODEL",
        help="the first battery follows an emulated Shelly MODEL (e.g. proem50, port 2223)",
    )
    parser.add_argument("battery", nargs="+", metavar="PROFILE@HOST[:PORT]")
    args = parser.parse_args()
    try:
        specs = [parse_battery_spec(spec) for spec in args.battery]
    except argparse.ArgumentTypeError as err:
        parser.error(str(err))
    if args.grid_period <= 0:
        parser.error("--grid-period must be positive")
    follow = None if args.follow_meter is None else MeterModel(args.follow_meter)
    return asyncio.run(serve(specs, args.state, args.grid_feed, args.grid_period, follow))


if __name__ == "__main__":
    sys.exit(main())
