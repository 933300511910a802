"""Fleet soak: simulated hours of a system of batteries, with members dropping out and back.

The batteries are polled as in the soak (soak_poller.py: the coordinator's tiers, the
integration's own ``EnergyTotal`` per battery), on the same virtual clock and over real UDP
on loopback, with the soak's fault plan (silences, reboots with counter resets, loss,
contention, duplicates, DHCP changes followed by discovery scans). On top, the system is
observed every poll interval with the code Home Assistant runs (fleet_totals.py):

* each battery's total counts only while it is shown as available (three failed cycles make
  it unavailable, as in the coordinator), so a member's share stands still while it is away;
* one member leaves the system and rejoins later, one member's entry is re-created (its
  own totals start again from the device's counters), and Home Assistant restarts every few
  hours (the fleet totals go through the JSON they are stored as);

and it reports what must be zero (decreases of any fleet total, device-safety violations,
unhandled exceptions) and how far the fleet SOC was from the capacity-weighted truth (the
simulated cells' energy, in percentage points; at most 1).
``python -m benchmarks soak-fleet --hours 24``; a short run is in tests/benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

from custom_components.marstek_venus.const import Group
from custom_components.marstek_venus.energy import EnergyTotal
from custom_components.marstek_venus.fleet_totals import FleetTotal, fleet_charge

from . import virtual_time
from .faultplan import plan_faults
from .harness import ROOT
from .soak_bench import bench, parse_args, wind_down, write_report
from .soak_faults import FaultDriver
from .soak_model import Findings, SoakConfig
from .soak_poller import _ENERGY, Poller, discovery_scans
from .soak_report import safety

ADDRESS_BASE = 81  # 127.81.x.y: apart from the soak's batteries
# Models of different capacities (2.08 to 5.12 kWh), so that the weighting matters.
PROFILES = ("venus_e3_150", "venus_a_149", "venus_e2_154", "venus_d_150", "venus_c_153")
RESTART_EVERY = 6 * 3600.0  # s between simulated Home Assistant restarts
SOC_TOLERANCE = 1.0  # percentage points
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "soak_fleet.json"


class FleetPoller(Poller):
    """A poller that also keeps what the fleet reads: availability, SOC and capacity."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.online = True
        self.misses = 0
        self.went_offline = 0
        self.soc: float | None = None
        self.capacity: float | None = None

    def _feed_energy(self, findings: Findings, fetched: dict[Group, Any]) -> None:
        super()._feed_energy(findings, fetched)
        self.misses = 0 if fetched else self.misses + 1
        online = self.misses < self.config.unavailable_after
        self.went_offline += self.online and not online
        self.online = online
        # As MarstekData does: SOC from ES, else the mode, else the battery; capacity from
        # the battery, else ES.
        es, mode, bat = (fetched.get(g) for g in (Group.ES, Group.MODE, Group.BATTERY))
        socs = [s.soc for s in (es, mode, bat) if s is not None and s.soc is not None]
        if socs:
            self.soc = socs[0]
        if bat is not None and bat.rated_energy is not None:
            self.capacity = bat.rated_energy
        elif es is not None and es.capacity is not None:
            self.capacity = es.capacity

    def own_total(self, name: str) -> float | None:
        """What the battery's energy sensor shows: its total, or unavailable (None)."""
        return self._totals[name].total if self.online else None

    def recreate_entry(self) -> None:
        """The user deleted and re-added the battery: its own totals start afresh."""
        self._totals = {
            name: EnergyTotal(f"{self.battery.ble_mac} {name}", power)
            for name, _, power, _ in _ENERGY
        }

    def true_charge(self) -> tuple[float, float]:
        """The simulated cells: SOC in % (not rounded) and the rated capacity in Wh."""
        physics = self.battery.physics
        physics.advance()
        rated = self.battery.profile.rated_capacity
        return 100.0 * physics.remaining / rated, rated


