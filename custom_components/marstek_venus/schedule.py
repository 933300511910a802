"""Manual schedule periods as users see them: numbering, day sets, times and validation.

Rules (also in the README):

* Periods are numbered 1..10 (1..6 on the Venus E mini) in entities and actions; on the wire
  they are slots 0..9.
* Times are whole minutes. An enabled period must end after it starts on the same day;
  ``23:59`` as the end means "until midnight". A window across midnight is two periods
  (22:00-23:59 and 00:00-06:00): the firmware's handling of an end before the start is not
  documented, so the integration does not send one.
* An enabled period needs at least one weekday. A disabled period may hold anything: it never
  runs (the cleared pattern is 00:00-00:00, no days, 0 W).
* Power is in W with the battery's sign: positive discharges, negative charges, within the
  power limit (the model's, or a lower one from the options).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN
from .pymarstek_venus import ALL_DAYS, ManualPeriod, PowerLimits, Weekday, format_time

# Weekday names used by the actions, "mon" to "sun" (bit 0 = Monday, as the firmware's week_set).
WEEKDAY_NAMES: dict[str, Weekday] = {str(day.name).lower(): day for day in Weekday}

WORKING_DAYS = Weekday.MON | Weekday.TUE | Weekday.WED | Weekday.THU | Weekday.FRI
WEEKEND = Weekday.SAT | Weekday.SUN

# The day-set select of a period: the sets people schedule by (tariffs differ between working
# days and weekends), single days, and "none". Any other set is shown as "custom" and can be
# written with the set_manual_schedule action.
DAY_SETS: dict[str, Weekday] = {
    "every_day": ALL_DAYS,
    "working_days": WORKING_DAYS,
    "weekend": WEEKEND,
    "monday": Weekday.MON,
    "tuesday": Weekday.TUE,
    "wednesday": Weekday.WED,
    "thursday": Weekday.THU,
    "friday": Weekday.FRI,
    "saturday": Weekday.SAT,
    "sunday": Weekday.SUN,
    "none": Weekday(0),
}
CUSTOM_DAYS = "custom"
DAY_SET_OPTIONS: list[str] = [*DAY_SETS, CUSTOM_DAYS]


def day_set_of(weekdays: Weekday) -> str:
    """The select option that shows ``weekdays``."""
    for option, days in DAY_SETS.items():
        if days == weekdays:
            return option
    return CUSTOM_DAYS


def days_for_option(option: str) -> Weekday:
    """The weekdays a day-set option stands for ("custom" cannot be chosen)."""
    if option == CUSTOM_DAYS:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="custom_days", translation_placeholders={}
        )
    return parse_days(option)


# Every name a day can be given by: the three-letter names of the action, the full names
# and the day sets of the select. Nothing is shortened: "monkey" is not Monday.
_DAYS_BY_NAME: dict[str, Weekday] = {**WEEKDAY_NAMES, **DAY_SETS}


def parse_days(value: str | Iterable[str]) -> Weekday:
    """Weekdays from a list of day names, or one string of names separated by commas.

    Names are matched whole, in any case, with surrounding spaces ignored: "mon", "Monday",
    "working_days", "mon, tue" and ["sat", "sun"] are days; "monkey", "mon tue" and the empty
    entry of "mon,,tue" are not. The one parser for the action, the period-days select and the
    blueprints, so that all of them take the same names.
    """
    items = [value] if isinstance(value, str) else list(value)
    days = Weekday(0)
    for item in items:
        text = str(item)
        for name in text.split(","):
            key = name.strip().lower()
            if key not in _DAYS_BY_NAME:
                # An empty entry names nothing: show the whole input instead.
                shown = name.strip() or text
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="invalid_weekday",
                    translation_placeholders={"day": shown},
                )
            days |= _DAYS_BY_NAME[key]
    return days


def parse_time(value: object) -> time:
    """A whole-minute time from a ``time`` or an "HH:MM" / "HH:MM:SS" string."""
    parsed: time | None = None
    if isinstance(value, time):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = time.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None or parsed.second or parsed.microsecond or parsed.tzinfo is not None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_time",
            translation_placeholders={"value": str(value)},
        )
    return parsed


def blank_period(slot: int) -> ManualPeriod:
    """The starting point for editing a period the integration has not written yet."""
    return ManualPeriod(
        slot=slot, start=time(0, 0), end=time(0, 0), weekdays=ALL_DAYS, power=0, enabled=False
    )


def cleared_period(slot: int) -> ManualPeriod:
    """The disabled pattern that clears a slot (and the mode-switch placeholder)."""
    return ManualPeriod(
        slot=slot, start=time(0, 0), end=time(0, 0), weekdays=Weekday(0), power=0, enabled=False
    )


def validate_period(period: ManualPeriod, slots: int, power_limit: PowerLimits) -> None:
    """Raise a translated ServiceValidationError for a period the battery must not get."""
    number = str(period.slot + 1)
    if not 0 <= period.slot < slots:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_period",
            translation_placeholders={"period": number, "count": str(slots)},
        )
    validate_power(period.power, power_limit)
    for value in (period.start, period.end):
        parse_time(value)
    if not period.enabled:
        return
    if not period.weekdays:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_weekdays",
            translation_placeholders={"period": number},
        )
    if period.end <= period.start:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="end_not_after_start",
            translation_placeholders={
                "period": number,
                "start": format_time(period.start),
                "end": format_time(period.end),
            },
        )


def validate_power(power: int, power_limit: PowerLimits) -> None:
    """Power in W (- charge, + discharge) within the battery's limits."""
    if not power_limit.allows(power):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="power_out_of_range",
            translation_placeholders={
                "power": str(power),
                "min": str(-power_limit.charge),
                "max": str(power_limit.discharge),
            },
        )
