"""Background discovery of Marstek batteries (the wiz pattern).

A scan is one paced ``Marstek.GetDevice`` broadcast per UDP port on every broadcast address
Home Assistant's network integration knows, on the default port and on every port a
configured battery uses. Each battery found becomes an ``integration_discovery`` flow: a new
one is offered to the user, a known one at a new IP gets its entry updated.
"""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.components import network
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow

from .const import DEFAULT_PORT, DISCOVERY_TIMEOUT, DOMAIN
from .protocol.discovery import discover
from .protocol.errors import MarstekError
from .protocol.models import DeviceInfo

CONF_BLE_MAC = "ble_mac"
CONF_MODEL = "model"
CONF_FIRMWARE = "firmware"


async def async_discover_devices(
    hass: HomeAssistant, timeout: float = DISCOVERY_TIMEOUT
) -> list[DeviceInfo]:
    """Scan the network; an unusable port or socket only means nothing was found."""
    ports = {DEFAULT_PORT} | {
        entry.data.get(CONF_PORT, DEFAULT_PORT)
        for entry in hass.config_entries.async_entries(DOMAIN)
    }
    targets = [str(address) for address in await network.async_get_ipv4_broadcast_addresses(hass)]
    try:
        return await discover(sorted(ports), targets=targets, timeout=timeout)
    except MarstekError:
        return []


@callback
def async_trigger_discovery(hass: HomeAssistant, devices: Iterable[DeviceInfo]) -> None:
    """Start (or update) an integration_discovery flow for every battery found."""
    for device in devices:
        discovery_flow.async_create_flow(
            hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={
                CONF_HOST: device.host,
                CONF_PORT: device.port,
                CONF_BLE_MAC: device.ble_mac,
                CONF_MODEL: device.model,
                CONF_FIRMWARE: device.firmware,
            },
        )
