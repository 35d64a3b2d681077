"""Measured records in ``records/``: JSON files sigen writes after a run against hosts
(``records/verify/``, ``records/drills/``), read back by every build. Kept apart from the
code that runs things, so a build imports no Ansible."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["read_records"]


def read_records(folder: Path, fmt: int) -> list[tuple[Path, dict[str, Any]]]:
    """Each JSON record of format ``fmt`` in ``folder`` by file name; unreadable ones and
    other formats are skipped (a record is evidence: never guessed at)."""
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("format") == fmt:
            found.append((path, record))
    return found
