"""What a soak found, as a report (JSON-ready) and as Markdown, and whether it passed.

Device safety is judged on the batteries' side, per client IP address, as a real battery
would: the simulator's violations (requests closer than the device's 0.3 s, a request while
a reply is pending, bad ids, empty or malformed datagrams), and the smallest gap between two
requests that reached one battery from one address, which must not be below the configured
request gap, discovery probes included.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from dataclasses import asdict
from typing import Any

from simulator import RequestRecord, SimulatedBattery

from .report import MISSING, table
from .soak_model import Findings, SoakConfig
from .soak_poller import Poller

# Float rounding of the loop's clock (about 1e-12 s at a day's worth of seconds).
EPSILON = 1e-9
ZEROS = (
    "unhandled_exceptions",
    "scan_errors",
    "stale_entities",
    "unavailable_after_fault",
    "energy_decreases",
    "safety_violations",
)
SAMPLES = (
    "unhandled_samples",
    "scan_error_samples",
    "stale_samples",
    "unavailable_samples",
    "energy_samples",
    "safety_samples",
)


class GapWatch:
    """The closest two requests from one client IP came to each battery.

    Timed on the event loop's clock when the battery reads the datagram. On the soak's
    virtual clock that is the moment it was sent: no virtual time passes between a send and
    the read (benchmarks/virtual_time.py).
    """

    def __init__(self) -> None:
        self.smallest: dict[str, float] = {}
        self.requests: Counter[str] = Counter()
        self._last: dict[tuple[str, str], float] = {}

    def attach(self, battery: SimulatedBattery) -> None:
        def seen(record: RequestRecord) -> None:
            self.seen(battery.ble_mac, record.source[0], asyncio.get_running_loop().time())

        battery.on_request = seen

    def seen(self, battery: str, client: str, now: float) -> None:
        self.requests[battery] += 1
        last = self._last.get((battery, client))
        if last is not None:
            self.smallest[battery] = min(self.smallest.get(battery, math.inf), now - last)
        self._last[(battery, client)] = now

    @property
    def overall(self) -> float | None:
        return min(self.smallest.values(), default=None)


def safety(config: SoakConfig, batteries: list[SimulatedBattery], gaps: GapWatch) -> dict[str, Any]:
    """Device-safety violations the simulated batteries recorded, and the gaps they saw."""
    recorded: Counter[str] = Counter()
    samples = []
    for battery in batteries:
        for violation in battery.violations:
            recorded[str(violation.kind)] += 1
            samples.append(
                f"{battery.host} {violation.kind} {violation.method}: {violation.detail}"
            )
    names = {battery.ble_mac: f"{battery.profile.key}@{battery.host}" for battery in batteries}
    return {
        "safety_violations": len(samples),
        "safety_samples": samples[:20],
        "safety_by_kind": dict(recorded),
        "request_gap": config.request_gap,
        "smallest_gap": gaps.overall,
        "smallest_gap_by_battery": {names[mac]: gap for mac, gap in gaps.smallest.items()},
        "requests_per_battery": {names[mac]: n for mac, n in gaps.requests.items()},
    }


def report(
    config: SoakConfig,
    pollers: list[Poller],
    findings: Findings,
    hostile: dict[str, int],
    drops: dict[str, int],
    real_seconds: float,
) -> dict[str, Any]:
    """Everything but the safety part (see :func:`safety`)."""
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
        "scans": findings.scans,
        "scan_found": findings.scan_found,
        "scan_errors": len(findings.scan_errors),
        "scan_error_samples": findings.scan_errors[:3],
        "hostile_datagrams": hostile,
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
        "simulator_internal_errors": sum(poller.battery.internal_errors for poller in pollers),
    }


def gap_kept(report: dict[str, Any]) -> bool:
    """No battery got two requests from one address closer than the configured gap."""
    smallest = report["smallest_gap"]
    return smallest is None or smallest >= report["request_gap"] - EPSILON


def passed(report: dict[str, Any]) -> bool:
    """The zeros, and the gap kept."""
    return all(report[key] == 0 for key in ZEROS) and gap_kept(report)


def _listing(values: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(values.items())) or "none"


def _ms(value: float | None) -> str:
    return MISSING if value is None else f"{value * 1000:.0f} ms"


def render(report: dict[str, Any]) -> str:
    """The soak's findings as Markdown."""
    config = report["config"]
    after = config["unavailable_after"]
    rows = [
        ["unhandled exceptions (polls and scans)", report["unhandled_exceptions"]],
        ["failed discovery scans", report["scan_errors"]],
        [f"entities without data > {after} cycles after a fault cleared", report["stale_entities"]],
        [f"batteries unavailable ({after} failed cycles) after a fault", report["unavailable_after_fault"]],
        ["decreases of an energy total", report["energy_decreases"]],
        ["device-safety violations (as the batteries saw them)", report["safety_violations"]],
    ]  # fmt: skip
    must = [[name, str(value), "0"] for name, value in rows]
    must.append(
        [
            "smallest gap between two requests to one battery",
            _ms(report["smallest_gap"]),
            f">= {_ms(report['request_gap'])}",
        ]
    )
    requests = report["requests"]
    found = report["scan_found"]
    context = [
        ["simulated time", f"{report['simulated_hours']:g} h on {len(report['batteries'])} batteries"],
        ["real time", f"{report['real_seconds']:.1f} s (virtual clock)"],
        ["poll cycles (counted: no fault overlapping)", f"{report['cycles']} ({report['counted_cycles']})"],
        [
            "requests sent / answered / timeouts / resends",
            " / ".join(str(requests.get(k, 0)) for k in ("sent", "answered", "timeouts", "resends")),
        ],
        ["discovery scans while polling (batteries found)", f"{report['scans']} ({min(found, default=0)}-{max(found, default=0)})"],
        ["faults injected", _listing(report["faults"])],
        ["IP changes followed by discovery", str(report["ip_changes_followed"])],
        ["hostile datagrams sent", f"{sum(report['hostile_datagrams'].values())} ({_listing(report['hostile_datagrams'])})"],
        ["dropped by the client's socket", _listing(report["socket_drops"])],
        ["device counter restarts absorbed", str(report["device_counter_restarts_seen"])],
        ["longest run of cycles without data after a fault", str(report["longest_stale_cycles_after_fault"])],
        ["safety records by kind", _listing(report["safety_by_kind"])],
        ["simulator internal errors", str(report["simulator_internal_errors"])],
    ]  # fmt: skip
    return "\n\n".join(
        [table(["must hold", "found", "target"], must), table(["context", "value"], context)]
    )
