"""High-level asyncio client for one Marstek battery: typed reads and verified writes.

Requests, pacing, resends and retries are the session's (session.py). On top of them:

* Reads decode the reply with the firmware profile that ``get_device`` selects.
* A write is sent once per attempt, never resent on a short timer: a write whose reply is lost
  has usually run, and running twice restarts a passive countdown. Before a mode write is sent
  again, ES.GetMode is read back and the write is repeated only when the battery has not
  applied it (``writes.py`` says what the read-back can and cannot tell). A write is only
  reported as done once the device confirms it: ``set_result: true`` and, for mode changes,
  ES.GetMode reading back the new mode. ``set_result: false`` (device busy, and routinely on
  the first manual-slot write) leads to another attempt with backoff.
* A whole write, read-backs included, holds the device lock (``lock``): nothing else reaches
  the battery in between, and two writes never interleave.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import commands, passive, writes
from .const import Method, Mode
from .decode import DECODERS, ReplyContext, decode_device
from .errors import MarstekConnectionError, MarstekPassiveNotFollowedError
from .models import (
    BatteryStatus,
    BleStatus,
    DeviceInfo,
    EnergySystemStatus,
    ManualPeriod,
    MeterStatus,
    ModeStatus,
    PassiveConfig,
    PvStatus,
    WifiStatus,
)
from .profiles import FirmwareProfile, profile_for
from .session import DeviceSession

_LOGGER = logging.getLogger(__name__)


class MarstekClient(DeviceSession):
    """Talks to one battery at ``host:port`` through the shared UDP socket for that port.

    ``sockets`` is the registry of shared sockets and pacing (the event loop's by default);
    ``timing`` sets pacing, timeouts, retries and read-backs (by default the registry's when
    one is passed, else ``Timing()``).
    """

    # What the battery said last: None until the first Marstek.GetDevice (which also picks
    # the firmware profile) and the first ES.GetMode (which a write's read-back compares with).
    device: DeviceInfo | None = None
    profile: FirmwareProfile | None = None
    _last_mode: ModeStatus | None = None

    @property
    def last_mode(self) -> ModeStatus | None:
        """The last ES.GetMode reading (a poll's or a write's read-back)."""
        return self._last_mode

    # Reads
    async def get_device(self, *, single: bool = False) -> DeviceInfo:
        """Marstek.GetDevice; also selects the firmware profile used to decode the rest.

        ``single``: one datagram only (see ``call``), the gentle probe of a silent battery.
        """
        result = await self.call(Method.GET_DEVICE, {"ble_mac": "0"}, single=single)
        src = self._last_src.get(str(Method.GET_DEVICE))
        device = decode_device(result, src, self.host, self.port)
        self.device = device
        self.profile = profile_for(device.model, device.firmware)
        return device

    async def get_wifi_status(self) -> WifiStatus:
        """Wifi.GetStatus."""
        return await self._read(Method.WIFI_STATUS, WifiStatus)

    async def get_ble_status(self) -> BleStatus:
        """BLE.GetStatus."""
        return await self._read(Method.BLE_STATUS, BleStatus)

    async def get_battery_status(self) -> BatteryStatus:
        """Bat.GetStatus."""
        return await self._read(Method.BATTERY_STATUS, BatteryStatus)

    async def get_pv_status(self) -> PvStatus:
        """PV.GetStatus (Venus A and D)."""
        return await self._read(Method.PV_STATUS, PvStatus)

    async def get_es_status(self, pv: PvStatus | None = None) -> EnergySystemStatus:
        """ES.GetStatus.

        ``pv``: the caller's latest PV.GetStatus, read just before. Firmware that reports no
        battery power of its own (Venus A, D) has it computed from the PV channels' sum.
        """
        return await self._read(Method.ES_STATUS, EnergySystemStatus, pv=pv)

    async def get_mode(self) -> ModeStatus:
        """ES.GetMode (remembered: a later write's read-back compares against it)."""
        self._last_mode = await self._read(Method.ES_MODE, ModeStatus)
        return self._last_mode

    async def get_meter_status(self) -> MeterStatus:
        """EM.GetStatus."""
        return await self._read(Method.METER_STATUS, MeterStatus)

    async def _read[ModelT](
        self, method: Method, model: type[ModelT], *, pv: PvStatus | None = None
    ) -> ModelT:
        """One status read, decoded by the method's entry in ``decode.DECODERS``."""
        context = ReplyContext(await self._profile(), pv=pv)
        value = DECODERS[method](await self.call(method), context)
        if not isinstance(value, model):  # the table pairs each read with its model
            raise TypeError(f"{method} decoded to {type(value).__name__}, not {model.__name__}")
        return value

    # Writes
    async def set_mode(self, mode: Mode) -> None:
        """Switch to Auto, AI or UPS, and confirm with ES.GetMode."""
        params = commands.mode_params(mode, await self._profile())
        await self._write(Method.SET_MODE, params, writes.ModeWrite(mode))

    async def set_passive(
        self,
        config: PassiveConfig,
        *,
        confirm: bool = False,
        battery: BatteryStatus | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        """Passive mode: ``power`` W (+ discharge, - charge) for ``duration`` seconds.

        ``confirm``: also check that the AC power follows, and send once more when it does
        not (passive.py); MarstekPassiveNotFollowedError when it still does not. ``battery``
        (the latest Bat.GetStatus) lets a BMS that forbids the direction skip that check.
        ``on_sent`` is called each time the battery took the command: its countdown of
        ``duration`` seconds starts (again) then, not when the power check ends.
        """
        params = commands.passive_params(config, await self._profile())
        target = writes.ModeWrite(Mode.PASSIVE, config.power)
        actual: float | None = None
        async with self.lock:
            for attempt in range(2 if confirm else 1):
                await self._write(Method.SET_MODE, params, target)
                if on_sent is not None:
                    on_sent()
                if not confirm:
                    return
                if passive.bms_blocks(battery, config.power):
                    _LOGGER.debug(
                        "Passive %s W cannot be followed now (BMS limits); not checking",
                        config.power,
                    )
                    return
                timing = self.timing
                followed, seen = await passive.follows(
                    self._read_mode,
                    config.power,
                    timing.passive_confirm_reads,
                    timing.passive_confirm_interval,
                )
                if seen is not None:
                    actual = seen
                if followed:
                    return
                if not attempt:
                    _LOGGER.info(
                        "Marstek battery at %s delivers %s W in passive mode instead of %s W; "
                        "sending the command once more",
                        self.host,
                        "?" if actual is None else f"{actual:.0f}",
                        config.power,
                    )
        raise MarstekPassiveNotFollowedError(config.power, actual)

    async def set_manual_period(self, period: ManualPeriod) -> None:
        """Write one manual slot; this also switches the device to Manual."""
        params = commands.manual_params(period, await self._profile())
        await self._write(Method.SET_MODE, params, writes.ModeWrite(Mode.MANUAL))

    async def set_depth_of_discharge(self, percent: int) -> None:
        """DOD.SET. There is no read-back: ``set_result: true`` is the only confirmation."""
        params = commands.dod_params(percent, await self._profile())
        await self._write(Method.SET_DOD, params, None)

    async def set_led(self, on: bool) -> None:
        """Led.Ctrl. Confirmed by ``set_result`` only; some units revert it later."""
        params = commands.led_params(on, await self._profile())
        await self._write(Method.LED_CTRL, params, None)

    async def set_ble_advertising(self, on: bool) -> None:
        """Ble.Adv (firmware polarity: 1 = advertising on). Confirmed by ``set_result``."""
        params = commands.ble_advertising_params(on, await self._profile())
        await self._write(Method.BLE_ADV, params, None)

    async def _write(
        self, method: Method, params: dict[str, Any], target: writes.ModeWrite | None
    ) -> None:
        """Send a write until the device confirms it (session.py), or raise MarstekWriteError."""
        async with self.lock:
            before = self._last_mode
            if target is not None and target.needs_history and before is None:
                before = await self._read_mode()  # what a lost reply will be compared with
            await self.write(
                method, params, target=target, before=before, read_mode=self._read_mode
            )

    async def _read_mode(self) -> ModeStatus | None:
        """ES.GetMode for a read-back; None when the battery did not answer."""
        try:
            return await self.get_mode()
        except MarstekConnectionError:
            return None

    async def _profile(self) -> FirmwareProfile:
        if self.profile is None:
            await self.get_device()
        assert self.profile is not None
        return self.profile
