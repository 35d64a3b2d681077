"""The team chart and task list (O1.1.3): every step of the plans has its responsible
person, the same in the plan and in both languages' documents; validation flags a step with
nobody responsible."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sigen.build import plan_for, render_loaded
from sigen.compile.loader import load_text
from sigen.compile.plan_checks import check_plan
from sigen.plan import Plan
from tests.conftest import REPO, ROLES

BLUEPRINTS = {p.stem: p for p in sorted((REPO / "blueprints").glob("*.yml"))}
HOSTILE = REPO / "tests" / "cases" / "hostile-text" / "blueprint.yml"


def _rendered(text: str) -> tuple[Plan, dict[str, str]]:
    rendered = render_loaded(load_text(Path("team.yml"), text.encode()), ROLES,
                             date="2026-12-06")
    docs = {p: b.decode() for p, b in rendered.files.items() if p.endswith("team-chart.md")}
    return rendered.plan, docs


@pytest.fixture(scope="module", params=sorted(BLUEPRINTS))
def example(request: pytest.FixtureRequest) -> tuple[Plan, dict[str, str]]:
    return _rendered(BLUEPRINTS[request.param].read_text("utf-8"))


def _rows(doc: str) -> dict[str, list[str]]:
    """The task list's rows by their first cell (an ID)."""
    out = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if re.fullmatch(r"[A-Z]{3}-\d{3}", cells[0]):
            out[cells[0]] = cells
    return out


@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-TW", "、")])
def test_every_step_has_its_responsible_person_in_the_task_list(
        example: tuple[Plan, dict[str, str]], language: str, separator: str) -> None:
    plan, docs = example
    rows = _rows(docs[f"docs/{language}/team-chart.md"])
    assert set(rows) == set(plan.all_ids()), "every INS-, BAK-, RST- and DRL- ID, once"
    assert plan.team.assigned and not plan.team.unassigned
    for task in plan.team.assignments:
        if task.kind in ("install", "backup", "restore", "drill"):
            cells = rows[task.id]
            assert task.responsible, task.id
            assert cells[2] == separator.join(task.responsible), (task.id, cells)
            assert cells[3] == (separator.join(task.accountable) or "-"), (task.id, cells)


def test_responsibility_follows_owners_then_duties() -> None:
    plan, _ = _rendered(BLUEPRINTS["hybrid-cloud"].read_text("utf-8"))
    by_id = {t.id: t for t in plan.team.assignments}
    database = plan.step_of_service["database"]
    assert by_id[database.id].responsible == ("Wu Shu-Fen",)
    assert by_id[database.id].basis == "owner"
    assert by_id["INS-001"].responsible == ("Lin Jia-Hong",)  # the install duty
    assert by_id["INS-001"].basis == "duty"
    # The installation plan's approver (documents.signatures) is accountable for its steps.
    assert by_id["INS-001"].accountable == ("Chang Hui-Wen",)
    for job in plan.backups:
        assert by_id[job.id].responsible == ("Wu Shu-Fen",)
    # A drill is led by its first participant, as the drill plan says.
    for drill in plan.drills:
        task = by_id[drill.id]
        assert task.responsible == drill.drill.participants[:1] and task.basis == "lead"
        assert set(task.consulted) <= set(drill.drill.participants[1:])
    # The web step consults the owner of the database it depends on.
    assert "Wu Shu-Fen" in by_id[plan.step_of_service["web"].id].consulted
    # Nobody appears twice for one task.
    for task in plan.team.assignments:
        names = [*task.consulted, *task.informed]
        assert len(names) == len(set(names)) and not set(names) & {
            *task.responsible, *task.accountable}, task.id


def test_the_organisation_chart_follows_the_reporting_lines() -> None:
    plan, docs = _rendered(BLUEPRINTS["hybrid-cloud"].read_text("utf-8"))
    chart = docs["docs/en/team-chart.md"].split("```mermaid\n", 1)[1].split("```", 1)[0]
    nodes = dict(re.findall(r'^ {4}(p\d+)\["([^<]+)<br/>', chart, re.M))
    edges = re.findall(r"^ {4}(\w+) --> (p\d+)$", chart, re.M)
    names = {v: k for k, v in nodes.items()}
    assert len(edges) == len(plan.team.members)
    for member in plan.team.members:
        chief = names[member.reports_to] if member.reports_to else "owner"
        assert (chief, names[member.name]) in edges


def test_user_text_stays_text_in_the_chart() -> None:
    _plan, docs = _rendered(HOSTILE.read_text("utf-8"))
    for doc in docs.values():
        chart = doc.split("```mermaid\n", 1)[1].split("```", 1)[0]
        for line in chart.splitlines()[1:]:
            if "[" in line:
                label = line.split('["', 1)[1].rsplit('"]', 1)[0]
                assert '"' not in label and "<script" not in label, line


def _partial_team() -> str:
    """The hybrid blueprint with the database's owner and the install duty taken away."""
    text = BLUEPRINTS["hybrid-cloud"].read_text("utf-8")
    text = text.replace("      responsible_for: [install, drills]\n", "")
    return text.replace("owns: [database, database-standby, database-dr]",
                        "owns: [database-standby, database-dr]")


def test_a_step_nobody_is_responsible_for_is_an_error() -> None:
    loaded = load_text(Path("team.yml"), _partial_team().encode())
    from sigen.diagnostics import SigenError

    with pytest.raises(SigenError) as err:
        plan_for(loaded, ROLES)
    found = {re.search(r"for ([A-Z]{3}-\d{3})", d.message).group(1)  # type: ignore[union-attr]
             for d in err.value.diagnostics if d.code == "SG804"}
    assert {"INS-001", "INS-002", "INS-003"} <= found
    # The database's step: its owner is gone and nobody holds the install duty.
    assert any("service 'database' has no owner" in d.message for d in err.value.diagnostics)


def test_a_blueprint_without_a_team_builds_with_one_warning(tmp_path: Path) -> None:
    text = BLUEPRINTS["onprem-physical"].read_text("utf-8")
    text = re.sub(r"      (responsible_for|owns|reports_to): .*\n", "", text)
    plan, docs = _rendered(text)
    assert not plan.team.assigned
    assert {t.id for t in plan.team.unassigned} >= {s.id for s in plan.install}
    warnings = check_plan(plan, load_text(Path("team.yml"), text.encode()))
    assert [(d.code, d.severity) for d in warnings] == [("SG804", "warning")]
    assert "names nobody as responsible" in docs["docs/en/team-chart.md"]
    assert "**未指派**" in docs["docs/zh-TW/team-chart.md"]
    blueprint = tmp_path / "eshop.yml"
    blueprint.write_text(text, "utf-8")
    run = subprocess.run([sys.executable, "-m", "sigen", "validate", str(blueprint), "--roles",
                          str(ROLES)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SG804 warning: nobody is responsible for INS-001" in run.stdout
