"""``sigen check --evidence``: the drills whose evidence needs attention, as diagnostics at
the drill in the blueprint.

The plan says which drills are not verified, stale or failed, and by when each runs again;
only here, where today's date is known, does a drill become overdue. Kept out of the
documents on purpose: they must be the same bytes whatever day they are built.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from sigen.diagnostics import Diagnostic
from sigen.plan import Plan

__all__ = ["evidence_diagnostics", "judged_on"]


def judged_on(as_of: str | None) -> str:
    """The day overdue drills are judged on: ``--as-of``, or today in UTC."""
    from sigen.cli.help import UsageError

    if as_of is None:
        return datetime.datetime.now(datetime.UTC).date().isoformat()
    try:
        return datetime.date.fromisoformat(as_of).isoformat()
    except ValueError:
        raise UsageError(f"--as-of {as_of!r} is not a date: give it as 2027-01-20") from None


def evidence_diagnostics(blueprint: Path, plan: Plan, today: str) -> list[Diagnostic]:
    """One diagnostic per drill that has never run, whose latest run is stale or failed,
    or that is overdue on ``today``."""
    from sigen.compile.loader import load_blueprint
    from sigen.render.documents import describe_changes

    loaded = load_blueprint(blueprint)
    out = []
    for step in plan.drills:
        drill = step.drill
        s = plan.evidence.drills[drill.name]
        where = ("drills", drill.position)
        what = f"drill {drill.name!r} ({step.id})"
        again = f"run it again: sigen drill {blueprint} {step.id} --env lab"
        if s.status == "unverified":
            out.append(loaded.diagnostic(
                where, "SG920", f"{what} has never run, so nothing proves that it recovers "
                f"the system; run it: sigen drill {blueprint} {step.id} --env lab"))
            continue
        if s.status == "stale":
            changed = "; ".join(describe_changes(s.changes, limit=6)) if s.changes else (
                "the blueprint changed since, and the run (made by an older sigen) recorded "
                "no facts to compare with")
            out.append(loaded.diagnostic(
                where, "SG921", f"{what} was last run on {s.date}, and what it depends on "
                f"changed since: {changed}; {again}"))
        if not s.passed:
            out.append(loaded.diagnostic(
                where, "SG923", f"{what} failed its latest run, {s.run} (the drill report "
                f"docs/<language>/drill-reports/{s.run}.md says why); fix the findings and "
                f"{again}"))
        if s.due and s.due < today:
            out.append(loaded.diagnostic(
                where, "SG922", f"{what} is overdue: it runs {drill.frequency}, was last "
                f"run on {s.date} and was due by {s.due}; {again}"))
    return out
