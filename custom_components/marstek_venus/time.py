"""Start and end time of each manual schedule period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry, MarstekDataUpdateCoordinator
from .entity import MarstekStoredEntity, period_enabled_default, period_slots
from .schedule import parse_time

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekTimeEntityDescription(TimeEntityDescription):
    """One end of a period's window."""

    slot: int
    field: str  # "start" or "end" (ManualPeriod field names)


def period_times(slot: int) -> tuple[MarstekTimeEntityDescription, ...]:
    """Start and end of one period."""
    return tuple(
        MarstekTimeEntityDescription(
            key=f"period_{slot + 1}_{field}",
            translation_key=f"period_{field}",
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=period_enabled_default(slot),
            slot=slot,
            field=field,
        )
        for field in ("start", "end")
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add start and end of every schedule period this model has."""
    coordinator = entry.runtime_data
    async_add_entities(
        MarstekPeriodTime(coordinator, description)
        for slot in period_slots(coordinator)
        for description in period_times(slot)
    )


class MarstekPeriodTime(MarstekStoredEntity, TimeEntity):
    """A period's start or end as Home Assistant keeps it (written or pending)."""

    entity_description: MarstekTimeEntityDescription

    def __init__(
        self,
        coordinator: MarstekDataUpdateCoordinator,
        description: MarstekTimeEntityDescription,
    ) -> None:
        """No method group: the schedule cannot be read from the battery."""
        super().__init__(coordinator, description, ())

    @property
    def native_value(self) -> time | None:
        """Unknown until the period is edited or written; a pending edit shows."""
        period = self.coordinator.schedule.period(self.entity_description.slot)
        if period is None:
            return None
        value: time = getattr(period, self.entity_description.field)
        return value

    async def async_set_value(self, value: time) -> None:
        """Change this period's time (whole minutes): written only while it runs in Manual.

        Errors come translated from the schedule writer, which also reads the battery again
        after a write; an edit kept pending sends nothing at all (schedule_writer.py).
        """
        description = self.entity_description
        await self.coordinator.async_update_period(
            description.slot, **{description.field: parse_time(value)}
        )
