"""One coordinator per battery: the snapshot, and the batched, tiered, paced fetch.

Read plan: polling.py; writes: control.py; triggers, repairs: watch.py; silence: recovery.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import DEFAULT_PORT, DOMAIN, LOGGER, Group
from .control import MarstekControl
from .following import gentle_groups
from .hostname import async_follow_host_name
from .identity import BatteryIdentity, communication_failed
from .modes import OPTION_BY_MODE
from .options import MarstekOptions
from .polling import ReadPlan, async_read_batch
from .pymarstek_venus import (
    BatteryStatus,
    BleStatus,
    DeviceInfo,
    EnergySystemStatus,
    FirmwareProfile,
    MarstekClient,
    MeterStatus,
    Mode,
    ModeStatus,
    PvStatus,
    Timing,
    WifiStatus,
    battery_power_from_mode,
)
from .recovery import Recovery
from .store import MarstekStore
from .watch import Watcher

type MarstekConfigEntry = ConfigEntry[MarstekDataUpdateCoordinator]


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

    @property
    def soc(self) -> int | None:
        """%: ES.GetStatus, else ES.GetMode, else Bat.GetStatus."""
        sources = (self.es, self.mode, self.battery)
        return next((s.soc for s in sources if s is not None and s.soc is not None), None)

    @property
    def ac_power(self) -> float | None:
        """W at the AC port: ES.GetStatus, else ES.GetMode."""
        if self.es is not None and self.es.ac_power is not None:
            return self.es.ac_power
        return self.mode.ac_power if self.mode is not None else None

    @property
    def offgrid_power(self) -> float | None:
        """W at the off-grid socket: ES.GetStatus, else ES.GetMode."""
        if self.es is not None and self.es.offgrid_power is not None:
            return self.es.offgrid_power
        return self.mode.offgrid_power if self.mode is not None else None

    @property
    def pv_power(self) -> float | None:
        """W: the sum of the PV channels, else ES.GetStatus (0 W on Venus A 147/148)."""
        if self.pv is not None:
            return self.pv.total_power
        return self.es.pv_power if self.es is not None else None

    @property
    def capacity(self) -> float | None:
        """Wh rated: Bat.GetStatus, else ES.GetStatus."""
        if self.battery is not None and self.battery.rated_energy is not None:
            return self.battery.rated_energy
        return self.es.capacity if self.es is not None else None

    @property
    def battery_power(self) -> float | None:
        """W, + discharging: ES.GetStatus, else ES.GetMode's AC balance (no-PV models)."""
        if self.es is not None:
            return self.es.battery_power
        mode = self.mode
        return battery_power_from_mode(mode, self.device.family) if mode is not None else None

    @property
    def mode_option(self) -> str | None:
        """The select option of the reported mode; None for a mode we do not know."""
        mode = self.mode.mode if self.mode is not None else None
        return OPTION_BY_MODE[mode] if mode is not None else None


