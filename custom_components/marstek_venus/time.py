"""Start and end time of each manual schedule period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from operator import attrgetter

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MarstekConfigEntry
from .entity import MarstekEntity, MarstekEntityDescription, Reader, Writer, described
from .kinds import kind_entities
from .period_entity import period_edit, period_fields, period_slots, period_value
from .schedule import parse_time

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class MarstekTimeEntityDescription(TimeEntityDescription, MarstekEntityDescription):
    """One end of a period's window."""

    value_fn: Reader[time]
    set_fn: Writer[time]


def period_times(slot: int) -> tuple[MarstekTimeEntityDescription, ...]:
    """Start and end of one period (whole minutes: ``parse_time`` refuses seconds)."""
    return tuple(
        MarstekTimeEntityDescription(
            **period_fields(slot, field),
            value_fn=period_value(slot, attrgetter(field)),
            set_fn=period_edit(slot, field, parse_time),
        )
        for field in ("start", "end")  # ManualPeriod field names
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MarstekConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add start and end of every schedule period this model has."""
    if (entities := kind_entities(entry, Platform.TIME)) is not None:
        async_add_entities(entities)
        return
    coordinator = entry.runtime_data
    descriptions = (
        description for slot in period_slots(coordinator) for description in period_times(slot)
    )
    async_add_entities(described(coordinator, MarstekPeriodTime, descriptions))


class MarstekPeriodTime(MarstekEntity, TimeEntity):
    """A period's start or end as Home Assistant keeps it (written or pending)."""

    entity_description: MarstekTimeEntityDescription

    @property
    def native_value(self) -> time | None:
        """Unknown until the period is edited or written; a pending edit shows."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_set_value(self, value: time) -> None:
        """Change this period's time: written only while it runs in Manual."""
        await self.entity_description.set_fn(self.coordinator.control, value)
