"""Decoder tests: every captured reply, then each scaling, sanity and sign rule on its own."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from custom_components.marstek_venus.pymarstek_venus.const import Mode
from custom_components.marstek_venus.pymarstek_venus.decode import (
    battery_power_from_mode,
    decode_battery,
    decode_ble,
    decode_device,
    decode_es_status,
    decode_meter,
    decode_mode,
    decode_pv,
    decode_set_result,
    decode_wifi,
    mac_from_src,
    model_from_src,
    normalise_mac,
)
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekDecodeError
from custom_components.marstek_venus.pymarstek_venus.models import (
    BatteryStatus,
    Family,
    PvChannel,
    PvStatus,
)
from custom_components.marstek_venus.pymarstek_venus.profiles import FirmwareProfile, profile_for

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures"
CAPTURE_FILES = sorted(CAPTURES.glob("*.json"))

E3_139 = profile_for("VenusE 3.0", 139)
E3_150 = profile_for("VenusE 3.0", 150)
E2_153 = profile_for("VenusE", 153)
E2_154 = profile_for("VenusE", 154)
A_147 = profile_for("VenusA", 147)
A_150 = profile_for("VenusA", 150)
UNKNOWN = profile_for("Venus Z", 100)


def _load(path: Path) -> dict[str, Any]:
    return cast("dict[str, Any]", json.loads(path.read_text(encoding="utf-8")))


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


_PROFILE_DECODERS: dict[str, Callable[[Mapping[str, Any], FirmwareProfile], object]] = {
    "Bat.GetStatus": decode_battery,
    "PV.GetStatus": decode_pv,
    "ES.GetStatus": decode_es_status,
    "ES.GetMode": decode_mode,
    "EM.GetStatus": decode_meter,
}


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
        yield _PROFILE_DECODERS[method](result, profile), expected
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
        pv_capture = _load(CAPTURES / f"{capture['with_pv']['fixture']}.json")
        pv = decode_pv(pv_capture["reply"]["result"], profile)
        yield decode_es_status(result, profile, pv), capture["with_pv"]["expected"]


def test_captures_are_present() -> None:
    """The protocol notes' §2 examples and §4 vectors are all here."""
    assert len(CAPTURE_FILES) >= 22


@pytest.mark.parametrize("path", CAPTURE_FILES, ids=lambda path: path.stem)
def test_capture_decodes_to_expected_values(path: Path) -> None:
    """Every captured reply decodes to the values worked out by hand from the notes."""
    capture = _load(path)
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


# --- field helpers through the public functions -------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (85, 85),
        (85.4, 85),
        ("85", 85),
        (" 85 ", 85),
        ("", None),
        ("x" * 100, None),
        ("eighty", None),
        ("nan", None),
        ("inf", None),
        (float("nan"), None),
        (float("inf"), None),
        (True, None),
        (None, None),
        ([85], None),
        ({"v": 85}, None),
        (10**400, None),
        (1e300, None),
        (101, None),
        (-1, None),
    ],
)
def test_numbers_are_lenient_per_field(raw: object, expected: int | None) -> None:
    """SOC accepts numbers and numeric strings; junk, bools and non-finite values give None."""
    assert decode_mode({"bat_soc": raw}, E3_150).soc == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        ("1", True),
        ("0", False),
        ("true", True),
        (" FALSE ", False),
        (2, None),
        ("yes", None),
        (None, None),
    ],
)
def test_flags(raw: object, expected: bool | None) -> None:
    """Flags accept booleans, 0/1 and "true"/"false"."""
    assert decode_battery({"charg_flag": raw}, E3_150).charge_allowed is expected


def test_missing_fields_are_none() -> None:
    """An empty object decodes to a model full of None."""
    assert decode_battery({}, E3_150) == BatteryStatus(
        soc=None,
        charge_allowed=None,
        discharge_allowed=None,
        temperature=None,
        remaining_energy=None,
        rated_energy=None,
    )
    meter = decode_meter({}, E3_150)
    assert meter.connected is None
    assert meter.total_power is None
    assert decode_pv({}, A_150) == PvStatus(channels=())
    mode = decode_mode({}, E3_150)
    assert mode.mode is None
    assert mode.meter is None


