"""Setting up the system entry, and offering it once there are two batteries.

The system is offered as a discovered device ("Marstek system (2 batteries)") when a second
battery entry is set up. The user confirms it, or ignores it: an ignored entry with the
system's unique id keeps it from being offered again. Deleting the system entry turns it off
too, so the deletion is remembered in Home Assistant's storage and the offer is not made
again; adding it by hand from the add menu clears that.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .fleet_control_entities import control_entities
from .fleet_runtime import SYSTEM_UNIQUE_ID, FleetConfigEntry, FleetRuntime
from .fleet_sensors import fleet_sensor_entities
from .fleet_triggers import FleetWatcher
from .kinds import CONF_KIND, EntryKind, KindSetup, battery_entries

FLEET_PLATFORMS: Final = (Platform.BUTTON, Platform.NUMBER, Platform.SELECT, Platform.SENSOR)
STORAGE_KEY: Final = f"{DOMAIN}.system"
_DECLINED: Final = "declined"


def _store(hass: HomeAssistant) -> Store[dict[str, Any]]:
    return Store(hass, 1, STORAGE_KEY)


async def async_declined(hass: HomeAssistant) -> bool:
    """Whether the user deleted the system entry (and has not added it again since)."""
    data = await _store(hass).async_load()
    return bool(data and data.get(_DECLINED))


async def async_set_declined(hass: HomeAssistant, declined: bool) -> None:
    """Remember that the user turned the system off (True) or on again (False)."""
    await _store(hass).async_save({_DECLINED: declined})


async def async_offer_system(hass: HomeAssistant) -> None:
    """Offer the system as discovered when two or more batteries are configured.

    Not when a system entry exists (an ignored one included), nor after the user deleted it.
    A second offer while one is shown is dropped by the flow (one unique id in progress).
    """
    if len(battery_entries(hass)) < 2:
        return
    entries = hass.config_entries.async_entries(DOMAIN, include_ignore=True)
    if any(entry.unique_id == SYSTEM_UNIQUE_ID for entry in entries):
        return
    if await async_declined(hass):
        return
    discovery_flow.async_create_flow(
        hass,
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={CONF_KIND: EntryKind.SYSTEM},
    )


async def _async_setup(hass: HomeAssistant, entry: FleetConfigEntry) -> bool:
    runtime = FleetRuntime(hass, entry, (fleet_sensor_entities, control_entities))
    entry.runtime_data = runtime
    runtime.async_start()
    entry.async_on_unload(runtime.async_add_listener(FleetWatcher(runtime).observe))
    await hass.config_entries.async_forward_entry_setups(entry, FLEET_PLATFORMS)
    return True


async def _async_unload(hass: HomeAssistant, entry: FleetConfigEntry) -> bool:
    entry.runtime_data.async_stop()
    return True


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """The user deleted the system: do not offer it again by itself."""
    await async_set_declined(hass, True)


SYSTEM_SETUP: Final = KindSetup(
    platforms=FLEET_PLATFORMS,
    setup=_async_setup,
    unload=_async_unload,
    remove=_async_remove,
)
