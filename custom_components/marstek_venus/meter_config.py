"""What an emulated meter entry stores, and the grid power its source sensors give now.

The entry's ``data`` holds what the user does not edit: the kind, the Shelly model, the 12 hex
digits of the Shelly id the battery sees in ``src`` (kept across restarts, so the battery keeps
seeing the same meter) and, hidden, the address and ports to listen on (tests bind a loopback
address and port 0). Its ``options`` hold the form: the source(s), the sign, the batteries
served, what unconfigured senders get, and how old a source may be.

The value answered is read at answer time from the state machine. A source that is
unavailable, unknown, not a number, not in a power unit, or older than the limit gives no
value at all: the emulator then stays silent and the battery falls back by itself
(meter-emulation.md §3, "When the meter goes silent"). A frozen non-zero value is never
answered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import State
from homeassistant.util.unit_conversion import PowerConverter

from .pymarstek_venus import SHELLY_MODELS, MeterReading, ShellyModel

# Entry data.
CONF_MODEL: Final = "model"
CONF_DEVICE_ID: Final = "device_id"
CONF_LISTEN_HOST: Final = "host"
CONF_PORTS: Final = "ports"
# Entry options (the form).
CONF_SOURCE: Final = "source"
CONF_PHASE_A: Final = "phase_a"
CONF_PHASE_B: Final = "phase_b"
CONF_PHASE_C: Final = "phase_c"
CONF_EXPORT_POSITIVE: Final = "export_positive"
CONF_BATTERIES: Final = "batteries"
CONF_ANSWER_UNCONFIGURED: Final = "answer_unconfigured"
CONF_STALE_LIMIT: Final = "stale_limit"

PHASES: Final = (CONF_PHASE_A, CONF_PHASE_B, CONF_PHASE_C)
# Every address of the host: the battery finds its meter by a subnet broadcast (§1.1).
LISTEN_ALL: Final = "0.0.0.0"
# s. A DSMR5 P1 meter reports every second; a DSMR4 one every 10 s needs 15.
DEFAULT_STALE_LIMIT: Final = 10
MIN_STALE_LIMIT: Final = 2
MAX_STALE_LIMIT: Final = 120


class SourceProblem(StrEnum):
    """Why a source gives no value now (diagnostics, and the repair issue's reason)."""

    MISSING = "missing"  # no state at all: the entity is gone or not loaded yet
    UNAVAILABLE = "unavailable"
    UNKNOWN = "unknown"
    NOT_NUMERIC = "not_numeric"
    NOT_POWER = "not_power"  # its unit is no power unit
    STALE = "stale"  # not reported for longer than the limit
    OUT_OF_RANGE = "out_of_range"  # no grid power (NaN, or beyond any house connection)


def power_unit_factor(unit: Any) -> float | None:
    """W per unit of ``unit`` (W, kW, MW ...); None when it is not a power unit."""
    if unit not in PowerConverter.VALID_UNITS:
        return None
    return PowerConverter.convert(1.0, str(unit), "W")


@dataclass(frozen=True, slots=True)
class SourceValue:
    """One source sensor now: its power in W, or why there is none."""

    watts: float | None
    problem: SourceProblem | None = None
    age: float | None = None  # s since the sensor last reported


def read_source(state: State | None, now: datetime, stale_limit: float) -> SourceValue:
    """The power a source state gives at ``now``, in W as the sensor counts it (no sign flip).

    Staleness is measured from ``last_reported``, which moves on every report, also when the
    value stays the same (a steady grid power is not a frozen meter).
    """
    if state is None:
        return SourceValue(None, SourceProblem.MISSING)
    age = (now - state.last_reported).total_seconds()
    if state.state == STATE_UNAVAILABLE:
        return SourceValue(None, SourceProblem.UNAVAILABLE, age)
    if state.state == STATE_UNKNOWN:
        return SourceValue(None, SourceProblem.UNKNOWN, age)
    try:
        value = float(state.state)
    except ValueError:
        return SourceValue(None, SourceProblem.NOT_NUMERIC, age)
    factor = power_unit_factor(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
    if factor is None:
        return SourceValue(None, SourceProblem.NOT_POWER, age)
    if age > stale_limit:
        return SourceValue(None, SourceProblem.STALE, age)
    if not math.isfinite(value):
        return SourceValue(None, SourceProblem.OUT_OF_RANGE, age)
    return SourceValue(value * factor, None, age)


@dataclass(frozen=True, slots=True)
class MeterConfig:
    """An emulated meter entry, read once at set-up (an options change reloads it)."""

    model: ShellyModel
    device_id: str
    host: str
    ports: tuple[int, ...]
    source: str | None  # one entity for the whole grid power
    phases: tuple[str, ...]  # or one per phase: A, then B and C when given
    export_positive: bool  # the source counts export as positive: flip it
    batteries: tuple[str, ...]  # entry ids of the batteries served
    answer_unconfigured: bool  # senders that are no configured battery get the whole value
    stale_limit: float  # s

    @classmethod
    def from_entry(cls, entry: ConfigEntry[Any]) -> MeterConfig:
        """The entry's settings, defaults filled in."""
        data, options = entry.data, entry.options
        model = SHELLY_MODELS[str(data[CONF_MODEL])]
        ports = data.get(CONF_PORTS)
        source = options.get(CONF_SOURCE) or None
        phases = () if source else tuple(str(options[p]) for p in PHASES if options.get(p))
        return cls(
            model=model,
            device_id=str(data[CONF_DEVICE_ID]),
            host=str(data.get(CONF_LISTEN_HOST, LISTEN_ALL)),
            ports=tuple(int(port) for port in ports) if ports else model.ports,
            source=str(source) if source else None,
            phases=phases,
            export_positive=bool(options.get(CONF_EXPORT_POSITIVE, False)),
            batteries=tuple(str(entry_id) for entry_id in options.get(CONF_BATTERIES, ())),
            answer_unconfigured=bool(options.get(CONF_ANSWER_UNCONFIGURED, False)),
            stale_limit=float(options.get(CONF_STALE_LIMIT, DEFAULT_STALE_LIMIT)),
        )

    @property
    def sources(self) -> tuple[str, ...]:
        """Every entity the grid power is read from."""
        return (self.source,) if self.source else self.phases

    def grid(
        self, state_of: Callable[[str], State | None], now: datetime
    ) -> tuple[MeterReading | None, dict[str, SourceValue]]:
        """The grid power to answer (+ import, W per phase), or None; and each source's value.

        One source is a single-phase value on phase A (a value spread over three phases hides
        the battery's phase-detection burst, §1.4); per-phase sources fill A, B and C.
        """
        values = {
            entity_id: read_source(state_of(entity_id), now, self.stale_limit)
            for entity_id in self.sources
        }
        watts = [value.watts for value in values.values()]
        if not watts or any(w is None for w in watts):
            return None, values
        sign = -1.0 if self.export_positive else 1.0
        phases = [sign * w for w in watts if w is not None]
        try:
            if self.source:
                return MeterReading.single(phases[0]), values
            return MeterReading(*phases), values
        except ValueError:  # beyond any grid connection: a broken sensor, not a value
            out = {
                entity_id: SourceValue(None, SourceProblem.OUT_OF_RANGE, value.age)
                for entity_id, value in values.items()
            }
            return None, out
