"""Binary sensors of a Marstek Venus battery, and whether schedule edits are pending."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import Group
from .coordinator import MarstekConfigEntry
from .entity import MarstekEntity, MarstekEntityDescription, Reader, described, reads
from .kinds import kind_entities
from .pymarstek_venus import BatteryStatus

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MarstekBinarySensorEntityDescription(BinarySensorEntityDescription, MarstekEntityDescription):
    """A binary sensor: from the latest snapshot, or from the integration's own state."""

    is_on_fn: Reader[bool]


def _permit(
    key: str, read: Callable[[BatteryStatus], bool | None]
) -> MarstekBinarySensorEntityDescription:
    """A BMS permit from Bat.GetStatus."""
    return MarstekBinarySensorEntityDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        groups=(Group.BATTERY,),
        is_on_fn=lambda coordinator: (
            read(battery) if (battery := coordinator.data.battery) else None
        ),
        has_fn=reads(Group.BATTERY),
    )


BINARY_SENSORS: tuple[MarstekBinarySensorEntityDescription, ...] = (
    MarstekBinarySensorEntityDescription(
        key="ct_connected",
        translation_key="ct_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        groups=(Group.METER, Group.MODE),
        is_on_fn=lambda coordinator: (
            meter.connected if (meter := coordinator.data.grid_meter) else None
        ),
        has_fn=lambda coordinator: coordinator.has_grid_meter,
    ),
    # The BMS sends one permit byte that the firmware copies into both flags, so they usually
    # change together (marstek-open-api.md §2.4).
    _permit("charge_permitted", lambda battery: battery.charge_allowed),
    _permit("discharge_permitted", lambda battery: battery.discharge_allowed),
    MarstekBinarySensorEntityDescription(
        key="ble_connected",
        translation_key="ble_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.BLE,),
        is_on_fn=lambda coordinator: ble.connected if (ble := coordinator.data.ble) else None,
        has_fn=reads(Group.BLE),
    ),
    # On while schedule edits wait to be written: made while the battery was not in Manual, or
    # to a disabled period, or whose write failed (schedule_writer.py). Home Assistant's own
    # state, so it reads no method group.
    MarstekBinarySensorEntityDescription(
        key="schedule_pending",
        translation_key="schedule_pending",
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda coordinator: bool(coordinator.control.schedule.pending_slots()),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors this battery provides."""
    if (entities := kind_entities(entry, Platform.BINARY_SENSOR)) is not None:
        async_add_entities(entities)
        return
    async_add_entities(described(entry.runtime_data, MarstekBinarySensor, BINARY_SENSORS))


class MarstekBinarySensor(MarstekEntity, BinarySensorEntity):
    """A binary sensor whose state the description reads."""

    entity_description: MarstekBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The state now."""
        return self.entity_description.is_on_fn(self.coordinator)
