"""The meter emulator per sender, over real UDP: who is answered, what is refused and counted."""

from __future__ import annotations

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    MeterMethod,
    MeterReading,
    MeterServer,
    Refusal,
)
from custom_components.marstek_venus.pymarstek_venus.meter import (
    MAX_REQUEST_BYTES,
    PRO_3EM,
    PRO_EM50,
)

from .meter_helpers import SERVER_HOST, FakeClock, pollers, request, result

# Datagrams that are no meter poll, with the reason each is refused (§1.3: an integer id, the
# port's method, params.id 0). None of them gets a reply.
HOSTILE: list[tuple[bytes, Refusal]] = [
    (b"", Refusal.MALFORMED),
    (b"\xff\xfe\x00garbage", Refusal.MALFORMED),
    (b"hame", Refusal.MALFORMED),  # the CT002 discovery probe, on the wrong port
    (b"[1, 2, 3]", Refusal.MALFORMED),
    (b'"EM1.GetStatus"', Refusal.MALFORMED),
    (b"[" * 120 + b"]" * 120, Refusal.MALFORMED),
    (b'{"id":1,"id":2,"method":"EM1.GetStatus","params":{"id":0}}', Refusal.MALFORMED),
    (b'{"id":NaN,"method":"EM1.GetStatus","params":{"id":0}}', Refusal.MALFORMED),
    (request(1) + b" " * MAX_REQUEST_BYTES, Refusal.OVERSIZED),
    (b"x" * 65000, Refusal.OVERSIZED),
    (b'{"id":1,"method":"Shelly.GetDeviceInfo","params":{"id":0}}', Refusal.WRONG_METHOD),
    (b'{"id":1,"method":"EM.GetStatus","params":{"id":0}}', Refusal.WRONG_METHOD),
    (b'{"id":1,"params":{"id":0}}', Refusal.WRONG_METHOD),
    (b'{"id":1,"method":["EM1.GetStatus"],"params":{"id":0}}', Refusal.WRONG_METHOD),
    (b'{"method":"EM1.GetStatus","params":{"id":0}}', Refusal.BAD_ID),
    (b'{"id":"1","method":"EM1.GetStatus","params":{"id":0}}', Refusal.BAD_ID),
    (b'{"id":1.0,"method":"EM1.GetStatus","params":{"id":0}}', Refusal.BAD_ID),
    (b'{"id":true,"method":"EM1.GetStatus","params":{"id":0}}', Refusal.BAD_ID),
    (b'{"id":null,"method":"EM1.GetStatus","params":{"id":0}}', Refusal.BAD_ID),
    (b'{"id":2147483648,"method":"EM1.GetStatus","params":{"id":0}}', Refusal.BAD_ID),
    (b'{"id":' + b"9" * 150 + b',"method":"EM1.GetStatus","params":{"id":0}}', Refusal.BAD_ID),
    (b'{"id":1,"method":"EM1.GetStatus"}', Refusal.BAD_PARAMS),
    (b'{"id":1,"method":"EM1.GetStatus","params":[0]}', Refusal.BAD_PARAMS),
    (b'{"id":1,"method":"EM1.GetStatus","params":{"id":1}}', Refusal.BAD_PARAMS),
    (b'{"id":1,"method":"EM1.GetStatus","params":{"id":false}}', Refusal.BAD_PARAMS),
    (b'{"id":1,"method":"EM1.GetStatus","params":{"id":0.0}}', Refusal.BAD_PARAMS),
    (b'{"id":1,"method":"EM1.GetStatus","params":{}}', Refusal.BAD_PARAMS),
]


async def test_hostile_datagrams_get_no_reply_and_are_counted() -> None:
    reading = MeterReading.single(42.0)
    async with (
        MeterServer(PRO_EM50, lambda _ip: reading, host=SERVER_HOST, ports=(0,)) as server,
        pollers("127.0.0.2") as (bat,),
    ):
        for data, _ in HOSTILE:
            await bat.refused(server.ports[0], data, MeterMethod.EM1)
        stats = server.senders["127.0.0.2"]
    expected: dict[Refusal, int] = {}
    for _, reason in HOSTILE:
        expected[reason] = expected.get(reason, 0) + 1
    assert stats.refused == expected
    assert stats.refused_total == len(HOSTILE)
    assert stats.served == len(HOSTILE)  # only the good poll after each


