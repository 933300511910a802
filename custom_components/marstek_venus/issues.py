"""Repair issues of a battery: created and removed by the coordinator.

* ``port_in_use``: set-up cannot bind the battery's UDP port (another program holds it).
  Removed as soon as the port could be bound.
* ``open_api_off`` / ``api_not_answering`` (one issue id, two texts): the battery stopped
  answering after it had worked, for longer than API_ISSUE_AFTER. "open_api_off" when the
  neighbour table shows the battery still answers on the network; "api_not_answering" when that
  cannot be told. When the table shows the battery is gone from the network there is no issue:
  it is switched off or out of Wi-Fi range, which the unavailable entities already say.
  Removed when it answers again.
* ``settings_reset`` (fixable, repairs.py): after the battery could not be watched (start-up,
  or an outage) it reports a different mode than the one intended; a reset wipes mode,
  schedule and depth of discharge together. Removed when the mode matches again, when Home
  Assistant sets a mode, or by the fix flow, which writes the stored state back.

Issues of an emulated meter entry (meter_runtime.py):

* ``meter_port_in_use``: the meter cannot bind a port of its Shelly model (another emulator,
  such as an AstraMeter or uni-meter add-on, holds it). Removed once the port binds.
* ``meter_source_unavailable``: the grid power sensor is unavailable, unknown, not a power or
  older than the limit, so the meter stays silent. Removed when the sensor is fresh again.

Raising and clearing an issue are logged at INFO, once per change: the coordinator re-raises
an issue every poll while its cause lasts, which the issue registry (and the log) absorb.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER

PORT_IN_USE = "port_in_use"
API = "api"
SETTINGS_RESET = "settings_reset"
METER_PORT_IN_USE = "meter_port_in_use"
METER_SOURCE = "meter_source_unavailable"

_ERROR = ir.IssueSeverity.ERROR
_WARNING = ir.IssueSeverity.WARNING


def issue_id(kind: str, entry: ConfigEntry) -> str:
    """Issue ids are per entry: two batteries can have the same problem."""
    return f"{kind}_{entry.entry_id}"


def _active(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> ir.IssueEntry | None:
    """The entry's issue of ``kind`` if it is raised now (not one restored from storage)."""
    found = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(kind, entry))
    return found if found is not None and found.active else None


@callback
def _async_raise(
    hass: HomeAssistant,
    entry: ConfigEntry,
    kind: str,
    translation_key: str,
    severity: ir.IssueSeverity,
    placeholders: dict[str, str],
    **options: Any,
) -> None:
    """Create (or refresh) an issue naming the entry; log it when it is new or says else.

    Not fixable from Home Assistant unless ``options`` say so.
    """
    placeholders = {"name": entry.title, **placeholders}
    options.setdefault("is_fixable", False)
    before = _active(hass, entry, kind)
    if before is None or before.translation_key != translation_key:
        LOGGER.info("%s: repair issue %s raised (%s)", entry.title, translation_key, placeholders)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry),
        translation_key=translation_key,
        translation_placeholders=placeholders,
        severity=severity,
        **options,
    )


@callback
def async_port_in_use(hass: HomeAssistant, entry: ConfigEntry, port: int) -> None:
    """The local UDP port is taken by another program."""
    _async_raise(hass, entry, PORT_IN_USE, PORT_IN_USE, _ERROR, {"port": str(port)})


@callback
def async_api_silent(hass: HomeAssistant, entry: ConfigEntry, host: str, on_network: bool) -> None:
    """The battery stopped answering; ``on_network`` if it still answers ARP."""
    key = "open_api_off" if on_network else "api_not_answering"
    _async_raise(hass, entry, API, key, _WARNING, {"host": host})


@callback
def async_settings_reset(
    hass: HomeAssistant, entry: ConfigEntry, reported: str, expected: str
) -> None:
    """The battery reports another mode than intended after it could not be watched."""
    _async_raise(
        hass,
        entry,
        SETTINGS_RESET,
        SETTINGS_RESET,
        _WARNING,
        {"reported": reported, "expected": expected},
        is_fixable=True,
        is_persistent=False,
        data={"entry_id": entry.entry_id},
    )


@callback
def async_meter_port_in_use(hass: HomeAssistant, entry: ConfigEntry, port: int) -> None:
    """The emulated meter cannot listen on ``port``: another program holds it."""
    _async_raise(hass, entry, METER_PORT_IN_USE, METER_PORT_IN_USE, _ERROR, {"port": str(port)})


@callback
def async_meter_source_unavailable(
    hass: HomeAssistant, entry: ConfigEntry, entity_id: str, limit: float
) -> None:
    """The emulated meter's grid power sensor gives no usable value: the meter is silent."""
    placeholders = {"entity_id": entity_id, "limit": f"{limit:g}"}
    _async_raise(hass, entry, METER_SOURCE, METER_SOURCE, _WARNING, placeholders)


@callback
def async_delete(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> None:
    """Remove one issue of the entry (nothing happens when there is none)."""
    if (before := _active(hass, entry, kind)) is not None:
        LOGGER.info("%s: repair issue %s cleared", entry.title, before.translation_key)
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


@callback
def async_delete_all(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove every issue of an entry that is being removed."""
    for kind in (PORT_IN_USE, API, SETTINGS_RESET, METER_PORT_IN_USE, METER_SOURCE):
        async_delete(hass, entry, kind)
