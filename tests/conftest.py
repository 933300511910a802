"""Shared test set-up.

phcc's ``hass`` fixture puts its own ``testing_config/custom_components`` package first on
``sys.path``; importing our package here, before any test runs, makes sure Home Assistant
resolves ``custom_components.marstek_venus`` to this repository (ha-conventions.md §4.2).
The Home Assistant fixtures live in ``tests/ha/conftest.py`` so that the protocol and
simulator tests do not start a Home Assistant instance for every test.
"""

from __future__ import annotations

import os

import custom_components.marstek_venus  # noqa: F401

# Tests start simulators and the CLI as subprocesses (some inside network namespaces).
# pytest-cov would measure those too, through COV_CORE_* variables, and their data files
# cannot always be combined with the branch data of the main run; they are measured
# in-process by other tests instead.
for _name in [name for name in os.environ if name.startswith("COV_CORE_")]:
    del os.environ[_name]
