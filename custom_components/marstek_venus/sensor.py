"""Sensors of a Marstek Venus battery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import Group
from .coordinator import MarstekConfigEntry, MarstekData, MarstekDataUpdateCoordinator
from .energy_sensor import (
    ENERGY_SENSORS,
    MarstekEnergySensor,
    battery_power,
    has_battery_power,
)
from .entity import MarstekEntity
from .modes import MODE_OPTIONS, OPTION_BY_MODE
from .sensor_pv import PV_SENSORS, MarstekPvSensor, has_pv_inputs

# Read-only platform: the coordinator serialises all traffic.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MarstekSensorEntityDescription(SensorEntityDescription):
    """A sensor fed from one snapshot; ``groups`` are the reads it needs."""

    groups: tuple[Group, ...]
    value_fn: Callable[[MarstekData], StateType | datetime]
    has_fn: Callable[[MarstekDataUpdateCoordinator], bool] = lambda _: True


def _soc(data: MarstekData) -> int | None:
    for source in (data.es, data.mode, data.battery):
        if source is not None and source.soc is not None:
            return source.soc
    return None


def _ac_power(data: MarstekData) -> float | None:
    if data.es is not None and data.es.ac_power is not None:
        return data.es.ac_power
    return data.mode.ac_power if data.mode is not None else None


def _offgrid_power(data: MarstekData) -> float | None:
    if data.es is not None and data.es.offgrid_power is not None:
        return data.es.offgrid_power
    return data.mode.offgrid_power if data.mode is not None else None


def _pv_power(data: MarstekData) -> float | None:
    # ES pv_power is hard-coded 0 on Venus A 147/148 (the decoder gives None there): the sum
    # of the channels is the better number whenever we have it.
    if data.pv is not None:
        return data.pv.total_power
    return data.es.pv_power if data.es is not None else None


def _phase(name: str) -> Callable[[MarstekData], float | None]:
    def value(data: MarstekData) -> float | None:
        meter = data.grid_meter
        return getattr(meter, f"phase_{name}_power") if meter is not None else None

    return value


def _capacity(data: MarstekData) -> float | None:
    if data.battery is not None and data.battery.rated_energy is not None:
        return data.battery.rated_energy
    return data.es.capacity if data.es is not None else None


def _mode(data: MarstekData) -> str | None:
    if data.mode is None or data.mode.mode is None:
        return None
    return OPTION_BY_MODE[data.mode.mode]


def _ip_address(data: MarstekData) -> str | None:
    if data.wifi is not None and data.wifi.ip:
        return data.wifi.ip
    return data.device.reported_ip or data.device.host


SENSORS: tuple[MarstekSensorEntityDescription, ...] = (
    MarstekSensorEntityDescription(
        key="state_of_charge",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        groups=(Group.ES, Group.MODE),
        value_fn=_soc,
    ),
    MarstekSensorEntityDescription(
        key="battery_power",
        translation_key="battery_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        groups=(Group.ES, Group.MODE),
        # Positive while discharging (Home Assistant's battery convention). Firmware without
        # bat_power gets it computed from the AC/PV balance by the decoder; firmware without
        # ES.GetStatus (Venus E 3.0 <= 139) from the AC balance in ES.GetMode.
        value_fn=battery_power,
        has_fn=has_battery_power,
    ),
    MarstekSensorEntityDescription(
        key="ac_power",
        translation_key="ac_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        groups=(Group.ES, Group.MODE),
        value_fn=_ac_power,
    ),
    MarstekSensorEntityDescription(
        key="off_grid_power",
        translation_key="off_grid_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        groups=(Group.ES, Group.MODE),
        value_fn=_offgrid_power,
    ),
    MarstekSensorEntityDescription(
        key="pv_power",
        translation_key="pv_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        groups=(Group.PV, Group.ES),
        value_fn=_pv_power,
        has_fn=lambda coordinator: coordinator.profile.has_pv,
    ),
    MarstekSensorEntityDescription(
        key="grid_power",
        translation_key="grid_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        groups=(Group.METER, Group.MODE),
        # Positive while the house imports from the grid.
        value_fn=lambda data: data.grid_meter.total_power if data.grid_meter else None,
        has_fn=lambda coordinator: coordinator.has_grid_meter,
    ),
    *(
        MarstekSensorEntityDescription(
            key=f"grid_power_{phase}",
            translation_key="grid_phase_power",
            translation_placeholders={"phase": phase.upper()},
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement=UnitOfPower.WATT,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=0,
            entity_registry_enabled_default=False,
            groups=(Group.METER, Group.MODE),
            value_fn=_phase(phase),
            has_fn=lambda coordinator: coordinator.has_grid_meter,
        )
        for phase in ("a", "b", "c")
    ),
    MarstekSensorEntityDescription(
        key="battery_temperature",
        translation_key="battery_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        groups=(Group.BATTERY,),
        value_fn=lambda data: data.battery.temperature if data.battery else None,
        has_fn=lambda coordinator: coordinator.reads(Group.BATTERY),
    ),
    MarstekSensorEntityDescription(
        key="remaining_capacity",
        translation_key="remaining_capacity",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        groups=(Group.BATTERY,),
        value_fn=lambda data: data.battery.remaining_energy if data.battery else None,
        has_fn=lambda coordinator: coordinator.reads(Group.BATTERY),
    ),
    MarstekSensorEntityDescription(
        key="rated_capacity",
        translation_key="rated_capacity",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        groups=(Group.BATTERY, Group.ES),
        value_fn=_capacity,
        has_fn=lambda coordinator: coordinator.reads(Group.BATTERY, Group.ES),
    ),
    MarstekSensorEntityDescription(
        key="battery_voltage",
        translation_key="battery_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.BATTERY,),
        value_fn=lambda data: data.battery.voltage if data.battery else None,
        # Only the Venus E 2.0 sends the BMS voltage and current.
        has_fn=lambda coordinator: bool(
            coordinator.data.battery and coordinator.data.battery.voltage is not None
        ),
    ),
    MarstekSensorEntityDescription(
        key="battery_current",
        translation_key="battery_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.BATTERY,),
        value_fn=lambda data: data.battery.current if data.battery else None,
        has_fn=lambda coordinator: bool(
            coordinator.data.battery and coordinator.data.battery.current is not None
        ),
    ),
    MarstekSensorEntityDescription(
        key="operating_mode",
        translation_key="operating_mode",
        device_class=SensorDeviceClass.ENUM,
        options=list(MODE_OPTIONS),
        # The select shows and sets the mode; this copy is for history and statistics.
        entity_registry_enabled_default=False,
        groups=(Group.MODE,),
        value_fn=_mode,
    ),
    MarstekSensorEntityDescription(
        key="wifi_rssi",
        translation_key="wifi_rssi",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.WIFI,),
        value_fn=lambda data: data.wifi.rssi if data.wifi else None,
        has_fn=lambda coordinator: coordinator.reads(Group.WIFI),
    ),
    MarstekSensorEntityDescription(
        key="wifi_ssid",
        translation_key="wifi_ssid",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.WIFI,),
        value_fn=lambda data: data.wifi.ssid if data.wifi else None,
        has_fn=lambda coordinator: coordinator.reads(Group.WIFI),
    ),
    MarstekSensorEntityDescription(
        key="ip_address",
        translation_key="ip_address",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.WIFI, Group.DEVICE),
        value_fn=_ip_address,
    ),
    MarstekSensorEntityDescription(
        key="firmware",
        translation_key="firmware",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(Group.DEVICE,),
        value_fn=lambda data: data.device.firmware,
    ),
    MarstekSensorEntityDescription(
        key="last_update",
        translation_key="last_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        groups=(),
        value_fn=lambda data: data.last_success,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors this battery's firmware and the options provide."""
    coordinator = entry.runtime_data
    async_add_entities(
        [
            *(
                MarstekSensor(coordinator, description)
                for description in SENSORS
                if description.has_fn(coordinator)
            ),
            *(
                MarstekEnergySensor(coordinator, description)
                for description in ENERGY_SENSORS
                if description.has_fn(coordinator)
            ),
            *(
                MarstekPvSensor(coordinator, description)
                for description in PV_SENSORS
                if has_pv_inputs(coordinator)
            ),
        ]
    )


class MarstekSensor(MarstekEntity, SensorEntity):
    """A sensor whose value comes straight from the snapshot."""

    entity_description: MarstekSensorEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekSensorEntityDescription,
    ) -> None:
        """Subscribe with the groups the description reads."""
        super().__init__(coordinator, description, description.groups)

    @property
    def native_value(self) -> StateType | datetime:
        """The value from the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)
