"""Use the integration as a person would: in Home Assistant's own UI, in a real browser.

scripts/develop runs Home Assistant with two simulated batteries; the test logs in through
the login form, reads live values on a battery's device page, switches the operating mode
with the select on that page and checks, in the simulator's own state, that the battery
switched. Along the way it takes the README's screenshots.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.marstek_venus.pymarstek_venus.const import DEFAULT_REQUEST_GAP

from .conftest import Develop

pytestmark = pytest.mark.e2e

# Text of an element including the shadow trees below it (Home Assistant's frontend is made
# of web components, whose text innerText does not see).
DEEP_TEXT = """(element) => {
    const walk = (node) => {
        if (node.nodeType === Node.TEXT_NODE) return node.textContent;
        let text = node.shadowRoot ? walk(node.shadowRoot) : "";
        for (const child of node.childNodes) text += " " + walk(child);
        return text;
    };
    return walk(element).replace(/\\s+/g, " ").trim();
}"""
WATTS = re.compile(r"(-?[\d.,]+)\s*W\b")
PERCENT = re.compile(r"(\d+)\s*%")


def _device_page(page: Any, develop: Develop, battery: dict[str, Any]) -> None:
    page.goto(f"{develop.url}/config/devices/device/{battery['device_id']}")
    page.get_by_text("Battery power").first.wait_for()


def _row_text(page: Any, name: str) -> str:
    """The text of the entity row called `name` on the device page ("Battery power 211 W")."""
    row = page.locator("hui-generic-entity-row").filter(has=page.get_by_text(name, exact=True))
    return str(row.first.evaluate(DEEP_TEXT))


def _number(pattern: re.Pattern[str], text: str) -> float | None:
    match = pattern.search(text.replace("\u2212", "-"))
    return float(match.group(1).replace(",", "")) if match is not None else None


def _value(page: Any, name: str, pattern: re.Pattern[str], timeout: float = 15) -> float:
    """The number an entity row shows, once the frontend has rendered it with its unit."""
    deadline = time.monotonic() + timeout
    while (value := _number(pattern, text := _row_text(page, name))) is None:
        assert time.monotonic() < deadline, f"no value in {text!r}"
        time.sleep(0.25)
    return value


def _eventually(check: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, message
        time.sleep(0.5)


def _choose_mode(page: Any, option_name: str, screenshot: Path | None = None) -> None:
    """Pick an option in the operating-mode select on the device page."""
    row = page.locator("hui-select-entity-row").filter(has_text="Operating mode")
    row.locator("ha-select").click()
    option = row.get_by_role("option", name=option_name)
    option.wait_for()
    if screenshot is not None:
        page.screenshot(path=screenshot)
    option.click()


def _battery(develop: Develop, profile_prefix: str) -> dict[str, Any]:
    for battery in develop.batteries:
        if develop.simulated(battery["ble_mac"])["profile"].startswith(profile_prefix):
            return battery
    raise AssertionError(f"no {profile_prefix} battery in {develop.batteries}")


def test_device_page_shows_live_values(page: Any, develop: Develop, screenshots: Path) -> None:
    """SOC and power on the device page are the simulated battery's."""
    battery = _battery(develop, "venus_a")
    _device_page(page, develop, battery)
    simulated = develop.simulated(battery["ble_mac"])
    soc = _value(page, "Battery", PERCENT)
    assert abs(soc - simulated["soc"]) <= 2, (soc, simulated)
    _value(page, "Battery power", WATTS)
    pv = _value(page, "PV power", WATTS)
    assert pv >= 0
    # Tall enough to show the sensors and the controls below them.
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "device-page.png")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_operating_mode_select_switches_the_battery(
    page: Any, develop: Develop, screenshots: Path
) -> None:
    """Passive through the UI select: the simulated battery follows, the page shows it."""
    battery = _battery(develop, "venus_e3")
    assert develop.simulated(battery["ble_mac"])["mode"] == "Auto"
    _device_page(page, develop, battery)
    _choose_mode(page, "Passive (remote control)", screenshots / "operating-mode.png")

    _eventually(
        lambda: develop.simulated(battery["ble_mac"])["mode"] == "Passive",
        30,
        "the simulated battery did not switch to Passive",
    )

    # In Passive the battery holds its setpoint whatever the house does, so the power the
    # page shows after the next poll must be the simulated battery's, to the watt.
    def page_matches_battery() -> bool:
        shown = _value(page, "Battery power", WATTS)
        return abs(shown - develop.simulated(battery["ble_mac"])["battery_power"]) <= 1

    _eventually(page_matches_battery, 45, "battery power on the page is not the battery's")
    assert "Passive (remote control)" in _row_text(page, "Operating mode")

    # And back, so that a developer's instance (MARSTEK_E2E_DEVELOP) is left as it was.
    _choose_mode(page, "Auto (self-consumption)")
    _eventually(
        lambda: develop.simulated(battery["ble_mac"])["mode"] == "Auto",
        30,
        "the simulated battery did not switch back to Auto",
    )
    # Home Assistant broke none of the battery's safety rules (gap, bursts, empty datagrams),
    # apart from the known one below.
    assert develop.simulated(battery["ble_mac"])["violations"] == []


