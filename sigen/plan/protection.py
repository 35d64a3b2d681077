"""How the backups themselves are protected (the backup controls of the 資通系統防護基準 and
the 3-2-1 rule), and what is not backed up and why: the backup plan's section 5.

Every fact is the one the configuration enacts: the copies are the hosts the policies run on
and store to, the integrity check is the one the check timer runs (``read_data_parts``), the
key is the repository password the role reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Copy", "NotBackedUp", "PolicyProtection", "Protection"]


@dataclass(frozen=True)
class Copy:
    """One copy of a policy's data: the data in service (``kind`` "production", on the
    policy's hosts) or a backup repository (``kind`` "repository", on ``hosts[0]``)."""

    kind: str  # production | repository
    hosts: tuple[str, ...]
    sites: tuple[str, ...]


@dataclass(frozen=True)
class PolicyProtection:
    """The 3-2-1 assessment of one policy and how its repository is protected."""

    job: str  # BAK- ID
    policy: str
    copies: tuple[Copy, ...]
    three_copies: bool  # the data and two backup copies
    two_media: bool  # the backup on other machines than the data
    one_off_site: bool  # a backup copy at another site than every host of the data
    read_data_parts: int  # the repository is read back in this many rotating parts
    check_every: timedelta  # how often the check timer runs
    read_data_cycle: timedelta  # every byte read back once within this time
    append_only: bool  # the hosts cannot delete the policy's snapshots

    @property
    def meets_321(self) -> bool:
        return self.three_copies and self.two_media and self.one_off_site


@dataclass(frozen=True)
class NotBackedUp:
    """Something the backups leave out, and why (``reason`` picks the template's text):

    - ``no-policy``: a service keeps data and no policy backs it up (a gap);
    - ``cache``, ``metrics``, ``stateless``, ``backups``: what the role keeps on the host
      (role metadata ``state``) is rebuilt, re-collected, not data, or the backups themselves;
    - ``replica``: a host of a backed-up service the policy does not run on (a standby);
    - ``configuration``: every host's system and configuration, rebuilt from the project;
    - ``logs``: the system journals, bounded on each host.
    """

    reason: str
    service: str = ""  # empty: every host (configuration, logs)
    hosts: tuple[str, ...] = ()
    policy: str = ""  # replica: the policy that backs up the service elsewhere


@dataclass(frozen=True)
class Protection:
    policies: tuple[PolicyProtection, ...] = ()
    not_backed_up: tuple[NotBackedUp, ...] = ()
    # Every repository refuses deletion from the backed-up hosts; retention is applied on
    # the backup host (restic forget --prune there): a compromised host cannot delete its
    # own backups.
    append_only: bool = False

    @property
    def gaps(self) -> tuple[NotBackedUp, ...]:
        return tuple(n for n in self.not_backed_up if n.reason == "no-policy")
