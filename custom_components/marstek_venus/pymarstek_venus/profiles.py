"""Firmware profiles: what a (model family, firmware) pair supports and how it encodes values.

Marstek ships several hardware lines, each with its own firmware numbering and its own wire
encodings, and the encodings changed between releases without the API saying so. Everything we
know about those differences lives here, as data: the decoder only multiplies by the factors a
profile carries and applies the sanity rules it names. Facts come from the protocol notes
(marstek-open-api.md §2 support matrix, §3.1 identity, §3.2 scaling).

Two tables: ``FAMILY_BASES``, one row per family describing its newest firmware, and
``VERSION_OVERRIDES``, each row naming the older releases (or single builds) it applies to and
what they lack or encode differently. ``profile_for`` starts from the base row and applies the
matching overrides in table order. The row types live in ``firmware.py``.

Version numbering: ``ver`` from Marstek.GetDevice is normally a 3-digit release (139, 150).
Some builds report 4 digits, which are a release plus a patch digit (1476 = 147.6, 1487 = 148.7,
1509 = 150.9). Capability gates compare the release, ``ver // 10`` for 1000..1999. The raw
``ver`` is kept too, because one scaling fix (Venus A 1487) landed inside a release.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from .const import Method
from .firmware import (
    ALL_METHODS,
    COMMON_METHODS,
    FIRMWARE_POWER_LIMIT,
    HMG50_FAMILIES,
    NO_PV_FAMILIES,
    PV_FAMILIES,
    SETTINGS_WRITES,
    UPS_FROM_RELEASE,
    FirmwareProfile,
    PowerLimits,
    Releases,
)
from .models import Family

__all__ = [
    "ALL_METHODS",
    "COMMON_METHODS",
    "FAMILY_BASES",
    "FIRMWARE_POWER_LIMIT",
    "HMG50_FAMILIES",
    "NO_PV_FAMILIES",
    "PV_FAMILIES",
    "SETTINGS_WRITES",
    "UPS_FROM_RELEASE",
    "VERSION_OVERRIDES",
    "FirmwareProfile",
    "PowerLimits",
    "Releases",
    "family_from_model",
    "normalise_version",
    "profile_for",
]

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


_E3: Final = frozenset({Family.VENUS_E3})
_MINI: Final = frozenset({Family.VENUS_MINI})

# --- base rows: each family's newest firmware -----------------------------------------------
# The AC limits are per model, (charge W, discharge W): what the inverter really moves when
# passive or manual power asks for more. Where sources disagree we take the lower value, so
# that a command Home Assistant accepts is one the battery can follow; users of a unit that does
# more still get a clear "delivers X W" error instead of a silent shortfall.

# Venus E 3.0 (VNSE3-0), releases 122..150. No PV input: ES pv_power/total_pv_energy are
# always 0 and PV.GetStatus answers -32601. 2500 W both ways: the firmware's own ES.SetMode
# clamp (marstek-open-api.md §2.8), evcc's Venus E template (2500 W charge), and users who
# switch the app's output setting from 800 W to 2500 W (taurgis/has-marstek-local-api#9). The
# app's 800 W "socket" setting cannot be read over the Open API: such users lower the
# power-limit option.
_VENUS_E3: Final = FirmwareProfile(
    Family.VENUS_E3,
    methods=COMMON_METHODS | SETTINGS_WRITES,
    es_pv_valid=False,
    max_charge_power=2500,
    max_discharge_power=2500,
)
# Venus E 2.0 ("VenusE") on the HMG-50 image, releases 153..156: no UPS, no SYS writes, and
# PV.GetStatus is only a stub in the recv list. bat_temp is inconsistent even within one
# firmware (BMS dependent): °C on most units, 0.1 °C on some (caught by the decoder's > 100
# rule), and from 154 some BMS send tens of °C (2.0 on an indoor unit = 20 °C). From 154:
# bat_power in W, grid energies in 100 Wh units, bat_capacity in Wh (capture: 563.0 at 11 % of
# 5120 Wh). Limits: the control loop clamps at ±2500 W (meter-emulation.md §3); evcc's Venus E
# Gen 2.0 template: 2500 W charge; the app offers 800 or 2500 W output (jaapp/ha-marstek-ble#16).
_VENUS_E2: Final = FirmwareProfile(
    Family.VENUS_E2,
    methods=COMMON_METHODS,
    supports_ups=False,
    bat_temp_tens=True,
    grid_energy_scale=100.0,
    es_pv_valid=False,
    max_charge_power=2500,
    max_discharge_power=2500,
)
# Venus A (VNSA-0), the model with PV inputs. From 149 ES reports real PV values,
# total_pv_energy in 0.01 kWh (the firmware's label is PV_Year_Cap_10Wh). pv1_power is in 0.1 W
# while channels 2-4 are in W, on every release seen up to 150.9; the decoder cross-checks each
# channel against V x I in case a build fixes it. 1200 W: the issue-9 acceptance run (fw 149
# asked for 2000 W, delivered 1200 W), evcc's Venus A template (1200 W) and the Open API PDF's
# Set.Ver class "1200 VA". UNCERTAIN: from fw 148 the app can raise it to 1500 W
# (ViperRNMC/marstek_venus_modbus#205, taurgis/has-marstek-local-api#27); not taken, the unit
# above did not.
_VENUS_A: Final = FirmwareProfile(
    Family.VENUS_A,
    methods=COMMON_METHODS | SETTINGS_WRITES | {Method.PV_STATUS},
    pv_energy_scale=10.0,
    pv1_power_scale=0.1,
    max_charge_power=1200,
    max_discharge_power=1200,
)

FAMILY_BASES: Final[dict[Family, FirmwareProfile]] = {
    Family.VENUS_E3: _VENUS_E3,
    Family.VENUS_E2: _VENUS_E2,
    # Same HMG-50 image, 2.56 kWh. UNCERTAIN discharge: evcc's Venus C template says 2500 W
    # charge and 800 W discharge; taurgis allows 2500 W with an 800 W socket limit on by
    # default. No report shows a Venus C delivering more than 800 W, so 800 W it is.
    Family.VENUS_C: replace(_VENUS_E2, family=Family.VENUS_C, max_discharge_power=800),
    Family.VENUS_A: _VENUS_A,
    # Venus D (VNSD-0): the Venus A firmware line. It clamps its setpoint at +2200 / -800 W by
    # default (meter-emulation.md §3, from AstraMeter's firmware-derived protocol notes);
    # Set.Ver class "2200 VD"; evcc: 2200 W. UNCERTAIN: evcc also lists 2200 W for forced
    # charging and users report 2500 W both ways from fw 149
    # (ffunes/Marstek-Venus-Energy-Manager#329); we keep the firmware defaults.
    Family.VENUS_D: replace(
        _VENUS_A, family=Family.VENUS_D, max_charge_power=800, max_discharge_power=2200
    ),
    # Venus E mini / Venus Mini (VNSEM-0), own numbering (300 seen). The SYS writes have no 150
    # gate; 6 manual slots (time_num 0..5). Charges at 1500 W by default
    # (rweijnen/marstek-venus-monitor#41). UNCERTAIN discharge: no source; 800 W, the smallest
    # Set.Ver class and the plug-in limit. (fw 300 ignores the power of manual slots anyway,
    # jaapp/ha-marstek-local-api#140.)
    Family.VENUS_MINI: FirmwareProfile(
        Family.VENUS_MINI,
        methods=COMMON_METHODS | SETTINGS_WRITES,
        manual_slots=6,
        es_pv_valid=False,
        max_charge_power=1500,
        max_discharge_power=800,
    ),
    # A model we do not know: read the common methods gently (paced like the fragile firmware
    # until we know better), write nothing optional, decode without scaling guesses, and allow
    # the smallest class any Venus is sold with.
    Family.UNKNOWN: FirmwareProfile(
        Family.UNKNOWN,
        supports_ups=False,
        reset_prone=True,
        max_charge_power=800,
        max_discharge_power=800,
    ),
}

# --- version overrides: how older releases differ -------------------------------------------
VERSION_OVERRIDES: Final[tuple[Releases, ...]] = (
    # Venus E 3.0. The SYS writes exist from 147 (147.6) on, but below 150 the firmware is the
    # reset-prone one ("Local API send anomaly", fixed in 150), so we only offer them where the
    # Open API is known to be stable.
    Releases(_E3, last=149, lacks=SETTINGS_WRITES, changes={"reset_prone": True}),
    Releases(_E3, last=UPS_FROM_RELEASE - 1, changes={"supports_ups": False}),
    # EM input/output_energy read 0 on 144 while the CT is live; 139 sends no energy keys at
    # all. 148 reports live counters (in GetMode, AI mode). 145..147 are unknown: the energy
    # sensors' stall check covers them.
    Releases(_E3, last=144, changes={"meter_energy_valid": False}),
    # 137/139 never answer ES.GetStatus. Up to 139 the BMS values come in other units: bat_temp
    # in 0.1 °C (321.0 = 32.1 °C) and bat_capacity in 10 Wh (436.0 at 85 % of 5120 Wh). 144 and
    # later send °C and Wh. Nothing between 139 and 144 has been seen; those get the plain units
    # and the sanity checks.
    Releases(
        _E3,
        last=139,
        lacks=frozenset({Method.ES_STATUS}),
        changes={"bat_temp_scale": 0.1, "bat_capacity_scale": 10.0},
    ),
    # 122 answers GetDevice and ES.GetMode, not Bat.GetStatus.
    Releases(_E3, last=122, lacks=frozenset({Method.BATTERY_STATUS})),
    # HMG-50 (Venus E 2.0 / Venus C): the stability fix is 156.
    Releases(HMG50_FAMILIES, last=155, changes={"reset_prone": True}),
    # 153 and 154 are only meter clients; the EM server arrives in 155.
    Releases(HMG50_FAMILIES, last=154, lacks=frozenset({Method.METER_STATUS})),
    # 154 changed the wire encodings: bat_power from 0.1 W to W, grid energies from 10 Wh to
    # 100 Wh units, bat_capacity to plain Wh. Below 154 the capacity unit is disputed (10 Wh like
    # Venus E 3.0 <= 139, or 0.01 Wh); the SOC cross-check in the decoder settles it per reply.
    Releases(
        HMG50_FAMILIES,
        last=153,
        changes={
            "bat_temp_tens": False,
            "bat_capacity_scale": 10.0,
            "bat_power_scale": 0.1,
            "grid_energy_scale": 10.0,
        },
    ),
    # Venus A / D. 148/149 already accept the SYS writes, but they are reset-prone; gate at 150.
    # EM.GetStatus and ES.GetMode input/output_energy are present but always 0 before 150
    # (captured on 147; on 149 the issue-9 acceptance run saw 0.0 kWh for 29.5 minutes of
    # metered flow); the 0.1 Wh counters count from 150 on.
    Releases(
        PV_FAMILIES,
        last=149,
        lacks=SETTINGS_WRITES,
        changes={"reset_prone": True, "meter_energy_valid": False},
    ),
    Releases(PV_FAMILIES, last=UPS_FROM_RELEASE - 1, changes={"supports_ups": False}),
    # 147/148 hard-code ES pv_power and total_pv_energy to 0 ...
    Releases(PV_FAMILIES, last=148, changes={"es_pv_valid": False, "pv_energy_scale": 1.0}),
    # ... except the 148.7 build, which already reports them like 149.
    Releases(
        PV_FAMILIES,
        builds=frozenset({1487}),
        changes={"es_pv_valid": True, "pv_energy_scale": 10.0},
    ),
    # Venus E mini: UPS from 150.
    Releases(_MINI, last=149, changes={"supports_ups": False}),
)


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
    family = family_from_model(model)
    version = normalise_version(firmware)
    profile = replace(FAMILY_BASES[family], firmware=firmware, version=version)
    for row in VERSION_OVERRIDES:
        if row.matches(family, firmware, version):
            profile = row.apply(profile)
    return profile
