"""The Shelly meters a Marstek battery can be told to poll, and the value an emulator answers.

The battery picks the UDP port and the JSON-RPC method from the meter model chosen in the
Marstek app (meter-emulation.md §1.2), so an emulated model is a data row: its ports, its
method, the prefix of the device id it puts in ``src`` (the firmware recognises replies by the
substrings ``"a_act_power"``, ``"shellyemg3"`` and ``"shellyproem50"``, §1.4) and whether its
reply has three phases (``EM``) or one value (``EM1``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class MeterMethod(StrEnum):
    """The two status methods batteries send (firmware format strings, §1.3)."""

    EM = "EM.GetStatus"  # three phases: a_/b_/c_act_power and total_act_power
    EM1 = "EM1.GetStatus"  # one value: act_power


@dataclass(frozen=True, slots=True)
class ShellyModel:
    """One emulated Shelly model: where the battery looks for it and how it must answer."""

    key: str  # also the ``src`` prefix real devices use: ``<key>-<12 hex>``
    name: str  # as the Marstek app lists it
    ports: tuple[int, ...]  # UDP ports the battery polls for this choice (§1.2)
    method: MeterMethod

    @property
    def three_phase(self) -> bool:
        """True for an ``EM`` meter (per-phase fields), False for an ``EM1`` one (one value)."""
        return self.method is MeterMethod.EM


# §1.2. Pro 3EM: port 1010 on B2500 fw ≤224, Jupiter and Venus (Venus A and E 3.0 "use 1010
# again"); 2220 on B2500 fw ≥226. AstraMeter's default binds both, and so does this row.
PRO_3EM = ShellyModel("shellypro3em", "Shelly Pro 3EM", (1010, 2220), MeterMethod.EM)
EM_GEN3 = ShellyModel("shellyemg3", "Shelly EM gen3", (2222,), MeterMethod.EM1)
PRO_EM50 = ShellyModel("shellyproem50", "Shelly Pro EM-50", (2223,), MeterMethod.EM1)

SHELLY_MODELS: dict[str, ShellyModel] = {m.key: m for m in (PRO_3EM, EM_GEN3, PRO_EM50)}

# A JSON number this large is no grid power any more (a house connection is tens of kW); the
# bound also keeps every formatted number, and so every reply, short.
MAX_POWER = 1_000_000.0


@dataclass(frozen=True, slots=True)
class MeterReading:
    """Grid power to answer, in W per phase: positive = import from the grid, negative = export.

    This is the sign the battery expects (§1.4, [AM-FAQ]) and Home Assistant's grid convention
    (design.md §2); a caller whose meter counts the other way flips it before building one.
    A single-phase value goes on one phase only (``single``): the battery finds its phase by
    a ~2 kW burst, and a value spread over three phases hides the burst (§1.4, phase detection).
    An ``EM1`` model answers the sum of the phases.
    """

    a: float
    b: float = 0.0
    c: float = 0.0

    def __post_init__(self) -> None:
        """Refuse values no JSON number (or no grid) can carry: NaN, infinities, absurd sizes."""
        for value in (self.a, self.b, self.c):
            if not math.isfinite(value) or abs(value) > MAX_POWER:
                raise ValueError(f"grid power {value!r} W is not a usable meter value")

    @classmethod
    def single(cls, power: float, phase: int = 0) -> MeterReading:
        """A single-phase value on phase ``phase`` (0 = A, 1 = B, 2 = C), zero on the others."""
        if phase not in (0, 1, 2):
            raise ValueError(f"phase {phase} is not 0, 1 or 2")
        values = [0.0, 0.0, 0.0]
        values[phase] = float(power)
        return cls(*values)

    @property
    def phases(self) -> tuple[float, float, float]:
        """The three phase values, A to C."""
        return (self.a, self.b, self.c)

    @property
    def total(self) -> float:
        """The sum of the phases: ``total_act_power`` of an EM reply, ``act_power`` of EM1."""
        return self.a + self.b + self.c

    @property
    def main_phase(self) -> int:
        """The phase carrying the largest value (A when all are zero)."""
        phases = self.phases
        return max(range(3), key=lambda index: (abs(phases[index]) > 0, abs(phases[index]), -index))

    def scaled(self, factor: float) -> MeterReading:
        """Every phase times ``factor`` (the reading itself for a factor of 1 or more)."""
        if factor >= 1.0:
            return self
        return MeterReading(self.a * factor, self.b * factor, self.c * factor)

    def shifted(self, delta: float) -> MeterReading:
        """``delta`` W added on the main phase (a single-phase value stays single-phase)."""
        phases = list(self.phases)
        phases[self.main_phase] += delta
        return MeterReading(*phases)
