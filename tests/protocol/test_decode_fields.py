"""Decoder tests: the field rules (numbers, flags, MACs) and the identity replies."""

from __future__ import annotations

import pytest

from custom_components.marstek_venus.pymarstek_venus.decode import (
    decode_battery,
    decode_ble,
    decode_device,
    decode_meter,
    decode_mode,
    decode_pv,
    decode_wifi,
    mac_from_src,
    model_from_src,
    normalise_mac,
)
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekDecodeError
from custom_components.marstek_venus.pymarstek_venus.models import (
    BatteryStatus,
    Family,
    PvStatus,
)

from .decoding import A_150, E3_150

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
