"""Verification checks: what the blueprint promises, as ``TST-`` checks run from the hosts.

One tuple of checks (``Plan.checks``, made by ``sigen.compile.verification``) feeds both
``verify.yml`` (what runs) and the test report (what was expected), so the two cannot
disagree. Each check runs on one host and is about one thing:

- ``port``: a service port answers on a host of the service (connect from the host itself);
- ``flow``: a declared flow (a dependency, monitoring, a backup) reaches its target from
  its source host;
- ``refused``: an undeclared connection to a host is refused by its firewall (SSH from a
  peer on a service network: sshd listens there, so only the firewall can refuse it);
- ``time``: the host's clock is synchronised (chrony);
- ``backup``: a backup policy's timer is enabled and active on a host it covers.

The hardening baseline (``sigen.plan.baseline``) is checked on every host as well, one
check per control named by the control, of the kinds ``BASELINE_KINDS``: ``ssh`` (a value
``sshd -T`` prints), ``login`` (a value of /etc/login.defs), ``banner`` (a banner file's
text), ``mode`` (a file's owner, group and mode), ``limit`` (a hard limit of a login session),
``modprobe`` (a kernel module modprobe refuses to load, deny-listed and not loaded),
``sysctl`` (a kernel parameter: the value the host sets at boot, and the live value where the
host owns its kernel; a container's is the lab machine's). They are the same on every host, so
they are not among a plan's checks: verify.yml holds them once and a run's record has one
row per control and host.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["BASELINE_KINDS", "KINDS", "Check"]

KINDS = ("port", "flow", "refused", "time", "backup")
BASELINE_KINDS = ("ssh", "login", "banner", "mode", "limit", "modprobe", "sysctl")


class Check(NamedTuple):
    # A named tuple rather than a frozen dataclass: 160,000 of them are made at 10,000
    # hosts, and a frozen dataclass sets each field through object.__setattr__.
    id: str
    kind: str
    host: str  # where it runs
    subject: str  # what it is about: a service, a flow name, a setting, a policy
    target: str = ""  # address it connects to (port, flow, refused)
    port: int = 0
    unit: str = ""  # backup: the timer

    def as_vars(self) -> dict[str, object]:
        """The check as verify.yml data (only the keys its kind uses)."""
        out: dict[str, object] = {"id": self.id, "kind": self.kind, "subject": self.subject}
        if self.target:
            out["target"] = self.target
            out["port"] = self.port
        if self.unit:
            out["unit"] = self.unit
        return out
