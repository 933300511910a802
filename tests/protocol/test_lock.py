"""The one device lock: re-entrant for its holder, a wall for everyone else.

Over real UDP on loopback against a scripted peer that records the order of requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    DeviceLock,
    MarstekClient,
    Mode,
    SocketRegistry,
    Timing,
)

from .conftest import reply

GAP = 0.05
FAST = Timing(request_gap=GAP, min_request_gap=GAP, timeout=0.3, verify_settle=GAP)
DEVICE = {"device": "VenusE 3.0", "ver": 150, "ble_mac": "009b08a5dfa5", "ip": "127.0.0.2"}


class Battery:
    """Answers reads at once and ES.SetMode with set_result true; remembers the mode."""

    def __init__(self) -> None:
        self.mode = "Auto"

    def respond(self, message: dict[str, Any]) -> list[bytes]:
        method = message["method"]
        if method == "Marstek.GetDevice":
            return [reply(message, DEVICE)]
        if method == "ES.SetMode":
            self.mode = message["params"]["config"]["mode"]
            return [reply(message, {"id": 0, "set_result": True})]
        if method == "ES.GetMode":
            return [reply(message, {"id": 0, "mode": self.mode, "ongrid_power": 0})]
        return [reply(message, {"id": 0, "rssi": -50})]


async def test_the_holder_makes_several_requests_and_another_task_waits(
    raw_peer: Any, udp_port: int
) -> None:
    peer = await raw_peer(Battery().respond)
    sockets = SocketRegistry(FAST)
    async with (
        MarstekClient("127.0.0.2", udp_port, sockets=sockets) as client,
        MarstekClient("127.0.0.2", udp_port, sockets=sockets) as other,
    ):
        await client.get_device()
        await other.get_device()
        peer.requests.clear()
        async with client.lock:
            await client.get_mode()
            # Another task of the same client, and another client of the same battery,
            # wait for the whole batch.
            waiting = [
                asyncio.create_task(client.get_wifi_status()),
                asyncio.create_task(other.get_ble_status()),
            ]
            await asyncio.sleep(3 * GAP)
            assert not any(task.done() for task in waiting)
            await client.get_mode()
            await client.call("Wifi.GetStatus")
            assert client.lock.locked()
        await asyncio.gather(*waiting)
        assert not client.lock.locked()
    methods = [request["method"] for request in peer.requests]
    assert methods[:3] == ["ES.GetMode", "ES.GetMode", "Wifi.GetStatus"]
    assert sorted(methods[3:]) == ["BLE.GetStatus", "Wifi.GetStatus"]


async def test_a_write_and_its_read_back_are_not_interleaved(raw_peer: Any, udp_port: int) -> None:
    """A read asked for while a write runs comes after the write's read-back."""
    peer = await raw_peer(Battery().respond)
    async with MarstekClient("127.0.0.2", udp_port, sockets=SocketRegistry(FAST)) as client:
        await client.get_device()
        peer.requests.clear()
        peer.received.clear()
        write = asyncio.create_task(client.set_mode(Mode.AI))
        await peer.received.wait()  # the write is out
        read = asyncio.create_task(client.get_wifi_status())
        await asyncio.gather(write, read)
    methods = [request["method"] for request in peer.requests]
    assert methods == ["ES.SetMode", "ES.GetMode", "Wifi.GetStatus"]


async def test_the_lock_can_be_held_before_the_client_connects(
    raw_peer: Any, udp_port: int
) -> None:
    await raw_peer(Battery().respond)
    client = MarstekClient("127.0.0.2", udp_port, sockets=SocketRegistry(FAST))
    try:
        async with client.lock:
            assert client.channel is not None  # entering connected the client
            assert client.channel.lock.held()
            assert (await client.get_device()).ble_mac == DEVICE["ble_mac"]
    finally:
        await client.close()


async def test_device_lock_is_reentrant_for_its_task_only() -> None:
    lock = DeviceLock()
    async with lock:
        async with lock:
            assert lock.held()
        assert lock.locked()

        async def other() -> bool:
            assert not lock.held()
            async with lock:
                return True

        task = asyncio.create_task(other())
        await asyncio.sleep(0.01)
        assert not task.done()
    assert await task
    assert not lock.locked()
    with pytest.raises(RuntimeError):
        lock.release()
