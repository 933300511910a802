"""What a release and the places that show this repository outside GitHub rely on.

- The integration's version (``manifest.json``) is the newest CHANGELOG heading (RELEASING.md).
- HACS renders the README away from the repository, where relative paths break: every image
  and link is an absolute URL, and every one into this repository names a file that exists.
- The README opens with the two commands a newcomer needs, and CI runs the same test command.
- The GitHub workflows are YAML that runs the checks they are named after.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from awesomeversion import AwesomeVersion

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "marstek_venus"
WORKFLOWS = ROOT / ".github" / "workflows"
REPOSITORY = "https://github.com/marstek-venus/marstek_venus"
RAW = "https://raw.githubusercontent.com/marstek-venus/marstek_venus/main/"
IN_REPOSITORY = (f"{REPOSITORY}/blob/main/", f"{REPOSITORY}/tree/main/", RAW)
# Home Assistant serves a custom integration's own brand/icon.png from this release on.
LOCAL_BRANDS_FROM = AwesomeVersion("2026.3.0")

SEMVER = r"\d+\.\d+\.\d+"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _manifest_version() -> str:
    version: str = json.loads(_read(INTEGRATION / "manifest.json"))["version"]
    return version


# --- version ----------------------------------------------------------------------------------


def test_manifest_version_is_the_newest_changelog_entry() -> None:
    """manifest.json's version is the first version heading of CHANGELOG.md, with its link."""
    changelog = _read(ROOT / "CHANGELOG.md")
    headings = re.findall(rf"^## \[({SEMVER})\]", changelog, re.MULTILINE)
    assert headings, "CHANGELOG.md has no '## [X.Y.Z]' heading"
    assert _manifest_version() == headings[0]
    assert re.fullmatch(SEMVER, _manifest_version())
    # Newest first, each version once.
    versions = [AwesomeVersion(version) for version in headings]
    assert versions == sorted(versions, reverse=True)
    assert len(set(headings)) == len(headings)
    assert f"[{headings[0]}]: {REPOSITORY}/releases/tag/v{headings[0]}" in changelog


def test_releasing_names_the_rules() -> None:
    """RELEASING.md says which numbers must match and how the tag is spelled."""
    releasing = _read(ROOT / "RELEASING.md")
    for needle in ("manifest.json", "CHANGELOG.md", "vX.Y.Z", "__version__", "HACS"):
        assert needle in releasing, needle


# --- README as HACS shows it ------------------------------------------------------------------


def render_links(markdown: str) -> str:
    """A tiny renderer for what matters here: Markdown images and links become HTML tags.

    Code (fenced blocks and inline spans) is dropped first, as a renderer shows it verbatim;
    reference definitions (``[name]: url``) and raw ``<img>`` / ``<a>`` tags pass through.
    """
    text = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    text = re.sub(
        r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)",
        lambda m: f'<img alt="{html.escape(m[1])}" src="{m[2]}">',
        text,
    )
    text = re.sub(
        r"\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)",
        lambda m: f'<a href="{m[2]}">{m[1]}</a>',
        text,
    )
    return re.sub(
        r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$",
        lambda m: f'<a href="{m[1]}"></a>',
        text,
        flags=re.MULTILINE,
    )


def _attributes(rendered: str, tag: str, attribute: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*\b{attribute}=\"([^\"]*)\"", rendered, re.IGNORECASE)


def _repository_path(url: str) -> Path | None:
    """The file or folder a URL into this repository's main branch names, else None."""
    for prefix in IN_REPOSITORY:
        if url.startswith(prefix):
            return ROOT / url.removeprefix(prefix).split("#", 1)[0].rstrip("/")
    return None


def test_renderer_sees_what_a_renderer_sees() -> None:
    """The checks below stand on the renderer: images, links, definitions; not code."""
    rendered = render_links(
        '![a](docs/x.png) [b](https://e.org/y "t") <img src="z.png">\n'
        "[ref]: docs/ref.md\n`![c](code.png)`\n```\n![d](fenced.png)\n```\n"
    )
    assert _attributes(rendered, "img", "src") == ["docs/x.png", "z.png"]
    assert _attributes(rendered, "a", "href") == ["https://e.org/y", "docs/ref.md"]


