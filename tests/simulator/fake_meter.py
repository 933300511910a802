"""A tiny fake Shelly meter for the simulator's tests: plain asyncio UDP, not the library.

It answers every request with the value of `grid()` in the doc's minimal reply shapes
(meter-emulation.md §1.4), or with whatever `reply` builds, and records what it received.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

type Address = tuple[str, int]


def shelly_reply(request_id: Any, method: str, grid: float, *, decimals: bool = True) -> bytes:
    """The minimal EM / EM1 reply, numbers written with 3 decimals (or as whole numbers)."""
    value = f"{grid:.3f}" if decimals else str(round(grid))
    zero = "0.000" if decimals else "0"
    if method == "EM.GetStatus":
        result = (
            f'{{"a_act_power":{value},"b_act_power":{zero},"c_act_power":{zero},'
            f'"total_act_power":{value}}}'
        )
        src = "shellypro3em-0a1b2c3d4e5f"
    else:
        result = f'{{"act_power":{value}}}'
        src = "shellyproem50-0a1b2c3d4e5f"
    return (
        f'{{"id":{json.dumps(request_id)},"src":"{src}","dst":"unknown","result":{result}}}'
    ).encode()


class FakeMeter(asyncio.DatagramProtocol):
    """Answers `EM.GetStatus` / `EM1.GetStatus` with `grid()`; `silent` stops the answers."""

    def __init__(self, grid: Callable[[], float] = lambda: 0.0) -> None:
        self.grid = grid
        self.silent = False
        # Hold the answers back until `release()` (a poll stays in flight meanwhile).
        self.hold = False
        self._held: list[tuple[dict[str, Any], Address]] = []
        self.asked = asyncio.Event()  # set by every request
        self.delay = 0.0  # s before each answer leaves (a slow meter keeps polls in flight)
        self.on_answer: Callable[[], None] | None = None  # called as each answer leaves
        # Build the reply from (request, method): replaces the default reply when set.
        self.reply: Callable[[dict[str, Any], str], bytes] | None = None
        self.received: list[tuple[float, dict[str, Any], Address]] = []
        self.raw: list[bytes] = []
        self._transport: asyncio.DatagramTransport | None = None

    async def open(self, host: str) -> Address:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, 0))
        self._transport = transport
        address = transport.get_extra_info("sockname")
        return str(address[0]), int(address[1])

    @property
    def port(self) -> int:
        """The port the meter listens on (once open)."""
        assert self._transport is not None
        return int(self._transport.get_extra_info("sockname")[1])

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: Any) -> None:
        source = (str(addr[0]), int(addr[1]))
        self.raw.append(data)
        request = json.loads(data)
        self.received.append((asyncio.get_running_loop().time(), request, source))
        self.asked.set()
        if self.silent or self._transport is None:
            return
        if self.hold:
            self._held.append((request, source))
        elif self.delay > 0:
            asyncio.get_running_loop().call_later(self.delay, self._answer, request, source)
        else:
            self._answer(request, source)

    def release(self) -> int:
        """Answer every request held back; how many."""
        held, self._held = self._held, []
        for request, source in held:
            self._answer(request, source)
        return len(held)

    def _answer(self, request: dict[str, Any], source: Address) -> None:
        if self._transport is None:
            return  # closed meanwhile
        if self.on_answer is not None:
            self.on_answer()
        method = str(request["method"])
        if self.reply is not None:
            payload = self.reply(request, method)
        else:
            payload = shelly_reply(request["id"], method, self.grid())
        self._transport.sendto(payload, source)
