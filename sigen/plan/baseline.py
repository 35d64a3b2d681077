"""The hardening baseline as the plan holds it: each control with the value every host gets,
the rule of the CIS benchmark it meets and the 資通系統防護基準 family it serves, and the
exception the blueprint records for it.

One fact per control (``Control.value``) feeds the role variables of every environment
(``sigen.compile.wiring``), the checks verify.yml runs (``sigen.compile.verification``) and
the verification checklist, so the three cannot disagree. Made by ``sigen.compile.baseline``
from sigen/data/baseline.yml and ``security.baseline`` of the blueprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sigen.plan.values import Jinja

__all__ = ["ROOT_LOGIN", "Baseline", "BaselineException", "Control"]

# What verify.yml compares sshd's root login with: each environment's own value.
ROOT_LOGIN = Jinja("{{ hardening_ssh_permit_root_login }}")


@dataclass(frozen=True)
class BaselineException:
    """A justified deviation from the baseline: ``value`` is what the hosts get instead."""

    control: str
    value: Any
    reason: str
    approved_by: str


@dataclass(frozen=True)
class Control:
    """One control. ``option`` is the hardening role variable that sets it (``key`` one key
    of it, for a dict variable); ``value`` the value the hosts get (the baseline's, or the
    exception's); ``expected`` the same as the check observes it (sshd -T's spelling, a
    login.defs value, the banner text, a file's owner, group and mode, a limit, a kernel
    module's settings, a kernel parameter) — "" when nothing is left to check (an exception
    that turns the control off). ``check`` is the kind of observation and ``setting`` what
    it reads (``sigen.plan.checks``)."""

    id: str
    cis: str  # CIS Debian Linux 12 Benchmark v1.1.0 rule, "" for none
    level: int
    family: str
    title: Mapping[str, str]  # language -> text
    option: str
    key: str
    baseline: Any  # the baseline's own value
    value: Any
    expected: str
    check: str  # ssh | login | banner | mode | limit | modprobe | sysctl
    setting: str
    exception: BaselineException | None = None
    set_by: str = ""  # the blueprint field that sets the value ("": the baseline or an exception)


@dataclass(frozen=True)
class Baseline:
    """Every control in catalogue order, the families by key (language -> name) and the
    benchmark the CIS rules are of. ``checks`` are the controls as verify.yml checks them on
    every host (those with something to check): ``id`` (the control's), ``kind``,
    ``setting`` and ``expected`` (``ROOT_LOGIN`` for root login, each environment's)."""

    controls: tuple[Control, ...] = ()
    checks: tuple[Mapping[str, Any], ...] = ()
    families: Mapping[str, Mapping[str, str]] | None = None
    benchmark: str = "CIS Debian Linux 12 Benchmark v1.1.0"

    def options(self) -> dict[str, Any]:
        """The hardening role variables that enact the controls, dict variables whole; root
        login is each environment's own (``Plan.root_login``)."""
        out: dict[str, Any] = {}
        for c in self.controls:
            if c.set_by == "security.ssh.root_login":
                continue
            if c.key:
                out.setdefault(c.option, {})[c.key] = c.value
            else:
                out[c.option] = c.value
        return out