class MarstekDataUpdateCoordinator(DataUpdateCoordinator[MarstekData]):
    """Polls one battery; holds the client's device lock for each whole batch."""

    config_entry: MarstekConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: MarstekConfigEntry, address: str | None = None
    ) -> None:
        """Set up the client (nothing is sent yet); ``address``: the host name resolved."""
        self.options = options = MarstekOptions.from_entry(entry)
        # First, so that an unusable host fails before anything is registered.
        self.client = MarstekClient(
            address or entry.data[CONF_HOST],
            entry.data.get(CONF_PORT, DEFAULT_PORT),
            timing=Timing(request_gap=options.request_gap),
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.data[CONF_HOST]}",
            update_interval=timedelta(seconds=options.scan_interval),
        )
        self.identity = BatteryIdentity(hass, entry, self.client)
        self.plan = ReadPlan(options.poll_groups, options.unavailable_after, self.client)
        self.control = MarstekControl(self, MarstekStore(hass, entry.entry_id), options)
        self.watch = Watcher(self, self.control)
        # Once the battery stopped answering: gentle probes instead of polling (recovery.py).
        self.recovery = Recovery(self, self.identity, still_silent=self.watch.async_still_silent)

    @property
    def device(self) -> DeviceInfo:
        """The latest Marstek.GetDevice answer (once set up)."""
        assert self.identity.device is not None
        return self.identity.device

    @property
    def latest(self) -> MarstekData | None:
        """The snapshot, None before the first poll (Home Assistant types ``data`` as set)."""
        return self.data

    @property
    def profile(self) -> FirmwareProfile:
        """The profile of the battery's firmware (available once set up)."""
        assert self.identity.profile is not None
        return self.identity.profile

    async def _async_setup(self) -> None:
        """Load what the integration wrote, open the socket and identify the battery."""
        await self.control.async_load()
        await self.identity.async_connect()
        self.plan.read(Group.DEVICE)

    def wanted_groups(self) -> set[Group]:
        """Groups worth reading: readable, and needed by an enabled entity (polling.py)."""
        contexts = None if self.latest is None else list(self.async_contexts())
        return gentle_groups(self, self.plan.wanted(self.profile, contexts))  # following.py

    def reads(self, *groups: Group) -> bool:
        """Whether any of ``groups`` is read from this battery."""
        return bool(self.plan.readable(self.profile).intersection(groups))

    @property
    def has_grid_meter(self) -> bool:
        """A CT is reported through EM.GetStatus or, on HMG-50 < 155, inside ES.GetMode."""
        data = self.latest
        ct = self.reads(Group.METER) or (data is not None and data.grid_meter is not None)
        return Group.METER in self.plan.poll_groups and ct

    async def _async_update_data(self) -> MarstekData:
        """Read one batch of due groups, with the device lock held throughout."""
        async with self.client.lock:
            previous, failed_before = self.latest, self.plan.failed_cycles
            if self.recovery.active and previous is not None:
                return previous  # polling is paused: recovery probes the battery instead
            data = await self._async_poll(previous)
            if self.plan.failed_cycles:
                # A battery stored by host name may have a new address under that name.
                await async_follow_host_name(self.config_entry, self.client)
            unwatched = previous is None or failed_before > 0
            await self.watch.async_observe(
                previous, data, unwatched=unwatched, has_grid_meter=self.has_grid_meter
            )
            return data

    async def _async_poll(self, previous: MarstekData | None) -> MarstekData:
        batch = await async_read_batch(
            self.client,
            self.plan,
            self.wanted_groups(),
            pv=previous.pv if previous is not None else None,
            accept_device=self.identity.accept_if_ours,
            now=dt_util.utcnow,
        )
        now, changes = dt_util.utcnow(), {"device": self.device, **batch.changes}
        if previous is None:
            if not batch.answered:  # during set-up: Home Assistant retries with backoff
                raise communication_failed(batch.error)
            return MarstekData(fetched=batch.fetched, last_success=now, **changes)
        if batch.answered:
            if not previous.online:
                LOGGER.info("Marstek battery at %s is answering again", self.client.host)
            fetched = {**previous.fetched, **batch.fetched}
            return replace(previous, online=True, fetched=fetched, last_success=now, **changes)
        if not self.plan.away:
            return previous
        self.recovery.start()  # stop spending the retry budget on every cycle
        if not previous.online:
            return previous
        # Entities go unavailable only now: single lost datagrams are routine on Wi-Fi.
        message = "Marstek battery at %s is unavailable after %d failed polls: %s"
        LOGGER.info(message, self.client.host, self.plan.failed_cycles, batch.error)
        return replace(previous, online=False)

    def show_mode(self, mode: Mode) -> None:
        """Show a mode the client read back after a write, before the next poll."""
        data = self.latest
        if data is not None and data.mode is not None and data.mode.mode is not mode:
            self.data = replace(data, mode=replace(data.mode, mode=mode, raw_mode=str(mode)))

    async def async_shutdown(self) -> None:
        """Stop polling and passive timers, and leave the shared socket."""
        self.control.passive.cancel()
        self.recovery.stop()
        await super().async_shutdown()
        await self.client.close()
