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

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: Any) -> None:
        source = (str(addr[0]), int(addr[1]))
        self.raw.append(data)
        request = json.loads(data)
        self.received.append((asyncio.get_running_loop().time(), request, source))
        if self.silent or self._transport is None:
            return
        method = str(request["method"])
        if self.reply is not None:
            payload = self.reply(request, method)
        else:
            payload = shelly_reply(request["id"], method, self.grid())
        self._transport.sendto(payload, source)
