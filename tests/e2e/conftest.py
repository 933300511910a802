"""Fixtures of the browser test: Chromium, Playwright and a running `scripts/develop`.

When it runs:

* ``MARSTEK_REQUIRE_E2E=1`` (set by .ci/run): always; a missing Chromium or Playwright is
  installed by ``scripts/e2e-setup``, and if that fails the test fails instead of skipping.
* ``MARSTEK_E2E=1``: the same, for a developer who wants it.
* ``MARSTEK_E2E=0``: never.
* otherwise: when Debian's Chromium and Playwright are already installed; else it is skipped
  with a hint (so the Python 3.14 chroot of scripts/test-latest, which has neither, skips it).

The test starts its own ``scripts/develop`` in a temporary folder, on a free HTTP port, a free
UDP port and loopback addresses of its own, so it neither disturbs nor depends on a developer's running instance.
``MARSTEK_E2E_DEVELOP=path/to/develop.json`` points it at a running instance instead (for
screenshots of an instance whose Energy statistics have had time to appear).
Screenshots go to ``build/e2e/`` (``MARSTEK_E2E_SCREENSHOTS`` overrides it; use ``docs/images``
to refresh the README's pictures).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, started the way this machine's closed network needs: no background
# traffic to Google's services, no QUIC, no GPU, no sandbox (tests run as root in CI).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEVELOP_START_TIMEOUT = 900.0  # s: a first start on a fresh machine installs the frontend
# The simulated batteries of the test, in a corner of 127/8 no other test uses.
E2E_HOSTS = ("127.0.6.2", "127.0.6.3")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: drives Home Assistant from scripts/develop in a real browser"
    )


def _setting() -> str:
    if os.environ.get("MARSTEK_REQUIRE_E2E") == "1":
        return "require"
    return {"1": "want", "0": "never"}.get(os.environ.get("MARSTEK_E2E", ""), "auto")


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"Chromium ({CHROMIUM})")
    if importlib.util.find_spec("playwright") is None:
        missing.append("Playwright (Python package)")
    if not (REPO / ".venv" / "bin" / "python").is_file():
        missing.append(".venv (scripts/setup)")
    return missing


@pytest.fixture(scope="session")
def e2e_tools() -> None:
    """Chromium and Playwright, installed by scripts/e2e-setup when the run asks for them."""
    setting = _setting()
    if setting == "never":
        pytest.skip("MARSTEK_E2E=0")
    if _missing() and setting in ("require", "want"):
        result = subprocess.run([REPO / "scripts" / "e2e-setup"], check=False)
        importlib.invalidate_caches()
        if result.returncode != 0:
            pytest.fail("scripts/e2e-setup failed (see its output above)")
    if missing := _missing():
        message = f"browser test needs {', '.join(missing)}: run scripts/e2e-setup"
        if setting == "require":
            pytest.fail(message)
        pytest.skip(message + " (or set MARSTEK_E2E=1)")


@dataclass(frozen=True, slots=True)
class Develop:
    """A running scripts/develop, as its develop.json describes it."""

    url: str
    username: str
    password: str
    simulator_state: Path
    batteries: list[dict[str, Any]]

    def simulated(self, ble_mac: str) -> dict[str, Any]:
        """The simulator's latest view of one battery (published every second)."""
        for _ in range(20):
            try:
                state = json.loads(self.simulator_state.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                time.sleep(0.1)  # between two writes; replaced atomically, but be lenient
                continue
            for battery in state["batteries"]:
                if battery["ble_mac"] == ble_mac:
                    return dict(battery)
            raise KeyError(ble_mac)
        raise AssertionError(f"cannot read {self.simulator_state}")


def _load_develop(path: Path) -> Develop:
    info = json.loads(path.read_text(encoding="utf-8"))
    return Develop(
        url=info["url"],
        username=info["username"],
        password=info["password"],
        simulator_state=Path(info["simulator_state"]),
        batteries=info["batteries"],
    )


def _wait_ready(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DEVELOP_START_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        if "scripts/develop: ready after" in text:
            return
        if process.poll() is not None:
            pytest.fail(f"scripts/develop exited with {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"scripts/develop was not ready in {DEVELOP_START_TIMEOUT:.0f} s:\n{text[-3000:]}")


@pytest.fixture(scope="module")
def develop(e2e_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Develop]:
    """scripts/develop in a temporary folder (or the instance MARSTEK_E2E_DEVELOP names).

    Module-scoped: it stops before the rest of the suite runs, which it would slow down.
    """
    if existing := os.environ.get("MARSTEK_E2E_DEVELOP"):
        yield _load_develop(Path(existing))
        return
    folder = tmp_path_factory.mktemp("develop")
    log = folder / "develop.out"
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                REPO / "scripts" / "develop",
                "--config",
                folder / "config",
                # Free ports, picked by scripts/develop (this process may not open sockets).
                "--port",
                "0",
                "--hosts",
                ",".join(E2E_HOSTS),
                "--udp-port",
                "0",
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={key: value for key, value in os.environ.items() if not key.startswith("COV_")},
        )
    try:
        _wait_ready(process, log)
        print(f"scripts/develop ready after {time.monotonic() - started:.0f} s", file=sys.stderr)
        yield _load_develop(folder / "config" / "develop.json")
    finally:
        # Ctrl-C, as a developer would stop it; it stops Home Assistant and the simulator.
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(90)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        print(f"scripts/develop output (end):\n{tail}", file=sys.stderr)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the screenshots go (docs/images holds the README's copies)."""
    folder = Path(os.environ.get("MARSTEK_E2E_SCREENSHOTS", REPO / "build" / "e2e"))
    if not folder.is_absolute():
        folder = REPO / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser_context(develop: Develop) -> Generator[Any]:
    """A headless Debian Chromium that may talk to Home Assistant and nothing else.

    One per test: Playwright's synchronous API keeps its own event loop marked as running on
    this thread while it is open, and the Home Assistant test plugin runs its event loop on
    the same thread around every test. Closing Playwright at the end of each test keeps the
    two apart (and leaves no loop behind for the tests that run after these).
    """
    from playwright.sync_api import Route, sync_playwright

    def only_home_assistant(route: Route) -> None:
        # The frontend asks brands.home-assistant.io for integration logos; this machine
        # (and a CI runner) may not reach the internet, and the test must not try.
        if route.request.url.startswith((develop.url, "data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        # en-GB: English texts with a 24-hour clock.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(30_000)
        context.route("**/*", only_home_assistant)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture
def page(browser_context: Any, develop: Develop) -> Any:
    """A page logged in as the demo user, through the login form."""
    page = browser_context.new_page()
    page.goto(develop.url)
    page.wait_for_url("**/auth/authorize**")
    page.get_by_role("textbox", name="Username").fill(develop.username)
    page.get_by_role("textbox", name="Password").fill(develop.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{develop.url}/lovelace/**")
    return page
