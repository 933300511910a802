"""Which battery a config entry is: the socket, its GetDevice answer and its firmware profile.

The entry's unique id is the battery's BLE MAC. DHCP can give our address to another battery
(two batteries swapped addresses, say): its answers are refused rather than shown as ours.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import UpdateFailed

from . import issues
from .const import DOMAIN, LOGGER
from .pymarstek_venus import (
    DeviceInfo,
    FirmwareProfile,
    MarstekClient,
    MarstekError,
    MarstekPortInUseError,
)


def communication_failed(error: object) -> UpdateFailed:
    """The battery could not be read (during set-up: ConfigEntryNotReady, retried)."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="communication_error",
        translation_placeholders={"error": str(error)},
    )


class BatteryIdentity:
    """The battery behind one entry, as its latest GetDevice answer describes it."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any], client: MarstekClient) -> None:
        """Unknown until ``async_connect``."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self.device: DeviceInfo | None = None
        self.profile: FirmwareProfile | None = None

    async def async_connect(self) -> None:
        """Open the socket and identify the battery; UpdateFailed when that is not possible."""
        hass, entry, client = self._hass, self._entry, self._client
        try:
            await client.connect()
            issues.async_delete(hass, entry, issues.PORT_IN_USE)
            device = await client.get_device()
        except MarstekPortInUseError as err:
            issues.async_port_in_use(hass, entry, err.port)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="port_in_use",
                translation_placeholders={"port": str(err.port)},
            ) from err
        except MarstekError as err:
            raise communication_failed(err) from err
        if not self.is_ours(device):
            # A different battery now answers at our IP address (DHCP shuffle).
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wrong_device",
                translation_placeholders={"host": device.host},
            )
        self.accept(device)

    def is_ours(self, device: DeviceInfo) -> bool:
        """Whether a GetDevice answer comes from the entry's battery."""
        expected = self._entry.unique_id
        return expected is None or device.ble_mac == expected

    def accept(self, device: DeviceInfo) -> None:
        """Take a GetDevice answer; keep the device registry's firmware current."""
        previous, self.device = self.device, device
        assert self._client.profile is not None  # get_device always selects a profile
        self.profile = self._client.profile
        if previous is not None and (previous.firmware, previous.model) != (
            device.firmware,
            device.model,
        ):
            LOGGER.info(
                "Marstek battery at %s now reports %s firmware %s",
                device.host,
                device.model,
                device.firmware,
            )
            registry = dr.async_get(self._hass)
            for found in dr.async_entries_for_config_entry(registry, self._entry.entry_id):
                registry.async_update_device(
                    found.id, sw_version=str(device.firmware), model_id=device.model
                )

    def accept_if_ours(self, device: DeviceInfo) -> bool:
        """Take a GetDevice answer read while polling; False (and a warning) if not ours."""
        if not self.is_ours(device):
            LOGGER.warning(
                "%s now answers as another battery; ignoring its data", self._client.host
            )
            return False
        self.accept(device)
        return True
