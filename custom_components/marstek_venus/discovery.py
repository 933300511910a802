"""Background discovery of Marstek batteries (the wiz pattern).

A scan is one paced ``Marstek.GetDevice`` broadcast per UDP port on every broadcast address
Home Assistant's network integration knows, on the default port and on every port a
configured battery uses. Each battery found becomes an ``integration_discovery`` flow: a new
one is offered to the user, a known one at a new IP gets its entry updated.

A battery that stopped answering is looked for at once by a targeted scan (recovery.py): the
same paced broadcast on its own port, the answers filtered by its BLE MAC. Batteries that go
silent together (a Wi-Fi outage, a router that renumbered the network) share one scan per port.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from homeassistant.components import network
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.device_registry import format_mac

from .const import DEFAULT_PORT, DISCOVERY_TIMEOUT, DOMAIN, LOGGER
from .pymarstek_venus import DeviceInfo, MarstekError, discover

CONF_BLE_MAC = "ble_mac"
CONF_MODEL = "model"
CONF_FIRMWARE = "firmware"

# Targeted scans in flight, by port (hass.data): a second silent battery joins the first's.
_SCANS = f"{DOMAIN}_targeted_scans"


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


def discovery_data(device: DeviceInfo) -> dict[str, Any]:
    """What an integration_discovery flow is told about a battery that answered GetDevice."""
    return {
        CONF_HOST: device.host,
        CONF_PORT: device.port,
        CONF_BLE_MAC: device.ble_mac,
        CONF_MODEL: device.model,
        CONF_FIRMWARE: device.firmware,
    }


@callback
def async_trigger_discovery(hass: HomeAssistant, devices: Iterable[DeviceInfo]) -> None:
    """Start (or update) an integration_discovery flow for every battery found."""
    for device in devices:
        discovery_flow.async_create_flow(
            hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data=discovery_data(device),
        )


async def async_find_device(
    hass: HomeAssistant, ble_mac: str, port: int, timeout: float = DISCOVERY_TIMEOUT
) -> DeviceInfo | None:
    """Scan ``port`` for the battery with ``ble_mac``; None if it did not answer.

    A scan already running on the port is joined rather than repeated. Other batteries that
    answer are left to their own recovery and to the background scan.
    """
    scans: dict[int, asyncio.Task[list[DeviceInfo]]] = hass.data.setdefault(_SCANS, {})
    scan = scans.get(port)
    if scan is None or scan.done():
        scan = hass.async_create_background_task(
            _async_scan_port(hass, port, timeout), f"{DOMAIN} targeted scan of port {port}"
        )
        scans[port] = scan
    # Shielded: one waiting entry that unloads must not end the scan another one waits for.
    devices = await asyncio.shield(scan)
    return next((device for device in devices if device.ble_mac == ble_mac), None)


async def _async_scan_port(hass: HomeAssistant, port: int, timeout: float) -> list[DeviceInfo]:
    targets = [str(address) for address in await network.async_get_ipv4_broadcast_addresses(hass)]
    try:
        return await discover([port], targets=targets, timeout=timeout)
    except MarstekError as err:
        LOGGER.debug("Targeted scan of port %s failed: %s", port, err)
        return []


def log_moved(ble_mac: str, old_host: str, new_host: str) -> None:
    """Say, once, that a battery now answers at another address."""
    LOGGER.info("Marstek battery %s moved from %s to %s", format_mac(ble_mac), old_host, new_host)
