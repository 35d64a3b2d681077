"""Writing measured records: what a run against hosts found, kept in ``<out>/records/``.

Builds read them back (``sigen.compile.evidence``) and render the reports from them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sigen.sync.writer import atomic_write, no_linked_folders

__all__ = ["SNAPSHOT_ID", "write_record"]

# A restic snapshot ID: the only snapshot text sigen passes to the plays as extra variables.
SNAPSHOT_ID = re.compile(r"[0-9a-f]{8,64}")


def write_record(out: Path, folder: str, name: str, record: dict[str, Any]) -> Path:
    """Write ``record`` as ``<out>/<folder>/<name>.json`` at once (never half written)."""
    path = out / folder / f"{name}.json"
    no_linked_folders(out, [f"{folder}/{name}.json"])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(record, indent=1, ensure_ascii=False) + "\n").encode())
    return path
