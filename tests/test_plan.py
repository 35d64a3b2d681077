"""The plan is the one source: ``sigen plan --format json`` shows it, and the documents and the
Ansible project say what its fields say."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigen.build import render_blueprint
from tests.conftest import REPO, ROLES
from tests.roletemplates import server_client
from tests.test_build_cases import read_yaml

BLUEPRINTS = sorted((REPO / "blueprints").glob("*.yml"))


def _plan_json(blueprint: Path, seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    run = subprocess.run([sys.executable, "-m", "sigen", "plan", str(blueprint), "--format",
                          "json", "--roles", str(ROLES)], capture_output=True, env=env,
                         check=True)
    return run.stdout


@pytest.fixture(scope="module", params=[p.stem for p in BLUEPRINTS])
def rendered(request: pytest.FixtureRequest) -> Any:
    return render_blueprint(REPO / "blueprints" / f"{request.param}.yml", ROLES)


def test_plan_json_is_the_same_bytes_in_every_process() -> None:
    blueprint = REPO / "blueprints" / "onprem-physical.yml"
    first = _plan_json(blueprint, "1")
    assert first == _plan_json(blueprint, "2")
    data = json.loads(first)
    assert data["format"] == 1
    assert json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n" \
        == first, "keys are sorted"


def test_every_key_of_the_plan_is_documented() -> None:
    doc = (REPO / "docs" / "plan.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \|", doc, re.MULTILINE))
    names = {n for pair in documented for n in pair if n}
    data = json.loads(_plan_json(REPO / "blueprints" / "onprem-physical.yml", "0"))
    missing = set(data) - names - {"format"}
    assert not missing, f"docs/plan.md does not describe {sorted(missing)}"


def _yaml(files: dict[str, bytes], path: str) -> Any:
    return yaml.safe_load(files[path])


def _role_vars(files: dict[str, bytes], step_id: str) -> dict[str, Any]:
    play = _yaml(files, f"playbooks/{step_id.lower()}.yml")[0]
    return dict(play["roles"][0]["vars"])


def test_backup_schedules_in_the_plan_are_the_timers(rendered: Any) -> None:
    """The backup plan prints each job's OnCalendar and keeps; the play that installs the
    timer gets the same fields of the same job."""
    plan, files = rendered.plan, rendered.files
    doc = files["docs/en/backup-restore-plan.md"].decode()
    for job in plan.backups:
        role = _role_vars(files, job.install_id)
        assert role["backup_client_schedule"] == job.on_calendar
        assert role["backup_client_check_schedule"] == job.check_calendar
        assert f"`OnCalendar={job.on_calendar}`" in doc
        server = server_client(files, job.policy.destination.name, job.policy.name)
        assert server["retention"] == {u: n for u, n in job.keep.items() if n > 0}
        assert server["retention_schedule"] == job.forget_calendar
        assert f"`OnCalendar={job.forget_calendar}`" in doc
        flags = "".join(f" --keep-{unit} {n}" for unit, n in job.kept)
        keep = f"`restic forget --group-by host{flags} --prune`"
        assert keep in doc, keep
        assert role["backup_client_postgresql_databases"] == list(job.databases)
        assert role["backup_client_paths"] == list(job.paths)


def _alert_rules(role_vars: dict[str, Any]) -> dict[str, Any]:
    """The monitoring role's alert rules file for ``role_vars`` (with Ansible's filters)."""
    import jinja2
    from ansible.plugins.filter.core import regex_escape, to_json

    defaults = read_yaml((ROLES / "monitoring" / "defaults" / "main.yml").read_bytes())
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(to_json=to_json, regex_escape=regex_escape)
    source = (ROLES / "monitoring" / "templates" / "sigen-alerts.rules.yml.j2").read_text()
    text = env.from_string(source).render({**defaults, **role_vars, "ansible_managed": "m"})
    rules = {r["alert"]: r for g in read_yaml(text.encode())["groups"] for r in g["rules"]}
    return rules


def test_each_policys_backup_alert_in_the_plan_is_the_alert_rule(rendered: Any) -> None:
    """Per policy: the threshold the plan states is the one the rule compares with."""
    plan, files = rendered.plan, rendered.files
    monitoring = next(s for s in plan.install
                      if s.service is not None and s.service.component == "monitoring")
    given = _role_vars(files, monitoring.id)
    rule = _alert_rules(given)["BackupTooOld"]
    assert rule["for"] == f"{plan.backups[0].alert_for.seconds // 60}m"
    doc = files["docs/en/backup-restore-plan.md"].decode()
    for job in plan.backups:
        seconds = int(job.alert_after.total_seconds())
        # The threshold is the interval and half of it, at most two hours more.
        assert job.alert_after - job.interval == min(job.interval / 2, timedelta(hours=2))
        expected = {e["max_age_seconds"] for e in given["monitoring_backup_expected"]
                    if e["policy"] == job.policy.name}
        assert expected == {seconds}
        assert (f'sigen_backup_last_success_timestamp_seconds{{policy="{job.policy.name}"}}'
                f" > {seconds})") in rule["expr"]
        minutes = seconds // 60
        shown = " ".join(part for part in (f"{minutes // 60} h" if minutes >= 60 else "",
                                           f"{minutes % 60} min" if minutes % 60 else "")
                         if part)
        assert f"older than {shown} (the interval" in doc
        assert f"{job.id} {shown}" in doc


def test_drill_plays_record_what_the_drill_plan_names(rendered: Any) -> None:
    """The databases and folders the drill plan says are recorded and damaged are the ones
    the drill's plays get."""
    plan, files = rendered.plan, rendered.files
    doc = files["docs/en/disaster-drill-plan.md"].decode()
    for step in plan.drills:
        plays = _yaml(files, f"playbooks/{step.id.lower()}.yml")
        recorded = [t["vars"] for p in plays for t in p["tasks"]
                    if t.get("ansible.builtin.include_role", {}).get("tasks_from")
                    == "drill_record"]
        assert recorded, step.id
        for found in recorded:
            assert set(found["backup_client_drill_databases"]) <= set(step.databases)
            assert set(found["backup_client_drill_paths"]) <= set(step.folders)
        if step.drill.scenario == "data-corruption":
            for db in step.databases:
                assert f"`{db}`" in doc
        for host in step.recovery_hosts:
            assert host.name in doc


