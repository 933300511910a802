"""The Marstek Venus integration: local Open API (JSON over UDP) home batteries."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_HOST, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from . import issues
from .const import DISCOVERY_INTERVAL, DOMAIN
from .coordinator import MarstekConfigEntry, MarstekDataUpdateCoordinator
from .discovery import async_discover_devices, async_trigger_discovery
from .fleet_setup import SYSTEM_SETUP, async_offer_system
from .hostname import HostNotFoundError, async_resolve_host
from .kinds import EntryKind, KindSetup, entry_kind
from .meter_setup import METER_SETUP
from .pymarstek_venus import MarstekInvalidHostError
from .services import async_setup_services
from .store import MarstekStore

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]

# The other kinds of entry (kinds.py): each brings its own set-up.
KINDS: dict[EntryKind, KindSetup] = {
    EntryKind.METER: METER_SETUP,
    EntryKind.SYSTEM: SYSTEM_SETUP,
}

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions; scan for batteries at start-up and every 15 minutes."""
    async_setup_services(hass)

    async def _async_discovery(*_: Any) -> None:
        async_trigger_discovery(hass, await async_discover_devices(hass))

    hass.async_create_background_task(_async_discovery(), f"{DOMAIN} discovery")
    async_track_time_interval(hass, _async_discovery, DISCOVERY_INTERVAL, cancel_on_shutdown=True)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MarstekConfigEntry) -> bool:
    """Identify the battery, read it once, then set up the platforms."""
    if (kind := KINDS.get(entry_kind(entry))) is not None:
        return await kind.setup(hass, entry)
    host = str(entry.data[CONF_HOST])
    try:
        # A host name is resolved here and again whenever the battery goes silent.
        coordinator = MarstekDataUpdateCoordinator(hass, entry, await async_resolve_host(host))
    except HostNotFoundError as err:
        # DNS may be down or slow to learn the name: retry rather than give up.
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_resolve",
            translation_placeholders={"host": host},
        ) from err
    except MarstekInvalidHostError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_host",
            translation_placeholders={"host": str(entry.data.get("host"))},
        ) from err
    # On failure the coordinator's unload hook (registered in its constructor) closes the
    # socket again, so a retrying entry does not keep the port.
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    coordinator.control.async_resume()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await async_offer_system(hass)  # a second battery: offer them as one system
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MarstekConfigEntry) -> bool:
    """Unload the platforms and leave the shared UDP socket."""
    if (kind := KINDS.get(entry_kind(entry))) is not None:
        if not await hass.config_entries.async_unload_platforms(entry, kind.platforms):
            return False
        return await kind.unload(hass, entry)
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.client.close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: MarstekConfigEntry) -> None:
    """Forget what the integration wrote to this battery, and its repair issues."""
    if (kind := KINDS.get(entry_kind(entry))) is not None:
        if kind.remove is not None:
            await kind.remove(hass, entry)
        return
    await MarstekStore(hass, entry.entry_id).async_remove()
    issues.async_delete_all(hass, entry)
