"""One coordinator per battery: batched, tiered, paced polling and the write gate."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONF_POLL_GROUPS,
    CONF_REQUEST_GAP,
    CONF_SCAN_INTERVAL,
    CONF_UNAVAILABLE_AFTER,
    DEFAULT_POLL_GROUPS,
    DEFAULT_PORT,
    DEFAULT_REQUEST_GAP,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_UNAVAILABLE_AFTER,
    DOMAIN,
    LOGGER,
    MAX_SILENT_CYCLES,
    OPTIONAL_GROUPS,
    POLL_EVERY,
    POLL_ORDER,
    Group,
)
from .modes import ModeSettings, async_apply_mode
from .protocol.client import MarstekClient
from .protocol.const import Mode
from .protocol.errors import (
    MarstekConnectionError,
    MarstekError,
    MarstekMethodNotSupportedError,
    MarstekPortInUseError,
)
from .protocol.models import (
    BatteryStatus,
    BleStatus,
    DeviceInfo,
    EnergySystemStatus,
    MeterStatus,
    ModeStatus,
    PvStatus,
    WifiStatus,
)
from .protocol.profiles import FirmwareProfile

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

    def __init__(self, hass: HomeAssistant, entry: MarstekConfigEntry) -> None:
        """Set up the client from the entry's data and options (nothing is sent yet)."""
        options = entry.options
        # First, so that an unusable host fails before anything is registered.
        self.client = MarstekClient(
            entry.data[CONF_HOST],
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
        self.mode_settings = ModeSettings()
        self.unsupported: set[Group] = set()
        self.failed_cycles = 0
        self._cycle = 0
        self._next_due: dict[Group, int] = {}
        self._silent: dict[Group, int] = {}
        self._device: DeviceInfo | None = None

    @property
    def device(self) -> DeviceInfo:
        """The latest Marstek.GetDevice answer (available once set up)."""
        assert self._device is not None
        return self._device

    async def _async_setup(self) -> None:
        """Open the socket and identify the battery before the first poll."""
        try:
            await self.client.connect()
            device = await self.client.get_device()
        except MarstekPortInUseError as err:
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
            return await self._async_poll()

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

    # Writes
    async def async_set_mode(self, mode: Mode) -> None:
        """Switch the operating mode through the write gate (the client verifies it)."""
        async with self.gate:
            await async_apply_mode(self.client, self.profile, mode, self.mode_settings)

    async def async_shutdown(self) -> None:
        """Stop polling and leave the shared socket."""
        await super().async_shutdown()
        await self.client.close()
