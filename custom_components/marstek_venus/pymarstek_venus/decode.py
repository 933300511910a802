"""Decode Open API ``result`` objects into typed models with normalised units and signs.

Every function here is pure: it takes the ``result`` object of one reply (plus the firmware
profile of the device that sent it) and returns a frozen model from ``models.py``.

Leniency: the firmware is inconsistent, so each field is decoded on its own. A field that is
missing, of the wrong type, not finite, or out of any physical range becomes ``None`` and the
rest of the reply still decodes. Numbers may arrive as JSON numbers or numeric strings (the PDF
types ``soc`` as a string); flags as booleans, 0/1 or "true"/"false". Only the *shape* is
strict: a ``result`` that is not a JSON object raises ``MarstekDecodeError``, and so does a
GetDevice reply without any BLE MAC. No other exception leaves this module.

Units are converted with the factors of the firmware profile (``profiles.py``), then checked
against each other where the device gives us something to compare with (temperature range,
remaining energy against SOC x rated capacity, PV power against voltage x current).

Sign conventions (marstek-open-api.md §3.3 -> design.md §2), converted here and nowhere else:

* ``bat_power`` (ES.GetStatus) is + when the battery *charges*. Home Assistant wants + for
  *discharging*, so ``battery_power = -bat_power``.
* When the firmware leaves ``bat_power`` out (most current firmware does), the battery's power
  is the AC balance: what leaves through the grid-tie port and the backup socket came from the
  battery, minus what the PV inputs supplied:
  ``battery_power = ongrid_power + offgrid_power - pv_power`` (already in HA's sign), and
  ``battery_power_computed`` is set. PV power comes from ES ``pv_power``; where that is a
  hard-coded 0 (Venus A/D 147/148, reported as None) the caller passes the latest
  PV.GetStatus instead. Models without PV inputs count 0 W; a PV model whose PV power is
  unknown gets ``battery_power = None`` rather than a wrong number. Firmware without
  ES.GetStatus (Venus E 3.0 <= 139) gets the same balance from ES.GetMode
  (``battery_power_from_mode``).
* ``ongrid_power`` is + when the battery delivers to the AC side (discharging) and - when it
  absorbs from AC (charging). That is already HA's sign, so ``ac_power`` keeps it.
* ``total_power`` and the phase powers of the CT meter are + for import from the grid, as the
  meter reports them; kept as they are.
* ``bat_current`` (Venus E 2.0 only) has no documented sign; it is passed through as reported.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from .const import Method, Mode
from .errors import MarstekDecodeError, MarstekError
from .models import (
    BatteryStatus,
    BleStatus,
    DeviceInfo,
    EnergySystemStatus,
    Family,
    MeterStatus,
    ModeStatus,
    PvChannel,
    PvStatus,
    WifiStatus,
)
from .profiles import NO_PV_FAMILIES, FirmwareProfile, family_from_model

# No reading of these batteries comes anywhere near this (lifetime counters in 0.1 Wh are
# ~1e9); anything larger is corrupt, and keeping it out means sums can never overflow.
_MAX_MAGNITUDE: Final = 1e15
# Longest numeric string we try to parse; real replies carry short numbers.
_MAX_NUMBER_TEXT: Final = 64
# Longest unknown mode string we keep for diagnostics.
_MAX_RAW_MODE: Final = 64

# A BMS temperature outside this range is not a reading in °C.
_MAX_TEMPERATURE: Final = 100.0
_MIN_TEMPERATURE: Final = -50.0

# Remaining energy may differ from SOC x rated capacity (SOC is the BMS's estimate, integer %,
# and capacity fades); real replies are within 1 % of rated. A wrong unit is off by 10x or more.
_CAPACITY_TOLERANCE: Final = 0.1  # share of the rated capacity
# Units bat_capacity has been reported in, as factors to Wh: Wh, 10 Wh, 0.1 Wh, 100 Wh, 0.01 Wh.
_CAPACITY_FACTORS: Final = (1.0, 10.0, 0.1, 100.0, 0.01)

# ES.GetMode may report the mode as an integer (Rev 2.0 types it "number"): 0 = Auto ... 4 = UPS.
_MODE_BY_INDEX: Final = (Mode.AUTO, Mode.AI, Mode.MANUAL, Mode.PASSIVE, Mode.UPS)

# Keys of the CT block that Rev 2.0+ firmware appends to ES.GetMode.
_CT_KEYS: Final = (
    "ct_state",
    "a_power",
    "b_power",
    "c_power",
    "total_power",
    "input_energy",
    "output_energy",
)
_PV_CHANNELS: Final = range(1, 5)

_MAC_PLAIN: Final = re.compile(r"[0-9a-f]{12}")
_MAC_SEPARATED: Final = re.compile(r"[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}")
# Not identities: unset EEPROM and broadcast.
_MAC_PLACEHOLDERS: Final = frozenset({"000000000000", "ffffffffffff"})


def _decoder[**P, R](method: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn any unexpected exception of a decode function into ``MarstekDecodeError``.

    The field helpers below cannot raise on JSON data; this is the guarantee for everything
    else (a caller's odd Mapping, a bug), so callers only ever see the library's exceptions.
    """

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def decode(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except MarstekError:
                raise
            except Exception as err:
                msg = f"{method}: cannot decode reply ({type(err).__name__})"
                raise MarstekDecodeError(msg) from err

        return decode

    return wrap


def _object(result: object, method: str) -> Mapping[str, Any]:
    """Check that ``result`` is a JSON object: the one shape rule we enforce."""
    if not isinstance(result, Mapping):
        msg = f"{method}: result is {type(result).__name__}, not an object"
        raise MarstekDecodeError(msg)
    return result


# --- field helpers: each returns None for anything it cannot read ---------------------------


def _number(value: object) -> float | None:
    """Read a finite number of sane magnitude from a JSON number or numeric string."""
    if isinstance(value, bool):  # JSON true/false are not numbers (bool is an int subclass)
        return None
    if isinstance(value, int):
        if abs(value) > _MAX_MAGNITUDE:
            return None
        number = float(value)
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > _MAX_NUMBER_TEXT:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number) or abs(number) > _MAX_MAGNITUDE:
        return None
    return number


