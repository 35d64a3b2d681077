"""sigen init: a new project whose blueprint validates and builds as it is, and which
overwrites nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigen import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_new_project_validates_builds_and_checks_with_no_arguments(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "Clinic Portal"
    code, out, _ = run(capsys, "init", str(project), "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["name"] == "clinic-portal"
    assert result["created"] == sorted([
        ".github/workflows/sigen.yml", ".pre-commit-config.yaml", "README.md",
        "blueprints/blueprint.schema.json", "blueprints/clinic-portal.yml"])
    blueprint = (project / "blueprints" / "clinic-portal.yml").read_text("utf-8")
    assert blueprint.startswith("# yaml-language-server: $schema=blueprint.schema.json\n")
    assert "@@" not in blueprint + (project / "README.md").read_text("utf-8")
    monkeypatch.chdir(project)
    # What the hooks and the CI snippet run: no arguments, from the project's root.
    assert run(capsys, "validate")[0] == 0
    assert run(capsys, "build", "blueprints/clinic-portal.yml")[0] == 0
    assert (project / "build" / "clinic-portal" / "site.yml").is_file()
    assert run(capsys, "check")[0] == 0


def test_init_overwrites_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "README.md").write_text("mine\n")
    code, out, _ = run(capsys, "init", str(tmp_path), "--name", "shop")
    assert code == 1 and "SG912" in out and "README.md" in out
    assert (tmp_path / "README.md").read_text() == "mine\n"
    assert not (tmp_path / "blueprints").exists()
    code, out, _ = run(capsys, "init", str(tmp_path / "new"), "--name", "Shop_1")
    assert code == 1 and "SG106" in out and not (tmp_path / "new").exists()
