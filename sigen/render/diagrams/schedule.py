"""The installation plan's schedule chart: each step a bar from its start to its end on the
window's clock (``plan.change.schedule``), the steps in lanes that follow from their
dependencies.

A lane is a chain of steps each of which needs the one before it: a step continues the lane
of the dependency that ends last, unless another step already continued that lane, and
starts a lane of its own otherwise. So steps in one lane never overlap, and steps that need
nothing of each other stand in different lanes: the chart shows which steps could run side
by side as side by side, each at the time the schedule gives it. With more than STEP_LIMIT
steps, consecutive steps of one component (then of one kind) are one bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sigen.plan import InstallStep, Plan
from sigen.plan.change import TimedStep
from sigen.render.diagrams.dot import FONT, html_text
from sigen.render.diagrams.graph import STYLES
from sigen.render.diagrams.mermaid import label

__all__ = ["STEP_LIMIT", "Bar", "bars", "gantt_dot", "gantt_mermaid", "lanes"]

Term = Callable[[str], str]
STEP_LIMIT = 60
_COLUMNS = 48  # time columns of the SVG chart at most
_NICE_MINUTES = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: a step or a run of steps, in a lane (from 1)."""

    lane: int
    ids: tuple[str, ...]
    text: str
    starts: int
    ends: int


def lanes(steps: tuple[InstallStep, ...], timed: tuple[TimedStep, ...]) -> dict[str, int]:
    """The lane of each step (by ID), lanes numbered from 1 in the order they start."""
    ends = {t.step: t.ends for t in timed}
    starts = {t.step: t.starts for t in timed}
    order = {s.id: n for n, s in enumerate(steps)}
    lane: dict[str, int] = {}
    continued: set[str] = set()  # steps whose lane a later step already continues
    count = 0
    for step in sorted(steps, key=lambda s: (starts[s.id], order[s.id])):
        parent = max(step.depends_on, key=lambda d: (ends.get(d, -1), order.get(d, -1)),
                     default=None)
        if parent is not None and parent in lane and parent not in continued:
            continued.add(parent)
            lane[step.id] = lane[parent]
        else:
            count += 1
            lane[step.id] = count
    return lane


def _step_text(step: InstallStep, term: Term) -> str:
    if step.service is not None:
        return f"{term('service')} {step.service.name}"
    if step.policy is not None:
        return f"{term('backup policy')} {step.policy.name}"
    return term(f"step:{step.kind}")


def _group_text(step: InstallStep, term: Term, by_kind: bool) -> str:
    if by_kind:
        return term(f"step:{step.kind}") if step.kind in ("base", "firewall",
                                                          "monitoring-agent") \
            else term(f"steps:{step.kind}")
    if step.service is not None:
        return f"{term('service')} {step.service.component}"
    return _step_text(step, term) if step.policy is None else term("steps:backup")


def bars(plan: Plan, term: Term) -> list[Bar]:
    """The bars of the chart: a step each, or, past STEP_LIMIT steps, runs of steps."""
    if plan.change is None:
        return []
    timed = {t.step: t for t in plan.change.schedule}
    steps = plan.install
    if len(steps) <= STEP_LIMIT:
        lane = lanes(steps, plan.change.schedule)
        return [Bar(lane[s.id], (s.id,), f"{s.id} {_step_text(s, term)}",
                    timed[s.id].starts, timed[s.id].ends) for s in steps]
    for by_kind in (False, True):
        runs: list[list[InstallStep]] = []
        for s in steps:
            if runs and _group_text(runs[-1][-1], term, by_kind) == \
                    _group_text(s, term, by_kind):
                runs[-1].append(s)
            else:
                runs.append([s])
        if len(runs) <= STEP_LIMIT or by_kind:
            break
    out = []
    for run in runs:
        ids = tuple(s.id for s in run)
        shown = ids[0] if len(ids) == 1 else f"{ids[0]}-{ids[-1]}"
        count = f" ({len(ids)} {term('n steps')})" if len(ids) > 1 else ""
        out.append(Bar(1, ids, f"{shown} {_group_text(run[0], term, by_kind)}{count}",
                       timed[ids[0]].starts, timed[ids[-1]].ends))
    return out


