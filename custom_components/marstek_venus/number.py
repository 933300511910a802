"""Numbers: passive power and duration, schedule period power, depth of discharge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfPower, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry, MarstekDataUpdateCoordinator
from .entity import (
    MarstekEntity,
    MarstekStoredEntity,
    period_enabled_default,
    period_slots,
)
from .helpers import marstek_command
from .pymarstek_venus.commands import DOD_MAX, DOD_MIN, PASSIVE_MAX_DURATION

# Numbers send commands (or change what the next command sends): one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekNumberEntityDescription(NumberEntityDescription):
    """A number backed by the integration's stored state.

    ``sends`` numbers write to the battery (verified, then refreshed); the others only
    change a parameter that the apply-passive button, the select or an action send. Period
    power goes to the schedule writer, which writes it at once only while the period runs
    in Manual and translates its own errors (schedule_writer.py).
    """

    value_fn: Callable[[MarstekDataUpdateCoordinator], float | None]
    set_fn: Callable[[MarstekDataUpdateCoordinator, int], Awaitable[None]]
    limits_fn: Callable[[MarstekDataUpdateCoordinator], tuple[float, float]] | None = None
    sends: bool = False
    slot: int | None = None


def _power_limits(coordinator: MarstekDataUpdateCoordinator) -> tuple[float, float]:
    """The model's AC limits (lowered by the option): charging below 0, discharging above."""
    limits = coordinator.power_limit
    return (-limits.charge, limits.discharge)


PASSIVE_NUMBERS: tuple[MarstekNumberEntityDescription, ...] = (
    # Signed like the battery power sensor: negative charges, positive discharges.
    MarstekNumberEntityDescription(
        key="passive_power",
        translation_key="passive_power",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_step=1,
        limits_fn=_power_limits,
        value_fn=lambda coordinator: coordinator.settings.passive_power,
        set_fn=lambda coordinator, value: coordinator.async_set_passive(power=value, send=False),
    ),
    MarstekNumberEntityDescription(
        key="passive_duration",
        translation_key="passive_duration",
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_min_value=1,
        native_max_value=PASSIVE_MAX_DURATION,
        native_step=1,
        value_fn=lambda coordinator: coordinator.settings.passive_duration,
        set_fn=lambda coordinator, value: coordinator.async_set_passive(duration=value, send=False),
    ),
)

DOD_NUMBER = MarstekNumberEntityDescription(
    key="depth_of_discharge",
    translation_key="depth_of_discharge",
    native_unit_of_measurement=PERCENTAGE,
    entity_category=EntityCategory.CONFIG,
    native_min_value=DOD_MIN,
    native_max_value=DOD_MAX,
    native_step=1,
    sends=True,
    value_fn=lambda coordinator: coordinator.settings.dod,
    set_fn=lambda coordinator, value: coordinator.async_set_depth_of_discharge(value),
)


def _period_value(slot: int) -> Callable[[MarstekDataUpdateCoordinator], float | None]:
    def value(coordinator: MarstekDataUpdateCoordinator) -> float | None:
        period = coordinator.schedule.period(slot)
        return period.power if period is not None else None

    return value


def _period_set(slot: int) -> Callable[[MarstekDataUpdateCoordinator, int], Awaitable[None]]:
    def set_power(coordinator: MarstekDataUpdateCoordinator, value: int) -> Awaitable[None]:
        return coordinator.async_update_period(slot, power=value)

    return set_power


def period_power(slot: int) -> MarstekNumberEntityDescription:
    """The power of one schedule period (W, negative charges, positive discharges)."""
    return MarstekNumberEntityDescription(
        key=f"period_{slot + 1}_power",
        translation_key="period_power",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=period_enabled_default(slot),
        mode=NumberMode.BOX,
        native_step=1,
        limits_fn=_power_limits,
        slot=slot,
        value_fn=_period_value(slot),
        set_fn=_period_set(slot),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the passive numbers, one power per schedule period, and DOD where supported."""
    coordinator = entry.runtime_data
    entities: list[MarstekNumber] = [
        MarstekNumber(coordinator, description) for description in PASSIVE_NUMBERS
    ]
    entities.extend(
        MarstekStoredNumber(coordinator, period_power(slot)) for slot in period_slots(coordinator)
    )
    if coordinator.profile.supports_settings:
        entities.append(MarstekStoredNumber(coordinator, DOD_NUMBER))
    async_add_entities(entities)


class MarstekNumber(MarstekEntity, NumberEntity):
    """A number whose value lives in the integration's stored state."""

    entity_description: MarstekNumberEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekNumberEntityDescription,
    ) -> None:
        """No method group: the value is Home Assistant's own."""
        super().__init__(coordinator, description, ())

    @property
    def native_min_value(self) -> float:
        """Lower bound, from the power limit where it applies."""
        if self.entity_description.limits_fn is not None:
            return self.entity_description.limits_fn(self.coordinator)[0]
        return super().native_min_value

    @property
    def native_max_value(self) -> float:
        """Upper bound, from the power limit where it applies."""
        if self.entity_description.limits_fn is not None:
            return self.entity_description.limits_fn(self.coordinator)[1]
        return super().native_max_value

    @property
    def native_value(self) -> float | None:
        """The stored value (unknown for a period the integration never wrote)."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_set_native_value(self, value: float) -> None:
        """Store the value; numbers that send also write it to the battery, verified."""
        if self.entity_description.sends:
            await self._async_send(round(value))
        else:
            await self.entity_description.set_fn(self.coordinator, round(value))

    @marstek_command
    async def _async_send(self, value: int) -> None:
        await self.entity_description.set_fn(self.coordinator, value)


class MarstekStoredNumber(MarstekStoredEntity, MarstekNumber):
    """A number for a battery setting that cannot be read back (assumed state)."""
