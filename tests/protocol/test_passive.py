"""Confirmed passive writes: the AC power must follow, else one more send, else an error.

Over real UDP on loopback: a scripted battery decides what AC power each passive command
yields (and which reads get lost); the simulator shows a full battery that cannot charge.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    BatteryStatus,
    MarstekClient,
    MarstekPassiveNotFollowedError,
    MarstekWriteError,
    PassiveConfig,
    SocketRegistry,
    Timing,
)
from custom_components.marstek_venus.pymarstek_venus.passive import bms_blocks
from simulator import SimulatedBattery

from .conftest import reply

GAP = 0.05
FAST = Timing(
    request_gap=GAP,
    min_request_gap=GAP,
    timeout=0.3,
    backoff=0.02,
    resend_after=0.15,
    verify_settle=GAP,
    passive_confirm_interval=GAP,
)
DEVICE = {"device": "VenusE 3.0", "ver": 150, "ble_mac": "009b08a5dfa5", "ip": "127.0.0.2"}
BATTERY = BatteryStatus(
    soc=50,
    charge_allowed=True,
    discharge_allowed=True,
    temperature=20.0,
    remaining_energy=2560.0,
    rated_energy=5120.0,
)
NOT_FOLLOWED = "instead of the requested {} W, also after the command was sent a second time"


LOST = "lost"


class PassiveBattery:
    """Answers GetDevice, ES.GetMode and ES.SetMode.

    ``deliver(send, power)`` is the AC power (None: none reported) that the ``send``-th
    passive command yields. ``script`` overrides what the n-th ES.GetMode request since the
    first write (1-based, by request id) reports: a power, None, or LOST (no reply at all).
    """

    def __init__(
        self,
        deliver: Callable[[int, int], float | None],
        script: dict[int, float | str | None] | None = None,
    ) -> None:
        self.deliver = deliver
        self.script = script or {}
        self.mode = "Auto"
        self.ac_power: float | None = 0.0
        self.sends = 0
        self.reads: list[int] = []  # ids of the ES.GetMode requests since the first write

    def respond(self, message: dict[str, Any]) -> list[bytes]:
        method = message["method"]
        if method == "Marstek.GetDevice":
            return [reply(message, DEVICE)]
        if method == "ES.GetMode":
            return self._mode(message)
        assert method == "ES.SetMode"
        self.sends += 1
        self.mode = "Passive"
        self.ac_power = self.deliver(
            self.sends, message["params"]["config"]["passive_cfg"]["power"]
        )
        return [reply(message, {"id": 0, "set_result": True})]

    def _mode(self, message: dict[str, Any]) -> list[bytes]:
        power: float | str | None = self.ac_power
        if self.sends:
            if message["id"] not in self.reads:
                self.reads.append(message["id"])
            power = self.script.get(self.reads.index(message["id"]) + 1, power)
        if power == LOST:
            return []
        status: dict[str, Any] = {"id": 0, "mode": self.mode, "bat_soc": 50}
        if power is not None:
            status["ongrid_power"] = power
        return [reply(message, status)]


@pytest.fixture
async def scripted(
    raw_peer: Callable[..., Any], udp_port: int
) -> AsyncIterator[Callable[..., Any]]:
    """A client connected to a scripted battery (which has not been asked for anything)."""
    clients: list[MarstekClient] = []

    async def start(battery: PassiveBattery, timing: Timing = FAST) -> MarstekClient:
        await raw_peer(battery.respond)
        client = MarstekClient("127.0.0.2", udp_port, sockets=SocketRegistry(timing))
        clients.append(client)
        await client.get_device()
        return client

    yield start
    for client in clients:
        await client.close()


async def test_followed_at_once_is_sent_once(scripted: Any) -> None:
    battery = PassiveBattery(lambda send, power: power)
    client = await scripted(battery)
    await client.set_passive(PassiveConfig(-800, 600), confirm=True)
    assert battery.sends == 1


async def test_not_followed_is_sent_once_more_then_an_error(
    scripted: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Power that does not move: read a few times, send again, then an error naming both."""
    caplog.set_level(logging.INFO, logger="custom_components.marstek_venus.pymarstek_venus")
    battery = PassiveBattery(lambda send, power: 300.0)
    client = await scripted(battery)
    with pytest.raises(MarstekPassiveNotFollowedError, match=NOT_FOLLOWED.format(1000)) as err:
        await client.set_passive(PassiveConfig(1000, 600), confirm=True)
    assert "delivers 300 W" in str(err.value)
    assert (err.value.power, err.value.actual) == (1000, 300.0)
    assert isinstance(err.value, MarstekWriteError)
    assert battery.sends == 2
    # Each send: the mode read-back, then the confirmation's reads (the first of them is the
    # read-back's twin, the rest are an interval apart).
    assert len(battery.reads) >= 2 * FAST.passive_confirm_reads
    assert (
        "Marstek battery at 127.0.0.2 delivers 300 W in passive mode instead of 1000 W; "
        "sending the command once more"
    ) in caplog.messages


async def test_followed_after_the_resend(scripted: Any) -> None:
    """Passive sent twice before the battery reacts (reported on fw 144) is fine."""
    battery = PassiveBattery(lambda send, power: 300.0 if send == 1 else power)
    client = await scripted(battery)
    await client.set_passive(PassiveConfig(-2000, 600), confirm=True)
    assert battery.sends == 2


