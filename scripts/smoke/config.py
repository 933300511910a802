"""The smoke run's Home Assistant configuration folder, written from scratch on every run.

Minimal on purpose: no ``default_config`` (zeroconf, SSDP, DHCP, Bluetooth, the cloud), only
the HTTP server on loopback and what onboarding, the config flow and the REST API need. Home
Assistant adds the integrations it always loads (frontend, person, network, ...). The
integration is copied in, like HACS installs it; nothing of the repository is on sys.path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts.hass_common import core_yaml

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "marstek_venus"
INTEGRATION = REPO / "custom_components" / DOMAIN

# Named in configuration.yaml: the REST API (/api/states, /api/services), the config panels'
# API (/api/config/config_entries/flow) and onboarding (the owner user, /auth/token).
CONFIGURED_INTEGRATIONS = ("api", "config", "http", "logger", "onboarding")

CONFIGURATION_YAML = """\
# Written by scripts/smoke on every run.
{core}
http:
  server_host: {listen}
  server_port: {http_port}

logger:
  default: info
  logs:
    custom_components.{domain}: debug

api:
config:
onboarding:
"""


def write_config(config_dir: Path, *, listen: str, http_port: int) -> None:
    """A fresh configuration folder with the integration copied into custom_components."""
    if config_dir.exists():
        shutil.rmtree(config_dir)
    config_dir.mkdir(parents=True)
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(
            core=core_yaml("Marstek smoke", "UTC"),
            listen=listen,
            http_port=http_port,
            domain=DOMAIN,
        ),
        encoding="utf-8",
    )
    shutil.copytree(
        INTEGRATION,
        config_dir / "custom_components" / DOMAIN,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