async def test_tolerates_extra_members_a_later_firmware_may_add() -> None:
    data = b'{"id":5,"src":"battery","jsonrpc":"2.0","method":"EM1.GetStatus","params":{"id":0}}'
    async with (
        MeterServer(
            PRO_EM50, lambda _ip: MeterReading(1.5), host=SERVER_HOST, ports=(0,)
        ) as server,
        pollers("127.0.0.2") as (bat,),
    ):
        assert result(await bat.poll(server.ports[0], data))["act_power"] == 1.5


async def test_unknown_sender_gets_no_reply() -> None:
    """value_for answers None for an address it does not serve: the server stays silent."""
    served = {"127.0.0.2": MeterReading.single(-300.0)}
    async with (
        MeterServer(PRO_EM50, served.get, host=SERVER_HOST, ports=(0,)) as server,
        pollers("127.0.0.2", "127.0.0.3") as (known, stranger),
    ):
        port = server.ports[0]
        stranger.send(request(11), port)
        # Both polls reach the server's socket in the order sent, so once the known battery
        # has its reply the stranger's poll has been handled, and left unanswered.
        assert result(await known.poll(port, request(12)))["act_power"] == -300.0
        stats = server.senders
        assert (stats["127.0.0.3"].served, stats["127.0.0.3"].silent) == (0, 1)
        assert stats["127.0.0.3"].last_reading is None
        assert stranger.replies.empty()


async def test_silence_and_resumption_are_counted() -> None:
    """A stale source (value_for None) silences the server; it answers again once it is back."""
    clock = FakeClock()
    values: dict[str, MeterReading] = {"127.0.0.3": MeterReading.single(7.0)}
    async with (
        MeterServer(PRO_3EM, values.get, host=SERVER_HOST, ports=(0, 0), clock=clock) as server,
        pollers("127.0.0.2", "127.0.0.3") as (bat, other),
    ):
        port = server.ports[0]
        bat.send(request(1, MeterMethod.EM), port)  # no value for it yet: silent
        await other.poll(port, request(2, MeterMethod.EM))  # handled after bat's poll
        clock.now = 1001.0
        values["127.0.0.2"] = MeterReading.single(200.0)
        reply = result(await bat.poll(port, request(3, MeterMethod.EM)))
        assert reply["a_act_power"] == 200.0
        clock.now = 1002.5
        await other.poll(server.ports[1], request(4, MeterMethod.EM))
        await other.refused(port, b"[]", MeterMethod.EM)
    stats = server.senders
    assert set(stats) == {"127.0.0.2", "127.0.0.3"}
    assert (stats["127.0.0.2"].served, stats["127.0.0.2"].silent) == (1, 1)
    assert stats["127.0.0.2"].last_request == 1001.0
    assert stats["127.0.0.2"].last_reading == MeterReading.single(200.0)
    assert stats["127.0.0.2"].refused == {}
    assert (stats["127.0.0.3"].served, stats["127.0.0.3"].silent) == (3, 0)
    assert stats["127.0.0.3"].last_request == 1002.5
    assert stats["127.0.0.3"].refused == {Refusal.MALFORMED: 1}


async def test_each_sender_gets_its_own_share() -> None:
    shares = {"127.0.0.2": MeterReading.single(300.0), "127.0.0.3": MeterReading.single(-120.5)}
    async with (
        MeterServer(PRO_EM50, shares.get, host=SERVER_HOST, ports=(0,)) as server,
        pollers("127.0.0.2", "127.0.0.3") as (first, second),
    ):
        port = server.ports[0]
        assert result(await first.poll(port, request(1)))["act_power"] == 300.0
        assert result(await second.poll(port, request(1)))["act_power"] == -120.5


async def test_a_failing_value_source_keeps_the_server_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def value_for(ip: str) -> MeterReading | None:
        calls.append(ip)
        if len(calls) == 1:
            raise RuntimeError("sensor lookup broke")
        return MeterReading.single(5.0)

    async with (
        MeterServer(PRO_EM50, value_for, host=SERVER_HOST, ports=(0,)) as server,
        pollers("127.0.0.2") as (bat,),
    ):
        bat.send(request(1), server.ports[0])
        assert result(await bat.poll(server.ports[0], request(2)))["act_power"] == 5.0
    assert server.senders["127.0.0.2"].silent == 1
    assert "sensor lookup broke" in caplog.text
