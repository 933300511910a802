"""Requests that break the device-safety rules are recorded as violations (and ids handled)."""

from __future__ import annotations

import asyncio
import time

import pytest

from simulator import Faults, Outcome, RequestRecord, ViolationKind

from .conftest import BatteryFactory
from .udp import RawClient


async def test_requests_are_recorded(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    await client.call(battery.address, "ES.GetMode", {"id": 1}, request_id=42)
    (record,) = battery.requests
    assert record.method == "ES.GetMode"
    assert record.id == 42
    assert record.params == {"id": 1}
    assert record.source == ("127.0.0.1", client.port)
    assert record.outcome is Outcome.REPLIED
    assert record.time > 0
    assert battery.violations == []


async def test_well_paced_client_is_clean(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(min_gap=0.05, faults=Faults(latency=0.02))
    for method in ("Marstek.GetDevice", "ES.GetMode", "ES.GetStatus", "EM.GetStatus"):
        await client.call(battery.address, method, {"ble_mac": "0", "id": 0})
        await asyncio.sleep(0.06)
    assert battery.violations == []


async def test_empty_datagram(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    client.send_raw(b"", battery.address)
    await asyncio.sleep(0.02)
    assert [v.kind for v in battery.violations] == [ViolationKind.EMPTY_DATAGRAM]


async def test_gap_below_minimum(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(min_gap=0.2)
    await client.call(battery.address, "ES.GetMode")
    await client.call(battery.address, "ES.GetStatus")
    (violation,) = battery.violations
    assert violation.kind is ViolationKind.GAP
    assert violation.method == "ES.GetStatus"
    assert violation.source == ("127.0.0.1", client.port)


async def test_gap_is_per_client_address(make_battery: BatteryFactory, client: RawClient) -> None:
    """Two hosts each keeping their own pace do not trip the gap rule."""
    battery = await make_battery(min_gap=0.2, faults=Faults(reply_to_source_port=True))
    other = await RawClient("127.0.0.5").open()
    try:
        await client.call(battery.address, "ES.GetMode")
        await other.call(battery.address, "ES.GetMode")
    finally:
        other.close()
    assert battery.violations == []
    assert battery.smallest_gap is None  # no two requests from one address


async def test_gap_counts_every_socket_of_one_address(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """Two sockets on one host (a scan and a poll, two integrations) share that host's gap:
    the device's CT mutex sees requests, not source ports."""
    battery = await make_battery(min_gap=0.2, faults=Faults(reply_to_source_port=True))
    other = await RawClient().open()
    try:
        await client.call(battery.address, "ES.GetMode")
        await other.call(battery.address, "ES.GetMode")
    finally:
        other.close()
    (violation,) = battery.violations
    assert violation.kind is ViolationKind.GAP
    assert violation.source == ("127.0.0.1", other.port)
    assert battery.smallest_gap is not None
    assert battery.smallest_gap < 0.2


async def test_gaps_are_judged_by_arrival_not_by_a_busy_loop(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """Two requests that reached the battery 0.3 s apart keep a 0.25 s gap even when the
    event loop was too busy to read the first before the second had arrived."""
    battery = await make_battery(min_gap=0.25)
    client.send(battery.address, "ES.GetMode")
    time.sleep(0.3)  # noqa: ASYNC251  # the loop is blocked: the battery reads neither yet
    client.send(battery.address, "ES.GetStatus")
    await client.receive()
    await client.receive()
    assert battery.violations == []
    assert battery.smallest_gap is not None
    assert 0.29 < battery.smallest_gap < 0.4


async def test_concurrent_request(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(faults=Faults(latency=0.2))
    client.send(battery.address, "ES.GetMode")
    client.send(battery.address, "ES.GetStatus")
    await client.receive()
    await client.receive()
    assert [v.kind for v in battery.violations] == [ViolationKind.CONCURRENT]


@pytest.mark.parametrize(
    ("request_id", "echo"),
    [("abc", 0), (0, 0), (70000, 70000 & 0xFFFF), (-1, 0xFFFF), (3.0, 3)],
)
async def test_bad_ids(
    make_battery: BatteryFactory, client: RawClient, request_id: object, echo: int
) -> None:
    """Bad ids are violations; the reply carries what the firmware's uint16 makes of them."""
    battery = await make_battery("venus_a_149")
    reply = await client.call(battery.address, "ES.GetStatus", request_id=request_id)
    assert reply["id"] == echo
    assert [v.kind for v in battery.violations] == [ViolationKind.BAD_ID]


async def test_id_wraps_as_uint16(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    reply = await client.call(battery.address, "ES.GetMode", request_id=65535)
    assert reply["id"] == 65535
    assert battery.violations == []


async def test_discovery_may_use_id_zero(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    reply = await client.call(battery.address, "Marstek.GetDevice", {"ble_mac": "0"}, request_id=0)
    assert reply["id"] == 0
    assert battery.violations == []


async def test_string_id_ignored_by_e3_getmode(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    """Venus E 3.0 from fw 139 does not answer ES.GetMode / Bat.GetStatus with a string id."""
    battery = await make_battery("venus_e3_150")
    client.send(battery.address, "ES.GetMode", request_id="homeassistant-1a2b")
    assert await client.nothing()
    client.send(battery.address, "Bat.GetStatus", request_id="x")
    assert await client.nothing()
    assert len(battery.violations) == 2


async def test_malformed_json(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery()
    client.send_raw(b'{"id": 5, "method": "ES.GetMode"', battery.address)
    reply, _, _ = await client.receive()
    assert reply["id"] == 0
    assert reply["error"]["code"] == -32700
    assert reply["src"] == battery.src
    client.send_raw(b"\xff\xfe", battery.address)
    reply, _, _ = await client.receive()
    assert reply["error"]["code"] == -32700
    client.send_raw(b'{"id": 9, "params": {}}', battery.address)  # no method
    reply, _, _ = await client.receive()
    assert reply["id"] == 9
    assert reply["error"]["code"] == -32600
    assert [v.kind for v in battery.violations] == [ViolationKind.MALFORMED] * 3
    assert battery.requests[0].method is None
    assert battery.requests[0].outcome is Outcome.PARSE_ERROR


@pytest.mark.parametrize(
    ("method", "params"), [("Set.Ver", {"version": 800}), ("Reset.Factory", {"type": 2})]
)
async def test_destructive_methods(
    make_battery: BatteryFactory, client: RawClient, method: str, params: dict[str, int]
) -> None:
    battery = await make_battery("venus_e3_150")
    reply = await client.call(battery.address, method, params)
    assert reply["result"]["set_result"] is True
    assert [v.kind for v in battery.violations] == [ViolationKind.DESTRUCTIVE]


async def test_destructive_unsupported_still_recorded(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery("venus_e3_144")
    reply = await client.call(battery.address, "Reset.Factory", {"type": 1})
    assert reply["error"]["code"] == -32601
    assert [v.kind for v in battery.violations] == [ViolationKind.DESTRUCTIVE]


async def test_method_names_are_case_sensitive(
    make_battery: BatteryFactory, client: RawClient
) -> None:
    battery = await make_battery()
    client.send(battery.address, "wifi.GetStatus")
    assert await client.nothing()  # a near miss gets no answer at all
    reply = await client.call(battery.address, "Foo.Bar")
    assert reply["error"]["code"] == -32601


async def test_clear_records(make_battery: BatteryFactory, client: RawClient) -> None:
    battery = await make_battery(min_gap=10)
    await client.call(battery.address, "ES.GetMode")
    await client.call(battery.address, "ES.GetMode")
    assert battery.violations
    battery.clear_records()
    assert battery.requests == battery.violations == []
    await client.call(battery.address, "ES.GetMode")
    assert battery.violations == []  # the gap history went too


HOSTILE = [
    b"[" * 30_000 + b"]" * 30_000,  # deep nesting, just under the UDP size limit
    b'{"id": 1e400, "method": "ES.GetMode"}',
    b'{"id": NaN, "method": "ES.GetMode"}',
    b'{"id": 123456789012345678901234567890, "method": "ES.GetMode"}',
    b'{"id": 1, "method": "ES.GetMode", "params": [1, 2]}',
    b'{"id": 1, "method": "ES.SetMode", "params": {"config": []}}',
    b'{"id": 1, "method": "ES.SetMode", "params": {"config": {"mode": 5}}}',
    b'{"id": 1, "method": "ES.SetMode", "params": {"config": {"mode": "Manual", "manual_cfg": {"time_num": 1, "start_time": "\xd9\xa3:00", "end_time": "x", "week_set": 1, "power": 1, "enable": 1}}}}',
    b'{"id": 1, "method": "Marstek.GetDevice", "params": {"ble_mac": 5}}',
    b'{"id": 1, "method": "DOD.SET", "params": {"value": 1e9}}',
    b'{"id": 1, "method": null}',
    b'"just a string"',
    b"\x00" * 2000,
]


# What the battery answers (an error or a result); the other outcomes send nothing.
ANSWERED = frozenset({Outcome.REPLIED, Outcome.PARSE_ERROR, Outcome.CONTENTION})
# Only against a hang: waits end when the battery has done its part, however long that takes.
HANG = 10.0


@pytest.mark.parametrize("latency", [0.0, 0.3])
async def test_hostile_datagrams_never_break_the_device(
    make_battery: BatteryFactory, client: RawClient, latency: float
) -> None:
    """Each hostile datagram is handled (answered or not) and the next request still works.

    Progress is counted, not timed: each datagram is sent once the battery has recorded the
    one before, and every answer to one (a parse error with id 0, mostly) is taken off the
    wire before the real request, however late it comes (a loaded machine, or ``latency``),
    so none can pass for the real request's reply.
    """
    battery = await make_battery("venus_a_149", faults=Faults(latency=latency))
    recorded: asyncio.Queue[RequestRecord] = asyncio.Queue()
    battery.on_request = recorded.put_nowait
    answered = 0
    for payload in HOSTILE:
        client.send_raw(payload, battery.address)
        record = await asyncio.wait_for(recorded.get(), HANG)
        answered += record.outcome in ANSWERED
    assert battery.internal_errors == 0
    assert len(battery.requests) == len(HOSTILE)
    for _ in range(answered):
        await client.receive(HANG)

    request_id = client.send(battery.address, "ES.GetMode")
    reply, _, _ = await client.receive(HANG)
    assert reply["id"] == request_id
    assert "result" in reply
    assert await client.nothing()
