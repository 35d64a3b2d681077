"""What a drill run missed, and the corrective actions that follow.

``judge`` is the one judgement of a drill: ``sigen drill`` words its result from it (the
record's ``reasons``) and the plan takes each record's failures and findings from it, so the
drill report, the drill plan's corrective actions and the command's verdict never differ.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sigen.plan import Drill
from sigen.plan.evidence import Failure, Finding

__all__ = ["failures", "findings", "judge", "next_due"]

# How long until a drill is due again, in months (its blueprint frequency).
_MONTHS = {"monthly": 1, "quarterly": 3, "semi-annually": 6, "annually": 12}


def judge(*, phases: Sequence[Mapping[str, Any]], data: Sequence[Mapping[str, Any]],
          answers: Sequence[Mapping[str, Any]], dependants: Sequence[Mapping[str, Any]],
          rto: float | None, rto_target: int, rpo: float | None,
          rpo_target: int) -> tuple[Failure, ...]:
    """Every criterion missed, in the order a reader needs them; empty when it passed."""
    out: list[Failure] = []
    for phase in phases:
        if not phase.get("ok"):
            said = "; ".join(str(f) for f in phase.get("failures") or ())
            out.append(Failure("phase", str(phase.get("phase")), observed=said))
    out += [Failure("data", str(row.get("name")), policy=str(row.get("policy")),
                    expected=str(row.get("expected")), observed=str(row.get("observed") or ""))
            for row in data if not row.get("kept")]
    out += [Failure("answer", str(a.get("service")), host=str(a.get("host")),
                    port=_port(a.get("port")), observed=str(a.get("said") or ""))
            for a in answers if not a.get("answered")]
    out += [Failure("dependant", str(d.get("service")), host=str(d.get("host")),
                    address=str(d.get("address")), port=_port(d.get("port")),
                    observed=str(d.get("said") or ""))
            for d in dependants if not d.get("reached")]
    if rto is None:
        out.append(Failure("unrecovered", target=rto_target))
    elif rto > rto_target:
        out.append(Failure("rto", seconds=rto, target=rto_target))
    if rpo is not None and rpo > rpo_target:
        out.append(Failure("rpo", seconds=rpo, target=rpo_target))
    return tuple(out)


def _port(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def failures(record: Mapping[str, Any]) -> tuple[Failure, ...]:
    """The judgement of a drill record, from the fields it recorded."""
    drill = record.get("drill") or {}
    achieved = record.get("achieved") or {}
    return judge(phases=_list(record.get("timeline")), data=_list(record.get("data")),
                 answers=_list(record.get("answers")),
                 dependants=_list(record.get("dependants")),
                 rto=_seconds(achieved.get("rto_seconds")),
                 rto_target=int(drill.get("rto_seconds") or 0),
                 rpo=_seconds(achieved.get("rpo_seconds")),
                 rpo_target=int(drill.get("rpo_seconds") or 0))


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def next_due(date: str, frequency: str) -> str:
    """The run's date plus the drill's interval: the next run must close the finding."""
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        return ""
    months = day.month - 1 + _MONTHS.get(frequency, 12)
    year, month = day.year + months // 12, months % 12 + 1
    # The same day of the month, or the month's last when it has fewer days.
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last)).isoformat()


def findings(runs: Iterable[Mapping[str, Any]], drills: Mapping[str, Drill],
             owner: str) -> tuple[Finding, ...]:
    """Each missed criterion of each drill run (``runs`` oldest first) as a corrective
    action; ``drills`` by DRL- ID, ``owner`` the system's owner (when a drill has nobody)."""
    runs = list(runs)
    out = []
    for pos, run in enumerate(runs):
        drill_id = str((run.get("drill") or {}).get("id"))
        drill = drills.get(drill_id)
        lead = (drill.participants[0] if drill and drill.participants
                else next(iter((run.get("drill") or {}).get("participants") or ()), owner))
        date = str(run.get("started") or "")[:10]
        closed = next((str(later.get("name")) for later in runs[pos + 1:]
                       if (later.get("drill") or {}).get("id") == drill_id
                       and later.get("passed") is True), "")
        due = next_due(date, drill.frequency) if drill else ""
        out += [Finding(drill_id, str(run.get("name")), date, failure, str(lead), due, closed)
                for failure in failures(run)]
    return tuple(out)
