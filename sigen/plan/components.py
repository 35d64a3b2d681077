"""The shared components (O1.3.2, O2.1.2): each role the blueprint uses, read from the role
library itself: its function and decision record (``roles/<role>/meta/sigen.yml``), its
interface (``meta/argument_specs.yml``), its platforms (``meta/main.yml``) and what its
molecule scenarios set up and verify (``molecule/<scenario>/``). The role READMEs are
rendered from the same facts.

Texts a person wrote for each language (a function, a reason) are mappings language -> text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Alternative", "Component", "EntryPoint", "Managed", "Option", "RoleInfo", "Scenario",
           "Support"]

Text = Mapping[str, str]  # language -> words


@dataclass(frozen=True)
class Option:
    """One variable of a role's interface, as its argument spec gives it."""

    name: str  # nested options as parent.child
    type: str
    required: bool
    default: str  # the default as YAML flow text ("" when none)
    choices: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class EntryPoint:
    name: str  # main, or the tasks file another play includes
    summary: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Scenario:
    """A molecule scenario that applies the role: what it sets up and what it checks, by
    the names of its plays and tasks (read from converge.yml and verify.yml)."""

    name: str
    instances: tuple[str, ...]  # the hosts it creates
    roles: tuple[str, ...]  # the roles its converge applies
    converge: tuple[str, ...]  # the plays of converge.yml
    checks: tuple[str, ...]  # the assertions of verify.yml (and the tasks files it includes)


@dataclass(frozen=True)
class Support:
    until: str  # YYYY-MM-DD
    by: Text  # who supports it until then
    source: str  # where the date comes from


@dataclass(frozen=True)
class Alternative:
    name: str
    why_not: Text


@dataclass(frozen=True)
class Component:
    """Upstream software a role installs, with the decision record for it."""

    name: str
    package: str  # the Debian package
    version: str  # as packaged for the role's platform
    upstream: str
    licence: str  # SPDX identifier
    debian_licence: str  # as the package's copyright file names it (Files: *)
    licence_checked: str  # which package's copyright file that was read from
    cost: Decimal  # licence fee, TWD per host and year
    paid_support: Text
    support: tuple[Support, ...]
    alternatives: tuple[Alternative, ...]
    why: Text
    # The boolean option of the role's interface that installs it ("": always installed).
    when: str = ""
    # The systemd service it runs on a host ("": none); "{option}" stands for the value of
    # one of the role's options there.
    unit: str = ""
    # The licence an inventory run read on a host from /usr/share/doc/<package>/copyright
    # ("" until one has: sigen records no inventory runs yet).
    observed_licence: str = ""


@dataclass(frozen=True)
class Managed:
    """Something a role sets up on a host besides its packages (meta/sigen.yml ``manages``):
    ``kind`` file | account | unit | log; ``name`` the path, account or unit, which may hold
    ``{option}`` or ``{option[].key}``; ``text`` what it sets or is for; ``when`` the boolean
    option it depends on ("" always)."""

    kind: str
    name: str
    text: Text
    when: str = ""


@dataclass(frozen=True)
class RoleInfo:
    name: str
    description: str  # galaxy_info.description
    function: Text  # meta/sigen.yml
    platforms: tuple[str, ...]  # "Debian bookworm"
    min_ansible_version: str
    licence: str  # the role's own (galaxy_info.license)
    entry_points: tuple[EntryPoint, ...]
    components: tuple[Component, ...]
    scenarios: tuple[Scenario, ...]
    recorded: bool  # whether meta/sigen.yml exists
    # What the role keeps on a host (meta/sigen.yml state): none | cache | database | files
    # | metrics | backups; "" when the role has no record.
    state: str = ""
    manages: tuple[Managed, ...] = ()
