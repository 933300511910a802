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
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .modes import switch_period
from .pymarstek_venus.const import Mode
from .pymarstek_venus.errors import MarstekError
from .pymarstek_venus.models import ManualPeriod
from .schedule import blank_period, validate_period

if TYPE_CHECKING:
    from .coordinator import MarstekDataUpdateCoordinator


class ScheduleWriter:
    """The manual schedule of one battery: shown, pending and written periods."""

    def __init__(self, coordinator: MarstekDataUpdateCoordinator) -> None:
        """Nothing is pending until an edit is kept back."""
        self._coordinator = coordinator

    def period(self, slot: int) -> ManualPeriod | None:
        """What the entities show: the pending edit, else what was written (None: neither)."""
        settings = self._coordinator.settings
        pending = settings.pending.get(slot)
        return pending if pending is not None else settings.periods.get(slot)

    def pending_slots(self) -> list[int]:
        """Slots with an edit the battery has not taken yet (of this model's slots)."""
        count = self._coordinator.profile.manual_slots
        return sorted(slot for slot in self._coordinator.settings.pending if slot < count)

    def check_pending(self, replaced: Iterable[int] = ()) -> None:
        """Raise a translated error for a pending edit that may no longer be written.

        Pending edits were checked when they were made; a lower power limit since then can
        make one invalid. Checked before anything is sent; ``replaced`` slots are skipped.
        """
        coordinator = self._coordinator
        pending = coordinator.settings.pending
        skip = set(replaced)
        for slot in self.pending_slots():
            if slot not in skip:
                validate_period(
                    pending[slot], coordinator.profile.manual_slots, coordinator.power_limit
                )

    def stage(self, periods: Sequence[ManualPeriod]) -> None:
        """Take an action's periods as pending, once they and what is pending are valid."""
        coordinator = self._coordinator
        for period in periods:
            validate_period(period, coordinator.profile.manual_slots, coordinator.power_limit)
        self.check_pending(period.slot for period in periods)
        pending = coordinator.settings.pending
        for period in periods:
            # Written even when it equals what was written: the app may have changed the slot.
            pending[period.slot] = period

    async def async_edit(self, slot: int, **changes: Any) -> None:
        """One entity's edit of one period: written now, or kept pending (module docstring)."""
        coordinator = self._coordinator
        settings = coordinator.settings
        period = replace(self.period(slot) or blank_period(slot), **changes)
        validate_period(period, coordinator.profile.manual_slots, coordinator.power_limit)
        on_battery = settings.periods.get(slot)
        if period == on_battery:
            settings.pending.pop(slot, None)  # back to what the battery has: nothing to write
        else:
            settings.pending[slot] = period
        runs = period.enabled or (on_battery is not None and on_battery.enabled)
        try:
            if slot in settings.pending and runs and self._reports_manual():
                await self._async_write_if_manual(period)
        finally:
            await self._async_saved()

    async def async_switch_to_manual_locked(self) -> None:
        """Switch to Manual (gate held): write every pending edit, or one known period again."""
        coordinator = self._coordinator
        settings = coordinator.settings
        pending = [settings.pending[slot] for slot in self.pending_slots()]
        if not pending:
            period = switch_period(coordinator.profile, settings.periods)
            await coordinator.client.set_manual_period(period)
            settings.periods.setdefault(period.slot, period)
            return
        try:
            await self._async_write_locked(pending)
        finally:
            await self._async_saved()

    def _reports_manual(self) -> bool:
        data = self._coordinator.data
        return (
            data is not None
            and data.online
            and data.mode is not None
            and data.mode.mode is Mode.MANUAL
        )

    async def _async_write_if_manual(self, period: ManualPeriod) -> None:
        coordinator = self._coordinator
        try:
            async with coordinator.gate:
                try:
                    status = await coordinator.client.get_mode()
                except MarstekError as err:
                    raise _not_written(period, err) from err
                if status.mode is not Mode.MANUAL:
                    return  # it left Manual since the last poll: the edit stays pending
                await self._async_write_locked([period])
        finally:
            # Show what the battery does now (its mode, the power of a period now running).
            await coordinator.async_request_refresh()

    async def _async_write_locked(self, periods: Iterable[ManualPeriod]) -> None:
        """Write periods one by one, each verified by the client; each one taken is stored."""
        coordinator = self._coordinator
        settings = coordinator.settings
        for period in periods:
            try:
                await coordinator.client.set_manual_period(period)
            except MarstekError as err:
                raise _not_written(period, err) from err
            settings.periods[period.slot] = period
            if settings.pending.get(period.slot) == period:
                # Not a newer edit made while this one was on its way: that one stays.
                del settings.pending[period.slot]

    async def _async_saved(self) -> None:
        coordinator = self._coordinator
        await coordinator.store.async_save(coordinator.settings)
        coordinator.async_update_listeners()


def _not_written(period: ManualPeriod, err: MarstekError) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="schedule_not_written",
        translation_placeholders={"period": str(period.slot + 1), "error": str(err)},
    )
