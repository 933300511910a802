"""Sensors of each PV input of a Venus A or D: power, and voltage and current as diagnostics.

PV.GetStatus reports up to four inputs (``pv1_*`` .. ``pv4_*``, marstek-open-api.md §2.5).
The power is the reading to use (the decoder fixes ``pv1_power``'s 0.1 W unit). Voltage comes
in whole volts and current in whole amps, truncated (41.5 W at 50 V reads 0 A): good for
telling a shaded, disconnected or failing string from a working one, not for measuring, so
they are diagnostics and disabled by default. An input the reply leaves out reads unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfPower,
)

from .const import Group
from .coordinator import MarstekData, MarstekDataUpdateCoordinator
from .entity import MarstekEntity
from .pymarstek_venus.models import PvChannel

PV_INPUTS = (1, 2, 3, 4)


@dataclass(frozen=True, kw_only=True)
class MarstekPvSensorEntityDescription(SensorEntityDescription):
    """One reading of one PV input."""

    channel: int  # 1-based, as in pv1_power
    value_fn: Callable[[PvChannel], float | None]


def _descriptions(channel: int) -> tuple[MarstekPvSensorEntityDescription, ...]:
    placeholders = {"channel": str(channel)}
    return (
        MarstekPvSensorEntityDescription(
            key=f"pv{channel}_power",
            translation_key="pv_channel_power",
            translation_placeholders=placeholders,
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement=UnitOfPower.WATT,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=0,
            channel=channel,
            value_fn=lambda pv: pv.power,
        ),
        MarstekPvSensorEntityDescription(
            key=f"pv{channel}_voltage",
            translation_key="pv_channel_voltage",
            translation_placeholders=placeholders,
            device_class=SensorDeviceClass.VOLTAGE,
            native_unit_of_measurement=UnitOfElectricPotential.VOLT,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=0,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
            channel=channel,
            value_fn=lambda pv: pv.voltage,
        ),
        MarstekPvSensorEntityDescription(
            key=f"pv{channel}_current",
            translation_key="pv_channel_current",
            translation_placeholders=placeholders,
            device_class=SensorDeviceClass.CURRENT,
            native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
            channel=channel,
            value_fn=lambda pv: pv.current,
        ),
    )


PV_SENSORS: tuple[MarstekPvSensorEntityDescription, ...] = tuple(
    description for channel in PV_INPUTS for description in _descriptions(channel)
)


def has_pv_inputs(coordinator: MarstekDataUpdateCoordinator) -> bool:
    """The battery has PV inputs (Venus A and D) and the user lets us read them."""
    return coordinator.reads(Group.PV)


def pv_value(description: MarstekPvSensorEntityDescription, data: MarstekData) -> float | None:
    """The described reading of its input, or None when the last reply has no such input."""
    if data.pv is None:
        return None
    for channel in data.pv.channels:
        if channel.index == description.channel:
            return description.value_fn(channel)
    return None


class MarstekPvSensor(MarstekEntity, SensorEntity):
    """A reading of one PV input from the latest PV.GetStatus."""

    entity_description: MarstekPvSensorEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekPvSensorEntityDescription,
    ) -> None:
        """Subscribe to PV.GetStatus."""
        super().__init__(coordinator, description, (Group.PV,))

    @property
    def native_value(self) -> float | None:
        """The input's value from the latest snapshot."""
        return pv_value(self.entity_description, self.coordinator.data)