# --- identities -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("009b08a5dfa5", "009b08a5dfa5"),
        ("009B08A5DFA5", "009b08a5dfa5"),
        (" 009b08a5dfa5 ", "009b08a5dfa5"),
        ("00:9b:08:a5:df:a5", "009b08a5dfa5"),
        ("00-9B-08-A5-DF-A5", "009b08a5dfa5"),
        ("00:9b-08:a5:df:a5", None),  # mixed separators
        ("009b08a5dfxx", None),  # masked in a published capture
        ("009b08a5df", None),
        ("009b08a5dfa5a5", None),
        ("000000000000", None),
        ("ffffffffffff", None),
        ("0", None),  # the discovery request's "all devices"
        ("", None),
        (None, None),
        (0x009B08A5DFA5, None),
    ],
)
def test_normalise_mac(raw: object, expected: str | None) -> None:
    """MACs become 12 lowercase hex characters; anything else is rejected."""
    assert normalise_mac(raw) == expected


@pytest.mark.parametrize(
    ("src", "mac", "model"),
    [
        ("VenusE 3.0-009b08a5dfa5", "009b08a5dfa5", "VenusE 3.0"),
        ("VenusE-2419720d3533", "2419720d3533", "VenusE"),
        ("VNSEM-0-ccc837b3a39f", "ccc837b3a39f", "VNSEM-0"),
        ("VenusC-AABBCCDDEEFF", "aabbccddeeff", "VenusC"),
        ("VenusA-...", None, "VenusA"),
        ("VenusE 3.0-<redacted>", None, "VenusE 3.0"),
        ("009b08a5dfa5", None, None),  # no device string
        ("-009b08a5dfa5", None, None),
        ("  -009b08a5dfa5", None, None),
        (None, None, None),
        (42, None, None),
    ],
)
def test_src_parts(src: object, mac: str | None, model: str | None) -> None:
    """``src`` is "<device string>-<ble_mac>"; the device string may contain hyphens."""
    assert mac_from_src(src) == mac
    assert model_from_src(src) == model


def test_device_prefers_result_mac_and_ignores_wifi_mac() -> None:
    """The BLE MAC is the identity; wifi_mac (the AP's BSSID on Venus E 3.0) is only kept."""
    info = decode_device(
        {
            "device": "VenusE 3.0",
            "ver": 150,
            "ble_mac": "AABBCCDDEEFF",
            "wifi_mac": "444e6d6b2f01",
            "wifi_name": "home",
            "ip": "192.168.1.20",
        },
        "VenusE 3.0-112233445566",
        "192.168.1.20",
        30000,
    )
    assert info.ble_mac == "aabbccddeeff"
    assert info.wifi_mac == "444e6d6b2f01"
    assert info.family is Family.VENUS_E3
    assert info.firmware == 150
    assert info.reported_ip == "192.168.1.20"


def test_device_without_any_ble_mac_is_an_error() -> None:
    """No BLE MAC anywhere: the reply cannot identify a battery (never fall back to wifi_mac)."""
    with pytest.raises(MarstekDecodeError, match="no BLE MAC"):
        decode_device(
            {"device": "VenusE 3.0", "ver": 150, "wifi_mac": "444e6d6b2f01"},
            "VenusE 3.0-<mac>",
            "192.168.1.20",
            30000,
        )
    with pytest.raises(MarstekDecodeError):
        decode_device({"device": "VenusE 3.0"}, None, "192.168.1.20", 30000)


def test_device_model_and_family_fall_back_to_src() -> None:
    """A missing or unfamiliar device string is completed from ``src``."""
    info = decode_device({"ver": 300}, "VNSEM-0-ccc837b3a39f", "10.0.0.5", 30000)
    assert info.model == "VNSEM-0"
    assert info.family is Family.VENUS_MINI
    renamed = decode_device(
        {"device": "Venus E mini v2", "ver": 300}, "VNSEM-0-ccc837b3a39f", "10.0.0.5", 30000
    )
    assert renamed.model == "Venus E mini v2"
    assert renamed.family is Family.VENUS_MINI
    bare = decode_device({"ble_mac": "ccc837b3a39f"}, None, "10.0.0.5", 30000)
    assert bare.model == "unknown"
    assert bare.family is Family.UNKNOWN


