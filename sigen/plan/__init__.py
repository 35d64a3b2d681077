"""The plan's types: everything the back ends format, and all they may import.

``Plan`` (``sigen.plan.plan``) holds the system as the blueprint describes it
(``sigen.plan.system``), the steps with their IDs (``sigen.plan.steps``), the verification
checks (``sigen.plan.checks``), the lab (``sigen.plan.lab``) and the evidence of earlier runs
(``sigen.plan.evidence``). Every field is computed once, by ``sigen.compile.planner``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sigen.plan.change import ChangeRequest, Clock, Impact, TimedStep, Unprotected
    from sigen.plan.checks import KINDS, Check
    from sigen.plan.components import (
        Alternative,
        Component,
        EntryPoint,
        Option,
        RoleInfo,
        Scenario,
        Support,
    )
    from sigen.plan.documents import DocumentInfo, Documents, Signer
    from sigen.plan.evaluation import (
        BreakEven,
        CostLine,
        EvaluationSettings,
        HostEvaluation,
        HostSizing,
        Placement,
        Price,
        PriceOverride,
    )
    from sigen.plan.evidence import Change, Evidence, Revision
    from sigen.plan.hostbuild import Admitted, BuildRole, Builds, HostBuild, HostPart, Setting
    from sigen.plan.lab import LabHost, LabNetwork, Topology
    from sigen.plan.plan import AnsibleWiring, Plan
    from sigen.plan.protection import Copy, NotBackedUp, PolicyProtection, Protection
    from sigen.plan.steps import (
        AffectedService,
        BackupJob,
        DrillPart,
        DrillStep,
        Flow,
        InstallStep,
        RestoreProcedure,
        RestoreTask,
        SecretUse,
        group_name,
        inventory_file,
    )
    from sigen.plan.system import (
        Admin,
        BackupPolicy,
        Blueprint,
        ChangeManagement,
        Drill,
        Environment,
        Host,
        Interface,
        Network,
        NotSecret,
        Person,
        RackCabinet,
        RackEquipment,
        Secret,
        Security,
        Service,
        Site,
        parse_duration,
    )
    from sigen.plan.team import DUTIES, Assignment, Member, Team
    from sigen.plan.values import Jinja

__all__ = [
    "DUTIES",
    "KINDS",
    "Admin",
    "Admitted",
    "AffectedService",
    "Alternative",
    "AnsibleWiring",
    "Assignment",
    "BackupJob",
    "BackupPolicy",
    "Blueprint",
    "BreakEven",
    "BuildRole",
    "Builds",
    "Change",
    "ChangeManagement",
    "ChangeRequest",
    "Check",
    "Clock",
    "Component",
    "Copy",
    "CostLine",
    "DocumentInfo",
    "Documents",
    "Drill",
    "DrillPart",
    "DrillStep",
    "EntryPoint",
    "Environment",
    "EvaluationSettings",
    "Evidence",
    "Flow",
    "Host",
    "HostBuild",
    "HostEvaluation",
    "HostPart",
    "HostSizing",
    "Impact",
    "InstallStep",
    "Interface",
    "Jinja",
    "KeyCustody",
    "LabHost",
    "LabNetwork",
    "Member",
    "Network",
    "NotBackedUp",
    "NotSecret",
    "Option",
    "Person",
    "Placement",
    "Plan",
    "PolicyProtection",
    "Price",
    "PriceOverride",
    "Protection",
    "RackCabinet",
    "RackEquipment",
    "RestoreProcedure",
    "RestoreTask",
    "Revision",
    "RoleInfo",
    "Scenario",
    "Secret",
    "SecretUse",
    "Security",
    "Service",
    "Setting",
    "Signer",
    "Site",
    "Support",
    "Team",
    "TimedStep",
    "Topology",
    "Unprotected",
    "group_name",
    "inventory_file",
    "parse_duration",
]

_LAZY = {
    "Copy": "sigen.plan.protection",
    "NotBackedUp": "sigen.plan.protection",
    "PolicyProtection": "sigen.plan.protection",
    "Protection": "sigen.plan.protection",
    "Alternative": "sigen.plan.components",
    "Assignment": "sigen.plan.team",
    "BreakEven": "sigen.plan.evaluation",
    "Component": "sigen.plan.components",
    "CostLine": "sigen.plan.evaluation",
    "DUTIES": "sigen.plan.team",
    "EntryPoint": "sigen.plan.components",
    "EvaluationSettings": "sigen.plan.evaluation",
    "HostEvaluation": "sigen.plan.evaluation",
    "HostSizing": "sigen.plan.evaluation",
    "Member": "sigen.plan.team",
    "Option": "sigen.plan.components",
    "Placement": "sigen.plan.evaluation",
    "Price": "sigen.plan.evaluation",
    "PriceOverride": "sigen.plan.evaluation",
    "RoleInfo": "sigen.plan.components",
    "Scenario": "sigen.plan.components",
    "Support": "sigen.plan.components",
    "Team": "sigen.plan.team",
    "Admitted": "sigen.plan.hostbuild",
    "BuildRole": "sigen.plan.hostbuild",
    "Builds": "sigen.plan.hostbuild",
    "HostBuild": "sigen.plan.hostbuild",
    "HostPart": "sigen.plan.hostbuild",
    "Setting": "sigen.plan.hostbuild",
    "AffectedService": "sigen.plan.steps",
    "ChangeRequest": "sigen.plan.change",
    "Clock": "sigen.plan.change",
    "Impact": "sigen.plan.change",
    "Unprotected": "sigen.plan.change",
    "TimedStep": "sigen.plan.change",
    "DocumentInfo": "sigen.plan.documents",
    "Documents": "sigen.plan.documents",
    "Signer": "sigen.plan.documents",
    "Admin": "sigen.plan.system",
    "AnsibleWiring": "sigen.plan.plan",
    "BackupJob": "sigen.plan.steps",
    "BackupPolicy": "sigen.plan.system",
    "Blueprint": "sigen.plan.system",
    "Change": "sigen.plan.evidence",
    "ChangeManagement": "sigen.plan.system",
    "Check": "sigen.plan.checks",
    "Drill": "sigen.plan.system",
    "DrillPart": "sigen.plan.steps",
    "DrillStep": "sigen.plan.steps",
    "Environment": "sigen.plan.system",
    "Evidence": "sigen.plan.evidence",
    "Flow": "sigen.plan.steps",
    "Host": "sigen.plan.system",
    "InstallStep": "sigen.plan.steps",
    "Interface": "sigen.plan.system",
    "Jinja": "sigen.plan.values",
    "KINDS": "sigen.plan.checks",
    "LabHost": "sigen.plan.lab",
    "LabNetwork": "sigen.plan.lab",
    "Network": "sigen.plan.system",
    "NotSecret": "sigen.plan.system",
    "KeyCustody": "sigen.plan.system",
    "Person": "sigen.plan.system",
    "Plan": "sigen.plan.plan",
    "RackCabinet": "sigen.plan.system",
    "RackEquipment": "sigen.plan.system",
    "RestoreProcedure": "sigen.plan.steps",
    "RestoreTask": "sigen.plan.steps",
    "Revision": "sigen.plan.evidence",
    "Secret": "sigen.plan.system",
    "SecretUse": "sigen.plan.steps",
    "Security": "sigen.plan.system",
    "Service": "sigen.plan.system",
    "Site": "sigen.plan.system",
    "Topology": "sigen.plan.lab",
    "group_name": "sigen.plan.steps",
    "inventory_file": "sigen.plan.steps",
    "parse_duration": "sigen.plan.system",
}


def __getattr__(name: str) -> Any:
    # Loaded on first use: the no-op build reads only the record layout (sigen.plan.evidence)
    # and must not pay for every dataclass of the plan.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sigen.plan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
