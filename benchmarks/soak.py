"""Soak: many simulated hours of polling ten batteries through faults, on a virtual clock.

The whole run (library, simulated batteries, hostile sender) lives on one event loop whose
clock jumps ahead whenever nothing is ready (benchmarks/virtual_time.py), over real UDP on
loopback. So the library runs with the integration's own constants (1 s request gap, 2.5 s
timeouts, 30 s poll interval, 15-minute discovery scans) and nothing is scaled or patched,
and a busy machine costs real seconds but never virtual ones: a loaded CI runner cannot turn a
stall into a timeout, a missed poll or a gap that looks too short. A run depends only on its
seed.

Each battery is polled the way the integration's coordinator does it (soak_poller.py), the
discovery scan runs while they poll and follows batteries to new IP addresses, and the fault
plan (faultplan.py, soak_faults.py) throws loss, silence, reboots with counter resets, CT
contention, duplicate replies and DHCP changes at them, with hostile datagrams at the
client's socket throughout.

It reports what must be zero (unhandled exceptions, failed scans, entities still without data
more than ``unavailable_after`` cycles after a fault cleared, decreases of an energy total,
device-safety violations) and the smallest gap between two requests that reached one battery
from one address, which must not be below the request gap (soak_report.py).
``python -m benchmarks soak --hours 24``; a 2-hour version runs in CI (tests/benchmarks/test_soak.py).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from dataclasses import asdict
from typing import Any

from . import virtual_time
from .faultplan import plan_faults
from .harness import ROOT
from .hostile import Injector
from .soak_bench import bench, parse_args, wind_down, write_report
from .soak_faults import FaultDriver
from .soak_model import Findings, SoakConfig, Window
from .soak_poller import Poller, discovery_scans
from .soak_report import SAMPLES, passed, render, report, safety

__all__ = ["SoakConfig", "Window", "passed", "render", "run", "run_soak"]

ADDRESS_BASE = 80  # 127.80.x.y: batteries in block 0, their next addresses in block 1
STRANGERS = ["127.66.0.1", "127.66.0.2", "127.66.0.3"]
# A mixed fleet: stable and older firmware of every family the simulator knows.
PROFILES = (
    "venus_e3_150",
    "venus_a_149",
    "venus_e3_150",
    "venus_d_150",
    "venus_e2_154",
    "venus_e3_144",
    "venus_e3_150",
    "venus_c_153",
    "venus_mini_300",
    "venus_a_147",
)
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "soak.json"


def run(config: SoakConfig) -> dict[str, Any]:
    """Run one soak on a fresh virtual-time loop and return its report (see ``passed``)."""
    # A run repeats exactly: the library's client backoff draws from the global generator,
    # seeded here, and the clock starts at the same reading (float rounding of the times
    # then repeats too). Run it in a process of its own: the library's send log outlives
    # event loops, and a virtual clock is not the real one.
    random.seed(config.seed)
    return virtual_time.run(run_soak(config), virtual_time.VirtualClock(start=0.0))


async def run_soak(config: SoakConfig) -> dict[str, Any]:
    """The soak itself; needs a virtual-time loop (``run``) to take virtual hours, not real."""
    findings = Findings()
    loop = asyncio.get_running_loop()

    def on_loop_error(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        findings.unhandled.append(
            f"event loop: {context.get('message')} {context.get('exception')!r}"
        )

    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(on_loop_error)
    setup = bench(config, loop, address_base=ADDRESS_BASE, profiles=PROFILES, mac_label="soak")
    sim, hosts, spare, port = setup.sim, setup.hosts, setup.spare, setup.port
    pollers = [Poller(config, sim, battery, port) for battery in sim.batteries]
    driver = FaultDriver(config, pollers, spare)
    injector = Injector(
        ("127.0.0.1", port),
        STRANGERS,
        hosts,
        rate=config.hostile_rate,
        forge_share=config.forge_share,
        seed=config.seed,
    )
    tasks: list[asyncio.Task[None]] = []
    drops: dict[str, int] = {}
    real_start = time.monotonic()
    async with sim:
        try:
            await asyncio.gather(*(poller.start() for poller in pollers))
            for poller in pollers:
                poller.battery.faults = driver.background()
                poller.battery.clear_records()
            shared = pollers[0].client.socket  # the soak reads the socket's counters
            assert shared is not None
            injector.pending = shared.pending_requests
            await injector.open()
            origin = sim.clock.monotonic()
            events = plan_faults(config.hours, config.batteries, config.seed)
            tasks = [
                asyncio.create_task(injector.run()),
                asyncio.create_task(driver.run(events, origin, findings)),
                asyncio.create_task(
                    discovery_scans(config, pollers, port, hosts + spare, findings)
                ),
            ]
            until = origin + config.duration
            await asyncio.gather(*(poller.run(until, findings) for poller in pollers))
            drops = asdict(shared.drops)
        finally:
            await wind_down(tasks, pollers)
            injector.close()
            loop.set_exception_handler(previous_handler)
    result = report(
        config, pollers, findings, dict(injector.sent), drops, time.monotonic() - real_start
    )
    result.update(safety(config, sim.batteries, setup.gaps))
    return result


def main(argv: list[str] | None = None) -> int:
    config, output = parse_args(argv, __doc__.splitlines()[0], 10, DEFAULT_OUTPUT)
    print(f"soak: {config.hours:g} simulated hours", file=sys.stderr)
    result = run(config)
    write_report(output, result)
    print(render(result))
    for key in SAMPLES:
        for line in result[key]:
            print(f"{key}: {line}", file=sys.stderr)
    ok = passed(result)
    print(f"\nsoak: {'PASSED' if ok else 'FAILED'}; report in {output}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
