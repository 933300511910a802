"""The firmware's cJSON formatting."""

from __future__ import annotations

import json

from simulator.cjson import dumps


def test_pretty_print_like_the_firmware() -> None:
    text = dumps({"id": 0, "src": "VenusE 3.0-009b08a5dfa5", "result": {"id": 0, "soc": 85}})
    assert text == (
        '{\n\t"id":\t0,\n\t"src":\t"VenusE 3.0-009b08a5dfa5",\n'
        '\t"result":\t{\n\t\t"id":\t0,\n\t\t"soc":\t85\n\t}\n}'
    )


def test_values() -> None:
    value = {
        "float": 25.0,
        "fraction": 24.5,
        "big": 5120.0,
        "true": True,
        "false": False,
        "none": None,
        "nan": float("nan"),
        "list": [1, 2],
        "empty": {},
        "text": 'quote " and ünïcode',
    }
    text = dumps(value)
    assert '"float":\t25.0,' in text
    assert '"fraction":\t24.5,' in text
    assert '"big":\t5120.0,' in text
    assert '"nan":\tnull' in text
    parsed = json.loads(text)
    assert parsed["true"] is True
    assert parsed["none"] is None
    assert parsed["list"] == [1, 2]
    assert parsed["empty"] == {}
    assert parsed["text"] == value["text"]
