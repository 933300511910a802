"""The multi-battery container and broadcast discovery."""

from __future__ import annotations

import asyncio
import socket

import pytest

from simulator import Faults, SimulatedBattery, Simulator

from .conftest import HOSTS
from .udp import RawClient


async def test_fleet_shares_a_clock_and_is_reproducible(client: RawClient) -> None:
    simulator = Simulator(seed=3, time_scale=60.0)
    first = simulator.add("venus_e3_150", HOSTS[10], client.port, min_gap=0)
    second = simulator.add("venus_a_149", HOSTS[11], client.port, min_gap=0)
    async with simulator:
        assert len(simulator) == 2
        assert list(simulator) == [first, second]
        assert simulator[1] is second
        assert simulator.by_mac(second.ble_mac.upper()) is second
        assert first.clock is second.clock is simulator.clock
        for battery in simulator:
            reply = await client.call(battery.address, "Marstek.GetDevice", {"ble_mac": "0"})
            assert reply["src"] == battery.src
        client.send_raw(b"", first.address)
        await asyncio.sleep(0.02)
    assert not first.running
    assert not second.running
    assert [r.method for r in simulator.requests] == ["Marstek.GetDevice"] * 2 + [None]
    assert len(simulator.violations) == 1
    with pytest.raises(KeyError):
        simulator.by_mac("000000000000")
    again = Simulator(seed=3)
    assert again.add("venus_e3_150", HOSTS[10], client.port).ble_mac == first.ble_mac


async def test_start_failure_stops_the_rest(client: RawClient) -> None:
    simulator = Simulator()
    simulator.add("venus_e3_150", HOSTS[12], client.port)
    simulator.add("venus_e3_150", "127.0.0.1", client.port)  # taken by the client
    with pytest.raises(OSError):
        await simulator.start()
    assert not any(b.running for b in simulator)


async def test_wildcard_battery_answers_broadcast_with_unicast() -> None:
    """A battery bound to 0.0.0.0 (as inside a network namespace) answers a broadcast."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    # On one host the client cannot share the wildcard battery's port, so it asks for the
    # reply on its own port (across namespaces the default listen-port reply works too).
    battery = SimulatedBattery(
        "venus_a_149", "0.0.0.0", port, min_gap=0, faults=Faults(reply_to_source_port=True)
    )
    async with battery:
        client = await RawClient("127.0.0.1", 0).open(broadcast=True)
        try:
            # 127.255.255.255 is loopback's broadcast address: the datagram stays on `lo`.
            client.send(("127.255.255.255", port), "Marstek.GetDevice", {"ble_mac": "0"},
                        request_id=0)  # fmt: skip
            reply, source, _ = await client.receive()
        finally:
            client.close()
    assert source == ("127.0.0.1", port)  # unicast, from the listen port
    assert reply["id"] == 0
    assert reply["result"]["ble_mac"] == battery.ble_mac
    assert reply["result"]["ip"] == "127.0.0.1"  # the address the client reached
    assert battery.violations == []
