"""What the entities of one manual schedule period share: fields, value and edit functions.

Each period (``slot`` 0-based, shown as 1..10) has a start and end time, days, power and an
on/off switch. The battery cannot report its schedule, so they show what Home Assistant keeps:
the pending edit, else what was written, else unknown (schedule_writer.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypedDict

from homeassistant.const import EntityCategory

from .const import DEFAULT_ENABLED_PERIODS
from .control import MarstekControl
from .coordinator import MarstekDataUpdateCoordinator
from .entity import Reader, Writer
from .pymarstek_venus import ManualPeriod


class PeriodFields(TypedDict):
    """The description fields every entity of one schedule period shares."""

    key: str
    translation_key: str
    entity_category: EntityCategory
    entity_registry_enabled_default: bool
    slot: int
    stored: bool


def period_fields(slot: int, what: str) -> PeriodFields:
    """``period_3_start`` and so on; the first few periods are enabled by default.

    The rest are created disabled so the device page stays readable (most tariff
    schedules need two or three).
    """
    return PeriodFields(
        key=f"period_{slot + 1}_{what}",
        translation_key=f"period_{what}",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=slot < DEFAULT_ENABLED_PERIODS,
        slot=slot,
        stored=True,
    )


def period_slots(coordinator: MarstekDataUpdateCoordinator) -> range:
    """The schedule slots of this model (0-based)."""
    return range(coordinator.profile.manual_slots)


def period_value[T](slot: int, read: Callable[[ManualPeriod], T]) -> Reader[T]:
    """What a period entity shows: the pending edit, else what was written, else unknown."""

    def value(coordinator: MarstekDataUpdateCoordinator) -> T | None:
        period = coordinator.control.schedule.period(slot)
        return read(period) if period is not None else None

    return value


def period_edit[T](
    slot: int, field: str, parse: Callable[[T], object] = lambda value: value
) -> Writer[T]:
    """A period entity's change of one ``ManualPeriod`` field.

    It is written at once only while the period runs in Manual, else kept pending; the
    schedule writer translates its errors and reads the battery again only when it wrote
    (schedule_writer.py).
    """

    def edit(control: MarstekControl, value: T) -> Awaitable[None]:
        return control.async_update_period(slot, **{field: parse(value)})

    return edit
