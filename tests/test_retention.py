"""Retention: every unit restic keeps by (last, hourly, daily, weekly, monthly, yearly) can be
given, and the restore points the backup plan states are exactly the --keep flags of the
forget command the backup host's retention unit runs (the hosts themselves never forget)."""

from __future__ import annotations

import copy
import re

import pytest

from sigen.build import Rendered, render_loaded
from sigen.compile.loader import LoadedBlueprint, load_blueprint
from tests.conftest import REPO, ROLES
from tests.roletemplates import render_role_template, server_client
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


def _forget_flags(unit: str) -> list[str]:
    start = unit.index("ExecStart=/usr/local/sbin/sigen-backup-forget ")
    return re.findall(r"--keep-\w+ \d+", unit[start:unit.index("\n", start)])


@pytest.mark.parametrize("retention", RETENTIONS, ids=lambda r: "-".join(r))
def test_the_plan_states_the_flags_the_backup_host_runs(retention: dict[str, int]) -> None:
    rendered = _rendered(retention)
    job = rendered.plan.backups[0]
    entry = server_client(rendered.files, job.policy.destination.name, job.policy.name)
    unit = render_role_template("backup_server", "sigen-backup-forget.service.j2",
                                {"backup_server_client": entry})
    flags = _forget_flags(unit)
    assert flags == [f"--keep-{unit} {n}" for unit, n in retention.items()]
    assert f"User={job.account}\n" in unit
    timer = render_role_template("backup_server", "sigen-backup-forget.timer.j2",
                                 {"backup_server_client": entry})
    assert f"OnCalendar={job.forget_calendar}\n" in timer
    command = f"`restic forget --group-by host {' '.join(flags)} --prune`"
    script = (ROLES / "backup_server" / "templates" / "sigen-backup-forget.j2").read_text()
    assert 'restic --no-cache forget --group-by host --tag "policy=$policy" "$@" --prune' \
        in script
    for lang in ("en", "zh-TW"):
        doc = rendered.files[f"docs/{lang}/backup-restore-plan.md"].decode()
        policy = doc[doc.index(f"### {job.id} "):]
        bullet = next(ln for ln in policy.splitlines() if "restic forget" in ln)
        assert command in bullet
        assert f"`sigen-backup-forget-{job.policy.name}.timer`" in bullet
        assert f"`OnCalendar={job.forget_calendar}`" in bullet
    en = rendered.files["docs/en/backup-restore-plan.md"].decode()
    if "last" in retention:
        assert f"the newest {retention['last']} snapshots" in en
    if "yearly" in retention:
        assert f"{retention['yearly']} year" in en


def test_the_hosts_run_no_forget() -> None:
    rendered = _rendered({"daily": 7})
    job = rendered.plan.backups[0]
    (play,) = read_yaml(rendered.files[f"playbooks/{job.install_id.lower()}.yml"])
    given = play["roles"][0]["vars"]
    assert not [k for k in given if k.startswith("backup_client_keep_")]
    script = render_role_template("backup_client", "sigen-backup.j2", given)
    commands = [ln for ln in script.splitlines() if not ln.lstrip().startswith("#")]
    assert "restic backup" in "\n".join(commands)
    assert not [ln for ln in commands if "forget" in ln]


def test_a_retention_unit_restic_does_not_know_is_refused() -> None:
    from sigen.compile.validate import validate_blueprint

    loaded = load_blueprint(REPO / "blueprints" / "onprem-physical.yml")
    data = copy.deepcopy(loaded.data)
    data["backups"][0]["retention"] = {"minutely": 5}
    diagnostics = validate_blueprint(LoadedBlueprint(path=loaded.path, data=data,
                                                     sha256=loaded.sha256, text=loaded.text),
                                     ROLES)
    assert any(d.code == "SG102" and "minutely" in d.message for d in diagnostics)
