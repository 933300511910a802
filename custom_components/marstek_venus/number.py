"""Numbers: passive power and duration, schedule period power, depth of discharge."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TypedDict, Unpack

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, Platform, UnitOfPower, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry, MarstekDataUpdateCoordinator
from .entity import MarstekEntity, MarstekEntityDescription, Reader, Writer, described
from .kinds import kind_entities
from .period_entity import period_edit, period_fields, period_slots, period_value
from .pymarstek_venus import DOD_MAX, DOD_MIN, PASSIVE_MAX_DURATION

# Numbers send commands (or change what the next command sends): one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekNumberEntityDescription(NumberEntityDescription, MarstekEntityDescription):
    """A number backed by the integration's stored state.

    Depth of discharge is written to the battery at once (verified, then refreshed); the
    passive numbers only change what the apply-passive button, the select or an action send.
    Period power goes to the schedule writer, which writes it at once only while the period
    runs in Manual (schedule_writer.py).
    """

    value_fn: Reader[float]
    set_fn: Writer[int]
    # Power numbers: the model's AC limits, lowered by the option.
    power_limited: bool = False


class _Bounds(TypedDict, total=False):
    native_min_value: float
    native_max_value: float
    power_limited: bool


def _passive(
    key: str,
    device_class: NumberDeviceClass,
    unit: str,
    value_fn: Reader[float],
    set_fn: Writer[int],
    **bounds: Unpack[_Bounds],
) -> MarstekNumberEntityDescription:
    """A passive-mode parameter, typed into a box: stored, sent with the next switch."""
    return MarstekNumberEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        native_unit_of_measurement=unit,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_step=1,
        value_fn=value_fn,
        set_fn=set_fn,
        **bounds,
    )


# Signed like the battery power sensor: negative charges, positive discharges.
PASSIVE_POWER = _passive(
    "passive_power",
    NumberDeviceClass.POWER,
    UnitOfPower.WATT,
    lambda coordinator: coordinator.control.settings.passive_power,
    lambda control, value: control.async_set_passive(power=value, send=False),
    power_limited=True,
)
PASSIVE_NUMBERS: tuple[MarstekNumberEntityDescription, ...] = (
    PASSIVE_POWER,
    _passive(
        "passive_duration",
        NumberDeviceClass.DURATION,
        UnitOfTime.SECONDS,
        lambda coordinator: coordinator.control.settings.passive_duration,
        lambda control, value: control.async_set_passive(duration=value, send=False),
        native_min_value=1,
        native_max_value=PASSIVE_MAX_DURATION,
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
    stored=True,
    value_fn=lambda coordinator: coordinator.control.settings.dod,
    set_fn=lambda control, value: control.async_set_depth_of_discharge(value),
    has_fn=lambda coordinator: coordinator.profile.supports_settings,
)


def period_power(slot: int) -> MarstekNumberEntityDescription:
    """The power of one schedule period: bounded and signed like the passive power."""
    return replace(
        PASSIVE_POWER,
        **period_fields(slot, "power"),
        value_fn=period_value(slot, lambda period: period.power),
        set_fn=period_edit(slot, "power"),
    )


def _descriptions(
    coordinator: MarstekDataUpdateCoordinator,
) -> Iterator[MarstekNumberEntityDescription]:
    yield from PASSIVE_NUMBERS
    yield from (period_power(slot) for slot in period_slots(coordinator))
    yield DOD_NUMBER


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the passive numbers, one power per schedule period, and DOD where supported."""
    if (entities := kind_entities(entry, Platform.NUMBER)) is not None:
        async_add_entities(entities)
        return
    coordinator = entry.runtime_data
    async_add_entities(described(coordinator, MarstekNumber, _descriptions(coordinator)))


class MarstekNumber(MarstekEntity, NumberEntity):
    """A number whose value lives in the integration's stored state."""

    entity_description: MarstekNumberEntityDescription

    @property
    def native_min_value(self) -> float:
        """Lower bound: the charge limit for power numbers (charging is negative)."""
        if self.entity_description.power_limited:
            return -self.coordinator.control.power_limit.charge
        return super().native_min_value

    @property
    def native_max_value(self) -> float:
        """Upper bound: the discharge limit for power numbers."""
        if self.entity_description.power_limited:
            return self.coordinator.control.power_limit.discharge
        return super().native_max_value

    @property
    def native_value(self) -> float | None:
        """The stored value (unknown for a period the integration never wrote)."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_set_native_value(self, value: float) -> None:
        """Store the value; depth of discharge is also written to the battery, verified."""
        await self.entity_description.set_fn(self.coordinator.control, round(value))
