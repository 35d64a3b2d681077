"""The plan's steps: what is installed, backed up, restored and drilled, with stable IDs.

Every fact a back end prints or configures is a field here, computed once by the planner
(``sigen.compile.planner``): the backup plan prints a job's ``on_calendar`` and the timer is
configured from the same field; the drill plan names the databases the inject phase drops and
the drill play gets the same tuple.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple

from sigen.plan.system import BackupPolicy, Drill, Host, Secret, Service

__all__ = [
    "FLOW_KINDS",
    "FORKS",
    "AffectedService",
    "BackupJob",
    "DrillPart",
    "DrillStep",
    "Flow",
    "InstallStep",
    "RestoreProcedure",
    "RestoreTask",
    "SecretUse",
    "group_name",
    "inventory_file",
]

RoleVars = Mapping[str, Any]


def group_name(prefix: str, name: str) -> str:
    """An inventory group name; Ansible warns about '-' in group names, so use '_'."""
    return f"{prefix}_{name}".replace("-", "_")


# Why a flow exists (Flow.kind), as the firewall and the diagrams tell them apart.
# Hosts Ansible configures at once (forks in the generated ansible.cfg): a play runs its tasks
# on this many of its hosts together, and the install durations are estimated by batches of it.
FORKS = 20

FLOW_KINDS = ("dependency", "replication", "client", "monitoring", "backup", "drill",
              "failover")


def inventory_file(env: str) -> str:
    """The inventory of an environment, relative to the project: the group tree, beside the
    ``group_vars/`` and ``host_vars/`` Ansible reads with it (ansible.cfg names the default
    one, the plans tell the operator which one to give)."""
    return f"inventories/{env}/hosts.json"


def common_vars_file(env: str) -> str:
    """What every host of an environment shares. A folder, not ``group_vars/all.json``:
    Ansible reads either a folder or one file of that name, so the operator's vault file goes
    beside this one (``group_vars/all/vault.yml``)."""
    return f"inventories/{env}/group_vars/all/sigen.json"


def host_vars_file(env: str, host: str) -> str:
    """One host's own variables in an environment."""
    return f"inventories/{env}/host_vars/{host}.json"


@dataclass(frozen=True, eq=False)
class Flow:
    """One allowed inbound connection on ``host``: from ``source`` to ``port``/``protocol``.

    ``kind`` says why (FLOW_KINDS): a service uses one it depends on (``dependency``; a
    PostgreSQL standby streaming from its primary is ``replication``), clients of
    ``allow_from`` (``client``), the monitoring service collects metrics (``monitoring``), a
    backup policy sends its data (``backup``), a drill restores from the backup host
    (``drill``), or dependants reach a drill's recovery host ahead of a failover
    (``failover``). ``source_host`` is the host it comes from (None for clients outside the
    blueprint), ``source_service`` the service there that makes it ("" when none),
    ``service`` the service on ``host`` it reaches ("" for the host's node exporter), and
    ``subject`` the blueprint entry it exists for: the allow_from entry (client), the backup
    policy (backup) or the drill (drill, failover); "" otherwise."""

    # Not in the repr: the plans key their rows of flows by it (sigen.render.memo), per host.
    host: Host = field(repr=False)
    name: str
    source: str
    port: int
    protocol: str
    reason: str
    kind: str = "dependency"
    source_host: Host | None = field(default=None, repr=False)
    source_service: str = ""
    service: str = ""
    subject: str = ""


@dataclass(frozen=True, eq=False)
class InstallStep:
    id: str
    kind: str  # base | firewall | monitoring-agent | service | backup
    title: str
    hosts: tuple[Host, ...]
    roles: tuple[str, ...]
    depends_on: tuple[str, ...]
    priority: int
    minutes: int
    service: Service | None = None
    policy: BackupPolicy | None = None

    @property
    def group(self) -> str:
        """Inventory group the play targets."""
        if self.service is not None:
            return group_name("service", self.service.name)
        if self.policy is not None:
            return group_name("backup", self.policy.name)
        return "all"


