"""Binary sensors of a Marstek Venus battery, and whether schedule edits are pending."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import Group
from .coordinator import MarstekConfigEntry, MarstekData, MarstekDataUpdateCoordinator
from .entity import MarstekEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MarstekBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor fed from one snapshot; ``groups`` are the reads it needs."""

    groups: tuple[Group, ...]
    is_on_fn: Callable[[MarstekData], bool | None]
    has_fn: Callable[[MarstekDataUpdateCoordinator], bool]


BINARY_SENSORS: tuple[MarstekBinarySensorEntityDescription, ...] = (
    MarstekBinarySensorEntityDescription(
        key="ct_connected",
        translation_key="ct_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        groups=(Group.METER, Group.MODE),
        is_on_fn=lambda data: data.grid_meter.connected if data.grid_meter else None,
        has_fn=lambda coordinator: coordinator.has_grid_meter,
    ),
    # The BMS sends one permit byte that the firmware copies into both flags, so they usually
    # change together (marstek-open-api.md §2.4).
    MarstekBinarySensorEntityDescription(
        key="charge_permitted",
        translation_key="charge_permitted",
        entity_category=EntityCategory.DIAGNOSTIC,
        groups=(Group.BATTERY,),
        is_on_fn=lambda data: data.battery.charge_allowed if data.battery else None,
        has_fn=lambda coordinator: coordinator.reads(Group.BATTERY),
    ),
    MarstekBinarySensorEntityDescription(
        key="discharge_permitted",
        translation_key="discharge_permitted",
        entity_category=EntityCategory.DIAGNOSTIC,
        groups=(Group.BATTERY,),
        is_on_fn=lambda data: data.battery.discharge_allowed if data.battery else None,
        has_fn=lambda coordinator: coordinator.reads(Group.BATTERY),
    ),
    MarstekBinarySensorEntityDescription(
        key="ble_connected",
        translation_key="ble_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.BLE,),
        is_on_fn=lambda data: data.ble.connected if data.ble else None,
        has_fn=lambda coordinator: coordinator.reads(Group.BLE),
    ),
)


# On while schedule edits wait to be written: made while the battery was not in Manual, or to a
# disabled period, or whose write failed (schedule_writer.py). Home Assistant's own state, so it
# reads no method group.
SCHEDULE_PENDING = BinarySensorEntityDescription(
    key="schedule_pending",
    translation_key="schedule_pending",
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors this battery provides."""
    coordinator = entry.runtime_data
    entities: list[BinarySensorEntity] = [
        MarstekBinarySensor(coordinator, description)
        for description in BINARY_SENSORS
        if description.has_fn(coordinator)
    ]
    entities.append(MarstekSchedulePendingSensor(coordinator, SCHEDULE_PENDING))
    async_add_entities(entities)


class MarstekBinarySensor(MarstekEntity, BinarySensorEntity):
    """A binary sensor whose state comes straight from the snapshot."""

    entity_description: MarstekBinarySensorEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekBinarySensorEntityDescription,
    ) -> None:
        """Subscribe with the groups the description reads."""
        super().__init__(coordinator, description, description.groups)

    @property
    def is_on(self) -> bool | None:
        """The state from the latest snapshot."""
        return self.entity_description.is_on_fn(self.coordinator.data)


class MarstekSchedulePendingSensor(MarstekEntity, BinarySensorEntity):
    """Whether the battery has not taken every schedule edit shown in Home Assistant yet."""

    def __init__(
        self, coordinator: MarstekDataUpdateCoordinator, description: BinarySensorEntityDescription
    ) -> None:
        """Nothing is read for it: the pending edits are the integration's own."""
        super().__init__(coordinator, description, ())

    @property
    def is_on(self) -> bool:
        """On while any period has an edit the battery has not taken."""
        return bool(self.coordinator.schedule.pending_slots())
