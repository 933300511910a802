"""The command-line entry points: scripts/test-latest's mirror, scripts/develop, benchmarks.

scripts/test-latest picks its Debian mirror from the host's apt sources, never a built-in one.
The mirror function runs on its own (extracted from the script) against apt folders made up
here, so the test needs neither root nor a network. The addresses are reserved example names.

``scripts/develop`` is the package ``scripts/devenv`` (``python -m scripts.devenv``) and the
benchmarks have one entry point, ``python -m benchmarks COMMAND``: both answer ``--help``
without starting anything.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "test-latest"
FUNCTIONS = ("say", "die", "debian_mirror")


def _functions() -> str:
    """The shell functions the mirror lookup needs, as written in the script."""
    text = SCRIPT.read_text(encoding="utf-8")
    parts = []
    for name in FUNCTIONS:
        match = re.search(rf"^{name}\(\) \{{.*?(?:\}}$|^\}}$)", text, re.MULTILINE | re.DOTALL)
        assert match is not None, name
        parts.append(match.group(0))
    return "\n".join(parts)


def _mirror(etc: Path, override: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "MARSTEK_APT_ETC": str(etc)}
    if override is not None:
        env["MARSTEK_DEBIAN_MIRROR"] = override
    return subprocess.run(
        ["bash", "-c", f'set -euo pipefail\n{_functions()}\nm=$(debian_mirror)\necho "$m"'],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def apt(tmp_path: Path) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    return tmp_path


def test_deb822_sources(apt: Path) -> None:
    """The first archive URI of a .sources file; the security archive is not a mirror."""
    (apt / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://security.example.invalid/debian-security\nSuites: x\n\n"
        "Types: deb\nURIs: http://mirror.example.invalid/debian\nSuites: sid\n",
        encoding="utf-8",
    )
    result = _mirror(apt)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://mirror.example.invalid/debian"


def test_one_line_sources(apt: Path) -> None:
    """A one-line entry, options in brackets skipped."""
    (apt / "sources.list").write_text(
        "# comment\ndeb [arch=amd64 signed-by=/x.gpg] https://proxy.example.invalid:3142/debian "
        "bookworm main\n",
        encoding="utf-8",
    )
    result = _mirror(apt)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://proxy.example.invalid:3142/debian"


def test_no_mirror_is_a_clear_error(apt: Path) -> None:
    """Without a Debian archive in apt's sources the script stops and says what to do."""
    (apt / "sources.list").write_text(
        "deb http://security.example.invalid/debian-security bookworm-security main\n",
        encoding="utf-8",
    )
    result = _mirror(apt)
    assert result.returncode != 0
    assert result.stdout.strip() == ""
    assert "no Debian archive mirror found" in result.stderr
    assert "MARSTEK_DEBIAN_MIRROR" in result.stderr


def test_explicit_mirror_wins(apt: Path) -> None:
    result = _mirror(apt, "http://chosen.example.invalid/debian")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://chosen.example.invalid/debian"


def test_script_names_no_host() -> None:
    """No URL with a host anywhere in the script: not as a fallback, not in a comment."""
    text = SCRIPT.read_text(encoding="utf-8")
    assert re.findall(r"[a-z]+://[\w.-]+", text) == []


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_develop_is_one_package() -> None:
    """scripts/develop runs the devenv package; its modules stay small."""
    wrapper = (ROOT / "scripts" / "develop").read_text(encoding="utf-8")
    assert 'exec .venv/bin/python -m scripts.devenv "$@"' in wrapper
    assert not list((ROOT / "scripts").glob("develop_*.py"))
    for module in (ROOT / "scripts" / "devenv").glob("*.py"):
        assert len(module.read_text(encoding="utf-8").splitlines()) <= 400, module.name


