"""Sensors of the system device: the member batteries' charge, flows and energy as one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, STATE_UNAVAILABLE, STATE_UNKNOWN, Platform, UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.typing import StateType
from homeassistant.util.unit_conversion import EnergyConverter

from .coordinator import MarstekData
from .energy_sensor import ENERGY_SENSORS, TotalSensor
from .fleet_entity import FleetEntity
from .fleet_runtime import FleetRuntime
from .fleet_totals import Charge, FleetTotal, fleet_charge
from .sensor_kinds import POWER, measured


@dataclass(frozen=True, kw_only=True)
class FleetSensorEntityDescription(SensorEntityDescription):
    """A figure of the whole fleet, from the members that answer now."""

    value_fn: Callable[[FleetRuntime], StateType]


def _online(runtime: FleetRuntime) -> list[MarstekData]:
    return [member.data for member in runtime.online_members()]


def _charge(runtime: FleetRuntime) -> Charge:
    """The charge of the members that answer (an offline battery's SOC is not known)."""
    return fleet_charge((data.soc, data.capacity) for data in _online(runtime))


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else wh / 1000


def _sum(reading: Callable[[MarstekData], float | None]) -> Callable[[FleetRuntime], StateType]:
    """The sum over the members that answer and report ``reading``; None if none does."""

    def value(runtime: FleetRuntime) -> StateType:
        values = [v for data in _online(runtime) if (v := reading(data)) is not None]
        return sum(values) if values else None

    return value


class _Stored(TypedDict):
    """Energy in the batteries, in kWh (unpacked into a description)."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    suggested_display_precision: int


_STORED = _Stored(
    device_class=SensorDeviceClass.ENERGY_STORAGE,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    suggested_display_precision=2,
)

FLEET_SENSORS: tuple[FleetSensorEntityDescription, ...] = (
    FleetSensorEntityDescription(
        key="state_of_charge",
        **measured(SensorDeviceClass.BATTERY, PERCENTAGE, 0),
        value_fn=lambda runtime: _charge(runtime).soc,
    ),
    FleetSensorEntityDescription(
        key="stored_energy",
        translation_key="stored_energy",
        state_class=SensorStateClass.MEASUREMENT,
        **_STORED,
        value_fn=lambda runtime: _kwh(_charge(runtime).stored_wh),
    ),
    FleetSensorEntityDescription(
        key="usable_capacity",
        translation_key="usable_capacity",
        **_STORED,
        value_fn=lambda runtime: _kwh(_charge(runtime).capacity_wh),
    ),
    # Positive while discharging, as each battery's own.
    *(
        FleetSensorEntityDescription(key=key, translation_key=key, **POWER, value_fn=_sum(reading))
        for key, reading in (
            ("battery_power", lambda data: data.battery_power),
            ("ac_power", lambda data: data.ac_power),
            ("off_grid_power", lambda data: data.offgrid_power),
            ("pv_power", lambda data: data.pv_power),
        )
    ),
    FleetSensorEntityDescription(
        key="members_online",
        translation_key="members_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda runtime: len(runtime.online_members()),
    ),
)


def member_total(hass: HomeAssistant, entry_id: str, key: str) -> float | None:
    """A member's own lifetime total (kWh), as its energy sensor shows it; None: unknown.

    Read from the state machine, where the Energy panel reads it too: the member's sensor
    already rejected implausible counter jumps and survives restarts (energy.py).
    """
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry_id):
        if entity.domain != Platform.SENSOR or entity.unique_id.partition("_")[2] != key:
            continue
        state = hass.states.get(entity.entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return None
        try:
            value = float(state.state)
        except ValueError:
            return None
        unit = state.attributes.get("unit_of_measurement", UnitOfEnergy.KILO_WATT_HOUR)
        if unit not in EnergyConverter.VALID_UNITS:
            return None
        return EnergyConverter.convert(value, unit, UnitOfEnergy.KILO_WATT_HOUR)
    return None


class FleetSensor(FleetEntity, SensorEntity):
    """A figure computed from the members' latest snapshots."""

    entity_description: FleetSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """The figure now."""
        return self.entity_description.value_fn(self.runtime)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """The members online sensor also tells how many batteries belong to the system."""
        if self.entity_description.key != "members_online":
            return None
        return {"members": len(self.runtime.member_ids)}


class FleetEnergySensor(FleetEntity, TotalSensor[FleetTotal]):
    """An Energy-panel total of the fleet that never decreases (fleet_totals.FleetTotal).

    It saves each member's share, so that a restart continues the same total.
    """

    def __init__(self, runtime: FleetRuntime, description: SensorEntityDescription) -> None:
        """Start empty; the saved total arrives in async_added_to_hass."""
        super().__init__(runtime, description)
        self._total = FleetTotal()

    async def async_added_to_hass(self) -> None:
        """Continue the saved total, then take the members' totals that are there."""
        if (extra := await self.async_get_last_extra_data()) is not None:
            self._total = FleetTotal.from_dict(extra.as_dict())
        self.runtime.totals[self.entity_description.key] = self._total
        self._take_readings()
        await super().async_added_to_hass()

    @callback
    def _handle_fleet_update(self) -> None:
        self._take_readings()
        super()._handle_fleet_update()

    def _take_readings(self) -> None:
        key = self.entity_description.key
        self._total.update(
            {
                entry_id: member_total(self.hass, entry_id, key)
                for entry_id in self.runtime.member_ids
            }
        )

    @property
    def available(self) -> bool:
        """Once known, the total stays: an offline member's share simply stands still."""
        return self._total.total is not None


def fleet_sensor_entities(runtime: FleetRuntime, platform: Platform) -> list[Entity]:
    """The system's sensors: the fleet figures and one total per battery energy total."""
    if platform is not Platform.SENSOR:
        return []
    energy: list[Entity] = [
        FleetEnergySensor(
            runtime,
            SensorEntityDescription(
                key=description.key,
                translation_key=description.translation_key,
                device_class=SensorDeviceClass.ENERGY,
                native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
                state_class=SensorStateClass.TOTAL_INCREASING,
                suggested_display_precision=2,
            ),
        )
        for description in ENERGY_SENSORS
    ]
    return [*(FleetSensor(runtime, description) for description in FLEET_SENSORS), *energy]
