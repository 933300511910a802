"""scripts/test-latest picks its Debian mirror from the host's apt sources, never a built-in one.

The mirror function runs on its own (extracted from the script) against apt folders made up
here, so the test needs neither root nor a network. The addresses are reserved example names.
"""

from __future__ import annotations

import os
import re
import subprocess
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