def test_readme_images_are_absolute_raw_urls() -> None:
    """Every image is on raw.githubusercontent.com, and the file exists in the repository."""
    images = _attributes(render_links(_read(ROOT / "README.md")), "img", "src")
    assert images, "the README shows screenshots"
    for src in images:
        assert src.startswith(RAW), src
        path = _repository_path(src)
        assert path is not None
        assert path.is_file(), src


def test_readme_links_are_absolute() -> None:
    """Links are anchors or absolute URLs; those into this repository name real files."""
    readme = _read(ROOT / "README.md")
    anchors = {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", readme, re.MULTILINE)
    }
    for href in _attributes(render_links(readme), "a", "href"):
        if href.startswith("#"):
            assert href[1:] in anchors, href
            continue
        assert href.startswith(("https://", "http://", "mailto:")), href
        if (path := _repository_path(href)) is not None:
            assert path.exists(), href


def test_readme_opens_with_the_two_commands() -> None:
    """Before the first section: what it does, then `scripts/setup && scripts/develop` and
    `scripts/test` in one code block."""
    readme = _read(ROOT / "README.md")
    intro = readme.split("\n## ", 1)[0]
    assert "Home Assistant" in intro
    assert "Marstek Venus" in intro
    blocks = re.findall(r"^```\w*\n(.*?)^```", intro, re.MULTILINE | re.DOTALL)
    assert blocks, "no code block before the first section"
    commands = [line.split("#", 1)[0].strip() for line in blocks[0].splitlines()]
    assert commands == ["scripts/setup && scripts/develop", "scripts/test"]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs the README's set-up and test commands (and GitHub runs .ci/run)."""
    ci_run = _read(ROOT / ".ci" / "run")
    for command in ("scripts/setup", "scripts/test"):
        assert re.search(rf"^\s*run_job \"[^\"]*\" {re.escape(command)}$", ci_run, re.MULTILINE)


def test_brand_claim_matches_the_minimum_version() -> None:
    """quality_scale.yaml claims brands only as far as the supported versions show the icon."""
    minimum = AwesomeVersion(json.loads(_read(ROOT / "hacs.json"))["homeassistant"])
    rules = yaml.safe_load(_read(INTEGRATION / "quality_scale.yaml"))["rules"]
    if minimum < LOCAL_BRANDS_FROM:
        assert rules["brands"] != "done", "the icon is missing before 2026.3: say so"
        assert rules["brands"]["comment"]
        assert "2026.3" in _read(ROOT / "README.md")


# --- GitHub workflows -------------------------------------------------------------------------


def _workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load(_read(WORKFLOWS / name))
    assert isinstance(data, dict), name
    return data


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*")), ids=lambda path: path.name)
def test_workflow_parses(path: Path) -> None:
    """Every workflow is YAML with a name, triggers and jobs that run on a GitHub runner."""
    assert path.suffix in {".yaml", ".yml"}
    workflow = _workflow(path.name)
    assert workflow["name"]
    # YAML 1.1 reads the bare key `on` as True; GitHub reads it as "on".
    triggers = workflow.get("on", workflow.get(True))
    assert triggers, path.name
    assert "pull_request" in triggers
    for job in workflow["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest"
        assert job["steps"]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step


def test_validate_workflow() -> None:
    """hassfest and the HACS action (category integration), as HACS's reviewers ask."""
    uses = {step["uses"]: step for step in _steps(_workflow("validate.yaml")) if "uses" in step}
    assert "home-assistant/actions/hassfest@master" in uses
    assert uses["hacs/action@main"]["with"] == {"category": "integration"}


def test_ci_workflow_runs_ci_run() -> None:
    """The CI workflow checks out and runs exactly `bash .ci/run`, as root in Debian."""
    workflow = _workflow("ci.yaml")
    steps = _steps(workflow)
    checkout = next(
        i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/checkout@")
    )
    assert steps[-1]["run"].strip() == "bash .ci/run"
    assert checkout < len(steps) - 1
    (job,) = workflow["jobs"].values()
    assert job["container"]["image"].startswith("debian:")
    assert "--privileged" in job["container"]["options"]
