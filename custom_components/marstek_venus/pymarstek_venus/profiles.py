"""Firmware profiles: what a (model family, firmware) pair supports and how it encodes values.

Marstek ships several hardware lines, each with its own firmware numbering and its own wire
encodings, and the encodings changed between releases without the API saying so. Everything we
know about those differences lives here, as data: the decoder only multiplies by the factors a
profile carries and applies the sanity rules it names. Facts come from the protocol notes
(marstek-open-api.md §2 support matrix, §3.1 identity, §3.2 scaling).

Version numbering: ``ver`` from Marstek.GetDevice is normally a 3-digit release (139, 150).
Some builds report 4 digits, which are a release plus a patch digit (1476 = 147.6, 1487 = 148.7,
1509 = 150.9). Capability gates compare the release, ``ver // 10`` for 1000..1999. The raw
``ver`` is kept too, because one scaling fix (Venus A 1487) landed inside a release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from .const import Method
from .models import Family

# Families built on the HMG-50 image (Venus E 2.0 "VenusE" and Venus C). Their numbering
# (153..156) and their encodings are their own; 153 vs 154 is the community's "multiplier" split.
HMG50_FAMILIES: Final = frozenset({Family.VENUS_E2, Family.VENUS_C})
# Families with PV inputs (and PV.GetStatus).
PV_FAMILIES: Final = frozenset({Family.VENUS_A, Family.VENUS_D})
# Families we know have no PV input at all: their ES.GetStatus PV fields are always 0.
NO_PV_FAMILIES: Final = frozenset(
    {Family.VENUS_E3, Family.VENUS_E2, Family.VENUS_C, Family.VENUS_MINI}
)

# First release offered UPS on Venus E 3.0, A and D (marstek-open-api.md §2 support matrix and
# §2.8 "UPS"). The firmware accepts ups_cfg from 147, and the issue-9 acceptance run's Venus A
# 149 took it. On 148 a later switch to Manual can leave ES.GetMode reporting UPS, so leaving
# UPS could not be confirmed there; 147, the release before, is unaudited. That 147..149 are
# reset-prone is no reason to hold UPS back: it is one more mode of the ES.SetMode we send
# there anyway, unlike the SYS writes (DOD.SET, Led.Ctrl, Ble.Adv), which stay gated at 150.
UPS_FROM_RELEASE: Final = 149

# The passive/manual power the firmware accepts (ES.SetMode clamps to ±2500 W). What a unit
# really delivers is its model's AC limit (the table in ``_AC_LIMITS`` below); the integration
# lets users lower it further in its options.
FIRMWARE_POWER_LIMIT: Final = 2500

# GetDevice `device` strings (and `src` prefixes) as seen in the field, compared after dropping
# case and every non-alphanumeric character ("VenusE 3.0" -> "venuse30", "VNSE3-0" -> "vnse30").
_FAMILY_BY_MODEL: Final[dict[str, Family]] = {
    "venuse30": Family.VENUS_E3,
    "vnse30": Family.VENUS_E3,
    "venuse3": Family.VENUS_E3,
    "venuse": Family.VENUS_E2,  # HMG-50 reports plain "VenusE" for the Venus E 2.0
    "venuse20": Family.VENUS_E2,
    "hmg50": Family.VENUS_E2,
    "venusc": Family.VENUS_C,
    "venusa": Family.VENUS_A,
    "vnsa0": Family.VENUS_A,
    "venusepro": Family.VENUS_A,  # the VNSA-0 1508 image calls itself "VenusE Pro"
    "venusd": Family.VENUS_D,
    "vnsd0": Family.VENUS_D,
    "venusemini": Family.VENUS_MINI,
    "venusmini": Family.VENUS_MINI,
    "vnsem0": Family.VENUS_MINI,
}
_NOT_ALNUM: Final = re.compile(r"[^0-9a-z]")

# AC limits per model, (charge W, discharge W): what the inverter really moves when passive or
# manual power asks for more. Where sources disagree we take the lower value, so that a
# command Home Assistant accepts is one the battery can follow; users of a unit that does
# more still get a clear "delivers X W" error instead of a silent shortfall.
_AC_LIMITS: Final[dict[Family, tuple[int, int]]] = {
    # 2500 W both ways: the firmware's own ES.SetMode clamp (marstek-open-api.md §2.8), evcc's
    # Venus E template (2500 W charge), and users who switch the app's output setting from
    # 800 W to 2500 W (taurgis/has-marstek-local-api#9). The app's 800 W "socket" setting
    # cannot be read over the Open API: such users lower the power-limit option.
    Family.VENUS_E3: (2500, 2500),
    # HMG-50 image: the control loop clamps at ±2500 W (meter-emulation.md §3); evcc's Venus E
    # Gen 2.0 template: 2500 W charge; the app offers 800 or 2500 W output
    # (jaapp/ha-marstek-ble#16).
    Family.VENUS_E2: (2500, 2500),
    # Same HMG-50 image, 2.56 kWh. UNCERTAIN discharge: evcc's Venus C template says 2500 W
    # charge and 800 W discharge; taurgis allows 2500 W with an 800 W socket limit on by
    # default. No report shows a Venus C delivering more than 800 W, so 800 W it is.
    Family.VENUS_C: (2500, 800),
    # 1200 W: the issue-9 acceptance run (fw 149 asked for 2000 W, delivered 1200 W), evcc's
    # Venus A template (1200 W) and the Open API PDF's Set.Ver class "1200 VA". UNCERTAIN: from
    # fw 148 the app can raise it to 1500 W (ViperRNMC/marstek_venus_modbus#205,
    # taurgis/has-marstek-local-api#27); not taken, the unit above did not.
    Family.VENUS_A: (1200, 1200),
    # VNSD-0 firmware clamps its setpoint at +2200 / -800 W by default (meter-emulation.md §3,
    # from AstraMeter's firmware-derived protocol notes); Set.Ver class "2200 VD"; evcc: 2200 W.
    # UNCERTAIN: evcc also lists 2200 W for forced charging and users report 2500 W both ways
    # from fw 149 (ffunes/Marstek-Venus-Energy-Manager#329); we keep the firmware defaults.
    Family.VENUS_D: (800, 2200),
    # Venus E mini / Venus Mini: charges at 1500 W by default (rweijnen/marstek-venus-monitor
    # #41). UNCERTAIN discharge: no source; 800 W, the smallest Set.Ver class and the plug-in
    # limit. (fw 300 ignores the power of manual slots anyway, jaapp/ha-marstek-local-api#140.)
    Family.VENUS_MINI: (1500, 800),
}
# A model we do not know: the smallest class any Venus is sold with.
_UNKNOWN_AC_LIMITS: Final = (800, 800)


@dataclass(frozen=True, slots=True)
class PowerLimits:
    """The AC power a battery may be asked for: ``-charge`` ... ``+discharge`` W (API sign)."""

    charge: int  # W the battery may absorb from AC at most (a positive number)
    discharge: int  # W it may deliver to AC at most

    def allows(self, power: int) -> bool:
        """True when ``power`` (W, + discharge, - charge) is within the limits."""
        return -self.charge <= power <= self.discharge

    def capped(self, limit: int | None) -> PowerLimits:
        """Both limits lowered to ``limit`` W where that is lower (None or 0: unchanged)."""
        if not limit:
            return self
        return PowerLimits(min(self.charge, limit), min(self.discharge, limit))


@dataclass(frozen=True, slots=True)
class FirmwareProfile:
    """Capabilities and encodings of one firmware line.

    The scale fields are the factor that turns a raw wire value into the normalised unit
    (W, Wh, °C, V, A); ``decode.py`` applies them and its sanity checks on top.
    """

    family: Family
    firmware: int  # raw `ver` as reported
    version: int  # normalised: 4-digit builds 1000..1999 map to ver // 10 (1476 -> 147)
    has_es_status: bool = True  # ES.GetStatus (missing on Venus E 3.0 <= 139)
    has_battery_status: bool = True  # Bat.GetStatus (missing on Venus E 3.0 fw 122)
    has_pv: bool = False  # PV.GetStatus: Venus A and D only
    has_meter: bool = True  # EM.GetStatus (HMG-50 only from 155)
    supports_ups: bool = True
    supports_settings: bool = False  # DOD.SET, Led.Ctrl, Ble.Adv
    manual_slots: int = 10  # 6 on the Venus E mini
    reset_prone: bool = False  # firmware that can switch its Open API off under load
    # AC limits of the model's inverter (W, both positive). Passive and manual power go from
    # -max_charge_power (charging) to +max_discharge_power (discharging); asked for more, the
    # firmware accepts the command and delivers only its limit.
    max_charge_power: int = FIRMWARE_POWER_LIMIT
    max_discharge_power: int = FIRMWARE_POWER_LIMIT
    # --- encodings (raw value x scale = normalised value) ---
    bat_temp_scale: float = 1.0  # Bat.GetStatus bat_temp -> °C
    bat_temp_tens: bool = False  # small bat_temp values are tens of °C (HMG-50 >= 154)
    bat_capacity_scale: float = 1.0  # Bat.GetStatus bat_capacity -> Wh (cross-checked vs SOC)
    bat_electrical_scale: float = 0.01  # bat_voltage / bat_current: centivolts / centiamps
    bat_power_scale: float = 1.0  # ES.GetStatus bat_power -> W
    grid_energy_scale: float = 1.0  # ES.GetStatus total_grid_*/total_load_energy -> Wh
    pv_energy_scale: float = 1.0  # ES.GetStatus total_pv_energy -> Wh
    es_pv_valid: bool = True  # ES.GetStatus pv_power/total_pv_energy carry real values
    pv1_power_scale: float = 1.0  # PV.GetStatus pv1_power -> W (channels 2-4 are always W)
    meter_energy_scale: float = 0.1  # EM/GetMode input_energy/output_energy -> Wh
    # EM.GetStatus / ES.GetMode input_energy and output_energy carry real values. False where
    # the firmware sends them as a constant 0 while the CT measures flow: the grid totals are
    # then integrated from the CT's power instead.
    meter_energy_valid: bool = True

    def answers(self, method: Method) -> bool:
        """Whether this firmware answers ``method`` (reads and writes alike)."""
        if method is Method.ES_STATUS:
            return self.has_es_status
        if method is Method.BATTERY_STATUS:
            return self.has_battery_status
        if method is Method.PV_STATUS:
            return self.has_pv
        if method is Method.METER_STATUS:
            return self.has_meter
        if method in (Method.SET_DOD, Method.LED_CTRL, Method.BLE_ADV):
            return self.supports_settings
        return True

    @property
    def power_limits(self) -> PowerLimits:
        """The model's AC charge and discharge limits."""
        return PowerLimits(self.max_charge_power, self.max_discharge_power)


