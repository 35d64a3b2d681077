"""Verification records: ``records/verify/<env>-<UTC time>.json``, one per ``sigen verify``.

Measured evidence, kept by every build (``records/`` is never rewritten) and read by it to
render the test report and the verification checklist. Kept apart from ``verify_run`` so a
build does not import Ansible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sigen.revisions import RECORDS

__all__ = ["FORMAT", "RUNS", "read_runs"]

RUNS = f"{RECORDS}/verify"
FORMAT = 1


def read_runs(out: Path) -> list[dict[str, Any]]:
    """Every verification record in ``out``, oldest first; unreadable ones are skipped."""
    runs = []
    folder = out / RUNS
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("format") == FORMAT:
            runs.append(record)
    return sorted(runs, key=lambda r: (str(r.get("started")), str(r.get("environment"))))
