"""Energy-panel sensors: lifetime kWh totals that survive restarts and never decrease."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import callback
from homeassistant.helpers.restore_state import (
    ExtraStoredData,
    RestoredExtraData,
    RestoreEntity,
)

from .const import LOGGER, Group
from .coordinator import MarstekData, MarstekDataUpdateCoordinator
from .energy import EnergyTotal
from .entity import MarstekEntity, MarstekEntityDescription
from .pymarstek_venus import (
    NO_PV_FAMILIES,
    PV_FAMILIES,
    EnergySystemStatus,
    FirmwareProfile,
    MeterStatus,
)

# The most each flow can physically be, for rejecting impossible counter jumps (W). The
# battery inverter is limited to 2500 W; PV inputs to 4 x about 600 W; a house connection
# can import or export far more (3 x 63 A).
BATTERY_MAX_POWER = 3000.0
PV_MAX_POWER = 5000.0
GRID_MAX_POWER = 50000.0


@dataclass(frozen=True, kw_only=True)
class MarstekEnergySensorEntityDescription(SensorEntityDescription, MarstekEntityDescription):
    """An energy total from a device counter (Wh), or from integrating a power (W)."""

    device_class: SensorDeviceClass = SensorDeviceClass.ENERGY
    native_unit_of_measurement: str = UnitOfEnergy.KILO_WATT_HOUR
    state_class: SensorStateClass = SensorStateClass.TOTAL_INCREASING
    suggested_display_precision: int = 2
    counter_fn: Callable[[MarstekData], float | None]
    power_fn: Callable[[MarstekData], float | None]
    max_power: float
    # Wh per raw counter unit: the counter's resolution, for telling a stalled counter from a
    # coarse one.
    counter_step_fn: Callable[[FirmwareProfile], float]
    # The firmware sends this counter as a constant 0 (the decoder drops it): the total is
    # integrated from the start, and the log says why.
    known_zero_fn: Callable[[FirmwareProfile], bool] = lambda _: False


def _battery_side(data: MarstekData, ac_counter: float | None) -> float | None:
    """An AC-port counter, where it measures the battery; None where it does not.

    On models with PV inputs (Venus A and D) the panels charge the battery on the DC side,
    past the AC counters, so "energy in at the AC port" misses every solar charge. There
    the totals come from integrating battery power instead.
    """
    return None if data.device.family in PV_FAMILIES else ac_counter


def has_battery_power(coordinator: MarstekDataUpdateCoordinator) -> bool:
    """ES.GetStatus is read, or ES.GetMode alone tells the power (a model without PV).

    Venus E 3.0 up to 139 never answers ES.GetStatus; on a model without PV inputs its
    ES.GetMode still tells the battery's power (MarstekData.battery_power).
    """
    return coordinator.reads(Group.ES) or coordinator.device.family in NO_PV_FAMILIES


def _signed(
    power: Callable[[MarstekData], float | None], sign: float
) -> Callable[[MarstekData], float | None]:
    """The flow one total counts: ``power`` as it is (1) or reversed (-1)."""

    def value(data: MarstekData) -> float | None:
        watts = power(data)
        return None if watts is None else sign * watts

    return value


def _grid_energy(
    key: str, counter: Callable[[MeterStatus], float | None], sign: float
) -> MarstekEnergySensorEntityDescription:
    """Energy imported (``sign`` 1) or exported (-1) through the CT (grid power: + imports)."""
    return MarstekEnergySensorEntityDescription(
        key=key,
        translation_key=key,
        groups=(Group.METER, Group.MODE),
        counter_fn=lambda data: counter(meter) if (meter := data.grid_meter) else None,
        power_fn=_signed(
            lambda data: meter.total_power if (meter := data.grid_meter) else None, sign
        ),
        max_power=GRID_MAX_POWER,
        has_fn=lambda coordinator: coordinator.has_grid_meter,
        counter_step_fn=lambda profile: profile.meter_energy_scale,
        known_zero_fn=lambda profile: not profile.meter_energy_valid,
    )


def _battery_energy(
    key: str, counter: Callable[[EnergySystemStatus], float | None], sign: float
) -> MarstekEnergySensorEntityDescription:
    """Energy into (``sign`` -1) or out of (1) the battery (battery power: + discharges)."""
    return MarstekEnergySensorEntityDescription(
        key=key,
        translation_key=key,
        groups=(Group.ES, Group.MODE),
        counter_fn=lambda data: _battery_side(data, counter(data.es) if data.es else None),
        power_fn=_signed(lambda data: data.battery_power, sign),
        max_power=BATTERY_MAX_POWER,
        has_fn=has_battery_power,
        counter_step_fn=lambda profile: profile.grid_energy_scale,
    )


ENERGY_SENSORS: tuple[MarstekEnergySensorEntityDescription, ...] = (
    _grid_energy("grid_import_energy", lambda meter: meter.import_energy, 1),
    _grid_energy("grid_export_energy", lambda meter: meter.export_energy, -1),
    MarstekEnergySensorEntityDescription(
        key="pv_energy",
        translation_key="pv_energy",
        groups=(Group.ES, Group.PV),
        counter_fn=lambda data: data.es.pv_energy if data.es else None,
        power_fn=lambda data: data.pv_power,
        max_power=PV_MAX_POWER,
        has_fn=lambda coordinator: coordinator.profile.has_pv,
        counter_step_fn=lambda profile: profile.pv_energy_scale,
        known_zero_fn=lambda profile: not profile.es_pv_valid,
    ),
    # Energy taken in at the AC port (what the Energy panel calls "energy going in").
    _battery_energy("battery_charged_energy", lambda es: es.ac_input_energy, -1),
    _battery_energy("battery_discharged_energy", lambda es: es.ac_output_energy, 1),
)


class _Total(Protocol):
    """A kWh total and the bookkeeping a restart continues it from."""

    @property
    def total(self) -> float | None: ...

    def as_dict(self) -> dict[str, Any]: ...


class TotalSensor[TotalT: _Total](SensorEntity, RestoreEntity):
    """Shows ``_total`` in kWh and saves its bookkeeping, so a restart continues the total."""

    _total: TotalT

    @property
    def native_value(self) -> float | None:
        """The total in kWh."""
        return self._total.total

    @property
    def extra_restore_state_data(self) -> ExtraStoredData:
        """The bookkeeping state, so that a restart continues the same total."""
        return RestoredExtraData(self._total.as_dict())


class MarstekEnergySensor(MarstekEntity, TotalSensor[EnergyTotal]):
    """A lifetime total kept by :class:`EnergyTotal` and restored across restarts."""

    entity_description: MarstekEnergySensorEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekEnergySensorEntityDescription,
    ) -> None:
        """Start with an empty total; the restored one arrives in async_added_to_hass."""
        super().__init__(coordinator, description)
        self._total = EnergyTotal(
            name=f"{coordinator.device.ble_mac} {description.key}",
            max_power=description.max_power,
        )
        self._last_sample: datetime | None = None

    async def async_added_to_hass(self) -> None:
        """Restore the total, then take the reading that is already there."""
        await super().async_added_to_hass()
        if (extra := await self.async_get_last_extra_data()) is not None:
            self._total.restore(extra.as_dict())
        profile = self.coordinator.profile
        if self.entity_description.known_zero_fn(profile):
            LOGGER.info(
                "%s: firmware %s sends this energy counter as 0; the total is integrated "
                "from power readings instead",
                self._total.name,
                profile.firmware,
            )
        self._take_sample()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._take_sample()
        super()._handle_coordinator_update()

    def _take_sample(self) -> None:
        """Feed the newest reading, once, timed when it was read."""
        data = self.coordinator.data
        times = [
            data.fetched[group] for group in self.entity_description.groups if group in data.fetched
        ]
        if not times or (sampled_at := max(times)) == self._last_sample:
            return
        self._last_sample = sampled_at
        description = self.entity_description
        counter = description.counter_fn(data)  # Wh
        self._total.counter_step = description.counter_step_fn(self.coordinator.profile) / 1000
        self._total.add_sample(
            None if counter is None else counter / 1000,
            description.power_fn(data),
            sampled_at,
            data.device.firmware,
        )
