"""Diagnostics of the system entry: its members as it sees them, and each total's shares."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState

from .fleet_runtime import FleetRuntime


def system_diagnostics(entry: ConfigEntry[Any]) -> dict[str, Any]:
    """The system's options, every configured member's state, and the totals' bookkeeping.

    Members appear by entry id and title only: no addresses or MACs to redact.
    """
    runtime: FleetRuntime = entry.runtime_data
    hass = runtime.hass
    members: dict[str, Any] = {}
    for entry_id in runtime.member_ids:
        member = hass.config_entries.async_get_entry(entry_id)
        loaded = member is not None and member.state is ConfigEntryState.LOADED
        data = member.runtime_data.latest if member is not None and loaded else None
        members[entry_id] = {
            "title": runtime.member_name(entry_id),
            "state": member.state.value if member is not None else None,
            "online": data.online if data is not None else None,
            "mode": data.mode_option if data is not None else None,
            "soc": data.soc if data is not None else None,
            "capacity_wh": data.capacity if data is not None else None,
            "battery_power": data.battery_power if data is not None else None,
        }
    return {
        "entry": {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)},
        "members": members,
        "totals": {key: total.as_dict() for key, total in sorted(runtime.totals.items())},
    }