def normalise_version(firmware: int) -> int:
    """Map 4-digit builds (1000..1999, release x 10 + patch) to their release number."""
    if 1000 <= firmware <= 1999:
        return firmware // 10
    return firmware


def family_from_model(device_string: str | None) -> Family:
    """Return the hardware line for a GetDevice ``device`` string or a ``src`` prefix."""
    if not device_string:
        return Family.UNKNOWN
    key = _NOT_ALNUM.sub("", device_string.lower())
    return _FAMILY_BY_MODEL.get(key, Family.UNKNOWN)


def profile_for(model: str, firmware: int) -> FirmwareProfile:
    """Return the profile for a GetDevice ``device`` string and ``ver``."""
    profile = _line_profile(model, firmware)
    charge, discharge = _AC_LIMITS.get(profile.family, _UNKNOWN_AC_LIMITS)
    return replace(profile, max_charge_power=charge, max_discharge_power=discharge)


def _line_profile(model: str, firmware: int) -> FirmwareProfile:
    """The capabilities and encodings of the firmware line (limits are per model, above)."""
    family = family_from_model(model)
    version = normalise_version(firmware)
    if family is Family.VENUS_E3:
        return _venus_e3(firmware, version)
    if family in HMG50_FAMILIES:
        return _hmg50(family, firmware, version)
    if family in PV_FAMILIES:
        return _venus_a_d(family, firmware, version)
    if family is Family.VENUS_MINI:
        return _venus_mini(firmware, version)
    return _unknown(firmware, version)