def _add_a_battery(page: Any, develop: Develop) -> None:
    """Open "add" for this integration and choose a battery in its menu.

    With two batteries set up, the system of batteries is on offer as discovered, so Home
    Assistant first lists it beside "set up another instance"; then comes the add menu.
    """
    page.goto(f"{develop.url}/config/integrations/dashboard/add?domain=marstek_venus")
    page.get_by_role("button", name="OK").click()  # "Do you want to set up Marstek Venus?"
    another = page.get_by_text("Setup another instance of Marstek Venus")
    battery = page.get_by_text("A battery", exact=True)
    another.or_(battery).first.wait_for()
    if another.is_visible():
        another.click()
    battery.click()


def test_config_flow_dialog(page: Any, develop: Develop, screenshots: Path) -> None:
    """Adding a battery (the add menu, then the scan finds nothing new): the manual form."""
    _add_a_battery(page, develop)
    page.get_by_text("Connect to a battery").wait_for()
    page.get_by_text("The Open API must be enabled in the Marstek app").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=screenshots / "config-flow.png")
    page.keyboard.press("Escape")


def test_energy_panel_set_up(page: Any, develop: Develop, screenshots: Path) -> None:
    """The Energy settings list the batteries' meter, PV and battery totals."""
    page.goto(f"{develop.url}/config/energy")
    # Batteries are named after their model and the last four digits of their Bluetooth MAC.
    page.get_by_text(re.compile(r"Marstek Venus E 3\.0 [0-9A-F]{4} Grid import")).wait_for()
    page.get_by_text(re.compile(r"Marstek Venus A [0-9A-F]{4} PV energy")).wait_for()
    page.get_by_text("Home Battery Storage").wait_for()
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.wait_for_timeout(500)
    page.screenshot(path=screenshots / "energy-setup.png")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_scans_and_polls_keep_every_batterys_gap(page: Any, develop: Develop) -> None:
    """Config-flow scans while Home Assistant polls (and, before this test, its start-up scan
    and the mode writes): no battery got two requests closer than the configured gap."""
    for _ in range(2):
        _add_a_battery(page, develop)
        page.get_by_text("Connect to a battery").wait_for()  # shown once the scan is over
        page.keyboard.press("Escape")
    for battery in develop.batteries:
        simulated = develop.simulated(battery["ble_mac"])
        assert simulated["violations"] == []
        assert "Marstek.GetDevice" in simulated["methods"]
        # Kernel arrival times on loopback; the default pause between requests is 1 s.
        assert simulated["smallest_gap"] is not None
        assert simulated["smallest_gap"] >= DEFAULT_REQUEST_GAP - 0.002
