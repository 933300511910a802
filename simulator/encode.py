"""Build `result` objects exactly as each firmware puts them on the wire.

Input is the physics model (plain W/Wh/°C, one sign convention) and the firmware profile; output
is a dict in the firmware's member order, with its scales, its missing fields and its hard-coded
zeros (see marstek-open-api.md §2 and §3.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .cjson import JsonValue
from .physics import Physics
from .profiles import DeviceProfile, GetModeShape, PvEnergy
from .state import Mode

type Result = dict[str, JsonValue]


def _floor(value: float) -> int:
    """Whole counter units, forgiving float dust (999.9999996 Wh is 1000 Wh)."""
    return math.floor(value + 1e-6)


@dataclass(slots=True)
class Identity:
    """Who the battery is on the network."""

    ble_mac: str
    wifi_mac: str
    wifi_name: str
    ip: str
    rssi: int


def get_device(profile: DeviceProfile, identity: Identity) -> Result:
    result: Result = {"device": profile.device, "ver": profile.firmware}
    if profile.getdevice_macs:
        result["ble_mac"] = identity.ble_mac
        result["wifi_mac"] = identity.wifi_mac
    result["wifi_name"] = identity.wifi_name
    result["ip"] = identity.ip
    return result


def wifi_status(instance: int, identity: Identity, minute: int) -> Result:
    gateway = ".".join([*identity.ip.split(".")[:3], "1"])
    return {
        "id": instance,
        "wifi_mac": identity.wifi_mac,
        "ssid": identity.wifi_name,
        "rssi": identity.rssi + (minute % 5) - 2,
        "sta_ip": identity.ip,
        "sta_gate": gateway,
        "sta_mask": "255.255.255.0",
        "sta_dns": gateway,
    }


def ble_status(instance: int, identity: Identity) -> Result:
    return {"id": instance, "state": "disconnect", "ble_mac": identity.ble_mac}


def battery_status(instance: int, profile: DeviceProfile, physics: Physics) -> Result:
    remaining = physics.remaining
    temperature = physics.temperature()
    if profile.bat_temp_factor >= 1.0:
        # The firmware keeps whole degrees (or tenths on the x10 builds) and prints `NN.0`.
        raw_temp = float(round(temperature * profile.bat_temp_factor))
    else:
        raw_temp = round(temperature * profile.bat_temp_factor, 1)
    result: Result = {
        "id": instance,
        "soc": physics.soc,
        # Both flags come from one BMS permit byte, so they are always equal here.
        "charg_flag": True,
        "dischrg_flag": True,
        "bat_temp": raw_temp,
        "bat_capacity": float(round(remaining * profile.bat_capacity_factor)),
        "rated_capacity": float(profile.rated_capacity),
    }
    if profile.bat_extras:
        voltage = 48.0 + 0.06 * physics.soc  # a 16s LFP pack
        current = physics.flows.battery_in / voltage  # + = charging
        result["bat_voltage"] = round(voltage * 100)  # centivolts
        result["bat_current"] = round(current * 100)  # centiamps
        result["error_code"] = 0
    return result


def pv_status(instance: int, physics: Physics) -> Result:
    result: Result = {"id": instance}
    for index, power in enumerate(physics.flows.pv_channels, start=1):
        voltage = 0 if power < 1.0 else 38 + round(10 * min(power / 450.0, 1.0))
        current = int(power / voltage) if voltage else 0  # whole amps, truncated
        # Channel 1 reports tenths of a watt while channels 2-4 report watts.
        result[f"pv{index}_power"] = round(power * 10) if index == 1 else round(power)
        result[f"pv{index}_voltage"] = voltage
        result[f"pv{index}_current"] = current
        result[f"pv{index}_state"] = 1 if power >= 1.0 else 0
    return result


def es_status(instance: int, profile: DeviceProfile, physics: Physics) -> Result:
    flows = physics.flows
    counters = physics.counters
    if profile.pv_energy is PvEnergy.CENTI_KWH:
        pv_energy = _floor(counters.pv / 10.0)
    elif profile.pv_energy is PvEnergy.WH:
        pv_energy = _floor(counters.pv)
    else:
        pv_energy = 0
    divisor = profile.grid_energy_divisor
    result: Result = {
        "id": instance,
        "bat_soc": physics.soc,
        "bat_cap": round(profile.rated_capacity),
        "pv_power": 0 if profile.es_pv_power_zero else round(flows.pv_power),
        "ongrid_power": round(flows.ac_power),
        "offgrid_power": round(flows.offgrid_power),
    }
    if profile.es_bat_power_factor is not None:
        # The protocol's own sign: + = charging.
        result["bat_power"] = round(flows.battery_in * profile.es_bat_power_factor)
    result["total_pv_energy"] = pv_energy
    result["total_grid_output_energy"] = _floor(counters.grid_output / divisor)
    result["total_grid_input_energy"] = _floor(counters.grid_input / divisor)
    result["total_load_energy"] = 0  # always 0 in every firmware audited
    return result


def _ct_block(profile: DeviceProfile, physics: Physics, live: bool) -> Result:
    flows = physics.flows
    connected = live and physics.ct_connected
    total = round(flows.grid_power) if connected else 0
    # Spread the total over three phases; phase A carries the rounding remainder.
    b_power = round(total * 0.3)
    c_power = round(total * 0.2)
    return {
        "ct_state": 1 if connected else 0,
        "a_power": total - b_power - c_power,
        "b_power": b_power,
        "c_power": c_power,
        "total_power": total,
    }


def _meter_energy(profile: DeviceProfile, physics: Physics, live: bool) -> Result:
    counters = physics.counters
    if not (live and profile.em_energy):
        return {"input_energy": 0, "output_energy": 0}
    return {  # 0.1 Wh units
        "input_energy": _floor(counters.meter_import * 10.0),
        "output_energy": _floor(counters.meter_export * 10.0),
    }


def es_mode(instance: int, profile: DeviceProfile, physics: Physics) -> Result:
    flows = physics.flows
    mode = physics.settings.mode
    result: Result = {
        "id": instance,
        "mode": mode.value,
        "ongrid_power": round(flows.ac_power),
        "offgrid_power": round(flows.offgrid_power),
        "bat_soc": physics.soc,
    }
    if profile.getmode_shape is GetModeShape.CORE:
        return result
    # The CT block is "effective in Auto and AI"; several builds leave it zeroed in Auto.
    live = mode is Mode.AI or (mode is Mode.AUTO and not profile.getmode_ct_zero_in_auto)
    result.update(_ct_block(profile, physics, live))
    if profile.getmode_shape is GetModeShape.CT_ENERGY:
        result.update(_meter_energy(profile, physics, live))
    return result


def em_status(instance: int, profile: DeviceProfile, physics: Physics) -> Result:
    result: Result = {"id": instance}
    result.update(_ct_block(profile, physics, True))
    result.update(_meter_energy(profile, physics, True))
    if profile.em_parse_state:
        result["parse_state"] = 1 if physics.ct_connected else 0
    return result


def set_result(instance: int, ok: bool) -> Result:
    return {"id": instance, "set_result": ok}
