"""The translation files against the rules hassfest applies to an integration's strings.

hassfest itself needs Home Assistant core's source tree, which CI cannot fetch, so its
translation rules are restated here as a voluptuous schema, written for this test:

* every text: no HTML, no URL (links go in placeholders), no leading or trailing spaces, no
  placeholder in single quotes, placeholders that are identifiers, a ``[%key:...%]``
  reference only as the whole text;
* keys of options, states, services and fields: lowercase letters, digits, ``-`` and ``_``,
  not starting or ending with (or doubling) a separator;
* config and options flows: steps with title, description, data (and data descriptions only
  for fields that exist), sections, menus, errors, aborts; no ``title`` in ``config``;
* issues: a title, and *either* a description *or* a fix flow (hassfest's exclusive group);
* selectors, services, entities (entity states and units take no placeholders), exceptions,
  device automations; nothing at the top level that hassfest does not know.

hassfest checks only en.json of a custom integration; the other languages follow the same
rules here, since Home Assistant loads them the same way.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.helpers import config_validation as cv

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / "marstek_venus" / "translations"
LANGUAGES = ("en", "nl", "de", "fr")

_KEY = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_URL = re.compile(
    r"((ftp|ftps|scp|https?|mqtts?|socket|socks5)://|www\.)[a-z0-9]+([-.][a-z0-9]+)*\.[a-z]{2,5}",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"\[%key:[^%]+%\]")


def translation_key(value: Any) -> str:
    """A key Home Assistant looks a text up by."""
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise vol.Invalid(f"invalid translation key {value!r}: [a-z0-9] parts joined by - or _")
    return value


def text(*, placeholders: bool = True) -> Callable[[Any], str]:
    """A translated text (see the module docstring for the rules)."""

    def validate(value: Any) -> str:
        value = cv.string_with_no_html(value)
        if value != value.strip():
            raise vol.Invalid("leading or trailing whitespace")
        if _URL.search(value):
            raise vol.Invalid("a URL in the text: pass it as a placeholder")
        if re.search(r"'\{\w+\}'", value):
            raise vol.Invalid("a placeholder in single quotes")
        if (reference := _REFERENCE.search(value)) and reference.group(0) != value:
            raise vol.Invalid("a reference combined with other text")
        try:
            fields = [field for _, field, _, _ in string.Formatter().parse(value) if field]
        except ValueError as err:
            raise vol.Invalid(f"unbalanced braces: {err}") from err
        if fields and not placeholders:
            raise vol.Invalid("placeholders are not allowed here")
        if not all(field.isidentifier() for field in fields):
            raise vol.Invalid(f"placeholders must be identifiers: {fields}")
        return value

    return validate


TEXT = text()
PLAIN = text(placeholders=False)


def keyed(value: Any, *, key: Callable[[Any], str] = translation_key) -> Callable[[Any], Any]:
    """A mapping whose keys are translation keys (or slugs) and values follow ``value``."""
    schema = vol.Schema({str: value})

    def validate(mapping: Any) -> Any:
        if not isinstance(mapping, dict):
            raise vol.Invalid("expected a mapping")
        for name in mapping:
            key(name)
        return schema(mapping)

    return validate


def _data_descriptions_describe_data(flow: dict[str, Any]) -> dict[str, Any]:
    for step_id, step in flow["step"].items():
        extra = set(step.get("data_description", {})) - set(step.get("data", {}))
        if extra:
            raise vol.Invalid(f"step {step_id}: data_description for unknown fields {extra}")
    return flow


def flow(*, in_config: bool = False) -> vol.All:
    """A config, options or fix flow."""
    fields = {str: TEXT}
    schema: dict[Any, Any] = {
        vol.Required("step"): {
            str: {
                vol.Optional("title"): TEXT,
                vol.Optional("description"): TEXT,
                vol.Optional("data"): fields,
                vol.Optional("data_description"): fields,
                vol.Optional("menu_options"): fields,
                vol.Optional("menu_option_descriptions"): fields,
                vol.Optional("submit"): TEXT,
                vol.Optional("sections"): {
                    str: {
                        vol.Optional("name"): TEXT,
                        vol.Optional("description"): TEXT,
                        vol.Optional("data"): fields,
                        vol.Optional("data_description"): fields,
                    }
                },
            }
        },
        vol.Optional("error"): fields,
        vol.Optional("abort"): fields,
        vol.Optional("progress"): fields,
        vol.Optional("create_entry"): fields,
        vol.Optional("initiate_flow"): {vol.Required("user"): TEXT},
    }
    if in_config:
        schema[vol.Optional("flow_title")] = TEXT
        # "config.title" moved to the top level long ago; hassfest rejects it in config.
    return vol.All(vol.Schema(schema), _data_descriptions_describe_data)


ISSUE = vol.All(
    cv.has_at_least_one_key("description", "fix_flow"),
    vol.Schema(
        {
            vol.Required("title"): TEXT,
            # A fixable issue explains itself in its fix flow; hassfest allows one or the other.
            vol.Exclusive("description", "description_or_fix_flow"): TEXT,
            vol.Exclusive("fix_flow", "description_or_fix_flow"): flow(),
        }
    ),
)

FIELD = {vol.Required("name"): str, vol.Required("description"): TEXT}

STRINGS = vol.Schema(
    {
        vol.Optional("title"): TEXT,
        vol.Optional("config"): flow(in_config=True),
        vol.Optional("options"): flow(),
        vol.Optional("selector"): keyed(
            {
                vol.Optional("options"): keyed(TEXT),
                vol.Optional("choices"): keyed(TEXT),
                vol.Optional("unit_of_measurement"): keyed(TEXT),
                vol.Optional("fields"): keyed(FIELD),
            },
            key=vol.Any("_", cv.slug),
        ),
        vol.Optional("device"): keyed({vol.Optional("name"): TEXT}),
        vol.Optional("entity"): keyed(
            keyed(
                {
                    vol.Optional("name"): TEXT,
                    vol.Optional("state"): keyed(PLAIN),
                    vol.Optional("state_attributes"): keyed(
                        {vol.Optional("name"): PLAIN, vol.Optional("state"): keyed(PLAIN)}
                    ),
                    vol.Optional("unit_of_measurement"): PLAIN,
                }
            ),
            key=cv.slug,
        ),
        vol.Optional("exceptions"): keyed({vol.Optional("message"): TEXT}, key=cv.slug),
        vol.Optional("issues"): {str: ISSUE},
        vol.Optional("services"): keyed(
            {
                vol.Required("name"): TEXT,
                vol.Required("description"): TEXT,
                vol.Optional("fields"): keyed({**FIELD, vol.Optional("example"): TEXT}),
                vol.Optional("sections"): keyed(
                    {vol.Required("name"): str, vol.Optional("description"): TEXT}
                ),
            }
        ),
        vol.Optional("device_automation"): {
            vol.Optional(group): {str: TEXT}
            for group in (
                "action_type",
                "condition_type",
                "trigger_type",
                "trigger_subtype",
                "extra_fields",
                "extra_fields_descriptions",
            )
        },
    }
)


def _load(language: str) -> dict[str, Any]:
    data = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_pass_hassfest_rules(language: str) -> None:
    """Each translation file is valid under hassfest's rules."""
    STRINGS(_load(language))


