"""Pacing holds per battery whoever sends: polls, a second client, writes and discovery scans.

The acceptance run found discovery handing each battery two probes 1-5 ms apart (the limited
and the subnet broadcast in one round) and, at start-up, a probe and the first poll 1-4 ms
apart. The simulated battery judges gaps on kernel arrival times and per client address.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from custom_components.marstek_venus.pymarstek_venus import MarstekClient, Mode, Timing, discover
from custom_components.marstek_venus.pymarstek_venus.discovery import (
    LIMITED_BROADCAST,
    probe_rounds,
)
from custom_components.marstek_venus.pymarstek_venus.pacing import Pacer
from simulator import SimulatedBattery


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_probe_counts_as_a_request_to_every_battery_on_its_port() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, probe_gap=1.0)
    pacer.sent("10.0.0.2", 30000, 2.0)
    assert pacer.unicast_delay("10.0.0.2", 30000, 2.0) == pytest.approx(2.0)
    # The probe waits for the known battery's own gap, not just the probe gap.
    assert pacer.broadcast_delay(30000) == pytest.approx(2.0)
    assert pacer.broadcast_delay(30001) <= 0  # another port reaches other batteries
    clock.now += 2.0
    pacer.broadcast(30000)
    # After the probe every battery on the port waits its gap again, known or not.
    assert pacer.unicast_delay("10.0.0.2", 30000, 2.0) == pytest.approx(2.0)
    assert pacer.unicast_delay("10.0.0.9", 30000, 1.0) == pytest.approx(1.0)
    assert pacer.broadcast_delay(30000) == pytest.approx(2.0)
    clock.now += 1.0
    assert pacer.unicast_delay("10.0.0.9", 30000, 1.0) <= 0
    assert pacer.broadcast_delay(30000) == pytest.approx(1.0)


def test_the_next_sender_keeps_the_previous_senders_gap() -> None:
    """A CLI run with a short gap after Home Assistant's long one still waits the long one."""
    clock = FakeClock()
    pacer = Pacer(clock=clock)
    pacer.sent("10.0.0.2", 30000, 3.0)
    assert pacer.unicast_delay("10.0.0.2", 30000, 0.5) == pytest.approx(3.0)
    # Never below the device floor, whatever a caller asks for.
    pacer.sent("10.0.0.3", 30000, 0.0)
    assert pacer.unicast_delay("10.0.0.3", 30000, 0.0) == pytest.approx(0.3)


async def test_a_probe_is_not_starved_by_batteries_polled_back_to_back() -> None:
    """Two batteries polled in turn leave no moment free of both gaps; the probe books one,
    and each battery keeps its gap before and after it."""
    pacer = Pacer(probe_gap=0.3)
    port, gap = 30000, 0.4
    sends: dict[str, list[float]] = {"10.0.0.2": [], "10.0.0.3": []}
    stop = asyncio.Event()

    async def poll(host: str, phase: float) -> None:
        await asyncio.sleep(phase)
        while not stop.is_set():
            await pacer.wait_unicast(host, port, gap)
            pacer.sent(host, port, gap)
            sends[host].append(time.monotonic())
            await asyncio.sleep(0)

    async def probe() -> float:
        await asyncio.sleep(0.5)
        async with asyncio.timeout(2.0), pacer.broadcast_turn(port):
            pacer.broadcast(port)
            probed = time.monotonic()
        await asyncio.sleep(0.5)
        stop.set()
        return probed

    probed, *_ = await asyncio.gather(probe(), poll("10.0.0.2", 0.0), poll("10.0.0.3", 0.2))
    for times in sends.values():
        assert all(abs(sent - probed) >= gap - 0.002 for sent in times)
        assert any(sent > probed for sent in times)  # polling went on after the probe


async def test_polls_are_not_starved_by_scans_that_follow_each_other() -> None:
    """Probes every probe gap, back to back, leave no two-gap window for a poll; the poll
    that waits first goes first, and keeps its gap on both sides."""
    pacer = Pacer(probe_gap=0.3)
    port, gap = 30000, 0.3
    probes: list[float] = []
    stop = asyncio.Event()

    async def scan() -> None:
        while not stop.is_set():
            async with pacer.broadcast_turn(port):
                pacer.broadcast(port)
                probes.append(time.monotonic())

    async def poll() -> float:
        await asyncio.sleep(0.1)
        async with asyncio.timeout(2.0):
            await pacer.wait_unicast("10.0.0.2", port, gap)
        pacer.sent("10.0.0.2", port, gap)
        polled = time.monotonic()
        await asyncio.sleep(0.7)
        stop.set()
        return polled

    _, polled = await asyncio.gather(scan(), poll())
    assert all(abs(probe - polled) >= gap - 0.002 for probe in probes)
    assert any(probe > polled for probe in probes)  # the scans went on after it


