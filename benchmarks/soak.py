"""Soak: many simulated hours of polling ten batteries through faults, time-accelerated.

The fleet runs on a scaled clock (``time_scale`` simulated seconds per real second) and every
real-time constant of the network and of the library (pacing gap and its 0.3 s floor, resend,
timeouts, backoff, discovery probes, latency) is divided by ``acceleration``; see
:func:`benchmarks.harness.accelerated`. Each battery is polled the way the integration's
coordinator does it: the tiers of ``POLL_EVERY`` in ``POLL_ORDER``, a batch abandoned when its
first read gets nothing, the periodic discovery sweep that follows a battery to a new IP, and
lifetime energy totals kept by the integration's own ``EnergyTotal``.

It reports four numbers that must be zero: unhandled exceptions, entities still without data
more than ``unavailable_after`` poll cycles after a fault cleared, decreases of an energy
total, and device-safety violations. ``benchmarks/soak --hours 24``; a 2-hour version runs
in CI (tests/benchmarks/test_soak.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import traceback
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from custom_components.marstek_venus.const import (
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_UNAVAILABLE_AFTER,
    DISCOVERY_INTERVAL,
    POLL_EVERY,
    POLL_ORDER,
    Group,
)
from custom_components.marstek_venus.energy import EnergyTotal
from custom_components.marstek_venus.protocol import (
    MarstekClient,
    MarstekConnectionError,
    MarstekError,
    MarstekMethodNotSupportedError,
    discover,
)
from custom_components.marstek_venus.protocol.profiles import FirmwareProfile
from custom_components.marstek_venus.protocol.transport import SharedSocket
from simulator import Faults, SimulatedBattery, Simulator

from .faultplan import FaultEvent, plan_faults
from .harness import ROOT, LoopLag, accelerated, free_udp_port, loopback
from .hostile import Injector

_LOGGER = logging.getLogger(__name__)

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
# The integration's limits for rejecting impossible counter jumps (energy_sensor.py, W).
BATTERY_MAX_POWER, PV_MAX_POWER, GRID_MAX_POWER = 3000.0, 5000.0, 50000.0
POLLED = (Group.ES, Group.MODE, Group.METER, Group.BATTERY, Group.PV)
_READERS = {
    Group.ES: "get_es_status",
    Group.MODE: "get_mode",
    Group.METER: "get_meter_status",
    Group.BATTERY: "get_battery_status",
    Group.PV: "get_pv_status",
}
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "soak.json"


@dataclass(slots=True)
class SoakConfig:
    """A soak run. Durations are simulated unless named real."""

    hours: float = 24.0
    batteries: int = 10
    time_scale: float = 480.0  # simulated seconds per real second: 24 h in 3 real minutes
    # Network and library constants run this much faster. With 80, a fast-tier batch (three
    # or four requests at the 1 s gap) takes about as long as one 30 s interval at scale 480.
    acceleration: float = 80.0
    seed: int = 1
    hostile_rate: float = 100.0  # datagrams per real second at the client's socket
    forge_share: float = 0.02  # of those, forged replies to requests in flight
    background_loss: float = 0.02
    background_duplicates: float = 0.02
    background_contention: float = 0.01
    latency: float = 0.15  # s before acceleration
    jitter: float = 0.05
    scan_interval: float = float(DEFAULT_SCAN_INTERVAL)
    unavailable_after: int = DEFAULT_UNAVAILABLE_AFTER
    discovery_interval: float = DISCOVERY_INTERVAL.total_seconds()

    def real(self, simulated: float) -> float:
        """Real seconds for a simulated duration."""
        return simulated / self.time_scale


@dataclass(slots=True)
class Window:
    """A fault on one battery, in simulated seconds; ``end`` None while it lasts."""

    kind: str
    start: float
    end: float | None = None

    def overlaps(self, start: float, end: float) -> bool:
        return self.start <= end and (self.end is None or self.end >= start)


@dataclass(slots=True)
class Findings:
    """Everything a soak counts, over the whole fleet."""

    cycles: int = 0
    counted_cycles: int = 0
    unhandled: list[str] = field(default_factory=list)
    stale_entities: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    longest_stale_after_fault: int = 0
    energy_decreases: list[str] = field(default_factory=list)
    counter_restarts: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    ip_changes_followed: int = 0
    learned_unsupported: Counter[str] = field(default_factory=Counter)


_ENERGY: tuple[tuple[str, Group, float, Callable[[Any], float | None]], ...] = (
    ("battery_discharged", Group.ES, BATTERY_MAX_POWER, lambda es: es.ac_output_energy),
    ("battery_charged", Group.ES, BATTERY_MAX_POWER, lambda es: es.ac_input_energy),
    ("pv", Group.ES, PV_MAX_POWER, lambda es: es.pv_energy),
    ("grid_import", Group.METER, GRID_MAX_POWER, lambda meter: meter.import_energy),
    ("grid_export", Group.METER, GRID_MAX_POWER, lambda meter: meter.export_energy),
)


class Poller:
    """One battery's coordinator, reduced to what the soak checks."""

    def __init__(
        self, config: SoakConfig, sim: Simulator, battery: SimulatedBattery, port: int
    ) -> None:
        self.config = config
        self.sim = sim
        self.battery = battery
        self.name = f"{battery.profile.key}@{battery.host}"
        self.client = MarstekClient(
            battery.host,
            port,
            request_gap=1.0 / config.acceleration,
            timeout=2.5 / config.acceleration,
            backoff=1.0 / config.acceleration,
        )
        self.windows: list[Window] = []
        self.pending_host: str | None = None
        self.groups: set[Group] = set()
        self._cycle = 0
        self._next_due: dict[Group, int] = {}
        self._stale: Counter[Group] = Counter()
        self._failed = 0
        self._totals = {
            name: EnergyTotal(f"{battery.ble_mac} {name}", power) for name, _, power, _ in _ENERGY
        }
        self._raw: dict[str, float] = {}

    def now(self) -> float:
        return self.sim.clock.monotonic()

    async def start(self) -> None:
        await self.client.connect()
        await self.client.get_device()
        profile = self.client.profile
        assert profile is not None
        self.groups = readable_groups(profile)

    async def run(self, until: float, findings: Findings) -> None:
        interval = self.config.real(self.config.scan_interval)
        loop = asyncio.get_running_loop()
        while self.now() < until:
            started = loop.time()
            if self.pending_host is not None:
                await self._follow(findings)
            await self.cycle(findings)
            await asyncio.sleep(max(0.0, started + interval - loop.time()))

    async def _follow(self, findings: Findings) -> None:
        """The integration reloads an entry whose battery discovery found at a new IP."""
        host, self.pending_host = self.pending_host, None
        assert host is not None
        await self.client.close()
        self.client.set_host(host)
        await self.client.connect()
        for window in self.windows:
            if window.kind == "ip_change" and window.end is None:
                window.end = self.now()
        findings.ip_changes_followed += 1

    async def cycle(self, findings: Findings) -> None:
        """One batch, as the coordinator reads it, then the soak's checks."""
        start = self.now()
        due = [
            group
            for group in POLL_ORDER
            if group in self.groups and self._next_due.get(group, 0) <= self._cycle
        ]
        fetched: dict[Group, Any] = {}
        answered = False
        for group in due:
            try:
                value = await getattr(self.client, _READERS[group])()
            except MarstekMethodNotSupportedError:
                answered = True
                self.groups.discard(group)
                findings.learned_unsupported[f"{self.battery.profile.key} {group}"] += 1
            except MarstekConnectionError:
                if not answered:
                    break
            except MarstekError:
                answered = True
            except Exception:  # exactly what the soak is looking for
                findings.unhandled.append(f"{self.name}: {traceback.format_exc()}")
            else:
                answered = True
                fetched[group] = value
            self._next_due[group] = self._cycle + POLL_EVERY[group]
        self._cycle += 1
        self._check(findings, start, due, fetched, answered)
        self._feed_energy(findings, fetched)

    def _check(
        self,
        findings: Findings,
        start: float,
        due: list[Group],
        fetched: dict[Group, Any],
        answered: bool,
    ) -> None:
        """Count cycles without data, but only those no fault overlapped."""
        findings.cycles += 1
        end = self.now()
        counted = not any(window.overlaps(start, end) for window in self.windows)
        findings.counted_cycles += counted
        self._failed = 0 if answered else self._failed + counted
        if counted and self._failed >= self.config.unavailable_after:
            findings.unavailable.append(f"{self.name}: {self._failed} failed cycles at {end:.0f} s")
        for group in due:
            if group in fetched:
                self._stale[group] = 0
            elif counted and group in self.groups:
                self._stale[group] += 1
                stale = self._stale[group]
                findings.longest_stale_after_fault = max(findings.longest_stale_after_fault, stale)
                if stale == self.config.unavailable_after + 1:
                    findings.stale_entities.append(
                        f"{self.name} {group}: no data for {stale} cycles at {end:.0f} s"
                    )

    def _feed_energy(self, findings: Findings, fetched: dict[Group, Any]) -> None:
        """Take counters into the never-decreasing totals, timed on the simulated clock."""
        now = self.sim.clock.now()
        for name, group, _, read in _ENERGY:
            source = fetched.get(group)
            if group is Group.METER and source is None and Group.MODE in fetched:
                source = fetched[Group.MODE].meter  # HMG-50: the CT block inside ES.GetMode
            value = read(source) if source is not None else None
            if value is None:
                continue
            if value < self._raw.get(name, 0.0):
                findings.counter_restarts += 1
            self._raw[name] = value
            total = self._totals[name]
            before = total.total
            total.add_counter(value / 1000, now)
            if before is not None and total.total is not None and total.total < before:
                findings.energy_decreases.append(
                    f"{self.name} {name}: {before:.4f} -> {total.total:.4f} kWh"
                )

    def energy_kwh(self) -> float:
        return sum(total.total or 0.0 for total in self._totals.values())


