"""Read the evidence beside an output folder, before planning: ``records/``.

Measured records (``records/verify/*.json`` from ``sigen verify``, ``records/drills/*.json``
from ``sigen drill``, ``records/inventory/*.json`` from ``sigen inventory``) enter the plan
as data, the way the blueprint does, so the documents render from the plan alone. A record
is evidence: one that cannot be read, or of another format, is skipped, never guessed at.
Reading them imports no Ansible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sigen.plan.evidence import (
    DRILL_FORMAT,
    DRILL_RUNS,
    INVENTORY_FORMAT,
    INVENTORY_RUNS,
    VERIFY_FORMAT,
    VERIFY_RUNS,
    Evidence,
)

__all__ = ["read_drills", "read_evidence", "read_inventories", "read_records", "read_runs",
           "summary"]


def read_records(folder: Path, fmt: int) -> list[tuple[Path, dict[str, Any]]]:
    """Each JSON record of format ``fmt`` in ``folder`` by file name."""
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("format") == fmt:
            found.append((path, record))
    return found


def summary(checks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many checks of a run passed, failed and were not run."""
    return {
        "total": len(checks),
        "passed": sum(1 for c in checks if c.get("passed") is True),
        "failed": sum(1 for c in checks if c.get("passed") is False),
        "unrun": sum(1 for c in checks if c.get("passed") is None),
    }


def read_runs(out: Path) -> list[dict[str, Any]]:
    """Every verification record in ``out``, oldest first, each with its ``summary``."""
    runs = [{**record, "summary": summary(record.get("checks", ()))}
            for _path, record in read_records(out / VERIFY_RUNS, VERIFY_FORMAT)]
    return sorted(runs, key=lambda r: (str(r.get("started")), str(r.get("environment"))))


def read_drills(out: Path) -> list[dict[str, Any]]:
    """Every drill record in ``out``, oldest first, each with its ``name`` (the file's stem,
    which names its report)."""
    found = [{**record, "name": path.stem}
             for path, record in read_records(out / DRILL_RUNS, DRILL_FORMAT)]
    return sorted(found, key=lambda r: (str(r.get("started")), r["name"]))


def read_inventories(out: Path) -> list[dict[str, Any]]:
    """Every inventory record in ``out``, oldest first, each with its ``name``."""
    found = [{**record, "name": path.stem}
             for path, record in read_records(out / INVENTORY_RUNS, INVENTORY_FORMAT)]
    return sorted(found, key=lambda r: (str(r.get("started")), r["name"]))


def read_evidence(out: Path) -> Evidence:
    return Evidence(tuple(read_runs(out)), tuple(read_drills(out)),
                    tuple(read_inventories(out)))
