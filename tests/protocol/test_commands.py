"""Write parameters: exact wire shapes, and a table of bad input that must never be sent."""

from __future__ import annotations

from datetime import time

import pytest

from custom_components.marstek_venus.pymarstek_venus import (
    ALL_DAYS,
    ManualPeriod,
    MarstekValidationError,
    Mode,
    PassiveConfig,
    Weekday,
    commands,
    profile_for,
)

E3_150 = profile_for("VenusE 3.0", 150)
E2_154 = profile_for("VenusE", 154)


def test_simple_modes_carry_their_config_block() -> None:
    assert commands.mode_params(Mode.AUTO, E3_150) == {
        "id": 0,
        "config": {"mode": "Auto", "auto_cfg": {"enable": 1}},
    }
    assert commands.mode_params(Mode.AI, E3_150)["config"] == {
        "mode": "AI",
        "ai_cfg": {"enable": 1},
    }
    assert commands.mode_params(Mode.UPS, E3_150)["config"] == {
        "mode": "UPS",
        "ups_cfg": {"enable": 1},
    }


def test_passive_and_manual_shapes() -> None:
    assert commands.passive_params(PassiveConfig(-1200, 600), E3_150)["config"] == {
        "mode": "Passive",
        "passive_cfg": {"power": -1200, "cd_time": 600},
    }
    period = ManualPeriod(3, time(7, 5), time(22, 0), Weekday.MON | Weekday.SUN, 800, False)
    assert commands.manual_params(period, E3_150)["config"]["manual_cfg"] == {
        "time_num": 3,
        "start_time": "07:05",
        "end_time": "22:00",
        "week_set": 65,
        "power": 800,
        "enable": 0,
    }


def test_settings_shapes_follow_the_firmware() -> None:
    assert commands.dod_params(36, E3_150) == {"value": 36}
    assert commands.led_params(False, E3_150) == {"state": 0}
    # Firmware polarity: 1 starts advertising (the PDF claims the opposite).
    assert commands.ble_advertising_params(True, E3_150) == {"enable": 1}


def test_self_consumption_power_is_allowed_in_a_slot() -> None:
    period = ManualPeriod(0, time(0, 0), time(23, 59), ALL_DAYS, -1)
    assert commands.manual_params(period, E3_150)["config"]["manual_cfg"]["power"] == -1


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: commands.mode_params(Mode.MANUAL, E3_150), "settings"),
        (lambda: commands.mode_params(Mode.PASSIVE, E3_150), "settings"),
        (lambda: commands.mode_params(Mode.UPS, E2_154), "UPS"),
        (lambda: commands.passive_params(PassiveConfig(2501, 60), E3_150), "power"),
        (lambda: commands.passive_params(PassiveConfig(-2501, 60), E3_150), "power"),
        (lambda: commands.passive_params(PassiveConfig(100, 0), E3_150), "duration"),
        (lambda: commands.passive_params(PassiveConfig(100, 86_401), E3_150), "duration"),
        (lambda: commands.passive_params(PassiveConfig(True, 60), E3_150), "power"),  # type: ignore[arg-type]
        (lambda: commands.manual_params(ManualPeriod(10, time(1), time(2)), E3_150), "slot"),
        (lambda: commands.manual_params(ManualPeriod(-1, time(1), time(2)), E3_150), "slot"),
        (
            lambda: commands.manual_params(ManualPeriod(0, time(1), time(2), Weekday(0)), E3_150),
            "weekday",
        ),
        (
            lambda: commands.manual_params(ManualPeriod(0, time(1), time(2), Weekday(128)), E3_150),
            "weekday",
        ),
        (
            lambda: commands.manual_params(ManualPeriod(0, time(1), time(2), power=3000), E3_150),
            "power",
        ),
        (lambda: commands.dod_params(29, E3_150), "depth"),
        (lambda: commands.dod_params(89, E3_150), "depth"),
        (lambda: commands.dod_params(50, E2_154), "settings"),
        (lambda: commands.led_params(True, E2_154), "settings"),
    ],
)
def test_bad_parameters_are_refused(build: object, match: str) -> None:
    with pytest.raises(MarstekValidationError, match=match):
        build()  # type: ignore[operator]


def test_mini_has_six_slots() -> None:
    mini = profile_for("VNSEM-0", 300)
    assert mini.manual_slots == 6
    with pytest.raises(MarstekValidationError, match=r"0\.\.5"):
        commands.manual_params(ManualPeriod(6, time(1), time(2)), mini)


@pytest.mark.parametrize(
    ("model", "ver", "charge", "discharge"),
    [
        ("VenusE 3.0", 150, 2500, 2500),
        ("VenusE 3.0", 139, 2500, 2500),
        ("VenusE", 154, 2500, 2500),
        ("VenusC", 153, 2500, 800),
        ("VenusA", 149, 1200, 1200),  # asked for 2000 W, a fw 149 unit delivered 1200 W
        ("VenusD", 150, 800, 2200),
        ("VNSEM-0", 300, 1500, 800),
        ("Venus Z", 200, 800, 800),  # unknown: the smallest class any Venus is sold with
    ],
)
def test_power_limits_per_model(model: str, ver: int, charge: int, discharge: int) -> None:
    """Passive and manual power stay within the model's AC limits, each sign on its own."""
    profile = profile_for(model, ver)
    assert (profile.power_limits.charge, profile.power_limits.discharge) == (charge, discharge)
    for power in (-charge, discharge):
        commands.passive_params(PassiveConfig(power, 60), profile)
        commands.manual_params(ManualPeriod(0, time(1), time(2), power=power), profile)
    for power in (-charge - 1, discharge + 1):
        with pytest.raises(MarstekValidationError, match=f"-{charge}..{discharge} W"):
            commands.passive_params(PassiveConfig(power, 60), profile)
        with pytest.raises(MarstekValidationError, match="power"):
            commands.manual_params(ManualPeriod(0, time(1), time(2), power=power), profile)


def test_power_limits_capped_by_a_lower_option() -> None:
    limits = profile_for("VenusD", 150).power_limits
    assert limits.capped(1000) == type(limits)(charge=800, discharge=1000)
    assert limits.capped(None) is limits
    assert limits.allows(-800)
    assert not limits.allows(-801)