def readable_groups(profile: FirmwareProfile) -> set[Group]:
    """What the coordinator reads from this firmware (core and default optional groups)."""
    groups = set(POLLED)
    if not profile.has_es_status:
        groups.discard(Group.ES)
    if not profile.has_meter:
        groups.discard(Group.METER)
    if not profile.has_battery_status:
        groups.discard(Group.BATTERY)
    if not profile.has_pv:
        groups.discard(Group.PV)
    return groups


class FaultDriver:
    """Applies the fault schedule to the fleet and opens the pollers' fault windows."""

    def __init__(self, config: SoakConfig, pollers: list[Poller], spare_hosts: list[str]) -> None:
        self.config = config
        self.pollers = pollers
        self.spare_hosts = spare_hosts
        self._active: list[Counter[str]] = [Counter() for _ in pollers]

    def background(self) -> Faults:
        config = self.config
        return Faults(
            loss=config.background_loss,
            latency=config.latency / config.acceleration,
            jitter=config.jitter / config.acceleration,
            duplicate_replies=config.background_duplicates,
            ct_contention=config.background_contention,
        )

    def _apply(self, index: int) -> None:
        active = self._active[index]
        faults = self.pollers[index].battery.faults
        base = self.background()
        faults.loss = 0.5 if active["loss_burst"] else base.loss
        faults.ct_contention = 0.3 if active["contention_burst"] else base.ct_contention
        faults.duplicate_replies = 0.5 if active["duplicate_burst"] else base.duplicate_replies
        faults.silent = bool(active["silence"])

    async def run(self, events: list[FaultEvent], origin: float, findings: Findings) -> None:
        clock = self.pollers[0].sim.clock
        timeline = [(event.start, True, event) for event in events]
        timeline += [(event.end, False, event) for event in events if event.kind != "ip_change"]
        timeline.sort(key=lambda item: item[0])
        for at, begins, event in timeline:
            delay = self.config.real(origin + at - clock.monotonic())
            if delay > 0:
                await asyncio.sleep(delay)
            poller = self.pollers[event.battery]
            if not begins:
                self._active[event.battery][event.kind] -= 1
                self._apply(event.battery)
                continue
            findings.faults[event.kind] += 1
            now = clock.monotonic()
            if event.kind == "ip_change":
                poller.windows.append(Window(event.kind, now))
                await poller.battery.change_ip(self.spare_hosts[event.battery])
                continue
            if event.is_outage:
                poller.windows.append(Window(event.kind, now, now + event.duration))
            if event.kind == "reboot_reset":
                poller.battery.reboot(
                    reset_counters=True, duration=self.config.real(event.duration)
                )
                continue
            self._active[event.battery][event.kind] += 1
            self._apply(event.battery)


