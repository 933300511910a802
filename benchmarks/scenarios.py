"""The measured scenarios (poll, write, discovery), run for one or more libraries.

Each scenario starts its own simulated batteries (``venus_e3_150``, stable firmware) on loopback
addresses of its own, lets the library identify them without faults, clears the batteries'
records, and only then switches loss and latency on, so set-up traffic is never measured.
Every poll and write run has a device port of its own: one run's discovery probes and pacing
never hold up another's batteries. While a fleet is polled, the library's own discovery scans
it every ``Plan.scan_every`` seconds (load.py); the device load includes those probes.

``python -m benchmarks.scenarios --libs aiomarstek,py-marstek`` runs the scenarios in this
interpreter and prints the results as JSON; ``python -m benchmarks run`` uses it to run the PyPI
libraries inside ``benchmarks/.venv-compare`` while it runs our library itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from simulator import Faults, SimulatedBattery, Simulator

from .adapters import FAST_TIER, LIBRARIES, Adapter, installed
from .harness import LoopLag, free_udp_port, loopback
from .load import Scanner, device_load
from .stats import Summary

PROFILE = "venus_e3_150"
# Address bases (127.<base>.x.y) per library, so the processes of one run never collide.
ADDRESS_BASE = {"ours": 77, "aiomarstek": 78, "py-marstek": 79}
POLL_BLOCK, WRITE_BLOCK, DISCOVERY_BLOCK = 0, 10, 20
# s between two writes to one battery (a person clicking, not a burst); never shorter than
# the library's own idle gap, so a write does not start by waiting for the previous one.
WRITE_PAUSE = 2.0


@dataclass(slots=True)
class Plan:
    """What to run. Cycle and battery counts are per loss level."""

    losses: tuple[float, ...] = (0.0, 0.05, 0.10, 0.30)
    latency: float = 0.15
    jitter: float = 0.05
    poll_batteries: int = 50
    poll_cycles: int = 20
    their_poll_batteries: int = 20
    their_poll_cycles: int = 15
    write_batteries: int = 10
    writes: int = 10
    discovery_sizes: tuple[int, ...] = (1, 10, 50)
    # s between two discovery scans while the poll scenario runs (the first at its start).
    scan_every: float = 20.0
    seed: int = 1
    phases: tuple[str, ...] = ("discovery", "poll", "write")

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            poll_batteries=10,
            poll_cycles=5,
            their_poll_batteries=5,
            their_poll_cycles=3,
            write_batteries=3,
            writes=4,
            discovery_sizes=(1, 10),
            scan_every=5.0,
        )

    def sizes_for(self, lib: str) -> tuple[int, int]:
        """(batteries, cycles) of the poll scenario for ``lib``."""
        if lib == "ours":
            return self.poll_batteries, self.poll_cycles
        return self.their_poll_batteries, self.their_poll_cycles


def make_adapter(lib: str, device_port: int) -> Adapter:
    """A fresh adapter; the PyPI libraries get a local port of their own."""
    cls = LIBRARIES[lib]
    if lib == "ours":
        return cls(device_port)
    return cls(device_port, free_udp_port(("0.0.0.0",)))  # type: ignore[call-arg]


async def _fleet(
    lib: str, plan: Plan, block: int, count: int, port: int
) -> tuple[Simulator, Adapter, list[SimulatedBattery]]:
    """Start ``count`` batteries and an adapter that has identified each of them."""
    adapter = make_adapter(lib, port)
    sim = Simulator(seed=plan.seed * 100 + block)
    batteries = [
        sim.add(
            PROFILE,
            loopback(block, index, base=ADDRESS_BASE[lib]),
            port,
            faults=Faults(reply_to_source_port=adapter.reply_to_source_port),
        )
        for index in range(count)
    ]
    await sim.start()
    try:
        await adapter.open()
        await asyncio.gather(*(adapter.prepare(battery.host) for battery in batteries))
    except BaseException:
        await adapter.close()
        await sim.stop()
        raise
    for battery in batteries:
        battery.clear_records()
    return sim, adapter, batteries


def _apply_network(batteries: list[SimulatedBattery], plan: Plan, loss: float) -> None:
    for battery in batteries:
        battery.faults.loss = loss
        battery.faults.latency = plan.latency
        battery.faults.jitter = plan.jitter


async def run_poll(lib: str, plan: Plan, loss: float, level: int, port: int) -> dict[str, Any]:
    """Poll cycles back to back (with the library's idle gap between them) on many batteries,
    while the library's own discovery scans them every ``plan.scan_every`` seconds."""
    count, cycles = plan.sizes_for(lib)
    sim, adapter, batteries = await _fleet(lib, plan, POLL_BLOCK + level, count, port)
    scanner = Scanner(adapter, [battery.host for battery in batteries], plan.scan_every)
    polls_done = asyncio.Event()
    times: list[float] = []
    fresh_all = reads_ok = 0
    per_method: Counter[str] = Counter()

    async def battery_loop(battery: SimulatedBattery) -> None:
        nonlocal fresh_all, reads_ok
        for _ in range(cycles):
            # Idle first (also after set-up), so no cycle starts by waiting out the gap.
            await asyncio.sleep(adapter.idle_between_cycles)
            start = time.monotonic()
            fresh = await adapter.poll_cycle(battery.host)
            times.append(time.monotonic() - start)
            ok = sum(fresh.values())
            reads_ok += ok
            per_method.update(method for method, good in fresh.items() if good)
            fresh_all += ok == len(FAST_TIER)

    started = time.monotonic()
    try:
        _apply_network(batteries, plan, loss)
        scans = asyncio.create_task(scanner.run(polls_done))
        try:
            await asyncio.gather(*(battery_loop(battery) for battery in batteries))
        finally:
            polls_done.set()
            await scans  # a scan under way runs to its end: its probes are load too
    finally:
        await adapter.close()
        await sim.stop()
    total = count * cycles
    load = device_load(batteries)
    return {
        "loss": loss,
        "batteries": count,
        "cycles": total,
        "fresh_all": fresh_all,
        "fresh_share": fresh_all / total if total else None,
        "cycle_time": Summary.of(times).as_dict(),
        "cycle_times": [round(value, 4) for value in times],  # for benchmarks/plot
        "reads": total * len(FAST_TIER),
        "reads_ok": reads_ok,
        "reads_ok_by_method": dict(per_method),
        # Polls only, comparable with runs without scans; the next one counts every request.
        "requests_per_fresh_read": (load["requests"] - load["probes"]) / reads_ok
        if reads_ok
        else None,
        "requests_per_battery_cycle": load["requests"] / total if total else None,
        "probes_per_battery_cycle": load["probes"] / total if total else None,
        "seconds": time.monotonic() - started,
        **scanner.as_dict(),
        **load,
    }


async def run_write(lib: str, plan: Plan, loss: float, level: int, port: int) -> dict[str, Any]:
    """Alternate AI / Auto on each battery; check every reported success against the device."""
    sim, adapter, batteries = await _fleet(
        lib, plan, WRITE_BLOCK + level, plan.write_batteries, port
    )
    confirmed_times: list[float] = []
    outcomes: Counter[str] = Counter()

    async def battery_loop(battery: SimulatedBattery) -> None:
        for index in range(plan.writes):
            await asyncio.sleep(max(WRITE_PAUSE, adapter.idle_between_cycles))
            target = "AI" if index % 2 == 0 else "Auto"
            start = time.monotonic()
            reported = await adapter.set_mode(battery.host, target)
            elapsed = time.monotonic() - start
            switched = str(battery.state.mode) == target
            if reported and switched:
                outcomes["confirmed"] += 1
                confirmed_times.append(elapsed)
            elif reported:
                outcomes["false_success"] += 1  # the library said done, the device disagrees
            elif switched:
                outcomes["false_failure"] += 1  # the device switched, the library gave up
            else:
                outcomes["failed"] += 1

    started = time.monotonic()
    try:
        _apply_network(batteries, plan, loss)
        await asyncio.gather(*(battery_loop(battery) for battery in batteries))
    finally:
        await adapter.close()
        await sim.stop()
    total = plan.write_batteries * plan.writes
    load = device_load(batteries)
    return {
        "loss": loss,
        "writes": total,
        "confirmed": outcomes["confirmed"],
        "success_share": outcomes["confirmed"] / total if total else None,
        "false_success": outcomes["false_success"],
        "false_failure": outcomes["false_failure"],
        "failed": outcomes["failed"],
        "time": Summary.of(confirmed_times).as_dict(),
        "times": [round(value, 4) for value in confirmed_times],
        "requests_per_write": load["requests"] / total if total else None,
        "seconds": time.monotonic() - started,
        **load,
    }


async def run_discovery(lib: str, plan: Plan, size: int, index: int) -> dict[str, Any]:
    """Time one discovery of ``size`` batteries given as unicast loopback targets."""
    port = free_udp_port()
    adapter = make_adapter(lib, port)
    sim = Simulator(seed=plan.seed)
    batteries = [
        sim.add(
            PROFILE,
            loopback(DISCOVERY_BLOCK + index, n, base=ADDRESS_BASE[lib]),
            port,
            faults=Faults(
                latency=plan.latency,
                jitter=plan.jitter,
                reply_to_source_port=adapter.reply_to_source_port,
            ),
        )
        for n in range(size)
    ]
    async with sim:
        start = time.monotonic()
        found = await adapter.discover([battery.host for battery in batteries])
        elapsed = time.monotonic() - start
    violations = Counter(str(v.kind) for battery in batteries for v in battery.violations)
    return {"batteries": size, "found": found, "seconds": elapsed, "violations": dict(violations)}


def _distinct_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        if (port := free_udp_port()) not in ports:
            ports.append(port)
    return ports


async def run_library(lib: str, plan: Plan) -> dict[str, Any]:
    """Every phase of ``plan`` for one library; loss levels run in parallel."""
    cls = LIBRARIES[lib]
    result: dict[str, Any] = {"lib": lib, "version": cls.version(), "notes": list(cls.notes)}
    if "discovery" in plan.phases:
        if cls.discovery_unsupported:
            result["discovery_unsupported"] = cls.discovery_unsupported
        else:
            result["discovery"] = [
                await run_discovery(lib, plan, size, index)
                for index, size in enumerate(plan.discovery_sizes)
            ]
    jobs: list[Awaitable[dict[str, Any]]] = []
    # A port per run: a scan on one fleet must not hold up the batteries of another run.
    ports = iter(_distinct_ports(2 * len(plan.losses)))
    if "poll" in plan.phases:
        jobs += [run_poll(lib, plan, loss, n, next(ports)) for n, loss in enumerate(plan.losses)]
    if "write" in plan.phases:
        jobs += [run_write(lib, plan, loss, n, next(ports)) for n, loss in enumerate(plan.losses)]
    done = await asyncio.gather(*jobs)
    result["poll"] = [item for item in done if "cycles" in item]
    result["write"] = [item for item in done if "writes" in item]
    return result


async def run_libraries(
    libs: list[str], plan: Plan, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run ``libs`` side by side in this event loop; report the loop's lag as well."""
    lag = LoopLag()
    lag_task = asyncio.create_task(lag.run())
    try:

        async def one(lib: str) -> dict[str, Any]:
            result = await run_library(lib, plan)
            if progress is not None:
                progress(f"{lib}: done")
            return result

        results = await asyncio.gather(*(one(lib) for lib in libs))
    finally:
        lag_task.cancel()
        await asyncio.gather(lag_task, return_exceptions=True)
    return {"libraries": {r["lib"]: r for r in results}, "loop_lag": lag.as_dict()}


def plan_from_args(args: argparse.Namespace) -> Plan:
    """The plan for ``--quick`` / ``--cycles`` / ``--batteries`` / ``--phases``."""
    plan = Plan.quick() if args.quick else Plan()
    if args.cycles is not None:
        plan.poll_cycles = plan.their_poll_cycles = args.cycles
    if args.batteries is not None:
        plan.poll_batteries = plan.their_poll_batteries = args.batteries
    if args.phases:
        plan.phases = tuple(args.phases.split(","))
    return plan


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a short smoke run (~2 minutes)")
    parser.add_argument("--cycles", type=int, help="poll cycles per battery (every library)")
    parser.add_argument("--batteries", type=int, help="batteries per loss level in the poll")
    parser.add_argument("--phases", help="comma-separated subset of discovery,poll,write")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="ours", help="comma-separated library names")
    parser.add_argument("--plan", help="a JSON plan (as written by run_all) instead of flags")
    add_plan_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    plan = Plan(**_tuples(json.loads(args.plan))) if args.plan else plan_from_args(args)
    libs = [lib for lib in args.libs.split(",") if lib]
    missing = [lib for lib in libs if not installed(lib)]
    if missing:
        print(f"not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = asyncio.run(run_libraries(libs, plan, lambda line: print(line, file=sys.stderr)))
    json.dump(result, sys.stdout)
    return 0


def plan_json(plan: Plan) -> str:
    return json.dumps(asdict(plan))


def _tuples(data: dict[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}


if __name__ == "__main__":
    sys.exit(main())
