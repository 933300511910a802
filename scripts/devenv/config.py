"""The configuration folder of `scripts/develop`: written from scratch on every start.

Only the YAML is regenerated; Home Assistant's own state in ``.storage`` (the demo user, the
config entries, history, statistics) is kept between starts, so the Energy panel fills up the
longer the simulator runs. ``scripts/develop --reset`` starts over.

The configuration is deliberately small: ``default_config`` would pull in zeroconf, SSDP,
DHCP, Bluetooth, the cloud and more (dependencies to install, and traffic onto the network).
What the integration needs to be seen is the frontend, the config panels, history and the
Energy panel.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scripts.hass_common import core_yaml

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "custom_components" / "marstek_venus"

# Integrations named in configuration.yaml. Home Assistant adds its always-on ones
# (homeassistant.bootstrap.DEFAULT_INTEGRATIONS) and every dependency.
CONFIGURED_INTEGRATIONS = (
    "automation",
    "config",
    "energy",
    "frontend",
    "history",
    "logbook",
    "logger",
    "recorder",
    "rest",
    "script",
)

# Onboarding steps that are simply marked done. The "user" step is left for
# provision.py, which creates the demo user through Home Assistant's own API. The
# "core_config" step is marked done here because finishing it through the API would add
# integrations that reach out to the internet (weather, radio, translation).
PRE_DONE_ONBOARDING_STEPS = ("core_config", "analytics", "integration")
ONBOARDING_STORAGE_VERSION = 4

CONFIGURATION_YAML = """\
# Written by scripts/develop on every start; edit scripts/devenv/config.py instead.
{core}
http:
  server_host: {listen}
  server_port: {http_port}

logger:
  default: warning
  logs:
    custom_components.marstek_venus: info
    # libturbojpeg (a C library) is not installed; only camera snapshots would be faster.
    homeassistant.components.camera.img_util: critical

recorder:
  purge_keep_days: 10

frontend:
config:
energy:
history:
logbook:

# The simulated household's grid power, as a P1 meter reader would give it: the simulator
# publishes a sample every {grid_period} s (DSMR 5: 1 s, DSMR 4: 10 s) and this sensor reads it
# as often. It is the source an emulated Shelly meter entry serves to the batteries.
sensor:
  - platform: rest
    name: Household grid power
    unique_id: marstek_develop_household_grid_power
    resource: http://127.0.0.1:{grid_port}/
    scan_interval: {grid_period}
    timeout: 2
    value_template: "{{{{ value_json.grid_power }}}}"
    unit_of_measurement: W
    device_class: power
    state_class: measurement

# Automations and scripts made in the UI are kept (the blueprints folder is refreshed from
# the repository on every start).
automation: !include automations.yaml
script: !include scripts.yaml
"""


def local_time_zone() -> str:
    """The machine's IANA time zone (the simulated batteries' clocks follow local time)."""
    candidates: list[str] = []
    if tz := os.environ.get("TZ", "").lstrip(":"):
        candidates.append(tz)
    try:
        link = os.readlink("/etc/localtime")
    except OSError:
        pass
    else:
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    for name in candidates:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def write_config(
    config_dir: Path, *, listen: str, http_port: int, grid_port: int, grid_period: int = 1
) -> None:
    """(Re)write the YAML configuration, the include files and the blueprints."""
    config_dir.mkdir(parents=True, exist_ok=True)
    # Nothing in here belongs in git (the folder sits in the repository by default).
    (config_dir / ".gitignore").write_text("*\n", encoding="utf-8")
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(
            core=core_yaml("Marstek Venus demo", local_time_zone()),
            listen=listen,
            http_port=http_port,
            grid_port=grid_port,
            grid_period=grid_period,
        ),
        encoding="utf-8",
    )
    for name in ("automations.yaml", "scripts.yaml"):
        path = config_dir / name
        if not path.exists():
            path.write_text("[]\n" if name == "automations.yaml" else "{}\n", encoding="utf-8")
    # The integration itself, linked: edit the repository, restart Home Assistant.
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "marstek_venus"
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == INTEGRATION:
            pass
        elif link.is_symlink():
            link.unlink()
        else:
            shutil.rmtree(link)
    if not link.exists():
        link.symlink_to(INTEGRATION, target_is_directory=True)
    # The repository's blueprints, importable from Settings > Automations > Blueprints.
    source = REPO / "blueprints" / "automation" / "marstek_venus"
    target = config_dir / "blueprints" / "automation" / "marstek_venus"
    if source.is_dir():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)


def prepare_onboarding(config_dir: Path) -> None:
    """Mark the onboarding steps that need no user done, once, before the first start."""
    storage = config_dir / ".storage"
    path = storage / "onboarding"
    if path.exists():
        return
    storage.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "version": ONBOARDING_STORAGE_VERSION,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": list(PRE_DONE_ONBOARDING_STEPS)},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