async def discovery_sweeps(
    config: SoakConfig, pollers: list[Poller], port: int, targets: list[str]
) -> None:
    """The integration's periodic scan: a battery found at a new IP gets its entry updated."""
    by_mac = {poller.battery.ble_mac: poller for poller in pollers}
    while True:
        await asyncio.sleep(config.real(config.discovery_interval))
        found = await discover([port], targets=targets, timeout=3.0 / config.acceleration)
        for device in found:
            poller = by_mac.get(device.ble_mac)
            if poller is not None and device.host != poller.client.host:
                poller.pending_host = device.host


async def run_soak(config: SoakConfig) -> dict[str, Any]:
    """Run one soak and return its report (see :func:`passed`)."""
    findings = Findings()
    loop = asyncio.get_running_loop()
    lag = LoopLag(period=0.01)

    def on_loop_error(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        findings.unhandled.append(
            f"event loop: {context.get('message')} {context.get('exception')!r}"
        )

    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(on_loop_error)
    hosts = [loopback(0, n, base=ADDRESS_BASE) for n in range(config.batteries)]
    spare = [loopback(1, n, base=ADDRESS_BASE) for n in range(config.batteries)]
    port = free_udp_port(("127.0.0.1", *hosts, *spare))
    sim = Simulator(time_scale=config.time_scale, seed=config.seed)
    with accelerated(config.acceleration):
        for index, host in enumerate(hosts):
            sim.add(
                PROFILES[index % len(PROFILES)],
                host,
                port,
                min_gap=0.3 / config.acceleration,
                max_requests=5000,
            )
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
        sends: dict[str, list[float]] = {}
        drops: dict[str, int] = {}
        real_start = time.monotonic()
        async with sim:
            try:
                await asyncio.gather(*(poller.start() for poller in pollers))
                for poller in pollers:
                    poller.battery.faults = driver.background()
                    poller.battery.clear_records()
                shared = _shared_socket(pollers[0].client)
                sends = record_sends(shared)
                injector.pending = lambda: list(shared._pending)
                await injector.open()
                origin = sim.clock.monotonic()
                until = origin + config.hours * 3600
                events = plan_faults(config.hours, config.batteries, config.seed)
                tasks = [
                    asyncio.create_task(lag.run()),
                    asyncio.create_task(injector.run()),
                    asyncio.create_task(driver.run(events, origin, findings)),
                    asyncio.create_task(discovery_sweeps(config, pollers, port, hosts + spare)),
                ]
                await asyncio.gather(*(poller.run(until, findings) for poller in pollers))
                drops = asdict(shared.drops)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                injector.close()
                for poller in pollers:
                    await poller.client.close()
                loop.set_exception_handler(previous_handler)
    report = _report(config, sim, pollers, findings, injector, drops, time.monotonic() - real_start)
    report.update(_safety(config, sim, sends, hosts, spare))
    report["loop_lag"] = lag.as_dict()
    report["loop_stalls_over_gap"] = sum(
        sample > 1.0 / config.acceleration for sample in lag.samples
    )
    return report


def record_sends(shared: SharedSocket) -> dict[str, list[float]]:
    """Note when the library hands each datagram to the kernel, per destination address."""
    sends: dict[str, list[float]] = defaultdict(list)
    send = shared.send

    def recording(payload: bytes, host: str, *, probe: bool = False) -> None:
        send(payload, host, probe=probe)
        sends[host].append(time.monotonic())

    shared.send = recording  # type: ignore[method-assign]
    return sends


def stall_artifact(at: float, sent: list[float], floor: float) -> bool:
    """Whether a gap/concurrency violation the battery recorded at ``at`` is a loop stall.

    Battery and client share one event loop, and the battery timestamps a datagram when the
    loop reads it. After a stall, it reads a request late, and the client's resend (sent a
    full gap after the request, but timed out during the stall) right behind it. The client
    kept the floor if its own last two sends before ``at`` were at least ``floor`` apart.
    """
    index = bisect_right(sent, at)
    return index >= 2 and sent[index - 1] - sent[index - 2] >= floor


def _safety(
    config: SoakConfig,
    sim: Simulator,
    sends: dict[str, list[float]],
    hosts: list[str],
    spare: list[str],
) -> dict[str, Any]:
    """Device-safety violations, told apart from artifacts of event-loop stalls."""
    floor = 0.3 / config.acceleration
    recorded: Counter[str] = Counter()
    artifacts = 0
    samples = []
    for index, battery in enumerate(sim.batteries):
        sent = sorted(sends.get(hosts[index], []) + sends.get(spare[index], []))
        for violation in battery.violations:
            recorded[str(violation.kind)] += 1
            if violation.kind in ("gap", "concurrent") and stall_artifact(
                violation.time, sent, floor
            ):
                artifacts += 1
                continue
            samples.append(
                f"{battery.host} {violation.kind} {violation.method}: {violation.detail}"
            )
    client_gaps = [
        later - earlier
        for times in sends.values()
        for earlier, later in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    return {
        "safety_violations": len(samples),
        "safety_samples": samples[:20],
        "safety_recorded_by_simulator": dict(recorded),
        "safety_loop_stall_artifacts": artifacts,
        "client_sends_below_floor": sum(gap < floor for gap in client_gaps),
        "client_smallest_gap": min(client_gaps, default=None),
        "floor": floor,
    }


def _shared_socket(client: MarstekClient) -> SharedSocket:
    shared = client._socket  # the soak inspects the socket's counters
    assert shared is not None
    return shared


def _report(
    config: SoakConfig,
    sim: Simulator,
    pollers: list[Poller],
    findings: Findings,
    injector: Injector,
    drops: dict[str, int],
    real_seconds: float,
) -> dict[str, Any]:
    stats = Counter[str]()
    for poller in pollers:
        for name in ("sent", "answered", "timeouts", "resends", "errors", "dropped"):
            stats[name] += getattr(poller.client.stats, name)
    return {
        "config": asdict(config),
        "real_seconds": real_seconds,
        "simulated_hours": config.hours,
        "batteries": [poller.name for poller in pollers],
        "cycles": findings.cycles,
        "counted_cycles": findings.counted_cycles,
        "requests": dict(stats),
        "faults": dict(findings.faults),
        "ip_changes_followed": findings.ip_changes_followed,
        "hostile_datagrams": dict(injector.sent),
        "socket_drops": drops,
        "learned_unsupported": dict(findings.learned_unsupported),
        "unhandled_exceptions": len(findings.unhandled),
        "unhandled_samples": findings.unhandled[:5],
        "stale_entities": len(findings.stale_entities),
        "stale_samples": findings.stale_entities[:10],
        "unavailable_after_fault": len(findings.unavailable),
        "unavailable_samples": findings.unavailable[:10],
        "longest_stale_cycles_after_fault": findings.longest_stale_after_fault,
        "energy_decreases": len(findings.energy_decreases),
        "energy_samples": findings.energy_decreases[:5],
        "device_counter_restarts_seen": findings.counter_restarts,
        "energy_total_kwh": sum(poller.energy_kwh() for poller in pollers),
        "simulator_internal_errors": sum(b.internal_errors for b in sim.batteries),
    }


ZEROS = (
    "unhandled_exceptions",
    "stale_entities",
    "unavailable_after_fault",
    "energy_decreases",
    "safety_violations",
)


def passed(report: dict[str, Any]) -> bool:
    """The four zeros (entities: stale groups and unavailable batteries both count)."""
    return all(report[key] == 0 for key in ZEROS)


def render(report: dict[str, Any]) -> str:
    """The soak's findings as Markdown."""
    from .report import table

    config = report["config"]
    rows = [
        ["unhandled exceptions", str(report["unhandled_exceptions"]), "0"],
        [
            f"entities without data > {config['unavailable_after']} cycles after a fault cleared",
            str(report["stale_entities"]),
            "0",
        ],
        [
            f"batteries unavailable ({config['unavailable_after']} failed cycles) after a fault cleared",
            str(report["unavailable_after_fault"]),
            "0",
        ],
        ["decreases of an energy total", str(report["energy_decreases"]), "0"],
        ["device-safety violations", str(report["safety_violations"]), "0"],
    ]
    recorded = report["safety_recorded_by_simulator"]
    stalls = (
        f"{sum(recorded.values())} recorded ({', '.join(f'{k} {v}' for k, v in sorted(recorded.items()))}), "
        f"{report['safety_loop_stall_artifacts']} of them loop-stall artifacts; client sends below "
        f"the {report['floor'] * 1000:.2f} ms floor: {report['client_sends_below_floor']} "
        f"(smallest gap {report['client_smallest_gap'] * 1000:.2f} ms)"
        if report["client_smallest_gap"] is not None
        else "no requests"
    )
    requests = report["requests"]
    context = [
        [
            "simulated time",
            f"{report['simulated_hours']:g} h on {len(report['batteries'])} batteries",
        ],
        [
            "real time",
            f"{report['real_seconds']:.0f} s (time scale {config['time_scale']:g}, network x{config['acceleration']:g})",
        ],
        [
            "poll cycles (counted: no fault overlapping)",
            f"{report['cycles']} ({report['counted_cycles']})",
        ],
        [
            "requests sent / answered / timeouts / resends",
            f"{requests.get('sent', 0)} / {requests.get('answered', 0)} / {requests.get('timeouts', 0)} / {requests.get('resends', 0)}",
        ],
        ["faults injected", ", ".join(f"{k} {v}" for k, v in sorted(report["faults"].items()))],
        ["IP changes followed by discovery", str(report["ip_changes_followed"])],
        [
            "hostile datagrams sent",
            f"{sum(report['hostile_datagrams'].values())} ({', '.join(f'{k} {v}' for k, v in sorted(report['hostile_datagrams'].items()))})",
        ],
        [
            "dropped by the client's socket",
            ", ".join(f"{k} {v}" for k, v in report["socket_drops"].items()),
        ],
        ["device counter restarts absorbed", str(report["device_counter_restarts_seen"])],
        [
            "longest run of cycles without data after a fault",
            str(report["longest_stale_cycles_after_fault"]),
        ],
        ["simulator internal errors", str(report["simulator_internal_errors"])],
        ["safety rules as the simulator saw them", stalls],
        [
            "event-loop lag (p99 / max)",
            f"{report['loop_lag']['p99'] * 1000:.1f} / {report['loop_lag']['max'] * 1000:.1f} ms",
        ],
    ]
    return "\n\n".join(
        [
            table(["must be zero", "found", "target"], rows),
            table(["context", "value"], context),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (24)")
    parser.add_argument("--batteries", type=int, default=10)
    parser.add_argument("--time-scale", type=float, default=480.0, help="simulated s per real s")
    parser.add_argument("--acceleration", type=float, default=80.0, help="network speed-up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    config = SoakConfig(
        hours=args.hours,
        batteries=args.batteries,
        time_scale=args.time_scale,
        acceleration=args.acceleration,
        seed=args.seed,
    )
    print(
        f"soak: {config.hours:g} simulated hours, about {config.real(config.hours * 3600):.0f} s",
        file=sys.stderr,
    )
    report = asyncio.run(run_soak(config))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    print(render(report))
    for key in (
        "unhandled_samples",
        "stale_samples",
        "unavailable_samples",
        "energy_samples",
        "safety_samples",
    ):
        for line in report[key]:
            print(f"{key}: {line}", file=sys.stderr)
    ok = passed(report)
    print(f"\nsoak: {'PASSED' if ok else 'FAILED'}; report in {args.output}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
