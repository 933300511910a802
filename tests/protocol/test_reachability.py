"""The reachability probe over real loopback UDP: a reply, a closed port, silence.

A closed port on 127.x really answers with ICMP port unreachable. Loopback has no ARP, so
"nothing at this address" is the injected neighbour lookup's word; timings are injected too.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
import pytest_socket

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekClient,
    MarstekPortInUseError,
    Reachability,
    Timing,
    Verdict,
    probe,
)
from simulator import Faults, SimulatedBattery

PEER = "127.0.0.2"
GAP = 0.3  # the library's floor: the fastest a test may go
FAST: dict[str, Any] = {"timing": Timing(request_gap=GAP), "answer_within": 0.3}


@pytest.fixture(autouse=True)
def _connect_to_peers() -> None:
    """The probe's socket connect()s to the peer; the harness allows 127.0.0.1 only."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", "127.0.0.2", "127.0.0.3"])


async def nobody(host: str) -> bool | None:
    """A neighbour table in which nobody answered ARP."""
    return False


async def cannot_tell(host: str) -> bool | None:
    """No neighbour table (another OS), or a host behind a router."""
    return None


async def test_a_battery_answers(udp_port: int) -> None:
    """The reply, sent to the requester at the API port, ends the probe at once."""
    async with SimulatedBattery("venus_e3_150", PEER, udp_port, min_gap=GAP) as battery:
        found = await probe(PEER, udp_port, **FAST)
        assert found.verdict is Verdict.ANSWERED
        assert found.reply is not None
        assert found.reply["src"] == battery.src
        assert len(battery.requests) == 1
        assert battery.violations == []


async def test_a_reply_to_the_source_port_counts_too(udp_port: int) -> None:
    """Some firmware replies to the source port: that is the probe's own socket."""
    faults = Faults(reply_to_source_port=True)
    async with SimulatedBattery("venus_a_149", PEER, udp_port, faults=faults) as battery:
        found = await probe(PEER, udp_port, **FAST)
        assert found.verdict is Verdict.ANSWERED
        assert found.reply is not None
        assert found.reply["result"]["ble_mac"] == battery.ble_mac


async def test_busy_reply_with_id_zero_is_an_answer(raw_peer: Any, udp_port: int) -> None:
    """CT contention (-32700, id 0) still proves an Open API listens."""

    def respond(message: dict[str, Any]) -> list[bytes]:
        busy = {"code": -32700, "message": "Parse error", "data": 403}
        return [json.dumps({"id": 0, "error": busy}).encode()]

    await raw_peer(respond)
    found = await probe(PEER, udp_port, **FAST)
    assert found.verdict is Verdict.ANSWERED
    assert found.reply is not None
    assert found.reply["error"]["data"] == 403


async def test_closed_port_is_refused_after_one_datagram(raw_peer: Any, udp_port: int) -> None:
    """Nothing listens: the host's ICMP "port unreachable" ends the probe, no resends.

    A plain client waits out its whole retry budget here and cannot tell why.
    """
    witness = await raw_peer(None, host="127.0.0.3")  # another address, same port
    found = await probe(PEER, udp_port, sends=3, timing=Timing(request_gap=5.0), answer_within=5.0)
    assert found == Reachability(Verdict.REFUSED)
    assert witness.requests == []


async def test_silent_host_that_is_there(udp_port: int) -> None:
    """No reply, no ICMP, and the host is there (loopback always is): the API is off."""
    async with SimulatedBattery("venus_e3_150", PEER, udp_port, min_gap=GAP) as battery:
        battery.set_silent(True)
        found = await probe(PEER, udp_port, sends=2, **FAST)
        assert found == Reachability(Verdict.SILENT)
        # One resend, a gap after the first datagram, with the same request id.
        assert len(battery.requests) == 2
        assert battery.violations == []


@pytest.mark.parametrize(
    ("presence", "verdict"), [(nobody, Verdict.NO_HOST), (cannot_tell, Verdict.UNKNOWN)]
)
async def test_silence_is_judged_by_the_neighbour_table(
    udp_port: int, presence: Any, verdict: Verdict
) -> None:
    """Silence where nobody answered ARP: nothing at this address; no table: cannot tell."""
    async with SimulatedBattery("venus_e3_150", PEER, udp_port) as battery:
        battery.set_silent(True)
        found = await probe(PEER, udp_port, sends=1, presence=presence, **FAST)
        assert found == Reachability(verdict)


async def test_the_probe_is_paced_like_any_request(udp_port: int) -> None:
    """A request right before and right after the probe: each keeps the gap to it."""
    gap = 0.5
    async with SimulatedBattery("venus_e3_150", PEER, udp_port, min_gap=gap) as battery:
        async with MarstekClient(PEER, udp_port, timing=Timing(request_gap=gap)) as client:
            await client.get_device()
            found = await probe(PEER, udp_port, timing=client.timing, answer_within=0.3)
            assert found.verdict is Verdict.ANSWERED
            await client.get_device()
        assert len(battery.requests) == 3
        assert battery.violations == []
        assert battery.smallest_gap is not None
        assert battery.smallest_gap >= gap * 0.9  # the simulator's clock is not ours


async def test_port_in_use_is_a_clear_error(udp_port: int) -> None:
    """The replies come to the API port: if another program holds it, say so."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        other.bind(("127.0.0.1", udp_port))
        with pytest.raises(MarstekPortInUseError):
            await probe(PEER, udp_port, **FAST)
