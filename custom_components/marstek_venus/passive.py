"""Passive mode: send the setpoint, confirm the battery follows it, keep it alive.

Field reports say passive commands are unreliable: the battery acknowledges and then does
nothing, or reacts only to the second command (Venus E 3.0 fw 144, marstek-open-api.md §2.8),
and a battery asked for more than its inverter can do accepts the command and delivers its
limit (a Venus A asked for 2000 W delivered 1200 W, issue 9). So a passive write only counts
as confirmed when ES.GetMode's AC power is the requested power, within a tolerance
(``pymarstek_venus.writes.delivers``). It is read a few times; when the power is not there, the
command is sent once more, and if that does not help either, the caller gets a translated
error naming both numbers.

The firmware drops the setpoint to 0 W when the countdown (``cd_time``) runs out while
ES.GetMode keeps saying "Passive". The integration therefore keeps the countdown itself: at
its end it fires the "passive countdown ended" trigger, and with the keep-alive option it
sends the command again shortly before the end, for as long as Home Assistant wants Passive.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE, HassJob, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from . import const
from .const import DOMAIN, LOGGER, Trigger
from .pymarstek_venus.const import Mode
from .pymarstek_venus.errors import MarstekConnectionError, MarstekError
from .pymarstek_venus.models import PassiveConfig
from .pymarstek_venus.writes import delivers

if TYPE_CHECKING:
    from .coordinator import MarstekDataUpdateCoordinator


def keep_alive_lead(duration: int) -> float:
    """Seconds before the countdown's end at which the keep-alive re-sends."""
    lead = min(max(duration * 0.1, const.KEEP_ALIVE_MIN_LEAD), const.KEEP_ALIVE_MAX_LEAD)
    return min(lead, duration / 2)


class PassiveController:
    """Passive mode of one battery; every method runs with the coordinator's gate held."""

    def __init__(self, coordinator: MarstekDataUpdateCoordinator) -> None:
        """No countdown is running until the first send."""
        self._coordinator = coordinator
        self.ends_at: datetime | None = None  # when the battery's countdown runs out
        self.keep_alive_at: datetime | None = None
        self.last_ac_power: float | None = None
        self._unsub_end: CALLBACK_TYPE | None = None
        self._unsub_keep_alive: CALLBACK_TYPE | None = None

    async def async_send(self) -> None:
        """Send the stored power and duration, confirm, resend once; raise when not followed."""
        coordinator = self._coordinator
        power = coordinator.settings.passive_power
        duration = coordinator.settings.passive_duration
        config = PassiveConfig(power=power, duration=duration)
        self.last_ac_power = None
        for attempt in range(2):
            # The client confirms the mode itself (ES.GetMode reads "Passive" again).
            await coordinator.client.set_passive(config)
            self._countdown_started(duration)
            if await self._async_confirm(power):
                return
            if not attempt:
                LOGGER.info(
                    "Marstek battery at %s delivers %s W in passive mode instead of %s W; "
                    "sending the command once more",
                    coordinator.client.host,
                    self._reading(),
                    power,
                )
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="passive_not_confirmed",
            translation_placeholders={"power": str(power), "actual": self._reading()},
        )

    def _reading(self) -> str:
        return "?" if self.last_ac_power is None else f"{self.last_ac_power:.0f}"

    def _bms_blocks(self, target: int) -> bool:
        """The battery may not move at all: full and asked to charge, or not allowed to."""
        data = self._coordinator.data
        battery = data.battery if data is not None else None
        if battery is None:
            return False
        if target < 0:
            return battery.charge_allowed is False or battery.soc == 100
        if target > 0:
            return battery.discharge_allowed is False
        return False

    async def _async_confirm(self, target: int) -> bool:
        if self._bms_blocks(target):
            LOGGER.debug("Passive %s W cannot be followed now (BMS limits); not checking", target)
            return True
        client = self._coordinator.client
        for read in range(const.PASSIVE_CONFIRM_READS):
            if read:
                await asyncio.sleep(const.PASSIVE_CONFIRM_INTERVAL)
            try:
                status = await client.get_mode()
            except MarstekConnectionError:
                continue
            if status.ac_power is None:
                continue
            self.last_ac_power = status.ac_power
            if delivers(status.ac_power, target):
                return True
        return False

    # The countdown and the keep-alive
    def _countdown_started(self, duration: int) -> None:
        ends_at = dt_util.utcnow() + timedelta(seconds=duration)
        self._coordinator.settings.passive_ends_at = ends_at
        self._follow_countdown(ends_at, duration)

    def _follow_countdown(self, ends_at: datetime, duration: int) -> None:
        self.cancel()
        self.ends_at = ends_at
        self._unsub_end = async_track_point_in_utc_time(
            self._coordinator.hass,
            HassJob(self._countdown_ended, cancel_on_shutdown=True),
            ends_at,
        )
        if self._coordinator.keep_alive:
            lead = keep_alive_lead(duration)
            self._schedule_keep_alive(ends_at - timedelta(seconds=lead))

    @callback
    def async_resume(self) -> None:
        """After a restart: follow the countdown Home Assistant started before it.

        A countdown still running is followed as if nothing happened. One that ran out while
        Home Assistant was down is not reported late; with the keep-alive option passive mode
        is sent again at once (the timer fires immediately), as it would have been.
        """
        coordinator = self._coordinator
        ends_at = coordinator.settings.passive_ends_at
        if coordinator.settings.mode is not Mode.PASSIVE or ends_at is None:
            return
        if ends_at > dt_util.utcnow():
            self._follow_countdown(ends_at, coordinator.settings.passive_duration)
        elif coordinator.keep_alive:
            self._schedule_keep_alive(dt_util.utcnow())

    def _schedule_keep_alive(self, when: datetime) -> None:
        self.keep_alive_at = when
        self._unsub_keep_alive = async_track_point_in_utc_time(
            self._coordinator.hass,
            HassJob(self._async_keep_alive, cancel_on_shutdown=True),
            when,
        )

    @callback
    def cancel(self) -> None:
        """Forget the countdown: Home Assistant no longer wants Passive (or is unloading)."""
        for unsub in (self._unsub_end, self._unsub_keep_alive):
            if unsub is not None:
                unsub()
        self._unsub_end = self._unsub_keep_alive = None
        self.ends_at = self.keep_alive_at = None

    @callback
    def _countdown_ended(self, _now: datetime) -> None:
        self._unsub_end = None
        self.ends_at = None
        LOGGER.debug("Passive countdown of %s ended", self._coordinator.client.host)
        self._coordinator.async_fire_trigger(Trigger.PASSIVE_ENDED)

    async def _async_keep_alive(self, _now: datetime) -> None:
        self._unsub_keep_alive = None
        self.keep_alive_at = None
        coordinator = self._coordinator
        if not coordinator.wants_passive():
            return
        try:
            async with coordinator.gate:
                await self.async_send()
        except (MarstekError, HomeAssistantError) as err:
            retry = dt_util.utcnow() + timedelta(seconds=const.KEEP_ALIVE_RETRY)
            LOGGER.warning(
                "Keeping passive mode alive on %s failed (%s); trying again in %s s",
                coordinator.client.host,
                err,
                const.KEEP_ALIVE_RETRY,
            )
            # A send that got through but was not followed already planned the next one.
            if self._unsub_keep_alive is None and self.ends_at is not None and retry < self.ends_at:
                self._schedule_keep_alive(retry)
            return
        await coordinator.store.async_save(coordinator.settings)  # the new end of the countdown
        LOGGER.debug("Passive mode of %s kept alive", coordinator.client.host)
