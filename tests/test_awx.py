"""AWX / Automation Platform takes a generated project as it is: its project discovery lists
only the real playbooks, and awx/controller.yml configures the controller with tasks whose
arguments the awx.awx modules' own argument specs accept. No controller runs here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2.nativetypes import NativeEnvironment

from sigen.render.awx import AWX_COLLECTION, PLAYBOOK, approval_before, entry_playbooks
from tests.conftest import REPO
from tests.test_build_cases import BLUEPRINTS, read_yaml, render_case, roles_dir

COLLECTIONS = REPO / ".collections"
AWX = COLLECTIONS / "ansible_collections" / "awx" / "awx"
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())

# awx/main/utils/ansible.py (AWX 24): a project's YAML file is offered as a playbook when a
# line matches this (or its first line starts a vault file), outside the folders skipped.
_VALID_PLAYBOOK = re.compile(r"^\s*?-?\s*?(?:hosts|include|import_playbook):\s*?.*?$")


def _skipped(folder: str) -> bool:
    parts = folder.split("/")
    return ("roles" in parts or "tasks" in parts or "group_vars" in parts
            or "host_vars" in parts or any(p.startswith(".") for p in parts))


def awx_playbooks(project: Path) -> set[str]:
    """The playbooks AWX's project discovery lists for a checked-out project."""
    found = set()
    for dirpath, _dirs, filenames in os.walk(project):
        folder = Path(dirpath).relative_to(project).as_posix()
        if folder != "." and _skipped(folder):
            continue
        for filename in filenames:
            if Path(filename).suffix not in (".yml", ".yaml"):
                continue
            path = Path(dirpath) / filename
            lines = path.read_text("utf-8", errors="ignore").splitlines()
            if any(_VALID_PLAYBOOK.match(line) for line in lines) or (
                    lines and lines[0].startswith("$ANSIBLE_VAULT;")):
                found.add(path.relative_to(project).as_posix())
    return found


@pytest.mark.parametrize("name", EXAMPLES)
def test_project_discovery_lists_only_the_real_playbooks(name: str) -> None:
    project = REPO / "examples" / name
    listed = awx_playbooks(project)
    steps = {p.relative_to(project).as_posix() for p in (project / "playbooks").glob("*.yml")}
    entries = {b for b in ("site.yml", "backup.yml", "restore.yml", "drill.yml", "patch.yml",
                           "verify.yml", "inventory.yml")
               if (project / b).is_file()}
    assert listed == entries | steps
    # What used to be listed: inventories, molecule's playbooks, the controller's own.
    assert not any(p.startswith(("inventories/", "molecule/", "awx/")) for p in listed)


@pytest.fixture(scope="module")
def roles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return roles_dir(tmp_path_factory.mktemp("roles"))[0]


@cache
def _controller(name: str, roles: Path) -> tuple[Any, list[dict[str, Any]]]:
    rendered = render_case(name, roles)
    (play,) = read_yaml(rendered.files[PLAYBOOK])
    return rendered, play