def test_each_round_probes_one_kind_of_target() -> None:
    """255.255.255.255 and the subnet broadcast reach the same batteries: never one round."""
    rounds = probe_rounds(
        [LIMITED_BROADCAST, "10.0.0.255", "172.17.255.255"], ["10.0.0.255", "172.17.255.255"]
    )
    assert rounds == [
        ["10.0.0.255", "172.17.255.255"],
        [LIMITED_BROADCAST],
        ["10.0.0.255", "172.17.255.255"],
    ]
    assert probe_rounds(["127.0.0.2", "127.0.0.3"], []) == [["127.0.0.2", "127.0.0.3"]] * 3
    assert probe_rounds([], []) == []


async def test_polls_writes_and_scans_together_keep_every_gap(udp_port: int) -> None:
    """Two clients polling and writing one battery while scans run: no request reaches it
    closer than the configured gap, from the first datagram on."""
    gap = 0.5
    battery = SimulatedBattery("venus_e3_150", "127.0.0.2", udp_port, min_gap=0.3)
    async with battery:
        timing = Timing(request_gap=gap, timeout=3.0)
        first = MarstekClient("127.0.0.2", udp_port, timing=timing)
        second = MarstekClient("127.0.0.2", udp_port, timing=timing)
        stop = asyncio.Event()

        async def poll(client: MarstekClient) -> None:
            while not stop.is_set():
                await client.get_mode()

        async def scans() -> None:
            for _ in range(2):
                found = await discover([udp_port], targets=["127.0.0.2"], timeout=3.0)
                assert [device.ble_mac for device in found] == [battery.ble_mac]
            await first.set_mode(Mode.AI)
            stop.set()

        async with first, second:
            await asyncio.gather(scans(), poll(first), poll(second))
    assert battery.violations == []
    assert battery.smallest_gap is not None
    # Kernel arrival times on loopback: a gap kept at send time is kept on arrival.
    assert battery.smallest_gap >= gap - 0.002
    methods = {record.method for record in battery.requests}
    assert {"Marstek.GetDevice", "ES.GetMode", "ES.SetMode"} <= methods


async def _scan_while_a_battery_joins(port: int, gap: float, join_after: float) -> None:
    """One poller busy on 127.0.0.3, a scan, and 127.0.0.2's client connecting mid-scan."""
    timing = Timing(request_gap=gap, timeout=3.0)
    stop = asyncio.Event()

    async def poll(client: MarstekClient) -> None:
        while not stop.is_set():
            await client.get_mode()

    async def join() -> None:
        await asyncio.sleep(join_after)
        async with MarstekClient("127.0.0.2", port, timing=timing) as newcomer:
            await newcomer.get_device()
            await poll(newcomer)

    async def scan() -> None:
        await discover([port], targets=["127.0.0.2", "127.0.0.3"], timeout=2.5)
        stop.set()

    async with MarstekClient("127.0.0.3", port, timing=timing) as poller:
        await asyncio.gather(poll(poller), scan(), join())


async def test_a_battery_joining_during_a_scan_keeps_its_gap(udp_port: int) -> None:
    """The start-up race: a scan waits for one battery's turn while another battery's entry
    connects; the newcomer must not get its first poll right behind the probe (before the
    fix: 1-7 ms)."""
    gap = 0.5
    busy = SimulatedBattery("venus_e3_150", "127.0.0.3", udp_port, min_gap=0.3)
    joining = SimulatedBattery("venus_a_149", "127.0.0.2", udp_port, min_gap=0.3)
    async with busy, joining:
        for join_after in (0.0, 0.2, 0.45, 0.7, 0.95, 1.2):
            await _scan_while_a_battery_joins(udp_port, gap, join_after)
    assert joining.violations == []
    assert busy.violations == []
    assert joining.smallest_gap is not None
    assert busy.smallest_gap is not None
    assert min(joining.smallest_gap, busy.smallest_gap) >= gap - 0.002
