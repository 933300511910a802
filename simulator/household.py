"""The house around a simulated battery: its load curve, rooftop solar and the PV strings.

Deterministic: every value is a function of the physics seed and the RTC time (no random
generator, no state), so a seed gives the same day every run, at any time scale.
"""

from __future__ import annotations

import math
from datetime import datetime

HOUSE_SOLAR_PEAK = 2200.0  # W of rooftop PV on a separate inverter (houses of AC-coupled models)
# Panels of one installation rarely match: each string gets its own share of the peak.
STRING_SHARES = (1.0, 0.9, 0.8, 0.65)


def _splitmix(value: int) -> int:
    """A small, fast integer hash: deterministic noise without a random generator."""
    value = (value + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return value ^ (value >> 31)


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


def _daylight(hour: float) -> float:
    """0 at night, 1 at solar noon (13:30), sunrise 06:00, sunset 21:00."""
    if hour <= 6.0 or hour >= 21.0:
        return 0.0
    sine: float = math.sin(math.pi * (hour - 6.0) / 15.0)
    return sine * math.sqrt(sine)  # sin^1.5: a flatter morning, a sharper noon


def _hour(now: datetime) -> float:
    return now.hour + now.minute / 60.0 + now.second / 3600.0


def noise(seed: int, key: int, minute: int) -> float:
    """Deterministic noise in [-1, 1) for one RTC minute."""
    return _splitmix(seed * 1_000_003 + key * 7919 + minute) / 2**63 - 1.0


def cloudiness(seed: int, day: int) -> float:
    """Share of clear-sky PV reaching the panels on a given day (0.55..1.0)."""
    return 0.55 + 0.45 * (_splitmix(seed * 31 + day) / 2**64)


def flicker(seed: int, now: datetime) -> float:
    """Quick changes of the house load (10 s buckets) that the battery cannot follow."""
    bucket = (now.toordinal() * 86400 + now.hour * 3600 + now.minute * 60 + now.second) // 10
    return 25.0 * noise(seed, 2, bucket)


def load_trend(seed: int, now: datetime) -> float:
    """The slow part of the house load in W, which the inverter's control loop tracks."""
    hour = _hour(now)
    minute = now.toordinal() * 1440 + now.hour * 60 + now.minute
    load = 180.0
    load += 450.0 * _bump(hour, 7.5, 0.8)  # breakfast
    load += 250.0 * _bump(hour, 12.5, 0.7)  # lunch
    load += 800.0 * _bump(hour, 19.0, 1.6)  # evening
    load += 90.0 if minute % 50 < 18 else 0.0  # the fridge compressor
    return max(load + 40.0 * noise(seed, 1, minute), 60.0)


def rooftop_solar(seed: int, now: datetime) -> float:
    """W from rooftop PV on the house's own inverter."""
    return HOUSE_SOLAR_PEAK * _daylight(_hour(now)) * cloudiness(seed, now.toordinal())


def pv_strings(seed: int, now: datetime, peak: float, count: int) -> tuple[float, ...]:
    """W on each of the battery's own `count` PV inputs."""
    sun = _daylight(_hour(now)) * cloudiness(seed, now.toordinal())
    return tuple(peak * sun * STRING_SHARES[i % 4] for i in range(count))
