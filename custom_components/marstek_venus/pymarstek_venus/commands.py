"""Validated parameter blocks for the write methods.

Every builder checks its input against the firmware profile first and raises
``MarstekValidationError`` before anything is sent: the device answers some bad values with an
error, but others it silently accepts and misbehaves on (an out-of-range slot on the mini, a
power beyond the inverter's class).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from .const import Method, Mode
from .errors import MarstekValidationError
from .models import ALL_DAYS, ManualPeriod, PassiveConfig
from .profiles import FirmwareProfile

DOD_MIN = 30
DOD_MAX = 88
# A passive command outlives nothing longer than a day; the countdown field is seconds.
PASSIVE_MAX_DURATION = 86_400
# In a manual slot, -1 W means "self-consumption during this window" (undocumented firmware
# behaviour reported by users); every other value is a charge (-) or discharge (+) setpoint.
SELF_CONSUMPTION_POWER = -1


def mode_params(mode: Mode, profile: FirmwareProfile) -> dict[str, Any]:
    """ES.SetMode params for the modes that take no settings (Auto, AI, UPS).

    The config block of the chosen mode is mandatory: without it the device answers
    ``set_result: false``.
    """
    if mode is Mode.AUTO:
        block = "auto_cfg"
    elif mode is Mode.AI:
        block = "ai_cfg"
    elif mode is Mode.UPS:
        if not profile.supports_ups:
            raise MarstekValidationError(f"firmware {profile.firmware} has no UPS mode")
        block = "ups_cfg"
    else:
        raise MarstekValidationError(f"{mode} needs its settings; use its own command")
    return {"id": 0, "config": {"mode": str(mode), block: {"enable": 1}}}


def passive_params(config: PassiveConfig, profile: FirmwareProfile) -> dict[str, Any]:
    """ES.SetMode params for Passive: power (+ discharge, - charge) for a countdown."""
    _check_power(config.power, profile)
    if not 1 <= config.duration <= PASSIVE_MAX_DURATION:
        raise MarstekValidationError(
            f"passive duration must be 1..{PASSIVE_MAX_DURATION} s, not {config.duration}"
        )
    return {
        "id": 0,
        "config": {
            "mode": str(Mode.PASSIVE),
            "passive_cfg": {"power": config.power, "cd_time": config.duration},
        },
    }


def manual_params(period: ManualPeriod, profile: FirmwareProfile) -> dict[str, Any]:
    """ES.SetMode params writing one manual slot (which also switches the device to Manual)."""
    if not 0 <= period.slot < profile.manual_slots:
        raise MarstekValidationError(
            f"slot must be 0..{profile.manual_slots - 1} on this model, not {period.slot}"
        )
    if period.power != SELF_CONSUMPTION_POWER:
        _check_power(period.power, profile)
    if not 0 <= int(period.weekdays) <= int(ALL_DAYS):
        raise MarstekValidationError(f"invalid weekday set {int(period.weekdays)}")
    if period.enabled and not period.weekdays:
        raise MarstekValidationError("an enabled period needs at least one weekday")
    return {
        "id": 0,
        "config": {
            "mode": str(Mode.MANUAL),
            "manual_cfg": {
                "time_num": period.slot,
                "start_time": format_time(period.start),
                "end_time": format_time(period.end),
                "week_set": int(period.weekdays),
                "power": period.power,
                "enable": 1 if period.enabled else 0,
            },
        },
    }


def dod_params(percent: int, profile: FirmwareProfile) -> dict[str, Any]:
    """DOD.SET params. Vendor examples put the value at the top level, without params.id."""
    _check_answers(Method.SET_DOD, profile)
    if not DOD_MIN <= percent <= DOD_MAX:
        raise MarstekValidationError(
            f"depth of discharge must be {DOD_MIN}..{DOD_MAX} %, not {percent}"
        )
    return {"value": percent}


def led_params(on: bool, profile: FirmwareProfile) -> dict[str, Any]:
    """Led.Ctrl params: state 1 = panel LED on."""
    _check_answers(Method.LED_CTRL, profile)
    return {"state": 1 if on else 0}


def ble_advertising_params(on: bool, profile: FirmwareProfile) -> dict[str, Any]:
    """Ble.Adv params.

    The PDF says 0 enables advertising, but the firmware does the opposite: 1 starts
    advertising (AT+QBLEADVSTART) and 0 stops it. We follow the firmware.
    """
    _check_answers(Method.BLE_ADV, profile)
    return {"enable": 1 if on else 0}


def format_time(value: time) -> str:
    """Times go on the wire as zero-padded "HH:MM"; seconds are not supported."""
    return f"{value.hour:02d}:{value.minute:02d}"


def _check_power(power: int, profile: FirmwareProfile) -> None:
    if isinstance(power, bool) or not isinstance(power, int):
        raise MarstekValidationError(f"power must be whole watts, not {power!r}")
    limits = profile.power_limits
    if not limits.allows(power):
        # The firmware would accept up to ±2500 W and then deliver only the model's limit.
        raise MarstekValidationError(
            f"power must be within -{limits.charge}..{limits.discharge} W on this model, "
            f"not {power}"
        )


def _check_answers(method: Method, profile: FirmwareProfile) -> None:
    """The SYS writes come all or none per firmware, hence one message for the three."""
    if not profile.answers(method):
        raise MarstekValidationError(
            f"firmware {profile.firmware} does not support device settings"
        )
