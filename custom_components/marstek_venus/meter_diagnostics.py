"""The diagnostics of an emulated meter entry: per sender what was answered, and the sources."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry

from .meter_runtime import MeterRuntime


def meter_diagnostics(entry: ConfigEntry[Any]) -> dict[str, Any]:
    """Per sender: served, silent, refused by reason, last request age, last value, and the
    output the shares estimate for a battery (none while it follows alone)."""
    runtime: MeterRuntime = entry.runtime_data
    now = runtime.clock()
    reading, values = runtime.grid()
    names = {b.address: b for b in runtime.batteries() if b.address is not None}
    senders = []
    for address, stats in sorted(runtime.server.senders.items()):
        battery = names.get(address)
        last = stats.last_reading
        senders.append(
            {
                "ip": address,
                "battery": battery.title if battery else None,
                "served_battery": battery is not None
                and battery.entry_id in runtime.config.batteries,
                "served": stats.served,
                "silent": stats.silent,
                "refused": {str(reason): n for reason, n in sorted(stats.refused.items())},
                "last_request_age": None
                if stats.last_request is None
                else round(now - stats.last_request, 1),
                "last_value": None if last is None else list(last.phases),
                "estimated_output": runtime.fleet.estimate(address),
            }
        )
    return {
        "model": runtime.config.model.key,
        "listen": {"host": runtime.config.host, "ports": list(runtime.server.ports)},
        "options": dict(runtime.entry.options),
        "grid": None if reading is None else list(reading.phases),
        "sources": {
            entity_id: {
                "watts": value.watts,
                "problem": None if value.problem is None else str(value.problem),
                "age": None if value.age is None else round(value.age, 1),
            }
            for entity_id, value in values.items()
        },
        "senders": senders,
        "untracked": runtime.server.untracked,
        "following": sorted(b.title for b in runtime.served() if runtime.follows(b)),
    }