def _apply(value: float, factor: float) -> float:
    """Apply a unit factor; rounding removes float noise such as 41.50000000000001."""
    if factor == 1.0:
        return value
    return round(value * factor, 4)


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else _apply(value, factor)


def _int(value: object) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


def _percent(value: object) -> int | None:
    percent = _int(value)
    return percent if percent is not None and 0 <= percent <= 100 else None


def _power(value: object, factor: float = 1.0) -> float | None:
    return _scaled(_number(value), factor)


def _energy(value: object, factor: float = 1.0) -> float | None:
    """Read a lifetime counter or a capacity, which is never negative."""
    number = _number(value)
    if number is None or number < 0:
        return None
    return _scaled(number, factor)


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    number = _number(value)
    if number == 1:
        return True
    if number == 0:
        return False
    return None


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _ipv4(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return str(ipaddress.IPv4Address(text.strip()))
    except ValueError:
        return None


# --- identities -----------------------------------------------------------------------------


def normalise_mac(value: object) -> str | None:
    """Return a MAC as 12 lowercase hex characters, or None if it is not a usable MAC.

    Accepts the devices' own form ("009b08a5dfa5") and the usual separated forms. Masked
    values in published captures ("009b08a5dfxx") and placeholders (all zeros, broadcast)
    are rejected, so they can never become a battery's identity.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if _MAC_PLAIN.fullmatch(text):
        mac = text
    elif _MAC_SEPARATED.fullmatch(text):
        mac = text.replace(":", "").replace("-", "")
    else:
        return None
    return None if mac in _MAC_PLACEHOLDERS else mac


def _split_src(src: object) -> tuple[str, str] | None:
    """Split ``src`` = "<device string>-<ble_mac>" at its last hyphen."""
    if not isinstance(src, str):
        return None
    model, sep, mac = src.rpartition("-")
    if not sep or not model.strip():
        return None
    return model.strip(), mac


def mac_from_src(src: object) -> str | None:
    """Return the BLE MAC embedded in a reply's ``src``.

    "VenusE 3.0-009b08a5dfa5" gives "009b08a5dfa5". The device string itself may contain
    hyphens ("VNSEM-0-ccc837b3a39f"), so the MAC is what follows the last one.
    """
    parts = _split_src(src)
    return None if parts is None else normalise_mac(parts[1])


def model_from_src(src: object) -> str | None:
    """Return the device string part of ``src`` ("VNSEM-0-ccc837b3a39f" -> "VNSEM-0")."""
    parts = _split_src(src)
    return None if parts is None else parts[0]


# --- Marstek.GetDevice, Wifi.GetStatus, BLE.GetStatus ---------------------------------------


@_decoder(Method.GET_DEVICE)
def decode_device(result: Mapping[str, Any], src: str | None, host: str, port: int) -> DeviceInfo:
    """Marstek.GetDevice. ``host``/``port`` say where the reply came from.

    The identity is the BLE MAC: from ``result.ble_mac`` when it is a real MAC, else from
    ``src`` (Venus C 153 leaves the MACs out of ``result``). ``wifi_mac`` is never used for
    identity: on Venus E 3.0 it is the access point's BSSID, the same for every battery.
    """
    data = _object(result, Method.GET_DEVICE)
    ble_mac = normalise_mac(data.get("ble_mac")) or mac_from_src(src)
    if ble_mac is None:
        msg = f"{Method.GET_DEVICE}: reply from {host} carries no BLE MAC"
        raise MarstekDecodeError(msg)
    src_model = model_from_src(src)
    model = _text(data.get("device")) or src_model or Family.UNKNOWN.value
    family = family_from_model(model)
    if family is Family.UNKNOWN:
        family = family_from_model(src_model)
    firmware = _int(data.get("ver"))
    return DeviceInfo(
        model=model,
        family=family,
        firmware=firmware if firmware is not None and firmware >= 0 else 0,
        ble_mac=ble_mac,
        host=host,
        port=port,
        wifi_mac=normalise_mac(data.get("wifi_mac")),
        wifi_name=_text(data.get("wifi_name")),
        reported_ip=_ipv4(data.get("ip")),
    )


@_decoder(Method.WIFI_STATUS)
def decode_wifi(result: Mapping[str, Any]) -> WifiStatus:
    """Wifi.GetStatus."""
    data = _object(result, Method.WIFI_STATUS)
    return WifiStatus(
        rssi=_int(data.get("rssi")),
        ssid=_text(data.get("ssid")),
        ip=_ipv4(data.get("sta_ip")),
        gateway=_ipv4(data.get("sta_gate")),
        netmask=_ipv4(data.get("sta_mask")),
        dns=_ipv4(data.get("sta_dns")),
    )


@_decoder(Method.BLE_STATUS)
def decode_ble(result: Mapping[str, Any]) -> BleStatus:
    """BLE.GetStatus: ``state`` is "connect" or "disconnect" (a phone is attached or not)."""
    data = _object(result, Method.BLE_STATUS)
    state = data.get("state")
    if state == "connect":
        connected: bool | None = True
    elif state == "disconnect":
        connected = False
    else:
        connected = _flag(state)
    return BleStatus(connected=connected, ble_mac=normalise_mac(data.get("ble_mac")))


# --- Bat.GetStatus --------------------------------------------------------------------------


def _temperature(value: object, profile: FirmwareProfile) -> float | None:
    """bat_temp in °C, whatever unit this BMS happens to use.

    Venus E 3.0 <= 139 sends 0.1 °C (the profile scales it). Other BMS versions send 0.1 °C
    on firmware that nominally sends °C, so a result above 100 °C is divided by 10 once more.
    Some HMG-50 >= 154 units send tens of °C (2.0 on an indoor battery): the profile flags
    that, and values between 0 and 10 are read as such. A battery really at 2-9 °C on such a
    unit would be misread; the single capture points the other way.
    """
    raw = _number(value)
    if raw is None:
        return None
    if profile.bat_temp_tens and 0 < raw < 10:
        return _apply(raw, 10.0)
    temperature = _apply(raw, profile.bat_temp_scale)
    if temperature > _MAX_TEMPERATURE:
        temperature = round(temperature / 10, 4)
    if not _MIN_TEMPERATURE <= temperature <= _MAX_TEMPERATURE:
        return None
    return temperature


def _remaining_energy(
    value: object, soc: int | None, rated: float | None, profile: FirmwareProfile
) -> float | None:
    """bat_capacity (remaining energy) in Wh, cross-checked against SOC x rated capacity.

    The unit of ``bat_capacity`` changed between firmware and BMS versions (10 Wh on
    Venus E 3.0 <= 139, Wh later, disputed on HMG-50 < 154). The profile's factor is used
    when it agrees with what the SOC implies; otherwise the unit that does agree wins. With no
    SOC or rated capacity to compare, or no unit that fits, the profile's factor stands.
    """
    raw = _number(value)
    if raw is None or raw < 0:
        return None
    preferred = _apply(raw, profile.bat_capacity_scale)
    if soc is None or rated is None or rated <= 0:
        return preferred
    expected = soc * rated / 100
    tolerance = rated * _CAPACITY_TOLERANCE
    if abs(preferred - expected) <= tolerance:
        return preferred
    candidates = [raw * factor for factor in _CAPACITY_FACTORS]
    best = min(candidates, key=lambda candidate: abs(candidate - expected))
    if abs(best - expected) <= tolerance:
        return round(best, 4)
    return preferred


@_decoder(Method.BATTERY_STATUS)
def decode_battery(result: Mapping[str, Any], profile: FirmwareProfile) -> BatteryStatus:
    """Bat.GetStatus."""
    data = _object(result, Method.BATTERY_STATUS)
    soc = _percent(data.get("soc"))
    rated = _energy(data.get("rated_capacity"))
    if rated == 0:
        rated = None  # a battery of 0 Wh is a missing value
    electrical = profile.bat_electrical_scale
    return BatteryStatus(
        soc=soc,
        # Both flags are copies of one BMS permit byte (see the protocol notes §2.4).
        charge_allowed=_flag(data.get("charg_flag")),
        discharge_allowed=_flag(data.get("dischrg_flag")),
        temperature=_temperature(data.get("bat_temp"), profile),
        remaining_energy=_remaining_energy(data.get("bat_capacity"), soc, rated, profile),
        rated_energy=rated,
        voltage=_energy(data.get("bat_voltage"), electrical),  # centivolts: 4917 -> 49.17 V
        current=_power(data.get("bat_current"), electrical),  # centiamps, sign as reported
        error_code=_int(data.get("error_code")),
    )


# --- PV.GetStatus ---------------------------------------------------------------------------


def _fits_v_times_i(power: float, voltage: float, current: float) -> bool:
    """Whether ``power`` fits V x I, with V and I truncated to whole volts and amps.

    Real replies truncate: 41.5 W at 50 V reads ``pv1_current: 0``. So P lies between
    V x (I - 1) and (V + 1) x (I + 1); 10 % and 5 W of slack cover rounding and the moments
    between the firmware's samples of P, V and I.
    """
    low = voltage * max(current - 1.0, 0.0) * 0.9 - 5.0
    high = (voltage + 1.0) * (current + 1.0) * 1.1 + 5.0
    return low <= power <= high


def _pv_power(raw: float, voltage: float | None, current: float | None, factor: float) -> float:
    """Return a PV channel's power in W, choosing between W and 0.1 W by V x I where possible.

    ``pv1_power`` is in 0.1 W and the other channels in W on every release seen, but whether
    a later build sends channel 1 in W is an open question. When the profile's unit
    contradicts V x I and the other unit fits, the other unit wins; when V x I cannot tell
    (no readings, or low currents where both units fit), the profile's unit stands.
    """
    preferred = _apply(raw, factor)
    if voltage is None or current is None or voltage <= 0 or current < 0:
        return preferred
    other = _apply(raw, 1.0 if factor != 1.0 else 0.1)
    if not _fits_v_times_i(preferred, voltage, current) and _fits_v_times_i(
        other, voltage, current
    ):
        return other
    return preferred


def _pv_channel(
    index: int,
    power: object,
    voltage: object,
    current: object,
    state: object,
    factor: float,
) -> PvChannel | None:
    raw = _number(power)
    if raw is None:
        return None  # a channel without a power reading is not a reading
    volts = _number(voltage)
    amps = _number(current)
    return PvChannel(
        index=index,
        power=_pv_power(raw, volts, amps, factor),
        voltage=volts,
        current=amps,
        working=_flag(state),
    )


@_decoder(Method.PV_STATUS)
def decode_pv(result: Mapping[str, Any], profile: FirmwareProfile) -> PvStatus:
    """PV.GetStatus, in the multi-channel form real devices send or the documented single one.

    Real replies carry ``pv1_*`` .. ``pv4_*``; ``pv1_power`` is in 0.1 W (profile), the other
    channels in W. The PDF's single-channel form (``pv_power`` in W, ``pv_voltage``,
    ``pv_current``, ``PV_state``) is decoded as channel 1 when no numbered channel is present.
    """
    data = _object(result, Method.PV_STATUS)
    channels: list[PvChannel] = []
    for index in _PV_CHANNELS:
        prefix = f"pv{index}_"
        channel = _pv_channel(
            index,
            data.get(prefix + "power"),
            data.get(prefix + "voltage"),
            data.get(prefix + "current"),
            data.get(prefix + "state"),
            profile.pv1_power_scale if index == 1 else 1.0,
        )
        if channel is not None:
            channels.append(channel)
    if not channels:
        state = data.get("PV_state", data.get("pv_state"))
        single = _pv_channel(
            1, data.get("pv_power"), data.get("pv_voltage"), data.get("pv_current"), state, 1.0
        )
        if single is not None:
            channels.append(single)
    return PvStatus(channels=tuple(channels))


# --- ES.GetStatus ---------------------------------------------------------------------------


def _balance_power(
    ac_power: float | None,
    offgrid_power: float | None,
    pv_power: float | None,
    pv: PvStatus | None,
    profile: FirmwareProfile,
) -> float | None:
    """Battery power (+ discharging) from the AC balance, for firmware without ``bat_power``.

    Whatever leaves through the grid-tie port and the backup socket, minus what the PV inputs
    supplied, came out of the battery. The backup load matters: leaving out 80 W on the EPS
    socket turned -216 W into -300 W in one report. PV comes from ES ``pv_power``, else from
    the PV channels the caller passes in (Venus A 147/148 hard-code ES ``pv_power`` to 0). A
    PV model whose PV power is unknown gives no answer rather than a wrong one.
    """
    if ac_power is None:
        return None
    if pv_power is not None:
        pv_watts = pv_power
    elif pv is not None:
        pv_watts = pv.total_power
    elif profile.family in NO_PV_FAMILIES:
        pv_watts = 0.0
    else:
        return None
    return ac_power + (offgrid_power or 0.0) - pv_watts


@_decoder(Method.ES_STATUS)
def decode_es_status(
    result: Mapping[str, Any], profile: FirmwareProfile, pv: PvStatus | None = None
) -> EnergySystemStatus:
    """ES.GetStatus. ``pv`` (the latest PV.GetStatus) fills in PV power where ES lacks it."""
    data = _object(result, Method.ES_STATUS)
    ac_power = _power(data.get("ongrid_power"))
    offgrid_power = _power(data.get("offgrid_power"))
    if profile.es_pv_valid:
        pv_power = _power(data.get("pv_power"))
        pv_energy = _energy(data.get("total_pv_energy"), profile.pv_energy_scale)
    else:
        # Models without PV inputs report 0; Venus A/D 147/148 hard-code 0. Neither is a reading.
        pv_power = pv_energy = None
    bat_power = _power(data.get("bat_power"), profile.bat_power_scale)
    if bat_power is not None:
        battery_power: float | None = 0.0 - bat_power  # API: + charging; ours: + discharging
        computed = False
    else:
        battery_power = _balance_power(ac_power, offgrid_power, pv_power, pv, profile)
        computed = battery_power is not None
    grid = profile.grid_energy_scale
    return EnergySystemStatus(
        soc=_percent(data.get("bat_soc")),
        capacity=_energy(data.get("bat_cap")),
        battery_power=battery_power,
        battery_power_computed=computed,
        ac_power=ac_power,
        offgrid_power=offgrid_power,
        pv_power=pv_power,
        pv_energy=pv_energy,
        ac_output_energy=_energy(data.get("total_grid_output_energy"), grid),
        ac_input_energy=_energy(data.get("total_grid_input_energy"), grid),
        load_energy=_energy(data.get("total_load_energy"), grid),
    )


# --- ES.GetMode and EM.GetStatus ------------------------------------------------------------


def _mode(value: object) -> tuple[Mode | None, str | None]:
    """Return the mode and its raw spelling. Names are case-sensitive ("auto" is not a mode)."""
    if isinstance(value, str):
        raw = value[:_MAX_RAW_MODE]
        try:
            return Mode(value), raw
        except ValueError:
            return None, raw
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(_MODE_BY_INDEX):
            return _MODE_BY_INDEX[value], str(value)
        return None, str(value) if abs(value) <= _MAX_MAGNITUDE else None
    return None, None


def _meter(data: Mapping[str, Any], profile: FirmwareProfile) -> MeterStatus:
    energy = profile.meter_energy_scale  # 0.1 Wh units
    if profile.meter_energy_valid:
        import_energy = _energy(data.get("input_energy"), energy)
        export_energy = _energy(data.get("output_energy"), energy)
    else:
        # Venus A/D before 150 and Venus E 3.0 up to 144 send the counters as a constant 0
        # while the CT measures flow: not a reading.
        import_energy = export_energy = None
    return MeterStatus(
        connected=_flag(data.get("ct_state")),
        phase_a_power=_power(data.get("a_power")),
        phase_b_power=_power(data.get("b_power")),
        phase_c_power=_power(data.get("c_power")),
        total_power=_power(data.get("total_power")),
        import_energy=import_energy,
        export_energy=export_energy,
    )


def battery_power_from_mode(mode: ModeStatus, family: Family) -> float | None:
    """Battery power (+ discharging) from ES.GetMode, for firmware without ES.GetStatus.

    Venus E 3.0 up to 139 never answers ES.GetStatus, but its ES.GetMode carries
    ``ongrid_power`` and ``offgrid_power``. This is the fallback of the protocol notes (§2.6),
    ``bat_power = pv_power - ongrid_power - offgrid_power`` (API sign, + charging), with
    ``pv_power = 0`` and negated to HA's sign: what leaves through the grid-tie port and the
    backup socket came out of the battery, what comes in through the grid-tie port went into
    it. That holds only for a model without PV inputs; GetMode says nothing about PV, so a PV
    model (or one we do not know) gets None.
    """
    if family not in NO_PV_FAMILIES or mode.ac_power is None:
        return None
    return mode.ac_power + (mode.offgrid_power or 0.0)


@_decoder(Method.ES_MODE)
def decode_mode(result: Mapping[str, Any], profile: FirmwareProfile) -> ModeStatus:
    """ES.GetMode, with its CT block (Rev 2.0+) as ``meter`` when the firmware sends one.

    The CT block is often all zeros in Auto mode while EM.GetStatus shows a live meter; it is
    decoded as sent, and callers should prefer EM.GetStatus for meter data.
    """
    data = _object(result, Method.ES_MODE)
    mode, raw_mode = _mode(data.get("mode"))
    has_ct_block = any(key in data for key in _CT_KEYS)
    return ModeStatus(
        mode=mode,
        raw_mode=raw_mode,
        ac_power=_power(data.get("ongrid_power")),
        offgrid_power=_power(data.get("offgrid_power")),
        soc=_percent(data.get("bat_soc")),
        meter=_meter(data, profile) if has_ct_block else None,
    )


@_decoder(Method.METER_STATUS)
def decode_meter(result: Mapping[str, Any], profile: FirmwareProfile) -> MeterStatus:
    """EM.GetStatus: the CT meter. Energies arrive in 0.1 Wh."""
    return _meter(_object(result, Method.METER_STATUS), profile)


# --- write replies --------------------------------------------------------------------------


@_decoder("write reply")
def decode_set_result(result: Mapping[str, Any]) -> bool:
    """Whether a write (ES.SetMode, DOD.SET, Led.Ctrl, Ble.Adv) was accepted.

    A busy device answers ``set_result: false`` without an error object; anything but an
    explicit true counts as not accepted.
    """
    return _flag(_object(result, Method.SET_MODE).get("set_result")) is True
