"""Fixtures for protocol tests: real UDP on loopback, a free port per test, a raw peer."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Protocol tests talk real UDP on loopback (pytest-socket blocks it by default)."""


@pytest.fixture
def udp_port() -> int:
    """A UDP port that is free on 127.0.0.1 and on the peers' 127.0.0.x addresses."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        try:
            for host in ("127.0.0.2", "127.0.0.3"):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
                    other.bind((host, port))
        except OSError:
            continue
        return port


class RawPeer(asyncio.DatagramProtocol):
    """A scripted device: records requests and answers with whatever a test tells it to."""

    def __init__(self, respond: Callable[[dict[str, Any]], list[bytes]] | None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.respond = respond
        self.transport: asyncio.DatagramTransport | None = None
        self.received = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.raw.append(data)
        self.received.set()
        message = json.loads(data)
        self.requests.append(message)
        if self.respond is not None and self.transport is not None:
            for reply in self.respond(message):
                self.transport.sendto(reply, addr)

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data, addr)


@pytest.fixture
async def raw_peer(
    udp_port: int,
) -> AsyncIterator[Callable[..., Any]]:
    """Start RawPeer instances on 127.0.0.x:udp_port; all are closed after the test."""
    peers: list[RawPeer] = []

    async def start(
        respond: Callable[[dict[str, Any]], list[bytes]] | None = None, host: str = "127.0.0.2"
    ) -> RawPeer:
        loop = asyncio.get_running_loop()
        peer = RawPeer(respond)
        await loop.create_datagram_endpoint(lambda: peer, local_addr=(host, udp_port))
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        if peer.transport is not None:
            peer.transport.close()
    await asyncio.sleep(0)


def reply(
    message: dict[str, Any], result: dict[str, Any], src: str = "VenusE 3.0-009b08a5dfa5"
) -> bytes:
    """Encode a successful reply to ``message`` the way firmware formats it."""
    return json.dumps({"id": message["id"], "src": src, "result": result}, indent="\t").encode()
