"""The team and who does what (RACI), from the blueprint's people and the plan's steps.

Responsible, in this order: the owners of the step's service (``owns``), then the holders
of the step's duty (``responsible_for``); a backup is first the ``backups`` duty's, then the
service owner's; a drill is led by its first participant, else by the ``drills`` duty.
Accountable: the approver of the plan the task belongs to (documents.signatures), else the
change approvers. Consulted: the owners of what the task touches (the services a step
depends on, the protected service, the other participants of a drill). Informed: the
escalation contacts for the installation and the drills, the monitoring service's owners for
backups (they receive BackupTooOld). Nobody is named twice for one task: R before A before C
before I.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sigen.plan import (
    Assignment,
    BackupJob,
    Blueprint,
    ChangeRequest,
    Documents,
    DrillStep,
    InstallStep,
    Member,
    Person,
    RestoreProcedure,
    Team,
)

__all__ = ["team"]

# Who may be responsible, in order: (why, names); the first with names is.
Chain = list[tuple[str, Sequence[str]]]
# The plan each kind of task belongs to (its approver is accountable for it).
_PLAN_OF = {"install": "installation-plan", "backup": "backup-restore-plan",
            "restore": "backup-restore-plan", "drill": "disaster-drill-plan"}


def _names(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for group in groups for n in group))


def _without(names: Iterable[str], *taken: Sequence[str]) -> tuple[str, ...]:
    used = {n for group in taken for n in group}
    return tuple(n for n in dict.fromkeys(names) if n not in used)


class _People:
    def __init__(self, bp: Blueprint, documents: Documents) -> None:
        self.bp = bp
        self.documents = documents
        self.owners: dict[str, list[str]] = {}
        self.duty: dict[str, list[str]] = {}
        for person in bp.stakeholders:
            for service in person.owns:
                self.owners.setdefault(service, []).append(person.name)
            for duty in person.responsible_for:
                self.duty.setdefault(duty, []).append(person.name)
        change = bp.change
        self.approvers = [p.name for p in change.approvers] if change else []
        self.escalation = [p.name for p in change.escalation] if change else []
        self.monitoring = _names(*(self.owners.get(s.name, ()) for s in bp.services
                                   if s.component == "monitoring"))

    def owners_of(self, services: Iterable[str]) -> tuple[str, ...]:
        return _names(*(self.owners.get(s, ()) for s in services))

    def accountable(self, kind: str) -> tuple[str, ...]:
        info = self.documents.by_id.get(_PLAN_OF[kind])
        if info is not None and info.approved is not None:
            return (info.approved.name,)
        return tuple(self.approvers)


def _assignment(people: _People, id_: str, kind: str, subject: object,
                chain: Chain, consulted: Iterable[str],
                informed: Iterable[str]) -> Assignment:
    basis, responsible = "", tuple[str, ...]()
    for why, names in chain:
        if names:
            basis, responsible = why, tuple(dict.fromkeys(names))
            break
    accountable = people.accountable(kind)
    c = _without(consulted, responsible, accountable)
    i = _without(informed, responsible, accountable, c)
    return Assignment(id_, kind, subject, responsible, accountable, c, i, basis)  # type: ignore[arg-type]


def _install(people: _People, step: InstallStep) -> Assignment:
    install: Sequence[str] = people.duty.get("install", ())
    chain: Chain
    if step.service is not None:
        chain = [("owner", people.owners.get(step.service.name, ())), ("duty", install)]
        consulted = people.owners_of(d.name for d in step.service.depends_on)
    elif step.policy is not None:
        protected = [step.policy.service.name] if step.policy.service else []
        chain = [("duty", people.duty.get("backups", ())),
                 ("owner", people.owners_of(protected)), ("duty", install)]
        consulted = people.owners_of([*protected, *(s.name for s in
                                                    step.policy.destination.services)])
    else:
        chain = [("duty", install)]
        consulted = ()
    return _assignment(people, step.id, "install", step, chain, consulted, people.escalation)


def _backup(people: _People, job: BackupJob) -> Assignment:
    protected = [job.policy.service.name] if job.policy.service else []
    chain: Chain = [("duty", people.duty.get("backups", ())),
                    ("owner", people.owners_of(protected))]
    return _assignment(people, job.id, "backup", job, chain, people.owners_of(protected),
                       people.monitoring)


def _restore(people: _People, procedure: RestoreProcedure) -> Assignment:
    protected = [procedure.service.name] if procedure.service else []
    chain: Chain = [("duty", people.duty.get("backups", ())),
                    ("owner", people.owners_of(protected))]
    return _assignment(people, procedure.id, "restore", procedure, chain,
                       people.owners_of(protected), people.escalation)


def _drill(people: _People, step: DrillStep) -> Assignment:
    participants = step.drill.participants
    chain: Chain = [("lead", participants[:1]), ("duty", people.duty.get("drills", ()))]
    return _assignment(people, step.id, "drill", step, chain, participants[1:],
                       people.escalation)


def _documents(documents: Documents) -> list[Assignment]:
    out = []
    for info in documents.by_id.values():
        prepared = (info.prepared.name,) if info.prepared else ()
        approved = (info.approved.name,) if info.approved else ()
        reviewed = _without([info.reviewed.name] if info.reviewed else (), prepared, approved)
        out.append(Assignment(info.number, "document", info, prepared, approved, reviewed, (),
                              "prepared" if prepared else ""))
    return out


def _members(bp: Blueprint, documents: Documents,
             drills: Sequence[DrillStep]) -> tuple[Member, ...]:
    """The stakeholders, then approvers and escalation contacts not among them."""
    people: dict[str, Person] = {p.name: p for p in bp.stakeholders}
    change = bp.change
    for person in (change.approvers + change.escalation) if change else ():
        people.setdefault(person.name, person)
    approvers = {p.name for p in change.approvers} if change else set()
    levels = {p.name: p.level for p in change.escalation} if change else {}
    signs: dict[str, list[tuple[str, str]]] = {}
    for info in documents.by_id.values():
        for what, signer in (("prepared", info.prepared), ("reviewed", info.reviewed),
                             ("approved", info.approved)):
            if signer is not None:
                signs.setdefault(signer.name, []).append((info.id, what))
    in_drills: dict[str, list[str]] = {}
    for step in drills:
        for name in step.drill.participants:
            in_drills.setdefault(name, []).append(step.id)
    return tuple(Member(
        name=p.name, role=p.role, contact=p.contact, reports_to=p.reports_to,
        duties=p.responsible_for, owns=p.owns, approver=p.name in approvers,
        escalation_level=levels.get(p.name, 0), drills=tuple(in_drills.get(p.name, ())),
        signs=tuple(signs.get(p.name, ()))) for p in people.values())


def team(bp: Blueprint, documents: Documents, install: Sequence[InstallStep],
         backups: Sequence[BackupJob], restores: Sequence[RestoreProcedure],
         drills: Sequence[DrillStep], change: ChangeRequest | None) -> Team:
    people = _People(bp, documents)
    tasks = [_install(people, s) for s in install]
    tasks += [_backup(people, b) for b in backups]
    tasks += [_restore(people, r) for r in restores]
    tasks += [_drill(people, d) for d in drills]
    if change is not None:
        tasks.append(Assignment(
            "CHG", "change", change, tuple(people.duty.get("install", ())),
            tuple(people.approvers),
            _without(people.owners_of(change_services(bp)), people.duty.get("install", ()),
                     people.approvers),
            _without(people.escalation, people.duty.get("install", ()), people.approvers),
            "duty" if people.duty.get("install") else ""))
    tasks += _documents(documents)
    assigned = any(p.responsible_for or p.owns for p in bp.stakeholders)
    return Team(_members(bp, documents, drills), tuple(tasks), assigned)


def change_services(bp: Blueprint) -> list[str]:
    """The services in service that the change touches (their owners are consulted)."""
    return list(bp.change.in_service) if bp.change else []