# --- the rules themselves: each catches what hassfest would reject ----------------------------


def _with(path: str, value: Any) -> dict[str, Any]:
    """en.json with one value replaced (``path`` is dot-separated)."""
    data = _load("en")
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return data


FIX_FLOW = {"step": {"confirm": {"title": "Fix {name}", "description": "Do it."}}}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        # The issue-9 finding: a fixable issue with a description too (an exclusive group).
        ("issues.settings_reset", {"title": "t", "description": "d", "fix_flow": FIX_FLOW}),
        ("issues.port_in_use", {"title": "Only a title"}),
        ("issues.port_in_use", {"description": "No title"}),
        ("issues.bad.fix_flow", {"abort": {"x": "No steps"}}),
        ("config.title", "Marstek Venus"),
        ("config.step.user.data_description", {"no_such_field": "Described"}),
        ("config.step.user.description", "See https://example.com/manual"),
        ("config.step.user.description", "<b>Bold</b>"),
        ("config.step.user.description", "Ends with a space "),
        ("config.step.user.description", "Host '{host}'"),
        ("config.step.user.description", "Unbalanced {host"),
        ("config.step.user.description", "Not {an identifier}"),
        ("config.step.user.description", "Combined [%key:common::config_flow::data::host%]"),
        ("selector.poll_groups.options", {"Battery": "Capital key"}),
        ("selector.poll_groups.options", {"_battery": "Leading underscore"}),
        ("selector.poll_groups.options", {"bat__tery": "Double separator"}),
        ("entity.sensor.operating_mode.state", {"auto": "Auto {mode}"}),
        ("entity.sensor.ac_power.unit_of_measurement", "{unit}"),
        ("entity.Sensor", {"x": {"name": "Platform not a slug"}}),
        ("services.set_passive_mode", {"name": "No description"}),
        ("services.set_passive_mode.fields.power", {"name": "Power"}),
        ("exceptions.Bad-Key", {"message": "Not a slug"}),
        ("unknown_section", {"x": "y"}),
    ],
)
def test_rules_reject(path: str, value: Any) -> None:
    """Every rule of the schema fires on a file that breaks it."""
    with pytest.raises(vol.Invalid):
        STRINGS(_with(path, value))


def test_rules_accept_what_hassfest_accepts() -> None:
    """Placeholders in names, a whole-text reference, a fix flow without an issue description."""
    STRINGS(_with("entity.sensor.pv1_power", {"name": "PV {channel} power"}))
    STRINGS(_with("config.step.user.data.host", "[%key:common::config_flow::data::host%]"))
    STRINGS(_with("issues.other", {"title": "t", "fix_flow": FIX_FLOW}))
    STRINGS(_with("issues.other", {"title": "t", "description": "No fix flow"}))
