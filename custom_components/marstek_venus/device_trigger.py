"""Device triggers of a battery: things the integration notices between two polls.

* ``mode_changed_outside``: the battery reports another operating mode, and Home Assistant
  did not set it (the app, the battery's own logic, a reset). Trigger variables
  ``trigger.event.data.mode`` and ``.previous_mode`` hold the firmware's mode names.
* ``ct_disconnected``: the CT meter went from connected to disconnected.
* ``api_stopped``: the battery stopped answering the Open API (the moment its entities go
  unavailable).
* ``passive_countdown_ended``: the passive countdown Home Assistant started ran out, so the
  battery now holds 0 W while still reporting Passive (not with the keep-alive option, which
  renews the countdown before it ends).

They are fired by the coordinator as ``marstek_venus_event`` bus events with the device id
and the type; the triggers listen for those.
"""

from __future__ import annotations

import voluptuous as vol
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, EVENT_MARSTEK, Trigger
from .fleet_triggers import FLEET_TRIGGER_TYPES
from .kinds import EntryKind, entry_kind

TRIGGER_TYPES = [str(trigger) for trigger in Trigger]
TRIGGER_TYPES_BY_KIND = {
    EntryKind.BATTERY: TRIGGER_TYPES,
    EntryKind.SYSTEM: FLEET_TRIGGER_TYPES,
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In([*TRIGGER_TYPES, *FLEET_TRIGGER_TYPES])}
)


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """Every battery offers every trigger (a battery without CT simply never fires that one)."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None or not any(domain == DOMAIN for domain, _ in device.identifiers):
        return []
    # The device's entry says what it is: a battery, the system (fleet_triggers.py) or an
    # emulated meter (no triggers). Looked up from the entries' side: a device's own list of
    # entries is deprecated from 2026.8 (one entry per device).
    registry = dr.async_get(hass)
    kind = next(
        (
            entry_kind(entry)
            for entry in hass.config_entries.async_entries(DOMAIN)
            if any(
                d.id == device_id
                for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
            )
        ),
        EntryKind.METER,
    )
    types = TRIGGER_TYPES_BY_KIND.get(kind, [])
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: trigger_type,
        }
        for trigger_type in types
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the coordinator's event of this device and type."""
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_MARSTEK,
            CONF_EVENT_DATA: {
                CONF_DEVICE_ID: config[CONF_DEVICE_ID],
                CONF_TYPE: config[CONF_TYPE],
            },
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
