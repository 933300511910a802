"""Decoders of the energy readings: Bat.GetStatus, PV.GetStatus, ES.GetStatus, ES.GetMode and
EM.GetStatus, with the firmware profile's units and the sign conventions of the package doc."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .const import Method, Mode
from .fields import (
    MAX_MAGNITUDE,
    decoder,
    json_object,
    read_energy,
    read_flag,
    read_int,
    read_number,
    read_percent,
    read_power,
    read_pv_power,
    read_remaining_energy,
    read_temperature,
)
from .firmware import NO_PV_FAMILIES, FirmwareProfile
from .models import (
    BatteryStatus,
    EnergySystemStatus,
    Family,
    MeterStatus,
    ModeStatus,
    PvChannel,
    PvStatus,
)

# Longest unknown mode string we keep for diagnostics.
_MAX_RAW_MODE: Final = 64

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


# --- Bat.GetStatus --------------------------------------------------------------------------


@decoder(Method.BATTERY_STATUS)
def decode_battery(result: Mapping[str, Any], profile: FirmwareProfile) -> BatteryStatus:
    """Bat.GetStatus."""
    data = json_object(result, Method.BATTERY_STATUS)
    soc = read_percent(data.get("soc"))
    rated = read_energy(data.get("rated_capacity"))
    if rated == 0:
        rated = None  # a battery of 0 Wh is a missing value
    electrical = profile.bat_electrical_scale
    return BatteryStatus(
        soc=soc,
        # Both flags are copies of one BMS permit byte (see the protocol notes §2.4).
        charge_allowed=read_flag(data.get("charg_flag")),
        discharge_allowed=read_flag(data.get("dischrg_flag")),
        temperature=read_temperature(data.get("bat_temp"), profile),
        remaining_energy=read_remaining_energy(data.get("bat_capacity"), soc, rated, profile),
        rated_energy=rated,
        voltage=read_energy(data.get("bat_voltage"), electrical),  # centivolts: 4917 -> 49.17 V
        current=read_power(data.get("bat_current"), electrical),  # centiamps, sign as reported
        error_code=read_int(data.get("error_code")),
    )


# --- PV.GetStatus ---------------------------------------------------------------------------


def _pv_channel(
    index: int,
    power: object,
    voltage: object,
    current: object,
    state: object,
    factor: float,
) -> PvChannel | None:
    raw = read_number(power)
    if raw is None:
        return None  # a channel without a power reading is not a reading
    volts = read_number(voltage)
    amps = read_number(current)
    return PvChannel(
        index=index,
        power=read_pv_power(raw, volts, amps, factor),
        voltage=volts,
        current=amps,
        working=read_flag(state),
    )


@decoder(Method.PV_STATUS)
def decode_pv(result: Mapping[str, Any], profile: FirmwareProfile) -> PvStatus:
    """PV.GetStatus, in the multi-channel form real devices send or the documented single one.

    Real replies carry ``pv1_*`` .. ``pv4_*``; ``pv1_power`` is in 0.1 W (profile), the other
    channels in W. The PDF's single-channel form (``pv_power`` in W, ``pv_voltage``,
    ``pv_current``, ``PV_state``) is decoded as channel 1 when no numbered channel is present.
    """
    data = json_object(result, Method.PV_STATUS)
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


@decoder(Method.ES_STATUS)
def decode_es_status(
    result: Mapping[str, Any], profile: FirmwareProfile, pv: PvStatus | None = None
) -> EnergySystemStatus:
    """ES.GetStatus. ``pv`` (the latest PV.GetStatus) fills in PV power where ES lacks it."""
    data = json_object(result, Method.ES_STATUS)
    ac_power = read_power(data.get("ongrid_power"))
    offgrid_power = read_power(data.get("offgrid_power"))
    if profile.es_pv_valid:
        pv_power = read_power(data.get("pv_power"))
        pv_energy = read_energy(data.get("total_pv_energy"), profile.pv_energy_scale)
    else:
        # Models without PV inputs report 0; Venus A/D 147/148 hard-code 0. Neither is a reading.
        pv_power = pv_energy = None
    bat_power = read_power(data.get("bat_power"), profile.bat_power_scale)
    if bat_power is not None:
        battery_power: float | None = 0.0 - bat_power  # API: + charging; ours: + discharging
        computed = False
    else:
        battery_power = _balance_power(ac_power, offgrid_power, pv_power, pv, profile)
        computed = battery_power is not None
    grid = profile.grid_energy_scale
    return EnergySystemStatus(
        soc=read_percent(data.get("bat_soc")),
        capacity=read_energy(data.get("bat_cap")),
        battery_power=battery_power,
        battery_power_computed=computed,
        ac_power=ac_power,
        offgrid_power=offgrid_power,
        pv_power=pv_power,
        pv_energy=pv_energy,
        ac_output_energy=read_energy(data.get("total_grid_output_energy"), grid),
        ac_input_energy=read_energy(data.get("total_grid_input_energy"), grid),
        load_energy=read_energy(data.get("total_load_energy"), grid),
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
        return None, str(value) if abs(value) <= MAX_MAGNITUDE else None
    return None, None


def _meter(data: Mapping[str, Any], profile: FirmwareProfile) -> MeterStatus:
    energy = profile.meter_energy_scale  # 0.1 Wh units
    if profile.meter_energy_valid:
        import_energy = read_energy(data.get("input_energy"), energy)
        export_energy = read_energy(data.get("output_energy"), energy)
    else:
        # Venus A/D before 150 and Venus E 3.0 up to 144 send the counters as a constant 0
        # while the CT measures flow: not a reading.
        import_energy = export_energy = None
    return MeterStatus(
        connected=read_flag(data.get("ct_state")),
        phase_a_power=read_power(data.get("a_power")),
        phase_b_power=read_power(data.get("b_power")),
        phase_c_power=read_power(data.get("c_power")),
        total_power=read_power(data.get("total_power")),
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


@decoder(Method.ES_MODE)
def decode_mode(result: Mapping[str, Any], profile: FirmwareProfile) -> ModeStatus:
    """ES.GetMode, with its CT block (Rev 2.0+) as ``meter`` when the firmware sends one.

    The CT block is often all zeros in Auto mode while EM.GetStatus shows a live meter; it is
    decoded as sent, and callers should prefer EM.GetStatus for meter data.
    """
    data = json_object(result, Method.ES_MODE)
    mode, raw_mode = _mode(data.get("mode"))
    has_ct_block = any(key in data for key in _CT_KEYS)
    return ModeStatus(
        mode=mode,
        raw_mode=raw_mode,
        ac_power=read_power(data.get("ongrid_power")),
        offgrid_power=read_power(data.get("offgrid_power")),
        soc=read_percent(data.get("bat_soc")),
        meter=_meter(data, profile) if has_ct_block else None,
    )


@decoder(Method.METER_STATUS)
def decode_meter(result: Mapping[str, Any], profile: FirmwareProfile) -> MeterStatus:
    """EM.GetStatus: the CT meter. Energies arrive in 0.1 Wh."""
    return _meter(json_object(result, Method.METER_STATUS), profile)
