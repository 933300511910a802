"""Diagnostics download: what the battery said, how we read it, and how the link behaves."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .coordinator import MarstekConfigEntry
from .fleet_diagnostics import system_diagnostics
from .following import is_followed
from .kinds import EntryKind, entry_kind
from .meter_diagnostics import meter_diagnostics

# Addresses and identities: the host and every IP, the MACs (the BLE MAC is also inside
# `src`), and the Wi-Fi network name.
TO_REDACT = {
    CONF_HOST,
    "ble_mac",
    "wifi_mac",
    "mac",
    "src",
    "ssid",
    "wifi_name",
    "ip",
    "reported_ip",
    "sta_ip",
    "sta_gate",
    "sta_mask",
    "sta_dns",
    "gateway",
    "netmask",
    "dns",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MarstekConfigEntry
) -> dict[str, Any]:
    """Return the redacted state of one battery, an emulated meter or the system."""
    kind = entry_kind(entry)
    if kind is EntryKind.METER:
        return async_redact_data(meter_diagnostics(entry), TO_REDACT)
    if kind is EntryKind.SYSTEM:
        return system_diagnostics(entry)
    coordinator = entry.runtime_data
    client, control = coordinator.client, coordinator.control
    stats = client.stats
    data = coordinator.data
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "profile": coordinator.profile.as_dict(),
            "polling": {
                "online": data.online,
                "failed_cycles": coordinator.plan.failed_cycles,
                "readable_groups": sorted(coordinator.plan.readable(coordinator.profile)),
                "wanted_groups": sorted(coordinator.wanted_groups()),
                "unsupported_groups": sorted(coordinator.plan.unsupported),
                "last_success": data.last_success,
                "fetched": {str(group): at for group, at in sorted(data.fetched.items())},
                # Polled gently while it follows an emulated meter (following.py).
                "followed_by_meter": is_followed(hass, entry.entry_id),
            },
            "decoded": {
                name: asdict(value) if value is not None else None
                for name, value in (
                    ("device", data.device),
                    ("es", data.es),
                    ("mode", data.mode),
                    ("meter", data.meter),
                    ("battery", data.battery),
                    ("pv", data.pv),
                    ("wifi", data.wifi),
                    ("ble", data.ble),
                )
            },
            "raw": {method: dict(result) for method, result in sorted(client.last_raw.items())},
            "statistics": {**asdict(stats), "average_latency": stats.average_latency},
            "control": {
                # What the integration wrote (the battery cannot report it back).
                "stored": control.settings.as_dict(),
                "power_limit": asdict(control.power_limit),  # W, charge and discharge
                "passive_keep_alive": control.passive.keep_alive,
                "passive_ends_at": control.passive.ends_at,
                "passive_keep_alive_at": control.passive.keep_alive_at,
                "passive_last_ac_power": control.passive.last_ac_power,
            },
        },
        TO_REDACT,
    )
