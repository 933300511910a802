"""A running emulated Shelly meter: the UDP server, what it answers, and who follows it.

Every poll is answered from the live state of the source sensor(s) at that moment
(meter_config.py): no polling, no cached value. Who asks is told by the poll's source address:

* a battery this meter serves: the grid power, or its share when several served batteries
  follow the meter (library ``FleetShares``: shares on each battery's estimated output, and
  none crossing zero while another is on the other side), so that they do not fight
  (meter-emulation.md §4). A battery is recognised by its coordinator's current address (a host name is resolved,
  and a new address is followed), else by the IPv4 address its entry stores;
* a configured battery this meter does not serve: nothing;
* anyone else: nothing, or the whole grid value when the user says so.

What a battery is told is paced to the source: a source slower than the battery's polls (a
DSMR 4 meter every 10 s) must not be added again on every poll (docs/zero-export.md). A lone
follower's ``SourcePacer`` hands each sample out in chunks, one per time the battery can act;
several followers are answered what is left of the sample after what they were told since
(``FleetShares``, from the source's sample time).

A battery *follows* while it polled within ``FOLLOW_WINDOW``. Every ``REFRESH`` the runtime
tells the battery coordinators who follows (following.py: gentle polling), checks the source
(the repair issue) and refreshes its entities; the entities do not change per poll, which
would load the recorder with a state every second.

Every answer to a served battery is also told to that battery's ``QuietWindow`` (library
``quiet``): on an HMG-50 its Open API requests wait for the moment just after an answer, when
its receive channel is free (following.py hands the window to the battery's client). The first
answer to a battery (or the first after a pause) tells the coordinators at once rather than at
the next refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from . import issues
from .const import DOMAIN
from .following import FOLLOW_WINDOW, async_set_followers
from .meter_batteries import Battery, configured_batteries, follower_of
from .meter_config import MeterConfig, SourceProblem, SourceValue
from .meter_entities import build_entities
from .pymarstek_venus import (
    FleetShares,
    Follower,
    MarstekConnectionError,
    MarstekPortInUseError,
    MeterReading,
    MeterServer,
    QuietWindow,
    SourcePacer,
    gate_for,
)

REFRESH: Final = timedelta(seconds=5)


class MeterRuntime:
    """The ``runtime_data`` of a meter entry (kinds.KindRuntime)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        config: MeterConfig,
        *,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] = dt_util.utcnow,
    ) -> None:
        """Nothing is bound yet; ``clock`` times the polls (default: the event loop's, which
        Home Assistant's timers use too), ``now`` the source states."""
        self.hass, self.entry, self.config = hass, entry, config
        self._clock, self._now = clock or hass.loop.time, now
        self.server = MeterServer(
            config.model,
            self.value_for,
            host=config.host,
            ports=config.ports,
            device_id=config.device_id,
            clock=self._clock,
        )
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._problem_since: float | None = None  # clock time the source went bad
        self._issue: bool = False
        # One pacer per sender: a source slower than the battery's polls is handed out in
        # chunks instead of being added again on every poll (library meter.pacing).
        self._pacers: dict[str, SourcePacer] = {}
        # Several followers share the grid value by their estimated outputs (library
        # meter.fleet); the source's last sample time lets it answer what is left of it.
        self.fleet = FleetShares()
        self._sample_at: float | None = None
        # Each served battery's quiet window (by entry id), told of every answer to it.
        self._quiet: dict[str, QuietWindow] = {}
        self._entities = build_entities(self)

    # --- life cycle ---------------------------------------------------------------------

    async def async_start(self) -> None:
        """Bind the ports (or explain why not), then watch the sources and the followers."""
        config = self.config
        try:
            await self.server.start()
        except MarstekPortInUseError as err:
            issues.async_meter_port_in_use(self.hass, self.entry, err.port)
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="meter_port_in_use",
                translation_placeholders={"port": str(err.port)},
            ) from err
        except MarstekConnectionError as err:
            # Port 1010 is below 1024: without root or CAP_NET_BIND_SERVICE it cannot be bound.
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="meter_cannot_listen",
                translation_placeholders={
                    "ports": ", ".join(str(port) for port in config.ports),
                    "error": str(err),
                },
            ) from err
        issues.async_delete(self.hass, self.entry, issues.METER_PORT_IN_USE)
        self._unsubscribe = [
            async_track_state_change_event(self.hass, config.sources, self._async_source_event),
            async_track_state_report_event(self.hass, config.sources, self._async_source_event),
            async_track_time_interval(self.hass, self._async_refresh, REFRESH),
        ]
        self._async_check_source()

    async def async_stop(self) -> None:
        """Stop answering, free the ports, and let the batteries poll normally again."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        await self.server.stop()
        async_set_followers(self.hass, self.entry.entry_id, {})
        issues.async_delete(self.hass, self.entry, issues.METER_SOURCE)

    def entities(self, platform: Platform) -> list[Entity]:
        """The meter's entities on ``platform`` (kinds.KindRuntime)."""
        return list(self._entities.get(platform, ()))

    # --- answering ----------------------------------------------------------------------

    def grid(self) -> tuple[MeterReading | None, dict[str, SourceValue]]:
        """The grid power to answer now (None: stay silent), and each source's value."""
        return self.config.grid(self.hass.states.get, self._now())

    def value_for(self, sender: str) -> MeterReading | None:
        """What to answer a poll from ``sender`` (MeterServer's ``value_for``)."""
        reading, _ = self.grid()
        if reading is None:
            return None
        battery = self.battery_at(sender)
        if battery is None:
            if not self.config.answer_unconfigured:
                return None
            return self._pacer(sender, None).answer(reading, self._clock())
        if battery.entry_id not in self.config.batteries:
            return None
        followers = self._followers(battery)
        now = self._clock()
        if len(followers) > 1:
            # The fleet answers what is left of a slow source's sample itself (its estimates
            # know what the batteries were told since): no pacer on top.
            reading = self.fleet.shares(reading, followers, self._sample_at)[sender]
            for address in self.fleet.reads_due(now):
                self._confirm(address)
        else:
            reading = self._pacer(sender, battery).answer(reading, now)
        asking = next(f for f in followers if f.key == sender)
        self.fleet.told(asking, reading, now)
        self._answered(battery)
        return reading

    def _confirm(self, address: str) -> None:
        """Ask a battery's coordinator for the read that tells where it is (library
        ``FleetShares.reads_due``: it holds the others at zero until then); the coordinator's
        own debounce and the client's pacing apply."""
        battery = self.battery_at(address)
        coordinator = battery.coordinator if battery is not None else None
        if coordinator is not None:
            self.entry.async_create_task(
                self.hass, coordinator.async_request_refresh(), f"confirm {address}"
            )

    def _answered(self, battery: Battery) -> None:
        """The battery is answered now (the reply leaves as this returns): its channel is free."""
        window = self._window(battery.entry_id)
        last = window.last_answer
        if last is None or self._clock() - last > FOLLOW_WINDOW:
            # It starts following (again): gate its requests from now on, not from the next
            # refresh. Soon, not now: the server counts this poll (``follows``) after this.
            self.hass.loop.call_soon(self._async_tell_followers)
        window.answered()

    def _window(self, battery_id: str) -> QuietWindow:
        """The battery's quiet window (made on first use)."""
        if (window := self._quiet.get(battery_id)) is None:
            window = self._quiet[battery_id] = QuietWindow(self._clock)
        return window

    def clock(self) -> float:
        """Seconds on the clock that times the polls (diagnostics)."""
        return self._clock()

    def _pacer(self, sender: str, battery: Battery | None) -> SourcePacer:
        """The sender's pacer; its gate is the battery model's (0 when unknown)."""
        pacer = self._pacers.get(sender)
        if pacer is None:
            data = battery.coordinator.latest if battery and battery.coordinator else None
            gate = gate_for(data.device.family) if data is not None else 0.0
            pacer = self._pacers[sender] = SourcePacer(gate)
        return pacer

    def batteries(self) -> list[Battery]:
        """Every configured battery, with its current address."""
        return configured_batteries(self.hass)

    def battery(self, entry_id: str | None) -> Battery | None:
        """The configured battery of that entry, if it still exists."""
        return next((b for b in self.batteries() if b.entry_id == entry_id), None)

    def answered_total(self) -> float | None:
        """W answered now (+ import, all phases); None while silent (entities)."""
        reading, _ = self.grid()
        return None if reading is None else reading.total

    def share_total(self, battery_id: str) -> float | None:
        """W last answered to the battery of that entry; None if never (entities)."""
        battery = self.battery(battery_id)
        reading = self.share(battery) if battery is not None else None
        return None if reading is None else reading.total

    def follows_battery(self, battery_id: str) -> bool:
        """Whether the battery of that entry follows the meter now (entities)."""
        battery = self.battery(battery_id)
        return battery is not None and self.follows(battery)

    def served(self) -> list[Battery]:
        """The batteries this meter serves."""
        return [b for b in self.batteries() if b.entry_id in self.config.batteries]

    def battery_at(self, address: str) -> Battery | None:
        """The configured battery that polls from ``address``, if any."""
        return next((b for b in self.batteries() if b.address == address), None)

    def follows(self, battery: Battery) -> bool:
        """Whether the battery polled this meter within the follow window."""
        if battery.address is None:
            return False
        stats = self.server.senders.get(battery.address)
        if stats is None or stats.last_request is None:
            return False
        return self._clock() - stats.last_request <= FOLLOW_WINDOW

    def share(self, battery: Battery) -> MeterReading | None:
        """The value last answered to the battery (None: never answered)."""
        if battery.address is None:
            return None
        stats = self.server.senders.get(battery.address)
        return stats.last_reading if stats is not None else None

    def _followers(self, asking: Battery) -> list[Follower]:
        """The served batteries that follow now (the one asking always does)."""
        followers: list[Follower] = []
        for battery in self.served():
            if battery.address is None or not (battery == asking or self.follows(battery)):
                continue
            followers.append(self._follower(battery))
        return followers

    def _follower(self, battery: Battery) -> Follower:
        """The battery as the shares see it (meter_batteries.py)."""
        return follower_of(battery, self._now())

    # --- the source and the followers, every few seconds --------------------------------

    @callback
    def _async_source_event(self, event: Event[Any]) -> None:
        """A source changed or reported again: the issue may go (or come) at once.

        A new value of the first source is a new sample for the pacers (per-phase sources
        report together; counting each would halve the interval they see).
        """
        if event.data["entity_id"] == self.config.sources[0]:
            now = self._sample_at = self._clock()
            for pacer in self._pacers.values():
                pacer.observe_source(now)
        self._async_check_source()

    @callback
    def _async_check_source(self) -> None:
        """Raise the source issue once a source has failed long enough; delete it when fine.

        An unavailable source (a sensor restarting, Home Assistant starting) gets the stale
        limit before the issue appears, a stale one (silent for the limit already) one refresh.
        The meter is silent meanwhile either way.
        """
        reading, values = self.grid()
        bad = next(((e, v) for e, v in values.items() if v.problem is not None), None)
        if reading is not None or bad is None:
            self._problem_since = None
            if self._issue:
                issues.async_delete(self.hass, self.entry, issues.METER_SOURCE)
                self._issue = False
            return
        entity_id, value = bad
        now = self._clock()
        if self._problem_since is None:
            self._problem_since = now
        # A stale source has been silent for the whole limit already; it still has to stay
        # stale until the next refresh, so that a meter reporting about as often as the limit
        # (a 10 s DSMR 4 at the default 10 s) does not raise and clear the issue each period.
        # The meter is silent meanwhile either way.
        grace = REFRESH.total_seconds() if value.problem is SourceProblem.STALE else None
        if now - self._problem_since >= (grace or self.config.stale_limit):
            issues.async_meter_source_unavailable(
                self.hass, self.entry, entity_id, self.config.stale_limit
            )
            self._issue = True
            # An outage: the batteries declare the meter gone and start afresh when it answers
            # again, and so do the pacers (intervals from before the gap would misjudge).
            self._pacers.clear()
            self.fleet = FleetShares()

    @callback
    def _async_tell_followers(self) -> None:
        """Tell the coordinators who follows, with the quiet window of each (following.py)."""
        if not self._unsubscribe:
            return  # stopped meanwhile
        following = {b.entry_id: self._window(b.entry_id) for b in self.served() if self.follows(b)}
        async_set_followers(self.hass, self.entry.entry_id, following)

    @callback
    def _async_refresh(self, _: datetime | None = None) -> None:
        """Tell the coordinators who follows, check the source, refresh the entities."""
        self._async_tell_followers()
        self._async_check_source()
        for entities in self._entities.values():
            for entity in entities:
                if entity.added:
                    entity.async_refresh_state()
