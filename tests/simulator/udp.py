"""A deliberately tiny raw UDP client for talking to the simulator in tests.

It is NOT the integration's protocol library: the simulator is tested on its own, so the two
cannot hide each other's mistakes.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

type Address = tuple[str, int]


class _Queue(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, Address]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait((data, (str(addr[0]), int(addr[1]))))

    def error_received(self, exc: Exception) -> None:
        """ICMP errors do not matter to these tests."""


class RawClient:
    """Send JSON or raw bytes, receive whatever comes back."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._transport: asyncio.DatagramTransport | None = None
        self._protocol = _Queue()
        self._next_id = 1

    async def open(self, *, broadcast: bool = False) -> RawClient:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self._protocol, local_addr=(self.host, self.port), allow_broadcast=broadcast
        )
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        return self

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def send_raw(self, data: bytes, to: Address) -> None:
        assert self._transport is not None
        self._transport.sendto(data, to)

    def send(self, to: Address, method: str, params: Any = None, *, request_id: Any = None) -> Any:
        """Send one request; returns the id used."""
        if request_id is None:
            request_id = self._next_id
            self._next_id += 1
        message = {
            "id": request_id,
            "method": method,
            "params": {"id": 0} if params is None else params,
        }
        self.send_raw(json.dumps(message).encode(), to)
        return request_id

    async def receive(self, timeout: float = 1.0) -> tuple[dict[str, Any], Address, bytes]:
        data, addr = await asyncio.wait_for(self._protocol.queue.get(), timeout)
        return json.loads(data), addr, data

    async def nothing(self, within: float = 0.15) -> bool:
        """True when no datagram arrives within `within` seconds."""
        try:
            await asyncio.wait_for(self._protocol.queue.get(), within)
        except TimeoutError:
            return True
        return False

    async def call(
        self, to: Address, method: str, params: Any = None, *, timeout: float = 1.0, **kw: Any
    ) -> dict[str, Any]:
        """Send and wait for one reply."""
        self.send(to, method, params, **kw)
        reply, _, _ = await self.receive(timeout)
        return reply


def passive_params(power: int, seconds: int) -> dict[str, object]:
    """ES.SetMode params for Passive mode."""
    return {
        "id": 0,
        "config": {"mode": "Passive", "passive_cfg": {"power": power, "cd_time": seconds}},
    }


def manual_params(
    slot: int = 0,
    start: str = "00:00",
    end: str = "23:59",
    week_set: int = 127,
    power: int = -500,
    enable: int = 1,
) -> dict[str, object]:
    """ES.SetMode params for one Manual slot."""
    return {
        "id": 0,
        "config": {
            "mode": "Manual",
            "manual_cfg": {
                "time_num": slot,
                "start_time": start,
                "end_time": end,
                "week_set": week_set,
                "power": power,
                "enable": enable,
            },
        },
    }
