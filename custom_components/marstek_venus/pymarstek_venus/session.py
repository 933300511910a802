"""One battery's requests: the shared socket, the device lock, pacing, retries, the write loop.

Reliability model, from what real units do (marstek-open-api.md §1.7, §2.8):

* The Wi-Fi modem sleeps; the first datagram after an idle spell is often lost. A read that
  got no answer is therefore sent once more after a short wait (never sooner than the pacing
  gap), and a read that still fails is retried with backoff.
* One request is in flight per device, with at least the request gap between requests; the
  pacing lives in the shared socket's channel for the device, so every client of the same
  device obeys it, and so does its lock (``lock.py``).
* A battery whose meter reader shares the Open API's receive channel (HMG-50) may need its
  datagrams sent at quiet moments only: the caller sets ``send_gate`` (quiet.py) while the
  battery follows an emulated meter, and every datagram waits for the gate after its turn.

``MarstekClient`` (client.py) builds the typed reads and the verified writes on this.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum, auto
from typing import Any, Self

from .const import DEFAULT_PORT, Method
from .errors import (
    MarstekDecodeError,
    MarstekError,
    MarstekTimeoutError,
    MarstekWriteError,
    TransientApiError,
    reply_error,
)
from .lock import ClientLock, DeviceLock
from .models import ModeStatus, RequestStats
from .quiet import SendGate
from .registry import SocketRegistry
from .timing import Timing
from .transport import DeviceChannel, SharedSocket, local_host_for, validate_host
from .writes import ModeWrite


class _Step(Enum):
    SEND = auto()  # send the write (the first time, or it did not run)
    LOOK = auto()  # its reply was lost: read back whether it ran anyway
    CHECK = auto()  # it was acknowledged: read back that the battery follows


class DeviceSession:
    """Requests to one battery at ``host:port`` through the shared UDP socket for that port.

    ``sockets`` is the registry whose shared socket and pacer are used (the event loop's by
    default); ``timing`` sets pacing, timeouts and retries (by default the registry's when one
    is passed, else ``Timing()``).
    """

    # Asked before every datagram, after the pacing turn (quiet.py); None: the turn alone.
    send_gate: SendGate | None = None

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        timing: Timing | None = None,
        local_host: str | None = None,
        sockets: SocketRegistry | None = None,
    ) -> None:
        self.host = validate_host(host)
        self.port = port
        if timing is None:
            timing = sockets.timing if sockets is not None else Timing()
        self.timing = timing
        self.local_host = local_host or local_host_for(self.host)
        self.last_raw: dict[str, dict[str, Any]] = {}
        self._last_src: dict[str, str | None] = {}
        self._registry = sockets
        self._socket: SharedSocket | None = None
        self._channel: DeviceChannel | None = None
        self._gap = self.timing.gap  # the gap registered with the channel
        self._own_stats = RequestStats()
        self.lock = ClientLock(self._device_lock)

    # Life cycle
    async def connect(self) -> None:
        """Open (or join) the shared UDP socket for our local port."""
        if self._socket is not None:
            return
        if self._registry is None:
            self._registry = SocketRegistry.current()
        self._socket = await self._registry.acquire_socket(self.local_host, self.port)
        self._gap = self.timing.gap
        self._channel = self._socket.channel(self.host, self._gap)

    async def close(self) -> None:
        """Leave the shared socket; it closes when its last user leaves."""
        shared, self._socket = self._socket, None
        if shared is not None:
            if self._channel is not None:
                self._own_stats = self._channel.stats
                shared.leave(self._channel, self._gap)
            self._channel = None
            assert self._registry is not None
            self._registry.release_socket(shared)

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def stats(self) -> RequestStats:
        """Request counters of this device (shared by all clients of the device)."""
        return self._channel.stats if self._channel is not None else self._own_stats

    @property
    def socket(self) -> SharedSocket | None:
        """The shared socket while connected (its drop counters are diagnostics)."""
        return self._socket

    @property
    def channel(self) -> DeviceChannel | None:
        """The device's pacing channel while connected (its gap, lock and statistics)."""
        return self._channel

    def set_host(self, host: str) -> None:
        """Follow the battery to a new IP address (DHCP change).

        While connected, requests move to the new address's pacing channel at once (a
        DHCP change never turns a LAN battery into a loopback one, so the socket stays).
        """
        self.host = validate_host(host)
        if self._socket is not None:
            if self._channel is not None:
                self._socket.leave(self._channel, self._gap)
            self._gap = self.timing.gap
            self._channel = self._socket.channel(self.host, self._gap)

    async def _device_lock(self) -> DeviceLock:
        """The lock of the battery's channel (``self.lock`` takes it), connecting first."""
        await self.connect()
        assert self._channel is not None
        return self._channel.lock

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
        attempts = 1 if single else self.timing.attempts
        last_error: MarstekError | None = None
        for attempt in range(attempts):
            if attempt:
                await self._sleep_backoff(attempt)
            try:
                return await self._exchange(str(method), params, resend=not single)
            except (MarstekTimeoutError, TransientApiError) as err:
                if single and isinstance(err, TransientApiError):
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
            await self._turn(channel)
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
                        await self._turn(channel)
                    shared.send(payload, self.host)
                    sent_at = time.monotonic()
                    stats.sent += 1
                    wait = (
                        max(self.timing.resend_after, channel.gap)
                        if send + 1 < sends
                        else self.timing.timeout
                    )
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

    async def _turn(self, channel: DeviceChannel) -> None:
        """The channel's pacing turn, at a moment the send gate (if any) is open.

        The caller sends right after this returns, without awaiting anything first.
        """
        gate = self.send_gate
        if gate is None:
            await channel.wait_turn()
        else:
            await gate.before_send(channel.wait_turn)

    def _result_of(self, method: str, message: dict[str, Any]) -> dict[str, Any]:
        """Extract ``result`` from a reply, turning ``error`` into the matching exception."""
        error = message.get("error")
        if error is not None:
            self.stats.errors += 1
            raise reply_error(method, error, message.get("id"))
        result = message.get("result")
        if not isinstance(result, dict):
            raise MarstekDecodeError(f"{method}: reply has no result object")
        src = message.get("src")
        self._last_src[method] = src if isinstance(src, str) else None
        self.last_raw[method] = result
        return result

    async def write(
        self,
        method: Method,
        params: Mapping[str, Any],
        *,
        target: ModeWrite | None,
        before: ModeStatus | None,
        read_mode: Callable[[], Awaitable[ModeStatus | None]],
    ) -> None:
        """Run one write until the battery confirms it, or raise MarstekWriteError.

        Each attempt either sends the write once (never resent on a short timer) or reads
        back whether a write whose reply was lost ran anyway (writes.py says what ES.GetMode
        can tell): never a lost write and its resend in a row. ``read_mode`` reads ES.GetMode
        (None: no reply); ``before`` is the mode seen before the write. Without a ``target``
        (DOD, LED, BLE: nothing to read back) ``set_result: true`` is the confirmation.
        """
        step = _Step.SEND
        reason = "no reply"
        for attempt in range(self.timing.write_attempts):
            if attempt:
                await self._sleep_backoff(attempt)
            if step is _Step.LOOK:
                assert target is not None
                seen = await read_mode()
                if seen is None:
                    reason = "no reply, and the mode could not be read back"
                    continue
                if target.applied(seen, before):
                    return
                step = _Step.SEND  # it did not run (or there is no telling): send it now
            if step is _Step.SEND:
                try:
                    result = await self._exchange(str(method), params, resend=False)
                except (MarstekTimeoutError, TransientApiError):
                    reason = "no reply"
                    # Without a read-back (DOD, LED, BLE) the write is simply sent again.
                    step = _Step.SEND if target is None else _Step.LOOK
                    continue
                if result.get("set_result") is not True:
                    reason = "the device answered set_result false (busy)"
                    continue
                if target is None:
                    return  # set_result true is the only confirmation there is
                step = _Step.CHECK
            assert target is not None
            reached = await self._reached(read_mode, target)
            if reached:
                return
            if reached is None:
                reason = "the device acknowledged, but the mode could not be read back"
                continue  # acknowledged: read again, do not send again
            reason = "the device acknowledged but did not switch"
            step = _Step.SEND
        attempts = self.timing.write_attempts
        raise MarstekWriteError(
            f"{method} to {self.host} not confirmed after {attempts} attempts: {reason}"
        )

    async def _reached(
        self, read_mode: Callable[[], Awaitable[ModeStatus | None]], target: ModeWrite
    ) -> bool | None:
        """Read the mode a few times after an acknowledged write; None: not one answer."""
        answered = False
        for read in range(self.timing.verify_reads):
            if read:
                await asyncio.sleep(self.timing.verify_settle)
            seen = await read_mode()
            if seen is None:
                continue
            answered = True
            if target.reached(seen):
                return True
        return False if answered else None

    async def _sleep_backoff(self, attempt: int) -> None:
        """Exponential backoff with jitter so several clients do not retry in step."""
        delay = self.timing.backoff * (2 ** (attempt - 1))
        await asyncio.sleep(delay * random.uniform(0.8, 1.2))
