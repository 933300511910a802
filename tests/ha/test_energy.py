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


# --- a counter that is there but does not count (issue 9) -----------------------------------


def _feed(
    total: EnergyTotal, counter: float | None, power: float, start: float, minutes: int
) -> None:
    """One sample every 30 s for ``minutes``, starting at ``start`` seconds."""
    for step in range(minutes * 2 + 1):
        total.add_sample(counter, power, _at(start + step * 30), 149)


def test_flat_counter_with_clear_flow_switches_to_integration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A counter stuck at one value while 1 kW flows is replaced by integrating the power."""
    total = _total()
    total.counter_step = 0.0001
    _feed(total, 5.0, 1000.0, 0, 9)  # 9 minutes: not yet
    assert total.counter_stalled is False
    assert total.total == 5.0
    total.add_sample(5.0, 1000.0, _at(600), 149)  # 10 minutes of flow with the counter flat
    assert total.counter_stalled is True
    # What flowed while the counter stood still is added: 1 kW for 10 minutes.
    assert total.total == pytest.approx(5.0 + 1000 * 600 / 3_600_000)
    assert caplog.text.count("the device counter stayed at 5.000 kWh for 10 minutes") == 1
    # From now on the power counts, whatever the counter does (no second log line).
    total.add_sample(5.0, 1000.0, _at(636), 149)
    assert total.total == pytest.approx(5.0 + 1000 * 636 / 3_600_000)
    total.add_sample(9.0, 1000.0, _at(672), 149)  # the counter catches up: not counted again
    assert total.total == pytest.approx(5.0 + 1000 * 672 / 3_600_000)
    assert caplog.text.count("stayed at") == 1


def test_flat_counter_without_flow_is_trusted() -> None:
    """Power around zero (noise, standby) never makes a flat counter look stalled."""
    total = _total()
    total.counter_step = 0.0001
    _feed(total, 5.0, 20.0, 0, 180)  # 3 hours at 20 W: below the stall threshold
    _feed(total, 5.0, -800.0, 10_860, 60)  # an hour of flow the other way
    assert total.counter_stalled is False
    assert total.total == 5.0


def test_moving_counter_is_trusted() -> None:
    """A counter that moves, however little, is a working counter."""
    total = _total()
    total.counter_step = 0.0001
    for step in range(120):  # an hour at 1 kW, the counter moving every 5 minutes
        counter = 5.0 + (step // 10) * 0.08
        total.add_sample(counter, 1000.0, _at(step * 30), 149)
    assert total.counter_stalled is False
    assert total.total == pytest.approx(5.0 + 11 * 0.08)


def test_coarse_counter_is_not_taken_for_a_stalled_one() -> None:
    """100 Wh steps at 300 W: 20 minutes between steps is normal, not a stall."""
    total = _total()
    total.counter_step = 0.1
    for step in range(240):  # two hours, a step every 20 minutes
        counter = 7.0 + (step // 40) * 0.1
        total.add_sample(counter, 300.0, _at(step * 30), 154)
    assert total.counter_stalled is False
    assert total.total == pytest.approx(7.5)


def test_stalled_total_stays_integrated_across_a_restart() -> None:
    """The switch is stored with the total: a restart keeps integrating, monotonically."""
    total = _total()
    total.counter_step = 0.0001
    _feed(total, 5.0, 1000.0, 0, 10)
    assert total.counter_stalled is True
    before = total.total
    restored = _total()
    restored.restore(total.as_dict())
    assert restored.counter_stalled is True
    assert restored.total == before
    # The device counter jumps while HA was stopped: ignored, power is integrated.
    assert restored.add_sample(50.0, 1000.0, _at(4000), 149) is False
    restored.add_sample(50.0, 1000.0, _at(4036), 149)
    assert restored.total == pytest.approx(before + 0.01)


def test_new_firmware_gets_the_counter_back(caplog: pytest.LogCaptureFixture) -> None:
    """After a firmware update the counter is tried again, from a new baseline."""
    total = _total()
    total.counter_step = 0.0001
    _feed(total, 5.0, 1000.0, 0, 10)
    before = total.total
    assert total.add_sample(80.0, 1000.0, _at(630), 150) is False  # new baseline, no jump
    assert total.counter_stalled is False
    assert "firmware 150 replaced 149; using the device counter again" in caplog.text
    assert total.add_sample(80.01, 1000.0, _at(660), 150) is True
    assert total.total == pytest.approx(before + 0.01)


def test_counter_returning_after_integration_is_not_counted_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Energy integrated while the counter was missing is not added again when it returns."""
    total = _total()
    total.add_sample(100.0, 1000.0, _at(0), 150)
    total.add_sample(None, 1000.0, _at(30), 150)  # first power sample: nothing integrated yet
    assert total.baseline == 100.0  # a single missing reading keeps the baseline
    total.add_sample(None, 1000.0, _at(66), 150)  # 0.01 kWh integrated
    assert total.total == pytest.approx(100.01)
    assert "no usable device counter any more" in caplog.text
    assert total.baseline is None
    total.add_sample(100.02, 1000.0, _at(96), 150)  # the counter is back: a new baseline
    assert total.total == pytest.approx(100.01)
    total.add_sample(100.03, 1000.0, _at(126), 150)
    assert total.total == pytest.approx(100.02)


def test_restore_ignores_a_garbled_stall_marker() -> None:
    total = _total()
    total.restore({"total": 3.0, "counter_stalled": "yes", "stalled_firmware": 149})
    assert total.counter_stalled is False
    total.restore({"total": 3.0, "counter_stalled": True, "stalled_firmware": True})
    assert total.counter_stalled is True
    assert total.stalled_firmware is None
