"""Selects: the operating mode, and the days of each manual schedule period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import Group
from .coordinator import MarstekConfigEntry, MarstekData, MarstekDataUpdateCoordinator
from .entity import MarstekEntity, MarstekStoredEntity, period_enabled_default, period_slots
from .helpers import marstek_command
from .modes import MODE_OPTIONS, OPTION_BY_MODE, mode_options
from .pymarstek_venus.profiles import FirmwareProfile
from .schedule import DAY_SET_OPTIONS, day_set_of, days_for_option

# Every select sends commands: one at a time (the coordinator's gate serialises them anyway).
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekSelectEntityDescription(SelectEntityDescription):
    """A select whose options depend on the firmware."""

    groups: tuple[Group, ...]
    options_fn: Callable[[FirmwareProfile], list[str]]
    current_fn: Callable[[MarstekData], str | None]
    select_fn: Callable[[MarstekDataUpdateCoordinator, str], Awaitable[None]]


def _current_mode(data: MarstekData) -> str | None:
    # None (shown as unknown) when the firmware reports a mode we do not know.
    if data.mode is None or data.mode.mode is None:
        return None
    return OPTION_BY_MODE[data.mode.mode]


SELECTS: tuple[MarstekSelectEntityDescription, ...] = (
    MarstekSelectEntityDescription(
        key="operating_mode",
        translation_key="operating_mode",
        entity_category=EntityCategory.CONFIG,
        groups=(Group.MODE,),
        # UPS is hidden where the firmware does not take it (HMG-50, pre-150 builds).
        options_fn=mode_options,
        current_fn=_current_mode,
        select_fn=lambda coordinator, option: coordinator.async_set_mode(MODE_OPTIONS[option]),
    ),
)


@dataclass(frozen=True, kw_only=True)
class MarstekPeriodDaysEntityDescription(SelectEntityDescription):
    """The weekdays of one period, as a day set (see schedule.DAY_SETS)."""

    slot: int


def period_days(slot: int) -> MarstekPeriodDaysEntityDescription:
    """Days of one period: every day, working days, weekend, a single day, none, or custom.

    Seven on/off switches per period would put seventy switches on the device page for a
    choice that is nearly always one of a few sets. Other sets (Monday and Wednesday) are
    written with the set_manual_schedule action and then show as "custom".
    """
    return MarstekPeriodDaysEntityDescription(
        key=f"period_{slot + 1}_days",
        translation_key="period_days",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=period_enabled_default(slot),
        options=DAY_SET_OPTIONS,
        slot=slot,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the mode select and one day-set select per schedule period."""
    coordinator = entry.runtime_data
    entities: list[SelectEntity] = [
        MarstekSelect(coordinator, description) for description in SELECTS
    ]
    entities.extend(
        MarstekPeriodDaysSelect(coordinator, period_days(slot))
        for slot in period_slots(coordinator)
    )
    async_add_entities(entities)


class MarstekSelect(MarstekEntity, SelectEntity):
    """A select that writes through the coordinator's gate."""

    entity_description: MarstekSelectEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekSelectEntityDescription,
    ) -> None:
        """Fix the options for this firmware."""
        super().__init__(coordinator, description, description.groups)
        self._attr_options = description.options_fn(coordinator.profile)

    @property
    def current_option(self) -> str | None:
        """The option the battery reports now."""
        return self.entity_description.current_fn(self.coordinator.data)

    @marstek_command
    async def async_select_option(self, option: str) -> None:
        """Switch the battery; the write is verified before this returns."""
        await self.entity_description.select_fn(self.coordinator, option)


class MarstekPeriodDaysSelect(MarstekStoredEntity, SelectEntity):
    """The days of a schedule period as Home Assistant keeps them (written or pending)."""

    entity_description: MarstekPeriodDaysEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekPeriodDaysEntityDescription,
    ) -> None:
        """No method group: the schedule cannot be read from the battery."""
        super().__init__(coordinator, description, ())
        self._attr_options = list(DAY_SET_OPTIONS)

    @property
    def current_option(self) -> str | None:
        """Unknown until the period is edited or written; a pending edit shows."""
        period = self.coordinator.schedule.period(self.entity_description.slot)
        return day_set_of(period.weekdays) if period is not None else None

    async def async_select_option(self, option: str) -> None:
        """Change this period's days ("custom" cannot be chosen); see schedule_writer.py."""
        await self.coordinator.async_update_period(
            self.entity_description.slot, weekdays=days_for_option(option)
        )
