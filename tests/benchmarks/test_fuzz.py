"""The CI fuzz run (a few seconds), and proof that the fuzzer notices a broken property."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import fuzz as fuzzer
from custom_components.marstek_venus.pymarstek_venus.const import Method
from custom_components.marstek_venus.pymarstek_venus.decode import DECODERS, ReplyContext
from custom_components.marstek_venus.pymarstek_venus.transport import SharedSocket


async def test_decoder_and_datagram_handling_survive_fuzzing() -> None:
    # A fixed amount of work (three rounds of each kind), not a time budget: the same paths
    # are covered on a loaded machine.
    report = await fuzzer.fuzz(0.0, seed=1, min_rounds=3)

    assert report.failures == []
    # Sanity floors only (the run is time-bounded, so counts depend on machine load).
    assert report.decode_inputs > 50
    assert report.decoded_models > 0
    assert report.datagrams > 100
    # Every path through datagram_received was taken.
    assert {
        "delivered",
        "listener",
        "malformed",
        "oversized",
        "echo",
        "stranger",
        "unmatched",
    } <= set(report.outcomes)


async def test_a_decoder_raising_a_foreign_exception_is_reported() -> None:
    def broken(result: Any, context: ReplyContext) -> None:
        raise ValueError("boom")

    report = await fuzzer.fuzz(0.0, decoders={**DECODERS, Method.WIFI_STATUS: broken})
    assert any("ValueError: boom" in failure for failure in report.failures)


class DoubleCounting(SharedSocket):
    """A socket with a bug: every datagram it drops is counted twice."""

    def parse(self, data: bytes, host: str) -> dict[str, Any] | None:
        message = super().parse(data, host)
        if message is None:
            self.drops.malformed += 1
        return message


async def test_a_datagram_counted_twice_is_reported() -> None:
    report = await fuzzer.fuzz(0.0, shared=DoubleCounting("127.0.0.1", 30000))
    assert any("accounted 2 times" in failure for failure in report.failures)


def test_non_finite_numbers_and_bad_percentages_in_a_model_are_caught() -> None:
    from custom_components.marstek_venus.pymarstek_venus.models import BleStatus, WifiStatus

    fuzzer.check_sane(WifiStatus(rssi=-50, ssid="x", ip=None))
    fuzzer.check_sane((BleStatus(connected=True),))
    with pytest.raises(fuzzer.Failure):
        fuzzer.check_sane([1.0, float("nan")])

    with pytest.raises(fuzzer.Failure, match="soc"):
        fuzzer.check_sane(_with_soc(120))


def _with_soc(soc: int) -> object:
    from dataclasses import make_dataclass

    return make_dataclass("Reading", [("soc", int)])(soc)
