"""What the command line's numbers must be: argparse types refuse the rest with a reason."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def checked[N: (int, float)](text: str, value: N, bad: Callable[[N], bool], reason: str) -> N:
    """``value`` (read from ``text``), or argparse's error "TEXT REASON" if it is ``bad``."""
    if bad(value):
        raise argparse.ArgumentTypeError(f"{text} {reason}")
    return value
