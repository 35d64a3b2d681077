"""The system completion report (O3.1.1, T3): every figure comes from the plan's evidence or
its facts, and missing evidence is said to be missing. Each table is compared with the plan
fact it prints."""

from __future__ import annotations

import re

import pytest

from sigen.build import Rendered, render_loaded
from sigen.compile.loader import load_blueprint
from sigen.plan import Evidence
from tests.conftest import REPO, ROLES
from tests.test_recovery import _record

BLUEPRINTS = sorted(p.stem for p in (REPO / "blueprints").glob("*.yml"))
LANGUAGES = ("en", "zh-TW")


def _render(name: str, evidence: Evidence | None = None) -> Rendered:
    return render_loaded(load_blueprint(REPO / "blueprints" / f"{name}.yml"), ROLES,
                         evidence=evidence)


@pytest.fixture(scope="module", params=BLUEPRINTS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return _render(request.param)


def _doc(rendered: Rendered, lang: str) -> str:
    return rendered.files[f"docs/{lang}/completion-report.md"].decode()


def _section(doc: str, number: str) -> str:
    start = doc.index(f"\n## {number}. ")
    end = doc.find("\n## ", start + 1)
    return doc[start:end]


def _rows(part: str) -> list[list[str]]:
    """The cells of a table's rows, without its heading row."""
    return [[c.strip() for c in line.strip("|").split("|")]
            for line in part.splitlines()
            if line.startswith("| ") and not set(line) <= {"|", "-"}][1:]


def test_each_drill_has_its_row_with_the_plans_standing(rendered: Rendered) -> None:
    for lang in LANGUAGES:
        drills = _section(_doc(rendered, lang), "4")
        ids = re.findall(r"^\| (DRL-\d{3}) \|", drills, re.MULTILINE)
        assert ids == [d.id for d in rendered.plan.drills], lang
        for step in rendered.plan.drills:
            standing = rendered.plan.evidence.drills[step.drill.name]
            row = next(line for line in drills.splitlines() if line.startswith(f"| {step.id} "))
            word = {"en": {"unverified": "**not verified**", "stale": "**stale**",
                           "current": "current"},
                    "zh-TW": {"unverified": "**未驗證**", "stale": "**已失效**",
                              "current": "有效"}}[lang][standing.status]
            assert word in row, (lang, row)


def test_without_records_the_report_says_what_is_missing(rendered: Rendered) -> None:
    if rendered.plan.evidence.verify_runs or rendered.plan.evidence.drill_runs:
        pytest.skip("the example has records")
    doc = _doc(rendered, "en")
    assert "no verification run is recorded" in _section(doc, "1")
    assert f"0 of {len(rendered.plan.drills)}" in _section(doc, "1")
    assert "No verification run is recorded." in _section(doc, "3")
    assert "No load test is recorded" in _section(doc, "5")
    assert "(planned)" in _section(doc, "2")
    assert "未驗證" in _doc(rendered, "zh-TW")


def test_the_review_schedule_is_the_plans(rendered: Rendered) -> None:
    items = rendered.plan.review_items
    kinds = [i.kind for i in items]
    assert kinds.count("meeting") == 1 and "distribute" in kinds and "feedback" in kinds
    for lang in LANGUAGES:
        part = _section(_doc(rendered, lang), "8")
        schedule = part[part.index("### 8.1"):part.index("### 8.2")]
        rows = _rows(schedule)
        assert [r[2] for r in rows] == [i.owner or "-" for i in items], lang
        assert [r[3] for r in rows] == [i.date or "-" for i in items], lang
        # Everyone of the system receives the report and is asked for feedback.
        after = part[part.index("### 8.2"):]
        for person in rendered.plan.blueprint.stakeholders:
            assert after.count(f"\n| {person.name} |") == 2, (lang, person.name)


def test_the_meeting_sets_the_dates() -> None:
    plan = _render("hybrid-cloud").plan
    review = plan.documents.review
    assert review is not None and review.date == "2027-01-20"
    dated = {i.kind: i.date for i in plan.review_items}
    assert dated["distribute"] == "2027-01-13" and dated["meeting"] == "2027-01-20"
    assert dated["feedback"] == "2027-02-03"
    # Drills without current evidence run before the meeting.
    assert all(i.date == "2027-01-20" for i in plan.review_items if i.kind == "drill")
    # Support that ends within the evaluation period goes to the meeting, once per
    # commitment, naming each component under it.
    support = [i for i in plan.review_items if i.kind == "support"]
    assert support and all(i.ref <= "2032-01-20" for i in support)
    names = {n for i in support for n in i.subject.split(", ")}
    used = {c.name for r in plan.components for c in r.components if c.support}
    assert names <= used


def test_open_findings_and_failed_checks_are_open_items() -> None:
    record = {**_record(False), "name": "DRL-002-20261127T074201Z"}
    verify = {"format": 1, "system": "eshop", "blueprint": "0" * 64, "environment": "lab",
              "started": "2026-11-27T08:00:00Z", "seconds": 60, "ansible_exit": 2,
              "checks": [{"id": "TST-001", "kind": "port", "host": "db01",
                          "subject": "database", "target": "10.20.30.31", "port": 5432,
                          "setting": "", "expected": "", "passed": False,
                          "observed": "connection refused"}],
              "summary": {"total": 1, "passed": 0, "failed": 1, "unrun": 0}}
    rendered = _render("onprem-physical", Evidence(verify_runs=(verify,),
                                                   drill_runs=(record,)))
    doc = _doc(rendered, "en")
    summary = _section(doc, "1")
    open_findings = [f for f in rendered.plan.evidence.findings if not f.closed_by]
    assert open_findings
    assert f"| Open corrective actions | 0 | {len(open_findings)} | no |" in summary
    assert "| Verification checks passed in lab | all, on the blueprint as it is | 0 of 1" \
        in summary
    items = _section(doc, "6")
    assert "RTO exceeded" in items and "TST-001 failed" in items
    assert "connection refused" in items
    # The database's owner answers for its host.
    assert "| Wang Jun | before hand-over |" in items
