"""The client against the simulator over real UDP on loopback: reads, verified writes, faults.

Pacing is shortened for speed (a ``Timing`` with a 50 ms safety floor, and the simulator told
the same minimum gap), so every test still checks that no device-safety rule was broken.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import time
from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    Family,
    ManualPeriod,
    MarstekClient,
    MarstekMethodNotSupportedError,
    MarstekTimeoutError,
    MarstekValidationError,
    MarstekWriteError,
    Mode,
    PassiveConfig,
    SocketRegistry,
    Timing,
    Weekday,
)
from simulator import Faults, SimulatedBattery

GAP = 0.05
FAST = Timing(
    request_gap=GAP,
    min_request_gap=GAP,
    timeout=0.3,
    backoff=0.02,
    resend_after=0.15,
    verify_settle=GAP,
)


@pytest.fixture
def sockets() -> SocketRegistry:
    """Shared sockets and pacing with the 50 ms floor, for this test only."""
    return SocketRegistry(FAST)


@pytest.fixture
async def battery(udp_port: int) -> AsyncIterator[Callable[..., Any]]:
    """Start simulated batteries on 127.0.0.x:udp_port; assert they saw no safety violation."""
    started: list[SimulatedBattery] = []

    async def start(
        profile: str = "venus_e3_150", host: str = "127.0.0.2", **kw: Any
    ) -> SimulatedBattery:
        # The simulator shares our event loop, so it timestamps a request when the loop gets
        # to it: allow 20 % for that scheduling jitter in its gap rule.
        sim = SimulatedBattery(
            profile=profile, host=host, port=udp_port, min_gap=GAP * 0.8, seed=7, **kw
        )
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        await sim.stop()
    for sim in started:
        assert sim.violations == [], [(r.time, r.method, r.id, r.outcome) for r in sim.requests]
        assert sim.internal_errors == 0


def _client(sockets: SocketRegistry, sim: SimulatedBattery, **kw: Any) -> MarstekClient:
    return MarstekClient(sim.host, sim.port, timing=replace(FAST, **kw), sockets=sockets)


async def test_venus_e3_150_reads(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150")
    async with _client(sockets, sim) as client:
        device = await client.get_device()
        assert device.ble_mac == sim.ble_mac
        assert device.family is Family.VENUS_E3
        assert device.firmware == 150
        assert client.profile is not None
        assert not client.profile.has_pv
        status = await client.get_es_status()
        mode = await client.get_mode()
        meter = await client.get_meter_status()
        battery_status = await client.get_battery_status()
        wifi = await client.get_wifi_status()
        ble = await client.get_ble_status()
        with pytest.raises(MarstekMethodNotSupportedError):
            await client.get_pv_status()
    state = sim.state
    assert status.soc == state.soc
    assert status.battery_power_computed
    assert status.battery_power == pytest.approx(state.battery_power, abs=5)
    assert mode.mode is Mode.AUTO
    assert meter.connected is True
    assert meter.total_power == pytest.approx(state.grid_power, abs=5)
    assert battery_status.rated_energy == 5120
    assert battery_status.remaining_energy == pytest.approx(state.remaining_energy, rel=0.02)
    assert wifi.rssi is not None
    assert wifi.rssi < 0
    assert ble.connected is not None


@pytest.mark.parametrize(
    "profile",
    [
        "venus_e3_139",
        "venus_e3_144",
        "venus_a_147",
        "venus_a_149",
        "venus_d_150",
        "venus_e2_153",
        "venus_e2_154",
        "venus_c_153",
        "venus_mini_300",
    ],
)
async def test_every_profile_decodes_to_the_simulated_truth(
    battery: Any, sockets: SocketRegistry, profile: str
) -> None:
    sim = await battery(profile)
    async with _client(sockets, sim) as client:
        await client.get_device()
        assert client.profile is not None
        pv = await client.get_pv_status() if client.profile.has_pv else None
        if pv is not None:
            assert pv.total_power == pytest.approx(sum(sim.state.pv_channels), abs=2)
        if client.profile.has_es_status:
            status = await client.get_es_status(pv)
            assert status.soc == sim.state.soc
            assert status.battery_power == pytest.approx(sim.state.battery_power, abs=5)
        if client.profile.has_battery_status:
            bat = await client.get_battery_status()
            assert bat.soc == sim.state.soc
            assert bat.temperature == pytest.approx(sim.state.temperature, abs=0.6)
            assert bat.remaining_energy == pytest.approx(sim.state.remaining_energy, rel=0.03)
        mode = await client.get_mode()
        assert mode.mode is Mode.AUTO


async def test_mode_write_is_verified(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150")
    async with _client(sockets, sim) as client:
        await client.set_mode(Mode.AI)
        assert sim.state.mode == "AI"
        await client.set_mode(Mode.UPS)
        assert sim.state.mode == "UPS"
    methods = [r.method for r in sim.requests]
    # Each write is followed by a read-back of the mode.
    assert methods.count("ES.SetMode") == 2
    assert methods.count("ES.GetMode") >= 2


async def test_ups_on_venus_a_149(battery: Any, sockets: SocketRegistry) -> None:
    """Venus A fw 149 accepts UPS (the gate is at 149, not 150); the read-back confirms it."""
    sim = await battery("venus_a_149")
    async with _client(sockets, sim) as client:
        await client.get_device()
        assert client.profile is not None
        assert client.profile.supports_ups
        await client.set_mode(Mode.UPS)
        assert sim.state.mode == "UPS"
        assert (await client.get_mode()).mode is Mode.UPS


async def test_passive_and_manual_writes(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150")
    async with _client(sockets, sim) as client:
        await client.set_passive(PassiveConfig(-800, 300))
        state = sim.state
        assert state.mode == "Passive"
        assert state.passive_power == -800
        period = ManualPeriod(2, time(1, 30), time(5, 0), Weekday.SAT | Weekday.SUN, -1200)
        await client.set_manual_period(period)
        slot = sim.state.manual_periods[2]
        assert sim.state.mode == "Manual"
        assert (slot.start, slot.end, slot.week_set, slot.power, slot.enabled) == (
            "01:30",
            "05:00",
            96,
            -1200,
            True,
        )


async def test_first_write_rejected_then_accepted(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150", faults=Faults(reject_first_write=True))
    async with _client(sockets, sim) as client:
        await client.set_manual_period(ManualPeriod(0, time(8), time(9)))
    assert [r.method for r in sim.requests].count("ES.SetMode") == 2
    assert sim.state.mode == "Manual"


async def test_unconfirmed_write_raises(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150")
    async with _client(sockets, sim, write_attempts=2) as client:
        await client.get_device()
        sim.set_silent(True)
        with pytest.raises(MarstekWriteError, match="not confirmed"):
            await client.set_mode(Mode.AI)
    assert sim.state.mode == "Auto"


async def test_settings_writes(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150")
    async with _client(sockets, sim) as client:
        await client.set_depth_of_discharge(40)
        await client.set_led(False)
        await client.set_ble_advertising(False)
    assert (sim.state.dod, sim.state.led, sim.state.ble_adv) == (40, False, False)


async def test_invalid_write_sends_nothing(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_mini_300")
    async with _client(sockets, sim) as client:
        await client.get_device()
        before = len(sim.requests)
        with pytest.raises(MarstekValidationError):
            await client.set_manual_period(ManualPeriod(6, time(1), time(2)))
        with pytest.raises(MarstekValidationError):
            await client.set_passive(PassiveConfig(5000, 60))
    assert len(sim.requests) == before


@pytest.mark.parametrize(
    "faults",
    [
        Faults(loss=0.3),
        Faults(duplicate_replies=1.0),
        Faults(ct_contention=0.3),
        Faults(reply_to_source_port=True),
        Faults(latency=0.05, jitter=0.04),
    ],
    ids=["loss", "duplicates", "contention", "reply-to-source-port", "latency"],
)
async def test_reads_survive_faults(battery: Any, sockets: SocketRegistry, faults: Faults) -> None:
    sim = await battery("venus_e3_150", faults=faults)
    async with _client(sockets, sim, attempts=8) as client:
        await client.get_device()
        for _ in range(6):
            assert (await client.get_mode()).mode is Mode.AUTO
        assert client.stats.answered >= 7


async def test_reply_to_source_port_works_from_an_ephemeral_port(
    battery: Any, sockets: SocketRegistry
) -> None:
    """Units that answer the source port are reachable even without binding their port."""
    sim = await battery("venus_e3_150", faults=Faults(reply_to_source_port=True))
    async with _client(sockets, sim) as client:
        assert (await client.get_device()).ble_mac == sim.ble_mac


async def test_silent_device_times_out(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150")
    sim.set_silent(True)
    async with _client(sockets, sim, attempts=2) as client:
        with pytest.raises(MarstekTimeoutError):
            await client.get_device()


async def test_reboot_and_ip_change(battery: Any, sockets: SocketRegistry) -> None:
    sim = await battery("venus_e3_150", reboot_duration=0.2)
    async with _client(sockets, sim, attempts=4, backoff=0.1) as client:
        await client.get_device()
        sim.reboot(reset_counters=True)
        assert (await client.get_mode()).mode is Mode.AUTO
    await sim.change_ip("127.0.0.3")
    # To the client the new address is a new device with no pacing history; the battery
    # itself still counts the gap since our last request.
    await asyncio.sleep(GAP)
    async with _client(sockets, sim) as client:
        assert client.host == "127.0.0.3"
        assert (await client.get_device()).ble_mac == sim.ble_mac


async def test_set_host_while_connected_follows_the_battery(
    battery: Any, sockets: SocketRegistry
) -> None:
    sim = await battery("venus_e3_150")
    async with _client(sockets, sim) as client:
        await client.get_device()
        await sim.change_ip("127.0.0.3")
        await asyncio.sleep(GAP)  # the battery still counts the gap since our last request
        client.set_host("127.0.0.3")
        assert (await client.get_device()).host == "127.0.0.3"
        assert client.channel is not None
        assert client.channel.host == "127.0.0.3"