def _clock(start: str, minutes: int) -> tuple[str, str]:
    """(day offset, HH:MM) of ``minutes`` after ``start`` (HH:MM)."""
    hour, minute = (int(x) for x in (start or "00:00").split(":"))
    total = hour * 60 + minute + minutes
    return f"2000-01-{1 + total // 1440:02d}", f"{total // 60 % 24:02d}:{total % 60:02d}"


def gantt_mermaid(plan: Plan, term: Term) -> str:
    """A Mermaid gantt, one section per lane. Its dates are a nominal day (2000-01-01):
    only the clock is shown, the window's (its days are in the plan's text)."""
    drawn = bars(plan, term)
    start = plan.change.window_start if plan.change else ""
    out = ["gantt", f"    title {label(term('installation schedule'))}",
           "    dateFormat YYYY-MM-DD HH:mm", "    axisFormat %H:%M"]
    lane_of: dict[int, list[Bar]] = {}
    for bar in drawn:
        lane_of.setdefault(bar.lane, []).append(bar)
    for number, members in sorted(lane_of.items()):
        if len(lane_of) > 1:
            out.append(f"    section {term('lane')} {number}")
        for n, bar in enumerate(members):
            # Start and end as dates: durations in minutes are read differently by
            # different Mermaid versions.
            begin, end = _clock(start, bar.starts), _clock(start, max(bar.ends,
                                                                      bar.starts + 1))
            # ":" ends a task's name in Mermaid, "#" and ";" start comments and statements.
            text = " ".join("".join(" " if c in ":;#%" or c < " " else c
                                    for c in bar.text).split())
            out.append(f"    {text} :b{bar.ids[0].replace('-', '')}{n}, "
                       f"{begin[0]} {begin[1]}, {end[0]} {end[1]}")
    return "\n".join(out) + "\n"


def _slot(total: int) -> int:
    """Minutes per column: the smallest round number that keeps the chart narrow."""
    for minutes in _NICE_MINUTES:
        if total <= minutes * _COLUMNS:
            return minutes
    return -(-total // _COLUMNS)


def gantt_dot(plan: Plan, term: Term) -> str:
    """The same chart for Graphviz: one table, a row per bar under its lane's heading, a
    column per slot of time, each bar the cells of the slots it runs in."""
    drawn = bars(plan, term)
    start = plan.change.window_start if plan.change else ""
    total = max((b.ends for b in drawn), default=0)
    slot = _slot(max(total, 1))
    columns = max(1, -(-total // slot))
    fill, stroke = STYLES["physical"]
    head = [f'<td align="left"><b>{html_text(term("installation step"))}</b></td>']
    for c in range(columns):
        text = _clock(start, c * slot)[1] if c % max(1, 60 // slot or 1) == 0 else ""
        shown = f'<font point-size="7">{text}</font>' if text else " "
        head.append(f'<td width="14" align="left">{shown}</td>')
    rows = ["<tr>" + "".join(head) + "</tr>"]
    lane_of: dict[int, list[Bar]] = {}
    for bar in drawn:
        lane_of.setdefault(bar.lane, []).append(bar)
    for number, members in sorted(lane_of.items()):
        if len(lane_of) > 1:
            rows.append(f'<tr><td align="left" colspan="{columns + 1}" bgcolor="#eeeeee">'
                        f"<b>{html_text(term('lane'))} {number}</b></td></tr>")
        for bar in members:
            first, last = bar.starts // slot, max(bar.starts // slot, -(-bar.ends // slot) - 1)
            cells = [f'<td align="left">{html_text(bar.text)}</td>']
            if first:
                cells.append(f'<td colspan="{first}"> </td>')
            cells.append(f'<td colspan="{last - first + 1}" bgcolor="{fill}" '
                         f'color="{stroke}"><font point-size="7">{bar.ends - bar.starts}'
                         f"</font></td>")
            if last + 1 < columns:
                cells.append(f'<td colspan="{columns - last - 1}"> </td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
    table = ('<table border="0" cellborder="1" cellspacing="0" cellpadding="3" '
             f'color="#cccccc">{"".join(rows)}</table>')
    return (f'digraph "schedule" {{\n  graph [fontname="{FONT}", pad=0.2];\n'
            f'  node [fontname="{FONT}", fontsize=9, shape=plain];\n'
            f"  chart [label=<{table}>];\n}}\n")
