"""The simulator's firmware tables, and the library's read against them.

The simulator keeps its own copy of the firmware facts on purpose (it never imports the
library). This is where the two copies meet: every simulated build must be described the same
way by the library's method table, so a wrong assumption on either side fails here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.marstek_venus.pymarstek_venus import Method, profile_for
from simulator import PROFILES
from simulator.profiles import (
    CATALOGUE,
    FAMILY_BASES,
    KNOWN_METHODS,
    VERSION_OVERRIDES,
    WRITE_METHODS,
    build_profile,
)

# The methods both sides know (the simulator also knows Set.Ver, Reset.Factory, ...).
SHARED = sorted(KNOWN_METHODS & {str(method) for method in Method})


def test_catalogue_builds_every_profile() -> None:
    """Each offered build is its family's base row with that family's overrides applied."""
    assert list(PROFILES) == [f"{family}_{firmware}" for family, firmware, _ in CATALOGUE]
    for family, firmware, description in CATALOGUE:
        profile = PROFILES[f"{family}_{firmware}"]
        assert profile == build_profile(family, firmware, description)
        assert (profile.family, profile.firmware) == (family, firmware)
    for row in VERSION_OVERRIDES:
        assert row.families <= set(FAMILY_BASES)


def test_newest_firmware_is_the_base_row() -> None:
    """No override touches a family's newest firmware: its base row is what it sends."""
    for family, base in FAMILY_BASES.items():
        newest = build_profile(family, base.firmware, base.description)
        assert newest == replace(base, key=f"{family}_{base.firmware}")


@pytest.mark.parametrize("key", sorted(PROFILES))
def test_the_library_reads_the_simulated_firmware_alike(key: str) -> None:
    """Reads: the library expects exactly what the firmware answers. Writes and UPS: it never
    offers one the firmware lacks (it may hold one back on reset-prone firmware)."""
    simulated = PROFILES[key]
    library = profile_for(simulated.device, simulated.firmware)
    for name in SHARED:
        answers = library.answers(Method(name))
        if name in WRITE_METHODS:
            assert not answers or simulated.supports(name), (key, name)
        else:
            assert answers is simulated.supports(name), (key, name)
    assert not library.supports_ups or simulated.ups_supported
    assert library.manual_slots == simulated.manual_slots
    assert library.reset_prone is simulated.pre_stable
    limits = library.power_limits
    assert (limits.charge, limits.discharge) == (simulated.max_charge, simulated.max_discharge)