@dataclass(frozen=True, eq=False)
class BackupJob:
    """A backup policy as it runs: its timer, retention, repository access and checks.

    ``client_vars`` are the role variables of its installation play (``backup_client``),
    ``access`` what its first host needs to reach the repository (``backup.yml``), and
    ``server_vars`` its entry in the destination's ``backup_server_clients``: the account, and
    the retention the backup host applies (the hosts cannot delete: ``append_only``)."""

    id: str
    policy: BackupPolicy
    install_id: str
    interval: timedelta
    rpo: timedelta
    # BackupTooOld fires for this policy when its last success is older than alert_after
    # and has been for alert_for (the monitoring rule's threshold and `for`).
    alert_after: timedelta
    alert_for: timedelta
    rto: timedelta
    on_calendar: str  # systemd OnCalendar of the backup timer
    check_calendar: str  # systemd OnCalendar of the repository check
    check_every: timedelta  # how often that check runs
    read_data_parts: int  # each check reads back one of this many parts of the data
    # restic forget --keep-<unit> for every unit (last, hourly, daily, weekly, monthly,
    # yearly), 0 where the policy keeps none by it; run on the backup host, on this calendar.
    keep: Mapping[str, int]
    forget_calendar: str
    databases: tuple[str, ...]  # dumped (database-dump of a PostgreSQL service)
    paths: tuple[str, ...]  # files and folders saved besides the dumps
    password: Secret  # the repository password
    account: str  # the policy's account on the destination
    # The repository is served append-only to the hosts (they add snapshots, cannot delete
    # them) and the retention runs on the destination.
    append_only: bool
    restore_id: str
    drills: tuple[str, ...]  # IDs of the drills that restore this policy
    access: RoleVars
    client_vars: RoleVars
    server_vars: RoleVars

    @property
    def meets_rpo(self) -> bool:
        return self.interval <= self.rpo

    @property
    def noticed_after(self) -> timedelta:
        """The longest a policy can go without a successful backup before its alert fires."""
        return self.alert_after + self.alert_for

    @property
    def noticed_before_second_miss(self) -> bool:
        """Whether a failed run is alerted on before the run after it is due."""
        return self.noticed_after < 2 * self.interval

    @property
    def kept(self) -> tuple[tuple[str, int], ...]:
        """The units the policy keeps snapshots by, with their counts, in restic's order:
        exactly the --keep-<unit> flags the backup host's forget runs with."""
        return tuple((unit, n) for unit, n in self.keep.items() if n > 0)


@dataclass(frozen=True, eq=False)
class RestoreTask:
    """One restore a procedure runs: a database or the files of a policy."""

    policy: BackupPolicy
    what: str  # "database <name>" | "files <paths>"
    role_vars: RoleVars  # backup_client, entry point restore


@dataclass(frozen=True, eq=False)
class RestoreProcedure:
    id: str
    title: str
    service: Service | None
    policies: tuple[BackupPolicy, ...]
    hosts: tuple[Host, ...]
    databases: tuple[str, ...]
    # Hosts that may restore each policy (by name): its own and the recovery hosts of its
    # drills; the backup server's firewall admits no others.
    admitted: Mapping[str, tuple[Host, ...]]
    tasks: tuple[RestoreTask, ...]


@dataclass(frozen=True, eq=False)
class DrillPart:
    """What a drill does with one backup policy: whose data it loses and records, where it
    restores it, and how the recovered service is checked."""

    policy: BackupPolicy
    source: Host  # the host whose data the drill loses and restores
    target: Host  # where it is restored
    databases: tuple[str, ...]
    paths: tuple[str, ...]
    source_access: RoleVars  # reach the repository from the source (prepare)
    restores: tuple[tuple[str, RoleVars], ...]  # (what, role variables) on the target
    service_address: str  # where the recovered service is checked
    ports: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class AffectedService:
    """A service the drill's failure hits: ``down`` (every host lost) or ``degraded`` (some
    left), and how it comes back: ``restore`` (from its backups, ``how`` names the policies),
    ``standby`` (a streaming standby outside the failure takes over, ``how`` names it),
    ``redundancy`` (its other hosts carry on), or ``not recovered`` (``how``: the blueprint's
    reason)."""

    service: Service
    status: str
    recovery: str
    how: str


@dataclass(frozen=True, eq=False)
class DrillStep:
    id: str
    drill: Drill
    recovery_hosts: tuple[Host, ...]
    policies: tuple[BackupPolicy, ...]
    restores: tuple[RestoreProcedure, ...]
    lost_hosts: tuple[Host, ...]
    parts: tuple[DrillPart, ...]
    sources: tuple[Host, ...]  # the source hosts of the parts, once each
    databases: tuple[str, ...]  # every database the drill records and restores
    folders: tuple[str, ...]  # every folder the drill records and restores
    # Services whose hosts the verify phase connects from: not lost, not the target.
    dependants: tuple[Service, ...]
    # Streaming standbys on the recovery hosts (promoted by the recover phase).
    standbys: tuple[Service, ...]
    # Per dependant host: the connections it makes to the recovered service (verify).
    dependant_checks: Mapping[str, tuple[Mapping[str, Any], ...]]
    # Every service the failure hits, in dependency order, and the order to bring the down
    # ones back (the names of those recovered by a restore or a standby).
    affected: tuple[AffectedService, ...] = ()
    recovery_order: tuple[str, ...] = ()
    # The facts a run of the drill depends on (``sigen.plan.facts``: its hosts, the services
    # its failure hits or that depend on them, its backup policies, its scenario and
    # targets), recorded with each run so that a later plan can tell a run that no longer
    # proves the system.
    facts: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def part(self, policy: BackupPolicy) -> DrillPart:
        return next(p for p in self.parts if p.policy is policy)

    def source_host(self, policy: BackupPolicy) -> Host:
        """The host whose data of ``policy`` the drill loses and restores."""
        return self.part(policy).source

    def recovery_host(self, policy: BackupPolicy) -> Host:
        """Where ``policy`` is restored."""
        return self.part(policy).target


class SecretUse(NamedTuple):
    """A secret the project reads, and what needs it (``service web, backup db``)."""

    secret: Secret
    users: str
