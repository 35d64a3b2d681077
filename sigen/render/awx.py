"""AWX / Automation Platform as code: ``awx/controller.yml``, for the ``awx.awx`` collection.

Run from a workstation against the controller, it creates what the project needs there: the
project (the generated folder as the root of a git repository), an inventory per environment
but the lab, sourced from the project's own ``inventories/<env>/hosts.yml``, one job
template per entry playbook (site, backup, restore, patch, verify, inventory per environment,
with patch.yml scheduled weekly in the patch window when the patches roll; drill
once, asking for a lab inventory), and a workflow of the installation plan: the pre-change
backups, the steps up to the go/no-go point, an approval node where the change needs
sign-off (any change but a standard one), then the remaining steps, in plan order.

The playbook's own keys that AWX reads as "this is a playbook" are quoted
(``yamlout.not_a_playbook``): project discovery lists only the project's real playbooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from sigen.plan import Jinja, Plan
from sigen.render.yamlout import dump, not_a_playbook

__all__ = ["PLAYBOOK", "REQUIREMENTS", "approval_before", "entry_playbooks", "render_awx"]

PLAYBOOK = "awx/controller.yml"
REQUIREMENTS = "awx/requirements.yml"
# The awx.awx of the pinned community bundle (ansible 12.3.0).
AWX_COLLECTION = {"name": "awx.awx", "version": "24.6.1"}

# The operator's settings, with their defaults; sigen_awx_scm_url has none.
_VARS = {
    "sigen_awx_organization": "Default",
    "sigen_awx_scm_branch": "",
    "sigen_awx_scm_credential": "",
    "sigen_awx_credentials": [],
}
_OPTIONAL = Jinja("{{ omit if not sigen_awx_scm_credential else sigen_awx_scm_credential }}")


def entry_playbooks(plan: Plan) -> list[str]:
    """The project's entry playbooks, as ``sigen.render.ansible`` writes them."""
    books = ["site.yml"]
    books += ["backup.yml"] if plan.backups else []
    books += ["restore.yml"] if plan.restores else []
    books += ["drill.yml"] if plan.drills else []
    books += ["patch.yml"] if plan.patching is not None and plan.patch_batches else []
    return [*books, "verify.yml", "inventory.yml"]


# The first of each weekday in January 2026 (Monday the 5th): a fixed DTSTART keeps the
# controller configuration the same bytes from one build to the next.
_FIRST = {"mon": 5, "tue": 6, "wed": 7, "thu": 8, "fri": 9, "sat": 10, "sun": 11}
_BYDAY = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA",
          "sun": "SU"}


def _patch_schedule(plan: Plan, env: str) -> dict[str, Any] | None:
    """With rolling patches, patch.yml runs each week at the patch window's start."""
    window = plan.patching
    if window is None or not window.rolling or not plan.patch_batches:
        return None
    hour, minute = window.start.split(":")
    start = f"202601{_FIRST[window.day]:02d}T{hour}{minute}00"
    zone = window.timezone or "UTC"
    name = _template(plan, env, "patch.yml")
    return {"name": f"Schedule of {name} (the patch window)", "awx.awx.schedule": {
        "name": f"{name} weekly", "unified_job_template": name,
        "organization": Jinja("{{ sigen_awx_organization }}"),
        "rrule": f"DTSTART;TZID={zone}:{start} RRULE:FREQ=WEEKLY;INTERVAL=1;"
                 f"BYDAY={_BYDAY[window.day]}",
        "description": "The rolling patch of the installation plan, section 8.1",
        "enabled": True, "state": "present"}}


def environments(plan: Plan) -> list[str]:
    """The environments a controller runs against: all but sigen's podman lab."""
    return [e.name for e in plan.blueprint.environments if e.name != "lab"]


def approval_before(plan: Plan) -> str | None:
    """The install step the workflow's approval node stands before (the change's go/no-go
    point), or None when the change needs no sign-off (a standard, pre-approved change)."""
    change = plan.change
    if change is None or change.type == "standard" or not plan.install:
        return None
    return change.go_no_go_before or plan.install[0].id


def _names(plan: Plan) -> dict[str, str]:
    system = plan.blueprint.name
    return {"project": system, "drill": f"{system} drill.yml (lab inventories only)"}


def _template(plan: Plan, env: str, book: str) -> str:
    return f"{plan.blueprint.name} {env} {book}"