def _venus_e3(firmware: int, version: int) -> FirmwareProfile:
    """Venus E 3.0 (VNSE3-0), releases 122..150."""
    # Up to 139 the BMS values come in other units: bat_temp in 0.1 °C (321.0 = 32.1 °C) and
    # bat_capacity in 10 Wh (436.0 at 85 % of 5120 Wh). 144 and later send °C and Wh. Nothing
    # between 139 and 144 has been seen; those get the plain units and the sanity checks.
    legacy_bms_units = version <= 139
    return FirmwareProfile(
        family=Family.VENUS_E3,
        firmware=firmware,
        version=version,
        has_es_status=version > 139,  # 137/139 never answer ES.GetStatus
        has_battery_status=version > 122,  # 122 answers GetDevice and ES.GetMode, not Bat
        has_pv=False,  # PV.GetStatus answers -32601
        has_meter=True,
        # The SYS writes exist from 147 (147.6) on, but below 150 the firmware is the
        # reset-prone one, so we only offer them where the Open API is known to be stable.
        supports_ups=version >= UPS_FROM_RELEASE,
        supports_settings=version >= 150,
        reset_prone=version < 150,  # fixed in 150 ("Local API send anomaly")
        bat_temp_scale=0.1 if legacy_bms_units else 1.0,
        bat_capacity_scale=10.0 if legacy_bms_units else 1.0,
        es_pv_valid=False,  # no PV input: ES pv_power/total_pv_energy are always 0
        # EM input/output_energy read 0 on 144 while the CT is live; 139 sends no energy keys
        # at all. 148 reports live counters (in GetMode, AI mode). 145..147 are unknown: the
        # energy sensors' stall check covers them.
        meter_energy_valid=version > 144,
    )


