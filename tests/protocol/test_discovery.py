"""Discovery over real UDP on loopback (unicast probes; true broadcast is test_netns_discovery)."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekClient,
    MarstekPortInUseError,
    Timing,
    discover,
    discovery as discovery_module,
)
from simulator import SimulatedBattery

from .conftest import reply


async def test_finds_each_battery_once(udp_port: int) -> None:
    sims = [
        SimulatedBattery(profile="venus_e3_150", host="127.0.0.2", port=udp_port, min_gap=0.3),
        SimulatedBattery(profile="venus_a_149", host="127.0.0.3", port=udp_port, min_gap=0.3),
    ]
    for sim in sims:
        await sim.start()
    try:
        found = await discover([udp_port], targets=["127.0.0.2", "127.0.0.3", "127.0.0.2"])
    finally:
        for sim in sims:
            await sim.stop()
    assert [(d.host, d.port, d.ble_mac, d.firmware) for d in found] == [
        ("127.0.0.2", udp_port, sims[0].ble_mac, 150),
        ("127.0.0.3", udp_port, sims[1].ble_mac, 149),
    ]
    # Three probes on the schedule, each answered; the copies collapse into one device.
    for sim in sims:
        assert len(sim.requests) == len(Timing().probe_schedule)
        assert sim.violations == []


async def test_probes_every_port(udp_port: int) -> None:
    other = SimulatedBattery(profile="venus_e3_150", host="127.0.0.3", port=0)
    first = SimulatedBattery(profile="venus_e2_154", host="127.0.0.2", port=udp_port)
    async with first, other:
        found = await discover([udp_port, other.port], targets=["127.0.0.2", "127.0.0.3"])
    assert {(d.ble_mac, d.port) for d in found} == {
        (first.ble_mac, udp_port),
        (other.ble_mac, other.port),
    }


async def test_nothing_answers(udp_port: int) -> None:
    assert await discover([udp_port], targets=["127.0.0.2"], timeout=1.0) == []


async def test_a_port_in_use_does_not_hide_the_others(udp_port: int) -> None:
    """Another program on one candidate port (Daikin's 30000, say): the rest are scanned."""
    battery = SimulatedBattery(profile="venus_e3_150", host="127.0.0.2", port=udp_port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        taken = int(squatter.getsockname()[1])
        async with battery:
            found = await discover([taken, udp_port], targets=["127.0.0.2"], timeout=2.0)
        assert [device.ble_mac for device in found] == [battery.ble_mac]
        # With no port left there is nothing to scan, and the caller is told why.
        with pytest.raises(MarstekPortInUseError):
            await discover([taken], targets=["127.0.0.2"], timeout=1.0)


async def test_bad_replies_are_ignored(raw_peer: Any, udp_port: int) -> None:
    def respond(message: dict[str, Any]) -> list[bytes]:
        return [
            b"garbage",
            reply(message, {"device": "VenusE 3.0", "ver": 150}, src="no-mac-here"),
            json.dumps({"id": message["id"], "result": [1, 2]}).encode(),
            reply(message, {"device": "VenusE", "ver": 154, "ble_mac": "2419720d3533"}),
        ]

    await raw_peer(respond)
    found = await discover([udp_port], targets=["127.0.0.2"], timeout=1.5)
    assert [d.ble_mac for d in found] == ["2419720d3533"]


async def test_discovery_waits_for_a_request_in_flight(udp_port: int) -> None:
    """A probe never overlaps a poll of the same battery, and keeps the gap after it."""
    sim = SimulatedBattery(profile="venus_e3_150", host="127.0.0.2", port=udp_port, min_gap=0.04)
    sim.faults.latency = 0.1
    async with (
        sim,
        # 50 ms asked for, raised to the library's 0.3 s safety floor.
        MarstekClient(
            "127.0.0.2", udp_port, timing=Timing(request_gap=0.05, timeout=0.5)
        ) as client,
    ):
        poll = asyncio.create_task(client.get_device())
        await asyncio.sleep(0.01)
        found = await discover([udp_port], targets=["127.0.0.2"], timeout=2)
        await poll
    assert [d.ble_mac for d in found] == [sim.ble_mac]
    assert sim.violations == []


def test_interface_broadcast_addresses_are_not_loopback() -> None:
    targets = discovery_module.broadcast_targets()
    assert targets[0] == "255.255.255.255"
    assert all(not t.startswith("127.") for t in targets)


async def test_discovery_right_after_a_client_left_keeps_the_gap(udp_port: int) -> None:
    """An entry reloading closes its socket; a scan right then must still wait its turn."""
    # The client keeps the library's 0.3 s floor; the battery checks far less.
    sim = SimulatedBattery(profile="venus_e3_150", host="127.0.0.2", port=udp_port, min_gap=0.04)
    async with sim:
        timing = Timing(request_gap=0.3, timeout=0.5)
        async with MarstekClient("127.0.0.2", udp_port, timing=timing) as client:
            await client.get_device()
        found = await discover([udp_port], targets=["127.0.0.2"], timeout=4)
    assert [d.ble_mac for d in found] == [sim.ble_mac]
    assert sim.violations == []


async def test_two_scans_at_once_take_turns(udp_port: int) -> None:
    """The background scan and a config flow may scan together: their probes must not."""
    sim = SimulatedBattery(profile="venus_e3_150", host="127.0.0.2", port=udp_port, min_gap=0.04)
    async with sim:
        first, second = await asyncio.gather(
            discover([udp_port], targets=["127.0.0.2"], timeout=4),
            discover([udp_port], targets=["127.0.0.2"], timeout=4),
        )
    assert [d.ble_mac for d in first] == [d.ble_mac for d in second] == [sim.ble_mac]
    assert sim.violations == []
