"""The software build document (軟體建置文件, O3.1.2): for each kind of host, what the
project installs and sets on it and how to build one again from nothing.

Hosts that run the same install steps are built alike, so they share a ``HostBuild``: the
steps in ``site.yml`` order with the roles they apply, the components those roles install
(their Debian packages and versions, from the role metadata), every role variable the
project sets for them and the file that sets it, and what is particular to each host (its
addresses, its host variables, the ports it listens on and the flows that reach them, its
backup timers and restores). All of it is read from the plan: the values are those of the
inventory and playbooks, not worked out again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigen.plan.components import Component, Managed
from sigen.plan.steps import BackupJob, InstallStep, RestoreProcedure
from sigen.plan.system import Host

__all__ = ["Admitted", "BuildRole", "Builds", "HostBuild", "HostPart", "Setting"]


@dataclass(frozen=True)
class Setting:
    """A role variable as the project sets it: ``value`` as compact JSON (a template of
    sigen's, such as a vault reference, as its text), set in ``file`` (a path of the
    generated project); ``entries`` counts the items of a list or mapping."""

    role: str
    name: str
    value: str
    file: str
    entries: int = 0
    secret: bool = False  # the value is a reference to a vault variable, never the secret


@dataclass(frozen=True)
class BuildRole:
    """A role the build applies: the steps that apply it, what it installs, the variables
    the project sets for it on every host of the build (``settings``), and how many of the
    options of its interface keep their defaults."""

    role: str
    steps: tuple[str, ...]
    components: tuple[Component, ...]
    settings: tuple[Setting, ...]
    defaults_kept: int
    # What it sets up besides its packages (files, accounts, units, logs), names resolved.
    managed: tuple[Managed, ...] = ()


@dataclass(frozen=True)
class Admitted:
    """The flows a host's firewall admits to one port, for one kind and service: from
    ``sources`` (host names, or the address of clients outside the blueprint)."""

    port: int
    protocol: str
    kind: str
    service: str  # "" for the node exporter
    sources: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class HostPart:
    """What is particular to one host of a build."""

    host: Host
    settings: tuple[Setting, ...]  # its host variables of the build's roles
    flows: tuple[Admitted, ...]  # the inbound connections its firewall admits
    ports: tuple[int, ...]  # the ports its services and the node exporter listen on
    backups: tuple[BackupJob, ...]  # the backup timers it runs
    restores: tuple[RestoreProcedure, ...]  # the restores that bring its data back


@dataclass(frozen=True, eq=False)
class HostBuild:
    """Hosts built alike: the same install steps, so the same roles and play variables.
    ``roles`` are those of its own steps; the steps every host runs are in ``Builds``."""

    steps: tuple[InstallStep, ...]  # every step, in site.yml order
    roles: tuple[BuildRole, ...]  # those its own steps apply, in order
    hosts: tuple[HostPart, ...]  # in blueprint order

    @property
    def tags(self) -> str:
        """The tags that run the build's steps of ``site.yml``, comma-separated."""
        return ",".join(s.id for s in self.steps)


@dataclass(frozen=True, eq=False)
class Builds:
    """The document's facts: the steps every host runs with their roles (described once),
    then the builds."""

    every_host: tuple[InstallStep, ...] = ()
    every_host_roles: tuple[BuildRole, ...] = ()
    builds: tuple[HostBuild, ...] = ()
