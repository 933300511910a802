"""Quality checks of repair issues and device triggers: every one the code makes is translated."""

from __future__ import annotations

import re

from custom_components.marstek_venus.const import Trigger
from custom_components.marstek_venus.fleet_triggers import FLEET_TRIGGER_TYPES

from .quality_support import INTEGRATION, _json, _sources


def test_issue_translations() -> None:
    """Every repair issue the code creates has a title, and a description or a fix flow.

    Not both: hassfest rejects that (test_translations.py). The fixable issue explains itself
    in its fix flow's step instead, with the issue's placeholders.
    """
    english = _json(INTEGRATION / "translations" / "en.json")["issues"]
    source = _sources()["issues.py"]
    keys = {"port_in_use", "open_api_off", "api_not_answering", "settings_reset"}
    keys |= {"meter_port_in_use", "meter_source_unavailable"}
    assert keys == set(english)
    for key in keys:
        assert f'"{key}"' in source
    for key in english:
        assert english[key]["title"]
        assert ("description" in english[key]) != ("fix_flow" in english[key]), key
    fix_flow = english["settings_reset"]["fix_flow"]
    assert set(fix_flow["step"]) == {"confirm"}
    assert {"{reported}", "{expected}"} <= set(
        re.findall(r"{\w+}", fix_flow["step"]["confirm"]["description"])
    )
    reasons = set(re.findall(r'reason="(\w+)"', _sources()["repairs.py"]))
    assert reasons == set(fix_flow["abort"])


def test_device_trigger_translations() -> None:
    """Every trigger type is translated."""
    english = _json(INTEGRATION / "translations" / "en.json")
    triggers = {str(t) for t in Trigger} | set(FLEET_TRIGGER_TYPES)
    assert set(english["device_automation"]["trigger_type"]) == triggers
