"""Selects: the operating mode, and the days of each manual schedule period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import Group
from .coordinator import MarstekConfigEntry, MarstekDataUpdateCoordinator
from .entity import MarstekEntity, MarstekEntityDescription, Reader, Writer, described
from .kinds import kind_entities
from .modes import MODE_OPTIONS, mode_options
from .period_entity import period_edit, period_fields, period_slots, period_value
from .pymarstek_venus import FirmwareProfile
from .schedule import DAY_SET_OPTIONS, day_set_of, days_for_option

# Every select sends commands: one at a time (the device lock serialises them anyway).
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekSelectEntityDescription(SelectEntityDescription, MarstekEntityDescription):
    """A select; ``options_fn`` gives the options where they depend on the firmware."""

    options_fn: Callable[[FirmwareProfile], list[str]] | None = None
    current_fn: Reader[str]
    select_fn: Writer[str]


MODE_SELECT = MarstekSelectEntityDescription(
    key="operating_mode",
    translation_key="operating_mode",
    entity_category=EntityCategory.CONFIG,
    groups=(Group.MODE,),
    # UPS is hidden where the firmware does not take it (HMG-50, pre-150 builds).
    options_fn=mode_options,
    # Unknown when the firmware reports a mode we do not know.
    current_fn=lambda coordinator: coordinator.data.mode_option,
    select_fn=lambda control, option: control.async_set_mode(MODE_OPTIONS[option]),
)


def period_days(slot: int) -> MarstekSelectEntityDescription:
    """Days of one period: every day, working days, weekend, a single day, none, or custom.

    Seven on/off switches per period would put seventy switches on the device page for a
    choice that is nearly always one of a few sets. Other sets (Monday and Wednesday) are
    written with the set_manual_schedule action and then show as "custom", which cannot be
    chosen (schedule.days_for_option).
    """
    return MarstekSelectEntityDescription(
        **period_fields(slot, "days"),
        options=DAY_SET_OPTIONS,
        current_fn=period_value(slot, lambda period: day_set_of(period.weekdays)),
        select_fn=period_edit(slot, "weekdays", days_for_option),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the mode select and one day-set select per schedule period."""
    if (entities := kind_entities(entry, Platform.SELECT)) is not None:
        async_add_entities(entities)
        return
    coordinator = entry.runtime_data
    descriptions = [MODE_SELECT, *(period_days(slot) for slot in period_slots(coordinator))]
    async_add_entities(described(coordinator, MarstekSelect, descriptions))


class MarstekSelect(MarstekEntity, SelectEntity):
    """A select that writes through the device's one write path (control.py)."""

    entity_description: MarstekSelectEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekSelectEntityDescription,
    ) -> None:
        """Fix the options for this firmware."""
        super().__init__(coordinator, description)
        if description.options_fn is not None:
            self._attr_options = description.options_fn(coordinator.profile)

    @property
    def current_option(self) -> str | None:
        """The option the battery reports now, or the stored one."""
        return self.entity_description.current_fn(self.coordinator)

    async def async_select_option(self, option: str) -> None:
        """Switch the battery or change a period; a write is verified before this returns."""
        await self.entity_description.select_fn(self.coordinator.control, option)
