"""Shared test set-up.

phcc's ``hass`` fixture puts its own ``testing_config/custom_components`` package first on
``sys.path``; importing our package here, before any test runs, makes sure Home Assistant
resolves ``custom_components.marstek_venus`` to this repository (ha-conventions.md §4.2).
The Home Assistant fixtures live in ``tests/ha/conftest.py`` so that the protocol and
simulator tests do not start a Home Assistant instance for every test.
"""

from __future__ import annotations

import custom_components.marstek_venus  # noqa: F401
