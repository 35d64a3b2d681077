"""The installation plan's schedule chart: each step a bar from its start to its end on the
window's clock (``plan.change.schedule``).

``site.yml`` runs its plays one after another, a play per step, so the bars follow one
another and never overlap: the chart shows no step beside another, because none runs beside
another. What does run together is the hosts of one step (its play runs on up to ``forks``
of them at once), and each bar says how many hosts that is. The bars are grouped under the
phase of the install they belong to (every host, services, backup policies), a heading and
not a lane: the phases follow one another too. With more than STEP_LIMIT steps,
consecutive steps of one component (then of one kind) are one bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sigen.plan import InstallStep, Plan
from sigen.render.diagrams.dot import FONT, html_text
from sigen.render.diagrams.graph import STYLES
from sigen.render.diagrams.mermaid import label

__all__ = ["STEP_LIMIT", "Bar", "bars", "gantt_dot", "gantt_mermaid", "phase"]

Term = Callable[[str], str]
STEP_LIMIT = 60
_COLUMNS = 48  # time columns of the SVG chart at most
_NICE_MINUTES = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: a step or a run of consecutive steps, under its phase, with
    the hosts its play runs on (``at_once`` of them together; 0 for a run of steps)."""

    phase: str
    ids: tuple[str, ...]
    text: str
    starts: int
    ends: int
    hosts: int
    at_once: int


def phase(step: InstallStep) -> str:
    """The part of the install a step belongs to: ``every-host`` (base, firewall, agent),
    ``service`` or ``backup``."""
    return step.kind if step.kind in ("service", "backup") else "every-host"


def _step_text(step: InstallStep, term: Term) -> str:
    if step.service is not None:
        return f"{term('service')} {step.service.name}"
    if step.policy is not None:
        return f"{term('backup policy')} {step.policy.name}"
    return term(f"step:{step.kind}")


def _group_text(step: InstallStep, term: Term, by_kind: bool) -> str:
    if by_kind:
        return term(f"steps:{phase(step)}") if step.kind in ("service", "backup") \
            else term(f"step:{step.kind}")
    if step.service is not None:
        return f"{term('service')} {step.service.component}"
    return _step_text(step, term) if step.policy is None else term("steps:backup")


def _hosts_note(hosts: int, at_once: int, term: Term) -> str:
    if hosts > at_once:
        return term("bar hosts at a time").format(n=hosts, k=at_once)
    return term("bar host") if hosts == 1 else term("bar hosts").format(n=hosts)


def bars(plan: Plan, term: Term) -> list[Bar]:
    """The bars of the chart in the order of ``site.yml``: a step each, or, past STEP_LIMIT
    steps, runs of consecutive steps."""
    if plan.change is None:
        return []
    timed = {t.step: t for t in plan.change.schedule}
    steps = plan.install
    if len(steps) <= STEP_LIMIT:
        out = []
        for s in steps:
            t = timed[s.id]
            out.append(Bar(phase(s), (s.id,), f"{s.id} {_step_text(s, term)}"
                           f"{_hosts_note(t.hosts, t.at_once, term)}", t.starts, t.ends,
                           t.hosts, t.at_once))
        return out
    for by_kind in (False, True):
        runs: list[list[InstallStep]] = []
        for s in steps:
            if runs and phase(runs[-1][-1]) == phase(s) and \
                    _group_text(runs[-1][-1], term, by_kind) == _group_text(s, term, by_kind):
                runs[-1].append(s)
            else:
                runs.append([s])
        if len(runs) <= STEP_LIMIT or by_kind:
            break
    grouped = []
    for run in runs:
        ids = tuple(s.id for s in run)
        first = timed[ids[0]]
        if len(ids) == 1:
            text = f"{ids[0]} {_step_text(run[0], term)}" \
                   f"{_hosts_note(first.hosts, first.at_once, term)}"
            grouped.append(Bar(phase(run[0]), ids, text, first.starts, first.ends,
                               first.hosts, first.at_once))
            continue
        hosts = len({h.name for s in run for h in s.hosts})
        text = f"{ids[0]}-{ids[-1]} {_group_text(run[0], term, by_kind)}" \
               f"{term('bar steps').format(n=len(ids))}"
        grouped.append(Bar(phase(run[0]), ids, text, first.starts, timed[ids[-1]].ends,
                           hosts, 0))
    return grouped


def _phases(drawn: list[Bar]) -> list[tuple[str, list[Bar]]]:
    """The bars under their phases, in order; a phase that comes back is a new heading."""
    out: list[tuple[str, list[Bar]]] = []
    for bar in drawn:
        if out and out[-1][0] == bar.phase:
            out[-1][1].append(bar)
        else:
            out.append((bar.phase, [bar]))
    return out


def _clock(start: str, minutes: int) -> tuple[str, str]:
    """(day offset, HH:MM) of ``minutes`` after ``start`` (HH:MM)."""
    hour, minute = (int(x) for x in (start or "00:00").split(":"))
    total = hour * 60 + minute + minutes
    return f"2000-01-{1 + total // 1440:02d}", f"{total // 60 % 24:02d}:{total % 60:02d}"


def gantt_mermaid(plan: Plan, term: Term) -> str:
    """A Mermaid gantt, a row per bar (so one after another, as they run), under a section
    per phase. Its dates are a nominal day (2000-01-01): only the clock is shown, the
    window's (its days are in the plan's text)."""
    drawn = bars(plan, term)
    start = plan.change.window_start if plan.change else ""
    out = ["gantt", f"    title {label(term('installation schedule'))}",
           "    dateFormat YYYY-MM-DD HH:mm", "    axisFormat %H:%M"]
    for name, members in _phases(drawn):
        out.append(f"    section {label(term('steps:' + name))}")
        for bar in members:
            # Start and end as dates: durations in minutes are read differently by
            # different Mermaid versions.
            begin, end = _clock(start, bar.starts), _clock(start, max(bar.ends,
                                                                      bar.starts + 1))
            # ":" ends a task's name in Mermaid, "#" and ";" start comments and statements.
            text = " ".join("".join(" " if c in ":;#%" or c < " " else c
                                    for c in bar.text).split())
            out.append(f"    {text} :b{bar.ids[0].replace('-', '')}, "
                       f"{begin[0]} {begin[1]}, {end[0]} {end[1]}")
    return "\n".join(out) + "\n"


def _slot(total: int) -> int:
    """Minutes per column: the smallest round number that keeps the chart narrow."""
    for minutes in _NICE_MINUTES:
        if total <= minutes * _COLUMNS:
            return minutes
    return -(-total // _COLUMNS)


def gantt_dot(plan: Plan, term: Term) -> str:
    """The same chart for Graphviz: one table, a row per bar under its phase's heading, a
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
    for name, members in _phases(drawn):
        rows.append(f'<tr><td align="left" colspan="{columns + 1}" bgcolor="#eeeeee">'
                    f"<b>{html_text(term('steps:' + name))}</b></td></tr>")
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
