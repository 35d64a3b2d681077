"""The team chart and task list (O1.1.3): the people of the blueprint, their reporting
lines, and who is responsible, accountable, consulted and informed (RACI) for every install
step, backup job, restore procedure, drill, the change and each document's approval.

``sigen.compile.team`` assigns them from the blueprint's stakeholders (``responsible_for``,
``owns``, ``reports_to``), the change approvers and escalation contacts, the drills'
participants and the documents' signatures; validation flags a task nobody is responsible
for (SG804).
"""

from __future__ import annotations

from dataclasses import dataclass

from sigen.plan.change import ChangeRequest
from sigen.plan.documents import DocumentInfo
from sigen.plan.steps import BackupJob, DrillStep, InstallStep, RestoreProcedure

__all__ = ["DUTIES", "Assignment", "Member", "Team"]

# What a stakeholder can be responsible for (system.stakeholders[].responsible_for).
DUTIES = ("install", "backups", "drills")

Subject = InstallStep | BackupJob | RestoreProcedure | DrillStep | ChangeRequest | DocumentInfo


@dataclass(frozen=True)
class Member:
    """A person of the team: a stakeholder, or a change approver or escalation contact the
    stakeholders do not list."""

    name: str
    role: str
    contact: str
    reports_to: str  # "" : directly under the system's owner
    duties: tuple[str, ...]
    owns: tuple[str, ...]  # services
    approver: bool  # approves changes
    escalation_level: int  # 0: not an escalation contact
    drills: tuple[str, ...]  # DRL- IDs they take part in
    signs: tuple[tuple[str, str], ...]  # (document, prepared | reviewed | approved)


@dataclass(frozen=True, eq=False)
class Assignment:
    """One task: ``id`` is its step ID (INS-, BAK-, RST-, DRL-), ``CHG`` for the change or
    the document number; the four letters of RACI name people."""

    id: str
    kind: str  # install | backup | restore | drill | change | document
    subject: Subject
    responsible: tuple[str, ...]
    accountable: tuple[str, ...]
    consulted: tuple[str, ...]
    informed: tuple[str, ...]
    # Why the responsible are who they are: owner (of the step's service), duty (the
    # stakeholder's responsible_for), lead (the drill's first participant), prepared (the
    # document's author), approvers (the change approvers); "" when nobody is.
    basis: str


@dataclass(frozen=True, eq=False)
class Team:
    members: tuple[Member, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    # Whether the blueprint assigns anything (responsible_for or owns): then every step
    # must have someone responsible (an error), else the list says plainly that nobody is
    # (a warning).
    assigned: bool = False

    @property
    def unassigned(self) -> tuple[Assignment, ...]:
        """The steps (install, backup, restore, drill) nobody is responsible for."""
        return tuple(a for a in self.assignments
                     if not a.responsible and a.kind in ("install", "backup", "restore",
                                                         "drill"))
