"""High-level asyncio client for one Marstek battery.

Reliability model, from what real units do (marstek-open-api.md §1.7, §2.8):

* The Wi-Fi modem sleeps; the first datagram after an idle spell is often lost. A read that
  got no answer is therefore sent once more after a short wait (never sooner than the pacing
  gap), and a read that still fails is retried with backoff.
* A write is sent once per attempt, never resent on a short timer: a write whose reply is lost
  has usually run, and running twice restarts a passive countdown. Before a mode write is sent
  again, ES.GetMode is read back and the write is repeated only when the battery has not
  applied it (``writes.py`` says what the read-back can and cannot tell). A write is only
  reported as done once the device confirms it: ``set_result: true`` and, for mode changes,
  ES.GetMode reading back the new mode. ``set_result: false`` (device busy, and routinely on
  the first manual-slot write) leads to another attempt with backoff.
* One request is in flight per device, with at least ``request_gap`` seconds between requests;
  the pacing lives in the shared socket, so every client of the same device obeys it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Mapping
from typing import Any, Self

from . import commands, writes
from .const import (
    DEFAULT_PORT,
    DEFAULT_REQUEST_GAP,
    ERROR_METHOD_NOT_FOUND,
    ERROR_PARSE,
    Method,
    Mode,
)
from .decode import (
    decode_battery,
    decode_ble,
    decode_device,
    decode_es_status,
    decode_meter,
    decode_mode,
    decode_pv,
    decode_wifi,
)
from .errors import (
    MarstekApiError,
    MarstekConnectionError,
    MarstekDecodeError,
    MarstekError,
    MarstekMethodNotSupportedError,
    MarstekTimeoutError,
)
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
    RequestStats,
    WifiStatus,
)
from .profiles import FirmwareProfile, profile_for
from .transport import (
    DeviceChannel,
    SharedSocket,
    acquire_socket,
    local_host_for,
    release_socket,
    validate_host,
)

_LOGGER = logging.getLogger(__name__)

# After a read got no reply for this long, send it once more (taurgis measured 2/40 timeouts
# with a 500 ms resend against 7/40 with 300 ms on a Venus E fw 150 over Wi-Fi).
RESEND_AFTER = 0.5
# After the device confirmed a mode change, give it this long before reading back again.
VERIFY_SETTLE = 1.0
VERIFY_READS = 3


class MarstekClient:
    """Talks to one battery at ``host:port`` through the shared UDP socket for that port."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        request_gap: float = DEFAULT_REQUEST_GAP,
        timeout: float = 2.5,
        attempts: int = 3,
        write_attempts: int = 4,
        backoff: float = 1.0,
        local_host: str | None = None,
    ) -> None:
        self.host = validate_host(host)
        self.port = port
        self.request_gap = request_gap
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.write_attempts = max(1, write_attempts)
        self.backoff = backoff
        self.local_host = local_host or local_host_for(self.host)
        self.device: DeviceInfo | None = None
        self.profile: FirmwareProfile | None = None
        self.last_raw: dict[str, dict[str, Any]] = {}
        self._last_src: dict[str, str | None] = {}
        self._socket: SharedSocket | None = None
        self._channel: DeviceChannel | None = None
        self._own_stats = RequestStats()
        self._last_pv: PvStatus | None = None
        self._last_mode: ModeStatus | None = None
        self._write_lock = asyncio.Lock()

    # Life cycle
    async def connect(self) -> None:
        """Open (or join) the shared UDP socket for our local port."""
        if self._socket is not None:
            return
        self._socket = await acquire_socket(self.local_host, self.port)
        self._channel = self._socket.channel(self.host, self.request_gap)

    async def close(self) -> None:
        """Leave the shared socket; it closes when its last user leaves."""
        shared, self._socket = self._socket, None
        if shared is not None:
            if self._channel is not None:
                self._own_stats = self._channel.stats
                shared.leave(self._channel, self.request_gap)
            self._channel = None
            release_socket(shared)

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def stats(self) -> RequestStats:
        """Request counters of this device (shared by all clients of the device)."""
        return self._channel.stats if self._channel is not None else self._own_stats

    def set_host(self, host: str) -> None:
        """Follow the battery to a new IP address (DHCP change).

        While connected, requests move to the new address's pacing channel at once (a
        DHCP change never turns a LAN battery into a loopback one, so the socket stays).
        """
        self.host = validate_host(host)
        if self._socket is not None:
            if self._channel is not None:
                self._socket.leave(self._channel, self.request_gap)
            self._channel = self._socket.channel(self.host, self.request_gap)

    # Requests
    async def call(
        self,
        method: Method | str,
        params: Mapping[str, Any] | None = None,
        *,
        single: bool = False,
    ) -> dict[str, Any]:
        """Send a read request (paced, resent once, retried with backoff); return ``result``.

        ``single``: exactly one datagram, no resend and no retry. For a battery that has
        stopped answering, where the full budget (up to six datagrams) would only add load.
        """
        attempts = 1 if single else self.attempts
        last_error: MarstekError | None = None
        for attempt in range(attempts):
            if attempt:
                await self._sleep_backoff(attempt)
            try:
                return await self._exchange(str(method), params, resend=not single)
            except (MarstekTimeoutError, _TransientError) as err:
                if single and isinstance(err, _TransientError):
                    raise  # it answered, if only "busy": news to whoever probes it
                last_error = err
        assert last_error is not None
        raise MarstekTimeoutError(
            f"{method} to {self.host}:{self.port}: no valid reply after {attempts} attempts"
        ) from last_error

    async def _exchange(
        self, method: str, params: Mapping[str, Any] | None, *, resend: bool
    ) -> dict[str, Any]:
        """One attempt: send (and for reads, resend once), wait for the matching reply."""
        if self._socket is None or self._channel is None:
            await self.connect()
        assert self._socket is not None
        assert self._channel is not None
        shared, channel, stats = self._socket, self._channel, self._channel.stats
        async with channel.lock:
            await channel.wait_turn()
            request_id = shared.next_request_id()
            payload = json.dumps(
                {"id": request_id, "method": method, "params": dict(params or {"id": 0})},
                separators=(",", ":"),
            ).encode()
            future = shared.expect(self.host, request_id)
            try:
                sends = 1 + int(resend)
                for send in range(sends):
                    if send:
                        stats.resends += 1
                        await channel.wait_turn()
                    shared.send(payload, self.host)
                    sent_at = time.monotonic()
                    stats.sent += 1
                    wait = max(RESEND_AFTER, channel.gap) if send + 1 < sends else self.timeout
                    try:
                        reply = await asyncio.wait_for(asyncio.shield(future), wait)
                    except TimeoutError:
                        continue
                    break
                else:
                    stats.timeouts += 1
                    stats.method_failures[method] = stats.method_failures.get(method, 0) + 1
                    raise MarstekTimeoutError(f"{method} to {self.host}: no reply")
            finally:
                shared.forget(self.host, request_id)
        latency = reply.received_at - sent_at
        stats.answered += 1
        stats.last_latency = latency
        stats.latency_total += latency
        return self._result_of(method, reply.message)

    def _result_of(self, method: str, message: dict[str, Any]) -> dict[str, Any]:
        """Extract ``result`` from a reply, turning ``error`` into the matching exception."""
        error = message.get("error")
        if error is not None:
            self.stats.errors += 1
            code, text, data = _error_fields(error)
            if code == ERROR_METHOD_NOT_FOUND:
                raise MarstekMethodNotSupportedError(method, code, text, data)
            if code == ERROR_PARSE or message.get("id") == 0:
                # Parse errors and CT-mutex contention (-32700, data 403): the device was busy
                # or garbled our datagram; the same request can simply be tried again.
                raise _TransientError(method, code, text, data)
            raise MarstekApiError(method, code, text, data)
        result = message.get("result")
        if not isinstance(result, dict):
            raise MarstekDecodeError(f"{method}: reply has no result object")
        src = message.get("src")
        self._last_src[method] = src if isinstance(src, str) else None
        self.last_raw[method] = result
        return result

    async def _sleep_backoff(self, attempt: int) -> None:
        """Exponential backoff with jitter so several clients do not retry in step."""
        delay = self.backoff * (2 ** (attempt - 1))
        await asyncio.sleep(delay * random.uniform(0.8, 1.2))

    # Reads
    async def get_device(self, *, single: bool = False) -> DeviceInfo:
        """Marstek.GetDevice; also selects the firmware profile used to decode the rest.

        ``single``: one datagram only (see ``call``), the gentle probe of a silent battery.
        """
        result = await self.call(Method.GET_DEVICE, {"ble_mac": "0"}, single=single)
        src = self._src_of(Method.GET_DEVICE)
        device = decode_device(result, src, self.host, self.port)
        self.device = device
        self.profile = profile_for(device.model, device.firmware)
        return device

    async def get_wifi_status(self) -> WifiStatus:
        """Wifi.GetStatus."""
        return decode_wifi(await self.call(Method.WIFI_STATUS))

    async def get_ble_status(self) -> BleStatus:
        """BLE.GetStatus."""
        return decode_ble(await self.call(Method.BLE_STATUS))

    async def get_battery_status(self) -> BatteryStatus:
        """Bat.GetStatus."""
        profile = await self._profile()
        return decode_battery(await self.call(Method.BATTERY_STATUS), profile)

    async def get_pv_status(self) -> PvStatus:
        """PV.GetStatus (Venus A and D)."""
        profile = await self._profile()
        self._last_pv = decode_pv(await self.call(Method.PV_STATUS), profile)
        return self._last_pv

    async def get_es_status(self) -> EnergySystemStatus:
        """ES.GetStatus; battery power is computed from the last PV reading where needed."""
        profile = await self._profile()
        return decode_es_status(await self.call(Method.ES_STATUS), profile, self._last_pv)

    async def get_mode(self) -> ModeStatus:
        """ES.GetMode (remembered: a later write's read-back compares against it)."""
        profile = await self._profile()
        self._last_mode = decode_mode(await self.call(Method.ES_MODE), profile)
        return self._last_mode

    async def get_meter_status(self) -> MeterStatus:
        """EM.GetStatus."""
        profile = await self._profile()
        return decode_meter(await self.call(Method.METER_STATUS), profile)

    # Writes
    async def set_mode(self, mode: Mode) -> None:
        """Switch to Auto, AI or UPS, and confirm with ES.GetMode."""
        params = commands.mode_params(mode, await self._profile())
        await self._write(Method.SET_MODE, params, writes.ModeWrite(mode))

    async def set_passive(self, config: PassiveConfig) -> None:
        """Passive mode: ``power`` W (+ discharge, - charge) for ``duration`` seconds."""
        params = commands.passive_params(config, await self._profile())
        await self._write(Method.SET_MODE, params, writes.ModeWrite(Mode.PASSIVE, config.power))

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
        """Send a write until the device confirms it, or raise MarstekWriteError."""
        async with self._write_lock:
            before = self._last_mode
            if target is not None and target.needs_history and before is None:
                before = await self._read_mode()  # what a lost reply will be compared with

            async def send() -> dict[str, Any] | None:
                try:
                    return await self._exchange(str(method), params, resend=False)
                except (MarstekTimeoutError, _TransientError):
                    return None

            await writes.write_once(
                send,
                self._read_mode,
                self._sleep_backoff,
                target=target,
                before=before,
                attempts=self.write_attempts,
                settle=VERIFY_SETTLE,
                reads=VERIFY_READS,
                what=f"{method} to {self.host}",
            )

    async def _read_mode(self) -> ModeStatus | None:
        """ES.GetMode for a read-back; None when the battery did not answer."""
        try:
            return await self.get_mode()
        except MarstekConnectionError:
            return None

    # Helpers
    async def _profile(self) -> FirmwareProfile:
        if self.profile is None:
            await self.get_device()
        assert self.profile is not None
        return self.profile

    def _src_of(self, method: Method) -> str | None:
        return self._last_src.get(str(method))


class _TransientError(MarstekApiError):
    """A parse-error or contention reply: the request can be repeated as it is."""


def _error_fields(error: object) -> tuple[int, str, object]:
    if not isinstance(error, dict):
        return (0, str(error), None)
    code = error.get("code")
    return (
        code if isinstance(code, int) and not isinstance(code, bool) else 0,
        str(error.get("message", "")),
        error.get("data"),
    )
