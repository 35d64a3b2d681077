"""The protection of the backups and what they leave out (``sigen.plan.protection``), from
the backup jobs (the same facts the backup_client role is wired with) and the roles'
metadata (what each component keeps on a host)."""

from __future__ import annotations

from collections.abc import Sequence

from sigen.compile.wiring.services import primary_of
from sigen.plan import BackupJob, Blueprint, RoleInfo
from sigen.plan.protection import Copy, NotBackedUp, PolicyProtection, Protection

__all__ = ["protection"]

# What a role keeps that a backup policy must protect; the other states say why no policy
# is needed (sigen/data/role-meta.schema.yml).
_DATA_STATES = frozenset({"database", "files"})


def _policy(job: BackupJob) -> PolicyProtection:
    p = job.policy
    data_sites = tuple(dict.fromkeys(h.site.name for h in p.hosts))
    stores = (p.destination,) if p.copy_to is None else (p.destination, p.copy_to)
    copies = (Copy("production", tuple(h.name for h in p.hosts), data_sites),
              *(Copy("repository", (h.name,), (h.site.name,)) for h in stores))
    backups = [c for c in copies if c.kind == "repository"]
    return PolicyProtection(
        job=job.id, policy=p.name, copies=copies,
        three_copies=len(copies) >= 3,
        two_media=all(h not in {x.name for x in p.hosts} for c in backups for h in c.hosts),
        one_off_site=any(set(c.sites) - set(data_sites) for c in backups),
        read_data_parts=job.read_data_parts, check_every=job.check_every,
        read_data_cycle=job.check_every * max(job.read_data_parts, 1),
        append_only=job.append_only)


def _left_out(bp: Blueprint, jobs: Sequence[BackupJob],
              roles: Sequence[RoleInfo]) -> tuple[NotBackedUp, ...]:
    state = {r.name: r.state for r in roles}
    out = []
    policy_of = {j.policy.service.name: j.policy for j in jobs if j.policy.service is not None}
    for service in bp.services:
        policies = [j.policy for j in jobs if j.policy.service is service]
        primary = primary_of(service)
        if not policies and primary is not None and primary.name in policy_of:
            # A streaming standby holds the primary's data, which the primary's policy saves.
            out.append(NotBackedUp("replica", service.name, tuple(h.name for h in service.hosts),
                                   policy_of[primary.name].name))
            continue
        if policies:
            covered = {h.name for p in policies for h in p.hosts}
            rest = tuple(h.name for h in service.hosts if h.name not in covered)
            if rest:
                out.append(NotBackedUp("replica", service.name, rest, policies[0].name))
            continue
        kept = state.get(service.component, "")
        hosts = tuple(h.name for h in service.hosts)
        if service.data or kept in _DATA_STATES or not kept:
            # Data and no policy, or a role of unknown state: a gap until shown otherwise.
            out.append(NotBackedUp("no-policy", service.name, hosts))
        else:
            out.append(NotBackedUp("stateless" if kept == "none" else kept, service.name, hosts))
    every = tuple(h.name for h in bp.hosts)
    out += [NotBackedUp("configuration", hosts=every), NotBackedUp("logs", hosts=every)]
    return tuple(out)


def protection(bp: Blueprint, jobs: Sequence[BackupJob],
               roles: Sequence[RoleInfo]) -> Protection:
    policies = tuple(_policy(j) for j in jobs)
    return Protection(policies=policies, not_backed_up=_left_out(bp, jobs, roles),
                      append_only=all(x.append_only for x in policies))