@cache
def _specs(modules: tuple[str, ...]) -> dict[str, Any]:
    """Each module's argument spec, from the installed collection's code."""
    run = subprocess.run([sys.executable, str(REPO / "tests" / "tools" / "module_argspec.py"),
                          str(COLLECTIONS), *modules], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def _suboptions_spec(doc_options: dict[str, Any]) -> dict[str, Any]:
    """An argument spec made of a module's documented suboptions (workflow_nodes)."""
    spec = {}
    for name, doc in doc_options.items():
        option = {k: doc[k] for k in ("type", "elements", "choices", "required", "aliases")
                  if k in doc}
        if "suboptions" in doc:
            option["options"] = _suboptions_spec(doc["suboptions"])
        spec[name] = option
    return spec


_OMIT = object()


def _rendered(value: Any, variables: dict[str, Any]) -> Any:
    """The value as Ansible passes it to the module: templates rendered with the play's
    variables (and the one the operator gives), omitted ones dropped."""
    if isinstance(value, dict):
        out = {k: _rendered(v, variables) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _OMIT}
    if isinstance(value, list):
        return [_rendered(v, variables) for v in value]
    if isinstance(value, str) and "{{" in value and type(value).__name__ != "Unsafe":
        return NativeEnvironment().from_string(value).render(**variables, omit=_OMIT)
    return value


def _task_errors(play: dict[str, Any], specs: dict[str, Any]) -> list[str]:
    variables = {**play["vars"], "sigen_awx_scm_url": "https://git.example.com/system.git"}
    errors = []
    for task in play["tasks"]:
        (module,) = [k for k in task if k not in ("name", "when", "tags")]
        args = _rendered(task[module], variables)
        if module == "ansible.builtin.assert":  # ansible-lint and --syntax-check judge it
            continue
        spec = specs[module]
        options = spec["options"]
        validator = ArgumentSpecValidator(
            spec["argument_spec"], **{k: options[k] for k in (
                "mutually_exclusive", "required_together", "required_one_of",
                "required_if", "required_by") if k in options})
        result = validator.validate(args)
        errors += [f"{task['name']}: {e}" for e in result.error_messages]
        if module.endswith(".workflow_job_template"):
            nodes = _suboptions_spec(
                spec["documentation"]["options"]["workflow_nodes"]["suboptions"])
            for node in args["workflow_nodes"]:
                result = ArgumentSpecValidator(nodes).validate(node)
                errors += [f"{task['name']}: node {node['identifier']}: {e}"
                           for e in result.error_messages]
    return errors


@pytest.mark.skipif(not AWX.is_dir(), reason="awx.awx is not installed (molecule/lab/"
                    "install-collections installs it)")
def test_the_project_pins_the_awx_collection_the_tests_check_against() -> None:
    manifest = json.loads((AWX / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == AWX_COLLECTION["version"]


@pytest.mark.skipif(not AWX.is_dir(), reason="awx.awx is not installed (molecule/lab/"
                    "install-collections installs it)")
@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_every_controller_task_passes_its_modules_argument_spec(name: str, roles: Path) -> None:
    _, play = _controller(name, roles)
    modules = tuple(sorted({k for task in play["tasks"] for k in task
                            if k.startswith("awx.awx.")}))
    rolling = name == "onprem-physical"  # the example whose patches roll: a schedule
    assert set(modules) == {"awx.awx.project", "awx.awx.inventory", "awx.awx.inventory_source",
                            "awx.awx.job_template", "awx.awx.workflow_job_template",
                            *(["awx.awx.schedule"] if rolling else [])}
    assert _task_errors(play, _specs(modules)) == []


def test_the_rolling_patch_is_scheduled_in_the_patch_window(roles: Path) -> None:
    rendered, play = _controller("onprem-physical", roles)
    window = rendered.plan.patching
    (schedule,) = [t["awx.awx.schedule"] for t in play["tasks"] if "awx.awx.schedule" in t]
    assert schedule["unified_job_template"] == "eshop production patch.yml"
    # Sunday 00:30 in the maintenance window's zone, every week.
    assert window.day == "sun" and window.start == "00:30"
    assert schedule["rrule"] == ("DTSTART;TZID=Asia/Taipei:20260111T003000 "
                                 "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=SU")


def test_the_checker_catches_a_wrong_argument(roles: Path) -> None:
    """The checks above can fail: an unknown option, a wrong choice, a bad node."""
    if not AWX.is_dir():
        pytest.skip("awx.awx is not installed")
    _, play = _controller("virtualised", roles)
    modules = tuple(sorted({k for task in play["tasks"] for k in task
                            if k.startswith("awx.awx.")}))
    broken = json.loads(json.dumps(play))
    jobs = [t for t in broken["tasks"] if "awx.awx.job_template" in t]
    jobs[0]["awx.awx.job_template"]["ask_tags"] = "maybe"
    jobs[1]["awx.awx.job_template"]["job_type"] = "deploy"
    jobs[2]["awx.awx.job_template"]["playbok"] = "site.yml"
    flow = next(t for t in broken["tasks"] if "awx.awx.workflow_job_template" in t)
    flow["awx.awx.workflow_job_template"]["workflow_nodes"][0]["job_tag"] = "INS-001"
    errors = "\n".join(_task_errors(broken, _specs(modules)))
    for wrong in ("ask_tags", "deploy", "playbok", "job_tag"):
        assert wrong in errors


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_job_templates_and_the_installation_workflow_follow_the_plan(name: str,
                                                                      roles: Path) -> None:
    rendered, play = _controller(name, roles)
    plan = rendered.plan
    tasks = play["tasks"]
    templates = [t["awx.awx.job_template"] for t in tasks if "awx.awx.job_template" in t]
    envs = [e.name for e in plan.blueprint.environments if e.name != "lab"]
    per_env = [b for b in entry_playbooks(plan) if b != "drill.yml"]
    assert sorted((t.get("inventory", ""), t["playbook"]) for t in templates) == sorted(
        [(f"{plan.blueprint.name} {e}", b) for e in envs for b in per_env]
        + ([("", "drill.yml")] if plan.drills else []))
    for template in templates:
        assert (rendered.files.get(template["playbook"]) is not None)
    flows = [t["awx.awx.workflow_job_template"] for t in tasks
             if "awx.awx.workflow_job_template" in t]
    assert len(flows) == len(envs)
    change = plan.change
    approve = approval_before(plan)
    plan_doc = rendered.files["docs/en/installation-plan.md"].decode()
    for flow in flows:
        nodes = flow["workflow_nodes"]
        steps = [n["job_tags"] for n in nodes
                 if n["unified_job_template"]["type"] == "job_template"
                 and n["identifier"] != "pre-change-backups"]
        assert steps == [s.id for s in plan.install]
        # One chain, in the order of the nodes.
        for node, following in pairwise(nodes):
            assert node["related"]["success_nodes"] == [{"identifier": following["identifier"]}]
        approvals = [i for i, n in enumerate(nodes)
                     if n["unified_job_template"]["type"] == "workflow_approval"]
        if approve is None:
            assert approvals == []
            continue
        # The approval stands where the installation plan puts its go/no-go checkpoint.
        (at,) = approvals
        assert nodes[at + 1]["identifier"] == change.go_no_go_before == approve
        assert f"before {approve}" in plan_doc
        approval = nodes[at]["unified_job_template"]
        for person in plan.blueprint.change.approvers:
            assert person.name in approval["description"]
            assert f"| {person.name} |" in plan_doc  # who signs the plan's approval table
        backups = [n for n in nodes if n["identifier"] == "pre-change-backups"]
        if change.pre_change_backups and plan.backups:
            assert backups[0]["job_tags"].split(",") == list(change.pre_change_backups)
            assert nodes.index(backups[0]) < at
        else:
            assert backups == []
