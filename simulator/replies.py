"""A battery's replies on their way back: latency and jitter, loss, duplicates, the socket.

A reply leaves from the listen port to the sender's IP at the listen port (real firmware
ignores the sender's port), or to the sender's own port when the faults say so. It is sent
after the configured latency +/- jitter, possibly lost or sent twice; a reboot or stop forgets
the replies still in flight.
"""

from __future__ import annotations

import asyncio
import random

from . import cjson
from .endpoint import StampedEndpoint
from .faults import Faults
from .handlers import Answer, ErrorReply
from .records import Address


def encode_reply(reply_id: int, src: str, answer: Answer) -> bytes:
    """The reply datagram: the id, the device's `src` and the result or the error."""
    envelope: dict[str, cjson.JsonValue] = {"id": reply_id, "src": src}
    if isinstance(answer, ErrorReply):
        envelope["error"] = answer.as_json()
    else:
        assert answer is not None
        envelope["result"] = answer
    return cjson.dumps(envelope).encode()


class ReplySender:
    """Schedules and sends one battery's replies; counts what left and what failed."""

    def __init__(self, rng: random.Random) -> None:
        # The battery's own generator: one stream of chances per battery and seed.
        self._rng = rng
        self.endpoint: StampedEndpoint | None = None
        self._pending: set[asyncio.TimerHandle] = set()
        self.replies_sent = 0
        self.send_errors = 0

    def chance(self, probability: float) -> bool:
        return probability > 0.0 and self._rng.random() < probability

    def send(
        self, payload: bytes, source: Address, listen_port: int, faults: Faults
    ) -> tuple[bool, float]:
        """Schedule `payload` for `source`: (False when lost on the way, the delay in s)."""
        destination = source if faults.reply_to_source_port else (source[0], listen_port)
        delay = faults.latency
        if faults.jitter > 0:
            delay += self._rng.uniform(-faults.jitter, faults.jitter)
        delay = max(delay, 0.0)
        lost = self.chance(faults.loss)
        if not lost:
            self._schedule(delay, payload, destination)
        if self.chance(faults.duplicate_replies):
            self._schedule(delay + self._rng.uniform(0.005, 0.05), payload, destination)
        return not lost, delay

    def cancel(self) -> None:
        """Forget every reply still in flight."""
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()

    def on_socket_error(self, err: OSError) -> None:
        # ICMP "port unreachable" for a reply nobody listened to: normal on a LAN.
        self.send_errors += 1

    def _schedule(self, delay: float, payload: bytes, destination: Address) -> None:
        if delay <= 0:
            self._transmit(payload, destination)
            return
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._pending.discard(handle)
            self._transmit(payload, destination)

        handle = loop.call_later(delay, fire)
        self._pending.add(handle)

    def _transmit(self, payload: bytes, destination: Address) -> None:
        if self.endpoint is None:
            return
        try:
            self.endpoint.sendto(payload, destination)
            self.replies_sent += 1
        except OSError:
            self.send_errors += 1
