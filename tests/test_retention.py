"""Retention: every unit restic keeps by (last, hourly, daily, weekly, monthly, yearly) can be
given, and the restore points the backup plan states are exactly the --keep flags of the
forget command the role's backup script runs."""

from __future__ import annotations

import copy
import re
import shlex
from typing import Any

import jinja2
import pytest

from sigen.build import Rendered, render_loaded
from sigen.compile.loader import LoadedBlueprint, load_blueprint
from tests.conftest import REPO, ROLES
from tests.test_build_cases import read_yaml

RETENTIONS = [
    {"last": 24},
    {"hourly": 48, "daily": 7},
    {"last": 3, "hourly": 24, "daily": 14, "weekly": 8, "monthly": 24, "yearly": 10},
    {"yearly": 1},
]


def _rendered(retention: dict[str, int]) -> Rendered:
    loaded = load_blueprint(REPO / "blueprints" / "onprem-physical.yml")
    data = copy.deepcopy(loaded.data)
    data["backups"][0]["retention"] = retention
    return render_loaded(LoadedBlueprint(path=loaded.path, data=data, sha256=loaded.sha256,
                                         text=loaded.text), ROLES)


def _script(role_vars: dict[str, Any]) -> str:
    """The backup script as the role writes it (only Jinja's own filters and quote)."""
    defaults = read_yaml((ROLES / "backup_client" / "defaults" / "main.yml").read_bytes())
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["quote"] = lambda value: shlex.quote(str(value))
    source = (ROLES / "backup_client" / "templates" / "sigen-backup.j2").read_text()
    values = {**defaults, **role_vars, "ansible_managed": "managed"}
    return env.from_string(source).render(values)


def _forget_flags(script: str) -> list[str]:
    start = script.index("retry_locked restic forget")
    command = script[start:script.index("--prune", start)]
    return re.findall(r"--keep-\w+ \d+", command)


@pytest.mark.parametrize("retention", RETENTIONS, ids=lambda r: "-".join(r))
def test_the_plan_states_the_flags_the_script_runs(retention: dict[str, int]) -> None:
    rendered = _rendered(retention)
    job = rendered.plan.backups[0]
    (play,) = read_yaml(rendered.files[f"playbooks/{job.install_id.lower()}.yml"])
    flags = _forget_flags(_script(play["roles"][0]["vars"]))
    assert flags == [f"--keep-{unit} {n}" for unit, n in retention.items()]
    command = f"`restic forget {' '.join(flags)} --prune`"
    for lang in ("en", "zh-TW"):
        doc = rendered.files[f"docs/{lang}/backup-restore-plan.md"].decode()
        policy = doc[doc.index(f"### {job.id} "):]
        bullet = next(ln for ln in policy.splitlines() if "restic forget" in ln)
        assert command in bullet
    en = rendered.files["docs/en/backup-restore-plan.md"].decode()
    if "last" in retention:
        assert f"the newest {retention['last']} snapshots" in en
    if "yearly" in retention:
        assert f"{retention['yearly']} year" in en


def test_a_retention_unit_restic_does_not_know_is_refused() -> None:
    from sigen.compile.validate import validate_blueprint

    loaded = load_blueprint(REPO / "blueprints" / "onprem-physical.yml")
    data = copy.deepcopy(loaded.data)
    data["backups"][0]["retention"] = {"minutely": 5}
    diagnostics = validate_blueprint(LoadedBlueprint(path=loaded.path, data=data,
                                                     sha256=loaded.sha256, text=loaded.text),
                                     ROLES)
    assert any(d.code == "SG102" and "minutely" in d.message for d in diagnostics)
