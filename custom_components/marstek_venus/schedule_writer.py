"""When manual schedule edits reach the battery, and what stays pending until then.

The Open API stores a period only through ES.SetMode with the Manual configuration, and that
request also switches the battery to Manual (marstek-open-api.md §2.7): a period cannot be
written while the battery stays in Auto, AI, Passive or UPS. Writing on every edit would end
a passive charge because someone moved a period's end by ten minutes. So an edit made through
an entity reaches the battery at once only when it changes what the battery runs now:

* the battery reports Manual (asked again right before the write: it may have left Manual
  through the app since the last poll), and
* the period is enabled, or is enabled on the battery (switching it off must stop it).

Any other edit is kept as *pending*: stored (store.py), shown by the period entities and by the
"Schedule changes pending" binary sensor, and not sent. Pending edits are written, each
verified, when Manual is selected, when the Apply schedule button is pressed (which selects
Manual), or when an action writes periods (actions switch to Manual, as documented). A write
that fails keeps its edit pending and raises a translated error; the periods written before it
count as written. What the battery had is never overwritten by anything but what Home
Assistant shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .modes import switch_period
from .pymarstek_venus import ManualPeriod, MarstekError, Mode, PowerLimits
from .runtime import MarstekRuntime
from .schedule import blank_period, validate_period
from .store import StoredState


class ScheduleOwner(Protocol):
    """What the schedule uses of its owner (control.py), which holds the device lock."""

    @property
    def runtime(self) -> MarstekRuntime:
        """The battery's coordinator."""

    @property
    def settings(self) -> StoredState:
        """What the integration wrote."""

    @property
    def power_limit(self) -> PowerLimits:
        """Passive and manual power bounds."""

    async def async_saved(self) -> None:
        """Store the settings and let the entities show them."""


class ScheduleWriter:
    """The manual schedule of one battery: shown, pending and written periods.

    The writes run inside control.py's write path (device lock held, errors translated,
    refresh after).
    """

    def __init__(self, owner: ScheduleOwner) -> None:
        """Nothing is pending until an edit is kept back."""
        self._owner = owner

    def period(self, slot: int) -> ManualPeriod | None:
        """What the entities show: the pending edit, else what was written (None: neither)."""
        settings = self._owner.settings
        pending = settings.pending.get(slot)
        return pending if pending is not None else settings.periods.get(slot)

    def pending_slots(self) -> list[int]:
        """Slots with an edit the battery has not taken yet (of this model's slots)."""
        count = self._owner.runtime.profile.manual_slots
        return sorted(slot for slot in self._owner.settings.pending if slot < count)

    def _validate(self, period: ManualPeriod) -> None:
        owner = self._owner
        validate_period(period, owner.runtime.profile.manual_slots, owner.power_limit)

    def check_pending(self, replaced: Iterable[int] = ()) -> None:
        """Raise a translated error for a pending edit that may no longer be written.

        Pending edits were checked when they were made; a lower power limit since then can
        make one invalid. Checked before anything is sent; ``replaced`` slots are skipped.
        """
        pending = self._owner.settings.pending
        skip = set(replaced)
        for slot in self.pending_slots():
            if slot not in skip:
                self._validate(pending[slot])

    def stage(self, periods: Sequence[ManualPeriod]) -> None:
        """Take an action's periods as pending, once they and what is pending are valid."""
        for period in periods:
            self._validate(period)
        self.check_pending(period.slot for period in periods)
        pending = self._owner.settings.pending
        for period in periods:
            # Written even when it equals what was written: the app may have changed the slot.
            pending[period.slot] = period

    def edit(self, slot: int, **changes: Any) -> ManualPeriod | None:
        """One entity's edit of one period, kept pending; the period to write now, if any.

        It is written now only when it changes what the battery runs (module docstring).
        """
        settings = self._owner.settings
        period = replace(self.period(slot) or blank_period(slot), **changes)
        self._validate(period)
        on_battery = settings.periods.get(slot)
        if period == on_battery:
            settings.pending.pop(slot, None)  # back to what the battery has: nothing to write
        else:
            settings.pending[slot] = period
        runs = period.enabled or (on_battery is not None and on_battery.enabled)
        return period if slot in settings.pending and runs and self._reports_manual() else None

    async def async_switch_to_manual(self) -> None:
        """Switch to Manual: write every pending edit, or one known period again."""
        settings = self._owner.settings
        pending = [settings.pending[slot] for slot in self.pending_slots()]
        if not pending:
            period = switch_period(self._owner.runtime.profile, settings.periods)
            await self._owner.runtime.client.set_manual_period(period)
            settings.periods.setdefault(period.slot, period)
            return
        try:
            await self._async_write(pending)
        finally:
            await self._owner.async_saved()

    def _reports_manual(self) -> bool:
        data = self._owner.runtime.data
        return (
            data is not None
            and data.online
            and data.mode is not None
            and data.mode.mode is Mode.MANUAL
        )

    async def async_write_if_manual(self, period: ManualPeriod) -> None:
        """Write an edited period, unless the battery left Manual since the last poll."""
        try:
            status = await self._owner.runtime.client.get_mode()
        except MarstekError as err:
            raise _not_written(period, err) from err
        if status.mode is not Mode.MANUAL:
            return  # it left Manual since the last poll: the edit stays pending
        await self._async_write([period])

    async def _async_write(self, periods: Iterable[ManualPeriod]) -> None:
        """Write periods one by one, each verified by the client; each one taken is stored."""
        settings = self._owner.settings
        client = self._owner.runtime.client
        for period in periods:
            try:
                await client.set_manual_period(period)
            except MarstekError as err:
                raise _not_written(period, err) from err
            settings.periods[period.slot] = period
            if settings.pending.get(period.slot) == period:
                # Not a newer edit made while this one was on its way: that one stays.
                del settings.pending[period.slot]


def _not_written(period: ManualPeriod, err: MarstekError) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="schedule_not_written",
        translation_placeholders={"period": str(period.slot + 1), "error": str(err)},
    )
