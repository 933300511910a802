"""A single-datagram GetDevice: the gentle probe of a battery that stopped answering.

Over real UDP against the simulator: a silent battery receives exactly one datagram per probe
(no resend, no retry), and a battery that answers at all, even with "busy", counts as heard.
"""

from __future__ import annotations

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekApiError,
    MarstekClient,
    MarstekTimeoutError,
    SocketRegistry,
    Timing,
)
from simulator import Faults, SimulatedBattery

GAP = 0.05
HOST = "127.0.66.11"


@pytest.fixture
def sockets() -> SocketRegistry:
    """Shared sockets and pacing with a 50 ms safety floor, for this test only."""
    return SocketRegistry(Timing(request_gap=GAP, min_request_gap=GAP))


async def test_single_probe_of_a_silent_battery_is_one_datagram(
    udp_port: int, sockets: SocketRegistry
) -> None:
    """Without ``single`` a silent battery costs six datagrams; with it, one."""
    faults = Faults(silent=True)
    async with SimulatedBattery("venus_e3_150", HOST, udp_port, min_gap=GAP, faults=faults) as sim:
        timing = Timing(request_gap=GAP, min_request_gap=GAP, timeout=0.2, backoff=0.01)
        async with MarstekClient(HOST, udp_port, timing=timing, sockets=sockets) as client:
            with pytest.raises(MarstekTimeoutError):
                await client.get_device(single=True)
            assert [record.method for record in sim.requests] == ["Marstek.GetDevice"]

            sim.clear_records()
            with pytest.raises(MarstekTimeoutError):
                await client.get_device()
            # The ordinary read: sent and resent, three attempts.
            assert len(sim.requests) == 6
        assert sim.violations == []


async def test_single_probe_hears_a_busy_battery(udp_port: int, sockets: SocketRegistry) -> None:
    """A contention reply is an answer: the Open API is on again, whatever it said."""
    faults = Faults(ct_contention=1.0)
    async with SimulatedBattery("venus_e3_150", HOST, udp_port, min_gap=GAP, faults=faults) as sim:
        timing = Timing(request_gap=GAP, min_request_gap=GAP, timeout=0.5)
        async with MarstekClient(HOST, udp_port, timing=timing, sockets=sockets) as client:
            with pytest.raises(MarstekApiError):
                await client.get_device(single=True)
            assert len(sim.requests) == 1
        assert sim.violations == []
