"""Energy bookkeeping: totals that never decrease, across resets, glitches and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.marstek_venus.energy import EnergyTotal

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _total(max_power: float = 3000.0) -> EnergyTotal:
    return EnergyTotal(name="test", max_power=max_power)


def test_first_reading_starts_at_the_device_counter() -> None:
    total = _total()
    assert total.add_counter(1664.301, _at(0)) is True
    assert total.total == 1664.301
    assert total.add_counter(1664.311, _at(30)) is True
    assert total.total == pytest.approx(1664.311)
    assert total.add_counter(1664.311, _at(60)) is False


def test_reboot_reset_continues_the_total(caplog: pytest.LogCaptureFixture) -> None:
    """After a reset to zero the total keeps counting from where it was."""
    total = _total()
    total.add_counter(500.0, _at(0))
    total.add_counter(500.01, _at(30))
    assert total.add_counter(0.0, _at(60)) is False  # rejected: could be a glitch
    assert total.total == pytest.approx(500.01)
    assert "ignoring an implausible counter reading of 0.000 kWh" in caplog.text
    assert total.add_counter(0.02, _at(90)) is True  # it keeps counting from 0: a reset
    assert total.total == pytest.approx(500.03)
    assert "the device counter restarted at 0.000 kWh" in caplog.text
    total.add_counter(0.05, _at(120))
    assert total.total == pytest.approx(500.06)


def test_glitch_down_is_rejected() -> None:
    """A single low reading (Venus A's spurious 0, a garbled value) changes nothing."""
    total = _total()
    total.add_counter(500.0, _at(0))
    assert total.add_counter(0.0, _at(30)) is False
    assert total.add_counter(250.0, _at(60)) is False
    assert total.total == 500.0
    assert total.add_counter(500.02, _at(90)) is True
    assert total.total == pytest.approx(500.02)


def test_impossible_jump_is_rejected() -> None:
    """A jump no battery can make in the time is never stored."""
    total = _total()
    total.add_counter(500.0, _at(0))
    assert total.add_counter(5000.0, _at(30)) is False
    assert total.total == 500.0
    assert total.add_counter(500.01, _at(60)) is True
    assert total.total == pytest.approx(500.01)


def test_persistent_rescale_is_adopted_without_the_jump() -> None:
    """A counter that stays at the new level becomes the baseline; the jump is not added."""
    total = _total()
    total.add_counter(500.0, _at(0))
    total.add_counter(50000.0, _at(30))
    assert total.add_counter(50000.0, _at(60)) is False
    assert total.total == 500.0
    assert total.add_counter(50000.1, _at(90)) is True
    assert total.total == pytest.approx(500.1)


def test_long_gap_allows_more() -> None:
    """After hours without readings (HA stopped), a larger increase is plausible."""
    total = _total()
    total.add_counter(500.0, _at(0))
    assert total.add_counter(505.0, _at(3 * 3600)) is True
    assert total.total == 505.0


def test_integration_trapezoid() -> None:
    """Power samples are integrated; only the positive part counts."""
    total = _total()
    assert total.add_power(1000.0, _at(0)) is False
    assert total.total == 0.0
    assert total.add_power(1000.0, _at(36)) is True  # 1 kW for 36 s = 0.01 kWh
    assert total.total == pytest.approx(0.01)
    assert total.add_power(-500.0, _at(72)) is True  # clipped to 0: half of 0.01
    assert total.total == pytest.approx(0.015)
    assert total.add_power(-500.0, _at(108)) is False  # nothing in this direction
    assert total.add_power(1000.0, _at(108)) is False  # same instant
    assert total.add_power(1000.0, _at(108 + 3600)) is False  # gap too long: not bridged
    assert total.add_power(1000.0, _at(108 + 3636)) is True
    assert total.total == pytest.approx(0.025)


def test_counter_after_integration_starts_from_the_total() -> None:
    """Switching from integration to a device counter continues the same total."""
    total = _total()
    total.add_power(1000.0, _at(0))
    total.add_power(1000.0, _at(36))
    assert total.add_counter(900.0, _at(60)) is False
    assert total.total == pytest.approx(0.01)
    assert total.last_power is None
    total.add_counter(900.02, _at(90))
    assert total.total == pytest.approx(0.03)


def test_restore_round_trip() -> None:
    total = _total()
    total.add_counter(500.0, _at(0))
    restored = _total()
    restored.restore(total.as_dict())
    assert restored.total == 500.0
    assert restored.baseline == 500.0
    assert restored.baseline_at == _at(0)
    assert restored.add_counter(500.01, _at(30)) is True
    assert restored.total == pytest.approx(500.01)


def test_restore_without_baseline() -> None:
    """A restored total without a baseline continues at the next counter reading."""
    total = _total()
    total.restore({"total": 12.5, "baseline": None})
    assert total.add_counter(900.0, _at(0)) is False
    assert total.total == 12.5
    total.add_counter(900.1, _at(30))
    assert total.total == pytest.approx(12.6)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"total": "12"},
        {"total": True},
        {"total": -1.0},
    ],
)
def test_restore_ignores_garbage(data: dict[str, object]) -> None:
    total = _total()
    total.restore(data)
    assert total.total is None


def test_restore_bad_timestamp() -> None:
    """A baseline with an unreadable time only allows small steps until the next reading."""
    total = _total()
    total.restore({"total": 1.0, "baseline": 10.0, "baseline_at": "yesterday"})
    assert total.baseline_at is None
    assert total.add_counter(10.1, _at(0)) is True
    assert total.total == pytest.approx(1.1)
