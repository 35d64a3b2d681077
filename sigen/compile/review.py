"""The review schedule of the completion report (P3.1.1): what has to happen before, at
and after the review meeting, who does it and by when.

Counted from the meeting the blueprint schedules (``documents.review``): the report goes
to the stakeholders a week before; drills whose evidence is missing or stale run before the
meeting; open corrective actions close by their due dates; support commitments that end
within the period the hosts are costed over are confirmed with the vendor at the meeting;
feedback is collected within two weeks after it (P3.1.3).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from sigen.plan import Plan
from sigen.plan.components import Support
from sigen.plan.documents import ReviewItem
from sigen.plan.team import Assignment

__all__ = ["review_items"]

_REPORT_BEFORE = datetime.timedelta(days=7)
_FEEDBACK_AFTER = datetime.timedelta(days=14)


def _shift(iso: str, by: datetime.timedelta) -> str:
    return (datetime.date.fromisoformat(iso) + by).isoformat() if iso else ""


def _first(*groups: Sequence[str]) -> str:
    return next((name for group in groups for name in group if name), "")


def review_items(plan: Plan) -> tuple[ReviewItem, ...]:
    """Every work item of the review, in date order (undated ones last, in plan order)."""
    docs = plan.documents
    review = docs.review
    meeting = review.date if review else ""
    info = docs.by_id.get("completion-report")
    preparer = info.prepared.name if info and info.prepared else plan.blueprint.owner
    chair = review.chair.name if review else ""
    by_task = {a.id: a for a in plan.team.assignments}
    items = [ReviewItem("distribute", "completion-report", preparer,
                        _shift(meeting, -_REPORT_BEFORE)),
             ReviewItem("meeting", "completion-report", chair or preparer, meeting)]
    for f in plan.evidence.findings:
        if not f.closed_by:
            items.append(ReviewItem("finding", f.drill, f.owner, f.due, f.run))
    for step in plan.drills:
        standing = plan.evidence.drills.get(step.drill.name)
        if standing is None:
            continue
        task = by_task.get(step.id)
        lead = _first(step.drill.participants, task.responsible if task else (),
                      [preparer])
        when = standing.due if standing.status == "current" else meeting
        items.append(ReviewItem("drill", step.id, lead, when, standing.status))
    items += _support(plan, meeting, by_task, preparer)
    items.append(ReviewItem("feedback", "completion-report", preparer,
                            _shift(meeting, _FEEDBACK_AFTER)))
    return tuple(sorted(items, key=lambda i: (not i.date, i.date)))


def _support(plan: Plan, meeting: str, by_task: Mapping[str, Assignment],
             preparer: str) -> list[ReviewItem]:
    """A support commitment of a component the system uses that ends within the period the
    host evaluation costs the system over, counted from the meeting (or, before one is
    scheduled, from the newest record): the vendor is asked at the meeting how it
    continues."""
    ev = plan.evidence
    recorded = [str(r.get("started") or "")[:10]
                for r in (*ev.verify_runs, *ev.drill_runs, *ev.inventory_runs)]
    start = meeting or max(recorded, default="")
    if not start:
        return []
    years = plan.evaluation.period_years if plan.evaluation else 5
    horizon = _shift(start, datetime.timedelta(days=365 * years))
    owners: dict[str, list[str]] = {}
    for step in plan.install:
        task = by_task.get(step.id)
        for role in step.roles:
            owners.setdefault(role, []).extend(task.responsible if task else ())
    # One item per commitment (who supports, until when), naming every component under it:
    # the distribution's LTS team carries most packages at once.
    by_commitment: dict[tuple[str, str], tuple[Support, list[str], list[str]]] = {}
    for info in plan.components:
        for component in info.components:
            last = max(component.support, key=lambda s: s.until, default=None)
            if last is None or last.until > horizon:
                continue
            key = (str(sorted(last.by.items())), last.until)
            _, names, owners_of = by_commitment.setdefault(key, (last, [], []))
            if component.name not in names:
                names.append(component.name)
            owners_of.extend(owners.get(info.name, ()))
    return [ReviewItem("support", ", ".join(names), _first(owners_of, [preparer]), meeting,
                       last.until, last.by)
            for last, names, owners_of in by_commitment.values()]
