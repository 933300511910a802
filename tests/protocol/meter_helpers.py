"""Helpers for the meter emulator's tests: a battery-side poller on a loopback address."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from custom_components.marstek_venus.pymarstek_venus.meter import MeterMethod

SERVER_HOST = "127.0.0.1"
# Generous: a reply on loopback takes well under a millisecond; this only bounds a failure.
REPLY_TIMEOUT = 2.0


def request(request_id: int = 1, method: MeterMethod | str = MeterMethod.EM1) -> bytes:
    """A poll exactly as the firmware prints it (meter-emulation.md §1.3)."""
    return f'{{"id":{request_id},"method":"{method}","params":{{"id":0}}}}'.encode()


class Poller(asyncio.DatagramProtocol):
    """The battery's side: sends polls from its own address and collects the replies."""

    def __init__(self) -> None:
        self.replies: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.replies.put_nowait((data, addr))

    def send(self, data: bytes, port: int) -> None:
        assert self.transport is not None
        self.transport.sendto(data, (SERVER_HOST, port))

    async def reply(self) -> bytes:
        """The next datagram that arrives (fails the test after REPLY_TIMEOUT)."""
        data, addr = await asyncio.wait_for(self.replies.get(), REPLY_TIMEOUT)
        assert addr[0] == SERVER_HOST
        return data

    async def poll(self, port: int, data: bytes) -> bytes:
        """Send one datagram and return the next reply."""
        self.send(data, port)
        return await self.reply()

    async def refused(self, port: int, data: bytes, method: MeterMethod) -> None:
        """Send ``data``, then a good poll: the first reply must be the good poll's.

        Datagrams between two loopback sockets arrive in order, so this proves ``data`` got
        no reply without waiting for a timeout.
        """
        self.send(data, port)
        reply = json.loads(await self.poll(port, request(424242, method)))
        assert reply["id"] == 424242, reply
        assert self.replies.empty()


@asynccontextmanager
async def pollers(*hosts: str) -> AsyncIterator[list[Poller]]:
    """One poller per loopback address, each on a port the OS picks."""
    loop = asyncio.get_running_loop()
    made: list[Poller] = []
    try:
        for host in hosts:
            _, poller = await loop.create_datagram_endpoint(Poller, local_addr=(host, 0))
            made.append(poller)
        yield made
    finally:
        for poller in made:
            if poller.transport is not None:
                poller.transport.close()


def numbers(reply: bytes) -> tuple[list[int], list[str]]:
    """The integers of a reply, and the text of every non-integer number, as written."""
    ints: list[int] = []
    floats: list[str] = []

    def on_int(text: str) -> int:
        ints.append(int(text))
        return int(text)

    def on_float(text: str) -> float:
        floats.append(text)
        return float(text)

    json.loads(reply, parse_int=on_int, parse_float=on_float)
    return ints, floats


def result(reply: bytes) -> dict[str, Any]:
    """The ``result`` object of a reply."""
    message: dict[str, Any] = json.loads(reply)
    value: dict[str, Any] = message["result"]
    return value


class FakeClock:
    """An injected clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