def _tasks(plan: Plan, inventories: Mapping[str, str]) -> list[dict[str, Any]]:
    system = plan.blueprint.name
    names = _names(plan)
    org = Jinja("{{ sigen_awx_organization }}")
    tasks: list[dict[str, Any]] = [
        {"name": "The git URL of the project is given",
         "ansible.builtin.assert": {
             "that": [Jinja("sigen_awx_scm_url is defined and sigen_awx_scm_url | length > 0")],
             "fail_msg": "give the git URL of the generated project: -e sigen_awx_scm_url=..."},
         },
        {"name": f"Project {system}", "awx.awx.project": {
            "name": names["project"], "organization": org, "scm_type": "git",
            "scm_url": Jinja("{{ sigen_awx_scm_url }}"),
            "scm_branch": Jinja("{{ sigen_awx_scm_branch }}"),
            "credential": _OPTIONAL, "scm_update_on_launch": True, "wait": True,
            "description": f"The Ansible project sigen generates from the blueprint of {system}",
            "state": "present"}},
    ]
    for env in environments(plan):
        inventory = f"{system} {env}"
        tasks += [
            {"name": f"Inventory {inventory}", "awx.awx.inventory": {
                "name": inventory, "organization": org, "state": "present",
                "description": f"The hosts of {system} in {env}, from the project"}},
            {"name": f"Inventory source of {inventory}", "awx.awx.inventory_source": {
                "name": f"{inventory} (project)", "inventory": inventory,
                "organization": org, "source": "scm",
                "source_project": names["project"],
                "source_path": inventories[env],
                "overwrite": True, "overwrite_vars": True, "update_on_launch": True,
                "state": "present"}},
        ]
        for book in entry_playbooks(plan):
            if book == "drill.yml":
                continue
            tasks.append({"name": f"Job template {_template(plan, env, book)}",
                          "awx.awx.job_template": {
                              "name": _template(plan, env, book), "organization": org,
                              "project": names["project"], "playbook": book,
                              "inventory": inventory, "job_type": "run",
                              "credentials": Jinja("{{ sigen_awx_credentials }}"),
                              # Steps, policies, procedures by ID; restore's options as
                              # extra variables (docs/drills.md).
                              "ask_tags_on_launch": True, "ask_limit_on_launch": True,
                              "ask_variables_on_launch": book == "restore.yml",
                              "state": "present"}})
        schedule = _patch_schedule(plan, env)
        if schedule is not None:
            tasks.append(schedule)
        tasks.append(_workflow(plan, env))
    if plan.drills:
        tasks.append({"name": f"Job template {names['drill']}", "awx.awx.job_template": {
            "name": names["drill"], "organization": org, "project": names["project"],
            "playbook": "drill.yml", "job_type": "run",
            "description": "Destroys hosts and data: launch it only with a lab inventory "
                           "(sigen drill runs it on the podman lab)",
            "ask_inventory_on_launch": True, "ask_tags_on_launch": True,
            "credentials": Jinja("{{ sigen_awx_credentials }}"), "state": "present"}})
    return tasks


def _workflow(plan: Plan, env: str) -> dict[str, Any]:
    """The installation plan as a workflow: nodes in plan order, each on success of the
    one before; the approval node before the go/no-go step."""
    system = plan.blueprint.name
    site = _template(plan, env, "site.yml")
    # Job templates are looked up by name within the organisation (names are unique there).
    org = Jinja("{{ sigen_awx_organization }}")
    nodes: list[dict[str, Any]] = []
    change = plan.change
    if change is not None and change.pre_change_backups and plan.backups:
        nodes.append({"identifier": "pre-change-backups", "unified_job_template": {
            "name": _template(plan, env, "backup.yml"), "type": "job_template",
            "organization": {"name": org}},
            "job_tags": ",".join(change.pre_change_backups)})
    approve = approval_before(plan)
    for step in plan.install:
        if step.id == approve and change is not None:
            # The installation plan's go/no-go checkpoint: its first approver decides; the
            # approvers listed are those its approval section has sign.
            approvers = plan.blueprint.change.approvers if plan.blueprint.change else ()
            nodes.append({"identifier": f"go-no-go-{step.id}", "unified_job_template": {
                # Not the change's number: it follows the plans' revision, and a new
                # revision of the documents changes nothing on the controller.
                "name": f"{system} {env}: go/no-go before {step.id}",
                "type": "workflow_approval",
                "description": "\n".join([
                    f"Go/no-go of the {change.type} change before {step.id}",
                    "(installation plan, schedule and go/no-go): approve only when every",
                    "prerequisite is done. The first approver decides; the approvers:",
                    *(f"{p.name} ({p.role})" if p.role else p.name for p in approvers)]),
                "timeout": 0}})
        nodes.append({"identifier": step.id, "unified_job_template": {
            "name": site, "type": "job_template", "organization": {"name": org}},
            "job_tags": step.id})
    for node, following in pairwise(nodes):
        node["related"] = {"success_nodes": [{"identifier": following["identifier"]}]}
    return {"name": f"Workflow {system} {env} installation", "awx.awx.workflow_job_template": {
        "name": f"{system} {env} installation",
        "organization": org,
        "description": f"The installation plan of {system}: every install step in order"
                       + (f", approval before {approve}" if approve else ""),
        "inventory": f"{system} {env}", "workflow_nodes": nodes,
        "destroy_current_nodes": True, "state": "present"}}


_HEADER = """\
# AWX / Automation Platform configuration of this project (collection awx.awx, see
# awx/requirements.yml). Push this folder as a git repository, then from a workstation:
#   ansible-galaxy collection install -r awx/requirements.yml
#   CONTROLLER_HOST=... CONTROLLER_OAUTH_TOKEN=... \\
#     ansible-playbook awx/controller.yml -e sigen_awx_scm_url=<git URL of this project>
# Optional: -e sigen_awx_organization=... -e sigen_awx_scm_branch=...
#   -e sigen_awx_scm_credential=<SCM credential> -e '{"sigen_awx_credentials": [...]}'
# (machine and vault credentials of the job templates). Keys that AWX would take for a
# playbook's are quoted here, so the project lists only its real playbooks.
"""


def render_awx(plan: Plan, stamp: str, inventories: Mapping[str, str]) -> dict[str, bytes]:
    """``awx/controller.yml`` and the collection it needs; ``inventories`` is the path of
    each environment's inventory in the project (the inventory sources read them)."""
    play = {"name": f"Configure AWX for {plan.blueprint.name}", "hosts": "localhost",
            "connection": "local", "gather_facts": False, "vars": dict(_VARS),
            # The controller and how to log in come from CONTROLLER_* variables.
            "tasks": _tasks(plan, inventories)}
    text = dump(not_a_playbook([play]), stamp + _HEADER)
    return {PLAYBOOK: text.encode(),
            REQUIREMENTS: dump({"collections": [AWX_COLLECTION]}, stamp).encode()}
