"""Transport and request engine over real UDP on loopback, against a scripted raw peer.

The simulator covers device behaviour; these tests feed the socket datagrams no well-behaved
device sends (garbage, strangers, echoes, duplicates) to prove they are dropped and counted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import time
from dataclasses import replace
from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekClient,
    MarstekInvalidHostError,
    MarstekMethodNotSupportedError,
    MarstekPortInUseError,
    MarstekTimeoutError,
    SocketRegistry,
    Timing,
)
from custom_components.marstek_venus.pymarstek_venus.transport import (
    MAX_DATAGRAM_SIZE,
    validate_host,
)

from .conftest import reply

FAST = Timing(timeout=0.4, backoff=0.01, request_gap=0.3)
STATUS = {"id": 0, "state": "connect", "ble_mac": "009b08a5dfa5"}


async def test_request_shape_and_reply(raw_peer: Any, udp_port: int) -> None:
    peer = await raw_peer(lambda m: [reply(m, STATUS)])
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        assert await client.call("BLE.GetStatus") == STATUS
        assert client.stats.sent == 1
        assert client.stats.answered == 1
        assert client.stats.last_latency is not None
        assert client.last_raw["BLE.GetStatus"] == STATUS
    request = json.loads(peer.raw[0])
    assert request == {"id": request["id"], "method": "BLE.GetStatus", "params": {"id": 0}}
    assert isinstance(request["id"], int)
    assert 1 <= request["id"] <= 0xFFFF
    assert b" " not in peer.raw[0]


async def test_request_ids_wrap_to_one(raw_peer: Any, udp_port: int) -> None:
    peer = await raw_peer(lambda m: [reply(m, STATUS)])
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        assert client.socket is not None
        while client.socket.next_request_id() != 0xFFFF - 1:
            pass  # the next request takes the last id, the one after it wraps
        await client.call("BLE.GetStatus")
        await client.call("BLE.GetStatus")
    assert [r["id"] for r in peer.requests] == [0xFFFF, 1]


async def test_hostile_datagrams_are_dropped_and_counted(
    raw_peer: Any, udp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.marstek_venus.pymarstek_venus")

    def respond(message: dict[str, Any]) -> list[bytes]:
        return [
            b"\x00\xff not json",
            b"[1, 2, 3]",
            b"[" * 4000,  # deep nesting: RecursionError inside json
            b'{"id": 7}',  # neither result nor error
            json.dumps({"id": "abc", "result": {}}).encode(),
            json.dumps({"id": True, "result": {}}).encode(),
            json.dumps({"id": message["id"], "method": "BLE.GetStatus", "params": {}}).encode(),
            json.dumps({"id": message["id"] + 1, "result": {"x": 1}}).encode(),
            b" " * (MAX_DATAGRAM_SIZE + 1),
            reply(message, STATUS),
        ]

    await raw_peer(respond)
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        assert await client.call("BLE.GetStatus") == STATUS
        assert client.socket is not None
        drops = client.socket.drops
    assert drops.malformed == 6
    assert drops.oversized == 1
    assert drops.echo == 1
    assert drops.unmatched == 1
    assert client.stats.dropped == 1
    # Each drop is also told at DEBUG, with its reason and sender.
    dropped = [r.getMessage() for r in caplog.records if "dropped a" in r.getMessage()]
    assert len(dropped) == 9
    assert sum("dropped a malformed datagram from 127.0.0.2" in line for line in dropped) == 6


async def test_reply_from_a_stranger_is_not_accepted(raw_peer: Any, udp_port: int) -> None:
    target = await raw_peer(None, host="127.0.0.2")
    stranger = await raw_peer(None, host="127.0.0.3")
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        task = asyncio.create_task(client.call("BLE.GetStatus"))
        await asyncio.wait_for(target.received.wait(), 1)
        request = target.requests[0]
        stranger.send(reply(request, {"id": 0, "state": "spoofed"}), ("127.0.0.1", udp_port))
        await asyncio.sleep(0.05)
        assert not task.done()
        target.send(reply(request, STATUS), ("127.0.0.1", udp_port))
        assert await task == STATUS
        assert client.socket is not None
        assert client.socket.drops.stranger == 1


async def test_duplicate_reply_is_dropped(raw_peer: Any, udp_port: int) -> None:
    await raw_peer(lambda m: [reply(m, STATUS), reply(m, STATUS)])
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        await client.call("BLE.GetStatus")
        await asyncio.sleep(0.05)
        assert client.stats.dropped == 1
        assert client.stats.answered == 1


async def test_parse_error_with_id_zero_is_retried(raw_peer: Any, udp_port: int) -> None:
    contention = {"id": 0, "error": {"code": -32700, "message": "Parse error", "data": 403}}
    answers = iter([[json.dumps(contention).encode()]])

    def respond(message: dict[str, Any]) -> list[bytes]:
        return next(answers, [reply(message, STATUS)])

    peer = await raw_peer(respond)
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        assert await client.call("BLE.GetStatus") == STATUS
        assert client.stats.errors == 1
    assert len(peer.requests) == 2


async def test_method_not_found_is_not_retried(raw_peer: Any, udp_port: int) -> None:
    error = {"code": -32601, "message": "Method not found", "data": 424}
    peer = await raw_peer(
        lambda m: [json.dumps({"id": m["id"], "src": "x", "error": error}).encode()]
    )
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        with pytest.raises(MarstekMethodNotSupportedError) as err:
            await client.call("PV.GetStatus")
    assert err.value.data == 424
    assert len(peer.requests) == 1


async def test_silence_times_out_after_resends_and_retries(raw_peer: Any, udp_port: int) -> None:
    peer = await raw_peer(None)
    async with MarstekClient("127.0.0.2", udp_port, timing=replace(FAST, attempts=2)) as client:
        with pytest.raises(MarstekTimeoutError):
            await client.call("ES.GetMode")
        assert client.stats.timeouts == 2
        assert client.stats.resends == 2
    # Each attempt is one request resent once with the same id: two ids, four datagrams.
    assert len(peer.requests) == 4
    assert len({r["id"] for r in peer.requests}) == 2


async def test_first_datagram_lost_is_recovered_by_the_resend(raw_peer: Any, udp_port: int) -> None:
    seen: list[int] = []

    def respond(message: dict[str, Any]) -> list[bytes]:
        seen.append(message["id"])
        return [] if len(seen) == 1 else [reply(message, STATUS)]

    await raw_peer(respond)
    async with MarstekClient("127.0.0.2", udp_port, timing=FAST) as client:
        assert await client.call("BLE.GetStatus") == STATUS
        assert client.stats.resends == 1
        assert client.stats.timeouts == 0
    assert seen[0] == seen[1]


async def test_requests_are_paced_and_never_overlap(raw_peer: Any, udp_port: int) -> None:
    """Two clients of one device share its pacing: one request in flight, gap respected."""
    arrivals: list[float] = []
    in_flight: list[bool] = []
    loop = asyncio.get_running_loop()

    def respond(message: dict[str, Any]) -> list[bytes]:
        arrivals.append(time.monotonic())
        in_flight.append(True)

        def answer() -> None:
            in_flight.clear()
            peer.send(reply(message, STATUS), ("127.0.0.1", udp_port))

        assert len(in_flight) == 1, "a second request arrived before the first was answered"
        loop.call_later(0.05, answer)
        return []

    peer = await raw_peer(respond)
    async with (
        MarstekClient("127.0.0.2", udp_port, timing=FAST) as first,
        MarstekClient("127.0.0.2", udp_port, timing=FAST) as second,
    ):
        await asyncio.gather(*(c.call("BLE.GetStatus") for c in (first, second, first)))
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(arrivals) == 3
    assert min(gaps) >= 0.3 - 0.01


async def test_gap_is_never_below_the_safety_floor(raw_peer: Any, udp_port: int) -> None:
    await raw_peer(lambda m: [reply(m, STATUS)])
    timing = Timing(timeout=0.4, request_gap=0.0)
    async with MarstekClient("127.0.0.2", udp_port, timing=timing) as client:
        assert client.channel is not None
        assert client.channel.gap == 0.3


async def test_port_in_use_is_a_clear_error(udp_port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", udp_port))
        client = MarstekClient("127.0.0.2", udp_port, timing=FAST)
        with pytest.raises(MarstekPortInUseError, match=f"port {udp_port}"):
            await client.connect()


async def test_empty_datagram_is_never_sent(udp_port: int) -> None:
    sockets = SocketRegistry.current()
    shared = await sockets.acquire_socket("127.0.0.1", udp_port)
    try:
        with pytest.raises(ValueError, match="empty"):
            shared.send(b"", "127.0.0.2")
    finally:
        sockets.release_socket(shared)


async def test_clients_share_one_socket_per_port(udp_port: int) -> None:
    first = MarstekClient("127.0.0.2", udp_port, timing=FAST)
    second = MarstekClient("127.0.0.3", udp_port, timing=FAST)
    await first.connect()
    await second.connect()
    assert first.socket is second.socket
    shared = first.socket
    assert shared is not None
    await first.close()
    assert shared.is_open
    await second.close()
    assert not shared.is_open


@pytest.mark.parametrize(
    "host", ["", "battery.local", "300.1.2.3", "::1", "224.0.0.1", "0.0.0.0", "255.255.255.255"]
)
def test_invalid_hosts_are_refused(host: str) -> None:
    with pytest.raises(MarstekInvalidHostError):
        validate_host(host)


def test_host_is_normalised() -> None:
    assert validate_host(" 192.168.1.20 ") == "192.168.1.20"
