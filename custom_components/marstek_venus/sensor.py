"""Sensors of a Marstek Venus battery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, TypedDict, Unpack

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import Group
from .coordinator import MarstekConfigEntry, MarstekData, MarstekDataUpdateCoordinator
from .energy_sensor import ENERGY_SENSORS, MarstekEnergySensor, has_battery_power
from .entity import MarstekEntity, described, reads
from .kinds import kind_entities
from .modes import MODE_OPTIONS
from .sensor_kinds import (
    HIDDEN_DIAGNOSTIC,
    POWER,
    MarstekSensorEntityDescription,
    measured,
)
from .sensor_pv import PV_SENSORS

# Read-only platform: the coordinator serialises all traffic.
PARALLEL_UPDATES = 0


def _phase(name: str) -> Callable[[MarstekData], float | None]:
    def value(data: MarstekData) -> float | None:
        meter = data.grid_meter
        return getattr(meter, f"phase_{name}_power") if meter is not None else None

    return value


def _ip_address(data: MarstekData) -> str | None:
    if data.wifi is not None and data.wifi.ip:
        return data.wifi.ip
    return data.device.reported_ip or data.device.host


class _Shown(TypedDict, total=False):
    """How a sensor is shown: the description fields a factory passes on."""

    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    suggested_unit_of_measurement: str
    state_class: SensorStateClass
    suggested_display_precision: int
    entity_category: EntityCategory
    entity_registry_enabled_default: bool


class _Reply[T](NamedTuple):
    """One read group, and its last reply in the snapshot."""

    group: Group
    reply: Callable[[MarstekData], T | None]


_battery = _Reply(Group.BATTERY, lambda data: data.battery)
_wifi = _Reply(Group.WIFI, lambda data: data.wifi)


def _field[T](
    key: str,
    source: _Reply[T],
    read: Callable[[T], StateType],
    *,
    only_if_sent: bool = False,
    **shown: Unpack[_Shown],
) -> MarstekSensorEntityDescription:
    """A field of one reply, where the battery answers that method and the options allow it.

    ``only_if_sent``: only where the battery's first reply has the field at all.
    """

    def value(data: MarstekData) -> StateType:
        reply = source.reply(data)
        return read(reply) if reply is not None else None

    def has(coordinator: MarstekDataUpdateCoordinator) -> bool:
        if only_if_sent:
            return value(coordinator.data) is not None
        return coordinator.reads(source.group)

    return MarstekSensorEntityDescription(
        key=key, translation_key=key, **shown, groups=(source.group,), value_fn=value, has_fn=has
    )


class _StoredEnergy(TypedDict):
    device_class: SensorDeviceClass
    native_unit_of_measurement: str
    suggested_unit_of_measurement: str
    suggested_display_precision: int


def _flow(
    key: str,
    value_fn: Callable[[MarstekData], float | None],
    *,
    groups: tuple[Group, ...] = (Group.ES, Group.MODE),
    has_fn: Callable[[MarstekDataUpdateCoordinator], bool] = lambda _: True,
) -> MarstekSensorEntityDescription:
    """A power flow in W, read from ES.GetStatus and ES.GetMode unless ``groups`` says else."""
    return MarstekSensorEntityDescription(
        key=key, translation_key=key, **POWER, groups=groups, value_fn=value_fn, has_fn=has_fn
    )


# Energy in the battery: Wh, shown in kWh.
_STORED_ENERGY = _StoredEnergy(
    device_class=SensorDeviceClass.ENERGY_STORAGE,
    native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
    suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    suggested_display_precision=2,
)

SENSORS: tuple[MarstekSensorEntityDescription, ...] = (
    MarstekSensorEntityDescription(
        key="state_of_charge",
        **measured(SensorDeviceClass.BATTERY, PERCENTAGE, 0),
        groups=(Group.ES, Group.MODE),
        value_fn=lambda data: data.soc,
    ),
    # Positive while discharging (Home Assistant's battery convention). Firmware without
    # bat_power gets it computed from the AC/PV balance by the decoder; firmware without
    # ES.GetStatus (Venus E 3.0 <= 139) from the AC balance in ES.GetMode.
    _flow("battery_power", lambda data: data.battery_power, has_fn=has_battery_power),
    _flow("ac_power", lambda data: data.ac_power),
    _flow("off_grid_power", lambda data: data.offgrid_power),
    _flow(
        "pv_power",
        lambda data: data.pv_power,
        groups=(Group.PV, Group.ES),
        has_fn=lambda coordinator: coordinator.profile.has_pv,
    ),
    # Positive while the house imports from the grid.
    _flow(
        "grid_power",
        lambda data: data.grid_meter.total_power if data.grid_meter else None,
        groups=(Group.METER, Group.MODE),
        has_fn=lambda coordinator: coordinator.has_grid_meter,
    ),
    *(
        MarstekSensorEntityDescription(
            key=f"grid_power_{phase}",
            translation_key="grid_phase_power",
            translation_placeholders={"phase": phase.upper()},
            **POWER,
            entity_registry_enabled_default=False,
            groups=(Group.METER, Group.MODE),
            value_fn=_phase(phase),
            has_fn=lambda coordinator: coordinator.has_grid_meter,
        )
        for phase in ("a", "b", "c")
    ),
    _field(
        "battery_temperature",
        _battery,
        lambda battery: battery.temperature,
        **measured(SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS, 1),
    ),
    _field(
        "remaining_capacity",
        _battery,
        lambda battery: battery.remaining_energy,
        **_STORED_ENERGY,
        state_class=SensorStateClass.MEASUREMENT,
    ),
    MarstekSensorEntityDescription(
        key="rated_capacity",
        translation_key="rated_capacity",
        **_STORED_ENERGY,
        entity_category=EntityCategory.DIAGNOSTIC,
        groups=(Group.BATTERY, Group.ES),
        value_fn=lambda data: data.capacity,
        has_fn=reads(Group.BATTERY, Group.ES),
    ),
    # Only the Venus E 2.0 sends the BMS voltage and current.
    _field(
        "battery_voltage",
        _battery,
        lambda battery: battery.voltage,
        only_if_sent=True,
        **measured(SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 2),
        **HIDDEN_DIAGNOSTIC,
    ),
    _field(
        "battery_current",
        _battery,
        lambda battery: battery.current,
        only_if_sent=True,
        **measured(SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 2),
        **HIDDEN_DIAGNOSTIC,
    ),
    MarstekSensorEntityDescription(
        key="operating_mode",
        translation_key="operating_mode",
        device_class=SensorDeviceClass.ENUM,
        options=list(MODE_OPTIONS),
        # The select shows and sets the mode; this copy is for history and statistics.
        entity_registry_enabled_default=False,
        groups=(Group.MODE,),
        value_fn=lambda data: data.mode_option,
    ),
    _field(
        "wifi_rssi",
        _wifi,
        lambda wifi: wifi.rssi,
        **measured(SensorDeviceClass.SIGNAL_STRENGTH, SIGNAL_STRENGTH_DECIBELS_MILLIWATT, 0),
        **HIDDEN_DIAGNOSTIC,
    ),
    _field("wifi_ssid", _wifi, lambda wifi: wifi.ssid, **HIDDEN_DIAGNOSTIC),
    MarstekSensorEntityDescription(
        key="ip_address",
        translation_key="ip_address",
        **HIDDEN_DIAGNOSTIC,
        groups=(Group.WIFI, Group.DEVICE),
        value_fn=_ip_address,
    ),
    MarstekSensorEntityDescription(
        key="firmware",
        translation_key="firmware",
        **HIDDEN_DIAGNOSTIC,
        groups=(Group.DEVICE,),
        value_fn=lambda data: data.device.firmware,
    ),
    MarstekSensorEntityDescription(
        key="last_update",
        translation_key="last_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        **HIDDEN_DIAGNOSTIC,
        value_fn=lambda data: data.last_success,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors this battery's firmware and the options provide."""
    if (entities := kind_entities(entry, Platform.SENSOR)) is not None:
        async_add_entities(entities)
        return
    coordinator = entry.runtime_data
    async_add_entities(
        [
            *described(coordinator, MarstekSensor, (*SENSORS, *PV_SENSORS)),
            *described(coordinator, MarstekEnergySensor, ENERGY_SENSORS),
        ]
    )


class MarstekSensor(MarstekEntity, SensorEntity):
    """A sensor whose value comes straight from the snapshot."""

    entity_description: MarstekSensorEntityDescription

    @property
    def native_value(self) -> StateType | datetime:
        """The value from the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)
