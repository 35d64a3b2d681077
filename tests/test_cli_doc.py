"""docs/cli.md is what the commands do: every command has its section, its exit-code table
is the one ``--help`` prints, and the JSON fields it lists are the keys the command's
``--format json`` result has (run for the commands that need no hosts; from the functions
that make the result, on records as the runs write them, for those that do)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sigen.cli import main, parser
from sigen.cli.help import EXIT_CODES
from sigen.cli.lab import deploy_result, inventory_result, verify_result
from sigen.cli.recovery import backup_result, drill_result, restore_result, run_result
from sigen.operate.playbook import RunResult

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"
EXAMPLE = ROOT / "blueprints" / "onprem-physical.yml"
_ENVELOPE = {"format_version", "command", "ok", "exit_code", "diagnostics"}
_SECTION = re.compile(r"^### `sigen ([a-z -]+)`$", re.M)
# Top-level field names: `name` in backticks (nested ones are written as `{a, b}`).
_FIELD = re.compile(r"`([a-z_]+)`")


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    heads = list(_SECTION.finditer(text))
    return {m.group(1): text[m.end():heads[i + 1].start() if i + 1 < len(heads) else None]
            for i, m in enumerate(heads)}


def _documented_fields(name: str) -> set[str]:
    section = _sections()[name]
    line = next(line for line in section.splitlines() if line.startswith("**JSON fields:**"))
    return set(_FIELD.findall(line))


def test_every_command_has_its_section_with_the_exit_codes_help_prints() -> None:
    parser()  # the commands' descriptions fill EXIT_CODES
    sections = _sections()
    assert set(sections) == set(EXIT_CODES)
    for name, codes in EXIT_CODES.items():
        rows = re.findall(r"^\| (\d+) \| (.*) \|$", sections[name], re.M)
        assert {int(code): text for code, text in rows} == codes, name


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    main(list(argv))
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    assert set(data) >= _ENVELOPE, data
    return data


def _fields(data: dict[str, Any]) -> set[str]:
    return set(data) - _ENVELOPE


def test_the_json_fields_of_the_commands_that_need_no_hosts(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blueprint = tmp_path / "onprem-physical.yml"
    shutil.copy(EXAMPLE, blueprint)
    out = str(tmp_path / "out")
    results = {
        "validate": _json(capsys, "validate", str(blueprint), "--format", "json"),
        "build": _json(capsys, "build", str(blueprint), "--out", out, "--format", "json"),
        "check": _json(capsys, "check", str(blueprint), "--out", out, "--format", "json"),
        "diff": _json(capsys, "diff", str(blueprint), "--out", out, "--format", "json"),
        "migrate": _json(capsys, "migrate", str(blueprint), "--check", "--format", "json"),
        "init": _json(capsys, "init", str(tmp_path / "new"), "--format", "json"),
    }
    for name, data in results.items():
        assert data["ok"], (name, data)
        assert _fields(data) == _documented_fields(name), name


def test_the_json_fields_of_the_commands_that_run_on_hosts() -> None:
    # Records as the runs write them (tests/test_inventory.py and the lab e2e check those).
    run = RunResult(0, 12.3, ("PLAY RECAP ****",
                              "db01 : ok=3 changed=1 unreachable=0 failed=0 skipped=0 "
                              "rescued=0 ignored=0"))
    verify = {"seconds": 4.2, "checks": [
        {"id": "CHK-001", "host": "db01", "kind": "port", "subject": "5432/tcp",
         "observed": "closed", "passed": False}]}
    inventory = {"seconds": 3.1, "ansible_exit": 0, "hosts": {"db01": {"answered": True}},
                 "drift": []}
    drill = {"achieved": {"rto_seconds": 40.0, "rpo_seconds": 0.0}, "passed": True,
             "rows_lost": 0, "timeline": [], "reasons": []}

    # What the result functions read of a plan's drill step and backup job.
    step = SimpleNamespace(id="DRL-001", drill=SimpleNamespace(
        name="db-loss", success_rto="1h", success_rpo="24h"))
    job = SimpleNamespace(id="BAK-001", policy=SimpleNamespace(name="database-nightly"))

    results = {
        "deploy": deploy_result("lab", ["INS-001"], False, run),
        "patch": deploy_result("lab", ["PAT-001"], False, run),  # as sigen patch makes it
        "verify": verify_result("lab", verify, Path("records/verify/lab.json")),
        "inventory": inventory_result("lab", inventory, [], Path("records/inventory/x.json")),
        "drill": drill_result(step, drill, Path("records/drills/x.json")),  # type: ignore[arg-type]
        "backup": backup_result("lab", [(job, "done, restic check passed")]),
        "restore": restore_result("lab", "RST-001", "db01", "latest", False, run_result(run)),
    }
    assert results["deploy"]["hosts"]["db01"]["changed"] == 1
    for name, fields in results.items():
        assert set(fields) == _documented_fields(name), name
