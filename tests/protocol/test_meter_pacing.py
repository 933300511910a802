"""SourcePacer: a slow source's sample handed out in chunks, once per time the battery acts.

Times are passed in; the "battery" here is a list of poll times, and what an integrating
battery would add up is the sum of the answers it acts on.
"""

from __future__ import annotations

import pytest

from custom_components.marstek_venus.pymarstek_venus import SourcePacer
from custom_components.marstek_venus.pymarstek_venus.meter import (
    MeterReading,
    gate_for,
)
from custom_components.marstek_venus.pymarstek_venus.models import Family


def _warm(pacer: SourcePacer, *, source: float, poll: float, until: float) -> None:
    """Feed source updates and polls (answering 0 W) up to `until`, so both are known."""
    t = 0.0
    while t < until:
        pacer.observe_source(t)
        t += source
    p = 0.0
    while p < until:
        pacer.answer(MeterReading(0.0), p)
        p += poll


def _period(
    pacer: SourcePacer, reading: MeterReading, start: float, poll: float, source: float
) -> list[tuple[float, MeterReading]]:
    """One source period: the sample arrives at `start`, the battery polls every `poll`."""
    pacer.observe_source(start)
    answers: list[tuple[float, MeterReading]] = []
    t = start + poll / 4
    while t < start + source:
        answers.append((t, pacer.answer(reading, t)))
        t += poll
    return answers


def test_answers_pass_through_until_both_intervals_are_known() -> None:
    pacer = SourcePacer()
    reading = MeterReading.single(400.0)
    assert pacer.answer(reading, 0.0) == reading
    pacer.observe_source(0.0)
    assert pacer.answer(reading, 1.0) == reading  # one source time: no interval yet
    assert pacer.scale == 1.0


def test_a_source_as_fast_as_the_polls_is_answered_unchanged() -> None:
    pacer = SourcePacer()
    _warm(pacer, source=1.0, poll=1.0, until=10.0)
    assert pacer.scale == 1.0
    answers = _period(pacer, MeterReading.single(300.0), 10.0, 1.0, 1.0)
    assert [a for _, a in answers] == [MeterReading.single(300.0)]


def test_a_gated_battery_on_a_source_faster_than_its_gate_gets_every_value() -> None:
    pacer = SourcePacer(gate=gate_for(Family.VENUS_E3))
    _warm(pacer, source=1.0, poll=0.4, until=10.0)
    assert pacer.scale == 1.0  # the 3 s gate is slower than the 1 s source


def test_an_integrator_is_told_the_sample_once_in_total_over_the_period() -> None:
    pacer = SourcePacer(gate=gate_for(Family.VENUS_D))
    _warm(pacer, source=10.0, poll=1.0, until=30.0)
    assert pacer.source_interval == pytest.approx(10.0)
    assert pacer.poll_interval == pytest.approx(1.0)
    assert pacer.scale == pytest.approx(0.1)
    answers = _period(pacer, MeterReading.single(500.0), 30.0, 1.0, 10.0)
    values = [a.total for _, a in answers]
    assert values == pytest.approx([50.0] * 10)  # a tenth on each of the ten polls
    assert sum(values) == pytest.approx(500.0)


def test_a_chunk_is_never_inside_the_deadband_and_never_more_than_what_is_left() -> None:
    pacer = SourcePacer(gate=0.0, floor_w=25.0)
    _warm(pacer, source=10.0, poll=1.0, until=30.0)
    values = [a.total for _, a in _period(pacer, MeterReading.single(-60.0), 30.0, 1.0, 10.0)]
    assert values[:3] == pytest.approx([-25.0, -25.0, -10.0])  # 6 W chunks would be ignored
    assert values[3:] == pytest.approx([0.0] * 7)  # then the battery holds
    assert sum(values) == pytest.approx(-60.0)


def test_a_gated_battery_gets_one_chunk_per_gate() -> None:
    pacer = SourcePacer(gate=3.0)
    _warm(pacer, source=10.0, poll=0.4, until=30.0)
    assert pacer.scale == pytest.approx(0.3)
    answers = _period(pacer, MeterReading.single(400.0), 30.0, 0.4, 10.0)
    chunks = {round(a.total, 6) for _, a in answers}
    assert chunks == {120.0, 40.0}  # 0.3, 0.3, 0.3 of the sample, then the last tenth
    # Each chunk is held for about a gate, so whichever poll the gate opens on sees it.
    first = [t for t, a in answers if a.total == pytest.approx(120.0)]
    assert first[-1] - first[0] > 3 * 3.0 - 1.0
    assert answers[-1][1].total == pytest.approx(40.0)


def test_a_fresh_sample_starts_over() -> None:
    pacer = SourcePacer()
    _warm(pacer, source=10.0, poll=1.0, until=30.0)
    for _, _answer in _period(pacer, MeterReading.single(100.0), 30.0, 1.0, 10.0):
        pass  # handed out in full: the last polls answer 0
    assert pacer.answer(MeterReading.single(100.0), 39.9).total == 0.0
    fresh = _period(pacer, MeterReading.single(-300.0), 40.0, 1.0, 10.0)
    assert fresh[0][1].total == pytest.approx(-30.0)


def test_phases_keep_their_pattern() -> None:
    pacer = SourcePacer()
    _warm(pacer, source=10.0, poll=1.0, until=30.0)
    pacer.observe_source(30.0)
    answer = pacer.answer(MeterReading(300.0, 0.0, 200.0), 30.2)
    assert answer.phases == pytest.approx((30.0, 0.0, 20.0))


def test_a_repeated_source_time_is_not_an_update() -> None:
    pacer = SourcePacer()
    for t in (0.0, 10.0, 10.0, 20.0, 5.0):
        pacer.observe_source(t)
    assert pacer.source_interval == pytest.approx(10.0)


def test_the_median_ignores_a_missed_source_update() -> None:
    pacer = SourcePacer()
    for t in (0.0, 10.0, 20.0, 40.0, 50.0):  # one update missing (an unchanged HA state)
        pacer.observe_source(t)
    assert pacer.source_interval == pytest.approx(10.0)


def test_gates_by_family() -> None:
    assert gate_for(Family.VENUS_E2) == gate_for(Family.VENUS_C) == 3.0
    assert gate_for(Family.VENUS_E3) == 3.0
    assert gate_for(Family.VENUS_D) == 0.0
    assert gate_for(Family.UNKNOWN) == 0.0  # unknown: assume it acts on every value