def test_secrets_the_plan_lists_are_the_ones_the_project_reads(rendered: Any) -> None:
    plan, files = rendered.plan, rendered.files
    doc = files["docs/en/installation-plan.md"].decode()
    project = b"".join(content for path, content in files.items()
                       if path.endswith(".yml") and not path.startswith("roles/")).decode()
    for use in plan.secrets:
        assert f"`{use.secret.name}`" in doc
        assert use.secret.name in project, use.secret.name
    for name in plan.vault_variables:
        assert f"{name}:" in files["molecule/default/inventory/lab.yml"].decode()


def test_checks_in_the_report_are_the_checks_verify_runs(rendered: Any) -> None:
    plan, files = rendered.plan, rendered.files
    verify = _yaml(files, "verify.yml")[-1]["vars"]["sigen_verify_checks"]
    ran = sorted(c["id"] for checks in verify.values() for c in checks)
    assert ran == sorted(c.id for c in plan.checks)
    report = files["docs/en/test-report.md"].decode()
    for check in plan.checks:
        assert f"| {check.id} |" in report


def test_no_step_is_less_important_than_a_step_that_needs_it(rendered: Any) -> None:
    steps = {s.id: s for s in rendered.plan.install}
    for step in rendered.plan.install:
        for needed in step.depends_on:
            assert steps[needed].priority <= step.priority, (needed, step.id)