@pytest.mark.parametrize(("delivered", "sends"), [(-800.0, 1), (0.0, 2)])
async def test_each_taken_command_is_reported_as_it_is_taken(
    scripted: Any, delivered: float, sends: int
) -> None:
    """``on_sent`` runs once per command the battery took, right then: its countdown restarts
    with each one, so a caller following the countdown starts it there, not at the end of
    the power check."""
    battery = PassiveBattery(lambda send, power: delivered)
    client = await scripted(battery)
    seen: list[int] = []
    with contextlib.suppress(MarstekPassiveNotFollowedError):
        await client.set_passive(
            PassiveConfig(-800, 600), confirm=True, on_sent=lambda: seen.append(battery.sends)
        )
    assert seen == list(range(1, sends + 1))


async def test_confirmation_survives_lost_reads(scripted: Any) -> None:
    """A confirmation read that gets no reply is just one read fewer, and so is one without
    a power reading."""
    # Read 1 is the write's own read-back (it shows Passive); read 2 gets no reply at all
    # (one attempt: a datagram and its resend); read 3 reports no AC power; read 4 the power.
    battery = PassiveBattery(lambda send, power: power, script={2: LOST, 3: None})
    client = await scripted(battery, replace(FAST, attempts=1))
    await client.set_passive(PassiveConfig(800, 600), confirm=True)
    assert battery.sends == 1
    assert len(battery.reads) == 4


async def test_part_of_the_power_is_not_confirmed(scripted: Any) -> None:
    """A battery that moves toward the target but stops short (its limit) is not confirmed.

    Before issue 9 this counted as "moved toward": 1200 W for 2000 W asked passed silently.
    """
    battery = PassiveBattery(lambda send, power: 1200.0)
    client = await scripted(battery)
    with pytest.raises(MarstekPassiveNotFollowedError, match="delivers 1200 W instead of") as err:
        await client.set_passive(PassiveConfig(2000, 600), confirm=True)
    assert battery.sends == 2
    assert err.value.actual == 1200.0


async def test_never_a_power_reading_says_so(scripted: Any) -> None:
    """No read-back reported an AC power at all: the error says the power is unknown."""
    battery = PassiveBattery(lambda send, power: None)
    client = await scripted(battery)
    with pytest.raises(MarstekPassiveNotFollowedError, match="an unknown power") as err:
        await client.set_passive(PassiveConfig(500, 600), confirm=True)
    assert err.value.actual is None


async def test_without_confirm_the_power_is_not_checked(scripted: Any) -> None:
    battery = PassiveBattery(lambda send, power: 300.0)
    client = await scripted(battery)
    await client.set_passive(PassiveConfig(1000, 600))
    assert battery.sends == 1


@pytest.mark.parametrize(
    ("battery_changes", "power"),
    [
        ({"soc": 100}, -1000),
        ({"charge_allowed": False}, -1000),
        ({"discharge_allowed": False}, 1000),
    ],
)
async def test_bms_limits_skip_the_check(
    scripted: Any,
    caplog: pytest.LogCaptureFixture,
    battery_changes: dict[str, Any],
    power: int,
) -> None:
    """A full battery cannot charge (nor an empty one discharge): nothing to confirm."""
    caplog.set_level(logging.DEBUG, logger="custom_components.marstek_venus.pymarstek_venus")
    battery = PassiveBattery(lambda send, power: 0.0)
    client = await scripted(battery)
    status = replace(BATTERY, **battery_changes)
    await client.set_passive(PassiveConfig(power, 600), confirm=True, battery=status)
    assert battery.sends == 1
    assert f"Passive {power} W cannot be followed now (BMS limits); not checking" in caplog.messages


@pytest.mark.parametrize(
    ("changes", "target", "blocks"),
    [
        ({}, -1000, False),
        ({"soc": 100}, -1000, True),
        ({"soc": 100}, 1000, False),
        ({"charge_allowed": False}, -1000, True),
        ({"charge_allowed": None}, -1000, False),  # unknown is not forbidden
        ({"discharge_allowed": False}, 1000, True),
        ({"discharge_allowed": False}, -1000, False),
        ({"charge_allowed": False, "discharge_allowed": False}, 0, False),
    ],
)
def test_what_the_bms_blocks(changes: dict[str, Any], target: int, blocks: bool) -> None:
    assert bms_blocks(replace(BATTERY, **changes), target) is blocks
    assert bms_blocks(None, target) is False


async def test_a_full_battery_on_the_simulator(udp_port: int) -> None:
    """A full simulated battery asked to charge delivers nothing: not followed, unless its
    Bat.GetStatus is passed along, which says why."""
    sim = SimulatedBattery("venus_e3_150", "127.0.0.2", udp_port, min_gap=GAP * 0.8, seed=3)
    async with sim, MarstekClient(sim.host, sim.port, sockets=SocketRegistry(FAST)) as client:
        sim.set_soc(100)
        with pytest.raises(MarstekPassiveNotFollowedError) as err:
            await client.set_passive(PassiveConfig(-1000, 600), confirm=True)
        assert err.value.power == -1000
        assert err.value.actual is not None
        assert abs(err.value.actual) < 50
        sends = [r.method for r in sim.requests].count("ES.SetMode")
        assert sends == 2

        full = await client.get_battery_status()
        assert full.soc == 100
        await client.set_passive(PassiveConfig(-1000, 600), confirm=True, battery=full)
        assert [r.method for r in sim.requests].count("ES.SetMode") == sends + 1

        # A target it can follow is confirmed on the first send.
        await client.set_passive(PassiveConfig(500, 600), confirm=True)
        assert [r.method for r in sim.requests].count("ES.SetMode") == sends + 2
        assert sim.state.ac_power == pytest.approx(500, abs=25)
    assert sim.violations == []
