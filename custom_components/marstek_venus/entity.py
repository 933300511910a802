"""Base entity of the Marstek Venus integration."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceInfo,
    format_mac,
)
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DEFAULT_ENABLED_PERIODS, DOMAIN, Group
from .coordinator import MarstekDataUpdateCoordinator
from .pymarstek_venus.models import Family
from .pymarstek_venus.profiles import family_from_model

MANUFACTURER = "Marstek"

# Marketing names; GetDevice reports terse strings such as "VenusE" or "VNSA-0".
_MODEL_NAMES = {
    Family.VENUS_E3: "Venus E 3.0",
    Family.VENUS_E2: "Venus E 2.0",
    Family.VENUS_C: "Venus C",
    Family.VENUS_A: "Venus A",
    Family.VENUS_D: "Venus D",
    Family.VENUS_MINI: "Venus E mini",
}


def model_name(model: str) -> str:
    """A readable model name for a GetDevice ``device`` string, else that string."""
    return _MODEL_NAMES.get(family_from_model(model), model)


def default_name(model: str, ble_mac: str) -> str:
    """The name a new battery gets unless the user picks one: "Marstek Venus E 3.0 DFA5".

    The last four hex digits of the BLE MAC (printed on the battery's label and shown in the
    Marstek app) tell two batteries of one model apart: their entry titles, device names and
    so entity ids would otherwise be the same.
    """
    return f"{MANUFACTURER} {model_name(model)} {ble_mac[-4:].upper()}"


class MarstekEntity(CoordinatorEntity[MarstekDataUpdateCoordinator]):
    """An entity of one battery; it listens for the method groups it reads."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: EntityDescription,
        groups: Iterable[Group],
    ) -> None:
        """Set the unique id and device, and subscribe with the groups this entity reads.

        The coordinator collects the groups of every subscribed (so: enabled) entity and
        does not send requests that nobody needs.
        """
        super().__init__(coordinator, context=frozenset(groups))
        self.entity_description = description
        slot: int | None = getattr(description, "slot", None)
        if slot is not None:
            # One entity per schedule period: "Period 3 start" and so on.
            self._attr_translation_placeholders = {"period": str(slot + 1)}
        device = coordinator.device
        self._attr_unique_id = f"{device.ble_mac}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device.ble_mac)},
            # The BLE MAC is the only MAC that identifies a battery (the Wi-Fi MAC that
            # GetDevice reports is the access point's on the Venus E 3.0).
            connections={(CONNECTION_NETWORK_MAC, format_mac(device.ble_mac))},
            manufacturer=MANUFACTURER,
            model=model_name(device.model),
            model_id=device.model,
            name=coordinator.config_entry.title,
            sw_version=str(device.firmware),
        )

    @property
    def available(self) -> bool:
        """Unavailable only once the coordinator gave up on the battery."""
        return super().available and self.coordinator.data.online


class MarstekStoredEntity(MarstekEntity):
    """Shows what the integration last wrote: the battery cannot report it back.

    Schedule periods, depth of discharge, panel LED and BLE advertising have no read method
    in the Open API. These entities show the stored value with ``assumed_state`` set, which
    also makes the frontend offer both "on" and "off" for switches (the battery could have
    been changed by the app without Home Assistant knowing). They read no method group.
    """

    _attr_assumed_state = True


def period_slots(coordinator: MarstekDataUpdateCoordinator) -> range:
    """The schedule slots of this model (0-based)."""
    return range(coordinator.profile.manual_slots)


def period_enabled_default(slot: int) -> bool:
    """Entities of the first few periods are enabled; the rest keep the device page tidy."""
    return slot < DEFAULT_ENABLED_PERIODS
