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
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

PORT_IN_USE = "port_in_use"
API = "api"
SETTINGS_RESET = "settings_reset"


def issue_id(kind: str, entry: ConfigEntry) -> str:
    """Issue ids are per entry: two batteries can have the same problem."""
    return f"{kind}_{entry.entry_id}"


@callback
def async_port_in_use(hass: HomeAssistant, entry: ConfigEntry, port: int) -> None:
    """The local UDP port is taken by another program."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(PORT_IN_USE, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=PORT_IN_USE,
        translation_placeholders={"name": entry.title, "port": str(port)},
    )


@callback
def async_api_silent(hass: HomeAssistant, entry: ConfigEntry, host: str, on_network: bool) -> None:
    """The battery stopped answering; ``on_network`` if it still answers ARP."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(API, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="open_api_off" if on_network else "api_not_answering",
        translation_placeholders={"name": entry.title, "host": host},
    )


@callback
def async_settings_reset(
    hass: HomeAssistant, entry: ConfigEntry, reported: str, expected: str
) -> None:
    """The battery reports another mode than intended after it could not be watched."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(SETTINGS_RESET, entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=SETTINGS_RESET,
        translation_placeholders={"name": entry.title, "reported": reported, "expected": expected},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_delete(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> None:
    """Remove one issue of the entry (nothing happens when there is none)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


@callback
def async_delete_all(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove every issue of an entry that is being removed."""
    for kind in (PORT_IN_USE, API, SETTINGS_RESET):
        async_delete(hass, entry, kind)
