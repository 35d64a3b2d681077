"""Measured evidence and history, as the plan receives them: verification runs, drill runs
and the revisions of the plans.

They are records in ``<out>/records/`` (JSON written by ``sigen verify``, ``sigen drill`` and
every build that changes the system); ``sigen.compile.evidence`` reads them before planning,
the same way the loader reads the blueprint, so the documents are rendered from the plan
alone and never read a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DRILL_FORMAT", "DRILL_RUNS", "INVENTORY_FORMAT", "INVENTORY_RUNS", "RECORDS",
           "REVISIONS", "VERIFY_FORMAT", "VERIFY_RUNS", "Change", "Evidence", "Failure",
           "Finding", "Revision", "Standing"]

RECORDS = "records"
REVISIONS = f"{RECORDS}/revisions.json"
VERIFY_RUNS = f"{RECORDS}/verify"  # <env>-<UTC time>.json, one per sigen verify
VERIFY_FORMAT = 1
DRILL_RUNS = f"{RECORDS}/drills"  # <DRL-ID>-<UTC time>.json, one per sigen drill
DRILL_FORMAT = 1
INVENTORY_RUNS = f"{RECORDS}/inventory"  # <env>-<UTC time>.json, one per sigen inventory
INVENTORY_FORMAT = 1

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Change:
    """One difference: ``names`` added or removed in ``section``, or fields of one entry
    changed (``fields`` holds ``(field, old, new)`` in the entry's field order)."""

    section: str  # sites | networks | hosts | services | backups | drills
    action: str  # added | removed | changed
    names: tuple[str, ...]
    fields: tuple[tuple[str, Any, Any], ...] = ()


@dataclass(frozen=True)
class Revision:
    """One revision of the plans. ``changes`` are its lines in English (what ``sigen build``
    prints); ``facts`` the changes as data (``Change`` fields), from which each language's
    documents write their own lines: ``{"initial": true}`` for the first issue,
    ``{"changes": [...]}`` after, empty in a record made by an older sigen."""

    version: str
    date: str
    author: str
    changes: tuple[str, ...]
    system: str  # sha256 of the system summary this revision describes
    facts: Mapping[str, Any] = field(default_factory=dict)

    def change_list(self) -> tuple[list[Change], bool]:
        """The changes, and whether this is the first issue, from ``facts``."""
        items = [Change(str(c["section"]), str(c["action"]), tuple(c["names"]),
                        tuple((str(f[0]), f[1], f[2]) for f in c.get("fields", ())))
                 for c in self.facts.get("changes", ()) if isinstance(c, dict)]
        return items, bool(self.facts.get("initial"))


@dataclass(frozen=True)
class Failure:
    """One success criterion a drill run missed, as data each language words itself.

    ``kind``: ``phase`` (a phase failed: ``subject`` the phase, ``observed`` what Ansible
    said), ``data`` (``subject`` a table or folder of ``policy`` that did not survive:
    ``expected`` before, ``observed`` after), ``answer`` (``subject`` the service that does
    not answer on ``host`` port ``port``), ``dependant`` (``subject`` a dependant service on
    ``host`` that cannot reach ``address``:``port``), ``unrecovered`` (no recovery, so no
    RTO), ``rto`` and ``rpo`` (``seconds`` achieved over ``target`` seconds)."""

    kind: str
    subject: str = ""
    policy: str = ""
    host: str = ""
    address: str = ""
    port: int = 0
    expected: str = ""
    observed: str = ""
    seconds: float = 0.0
    target: int = 0


@dataclass(frozen=True)
class Finding:
    """A missed criterion of a drill run as a corrective action (ISO 22301 exercising):
    owned by the drill's lead, due before the drill's next run (``due``: ISO date, empty
    when the drill is no longer in the blueprint), ``closed_by`` the later run of the same
    drill that passed (empty: open)."""

    drill: str  # DRL- ID
    run: str  # the record's name, which names its report
    date: str  # ISO date of the run
    failure: Failure
    owner: str
    due: str
    closed_by: str = ""


@dataclass(frozen=True)
class Standing:
    """Whether the latest run of a drill (or of the verification of an environment) still
    proves the system as it is now. ``status``: ``unverified`` (never run), ``stale`` (the
    system changed since in a way that matters to it: ``changes`` says how, and is empty
    when the run recorded no facts to compare with and the blueprint changed since) or
    ``current``. ``due`` is the date by which a drill must run again (the run's date plus
    the drill's frequency): past it, the drill is overdue, which only a reader who knows
    today's date can say (``sigen check --evidence``), so the plan states the date."""

    subject: str  # the drill's name, or the environment verified
    status: str  # unverified | stale | current
    run: str = ""  # a drill record's name, a verification run's start ("" when never run)
    date: str = ""  # the run's ISO date
    passed: bool | None = None
    changes: tuple[Change, ...] = ()
    due: str = ""


@dataclass(frozen=True, eq=False)
class Evidence:
    """Every record beside the output, oldest first. A verification run carries the
    ``summary`` of its checks (total, passed, failed, unrun); a drill run its ``name`` (the
    record's file name, which names its report). ``failures`` are each drill run's missed
    criteria by run name; ``findings`` the same as corrective actions, oldest first. An
    inventory run (``sigen inventory``) carries the facts each host showed. ``drills`` is
    the standing of each drill of the plan, by drill name, in plan order; ``verified`` that
    of each environment's latest verification run."""

    verify_runs: tuple[Record, ...] = ()
    drill_runs: tuple[Record, ...] = ()
    inventory_runs: tuple[Record, ...] = ()
    failures: Mapping[str, tuple[Failure, ...]] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    drills: Mapping[str, Standing] = field(default_factory=dict)
    verified: Mapping[str, Standing] = field(default_factory=dict)

    @property
    def latest_run(self) -> Record | None:
        return self.verify_runs[-1] if self.verify_runs else None
