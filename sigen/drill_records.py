"""Drill records: ``records/drills/<DRL-ID>-<UTC time>.json``, one per ``sigen drill``.

Measured evidence like the verification records: every build renders a drill report per
record (``docs/drill-reports/<record name>.md``) and the history table of the disaster-drill
plan from them. A record holds everything its report shows, so a report still renders after
the drill left the blueprint. Kept apart from ``drill_run`` so a build does not import
Ansible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sigen.records import read_records
from sigen.revisions import RECORDS

__all__ = ["DRILLS", "FORMAT", "REPORTS", "read_drills"]

DRILLS = f"{RECORDS}/drills"
REPORTS = "docs/drill-reports"
FORMAT = 1


def read_drills(out: Path) -> list[dict[str, Any]]:
    """Every drill record in ``out``, oldest first, each with its ``name`` (the file's stem,
    which names its report); unreadable ones are skipped."""
    found = [{**record, "name": path.stem} for path, record in read_records(out / DRILLS, FORMAT)]
    return sorted(found, key=lambda r: (str(r.get("started")), r["name"]))
