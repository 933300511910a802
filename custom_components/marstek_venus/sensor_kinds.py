"""The sensor description, and the bundles of class, unit and category the sensor tables share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfPower
from homeassistant.helpers.typing import StateType

from .coordinator import MarstekData
from .entity import MarstekEntityDescription


@dataclass(frozen=True, kw_only=True)
class MarstekSensorEntityDescription(SensorEntityDescription, MarstekEntityDescription):
    """A sensor whose value comes straight from the latest snapshot."""

    value_fn: Callable[[MarstekData], StateType | datetime]


class Measured(TypedDict):
    """A measurement: class, unit and precision (unpacked into a description)."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    state_class: SensorStateClass
    suggested_display_precision: int


class Hidden(TypedDict):
    """A diagnostic few people need: created disabled (unpacked into a description)."""

    entity_category: EntityCategory
    entity_registry_enabled_default: bool


def measured(device_class: SensorDeviceClass, unit: str, precision: int) -> Measured:
    """A measurement in ``unit``, shown with ``precision`` decimals."""
    return Measured(
        device_class=device_class,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
    )


# Every power flow: whole watts.
POWER = measured(SensorDeviceClass.POWER, UnitOfPower.WATT, 0)
HIDDEN_DIAGNOSTIC = Hidden(
    entity_category=EntityCategory.DIAGNOSTIC, entity_registry_enabled_default=False
)