@pytest.mark.parametrize(("ver", "expected"), [(None, 0), (-5, 0), ("150", 150), (1476, 1476)])
def test_device_firmware(ver: object, expected: int) -> None:
    """``ver`` is kept raw (4-digit builds included); missing or negative means 0."""
    info = decode_device(
        {"device": "VenusE 3.0", "ver": ver}, "VenusE 3.0-009b08a5dfa5", "10.0.0.5", 30000
    )
    assert info.firmware == expected


def test_wifi_status() -> None:
    """Wifi.GetStatus: IPv4 strings are validated, SSID null is None."""
    status = decode_wifi(
        {
            "id": 0,
            "wifi_mac": "444e6d6b2f01",
            "ssid": None,
            "rssi": -61,
            "sta_ip": "192.168.1.20",
            "sta_gate": "192.168.1.1",
            "sta_mask": "255.255.255.0",
            "sta_dns": "not-an-ip",
        }
    )
    assert status.rssi == -61
    assert status.ssid is None
    assert status.ip == "192.168.1.20"
    assert status.gateway == "192.168.1.1"
    assert status.netmask == "255.255.255.0"
    assert status.dns is None
    named = decode_wifi({"ssid": "home", "rssi": "-70", "sta_ip": 3232235796, "sta_gate": "  "})
    assert named.ssid == "home"
    assert named.rssi == -70
    assert named.ip is None
    assert named.gateway is None


@pytest.mark.parametrize(
    ("state", "expected"),
    [("connect", True), ("disconnect", False), (1, True), (False, False), ("Connect", None)],
)
def test_ble_state(state: object, expected: bool | None) -> None:
    """BLE.GetStatus state strings are the device's; booleans and 0/1 are tolerated."""
    assert decode_ble({"state": state}).connected is expected


# --- battery --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "raw", "expected"),
    [
        (E3_139, 314.0, 31.4),  # 0.1 °C on Venus E 3.0 <= 139
        (E3_139, -52.0, -5.2),
        (E3_150, 24.0, 24.0),
        (E3_150, 245.0, 24.5),  # a BMS sending 0.1 °C on a °C firmware: > 100 means 0.1 °C
        (E3_150, 5000.0, None),  # not a temperature in any unit
        (E3_150, -60.0, None),
        (E3_150, -10.0, -10.0),
        (E2_154, 2.0, 20.0),  # HMG-50 >= 154: some BMS send tens of °C
        (E2_154, 0.0, 0.0),
        (E2_154, -3.0, -3.0),
        (E2_154, 25.0, 25.0),
        (E2_154, 251.0, 25.1),
        (E2_153, 2.0, 2.0),
        (E2_153, 251.0, 25.1),
        (UNKNOWN, "31.5", 31.5),
    ],
)
def test_temperature(profile: FirmwareProfile, raw: object, expected: float | None) -> None:
    """bat_temp per profile, with the > 100 °C rule and a physical range."""
    assert decode_battery({"bat_temp": raw}, profile).temperature == (
        None if expected is None else pytest.approx(expected)
    )


@pytest.mark.parametrize(
    ("profile", "fields", "expected"),
    [
        # The profile's unit agrees with the SOC: kept.
        (E3_150, {"soc": 25, "bat_capacity": 1320.0, "rated_capacity": 5120.0}, 1320.0),
        # A 144+ firmware whose BMS still sends 10 Wh: the SOC says 10x.
        (E3_150, {"soc": 25, "bat_capacity": 132.0, "rated_capacity": 5120.0}, 1320.0),
        # A 139 firmware whose BMS already sends Wh: the SOC says 1x.
        (E3_139, {"soc": 25, "bat_capacity": 1320.0, "rated_capacity": 5120.0}, 1320.0),
        # HMG-50 < 154 as jaapp reads it (raw / 100 = Wh).
        (E2_153, {"soc": 50, "bat_capacity": 128000.0, "rated_capacity": 2560.0}, 1280.0),
        # ... and as Homey reads it (raw / 100 = kWh, i.e. 10 Wh units): the profile's default.
        (E2_153, {"soc": 50, "bat_capacity": 128.0, "rated_capacity": 2560.0}, 1280.0),
        # No unit fits: the profile's unit stands.
        (E3_150, {"soc": 50, "bat_capacity": 3.3, "rated_capacity": 2560.0}, 3.3),
        # Nothing to compare with: the profile's unit stands.
        (E3_139, {"bat_capacity": 436.0, "rated_capacity": 5120.0}, 4360.0),
        (E3_139, {"soc": 85, "bat_capacity": 436.0}, 4360.0),
        (E3_139, {"soc": 85, "bat_capacity": 436.0, "rated_capacity": 0}, 4360.0),
        (E3_150, {"soc": 85, "bat_capacity": -1.0, "rated_capacity": 5120.0}, None),
        (E3_150, {"soc": 85, "bat_capacity": "n/a", "rated_capacity": 5120.0}, None),
    ],
)
def test_remaining_energy_cross_check(
    profile: FirmwareProfile, fields: dict[str, Any], expected: float | None
) -> None:
    """bat_capacity is checked against SOC x rated capacity and the plausible unit wins."""
    status = decode_battery(fields, profile)
    assert status.remaining_energy == (None if expected is None else pytest.approx(expected))


