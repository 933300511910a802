"""The meter emulator's datagrams without a socket: the decimal rule, readings, formats."""

from __future__ import annotations

import json
import math

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    MeterMethod,
    MeterReading,
    MeterServer,
    Refusal,
    ReplyFormat,
)
from custom_components.marstek_venus.pymarstek_venus.meter import (
    PRO_3EM,
    PRO_EM50,
    MeterRequest,
    build_reply,
    format_decimal,
    parse_request,
)
from custom_components.marstek_venus.pymarstek_venus.meter.server import MAX_SENDERS

from .meter_helpers import request


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1000, "1000.00"),
        (1000.0, "1000.00"),
        (-1.37, "-1.37"),
        (0.004, "0.00"),
        (-0.004, "0.00"),  # never "-0.00"
        (1e-9, "0.00"),
        (123456.789, "123456.79"),
        (1e6, "1000000.00"),  # never an exponent
    ],
)
def test_decimal_point_always(value: float, text: str) -> None:
    assert format_decimal(value, ReplyFormat()) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(1000.0, "1000.01"), (0.0, "0.01"), (-5.0, "-5.01"), (-0.001, "0.01"), (12.5, "12.50")],
)
def test_nudged_whole_values(value: float, text: str) -> None:
    assert format_decimal(value, ReplyFormat(nudge_whole=True)) == text


def test_one_decimal() -> None:
    assert format_decimal(1000.0, ReplyFormat(decimals=1)) == "1000.0"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e7])
def test_reading_refuses_unusable_values(bad: float) -> None:
    with pytest.raises(ValueError):
        MeterReading(0.0, bad)


def test_single_phase_reading() -> None:
    assert MeterReading.single(5, phase=2) == MeterReading(0.0, 0.0, 5.0)
    assert MeterReading.single(5).phases == (5.0, 0.0, 0.0)
    assert MeterReading(1.0, 2.0, 3.0).total == 6.0
    with pytest.raises(ValueError):
        MeterReading.single(5, phase=3)


@pytest.mark.parametrize(
    "kwargs",
    [{"decimals": 0}, {"decimals": 7}, {"min_size": -1}, {"voltage": 0}, {"frequency": -50}],
)
def test_reply_format_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ReplyFormat(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "device_id", ["", "EC4609C439C1", "ec4609c439c", "ec4609c439c1\n", "x" * 12]
)
def test_device_id_is_twelve_lowercase_hex_digits(device_id: str) -> None:
    with pytest.raises(ValueError):
        build_reply(PRO_EM50, MeterRequest(1, MeterMethod.EM1), MeterReading(1.0), device_id)
    with pytest.raises(ValueError):
        MeterServer(PRO_EM50, lambda _ip: None, ports=(0,), device_id=device_id)


def test_padding_is_inside_the_outer_object() -> None:
    reply = build_reply(PRO_EM50, MeterRequest(1, MeterMethod.EM1), MeterReading(1.0), "0" * 12)
    assert len(reply) == 250
    assert reply.endswith(b" }")
    assert reply[:-1].rstrip(b" ").endswith(b"00}")  # the result closed, padding, outer }
    assert json.loads(reply)["result"]["act_power"] == 1.0
    unpadded = build_reply(
        PRO_EM50,
        MeterRequest(1, MeterMethod.EM1),
        MeterReading(1.0),
        "0" * 12,
        ReplyFormat(min_size=0),
    )
    assert b" " not in unpadded
    assert reply.replace(b" ", b"") == unpadded


def test_three_phase_reply_is_long_without_padding() -> None:
    reply = build_reply(
        PRO_3EM, MeterRequest(1, MeterMethod.EM), MeterReading(1.0), "0" * 12, ReplyFormat()
    )
    assert len(reply) > 250
    assert b" " not in reply


def test_the_firmware_request_parses() -> None:
    """The firmware format string, filled in (§1.3, V12), and the test script's request."""
    assert parse_request(request(9), MeterMethod.EM1) == MeterRequest(9, MeterMethod.EM1)
    assert parse_request(request(0, MeterMethod.EM), MeterMethod.EM) == MeterRequest(
        0, MeterMethod.EM
    )
    spaced = b'{ "id": 3, "method": "EM.GetStatus", "params": { "id": 0 } }\n'
    assert parse_request(spaced, MeterMethod.EM) == MeterRequest(3, MeterMethod.EM)
    assert parse_request(request(9), MeterMethod.EM) is Refusal.WRONG_METHOD


def test_senders_beyond_the_limit_are_counted_together() -> None:
    """A flood of forged sources cannot grow the statistics without bound."""
    server = MeterServer(PRO_EM50, lambda _ip: None, host="127.0.0.1", ports=(0,))
    for n in range(MAX_SENDERS + 3):
        assert server.handle(request(1), f"127.1.{n // 250}.{n % 250 + 1}") is None
    assert server.handle(b"junk", "127.9.9.9") is None
    assert len(server.senders) == MAX_SENDERS
    assert server.untracked == 4
