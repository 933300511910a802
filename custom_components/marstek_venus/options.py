"""The options of one entry, read once with their defaults (see the options flow)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

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
    OPTIONAL_GROUPS,
    Group,
)


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
