"""Entities of an emulated meter, on the meter's own device.

* "Grid power answered": the grid power the meter answers now (W, + import); unknown while
  it is silent (source unavailable or stale).
* Per served battery, "<battery> follows the meter" (it polled within the last few seconds)
  and "<battery> share" (the value last answered to it, W).

They are refreshed by the runtime every few seconds, not per poll: a battery polls about
once a second, and a state per poll would load the recorder for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import DOMAIN
from .meter_config import MeterConfig

MANUFACTURER: Final = "Marstek Venus integration"


class MeterState(Protocol):
    """What the entities read from the running meter (meter_runtime.py)."""

    hass: HomeAssistant
    entry: ConfigEntry[Any]
    config: MeterConfig

    def answered_total(self) -> float | None:
        """W answered now (+ import); None while silent."""

    def share_total(self, battery_id: str) -> float | None:
        """W last answered to the battery of that entry; None if never."""

    def follows_battery(self, battery_id: str) -> bool:
        """Whether the battery of that entry polled within the follow window."""


# Readers get the meter and the served battery's entry id (None for the meter's own values).
type MeterValue[T] = Callable[[MeterState, str | None], T | None]


def _grid(meter: MeterState, _: str | None) -> float | None:
    total = meter.answered_total()
    return None if total is None else round(total, 1)


def _share(meter: MeterState, battery_id: str | None) -> float | None:
    total = meter.share_total(battery_id) if battery_id is not None else None
    return None if total is None else round(total, 1)


def _follows(meter: MeterState, battery_id: str | None) -> bool | None:
    return battery_id is not None and meter.follows_battery(battery_id)


@dataclass(frozen=True, kw_only=True)
class MeterSensorDescription(SensorEntityDescription):
    """A sensor of the meter: its value from the runtime."""

    value_fn: MeterValue[float]


@dataclass(frozen=True, kw_only=True)
class MeterBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of the meter: its state from the runtime."""

    is_on_fn: MeterValue[bool]


def _power(key: str, value_fn: MeterValue[float]) -> MeterSensorDescription:
    return MeterSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=value_fn,
    )


GRID_SENSOR: Final = _power("grid_power_answered", _grid)
SHARE_SENSOR: Final = _power("battery_share", _share)
FOLLOWS_SENSOR: Final = MeterBinarySensorDescription(
    key="battery_follows", translation_key="battery_follows", is_on_fn=_follows
)


class MeterEntity(Entity):
    """An entity on the emulated meter's device; a battery's when ``battery_id`` is set."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        runtime: MeterState,
        description: EntityDescription,
        battery_id: str | None = None,
        battery_name: str | None = None,
    ) -> None:
        """Set the unique id, the device, and the battery's name for the entity name."""
        self.runtime, self.battery_id = runtime, battery_id
        self.entity_description = description
        entry, model = runtime.entry, runtime.config.model
        # The entry id, not the model: the options flow may change the model.
        meter_id = entry.entry_id
        parts = (meter_id, battery_id, description.key)
        self._attr_unique_id = "_".join(part for part in parts if part)
        if battery_name is not None:
            self._attr_translation_placeholders = {"battery": battery_name}
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, meter_id)},
            manufacturer=MANUFACTURER,
            model=model.name,
            name=entry.title,
        )
        self._shown: Any = None
        self.added = False  # refreshed by the runtime only while in Home Assistant

    def current(self) -> Any:
        """The entity's value now, from the runtime."""
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Take the current value before the first state is written."""
        self._take(self.current())
        self.added = True

    async def async_will_remove_from_hass(self) -> None:
        """No more refreshes."""
        self.added = False

    @callback
    def async_refresh_state(self) -> None:
        """Write a new state only when the value changed (called every few seconds)."""
        value = self.current()
        if value != self._shown:
            self._take(value)
            self.async_write_ha_state()

    def _take(self, value: Any) -> None:
        self._shown = value


class MeterSensor(MeterEntity, SensorEntity):
    """A power the meter answers."""

    entity_description: MeterSensorDescription

    def current(self) -> float | None:
        """The value from the runtime."""
        return self.entity_description.value_fn(self.runtime, self.battery_id)

    def _take(self, value: Any) -> None:
        self._shown = self._attr_native_value = value


class MeterBinarySensor(MeterEntity, BinarySensorEntity):
    """Whether a battery follows the meter."""

    entity_description: MeterBinarySensorDescription

    def current(self) -> bool | None:
        """The state from the runtime."""
        return self.entity_description.is_on_fn(self.runtime, self.battery_id)

    def _take(self, value: Any) -> None:
        self._shown = self._attr_is_on = value


def build_entities(runtime: MeterState) -> dict[Platform, list[MeterEntity]]:
    """The meter's entities: its answer, and per served battery whether it follows and its share.

    A battery is named as its entry is titled now; a battery entry that is gone keeps its
    entities until the meter's batteries are edited (which reloads the meter).
    """
    sensors: list[MeterEntity] = [MeterSensor(runtime, GRID_SENSOR)]
    binary_sensors: list[MeterEntity] = []
    for battery_id in runtime.config.batteries:
        entry = runtime.hass.config_entries.async_get_entry(battery_id)
        name = entry.title if entry is not None else battery_id
        binary_sensors.append(MeterBinarySensor(runtime, FOLLOWS_SENSOR, battery_id, name))
        sensors.append(MeterSensor(runtime, SHARE_SENSOR, battery_id, name))
    return {Platform.SENSOR: sensors, Platform.BINARY_SENSOR: binary_sensors}