def test_rated_capacity_zero_is_missing() -> None:
    """A rated capacity of 0 Wh is not a battery size."""
    assert decode_battery({"rated_capacity": 0}, E3_150).rated_energy is None


def test_venus_e2_electrical_extras() -> None:
    """Venus E 2.0 adds bat_voltage and bat_current in centi-units, and an error code."""
    status = decode_battery(
        {"bat_voltage": 4917, "bat_current": -350, "error_code": 0, "soc": 50}, E2_154
    )
    assert status.voltage == pytest.approx(49.17)
    assert status.current == pytest.approx(-3.5)
    assert status.error_code == 0
    assert decode_battery({"bat_voltage": -1}, E2_154).voltage is None


# --- PV -------------------------------------------------------------------------------------


def test_pv_single_channel_form() -> None:
    """The PDF's single-channel form (W) becomes channel 1."""
    status = decode_pv({"pv_power": 300, "pv_voltage": 40, "pv_current": 7, "PV_state": 1}, A_150)
    assert status.channels == (
        PvChannel(index=1, power=300.0, voltage=40.0, current=7.0, working=True),
    )
    lower = decode_pv({"pv_power": 0, "pv_state": 0}, A_150)
    assert lower.channels == (
        PvChannel(index=1, power=0.0, voltage=None, current=None, working=False),
    )


def test_pv_channel_without_power_is_skipped() -> None:
    """A channel is a power reading; voltage alone is not enough."""
    status = decode_pv({"pv1_power": 415, "pv2_voltage": 50, "pv3_power": "bad"}, A_150)
    assert [channel.index for channel in status.channels] == [1]
    assert status.total_power == pytest.approx(41.5)


@pytest.mark.parametrize(
    ("fields", "index", "expected"),
    [
        # A build that sends channel 1 in W: 415 W at 50 V and 8 A cannot be 41.5 W.
        ({"pv1_power": 415, "pv1_voltage": 50, "pv1_current": 8}, 1, 415.0),
        # A channel 2-4 in 0.1 W: 520 at 50 V and 1 A can only be 52 W.
        ({"pv2_power": 520, "pv2_voltage": 50, "pv2_current": 1}, 2, 52.0),
        # Neither unit fits V x I: the profile's unit stands.
        ({"pv1_power": 415, "pv1_voltage": 50, "pv1_current": 20}, 1, 41.5),
        # Low currents fit both units: the profile's unit stands.
        ({"pv4_power": 33, "pv4_voltage": 49, "pv4_current": 0}, 4, 33.0),
        # Nothing to check against.
        ({"pv1_power": 415}, 1, 41.5),
        ({"pv1_power": 415, "pv1_voltage": 0, "pv1_current": 8}, 1, 41.5),
        ({"pv1_power": 415, "pv1_voltage": 50, "pv1_current": -8}, 1, 41.5),
    ],
)
def test_pv_power_cross_checked_with_v_times_i(
    fields: dict[str, Any], index: int, expected: float
) -> None:
    """The unit of a PV channel is checked against voltage x current."""
    (channel,) = decode_pv(fields, A_150).channels
    assert channel.index == index
    assert channel.power == pytest.approx(expected)


# --- ES.GetStatus ---------------------------------------------------------------------------


def test_es_bat_power_is_negated() -> None:
    """bat_power is + when charging; ours is + when discharging."""
    charging = decode_es_status({"bat_power": 250, "ongrid_power": -250}, E2_154)
    assert charging.battery_power == -250.0
    assert charging.battery_power_computed is False
    discharging = decode_es_status({"bat_power": -250}, E2_154)
    assert discharging.battery_power == 250.0
    idle = decode_es_status({"bat_power": 0}, E2_154)
    assert idle.battery_power == 0.0
    assert math.copysign(1.0, idle.battery_power) == 1.0  # no -0.0


