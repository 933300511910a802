"""Zero export, the runs: simulated batteries in a simulated house, on a virtual clock.

Every run is its own virtual-time event loop (benchmarks/virtual_time.py), so an hour takes
seconds and a run is a function of its scenario. The batteries are the simulator's own
(`SimulatedBattery`: physics, SOC, limits), the house is `load_profile.demo_household` on the
first battery (the others only add their output), and the grid sensor is the simulator's
`GridMeter` (one sample per period: 1 s like DSMR 5, 10 s like DSMR 4).

* **meter**: the library's `MeterServer` answers each battery's poll (real UDP on loopback)
  with what Home Assistant's meter entry answers: the source's last sample as a single-phase
  `MeterReading`, silence when it is older than 10 s, and with several batteries that follow
  (polled within 5 s) `FleetShares` of it, fed with each battery's output and energy as the
  coordinator last read them (gentle polling: every 60 s) and told every answer. Paced, a lone
  follower goes through its `SourcePacer`, several through `FleetShares` with the sample's
  time (as in Home Assistant). Each battery polls at its model's cadence (`MeterFollower`, the
  simulator's control laws).
* **automation**: the user's automation every 30 s over the Open API (the library's client,
  real UDP): read the battery's AC power (ES.GetStatus), add the grid sensor's value, clamp
  to the battery's limits, write it as a passive setpoint (ES.SetMode, with its read-back).
* **none** and **ideal** need no loop: the grid is the house's net load, or what is left of
  it beyond the batteries' limits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from custom_components.marstek_venus.pymarstek_venus import (
    FleetShares,
    Follower,
    MarstekClient,
    MeterReading,
    MeterServer,
    PassiveConfig,
    SplitMember,
)
from custom_components.marstek_venus.pymarstek_venus.meter import PRO_3EM
from custom_components.marstek_venus.pymarstek_venus.meter.pacing import SourcePacer, gate_for
from custom_components.marstek_venus.pymarstek_venus.models import Family
from simulator import ScaledClock, SimulatedBattery
from simulator.control_laws import RampLaw
from simulator.grid_feed import GridMeter, household_grid
from simulator.meter_config import MeterModel, follower_config
from simulator.meter_follower import MeterFollower
from simulator.profiles import get_profile

from . import virtual_time
from .harness import free_udp_port, loopback
from .zero_export_model import (
    AUTOMATION_PERIOD,
    AUTOMATION_PHASE,
    HA_POLL,
    PASSIVE_DURATION,
    SAMPLE,
    SOURCE_STALE,
    Control,
    Scenario,
    Trace,
    household,
)

ADDRESS_BASE = 82  # 127.82.0.x: this benchmark's batteries; 127.82.1.1 its meter
FOLLOWS_WITHIN = 5.0  # s: a battery that polled this recently follows the meter (HA's rule)
# s from HA asking a battery's coordinator for a read (FleetShares.reads_due) to the read.
READ_LATENCY = 0.5


def run(scenario: Scenario, duration: float) -> Trace:
    """One scenario over the first `duration` seconds of the household profile."""
    if scenario.control is Control.NONE:
        return _open_loop(scenario, duration, lambda need: 0.0)
    if scenario.control is Control.IDEAL:
        profiles = [get_profile(b.profile) for b in scenario.batteries]
        low = -float(sum(p.max_charge for p in profiles))
        high = float(sum(p.max_discharge for p in profiles))
        return _open_loop(scenario, duration, lambda need: min(max(need, low), high))
    clock = virtual_time.VirtualClock(start=0.0)
    trace = virtual_time.run(_closed_loop(scenario, duration), clock)
    keep = sum(1 for t in trace.times if t < duration - 1e-9)
    del trace.times[keep:], trace.grid[keep:], trace.outputs[keep:]
    return trace


def _open_loop(scenario: Scenario, duration: float, output: Callable[[float], float]) -> Trace:
    house = household()
    trace = Trace(duration=duration)
    for index in range(round(duration / SAMPLE)):
        t = index * SAMPLE
        need = house.load_at(t) - house.pv_at(t)
        out = output(need)
        trace.add(t, need - out, (out,) if scenario.batteries else ())
    return trace


class _CoordinatorView:
    """What Home Assistant knows of each battery: a reading every `HA_POLL` seconds."""

    def __init__(self, batteries: list[SimulatedBattery]) -> None:
        self.batteries = batteries
        self.members: dict[str, SplitMember] = {}
        self.outputs: dict[str, float] = {}
        self.read_at: dict[str, float] = {}

    def read(self, time: float, hosts: set[str] | None = None) -> None:
        for battery in self.batteries:
            if hosts is not None and battery.host not in hosts:
                continue
            self.read_at[battery.host] = time
            state = battery.state
            profile = battery.profile
            floor = state.rated_capacity * (100 - state.dod) / 100.0
            self.members[battery.host] = SplitMember(
                battery.host,
                max(state.remaining_energy - floor, 0.0),
                max(state.rated_capacity - state.remaining_energy, 0.0),
                profile.max_discharge,
                profile.max_charge,
            )
            self.outputs[battery.host] = state.ac_power


async def _closed_loop(scenario: Scenario, duration: float) -> Trace:
    loop = asyncio.get_running_loop()
    clock = ScaledClock(1.0, real_monotonic=loop.time)
    hosts = [loopback(0, n, base=ADDRESS_BASE) for n in range(len(scenario.batteries))]
    port = free_udp_port(tuple(hosts))
    batteries = [
        SimulatedBattery(b.profile, host, port, clock=clock, soc=b.soc, seed=n)
        for n, (b, host) in enumerate(zip(scenario.batteries, hosts, strict=True))
    ]
    batteries[0].set_household(household())
    for battery in batteries[1:]:  # one house: the others only add their output
        battery.set_house_load(0.0)
        battery.set_house_solar(0.0)
    for battery in batteries:
        battery.set_pv(0.0)  # no PV on the batteries' own inputs: the house has it
    assert scenario.source_period is not None
    meter = GridMeter(batteries, scenario.source_period)
    trace = Trace(duration=duration)
    tasks = [
        asyncio.create_task(_sample_source(meter)),
        asyncio.create_task(_record(batteries, trace)),
    ]
    try:
        if scenario.control is Control.AUTOMATION:
            await _automation(batteries[0], meter, trace, duration)
        else:
            await _emulated_meter(
                batteries, meter, trace, duration, scenario.pacing, scenario.ramp_gate
            )
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return trace


async def _sample_source(meter: GridMeter) -> None:
    """The grid sensor: one sample every period (timed here, exactly, on the loop's clock)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    count = 0
    while True:
        meter.sample()
        count += 1
        await asyncio.sleep(max(started + count * meter.period - loop.time(), 0.0))


async def _record(batteries: list[SimulatedBattery], trace: Trace) -> None:
    """The true grid power and every output, every `SAMPLE` seconds (not what anyone sees)."""
    clock = batteries[0].clock
    index = 0
    while True:
        sample = household_grid(batteries)
        outputs = tuple(b.physics.flows.ac_power for b in batteries)
        trace.add(index * SAMPLE, sample.grid_power, outputs)
        index += 1
        await asyncio.sleep(max(index * SAMPLE - clock.monotonic(), 0.0))


async def _emulated_meter(
    batteries: list[SimulatedBattery],
    meter: GridMeter,
    trace: Trace,
    duration: float,
    pacing: str | None,
    ramp_gate: float | None,
) -> None:
    loop = asyncio.get_running_loop()
    view = _CoordinatorView(batteries)
    server_host = loopback(1, 0, base=ADDRESS_BASE)
    pacers = {
        b.host: SourcePacer(gate=gate_for(Family(b.profile.family)) if pacing == "gated" else 0.0)
        for b in batteries
    }

    fleet = FleetShares()
    families = {b.host: Family(b.profile.family) for b in batteries}

    def value_for(ip: str) -> MeterReading | None:
        reading, shared = _share_for(ip)
        if reading is not None and pacing is not None and not shared:
            pacer = pacers[ip]
            assert meter.latest is not None
            pacer.observe_source(meter.latest.time)
            reading = pacer.answer(reading, loop.time())
        if reading is not None:
            fleet.told(_follower(ip), reading, loop.time())
        return reading

    def _follower(host: str) -> Follower:
        member, output = view.members[host], view.outputs.get(host)
        return Follower(host, member, output, view.read_at.get(host), families[host])

    def _read_one(host: str) -> None:
        view.read(loop.time(), {host})

    def _confirm(now: float) -> None:
        """HA's meter asks the coordinator of a battery the shares hold on for a read."""
        for host in fleet.reads_due(now):
            trace.reads += 1
            loop.call_later(READ_LATENCY, _read_one, host)

    def _share_for(ip: str) -> tuple[MeterReading | None, bool]:
        sample = meter.latest
        if sample is None or loop.time() - sample.time > SOURCE_STALE:
            return None, False  # HA: a source older than the limit makes the meter silent
        grid = MeterReading.single(sample.grid_power)
        now = loop.time()
        following = [
            host
            for host, stats in server.senders.items()
            if stats.last_request is not None and now - stats.last_request <= FOLLOWS_WITHIN
        ]
        if ip not in following or len(following) == 1:
            return grid, False
        since = sample.time if pacing is not None else None
        share = fleet.shares(grid, [_follower(h) for h in following], since)[ip]
        if pacing is not None:
            _confirm(now)
        return share, True

    server = MeterServer(
        PRO_3EM,
        value_for,
        host=server_host,
        ports=(0,),
        clock=loop.time,
    )
    await server.start()
    followers = []
    try:
        for battery in batteries:
            config = follower_config(
                battery.profile.family,
                MeterModel.PRO3EM,
                destination=server_host,
                port=server.ports[0],
            )
            follower = MeterFollower(battery, config)
            if ramp_gate is not None and isinstance(follower.law, RampLaw):
                follower.law.gate = ramp_gate
            followers.append(follower)
        view.read(loop.time())
        for follower in followers:
            await follower.start()
        elapsed = 0.0
        while elapsed < duration:
            await asyncio.sleep(min(HA_POLL, duration - elapsed))
            elapsed += HA_POLL
            view.read(loop.time())
    finally:
        for follower in followers:
            await follower.stop()
        await server.stop()


async def _automation(
    battery: SimulatedBattery, meter: GridMeter, trace: Trace, duration: float
) -> None:
    """passive = battery power + grid, clamped, every 30 s (the common user automation)."""
    await battery.start()
    client = MarstekClient(battery.host, battery.port)
    profile = battery.profile
    try:
        started = asyncio.get_running_loop().time() + AUTOMATION_PHASE
        await asyncio.sleep(AUTOMATION_PHASE)
        cycle = 0
        while AUTOMATION_PHASE + cycle * AUTOMATION_PERIOD < duration:
            status = await client.get_es_status()
            sample = meter.latest
            if status.ac_power is not None and sample is not None:
                wanted = status.ac_power + sample.grid_power
                power = round(min(max(wanted, -profile.max_charge), profile.max_discharge))
                await client.set_passive(PassiveConfig(power, PASSIVE_DURATION))
            cycle += 1
            now = asyncio.get_running_loop().time()
            await asyncio.sleep(max(started + cycle * AUTOMATION_PERIOD - now, 0.0))
    finally:
        await client.close()
        await battery.stop()
        methods = [r.method for r in battery.requests]
        trace.writes = sum(1 for m in methods if m is not None and "Set" in m)
        trace.reads = len(methods) - trace.writes
