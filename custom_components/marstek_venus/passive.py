"""Passive mode's countdown and keep-alive timers.

The firmware drops the setpoint to 0 W when the countdown (``cd_time``) runs out while
ES.GetMode keeps saying "Passive". The integration therefore keeps the countdown itself: at
its end it fires the "passive countdown ended" trigger, and with the keep-alive option it
sends the command again shortly before the end, for as long as Home Assistant wants Passive.
Sending (and confirming that the battery follows) is control.py's and the library's job.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from . import const
from .const import LOGGER
from .pymarstek_venus import MarstekError


def keep_alive_lead(duration: int) -> float:
    """Seconds before the countdown's end at which the keep-alive re-sends."""
    lead = min(max(duration * 0.1, const.KEEP_ALIVE_MIN_LEAD), const.KEEP_ALIVE_MAX_LEAD)
    return min(lead, duration / 2)


class PassiveTimers:
    """The countdown Home Assistant follows for one battery, and its keep-alive."""

    def __init__(
        self,
        hass: HomeAssistant,
        host: Callable[[], str],
        *,
        keep_alive: bool,
        on_ended: Callable[[], None],
        send: Callable[[], Awaitable[None]],
    ) -> None:
        """No countdown runs until ``start``.

        ``on_ended``: the countdown ran out. ``send``: the keep-alive's write (control.py); it
        returns without sending when Home Assistant no longer wants Passive.
        """
        self._hass = hass
        self._host = host
        self.keep_alive = keep_alive
        self._on_ended = on_ended
        self._send = send
        self.ends_at: datetime | None = None  # when the battery's countdown runs out
        self.keep_alive_at: datetime | None = None
        # The AC power the last passive write that was not followed ended at (diagnostics).
        self.last_ac_power: float | None = None
        self._unsub_end: CALLBACK_TYPE | None = None
        self._unsub_keep_alive: CALLBACK_TYPE | None = None

    @callback
    def start(self, duration: int, sent_at: datetime) -> datetime:
        """The battery took a passive command sent at ``sent_at``: follow its countdown."""
        ends_at = sent_at + timedelta(seconds=duration)
        self._follow(ends_at, duration)
        return ends_at

    def _follow(self, ends_at: datetime, duration: int) -> None:
        self.cancel()
        self.ends_at = ends_at
        self._unsub_end = async_track_point_in_utc_time(
            self._hass, HassJob(self._countdown_ended, cancel_on_shutdown=True), ends_at
        )
        if self.keep_alive:
            self._schedule_keep_alive(ends_at - timedelta(seconds=keep_alive_lead(duration)))

    @callback
    def resume(self, ends_at: datetime, duration: int) -> None:
        """After a restart: follow the countdown Home Assistant started before it.

        A countdown still running is followed as if nothing happened. One that ran out while
        Home Assistant was down is not reported late; with the keep-alive option passive mode
        is sent again at once (the timer fires immediately), as it would have been.
        """
        if ends_at > dt_util.utcnow():
            self._follow(ends_at, duration)
        elif self.keep_alive:
            self._schedule_keep_alive(dt_util.utcnow())

    def _schedule_keep_alive(self, when: datetime) -> None:
        self.keep_alive_at = when
        self._unsub_keep_alive = async_track_point_in_utc_time(
            self._hass, HassJob(self.async_keep_alive, cancel_on_shutdown=True), when
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
        LOGGER.debug("Passive countdown of %s ended", self._host())
        self._on_ended()

    async def async_keep_alive(self, _now: datetime) -> None:
        """The keep-alive timer: send Passive again; on failure, retry before the end."""
        self._unsub_keep_alive = None
        self.keep_alive_at = None
        try:
            await self._send()
        except (MarstekError, HomeAssistantError) as err:
            retry = dt_util.utcnow() + timedelta(seconds=const.KEEP_ALIVE_RETRY)
            LOGGER.warning(
                "Keeping passive mode alive on %s failed (%s); trying again in %s s",
                self._host(),
                err,
                const.KEEP_ALIVE_RETRY,
            )
            # A send that got through but was not followed already planned the next one.
            if not self._keep_alive_planned() and self.ends_at is not None and retry < self.ends_at:
                self._schedule_keep_alive(retry)

    def _keep_alive_planned(self) -> bool:
        return self._unsub_keep_alive is not None
