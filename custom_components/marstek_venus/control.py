"""Every write to one battery, and what Home Assistant intends it to do.

One write path (``device_action``, after Elgato's ``elgato_device_action``): each write takes
the client's device lock for its whole length (so polling pauses while the client verifies,
and nothing interleaves with it), calls the library, turns library errors into translated
Home Assistant errors, and asks for a refresh afterwards, whether or not the battery took the
command. Entities, the actions (services.py) and the repair fix flow (repairs.py) all call
the methods below.

The intended state (store.py) changes only after the battery confirmed a write. The mode of a
write in progress, or of one that failed to confirm, is remembered: when the battery reports
it later, that is Home Assistant's doing and not a change from outside (watch.py).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from functools import wraps
from typing import Any, Concatenate

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from . import issues
from .const import Trigger
from .helpers import async_fire_trigger, translate_errors
from .options import MarstekOptions
from .passive import PassiveTimers
from .pymarstek_venus import (
    ManualPeriod,
    MarstekPassiveNotFollowedError,
    Mode,
    PassiveConfig,
    PowerLimits,
)
from .runtime import MarstekRuntime
from .schedule import cleared_period
from .schedule_writer import ScheduleWriter
from .store import MarstekStore, StoredState


def device_action[**P](
    func: Callable[Concatenate[MarstekControl, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[MarstekControl, P], Coroutine[Any, Any, None]]:
    """The write path: device lock, library call, translated errors, refresh after."""

    @wraps(func)
    async def write(self: MarstekControl, /, *args: P.args, **kwargs: P.kwargs) -> None:
        runtime = self.runtime
        try:
            with translate_errors():
                async with runtime.client.lock:
                    await func(self, *args, **kwargs)
        finally:
            # Show what the battery does now, whether or not it took the command.
            await runtime.async_request_refresh()

    return write


class MarstekControl:
    """The writes to one battery and the state Home Assistant keeps about them."""

    def __init__(
        self, runtime: MarstekRuntime, store: MarstekStore, options: MarstekOptions
    ) -> None:
        """Nothing is loaded or sent until ``async_load``."""
        self.runtime = runtime
        self.store = store
        self._power_limit_option = options.power_limit
        self.settings = StoredState()
        self.schedule = ScheduleWriter(self)
        self.passive = PassiveTimers(
            runtime.hass,
            lambda: runtime.client.host,
            keep_alive=options.passive_keep_alive,
            on_ended=self._passive_ended,
            send=self._async_keep_alive,
        )
        # The mode of a write in progress (or one that failed to confirm), and the mode Home
        # Assistant just wrote: the next poll's change to either is not "outside".
        self.attempted_mode: Mode | None = None
        self.own_change: Mode | None = None

    async def async_load(self) -> None:
        """Load what the integration wrote before."""
        self.settings = await self.store.async_load()

    @callback
    def async_resume(self) -> None:
        """After set-up: follow a passive countdown Home Assistant started before a restart."""
        settings = self.settings
        if settings.mode is Mode.PASSIVE and settings.passive_ends_at is not None:
            self.passive.resume(settings.passive_ends_at, settings.passive_duration)

    @property
    def power_limit(self) -> PowerLimits:
        """Passive and manual power bounds: the model's AC limits, lowered by the option."""
        return self.runtime.profile.power_limits.capped(self._power_limit_option)

    def wants_passive(self) -> bool:
        """Home Assistant set Passive and the battery still runs it (or has not said)."""
        data = self.runtime.data
        if self.settings.mode is not Mode.PASSIVE or data is None or not data.online:
            return False
        reported = data.mode.mode if data.mode is not None else None
        return reported in (None, Mode.PASSIVE)

    async def async_saved(self) -> None:
        """Store the settings and let the entities show them."""
        await self.store.async_save(self.settings)
        self.runtime.async_update_listeners()

    # Modes
    @device_action
    async def async_set_mode(self, mode: Mode) -> None:
        """Switch the operating mode with the parameters the integration keeps."""
        await self._async_set_mode(mode)

    async def _async_set_mode(self, mode: Mode) -> None:
        if mode is Mode.MANUAL:
            self.schedule.check_pending()
        self.attempted_mode = mode
        if mode is Mode.PASSIVE:
            await self._async_send_passive()
        elif mode is Mode.MANUAL:
            # Pending schedule edits are written now, or one known period is rewritten.
            await self.schedule.async_switch_to_manual()
        else:
            await self.runtime.client.set_mode(mode)
        await self.async_mode_written(mode)

    async def async_mode_written(self, mode: Mode) -> None:
        """The battery runs ``mode`` because Home Assistant asked for it."""
        self.attempted_mode = None
        self.own_change = mode
        self.settings.mode = mode
        if mode is not Mode.PASSIVE:
            self.stop_passive()
        issues.async_delete(self.runtime.hass, self.runtime.config_entry, issues.SETTINGS_RESET)
        await self.store.async_save(self.settings)
        # The client read the new mode back before the write counted as done: show it now
        # rather than after the (debounced) refresh.
        self.runtime.show_mode(mode)
        self.runtime.async_update_listeners()

    @callback
    def stop_passive(self) -> None:
        """Passive is no longer Home Assistant's to follow or keep alive."""
        self.passive.cancel()
        self.settings.passive_ends_at = None

    # Passive
    async def async_set_passive(
        self, power: int | None = None, duration: int | None = None, *, send: bool
    ) -> None:
        """Store new passive parameters; with ``send``, switch to Passive with them."""
        if power is not None:
            self.settings.passive_power = power
        if duration is not None:
            self.settings.passive_duration = duration
        await self.async_saved()
        if send:
            await self.async_set_mode(Mode.PASSIVE)

    async def _async_send_passive(self) -> None:
        """Send the stored power and duration; the library confirms that the power follows.

        The battery's countdown starts each time it takes the command (the library may send
        it twice), so that is when the countdown Home Assistant follows starts too; a
        command taken but not followed runs its countdown all the same.
        """
        settings = self.settings
        power, duration = settings.passive_power, settings.passive_duration
        data = self.runtime.data
        self.passive.last_ac_power = None

        def countdown_started() -> None:
            settings.passive_ends_at = self.passive.start(duration, dt_util.utcnow())

        try:
            await self.runtime.client.set_passive(
                PassiveConfig(power=power, duration=duration),
                confirm=True,
                battery=data.battery if data is not None else None,
                on_sent=countdown_started,
            )
        except MarstekPassiveNotFollowedError as err:
            self.passive.last_ac_power = err.actual
            raise

    @callback
    def _passive_ended(self) -> None:
        runtime = self.runtime
        async_fire_trigger(
            runtime.hass, runtime.config_entry, runtime.client.host, Trigger.PASSIVE_ENDED
        )

    async def _async_keep_alive(self) -> None:
        """The keep-alive's write: Passive again, while Home Assistant still wants it."""
        if not self.wants_passive():
            return
        async with self.runtime.client.lock:
            await self._async_send_passive()
        await self.store.async_save(self.settings)  # the new end of the countdown

    # Schedule
    @device_action
    async def async_write_periods(self, periods: Sequence[ManualPeriod]) -> None:
        """The actions: write these periods and every pending edit now, switching to Manual.

        All are validated before anything is sent. Writing a period switches the battery to
        Manual (the firmware has no other way to take one). When a write fails, the periods
        written before it count as written and the rest stay pending (schedule_writer.py).
        """
        self.schedule.stage(periods)
        await self._async_set_mode(Mode.MANUAL)

    async def async_update_period(self, slot: int, **changes: Any) -> None:
        """An entity's edit of one period: written at once only while it runs in Manual.

        An edit kept pending sends nothing at all, not even a refresh.
        """
        period = self.schedule.edit(slot, **changes)
        try:
            if period is not None:
                await self._async_write_period(period)
        finally:
            await self.async_saved()

    @device_action
    async def _async_write_period(self, period: ManualPeriod) -> None:
        await self.schedule.async_write_if_manual(period)

    async def async_clear_periods(self, slots: Iterable[int]) -> None:
        """Write the disabled pattern into the given slots (and what is pending)."""
        await self.async_write_periods([cleared_period(slot) for slot in slots])

    # Settings the battery cannot report: remembered once it confirmed them.
    @device_action
    async def async_set_depth_of_discharge(self, percent: int) -> None:
        """DOD.SET."""
        await self.runtime.client.set_depth_of_discharge(percent)
        self.settings.dod = percent
        await self.async_saved()

    @device_action
    async def async_set_led(self, on: bool) -> None:
        """Led.Ctrl."""
        await self.runtime.client.set_led(on)
        self.settings.led = on
        await self.async_saved()

    @device_action
    async def async_set_ble_advertising(self, on: bool) -> None:
        """Ble.Adv."""
        await self.runtime.client.set_ble_advertising(on)
        self.settings.ble_advertising = on
        await self.async_saved()

    @device_action
    async def async_reapply(self) -> None:
        """Write everything stored back: schedule, device settings, then the mode."""
        runtime, settings = self.runtime, self.settings
        client, profile = runtime.client, runtime.profile
        periods = [settings.periods[slot] for slot in sorted(settings.periods)]
        periods = [period for period in periods if period.slot < profile.manual_slots]
        if periods:
            self.attempted_mode = Mode.MANUAL
        for period in periods:
            await client.set_manual_period(period)
        if profile.supports_settings:
            if settings.dod is not None:
                await client.set_depth_of_discharge(settings.dod)
            if settings.led is not None:
                await client.set_led(settings.led)
            if settings.ble_advertising is not None:
                await client.set_ble_advertising(settings.ble_advertising)
        if settings.mode is Mode.MANUAL and periods:
            await self.async_mode_written(Mode.MANUAL)  # writing the periods switched it
        elif settings.mode is not None:
            await self._async_set_mode(settings.mode)
        issues.async_delete(runtime.hass, runtime.config_entry, issues.SETTINGS_RESET)