def _hmg50(family: Family, firmware: int, version: int) -> FirmwareProfile:
    """Venus E 2.0 ("VenusE") and Venus C on the HMG-50 image, releases 153..156."""
    # 154 changed the wire encodings: bat_power from 0.1 W to W, grid energies from 10 Wh to
    # 100 Wh units, bat_capacity to plain Wh (capture: 563.0 at 11 % of 5120 Wh). Below 154 the
    # capacity unit is disputed (10 Wh like Venus E 3.0 <= 139, or 0.01 Wh); the SOC
    # cross-check in the decoder settles it per reply.
    modern = version >= 154
    return FirmwareProfile(
        family=family,
        firmware=firmware,
        version=version,
        has_es_status=True,
        has_battery_status=True,
        has_pv=False,  # PV.GetStatus is only a stub in the recv list
        has_meter=version >= 155,  # 153 is only a meter client; the EM server arrives in 155
        supports_ups=False,
        supports_settings=False,
        reset_prone=version < 156,  # the HMG-50 stability fix is 156
        # bat_temp is inconsistent even within one firmware (BMS dependent): °C on most units,
        # 0.1 °C on some (caught by the > 100 rule), and on >= 154 some BMS send tens of °C
        # (2.0 on an indoor unit = 20 °C).
        bat_temp_tens=modern,
        bat_capacity_scale=1.0 if modern else 10.0,
        bat_power_scale=1.0 if modern else 0.1,
        grid_energy_scale=100.0 if modern else 10.0,
        es_pv_valid=False,  # no PV input
    )


def _venus_a_d(family: Family, firmware: int, version: int) -> FirmwareProfile:
    """Venus A (VNSA-0) and Venus D (VNSD-0), the models with PV inputs."""
    # 147/148 hard-code ES pv_power and total_pv_energy to 0. 149 (and the 148.7 build 1487)
    # report real values, total_pv_energy in 0.01 kWh (the firmware's label is
    # PV_Year_Cap_10Wh).
    real_pv_totals = version >= 149 or firmware == 1487
    return FirmwareProfile(
        family=family,
        firmware=firmware,
        version=version,
        has_es_status=True,
        has_battery_status=True,
        has_pv=True,
        has_meter=True,
        # 148/149 already accept the SYS writes, but they are reset-prone; gate at 150.
        supports_ups=version >= UPS_FROM_RELEASE,
        supports_settings=version >= 150,
        reset_prone=version < 150,
        pv_energy_scale=10.0 if real_pv_totals else 1.0,
        es_pv_valid=real_pv_totals,
        # EM.GetStatus and ES.GetMode input/output_energy are present but always 0 before 150
        # (captured on 147; on 149 the issue-9 acceptance run saw 0.0 kWh for 29.5 minutes of
        # metered flow); the 0.1 Wh counters count from 150 on.
        meter_energy_valid=version >= 150,
        # pv1_power is in 0.1 W while channels 2-4 are in W, on every release seen up to 150.9;
        # the decoder cross-checks each channel against V x I in case a build fixes it.
        pv1_power_scale=0.1,
    )


def _venus_mini(firmware: int, version: int) -> FirmwareProfile:
    """Venus E mini / Venus Mini (VNSEM-0), own numbering (300 seen)."""
    return FirmwareProfile(
        family=Family.VENUS_MINI,
        firmware=firmware,
        version=version,
        has_es_status=True,
        has_battery_status=True,
        has_pv=False,
        has_meter=True,
        supports_ups=version >= 150,
        supports_settings=True,  # the SYS writes have no 150 gate on the mini
        manual_slots=6,  # time_num 0..5
        reset_prone=False,
        es_pv_valid=False,
    )


def _unknown(firmware: int, version: int) -> FirmwareProfile:
    """Profile a model we do not know: read the common methods gently, write nothing optional."""
    return FirmwareProfile(
        family=Family.UNKNOWN,
        firmware=firmware,
        version=version,
        has_es_status=True,
        has_battery_status=True,
        has_pv=False,
        has_meter=True,
        supports_ups=False,
        supports_settings=False,
        reset_prone=True,  # pace it like the fragile firmware until we know better
    )
