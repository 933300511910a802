"""What the integration last wrote to a battery, kept in Home Assistant's storage.

The battery cannot report its manual schedule, its depth of discharge, its LED or BLE
advertising setting, nor the passive parameters (marstek-open-api.md §2.7, §2.8). The
integration keeps what it wrote, per config entry, in ``.storage/marstek_venus.<entry_id>``,
so the entities show it after a restart and a reset battery can be put back.

A value is only stored as written after the battery confirmed the write: a failed write
leaves the stored state as it was. Schedule edits the battery has not taken yet (it was not in
Manual, the period is disabled, or the write failed) are kept apart as ``pending`` until they
are written (schedule_writer.py). The mode is the one "intended" mode: the last mode Home Assistant set,
or the last mode it saw the battery switch to by other means while it was watching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DEFAULT_PASSIVE_DURATION, DEFAULT_PASSIVE_POWER, DOMAIN, LOGGER, STORAGE_VERSION
from .pymarstek_venus import ManualPeriod, Mode, Weekday, format_time


@dataclass(slots=True)
class StoredState:
    """The integration's memory of one battery."""

    mode: Mode | None = None
    passive_power: int = DEFAULT_PASSIVE_POWER  # W, + discharge / - charge
    passive_duration: int = DEFAULT_PASSIVE_DURATION  # s
    # When the battery's passive countdown runs out (UTC), so that the countdown trigger
    # and the keep-alive survive a restart of Home Assistant.
    passive_ends_at: datetime | None = None
    periods: dict[int, ManualPeriod] = field(default_factory=dict)  # by 0-based slot
    # Edits not on the battery yet, by slot: shown by the entities, written on apply.
    pending: dict[int, ManualPeriod] = field(default_factory=dict)
    dod: int | None = None  # %
    led: bool | None = None
    ble_advertising: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (also used by diagnostics)."""
        return {
            "mode": str(self.mode) if self.mode is not None else None,
            "passive": {
                "power": self.passive_power,
                "duration": self.passive_duration,
                "ends_at": self.passive_ends_at.isoformat() if self.passive_ends_at else None,
            },
            "periods": _periods_to_dict(self.periods),
            "pending": _periods_to_dict(self.pending),
            "dod": self.dod,
            "led": self.led,
            "ble_advertising": self.ble_advertising,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredState:
        """Read a stored dict; anything malformed is dropped rather than failing set-up."""
        state = cls()
        try:
            state.mode = Mode(data["mode"]) if data.get("mode") else None
        except ValueError:
            LOGGER.warning("Ignoring unknown stored mode %r", data.get("mode"))
        passive = data.get("passive") or {}
        state.passive_power = _int(passive.get("power"), DEFAULT_PASSIVE_POWER)
        state.passive_duration = _int(passive.get("duration"), DEFAULT_PASSIVE_DURATION)
        ends_at = passive.get("ends_at")
        parsed = dt_util.parse_datetime(ends_at) if isinstance(ends_at, str) else None
        state.passive_ends_at = parsed if parsed is not None and parsed.tzinfo else None
        state.periods = _periods_from_dict(data.get("periods"))
        state.pending = _periods_from_dict(data.get("pending"))
        state.dod = data.get("dod") if isinstance(data.get("dod"), int) else None
        state.led = data.get("led") if isinstance(data.get("led"), bool) else None
        adv = data.get("ble_advertising")
        state.ble_advertising = adv if isinstance(adv, bool) else None
        return state


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _periods_to_dict(periods: dict[int, ManualPeriod]) -> dict[str, Any]:
    return {str(slot): _period_to_dict(period) for slot, period in sorted(periods.items())}


def _periods_from_dict(data: object) -> dict[int, ManualPeriod]:
    periods: dict[int, ManualPeriod] = {}
    for key, item in (data if isinstance(data, dict) else {}).items():
        try:
            period = _period_from_dict(int(key), item)
        except (KeyError, TypeError, ValueError):
            LOGGER.warning("Ignoring malformed stored period %s: %r", key, item)
            continue
        periods[period.slot] = period
    return periods


def _period_to_dict(period: ManualPeriod) -> dict[str, Any]:
    return {
        "start": format_time(period.start),
        "end": format_time(period.end),
        "weekdays": int(period.weekdays),
        "power": period.power,
        "enabled": period.enabled,
    }


def _period_from_dict(slot: int, item: dict[str, Any]) -> ManualPeriod:
    weekdays = item["weekdays"]
    power = item["power"]
    enabled = item["enabled"]
    if not isinstance(weekdays, int) or not 0 <= weekdays <= 127:
        raise ValueError(weekdays)
    if not isinstance(power, int) or not isinstance(enabled, bool):
        raise TypeError(power)
    return ManualPeriod(
        slot=slot,
        start=time.fromisoformat(item["start"]),
        end=time.fromisoformat(item["end"]),
        weekdays=Weekday(weekdays),
        power=power,
        enabled=enabled,
    )


class MarstekStore:
    """Loads and saves the StoredState of one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Nothing is read until async_load."""
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")

    async def async_load(self) -> StoredState:
        """The stored state, or a blank one for a battery the integration never wrote to."""
        data = await self._store.async_load()
        return StoredState.from_dict(data) if isinstance(data, dict) else StoredState()

    async def async_save(self, state: StoredState) -> None:
        """Write the state to disk now (writes are rare: one per confirmed command)."""
        await self._store.async_save(state.as_dict())

    async def async_remove(self) -> None:
        """Delete the file when the entry is removed."""
        await self._store.async_remove()
