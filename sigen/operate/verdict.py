"""Judge a drill from what its phases found: data kept, service back, targets met.

Pure functions over the JSON the drill plays write (see ``sigen.render.recovery``), so the
rules are tested without a lab. The recorded state (before the failure) and the observed
state (after the recovery) are ``backup_client`` ``drill_record`` results: per database a
list of ``{table, rows, md5}`` (or ``{error}``), per folder ``{files, bytes, sha256}`` (or
``{missing}``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sigen.compile.findings import judge
from sigen.plan.evidence import Failure

__all__ = ["compare_state", "parse_time", "reasons"]

_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def parse_time(text: str) -> datetime.datetime | None:
    """A restic or ISO time (nanoseconds, ``Z`` or an offset) as an aware datetime."""
    try:
        value = datetime.datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip(), count=1))
    except (AttributeError, ValueError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _tables(found: Any) -> dict[str, Mapping[str, Any]] | str:
    if isinstance(found, Mapping):
        return str(found.get("error") or "no answer")
    if not isinstance(found, list):
        return "not recorded"
    return {str(t.get("table")): t for t in found if isinstance(t, Mapping)}


def _describe(entry: Mapping[str, Any] | None, kind: str) -> str:
    if entry is None:
        return "missing"
    if kind == "table":
        return f"{entry.get('rows')} rows, md5 {str(entry.get('md5'))[:12]}"
    if entry.get("missing"):
        return "missing"
    return (f"{entry.get('files')} files, {entry.get('bytes')} bytes, "
            f"sha256 {str(entry.get('sha256'))[:12]}")


def compare_state(policy: str, recorded: Mapping[str, Any],
                  observed: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per table and folder: what was recorded, what is there now, whether the
    data survived (same rows and checksum; same files, bytes and checksum)."""
    rows: list[dict[str, Any]] = []
    after_dbs = observed.get("databases") or {}
    for db, found in sorted((recorded.get("databases") or {}).items()):
        before = _tables(found)
        after = _tables(after_dbs.get(db, {"error": "not recorded after the recovery"}))
        if isinstance(before, str):
            rows.append({"policy": policy, "kind": "database", "name": db,
                         "expected": f"not recorded: {before}", "observed": "",
                         "kept": False, "rows_lost": 0})
            continue
        for table, entry in sorted(before.items()):
            now = after.get(table) if isinstance(after, dict) else None
            seen = (_describe(now, "table") if isinstance(after, dict)
                    else f"database unreadable: {after}")
            kept = now is not None and now.get("rows") == entry.get("rows") \
                and now.get("md5") == entry.get("md5")
            lost = int(entry.get("rows") or 0) - int((now or {}).get("rows") or 0)
            rows.append({"policy": policy, "kind": "table", "name": f"{db}: {table}",
                         "expected": _describe(entry, "table"), "observed": seen,
                         "kept": kept, "rows_lost": max(lost, 0)})
    after_paths = observed.get("paths") or {}
    for path, entry in sorted((recorded.get("paths") or {}).items()):
        now = after_paths.get(path)
        kept = (isinstance(now, Mapping) and not now.get("missing")
                and all(now.get(k) == entry.get(k) for k in ("files", "bytes", "sha256")))
        rows.append({"policy": policy, "kind": "files", "name": path,
                     "expected": _describe(entry, "files"),
                     "observed": _describe(now if isinstance(now, Mapping) else None,
                                           "files"),
                     "kept": kept, "rows_lost": 0})
    return rows


def _seconds_text(seconds: float) -> str:
    whole = round(seconds)
    if whole < 120:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60} s"


def _reason(f: Failure, rto_text: str, rpo_text: str) -> str:
    if f.kind == "phase":
        return f"The {f.subject} phase failed: {f.observed or 'see the Ansible output'}"
    if f.kind == "data":
        return (f"Data lost: {f.subject} ({f.policy}) was {f.expected} before the failure "
                f"and is {f.observed or 'unknown'} after the recovery")
    if f.kind == "answer":
        return (f"{f.subject} does not answer on {f.host} port {f.port}: "
                f"{f.observed or 'no connection'}")
    if f.kind == "dependant":
        return (f"{f.subject} on {f.host} cannot reach the recovered service at "
                f"{f.address}:{f.port}: {f.observed or 'no connection'}")
    if f.kind == "unrecovered":
        return f"Not recovered, so no recovery time to compare with the RTO of {rto_text}"
    if f.kind == "rto":
        return (f"RTO exceeded: the service was recovered and verified "
                f"{_seconds_text(f.seconds)} after the failure; the target is {rto_text} "
                f"({f.target} s)")
    return (f"RPO exceeded: the restored snapshot is {_seconds_text(f.seconds)} older than "
            f"the failure; the target is {rpo_text} ({f.target} s)")


def reasons(*, phases: Sequence[Mapping[str, Any]], data: Sequence[Mapping[str, Any]],
            answers: Sequence[Mapping[str, Any]], dependants: Sequence[Mapping[str, Any]],
            rto: float | None, rto_target: int, rto_text: str,
            rpo: float | None, rpo_target: int, rpo_text: str) -> list[str]:
    """Why the drill failed, in words (the record's ``reasons``, what ``sigen drill``
    prints), from the one judgement the plan also uses; empty when it passed."""
    missed = judge(phases=phases, data=data, answers=answers, dependants=dependants,
                   rto=rto, rto_target=rto_target, rpo=rpo, rpo_target=rpo_target)
    return [_reason(f, rto_text, rpo_text) for f in missed]
