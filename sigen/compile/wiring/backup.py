"""backup_server accounts and backup_client settings from the backup policies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sigen.compile.wiring.refs import secret_ref
from sigen.plan import BackupPolicy, Blueprint, Host, Jinja, Plan, Secret

__all__ = ["APPEND_ONLY", "access", "account", "backup_hosts", "client_vars", "databases",
           "password", "paths", "restores", "server_client", "server_host"]

# How the roles reach a repository: backup_server forces, for each policy's account,
# `rclone serve restic --append-only` (files added, none deleted or overwritten) and applies
# the retention itself (server_client); backup_client talks to it through sigen-restic and
# never forgets. The backup plan's "cannot delete" (Protection.append_only) is this fact.
APPEND_ONLY = True


def password(policy: BackupPolicy) -> Secret:
    """The repository password: the policy's encryption secret, else a vault variable named
    after the policy (the installation plan lists it as a prerequisite)."""
    if policy.password is not None:
        return policy.password
    return Secret("vault", "vault_backup_" + policy.name.replace("-", "_") + "_password")


def backup_hosts(policy: BackupPolicy) -> tuple[Host, ...]:
    """The hosts holding a repository of the policy: its destination, then its copy host."""
    return (policy.destination,) if policy.copy_to is None else (policy.destination,
                                                                  policy.copy_to)


def account(policy: BackupPolicy) -> str:
    """The policy's account on its backup host (backup_server_account_prefix + name)."""
    return "bk-" + policy.name


def server_client(policy: BackupPolicy, keep: dict[str, int],
                  forget_calendar: str) -> dict[str, Any]:
    """The policy's entry in its destination's backup_server_clients: its account and the
    retention the backup host applies (the units kept by, count > 0, in restic's order), with
    the repository password that retention needs."""
    return {
        "name": policy.name,
        "retention": {unit: n for unit, n in keep.items() if n > 0},
        "retention_schedule": forget_calendar,
        "repository_password": secret_ref(password(policy)),
    }


def server_host(plan: Plan, host: Host) -> dict[str, Any]:
    """backup_server_clients of a backup host: one account per policy stored there (as its
    destination or its copy; the same account name, retention and password on both)."""
    if not any(s.component == "backup_server" for s in host.services):
        return {}
    return {"backup_server_clients": [
        dict(j.server_vars) for j in plan.backups if host in backup_hosts(j.policy)
    ]}


def databases(policy: BackupPolicy) -> tuple[str, ...]:
    """Databases a database-dump policy dumps: those the PostgreSQL service declares."""
    svc = policy.service
    if policy.method != "database-dump" or svc is None or svc.component != "postgresql":
        return ()
    names = [str(d["name"]) for d in svc.settings.get("databases") or () if "name" in d]
    return tuple(names or ["postgres"])


def paths(policy: BackupPolicy) -> tuple[str, ...]:
    """Files and folders a policy saves besides database dumps."""
    if policy.paths:
        return tuple(policy.paths)
    if policy.method != "database-dump" and policy.service is not None:
        return tuple(policy.service.data)
    return ()


def access(bp: Blueprint, policy: BackupPolicy, client: Host) -> dict[str, Any]:
    """What a client (or a recovery host) needs to reach the policy's repository."""
    dest = policy.destination
    out: dict[str, Any] = {
        "backup_client_name": policy.name,
        "backup_client_server": dest.name,
        "backup_client_server_address": dest.address_towards(client),
        "backup_client_server_port": bp.security.ssh_port,
        "backup_client_repository_password": secret_ref(password(policy)),
    }
    if policy.copy_to is not None:
        out["backup_client_copy_server"] = policy.copy_to.name
        out["backup_client_copy_server_address"] = policy.copy_to.address_towards(client)
    return out


def client_vars(bp: Blueprint, policy: BackupPolicy, on_calendar: str, check_calendar: str,
                check_every: timedelta, read_data_parts: int) -> dict[str, Any]:
    """Role variables of a backup policy's play (role backup_client, entry point main)."""
    out = access(bp, policy, policy.hosts[0])
    out.update({
        "backup_client_paths": list(paths(policy)),
        "backup_client_postgresql_databases": list(databases(policy)),
        "backup_client_schedule": on_calendar,
        "backup_client_check_schedule": check_calendar,
        "backup_client_check_period_days": check_every.days,
        "backup_client_check_read_data_parts": read_data_parts,
    })
    return out


def _owner(policy: BackupPolicy, database: str) -> str:
    svc = policy.service
    for d in (svc.settings.get("databases") or ()) if svc is not None else ():
        if d.get("name") == database and d.get("owner"):
            return str(d["owner"])
    return "postgres"


def restores(bp: Blueprint, policy: BackupPolicy, host: Host,
             from_host: Host | None) -> list[tuple[str, dict[str, Any]]]:
    """(what, role variables) of each restore a policy needs (entry point restore).

    ``from_host`` is the host whose snapshots to restore (a lost host, in a drill); by
    default each host restores its own.
    """
    base = access(bp, policy, host)
    base["backup_client_restore_from_host"] = (
        from_host.name if from_host is not None else Jinja("{{ inventory_hostname }}")
    )
    out: list[tuple[str, dict[str, Any]]] = []
    for db in databases(policy):
        out.append((f"database {db}", {**base, "backup_client_restore_database": db,
                                       "backup_client_restore_database_owner":
                                       _owner(policy, db)}))
    files = list(paths(policy))
    if files:
        out.append(("files " + ", ".join(files), {
            **base, "backup_client_restore_target_path": "/",
            "backup_client_restore_include": files,
        }))
    return out


def with_replace(role_vars: dict[str, Any], replace: bool | Jinja) -> dict[str, Any]:
    """A database restore may move existing data aside (and promote a standby) when
    ``replace`` says so."""
    if "backup_client_restore_database" in role_vars:
        role_vars["backup_client_restore_replace"] = replace
        role_vars["backup_client_restore_promote"] = replace
    return role_vars
