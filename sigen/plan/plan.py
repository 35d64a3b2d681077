"""The plan: the one complete description of what will exist, every fact computed once.

Back ends (``sigen.render``) format a ``Plan`` and nothing else. The planner
(``sigen.compile.planner``) makes it from the model and the evidence beside the output;
``sigen plan BLUEPRINT --format json`` prints it whole.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sigen.plan.baseline import Baseline
from sigen.plan.change import ChangeRequest
from sigen.plan.checks import Check
from sigen.plan.components import RoleInfo
from sigen.plan.documents import Documents, ReviewItem
from sigen.plan.evaluation import HostEvaluation
from sigen.plan.evidence import Evidence, Revision
from sigen.plan.hostbuild import Builds
from sigen.plan.inventory import Inventory
from sigen.plan.lab import LabHost, Topology
from sigen.plan.patching import PatchBatch, PatchWindow
from sigen.plan.protection import Protection
from sigen.plan.steps import (
    BackupJob,
    DrillStep,
    Flow,
    InstallStep,
    RestoreProcedure,
    SecretUse,
)
from sigen.plan.system import Blueprint, Environment, Service
from sigen.plan.team import Team

__all__ = ["AnsibleWiring", "Plan"]

RoleVars = Mapping[str, Any]


def _no_lab() -> Topology:
    return Topology("", (), (), LabHost("", "", "timeserver", "", (), ""), {})


@dataclass(frozen=True, eq=False)
class AnsibleWiring:
    """The role variables of the generated project: what each play, host and environment
    gets (``sigen.compile.wiring``)."""

    service_vars: Mapping[str, RoleVars] = field(default_factory=dict)  # service -> play
    host_vars: Mapping[str, RoleVars] = field(default_factory=dict)  # host -> every env
    inventory_vars: Mapping[str, RoleVars] = field(default_factory=dict)  # env -> all hosts
    # env -> host -> how Ansible reaches it there
    connection: Mapping[str, Mapping[str, RoleVars]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Plan:
    blueprint: Blueprint
    install: tuple[InstallStep, ...]
    backups: tuple[BackupJob, ...]
    restores: tuple[RestoreProcedure, ...]
    drills: tuple[DrillStep, ...]
    flows: dict[str, tuple[Flow, ...]]  # destination host name -> flows, in a stable order
    dependents: dict[str, tuple[Service, ...]]  # service name -> services that depend on it
    default_env: Environment  # production if there is one: what the plans describe
    root_login: Mapping[str, str]  # environment -> sshd PermitRootLogin there
    install_minutes: int  # the estimated duration of every install step together
    window_minutes: int  # the maintenance window (0: none defined)
    roles: tuple[str, ...]  # the roles the project uses, by name
    # The hardening baseline: each control's value on every host, its CIS rule, its family.
    baseline: Baseline = field(default_factory=Baseline)
    checks: tuple[Check, ...] = ()
    # The checks as rows for the default environment, expected values resolved.
    planned_checks: tuple[Mapping[str, Any], ...] = ()
    secrets: tuple[SecretUse, ...] = ()
    lab: Topology = field(default_factory=_no_lab)
    ansible: AnsibleWiring = field(default_factory=AnsibleWiring)
    evidence: Evidence = field(default_factory=Evidence)
    revisions: tuple[Revision, ...] = ()
    documents: Documents = field(default_factory=Documents)
    change: ChangeRequest | None = None
    # The files of those roles, by their path in the project (roles/<role>/...): copied.
    role_files: Mapping[str, bytes] = field(default_factory=dict)
    # Those roles as the component documents describe them (O1.3.2, O2.1.2).
    components: tuple[RoleInfo, ...] = ()
    evaluation: HostEvaluation | None = None  # the host evaluation report (O2.1.1)
    team: Team = field(default_factory=Team)  # the team chart and task list (O1.1.3)
    # How the backups are protected (3-2-1, integrity, key) and what they leave out.
    protection: Protection = field(default_factory=Protection)
    patching: PatchWindow | None = None  # when the hosts update and reboot themselves
    patch_batches: tuple[PatchBatch, ...] = ()  # patch.yml, batch by batch
    builds: Builds = field(default_factory=Builds)  # the software build document (O3.1.2)
    # The system inventory (O1.3.1): planned per host, the latest run and its drift.
    inventory: Inventory | None = None
    # The completion report's review schedule (P3.1.1), from the evidence and the meeting.
    review_items: tuple[ReviewItem, ...] = ()

    def all_ids(self) -> list[str]:
        return ([s.id for s in self.install] + [b.id for b in self.backups]
                + [r.id for r in self.restores] + [d.id for d in self.drills])

    @functools.cached_property
    def backup_of(self) -> dict[str, BackupJob]:
        """Backup jobs by policy name."""
        return {b.policy.name: b for b in self.backups}

    @functools.cached_property
    def restore_of(self) -> dict[str, RestoreProcedure]:
        """Restore procedures by the name of each policy they restore."""
        return {p.name: r for r in self.restores for p in r.policies}

    @functools.cached_property
    def step_of_service(self) -> dict[str, InstallStep]:
        """Install steps by the name of the service they install."""
        return {s.service.name: s for s in self.install if s.service is not None}

    @property
    def vault_variables(self) -> list[str]:
        """The names of the ansible-vault variables the project reads."""
        return [use.secret.name for use in self.secrets if use.secret.kind == "vault"]
