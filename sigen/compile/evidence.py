"""Read the evidence beside an output folder, before planning: ``records/``.

Measured records (``records/verify/*.json`` from ``sigen verify``, ``records/drills/*.json``
from ``sigen drill``, ``records/inventory/*.json`` from ``sigen inventory``) enter the plan
as data, the way the blueprint does, so the documents render from the plan alone. A record
is evidence, never guessed at: one of another format (a later sigen's) is skipped, and one
that is no JSON or not as its writer makes it stops the build with a diagnostic per problem
(``sigen.compile.validate.records``), before anything is written. Reading them imports no
Ansible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sigen.compile.validate.records import check_record, unreadable
from sigen.diagnostics import Diagnostic, SigenError
from sigen.plan.evidence import (
    DRILL_FORMAT,
    DRILL_RUNS,
    INVENTORY_FORMAT,
    INVENTORY_RUNS,
    VERIFY_FORMAT,
    VERIFY_RUNS,
    Evidence,
)

__all__ = ["read_evidence", "read_records", "summary"]


def read_records(folder: Path, fmt: int, kind: str
                 ) -> tuple[list[tuple[Path, dict[str, Any]]], list[Diagnostic]]:
    """Each sound JSON record of format ``fmt`` in ``folder`` by file name, and a
    diagnostic for each problem of the others (``kind``: the schema of
    sigen/data/records.schema.yml they must match)."""
    found, problems = [], []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            text = path.read_text("utf-8")
            record = json.loads(text)
        except OSError:
            continue  # gone since the listing, or a folder named *.json: no record
        except ValueError as exc:
            problems.append(unreadable(path, str(path), kind, exc))
            continue
        if isinstance(record, dict) and record.get("format") == fmt:
            wrong = check_record(path, text, record, kind, str(path))
            problems += wrong
            if not wrong:
                found.append((path, record))
    return found, problems


def summary(checks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many checks of a run passed, failed and were not run."""
    return {
        "total": len(checks),
        "passed": sum(1 for c in checks if c.get("passed") is True),
        "failed": sum(1 for c in checks if c.get("passed") is False),
        "unrun": sum(1 for c in checks if c.get("passed") is None),
    }


def read_evidence(out: Path) -> Evidence:
    """Every record in ``out``, each kind oldest first: verification runs with their
    ``summary``, drills and inventories with their ``name`` (the file's stem, which names a
    drill's report). Raises SigenError with the problems of every unusable record."""
    verify, bad_verify = read_records(out / VERIFY_RUNS, VERIFY_FORMAT, "verify")
    drills, bad_drills = read_records(out / DRILL_RUNS, DRILL_FORMAT, "drill")
    taken, bad_taken = read_records(out / INVENTORY_RUNS, INVENTORY_FORMAT, "inventory")
    if bad_verify or bad_drills or bad_taken:
        raise SigenError([*bad_verify, *bad_drills, *bad_taken])
    runs = sorted(({**r, "summary": summary(r["checks"])} for _p, r in verify),
                  key=lambda r: (r["started"], r["environment"]))
    return Evidence(
        tuple(runs),
        tuple(sorted(({**r, "name": p.stem} for p, r in drills),
                     key=lambda r: (r["started"], r["name"]))),
        tuple(sorted(({**r, "name": p.stem} for p, r in taken),
                     key=lambda r: (r["started"], r["name"]))))
