"""Field decoding: numbers, flags, text and addresses out of JSON values, units and sanity rules.

Each ``read_*`` helper takes one raw JSON value and returns it normalised, or None for anything
it cannot read: missing, of the wrong type, not finite, or out of any physical range. Numbers
may arrive as JSON numbers or numeric strings (the PDF types ``soc`` as a string); flags as
booleans, 0/1 or "true"/"false". The sanity helpers check a value against another the device
sent (temperature range, remaining energy against SOC x rated capacity, PV power against
voltage x current) where a firmware's unit is uncertain.
"""

from __future__ import annotations

import functools
import ipaddress
import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from .errors import MarstekDecodeError, MarstekError
from .firmware import FirmwareProfile

# No reading of these batteries comes anywhere near this (lifetime counters in 0.1 Wh are
# ~1e9); anything larger is corrupt, and keeping it out means sums can never overflow.
MAX_MAGNITUDE: Final = 1e15
# Longest numeric string we try to parse; real replies carry short numbers.
_MAX_NUMBER_TEXT: Final = 64

# A BMS temperature outside this range is not a reading in °C.
_MAX_TEMPERATURE: Final = 100.0
_MIN_TEMPERATURE: Final = -50.0

# Remaining energy may differ from SOC x rated capacity (SOC is the BMS's estimate, integer %,
# and capacity fades); real replies are within 1 % of rated. A wrong unit is off by 10x or more.
_CAPACITY_TOLERANCE: Final = 0.1  # share of the rated capacity
# Units bat_capacity has been reported in, as factors to Wh: Wh, 10 Wh, 0.1 Wh, 100 Wh, 0.01 Wh.
_CAPACITY_FACTORS: Final = (1.0, 10.0, 0.1, 100.0, 0.01)


def decoder[**P, R](method: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
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


def json_object(result: object, method: str) -> Mapping[str, Any]:
    """Check that ``result`` is a JSON object: the one shape rule we enforce."""
    if not isinstance(result, Mapping):
        msg = f"{method}: result is {type(result).__name__}, not an object"
        raise MarstekDecodeError(msg)
    return result


# --- field helpers: each returns None for anything it cannot read ---------------------------


def read_number(value: object) -> float | None:
    """Read a finite number of sane magnitude from a JSON number or numeric string."""
    if isinstance(value, bool):  # JSON true/false are not numbers (bool is an int subclass)
        return None
    if isinstance(value, int):
        if abs(value) > MAX_MAGNITUDE:
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
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        return None
    return number


def apply_factor(value: float, factor: float) -> float:
    """Apply a unit factor; rounding removes float noise such as 41.50000000000001."""
    if factor == 1.0:
        return value
    return round(value * factor, 4)


def scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else apply_factor(value, factor)


def read_int(value: object) -> int | None:
    number = read_number(value)
    return None if number is None else round(number)


def read_percent(value: object) -> int | None:
    percent = read_int(value)
    return percent if percent is not None and 0 <= percent <= 100 else None


def read_power(value: object, factor: float = 1.0) -> float | None:
    return scaled(read_number(value), factor)


def read_energy(value: object, factor: float = 1.0) -> float | None:
    """Read a lifetime counter or a capacity, which is never negative."""
    number = read_number(value)
    if number is None or number < 0:
        return None
    return scaled(number, factor)


def read_flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    number = read_number(value)
    if number == 1:
        return True
    if number == 0:
        return False
    return None


def read_text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def read_ipv4(value: object) -> str | None:
    text = read_text(value)
    if text is None:
        return None
    try:
        return str(ipaddress.IPv4Address(text.strip()))
    except ValueError:
        return None


# --- sanity rules: a value checked against what else the device sent -----------------------


def read_temperature(value: object, profile: FirmwareProfile) -> float | None:
    """bat_temp in °C, whatever unit this BMS happens to use.

    Venus E 3.0 <= 139 sends 0.1 °C (the profile scales it). Other BMS versions send 0.1 °C
    on firmware that nominally sends °C, so a result above 100 °C is divided by 10 once more.
    Some HMG-50 >= 154 units send tens of °C (2.0 on an indoor battery): the profile flags
    that, and values between 0 and 10 are read as such. A battery really at 2-9 °C on such a
    unit would be misread; the single capture points the other way.
    """
    raw = read_number(value)
    if raw is None:
        return None
    if profile.bat_temp_tens and 0 < raw < 10:
        return apply_factor(raw, 10.0)
    temperature = apply_factor(raw, profile.bat_temp_scale)
    if temperature > _MAX_TEMPERATURE:
        temperature = round(temperature / 10, 4)
    if not _MIN_TEMPERATURE <= temperature <= _MAX_TEMPERATURE:
        return None
    return temperature


def read_remaining_energy(
    value: object, soc: int | None, rated: float | None, profile: FirmwareProfile
) -> float | None:
    """bat_capacity (remaining energy) in Wh, cross-checked against SOC x rated capacity.

    The unit of ``bat_capacity`` changed between firmware and BMS versions (10 Wh on
    Venus E 3.0 <= 139, Wh later, disputed on HMG-50 < 154). The profile's factor is used
    when it agrees with what the SOC implies; otherwise the unit that does agree wins. With no
    SOC or rated capacity to compare, or no unit that fits, the profile's factor stands.
    """
    raw = read_number(value)
    if raw is None or raw < 0:
        return None
    preferred = apply_factor(raw, profile.bat_capacity_scale)
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


def fits_v_times_i(power: float, voltage: float, current: float) -> bool:
    """Whether ``power`` fits V x I, with V and I truncated to whole volts and amps.

    Real replies truncate: 41.5 W at 50 V reads ``pv1_current: 0``. So P lies between
    V x (I - 1) and (V + 1) x (I + 1); 10 % and 5 W of slack cover rounding and the moments
    between the firmware's samples of P, V and I.
    """
    low = voltage * max(current - 1.0, 0.0) * 0.9 - 5.0
    high = (voltage + 1.0) * (current + 1.0) * 1.1 + 5.0
    return low <= power <= high


def read_pv_power(raw: float, voltage: float | None, current: float | None, factor: float) -> float:
    """Return a PV channel's power in W, choosing between W and 0.1 W by V x I where possible.

    ``pv1_power`` is in 0.1 W and the other channels in W on every release seen, but whether
    a later build sends channel 1 in W is an open question. When the profile's unit
    contradicts V x I and the other unit fits, the other unit wins; when V x I cannot tell
    (no readings, or low currents where both units fit), the profile's unit stands.
    """
    preferred = apply_factor(raw, factor)
    if voltage is None or current is None or voltage <= 0 or current < 0:
        return preferred
    other = apply_factor(raw, 1.0 if factor != 1.0 else 0.1)
    if not fits_v_times_i(preferred, voltage, current) and fits_v_times_i(other, voltage, current):
        return other
    return preferred
