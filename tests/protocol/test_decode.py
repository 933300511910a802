"""Decoder tests: every captured reply, and the shape rule every decoder in the table keeps."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import is_dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus.const import Method
from custom_components.marstek_venus.pymarstek_venus.decode import (
    DECODERS,
    ReplyContext,
    decode_battery,
    decode_ble,
    decode_device,
    decode_es_status,
    decode_pv,
    decode_set_result,
    mac_from_src,
)
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekDecodeError
from custom_components.marstek_venus.pymarstek_venus.profiles import profile_for

from .decoding import A_150, CAPTURES, E3_139, E3_150, load_capture

CAPTURE_FILES = sorted(CAPTURES.glob("*.json"))


def _check(actual: object, expected: object, path: str) -> None:
    """Compare a decoded value with a hand-written JSON expectation (floats approximately)."""
    if is_dataclass(actual) and not isinstance(actual, type):
        assert isinstance(expected, dict), path
        for key, value in expected.items():
            _check(getattr(actual, key), value, f"{path}.{key}")
    elif isinstance(actual, tuple):
        assert isinstance(expected, list), path
        assert len(actual) == len(expected), path
        for index, (item, wanted) in enumerate(zip(actual, expected, strict=True)):
            _check(item, wanted, f"{path}[{index}]")
    elif expected is None or isinstance(expected, bool):
        assert actual is expected, f"{path}: decoded {actual!r}, expected {expected!r}"
    elif isinstance(expected, int):
        assert type(actual) is int, f"{path}: decoded {actual!r}, expected int {expected!r}"
        assert actual == expected, f"{path}: decoded {actual!r}, expected {expected!r}"
    elif isinstance(expected, float):
        assert type(actual) is float, f"{path}: decoded {actual!r}, expected {expected!r}"
        assert actual == pytest.approx(expected), (
            f"{path}: decoded {actual!r}, expected {expected!r}"
        )
    else:
        assert actual == expected, f"{path}: decoded {actual!r}, expected {expected!r}"


def _assert_expected(model: object, expected: Mapping[str, Any]) -> None:
    _check(model, dict(expected), type(model).__name__)


# Replies decoded through the decoder table with the capture's profile (the others below
# need the reply's src or check more than the model).
_PROFILE_DECODERS = frozenset(
    {
        Method.BATTERY_STATUS,
        Method.PV_STATUS,
        Method.ES_STATUS,
        Method.ES_MODE,
        Method.METER_STATUS,
    }
)


def _decode_capture(capture: Mapping[str, Any]) -> Iterator[tuple[object, Mapping[str, Any]]]:
    """Decode one capture file; yield (model, expected) pairs to compare."""
    profile = profile_for(capture["model"], capture["firmware"])
    reply = capture["reply"]
    method = capture["method"]
    expected = capture["expected"]
    if "error" in reply:
        assert "result" not in reply
        error = reply["error"]
        assert {"error_code": error["code"], "error_data": error.get("data")} == expected
        return
    result = reply["result"]
    if method in _PROFILE_DECODERS:
        yield DECODERS[Method(method)](result, ReplyContext(profile)), expected
    elif method == "Marstek.GetDevice":
        yield decode_device(result, reply.get("src"), capture["host"], capture["port"]), expected
    elif method == "BLE.GetStatus":
        yield decode_ble(result), expected
    elif method == "ES.SetMode":
        assert decode_set_result(result) is expected["set_result"]
        assert mac_from_src(reply["src"]) == expected["src_ble_mac"]
    else:  # pragma: no cover - a new capture needs a handler here
        pytest.fail(f"no decoder for {method}")
    if "with_pv" in capture:
        pv_capture = load_capture(CAPTURES / f"{capture['with_pv']['fixture']}.json")
        pv = decode_pv(pv_capture["reply"]["result"], profile)
        yield decode_es_status(result, profile, pv), capture["with_pv"]["expected"]


def test_captures_are_present() -> None:
    """The protocol notes' §2 examples and §4 vectors are all here."""
    assert len(CAPTURE_FILES) >= 22


@pytest.mark.parametrize("path", CAPTURE_FILES, ids=lambda path: path.stem)
def test_capture_decodes_to_expected_values(path: Path) -> None:
    """Every captured reply decodes to the values worked out by hand from the notes."""
    capture = load_capture(path)
    for model, expected in _decode_capture(capture):
        _assert_expected(model, expected)


# --- a few capture facts spelled out, so a failure reads like the device behaviour ------------


def test_venus_e3_139_battery_units() -> None:
    """Firmware 139 sends 0.1 °C and 10 Wh: 321.0 -> 32.1 °C, 436.0 -> 4360 Wh (85 % of 5120)."""
    status = decode_battery(
        {"soc": 85, "bat_temp": 321.0, "bat_capacity": 436.0, "rated_capacity": 5120.0}, E3_139
    )
    assert status.temperature == pytest.approx(32.1)
    assert status.remaining_energy == pytest.approx(4360.0)


def test_venus_e3_139_low_soc_capacity() -> None:
    """§3.2: 60.0 at SOC 11 % of 5120 Wh is 600 Wh; 202.0 is 20.2 °C."""
    status = decode_battery(
        {"soc": 11, "bat_temp": 202.0, "bat_capacity": 60.0, "rated_capacity": 5120.0}, E3_139
    )
    assert status.remaining_energy == pytest.approx(600.0)
    assert status.temperature == pytest.approx(20.2)


def test_es_status_charging_is_negative() -> None:
    """REAL-148: ongrid -33 W while the app said charging -> battery power -33 W (charging)."""
    status = decode_es_status(
        {"bat_soc": 25, "pv_power": 0, "ongrid_power": -33, "offgrid_power": 0},
        profile_for("VenusE 3.0", 148),
    )
    assert status.battery_power == -33.0
    assert status.battery_power_computed is True
    assert status.ac_power == -33.0


# --- shape ----------------------------------------------------------------------------------


def _all_decoders(result: Any) -> list[Callable[[], object]]:
    """Every entry of the decoder table, bound to ``result`` (PV.GetStatus with a PV model)."""
    context = ReplyContext(E3_150, src="VenusE 3.0-009b08a5dfa5", host="10.0.0.5", port=30000)
    pv_context = replace(context, profile=A_150)
    return [
        functools.partial(decode, result, pv_context if method is Method.PV_STATUS else context)
        for method, decode in DECODERS.items()
    ]


def test_the_table_decodes_every_method() -> None:
    """One decoder per Open API method, reads and writes."""
    assert set(DECODERS) == set(Method)


@pytest.mark.parametrize("result", [None, [], "ok", 5, 1.5, True, b"{}"])
def test_result_that_is_not_an_object_is_an_error(result: object) -> None:
    """The shape is strict: ``result`` must be a JSON object."""
    for call in _all_decoders(result):
        with pytest.raises(MarstekDecodeError, match="not an object"):
            call()


class _BrokenMapping(Mapping[str, Any]):
    """A Mapping whose reads fail, standing in for any unexpected failure inside a decoder."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError(key)

    def __contains__(self, key: object) -> bool:
        raise RuntimeError(key)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError(self)

    def __len__(self) -> int:
        return 1


def test_unexpected_failures_become_decode_errors() -> None:
    """Only the library's own exceptions leave the decoder."""
    for call in _all_decoders(_BrokenMapping()):
        with pytest.raises(MarstekDecodeError, match="cannot decode reply") as info:
            call()
        assert isinstance(info.value.__cause__, RuntimeError)
