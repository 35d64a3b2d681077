"""The revision history of the plans: data in ``<out>/records/revisions.json``.

Each entry is a version (1.0, 1.1, ...), a date, an author, the summary of the changes and
the hash of the system summary it describes. A build appends an entry only when the system
summary differs from the last entry's (so rebuilding the same blueprint adds nothing and
stays byte-identical, and a build interrupted after recording its entry does not record it
twice). Author and date come from the caller (``--author``/``--date`` or
``SIGEN_AUTHOR``/``SIGEN_DATE``); without them the author is the system's owner and the date
that of ``SOURCE_DATE_EPOCH``, else today's (UTC). The entry is data: rebuilding later keeps
its date, so two builds of the same blueprint into the same folder agree byte for byte.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sigen.diagnostics import Diagnostic, SigenError, about_file
from sigen.plan.evidence import REVISIONS, Change, Revision

__all__ = [
    "REVISIONS",
    "Revision",
    "change_facts",
    "check_date",
    "history_bytes",
    "next_history",
    "read_history",
    "today",
]

_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def today() -> str:
    """The date of a revision made without one given: that of ``SOURCE_DATE_EPOCH`` (the
    reproducible-builds convention) when it is set, else today's (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date().isoformat()
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def check_date(date: str) -> None:
    """Raise SG908 unless ``date`` is empty or YYYY-MM-DD."""
    if date and not _DATE.match(date):
        raise SigenError([Diagnostic("--date", 0, 0, "SG908",
                                     f"revision date {date!r} is not a date; give YYYY-MM-DD")])


def read_history(out: Path) -> list[Revision]:
    """The revisions recorded in ``out`` (empty when there are none yet)."""
    path = out / REVISIONS
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_bytes())
        return [Revision(str(r["version"]), str(r["date"]), str(r["author"]),
                         tuple(str(c) for c in r["changes"]), str(r["system"]),
                         dict(r["facts"]) if isinstance(r.get("facts"), dict) else {})
                for r in data["revisions"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SigenError([about_file(
            path, "SG909",
            f"the revision history cannot be read ({type(exc).__name__}: {exc}); restore it "
            "from version control, or remove it to start the history again at 1.0")]) from None


def history_bytes(history: Sequence[Revision]) -> bytes:
    data = {"revisions": [{k: v for k, v in {**asdict(r), "changes": list(r.changes)}.items()
                           if k != "facts" or v} for r in history]}
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()


def _next_version(version: str) -> str:
    major, _, minor = version.partition(".")
    try:
        return f"{int(major)}.{int(minor or 0) + 1}"
    except ValueError:
        return "1.0"


def next_history(history: Sequence[Revision], system: str, changes: Sequence[str],
                 author: str, date: str, facts: Mapping[str, Any] | None = None
                 ) -> list[Revision]:
    """``history`` plus an entry for ``system`` unless the last entry already describes it."""
    if history and history[-1].system == system:
        return list(history)
    version = _next_version(history[-1].version) if history else "1.0"
    return [*history, Revision(version, date, author, tuple(changes), system,
                               dict(facts or {}))]


def change_facts(changes: Sequence[Change], initial: bool) -> dict[str, Any]:
    """The changes of a revision as the data its record keeps."""
    if initial:
        return {"initial": True}
    return {"changes": [{"section": c.section, "action": c.action, "names": list(c.names),
                         "fields": [list(f) for f in c.fields]} for c in changes]}
