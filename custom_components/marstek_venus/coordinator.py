"""One coordinator per battery: batched, tiered, paced polling, the write gate, and watching.

Besides polling, the coordinator owns every write (through ``gate``), the stored state of what
it wrote (store.py), passive mode (passive.py), and what it notices between two polls: mode
changes made outside Home Assistant, a CT meter that disconnects, an Open API that stops
answering, a battery that looks reset. Those become device-trigger events and repair issues.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from . import issues
from .const import (
    API_ISSUE_AFTER,
    CONF_PASSIVE_KEEP_ALIVE,
    CONF_POLL_GROUPS,
    CONF_POWER_LIMIT,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    CONF_UNAVAILABLE_AFTER,
    DEFAULT_PASSIVE_KEEP_ALIVE,
    DEFAULT_POLL_GROUPS,
    DEFAULT_PORT,
    DEFAULT_REQUEST_GAP,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_UNAVAILABLE_AFTER,
    DOMAIN,
    EVENT_MARSTEK,
    LOGGER,
    MAX_SILENT_CYCLES,
    OPTIONAL_GROUPS,
    POLL_EVERY,
    POLL_ORDER,
    Group,
    Trigger,
)
from .hostname import async_follow_host_name
from .neighbours import host_answers_arp
from .passive import PassiveController
from .pymarstek_venus.client import MarstekClient
from .pymarstek_venus.const import Mode
from .pymarstek_venus.errors import (
    MarstekConnectionError,
    MarstekError,
    MarstekMethodNotSupportedError,
    MarstekPortInUseError,
)
from .pymarstek_venus.models import (
    BatteryStatus,
    BleStatus,
    DeviceInfo,
    EnergySystemStatus,
    ManualPeriod,
    MeterStatus,
    ModeStatus,
    PvStatus,
    WifiStatus,
)
from .pymarstek_venus.profiles import FirmwareProfile, PowerLimits
from .recovery import Recovery
from .schedule import cleared_period
from .schedule_writer import ScheduleWriter
from .store import MarstekStore, StoredState

type MarstekConfigEntry = ConfigEntry[MarstekDataUpdateCoordinator]

# Groups whose silence we may learn (see MAX_SILENT_CYCLES). The core reads are never given
# up on: if they go quiet, the battery is in trouble and must show as unavailable.
_LEARNABLE_SILENCE = frozenset({Group.BATTERY, Group.PV, Group.METER, Group.WIFI, Group.BLE})


@dataclass(frozen=True, slots=True)
class MarstekData:
    """An immutable snapshot of everything known about one battery.

    Each poll builds a new snapshot from the previous one: a group that was not read this
    cycle (slow tier, or its request failed) keeps its last value, so entities never fall
    back to "unknown" because of one lost datagram.
    """

    device: DeviceInfo
    online: bool = True
    es: EnergySystemStatus | None = None
    mode: ModeStatus | None = None
    meter: MeterStatus | None = None
    battery: BatteryStatus | None = None
    pv: PvStatus | None = None
    wifi: WifiStatus | None = None
    ble: BleStatus | None = None
    fetched: Mapping[Group, datetime] = field(default_factory=dict)
    last_success: datetime | None = None

    @property
    def grid_meter(self) -> MeterStatus | None:
        """CT readings: EM.GetStatus, else the CT block of ES.GetMode (HMG-50 < 155)."""
        if self.meter is not None:
            return self.meter
        return self.mode.meter if self.mode is not None else None


# Which client method reads a group, and which snapshot field it fills. Looked up by name so
# that tests can patch the client class.
_READERS: dict[Group, tuple[str, str]] = {
    Group.ES: ("es", "get_es_status"),
    Group.MODE: ("mode", "get_mode"),
    Group.METER: ("meter", "get_meter_status"),
    Group.BATTERY: ("battery", "get_battery_status"),
    Group.PV: ("pv", "get_pv_status"),
    Group.WIFI: ("wifi", "get_wifi_status"),
    Group.BLE: ("ble", "get_ble_status"),
    Group.DEVICE: ("device", "get_device"),
}


class MarstekDataUpdateCoordinator(DataUpdateCoordinator[MarstekData]):
    """Polls one battery and serialises every request to it through ``gate``."""

    config_entry: MarstekConfigEntry
    profile: FirmwareProfile

    def __init__(
        self, hass: HomeAssistant, entry: MarstekConfigEntry, address: str | None = None
    ) -> None:
        """Set up the client from the entry's data and options (nothing is sent yet).

        ``address``: what the entry's host resolved to, when it stores a host name.
        """
        options = entry.options
        # First, so that an unusable host fails before anything is registered.
        self.client = MarstekClient(
            address or entry.data[CONF_HOST],
            entry.data.get(CONF_PORT, DEFAULT_PORT),
            request_gap=options.get(CONF_REQUEST_GAP, DEFAULT_REQUEST_GAP),
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.data[CONF_HOST]}",
            update_interval=timedelta(
                seconds=options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)
            ),
        )
        # The battery handles one request at a time and has switched its Open API off under
        # bursts. Polling and every write take this lock, so a write never interleaves with a
        # batch of reads, and polling waits while a write is being verified.
        self.gate = asyncio.Lock()
        self.poll_groups = frozenset(
            Group(group)
            for group in options.get(CONF_POLL_GROUPS, DEFAULT_POLL_GROUPS)
            if group in OPTIONAL_GROUPS
        )
        self.unavailable_after: int = options.get(CONF_UNAVAILABLE_AFTER, DEFAULT_UNAVAILABLE_AFTER)
        self.unsupported: set[Group] = set()
        self.failed_cycles = 0
        self._cycle = 0
        self._next_due: dict[Group, int] = {}
        self._silent: dict[Group, int] = {}
        self._device: DeviceInfo | None = None
        # Control: what the integration wrote (loaded in _async_setup), passive mode.
        self.store = MarstekStore(hass, entry.entry_id)
        self.settings = StoredState()
        self.keep_alive: bool = options.get(CONF_PASSIVE_KEEP_ALIVE, DEFAULT_PASSIVE_KEEP_ALIVE)
        self._power_limit_option: int | None = options.get(CONF_POWER_LIMIT)
        self.passive = PassiveController(self)
        self.schedule = ScheduleWriter(self)
        # The mode of a write in progress (or one that failed to confirm): when the battery
        # reports it later, that is Home Assistant's doing, not a change from outside.
        self._attempted_mode: Mode | None = None
        # The mode Home Assistant just wrote: the next poll's change to it is not "outside".
        self._own_change: Mode | None = None
        self.offline_since: datetime | None = None
        # Once the battery stopped answering: gentle probes instead of polling (recovery.py).
        self.recovery = Recovery(self)

    @property
    def device(self) -> DeviceInfo:
        """The latest Marstek.GetDevice answer (available once set up)."""
        assert self._device is not None
        return self._device

    @property
    def power_limit(self) -> PowerLimits:
        """Passive and manual power bounds: the model's AC limits, lowered by the option."""
        option = self._power_limit_option
        return self.profile.power_limits.capped(int(option) if option else None)

    async def _async_setup(self) -> None:
        """Load what the integration wrote, open the socket and identify the battery."""
        self.settings = await self.store.async_load()
        try:
            await self.client.connect()
            issues.async_delete(self.hass, self.config_entry, issues.PORT_IN_USE)
            device = await self.client.get_device()
        except MarstekPortInUseError as err:
            issues.async_port_in_use(self.hass, self.config_entry, err.port)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="port_in_use",
                translation_placeholders={"port": str(err.port)},
            ) from err
        except MarstekError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err
        self._check_identity(device)
        self._accept_device(device)
        self._next_due[Group.DEVICE] = POLL_EVERY[Group.DEVICE]

    def _is_our_battery(self, device: DeviceInfo) -> bool:
        expected = self.config_entry.unique_id
        return expected is None or device.ble_mac == expected

    def _check_identity(self, device: DeviceInfo) -> None:
        """Refuse a different battery that now answers at our IP address (DHCP shuffle)."""
        if not self._is_our_battery(device):
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wrong_device",
                translation_placeholders={"host": device.host},
            )

    def _accept_device(self, device: DeviceInfo) -> None:
        """Take a GetDevice answer; keep the device registry's firmware current."""
        previous, self._device = self._device, device
        assert self.client.profile is not None  # get_device always selects a profile
        self.profile = self.client.profile
        if previous is None or (previous.firmware, previous.model) == (
            device.firmware,
            device.model,
        ):
            return
        LOGGER.info(
            "Marstek battery at %s now reports %s firmware %s",
            device.host,
            device.model,
            device.firmware,
        )
        registry = dr.async_get(self.hass)
        for entry in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            registry.async_update_device(
                entry.id, sw_version=str(device.firmware), model_id=device.model
            )

    # Polling
    def readable_groups(self) -> set[Group]:
        """Groups this firmware answers and the user lets us poll."""
        profile = self.profile
        groups = {Group.ES, Group.MODE, Group.DEVICE} | set(self.poll_groups)
        if not profile.has_es_status:
            groups.discard(Group.ES)
        if not profile.has_meter:
            groups.discard(Group.METER)
        if not profile.has_battery_status:
            groups.discard(Group.BATTERY)
        if not profile.has_pv:
            groups.discard(Group.PV)
        return groups - self.unsupported

    def reads(self, *groups: Group) -> bool:
        """Whether any of ``groups`` is read from this battery."""
        return bool(self.readable_groups().intersection(groups))

    @property
    def has_grid_meter(self) -> bool:
        """A CT is reported through EM.GetStatus or, on HMG-50 < 155, inside ES.GetMode."""
        if Group.METER not in self.poll_groups:
            return False
        return Group.METER in self.readable_groups() or self.data.grid_meter is not None

    def wanted_groups(self) -> set[Group]:
        """Groups worth reading: readable, and needed by an enabled entity."""
        wanted = self.readable_groups()
        if self.data is not None:
            # After the first batch, read only what the entities that are actually in use
            # (enabled, added) listen for. Each entity registers the groups it reads as its
            # listener context; disabled entities never subscribe.
            needed: set[Group] = {Group.DEVICE}
            for context in self.async_contexts():
                needed.update(context)
            wanted &= needed
        if not wanted - {Group.DEVICE}:
            # Nothing needs a fast read: still poll the mode as a heartbeat, so availability
            # keeps meaning something.
            wanted.add(Group.MODE)
        return wanted

    async def _async_update_data(self) -> MarstekData:
        """Read one batch of due groups, in order, through the library's pacing."""
        async with self.gate:
            if self.recovery.active and self.data is not None:
                return self.data  # polling is paused: recovery probes the battery instead
            previous, failed_before = self.data, self.failed_cycles
            data = await self._async_poll()
            if self.failed_cycles:
                # A battery stored by host name may have a new address under that name.
                await async_follow_host_name(self.config_entry, self.client)
            await self._async_observe(previous, data, failed_before)
            return data

    async def _async_poll(self) -> MarstekData:
        previous = self.data
        wanted = self.wanted_groups()
        due = [
            group
            for group in POLL_ORDER
            if group in wanted and self._next_due.get(group, 0) <= self._cycle
        ]
        fetched = dict(previous.fetched) if previous is not None else {}
        changes: dict[str, Any] = {}
        answered = False
        error: MarstekError | None = None
        for group in due:
            name, reader = _READERS[group]
            try:
                value = await getattr(self.client, reader)()
            except MarstekMethodNotSupportedError:
                answered = True
                self._learn_unsupported(group, "does not support it")
            except MarstekConnectionError as err:
                error = err
                if not answered:
                    # The first read of the batch got nothing after all retries: the battery
                    # is away. Do not hammer it with the rest of the batch.
                    break
                self._note_silence(group)
            except MarstekError as err:
                # An error reply or an undecodable one: the battery is there, this field
                # just keeps its previous value.
                answered = True
                LOGGER.debug("Reading %s from %s failed: %s", group, self.client.host, err)
            else:
                answered = True
                self._silent.pop(group, None)
                if group is Group.DEVICE:
                    if not self._is_our_battery(value):
                        LOGGER.warning(
                            "%s now answers as another battery; ignoring its data",
                            self.client.host,
                        )
                        answered = False
                        break
                    self._accept_device(value)
                changes[name] = value
                fetched[group] = dt_util.utcnow()
            self._next_due[group] = self._cycle + POLL_EVERY[group]
        self._cycle += 1
        if not answered:
            return self._failed_cycle(previous, error)
        return self._good_cycle(previous, changes, fetched)

    def _good_cycle(
        self,
        previous: MarstekData | None,
        changes: dict[str, Any],
        fetched: dict[Group, datetime],
    ) -> MarstekData:
        self.failed_cycles = 0
        now = dt_util.utcnow()
        if previous is None:
            return MarstekData(device=self.device, fetched=fetched, last_success=now, **changes)
        if not previous.online:
            LOGGER.info("Marstek battery at %s is answering again", self.client.host)
        changes.setdefault("device", self.device)
        return replace(previous, online=True, fetched=fetched, last_success=now, **changes)

    def _failed_cycle(
        self, previous: MarstekData | None, error: MarstekError | None
    ) -> MarstekData:
        self.failed_cycles += 1
        if previous is None:
            # During set-up: ConfigEntryNotReady, Home Assistant retries with backoff.
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(error)},
            )
        if self.failed_cycles >= self.unavailable_after:
            # Stop spending the retry budget on every cycle (the same threshold as below).
            self.recovery.start()
        if previous.online and self.failed_cycles >= self.unavailable_after:
            # Entities go unavailable only after several wholly failed cycles: single
            # lost datagrams are routine on Wi-Fi and must not make the dashboard flicker.
            LOGGER.info(
                "Marstek battery at %s is unavailable after %d failed polls: %s",
                self.client.host,
                self.failed_cycles,
                error,
            )
            return replace(previous, online=False)
        return previous

    def _learn_unsupported(self, group: Group, why: str) -> None:
        self.unsupported.add(group)
        LOGGER.info("Marstek battery at %s %s: no longer reading %s", self.client.host, why, group)

    def _note_silence(self, group: Group) -> None:
        if group not in _LEARNABLE_SILENCE:
            return
        self._silent[group] = silent = self._silent.get(group, 0) + 1
        if silent >= MAX_SILENT_CYCLES:
            self._learn_unsupported(group, f"never answers {group} reads")

    # Watching: what changed between two polls
    async def _async_observe(
        self, previous: MarstekData | None, data: MarstekData, failed_before: int
    ) -> None:
        """Fire device triggers and keep the repair issues current."""
        if not data.online:
            if self.offline_since is None:
                # Just went unavailable (a battery is only ever unavailable after it worked).
                self.offline_since = dt_util.utcnow()
                self.async_fire_trigger(Trigger.API_STOPPED)
            await self._async_check_api_issue(self.offline_since)
            return
        if data is previous:
            return  # a failed poll below the unavailability threshold: nothing new
        if self.offline_since is not None:
            self.offline_since = None
            issues.async_delete(self.hass, self.config_entry, issues.API)
        # "Unwatched": the first batch after set-up, or the first after failed polls. Whatever
        # changed in between may have been a reset rather than a person.
        unwatched = previous is None or failed_before > 0
        await self._async_observe_mode(previous, data, unwatched)
        if (
            previous is not None
            and self.has_grid_meter
            and previous.grid_meter is not None
            and data.grid_meter is not None
            and previous.grid_meter.connected is True
            and data.grid_meter.connected is False
        ):
            self.async_fire_trigger(Trigger.CT_DISCONNECTED)

    async def _async_observe_mode(
        self, previous: MarstekData | None, data: MarstekData, unwatched: bool
    ) -> None:
        reported = data.mode.mode if data.mode is not None else None
        if reported is None:
            return
        own, self._own_change = self._own_change, None
        if reported is self._attempted_mode:
            # A write Home Assistant could not confirm did take effect after all.
            await self._async_mode_written(reported)
            self._own_change = None
            return
        before = previous.mode.mode if previous is not None and previous.mode is not None else None
        outside = before is not None and reported is not before and reported is not own
        if outside:
            self.async_fire_trigger(
                Trigger.MODE_CHANGED, mode=str(reported), previous_mode=str(before)
            )
        expected = self.settings.mode
        if reported is expected:
            issues.async_delete(self.hass, self.config_entry, issues.SETTINGS_RESET)
            return
        if unwatched:
            if expected is not None:
                LOGGER.warning(
                    "Marstek battery at %s reports mode %s, but %s was set: it may have been reset",
                    self.client.host,
                    reported,
                    expected,
                )
                issues.async_settings_reset(
                    self.hass, self.config_entry, str(reported), str(expected)
                )
            return
        if outside:
            # Someone chose another mode (the app, the battery's own logic): that is now the
            # intended mode, and passive mode is no longer Home Assistant's to keep alive.
            LOGGER.info(
                "Marstek battery at %s switched from %s to %s outside Home Assistant",
                self.client.host,
                before,
                reported,
            )
            self.settings.mode = reported
            if reported is not Mode.PASSIVE:
                self.passive.cancel()
                self.settings.passive_ends_at = None
            issues.async_delete(self.hass, self.config_entry, issues.SETTINGS_RESET)
            await self.store.async_save(self.settings)

    async def _async_check_api_issue(self, offline_since: datetime) -> None:
        """Raise the "Open API" repair once the battery has been silent long enough."""
        if dt_util.utcnow() - offline_since < API_ISSUE_AFTER:
            return
        host = self.client.host
        on_network = await self.hass.async_add_executor_job(host_answers_arp, host)
        if on_network is False:
            # Gone from the network (off, out of range): not something the Open API explains.
            issues.async_delete(self.hass, self.config_entry, issues.API)
            return
        issues.async_api_silent(self.hass, self.config_entry, host, on_network is True)

    async def async_still_silent(self) -> None:
        """A recovery probe went unanswered: keep the "Open API" repair current."""
        if self.offline_since is not None:
            await self._async_check_api_issue(self.offline_since)

    async def async_resume(self, device: DeviceInfo | None) -> bool:
        """Recovery heard the battery: take its GetDevice answer and poll at once.

        False, and polling stays paused, when another battery answered at our address.
        """
        if device is not None:
            if not self._is_our_battery(device):
                return False
            self._accept_device(device)
        self.recovery.stop()
        await self.async_refresh()
        return True

    @callback
    def async_fire_trigger(self, trigger: Trigger, **extra: str) -> None:
        """Fire the bus event behind a device trigger."""
        registry = dr.async_get(self.hass)
        devices = dr.async_entries_for_config_entry(registry, self.config_entry.entry_id)
        if not devices:
            return  # still setting up: there is no device to trigger on yet
        LOGGER.debug("Marstek battery at %s: %s %s", self.client.host, trigger, extra)
        self.hass.bus.async_fire(
            EVENT_MARSTEK, {"device_id": devices[0].id, "type": str(trigger), **extra}
        )

    def wants_passive(self) -> bool:
        """Home Assistant set Passive and the battery still runs it (or has not said)."""
        if self.settings.mode is not Mode.PASSIVE or self.data is None or not self.data.online:
            return False
        reported = self.data.mode.mode if self.data.mode is not None else None
        return reported in (None, Mode.PASSIVE)

    # Writes. Each takes the gate, so polling pauses while the client verifies; the stored
    # state changes only after the battery confirmed.
    async def async_set_mode(self, mode: Mode) -> None:
        """Switch the operating mode with the parameters the integration keeps."""
        if mode is Mode.MANUAL:
            self.schedule.check_pending()
        async with self.gate:
            self._attempted_mode = mode
            if mode is Mode.PASSIVE:
                await self.passive.async_send()
            elif mode is Mode.MANUAL:
                # Pending schedule edits are written now, or one known period is rewritten.
                await self.schedule.async_switch_to_manual_locked()
            else:
                await self.client.set_mode(mode)
            await self._async_mode_written(mode)

    async def _async_mode_written(self, mode: Mode) -> None:
        self._attempted_mode = None
        self._own_change = mode
        self.settings.mode = mode
        if mode is not Mode.PASSIVE:
            self.passive.cancel()
            self.settings.passive_ends_at = None
        issues.async_delete(self.hass, self.config_entry, issues.SETTINGS_RESET)
        await self.store.async_save(self.settings)
        data = self.data
        if data is not None and data.mode is not None and data.mode.mode is not mode:
            # The client read the new mode back before the write counted as done: show it
            # now rather than after the (debounced) refresh.
            self.data = replace(data, mode=replace(data.mode, mode=mode, raw_mode=str(mode)))
        self.async_update_listeners()

    async def async_set_passive(
        self, power: int | None = None, duration: int | None = None, *, send: bool
    ) -> None:
        """Store new passive parameters; with ``send``, switch to Passive with them."""
        if power is not None:
            self.settings.passive_power = power
        if duration is not None:
            self.settings.passive_duration = duration
        await self.store.async_save(self.settings)
        self.async_update_listeners()
        if send:
            await self.async_set_mode(Mode.PASSIVE)

    async def async_write_periods(self, periods: Sequence[ManualPeriod]) -> None:
        """The actions: write these periods and every pending edit now, switching to Manual.

        All are validated before anything is sent. Writing a period switches the battery to
        Manual (the firmware has no other way to take one). When a write fails, the periods
        written before it count as written and the rest stay pending (schedule_writer.py).
        """
        self.schedule.stage(periods)
        await self.async_set_mode(Mode.MANUAL)

    async def async_update_period(self, slot: int, **changes: Any) -> None:
        """An entity's edit of one period: written at once only while it runs in Manual."""
        await self.schedule.async_edit(slot, **changes)

    async def async_clear_periods(self, slots: Iterable[int]) -> None:
        """Write the disabled pattern into the given slots (and what is pending)."""
        await self.async_write_periods([cleared_period(slot) for slot in slots])

    async def async_set_depth_of_discharge(self, percent: int) -> None:
        """DOD.SET; remembered, since the battery cannot report it."""
        async with self.gate:
            await self.client.set_depth_of_discharge(percent)
        self.settings.dod = percent
        await self._async_settings_written()

    async def async_set_led(self, on: bool) -> None:
        """Led.Ctrl; remembered, since the battery cannot report it."""
        async with self.gate:
            await self.client.set_led(on)
        self.settings.led = on
        await self._async_settings_written()

    async def async_set_ble_advertising(self, on: bool) -> None:
        """Ble.Adv; remembered, since the battery cannot report it."""
        async with self.gate:
            await self.client.set_ble_advertising(on)
        self.settings.ble_advertising = on
        await self._async_settings_written()

    async def _async_settings_written(self) -> None:
        await self.store.async_save(self.settings)
        self.async_update_listeners()

    async def async_reapply(self) -> None:
        """Write everything stored back: schedule, device settings, then the mode."""
        settings = self.settings
        periods = [settings.periods[slot] for slot in sorted(settings.periods)]
        periods = [period for period in periods if period.slot < self.profile.manual_slots]
        async with self.gate:
            if periods:
                self._attempted_mode = Mode.MANUAL
            for period in periods:
                await self.client.set_manual_period(period)
            if self.profile.supports_settings:
                if settings.dod is not None:
                    await self.client.set_depth_of_discharge(settings.dod)
                if settings.led is not None:
                    await self.client.set_led(settings.led)
                if settings.ble_advertising is not None:
                    await self.client.set_ble_advertising(settings.ble_advertising)
        if settings.mode is Mode.MANUAL and periods:
            await self._async_mode_written(Mode.MANUAL)  # writing the periods switched it
        elif settings.mode is not None:
            await self.async_set_mode(settings.mode)
        issues.async_delete(self.hass, self.config_entry, issues.SETTINGS_RESET)

    async def async_shutdown(self) -> None:
        """Stop polling and passive timers, and leave the shared socket."""
        self.passive.cancel()
        self.recovery.stop()
        await super().async_shutdown()
        await self.client.close()
