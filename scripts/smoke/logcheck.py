"""Read home-assistant.log: what the integration logged that a user should never see.

A record is one log line with its continuation lines (a traceback, a multi-line message). The
integration fails the smoke run with any record at WARNING or above that names it, and with any
record at all that names it and speaks of a deprecation (Home Assistant's "Detected that custom
integration 'marstek_venus' uses ..." reports, Python's DeprecationWarning from our files, which
Home Assistant logs through ``py.warnings``). Home Assistant's own warnings are only reported.
Python warnings raised before Home Assistant set up its logging go to its console output
instead; ``python_warnings`` finds them there.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .config import DOMAIN

# 2026-11-05 10:00:00.123+00:00 WARNING (MainThread) [homeassistant.loader] We found a custom ...
# (newer releases add the UTC offset)
_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)? (?P<level>[A-Z]+) "
    r"\((?P<thread>[^)]*)\) "
    r"\[(?P<logger>[^\]]+)\] (?P<message>.*)$"
)
# /path/to/module.py:12: DeprecationWarning: message   (Python's own warning format)
_PYTHON_WARNING = re.compile(r"^\S+\.py:\d+: \w*Warning: ")
PROBLEM_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})
# Home Assistant says this about every custom integration it loads; it is not about our code.
EXPECTED = (re.compile(rf"We found a custom integration {DOMAIN} which has not been tested"),)


@dataclass(frozen=True, slots=True)
class Record:
    """One log record: its level, logger, first line and every line."""

    level: str
    logger: str
    message: str
    text: str

    @property
    def ours(self) -> bool:
        return DOMAIN in self.text

    @property
    def expected(self) -> bool:
        return any(pattern.search(self.message) for pattern in EXPECTED)

    @property
    def problem(self) -> bool:
        """A record of ours that fails the smoke run."""
        if not self.ours or self.expected:
            return False
        return self.level in PROBLEM_LEVELS or "deprecat" in self.text.lower()


def records(lines: Iterable[str]) -> list[Record]:
    """Group log lines into records (lines before the first record are dropped)."""
    found: list[Record] = []
    head: re.Match[str] | None = None
    body: list[str] = []

    def close() -> None:
        if head is not None:
            found.append(Record(head["level"], head["logger"], head["message"], "\n".join(body)))

    for raw in lines:
        line = raw.rstrip("\n")
        if match := _RECORD.match(line):
            close()
            head, body = match, [line]
        elif head is not None:
            body.append(line)
    close()
    return found


def problems(found: Iterable[Record]) -> list[Record]:
    return [record for record in found if record.problem]


def other_warnings(found: Iterable[Record]) -> Counter[str]:
    """Home Assistant's (and its libraries') own warnings and errors, by first line."""
    return Counter(
        f"{record.level} [{record.logger}] {record.message}"
        for record in found
        if record.level in PROBLEM_LEVELS and not record.ours
    )


def python_warnings(lines: Iterable[str]) -> list[str]:
    """Python warnings printed to the console (before logging took them over)."""
    return [line.rstrip("\n") for line in lines if _PYTHON_WARNING.match(line)]