def test_es_hmg50_153_units() -> None:
    """HMG-50 < 154: bat_power in 0.1 W and grid energies in 10 Wh; >= 154: W and 100 Wh."""
    fields = {
        "bat_power": 1000,
        "total_grid_output_energy": 512,
        "total_grid_input_energy": 600,
        "total_load_energy": 0,
        "pv_power": 0,
        "total_pv_energy": 0,
    }
    old = decode_es_status(fields, E2_153)
    assert old.battery_power == -100.0
    assert old.ac_output_energy == 5120.0
    assert old.ac_input_energy == 6000.0
    assert old.load_energy == 0.0
    assert old.pv_power is None
    assert old.pv_energy is None
    new = decode_es_status(fields, E2_154)
    assert new.battery_power == -1000.0
    assert new.ac_output_energy == 51200.0
    assert new.ac_input_energy == 60000.0


def test_es_battery_power_includes_backup_load() -> None:
    """A load on the backup (EPS) socket is fed by the battery too."""
    status = decode_es_status({"ongrid_power": -300, "offgrid_power": 80, "pv_power": 0}, E3_150)
    assert status.battery_power == -220.0
    assert status.battery_power_computed is True


def test_es_battery_power_with_pv_channels() -> None:
    """Venus A 147 hard-codes ES pv_power to 0: the PV channels passed in are used instead."""
    pv = PvStatus(
        channels=(
            PvChannel(index=1, power=300.0, voltage=None, current=None, working=True),
            PvChannel(index=2, power=100.0, voltage=None, current=None, working=True),
        )
    )
    status = decode_es_status({"pv_power": 0, "ongrid_power": 0, "offgrid_power": 0}, A_147, pv)
    assert status.pv_power is None
    assert status.battery_power == -400.0
    assert status.battery_power_computed is True
    unknown_pv = decode_es_status({"pv_power": 0, "ongrid_power": 0}, A_147)
    assert unknown_pv.battery_power is None
    assert unknown_pv.battery_power_computed is False


def test_es_real_pv_power_wins_over_channels() -> None:
    """Where ES pv_power is real (Venus A 149+), it is used even when channels are passed."""
    pv = PvStatus(
        channels=(PvChannel(index=1, power=999.0, voltage=None, current=None, working=True),)
    )
    status = decode_es_status({"pv_power": 180, "ongrid_power": 20}, A_150, pv)
    assert status.pv_power == 180.0
    assert status.battery_power == -160.0


def test_es_without_ongrid_power_has_no_battery_power() -> None:
    """No AC reading, no balance."""
    status = decode_es_status({"bat_soc": 50, "offgrid_power": 10}, E3_150)
    assert status.battery_power is None
    assert status.battery_power_computed is False


def test_es_unknown_model_keeps_pv_fields() -> None:
    """An unknown model's PV fields are kept; without them its battery power is unknown."""
    status = decode_es_status({"pv_power": 100, "ongrid_power": 50, "total_pv_energy": 7}, UNKNOWN)
    assert status.pv_power == 100.0
    assert status.pv_energy == 7.0
    assert status.battery_power == -50.0
    assert decode_es_status({"ongrid_power": 50}, UNKNOWN).battery_power is None


def test_es_negative_energy_is_rejected() -> None:
    """Lifetime counters are never negative."""
    assert decode_es_status({"total_grid_output_energy": -5}, E3_150).ac_output_energy is None


# --- ES.GetMode and EM.GetStatus ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "mode", "raw_mode"),
    [
        ("Auto", Mode.AUTO, "Auto"),
        ("AI", Mode.AI, "AI"),
        ("Manual", Mode.MANUAL, "Manual"),
        ("Passive", Mode.PASSIVE, "Passive"),
        ("UPS", Mode.UPS, "UPS"),
        ("auto", None, "auto"),  # names are case-sensitive
        ("Ups", None, "Ups"),
        ("", None, ""),
        ("x" * 200, None, "x" * 64),
        (0, Mode.AUTO, "0"),
        (1, Mode.AI, "1"),
        (2, Mode.MANUAL, "2"),
        (3, Mode.PASSIVE, "3"),
        (4, Mode.UPS, "4"),
        (5, None, "5"),
        (-1, None, "-1"),
        (10**20, None, None),
        (True, None, None),
        (1.0, None, None),
        (None, None, None),
        (["Auto"], None, None),
    ],
)
def test_mode(raw: object, mode: Mode | None, raw_mode: str | None) -> None:
    """Mode names are read as documented; integers 0..4 are tolerated; unknowns keep raw_mode."""
    status = decode_mode({"mode": raw}, E3_150)
    assert status.mode is mode
    assert status.raw_mode == raw_mode


