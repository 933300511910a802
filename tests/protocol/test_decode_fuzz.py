"""Property tests: junk in, a sane model or one of the library's own exceptions out.

Whatever a device (or a stranger) sends, the decoder never raises anything else. Example counts
are bounded so this runs in seconds.
"""

from __future__ import annotations

import functools
import math
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.marstek_venus.pymarstek_venus.const import Method, Mode
from custom_components.marstek_venus.pymarstek_venus.decode import (
    DECODERS,
    ReplyContext,
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
    normalise_mac,
)
from custom_components.marstek_venus.pymarstek_venus.errors import MarstekDecodeError, MarstekError
from custom_components.marstek_venus.pymarstek_venus.models import (
    BatteryStatus,
    BleStatus,
    DeviceInfo,
    EnergySystemStatus,
    MeterStatus,
    ModeStatus,
    PvStatus,
    WifiStatus,
)
from custom_components.marstek_venus.pymarstek_venus.profiles import FirmwareProfile, profile_for

if TYPE_CHECKING:
    from collections.abc import Callable

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Every key any decoder reads, so generated objects hit the real code paths.
KEYS = (
    "id", "device", "ver", "ble_mac", "wifi_mac", "wifi_name", "ip",
    "rssi", "ssid", "sta_ip", "sta_gate", "sta_mask", "sta_dns", "state",
    "soc", "charg_flag", "dischrg_flag", "bat_temp", "bat_capacity", "rated_capacity",
    "bat_voltage", "bat_current", "error_code",
    "pv_power", "pv_voltage", "pv_current", "PV_state", "pv_state",
    *(f"pv{n}_{field}" for n in range(1, 5) for field in ("power", "voltage", "current", "state")),
    "bat_soc", "bat_cap", "ongrid_power", "offgrid_power", "bat_power", "total_pv_energy",
    "total_grid_output_energy", "total_grid_input_energy", "total_load_energy",
    "mode", "ct_state", "a_power", "b_power", "c_power", "total_power",
    "input_energy", "output_energy", "set_result",
)  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.from_regex(r"\s*-?[0-9]{1,20}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,4})?\s*", fullmatch=True),
    st.sampled_from(
        ["nan", "inf", "-Infinity", "Auto", "AI", "UPS", "connect", "true", "1e999", "0x10"]
    ),
    st.sampled_from(["009b08a5dfa5", "00:9B:08:A5:DF:A5", "000000000000", "192.168.1.20"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=8,
)
results = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), json_values, max_size=16
)
not_objects = st.one_of(scalars, st.lists(json_values, max_size=4))
profiles = st.builds(
    profile_for,
    st.sampled_from(
        ["VenusE 3.0", "VenusE", "VenusC", "VenusA", "Venus D", "VNSEM-0", "Venus Z", ""]
    ),
    st.integers(min_value=-5, max_value=3000),
)
srcs = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["VenusE 3.0-009b08a5dfa5", "VNSEM-0-ccc837b3a39f", "VenusA-..."]),
)


# What each entry of the decoder table returns.
_MODELS: dict[Method, type] = {
    Method.GET_DEVICE: DeviceInfo,
    Method.WIFI_STATUS: WifiStatus,
    Method.BLE_STATUS: BleStatus,
    Method.BATTERY_STATUS: BatteryStatus,
    Method.PV_STATUS: PvStatus,
    Method.ES_STATUS: EnergySystemStatus,
    Method.ES_MODE: ModeStatus,
    Method.METER_STATUS: MeterStatus,
    Method.SET_MODE: bool,
    Method.SET_DOD: bool,
    Method.LED_CTRL: bool,
    Method.BLE_ADV: bool,
}


def _assert_sane(value: object) -> None:
    """Every number in a model is finite; percentages are percentages; MACs are MACs."""
    if is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            item = getattr(value, field.name)
            if field.name == "soc" and item is not None:
                assert isinstance(item, int)
                assert 0 <= item <= 100
            if field.name == "ble_mac" and item is not None:
                assert normalise_mac(item) == item
            _assert_sane(item)
    elif isinstance(value, tuple):
        for item in value:
            _assert_sane(item)
    elif isinstance(value, float):
        assert math.isfinite(value)
    elif value is not None:
        assert isinstance(value, int | str)


def _run[T](call: Callable[[], T], model: type[T]) -> None:
    try:
        decoded = call()
    except MarstekError:
        return
    assert isinstance(decoded, model)
    _assert_sane(decoded)


@FUZZ
@given(result=results, profile=profiles)
def test_profile_decoders_survive_junk(result: dict[str, Any], profile: FirmwareProfile) -> None:
    """Objects with the real keys and junk values decode to sane models."""
    _run(lambda: decode_battery(result, profile), BatteryStatus)
    _run(lambda: decode_pv(result, profile), PvStatus)
    _run(lambda: decode_mode(result, profile), ModeStatus)
    _run(lambda: decode_meter(result, profile), MeterStatus)
    pv = decode_pv(result, profile)
    _run(lambda: decode_es_status(result, profile), EnergySystemStatus)
    _run(lambda: decode_es_status(result, profile, pv), EnergySystemStatus)
    assert math.isfinite(pv.total_power)
    mode = decode_mode(result, profile)
    assert mode.mode is None or isinstance(mode.mode, Mode)


@FUZZ
@given(result=results, src=srcs)
def test_plain_decoders_survive_junk(result: dict[str, Any], src: str | None) -> None:
    """Device, Wi-Fi, BLE and write replies decode to sane models or a decode error."""
    _run(lambda: decode_device(result, src, "10.0.0.5", 30000), DeviceInfo)
    _run(lambda: decode_wifi(result), WifiStatus)
    _run(lambda: decode_ble(result), BleStatus)
    _run(lambda: decode_set_result(result), bool)


@FUZZ
@given(result=results, src=srcs)
def test_device_identity_is_always_a_ble_mac(result: dict[str, Any], src: str | None) -> None:
    """A decoded device always has a normalised BLE MAC from result or src, else it is an error."""
    try:
        info = decode_device(result, src, "10.0.0.5", 30000)
    except MarstekDecodeError:
        assert normalise_mac(result.get("ble_mac")) is None
        assert mac_from_src(src) is None
        return
    assert info.ble_mac in (normalise_mac(result.get("ble_mac")), mac_from_src(src))


@FUZZ
@given(value=json_values)
def test_nested_junk_anywhere(value: Any) -> None:
    """Arbitrary JSON (objects or not) never produces a foreign exception."""
    context = ReplyContext(profile_for("VenusA", 150), host="10.0.0.5", port=30000)
    for method, decode in DECODERS.items():
        _run(functools.partial(decode, value, context), _MODELS[method])


@FUZZ
@given(value=not_objects)
def test_non_objects_are_decode_errors(value: Any) -> None:
    """The shape rule: a result that is not an object is always a MarstekDecodeError."""
    profile = profile_for("VenusE 3.0", 150)
    for call in (
        lambda: decode_wifi(value),
        lambda: decode_battery(value, profile),
        lambda: decode_es_status(value, profile),
        lambda: decode_mode(value, profile),
    ):
        try:
            call()
        except MarstekDecodeError:
            continue
        msg = "decoded a non-object"
        raise AssertionError(msg)


@FUZZ
@given(src=st.text(max_size=40), mac=st.text(max_size=20))
def test_mac_helpers_never_raise(src: str, mac: str) -> None:
    """MAC parsing returns 12 lowercase hex characters or None."""
    for value in (normalise_mac(mac), mac_from_src(src)):
        assert value is None or (len(value) == 12 and value == value.lower())
        if value is not None:
            int(value, 16)
