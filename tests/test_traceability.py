"""Every step ID in a plan is on a play or task, and every ID on a play or task is in a plan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.test_build_cases import BLUEPRINTS, read_yaml, render_case, roles_dir

_ID = re.compile(r"\b(?:INS|BAK|RST|DRL)-\d{3}\b")


@pytest.fixture(scope="module")
def roles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return roles_dir(tmp_path_factory.mktemp("roles"))[0]


def _play_ids(plays: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(IDs in play/task names and tags, IDs in play tags)."""
    named: set[str] = set()
    tagged: set[str] = set()
    for play in plays:
        tags = {t for t in play.get("tags", []) if _ID.fullmatch(t)}
        tagged |= tags
        named |= tags | set(_ID.findall(play.get("name", "")))
        for section in ("pre_tasks", "tasks", "post_tasks"):
            for task in play.get(section, []):
                named |= set(_ID.findall(task.get("name", "")))
    return named, tagged


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_document_ids_match_plays(name: str, roles: Path) -> None:
    rendered = render_case(name, roles)
    files = rendered.files
    doc_ids: set[str] = set()
    for rel, content in files.items():
        if rel.startswith("docs/"):
            doc_ids |= set(_ID.findall(content.decode()))
    play_ids: set[str] = set()
    tagged: set[str] = set()
    for rel, content in files.items():
        if rel.startswith("playbooks/"):
            named, tags = _play_ids(read_yaml(content))
            play_ids |= named
            tagged |= tags
    assert doc_ids == play_ids, (doc_ids ^ play_ids)
    assert tagged <= doc_ids
    assert set(rendered.plan.all_ids()) == doc_ids


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_site_imports_one_play_per_install_step_in_order(name: str, roles: Path) -> None:
    rendered = render_case(name, roles)
    preflight, *site = read_yaml(rendered.files["site.yml"])
    # The preflight play itself (its hosts: line makes AWX list site.yml as a playbook).
    assert preflight["name"].startswith("Preflight") and preflight["hosts"] == "all"
    steps = [s.id for s in rendered.plan.install]
    assert [entry["name"].split()[0] for entry in site] == steps
    for entry, step in zip(site, steps, strict=True):
        plays = read_yaml(rendered.files[entry["ansible.builtin.import_playbook"]])
        assert len(plays) == 1
        assert plays[0]["name"].startswith(step) and step in plays[0]["tags"]
