"""The options of one entry: their form, and the options read once with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import (
    CONF_PASSIVE_KEEP_ALIVE,
    CONF_POLL_GROUPS,
    CONF_POWER_LIMIT,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    CONF_UNAVAILABLE_AFTER,
    DEFAULT_PASSIVE_KEEP_ALIVE,
    DEFAULT_POLL_GROUPS,
    DEFAULT_REQUEST_GAP,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_UNAVAILABLE_AFTER,
    MAX_REQUEST_GAP,
    MAX_SCAN_INTERVAL,
    MAX_UNAVAILABLE_AFTER,
    MIN_POWER_LIMIT,
    MIN_REQUEST_GAP,
    MIN_SCAN_INTERVAL,
    OPTIONAL_GROUPS,
    Group,
)
from .pymarstek_venus import FIRMWARE_POWER_LIMIT


@dataclass(frozen=True, slots=True)
class MarstekOptions:
    """What the user chose in the options flow, defaults filled in."""

    scan_interval: int = DEFAULT_SCAN_INTERVAL  # s between two polls
    request_gap: float = DEFAULT_REQUEST_GAP  # s between two requests to the battery
    poll_groups: frozenset[Group] = frozenset(DEFAULT_POLL_GROUPS)  # optional reads allowed
    unavailable_after: int = DEFAULT_UNAVAILABLE_AFTER  # failed polls before "unavailable"
    passive_keep_alive: bool = DEFAULT_PASSIVE_KEEP_ALIVE
    power_limit: int | None = None  # W: a lower passive/manual bound than the model's

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> MarstekOptions:
        """The entry's options; anything missing (an entry from an older release) defaults."""
        options = entry.options
        limit = options.get(CONF_POWER_LIMIT)
        return cls(
            scan_interval=int(options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)),
            request_gap=float(options.get(CONF_REQUEST_GAP, DEFAULT_REQUEST_GAP)),
            poll_groups=frozenset(
                Group(group)
                for group in options.get(CONF_POLL_GROUPS, DEFAULT_POLL_GROUPS)
                if group in OPTIONAL_GROUPS
            ),
            unavailable_after=int(options.get(CONF_UNAVAILABLE_AFTER, DEFAULT_UNAVAILABLE_AFTER)),
            passive_keep_alive=bool(
                options.get(CONF_PASSIVE_KEEP_ALIVE, DEFAULT_PASSIVE_KEEP_ALIVE)
            ),
            power_limit=int(limit) if limit else None,
        )

    def form_values(self) -> dict[str, Any]:
        """What the options form shows: these options, with no power limit as the firmware's."""
        return {
            CONF_SCAN_INTERVAL: self.scan_interval,
            CONF_REQUEST_GAP: self.request_gap,
            CONF_POLL_GROUPS: [
                str(group) for group in OPTIONAL_GROUPS if group in self.poll_groups
            ],
            CONF_UNAVAILABLE_AFTER: self.unavailable_after,
            CONF_POWER_LIMIT: self.power_limit or FIRMWARE_POWER_LIMIT,
            CONF_PASSIVE_KEEP_ALIVE: self.passive_keep_alive,
        }


def number_box(
    minimum: float, maximum: float, step: float, unit: str | None = None
) -> NumberSelector:
    """A number box; ``unit`` is shown next to it."""
    config = NumberSelectorConfig(min=minimum, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def whole_number(minimum: int, maximum: int, unit: str | None = None) -> vol.All:
    """A number box for a whole number, stored as an int (the frontend sends floats)."""
    return vol.All(number_box(minimum, maximum, 1, unit), vol.Coerce(int))


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SCAN_INTERVAL): whole_number(MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL, "s"),
        vol.Required(CONF_REQUEST_GAP): number_box(MIN_REQUEST_GAP, MAX_REQUEST_GAP, 0.1, "s"),
        vol.Required(CONF_POLL_GROUPS): SelectSelector(
            SelectSelectorConfig(
                options=[str(group) for group in OPTIONAL_GROUPS],
                multiple=True,
                mode=SelectSelectorMode.LIST,
                translation_key="poll_groups",
            )
        ),
        vol.Required(CONF_UNAVAILABLE_AFTER): whole_number(1, MAX_UNAVAILABLE_AFTER),
        vol.Required(CONF_POWER_LIMIT): whole_number(MIN_POWER_LIMIT, FIRMWARE_POWER_LIMIT, "W"),
        vol.Required(CONF_PASSIVE_KEEP_ALIVE): BooleanSelector(),
    }
)