class FleetObserver:
    """The system as Home Assistant runs it, checked every poll interval."""

    def __init__(self, config: SoakConfig, pollers: list[FleetPoller]) -> None:
        self.config = config
        self.pollers = pollers
        self.totals = {name: FleetTotal() for name, *_ in _ENERGY}
        self.decreases: list[str] = []
        self.errors: list[float] = []
        self.events: list[str] = []
        self.members = set(range(len(pollers)))

    def _plan(self) -> list[tuple[float, str, int]]:
        """Membership and entry events at fixed shares of the run."""
        duration, last = self.config.duration, len(self.pollers) - 1
        plan = [(0.2 * duration, "leave", last), (0.45 * duration, "rejoin", last)]
        plan.append((0.55 * duration, "recreate", min(1, last)))
        restarts = int(duration // RESTART_EVERY)
        plan += [(RESTART_EVERY * (n + 1), "restart", -1) for n in range(restarts)]
        return sorted(plan)

    async def run(self, origin: float, until: float) -> None:
        clock = self.pollers[0].sim.clock
        plan = self._plan()
        while clock.monotonic() < until:
            await asyncio.sleep(self.config.scan_interval)
            now = clock.monotonic() - origin
            while plan and plan[0][0] <= now:
                _, kind, index = plan.pop(0)
                self._apply(kind, index)
            self.observe(now)

    def _apply(self, kind: str, index: int) -> None:
        self.events.append(kind)
        if kind == "leave":
            self.members.discard(index)
        elif kind == "rejoin":
            self.members.add(index)
        elif kind == "recreate":
            self.pollers[index].recreate_entry()
        else:  # restart: the totals come back from what Home Assistant stored
            self.totals = {
                name: FleetTotal.from_dict(json.loads(json.dumps(total.as_dict())))
                for name, total in self.totals.items()
            }

    def observe(self, now: float) -> None:
        members = [p for i, p in enumerate(self.pollers) if i in self.members]
        for name, total in self.totals.items():
            before = total.total
            after = total.update({p.battery.ble_mac: p.own_total(name) for p in members})
            if before is not None and (after is None or after < before):
                self.decreases.append(f"{name} at {now:.0f} s: {before:.4f} -> {after}")
        online = [p for p in members if p.online]
        shown = fleet_charge((p.soc, p.capacity) for p in online).soc
        truth = fleet_charge(p.true_charge() for p in online).soc
        if shown is not None and truth is not None:
            self.errors.append(abs(shown - truth))


async def run_fleet(config: SoakConfig) -> dict[str, Any]:
    """The fleet soak; needs a virtual-time loop (``run``)."""
    findings = Findings()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda _, context: findings.unhandled.append(str(context.get("message")))
    )
    setup = bench(
        config,
        loop,
        address_base=ADDRESS_BASE,
        profiles=PROFILES,
        mac_label="fleet",
        extra=lambda index: {"soc": random.Random(config.seed * 100 + index).uniform(15, 95)},
    )
    sim, hosts, spare, port = setup.sim, setup.hosts, setup.spare, setup.port
    pollers = [FleetPoller(config, sim, battery, port) for battery in sim.batteries]
    polled: list[Poller] = list(pollers)
    driver = FaultDriver(config, polled, spare)
    observer = FleetObserver(config, pollers)
    tasks: list[asyncio.Task[None]] = []
    real_start = time.monotonic()
    async with sim:
        try:
            await asyncio.gather(*(poller.start() for poller in pollers))
            for poller in pollers:
                poller.battery.faults = driver.background()
                poller.battery.clear_records()  # as the soak: judged from here on
            origin = sim.clock.monotonic()
            until = origin + config.duration
            events = plan_faults(config.hours, config.batteries, config.seed)
            tasks = [
                asyncio.create_task(driver.run(events, origin, findings)),
                asyncio.create_task(discovery_scans(config, polled, port, hosts + spare, findings)),
                asyncio.create_task(observer.run(origin, until)),
            ]
            await asyncio.gather(*(poller.run(until, findings) for poller in pollers))
        finally:
            await wind_down(tasks, pollers)
    return report(config, observer, findings, time.monotonic() - real_start) | safety(
        config, sim.batteries, setup.gaps
    )


def report(
    config: SoakConfig, observer: FleetObserver, findings: Findings, real_seconds: float
) -> dict[str, Any]:
    errors = observer.errors
    return {
        "hours": config.hours,
        "batteries": config.batteries,
        "seed": config.seed,
        "real_seconds": round(real_seconds, 1),
        "fleet_total_decreases": len(observer.decreases),
        "decrease_samples": observer.decreases[:20],
        "unhandled_exceptions": len(findings.unhandled),
        "unhandled_samples": findings.unhandled[:5],
        "soc_samples": len(errors),
        "soc_max_error": round(max(errors, default=0.0), 3),
        "soc_mean_error": round(sum(errors) / len(errors), 3) if errors else None,
        "members_went_offline": sum(p.went_offline for p in observer.pollers),
        "faults": dict(findings.faults),
        "counter_restarts": findings.counter_restarts,
        "events": observer.events,
        "fleet_totals_kwh": {
            name: round(total.total or 0.0, 3) for name, total in observer.totals.items()
        },
    }


def passed(result: dict[str, Any]) -> bool:
    return bool(
        result["fleet_total_decreases"] == 0
        and result["safety_violations"] == 0
        and result["unhandled_exceptions"] == 0
        and result["soc_samples"] > 0
        and result["soc_max_error"] <= SOC_TOLERANCE
    )


def main(argv: list[str] | None = None) -> int:
    config, output = parse_args(argv, __doc__.splitlines()[0], 5, DEFAULT_OUTPUT)
    random.seed(config.seed)  # the client's backoff draws from it: a run repeats
    result = virtual_time.run(run_fleet(config), virtual_time.VirtualClock(start=0.0))
    write_report(output, result)
    shown = {k: v for k, v in result.items() if not k.endswith("samples") or not v}
    print(json.dumps(shown, indent=1))
    ok = passed(result)
    print(f"\nsoak-fleet: {'PASSED' if ok else 'FAILED'}; report in {output}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
