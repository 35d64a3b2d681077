"""Verification records: ``records/verify/<env>-<UTC time>.json``, one per ``sigen verify``.

Measured evidence, kept by every build (``records/`` is never rewritten) and read by it to
render the test report and the verification checklist. Kept apart from ``verify_run`` so a
build does not import Ansible.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sigen.records import read_records
from sigen.revisions import RECORDS

__all__ = ["FORMAT", "RUNS", "read_runs"]

RUNS = f"{RECORDS}/verify"
FORMAT = 1


def read_runs(out: Path) -> list[dict[str, Any]]:
    """Every verification record in ``out``, oldest first; unreadable ones are skipped."""
    runs = [record for _path, record in read_records(out / RUNS, FORMAT)]
    return sorted(runs, key=lambda r: (str(r.get("started")), str(r.get("environment"))))