def test_develop_help() -> None:
    """The options scripts/develop always had, under its own name."""
    result = _python("-m", "scripts.devenv", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: scripts/develop ")
    for option in ("--config", "--reset", "--port", "--listen", "--hosts", "--udp-port", "-v"):
        assert option in result.stdout


def test_develop_children_check_their_arguments() -> None:
    """The simulated batteries need a state file; Home Assistant's starter loopback targets."""
    batteries = _python("-m", "scripts.devenv.batteries")
    assert batteries.returncode == 2
    assert "--state" in batteries.stderr
    hass = _python("-m", "scripts.devenv.hass")
    assert hass.returncode == 2
    assert "MARSTEK_DEVELOP_SCAN_TARGETS must list loopback addresses" in hass.stderr


def test_benchmarks_lists_its_commands() -> None:
    result = _python("-m", "benchmarks", "--help")
    assert result.returncode == 0, result.stderr
    for command in ("run", "scenarios", "soak", "fuzz", "ha-cost", "report", "plot"):
        assert re.search(rf"^  {command} ", result.stdout, re.MULTILINE), command
    unknown = _python("-m", "benchmarks", "nonsense")
    assert unknown.returncode == 2
    assert "unknown command 'nonsense'" in unknown.stderr


def test_benchmarks_command_help_names_the_entry_point() -> None:
    result = _python("-m", "benchmarks", "soak", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m benchmarks soak ")
    assert "--hours" in result.stdout


def test_benchmarks_report_reprints_saved_results(tmp_path: Path) -> None:
    """`report` prints the tables of a results file without measuring anything."""
    results = tmp_path / "latest.json"
    discovery = [{"batteries": 2, "found": 2, "seconds": 1.5}]
    results.write_text(
        json.dumps({"plan": {}, "libraries": {"ours": {"discovery": discovery}}, "missing": {}}),
        encoding="utf-8",
    )
    result = _python("-m", "benchmarks", "report", str(results))
    assert result.returncode == 0, result.stderr
    assert "### Discovery on loopback" in result.stdout
    missing = _python("-m", "benchmarks", "report", str(tmp_path / "none.json"))
    assert missing.returncode == 2
    assert "run `python -m benchmarks run` first" in missing.stderr


def test_benchmarks_have_one_entry_point() -> None:
    """``python -m benchmarks COMMAND`` is the only way in: no shell script beside it."""
    scripts = [
        path.name
        for path in (ROOT / "benchmarks").iterdir()
        if path.is_file() and path.suffix == "" and path.name not in {"setup", ".gitignore"}
    ]
    assert scripts == []


def test_smoke_log_check() -> None:
    """The newest-release smoke run (scripts/smoke) fails on the integration's warnings,
    errors and deprecations only; Home Assistant's notice about every custom integration and
    its own warnings do not fail it."""
    from scripts.smoke import logcheck

    stamp = "2026-11-05 10:00:00.123+00:00"
    log = [
        f"{stamp} WARNING (SyncWorker_0) [homeassistant.loader] We found a custom integration "
        "marstek_venus which has not been tested by Home Assistant. This component might ...",
        f"{stamp} WARNING (MainThread) [homeassistant.components.network] No IPv4 address",
        f"{stamp} DEBUG (MainThread) [custom_components.marstek_venus.coordinator] polled",
        f"{stamp} ERROR (MainThread) [homeassistant.setup] Error during setup",
        "Traceback (most recent call last):",
        '  File "/config/custom_components/marstek_venus/__init__.py", line 1, in setup',
        f"{stamp} INFO (MainThread) [homeassistant.helpers.frame] Detected that custom "
        "integration 'marstek_venus' calls a deprecated helper",
    ]
    found = logcheck.records(log)
    assert [record.level for record in found] == ["WARNING", "WARNING", "DEBUG", "ERROR", "INFO"]
    assert [found.index(record) for record in logcheck.problems(found)] == [3, 4]
    assert list(logcheck.other_warnings(found)) == [
        "WARNING [homeassistant.components.network] No IPv4 address"
    ]
    console = ["/x/marstek_venus/sensor.py:3: DeprecationWarning: old", "plain output"]
    assert logcheck.python_warnings(console) == [console[0]]