def test_mode_ct_block_with_only_ct_state() -> None:
    """Any CT key makes a meter block."""
    status = decode_mode({"mode": "Auto", "ct_state": 0}, E3_150)
    assert status.meter is not None
    assert status.meter.connected is False


def test_meter_energy_in_tenths_of_wh() -> None:
    """EM input/output_energy arrive in 0.1 Wh."""
    meter = decode_meter({"input_energy": 12345, "output_energy": "10"}, E3_150)
    assert meter.import_energy == pytest.approx(1234.5)
    assert meter.export_energy == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("model", "firmware", "counts"),
    [
        ("VenusA", 147, False),
        ("VenusA", 1487, False),
        ("VenusA", 149, False),  # issue 9: 0.0 kWh over 29.5 minutes of metered flow
        ("VenusD", 149, False),
        ("VenusA", 150, True),
        ("VenusD", 150, True),
        ("VenusE 3.0", 139, False),
        ("VenusE 3.0", 144, False),
        ("VenusE 3.0", 148, True),  # live counters in GetMode (AI mode capture)
        ("VenusE 3.0", 150, True),
        ("VenusE", 155, True),
    ],
)
def test_meter_energy_known_zero(model: str, firmware: int, counts: bool) -> None:
    """Firmware that sends its meter counters as a constant 0 gets None, not a reading."""
    profile = profile_for(model, firmware)
    reply = {"ct_state": 1, "total_power": 800, "input_energy": 0, "output_energy": 0}
    for meter in (decode_meter(reply, profile), decode_mode(reply, profile).meter):
        assert meter is not None
        assert meter.total_power == 800.0  # the power is a reading either way
        assert meter.import_energy == (0.0 if counts else None)
        assert meter.export_energy == (0.0 if counts else None)


def test_battery_power_from_mode() -> None:
    """ES.GetMode's AC balance (marstek-open-api.md §2.6 with pv_power 0), in HA's sign."""
    charging = decode_mode(
        _load(CAPTURES / "e3_fw139_get_mode_charging.json")["reply"]["result"], E3_139
    )
    assert battery_power_from_mode(charging, Family.VENUS_E3) == -1033.0  # + = discharging
    backup = decode_mode({"ongrid_power": 300, "offgrid_power": 80}, E3_139)
    assert battery_power_from_mode(backup, Family.VENUS_E3) == 380.0  # the EPS load too
    assert battery_power_from_mode(backup, Family.VENUS_E2) == 380.0
    # GetMode says nothing about PV: no answer for a PV model or an unknown one.
    assert battery_power_from_mode(backup, Family.VENUS_A) is None
    assert battery_power_from_mode(backup, Family.UNKNOWN) is None
    no_ac = decode_mode({"mode": "Auto", "offgrid_power": 80}, E3_139)
    assert battery_power_from_mode(no_ac, Family.VENUS_E3) is None


# --- write replies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), (1, True), ("true", True), (None, False), ("ture", False)],
)
def test_set_result(raw: object, expected: bool) -> None:
    """Only an explicit true is an accepted write."""
    assert decode_set_result({"id": 0, "set_result": raw}) is expected


# --- shape ----------------------------------------------------------------------------------


def _all_decoders(result: Any) -> list[Callable[[], object]]:
    return [
        lambda: decode_device(result, "VenusE 3.0-009b08a5dfa5", "10.0.0.5", 30000),
        lambda: decode_wifi(result),
        lambda: decode_ble(result),
        lambda: decode_battery(result, E3_150),
        lambda: decode_pv(result, A_150),
        lambda: decode_es_status(result, E3_150),
        lambda: decode_mode(result, E3_150),
        lambda: decode_meter(result, E3_150),
        lambda: decode_set_result(result),
    ]


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
