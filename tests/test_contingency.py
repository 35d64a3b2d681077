"""The drill plan as a contingency plan (NIST SP 800-34 ISCP): who declares and who is called
in which order, what each drill's failure takes down and how each service comes back, how to
recover without the control node, and the corrective actions that failed drill runs call for
(ISO 22301). Each is compared with the plan fact it comes from."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from sigen.build import Rendered, render_loaded
from sigen.compile.findings import failures, findings, next_due
from sigen.compile.loader import LoadedBlueprint, load_blueprint
from sigen.plan import Evidence
from tests.conftest import REPO, ROLES
from tests.test_recovery import _record

BLUEPRINTS = sorted(p.stem for p in (REPO / "blueprints").glob("*.yml"))
LANGUAGES = ("en", "zh-TW")
PLANS = ("installation-plan", "backup-restore-plan", "disaster-drill-plan")


def _loaded(name: str) -> LoadedBlueprint:
    return load_blueprint(REPO / "blueprints" / f"{name}.yml")


def _render(name: str, evidence: Evidence | None = None,
            change: Any = None) -> Rendered:
    loaded = _loaded(name)
    if change is not None:
        data = copy.deepcopy(loaded.data)
        change(data)
        loaded = LoadedBlueprint(path=loaded.path, data=data, sha256=loaded.sha256,
                                 text=loaded.text)
    return render_loaded(loaded, ROLES, evidence=evidence)


@pytest.fixture(scope="module", params=BLUEPRINTS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return _render(request.param)


def _doc(rendered: Rendered, lang: str, name: str = "disaster-drill-plan") -> str:
    return rendered.files[f"docs/{lang}/{name}.md"].decode()


def _section(doc: str, heading: str) -> str:
    start = doc.index(heading)
    end = doc.find("\n## ", start + 1)
    return doc[start:end if end != -1 else len(doc)]


def test_affected_services_and_recovery_order_are_the_plans(rendered: Rendered) -> None:
    for lang in LANGUAGES:
        doc = _doc(rendered, lang)
        for step in rendered.plan.drills:
            part = _section(doc, f". {step.id} {step.drill.name}")
            rows = re.findall(r"^\| ([a-z0-9-]+) \| [^|]+ \| [^|]+ \| [^|]+ \|$", part,
                              re.MULTILINE)
            assert rows == [a.service.name for a in step.affected], (lang, step.id)
            order = re.findall(r"^\d+\. ([a-z0-9-]+)$", part, re.MULTILINE)
            assert order == list(step.recovery_order), (lang, step.id)
            for a in step.affected:
                if a.recovery == "not recovered":
                    assert a.how and a.how in part, (lang, a.service.name)


def test_a_hypervisor_loss_takes_down_what_runs_on_it() -> None:
    step = _render("virtualised").plan.drills[0]
    assert step.drill.scenario == "host-loss"
    status = {a.service.name: (a.status, a.recovery) for a in step.affected}
    # Every VM on hv01 is lost with it: the database restores, the doubled tiers carry on.
    assert status["database"] == ("down", "restore")
    assert status["web"] == ("degraded", "redundancy")
    assert status["monitoring"] == ("down", "not recovered")


def test_the_call_tree_is_the_escalation_then_the_stakeholders(rendered: Rendered) -> None:
    bp = rendered.plan.blueprint
    escalation = [p.name for p in (bp.change.escalation if bp.change else ())]
    expected = escalation + [p.name for p in bp.stakeholders if p.name not in escalation]
    for lang in LANGUAGES:
        part = _section(_doc(rendered, lang), "## 2. ")
        called = re.findall(r"^\| \d+[^|]* \| ([^|]+) \| [^|]+ \| [^|]+ \|$", part,
                            re.MULTILINE)
        assert called == expected, lang
        assert f"**{escalation[-1]}**" in part, "the last level declares"


def test_recovery_without_the_control_node_names_the_key_holder(rendered: Rendered) -> None:
    custody = rendered.plan.blueprint.security.key_custody
    assert custody is not None
    for lang in LANGUAGES:
        doc = _doc(rendered, lang)
        assert custody.holder in doc and custody.escrow in doc and custody.deputy in doc
        for use in rendered.plan.secrets:
            assert f"`{use.secret.name}`" in doc


def test_without_a_key_holder_the_plan_says_so() -> None:
    def drop(data: dict[str, Any]) -> None:
        del data["security"]["key_custody"]
    rendered = _render("onprem-physical", change=drop)
    assert "**the blueprint names nobody who holds them**" in _doc(rendered, "en")
    assert "**藍圖未指定金鑰保管人**" in _doc(rendered, "zh-TW")


@pytest.mark.parametrize("name", PLANS)
def test_every_plan_ends_with_its_approval_table(rendered: Rendered, name: str) -> None:
    approvers = [p.name for p in rendered.plan.blueprint.change.approvers] \
        if rendered.plan.blueprint.change else []
    for lang in LANGUAGES:
        doc = _doc(rendered, lang, name)
        last = doc[doc.rindex("\n## "):]
        assert re.match(r"\n## \d+\. (Approval|核定)\n", last), (lang, name)
        signers = re.findall(r"^\| ([^|]+) \| [^|]+ \| \| \| \|$", last, re.MULTILINE)
        assert signers == approvers, (lang, name)
        number = rendered.plan.documents.by_id[name].number
        assert number in last, "the table names the document it approves"


# Findings and corrective actions -------------------------------------------------------

def _runs(*passed: bool) -> list[dict[str, Any]]:
    runs = []
    for pos, ok in enumerate(passed):
        record = _record(ok)
        if ok:  # within its RTO of 10 s
            record["achieved"] = {"rto_seconds": 8.1, "rpo_seconds": 6.9}
        record["started"] = f"2026-11-2{pos}T07:42:01Z"
        record["name"] = f"DRL-002-2026112{pos}T074201Z"
        runs.append(record)
    return runs


def test_a_missed_criterion_is_an_action_owned_and_due() -> None:
    plan = _render("onprem-physical").plan
    drills = {d.id: d.drill for d in plan.drills}
    found = findings(_runs(False), drills, plan.blueprint.owner)
    assert drills["DRL-002"].frequency == "semi-annually"
    assert [(f.failure.kind, f.owner, f.due, f.closed_by) for f in found] == [
        ("rto", drills["DRL-002"].participants[0], "2027-05-20", "")]
    closed = findings(_runs(False, True), drills, plan.blueprint.owner)
    assert closed[0].closed_by == "DRL-002-20261121T074201Z"


def test_due_dates_keep_the_day_or_take_the_months_last() -> None:
    assert next_due("2026-11-30", "quarterly") == "2027-02-28"
    assert next_due("2027-01-31", "monthly") == "2027-02-28"
    assert next_due("2026-06-15", "annually") == "2027-06-15"
    assert next_due("not a date", "monthly") == ""


def test_every_kind_of_miss_is_judged_from_the_record() -> None:
    record = _record(False)
    record["timeline"][1].update(ok=False, failures=["restic: repository locked"])
    record["data"][0].update(kept=False, observed="missing")
    record["answers"][0].update(answered=False, said="connection refused")
    record["dependants"] = [{"service": "web", "host": "web01", "address": "10.0.0.5",
                             "port": 5432, "reached": False, "said": ""}]
    record["achieved"] = {"rto_seconds": None, "rpo_seconds": 90000.0}
    kinds = [f.kind for f in failures(record)]
    assert kinds == ["phase", "data", "answer", "dependant", "unrecovered", "rpo"]
    assert failures(_runs(True)[0]) == ()


def test_the_findings_table_and_the_report_say_the_same(tmp_path: Path) -> None:
    runs = _runs(False, True)
    rendered = _render("onprem-physical", evidence=Evidence(drill_runs=tuple(runs)))
    assert len(rendered.plan.evidence.findings) == 1
    finding = rendered.plan.evidence.findings[0]
    en = _section(_doc(rendered, "en"), "Findings and corrective actions")
    assert re.search(rf"\| 1 \| DRL-002 \| \[{finding.run}\]\S+ \| RTO exceeded: [^|]+ \| "
                     rf"{finding.owner} \| {finding.due} \| closed by \[{finding.closed_by}\]",
                     en), en
    zh = _section(_doc(rendered, "zh-TW"), "發現事項及矯正措施")
    assert f"已由 [{finding.closed_by}]" in zh and "超過 RTO" in zh
    report = rendered.files[f"docs/en/drill-reports/{finding.run}.md"].decode()
    assert "1. RTO exceeded: the service was recovered and verified 83 s after the failure" \
        in report


def test_each_drill_report_has_its_own_cover_revision_and_approver() -> None:
    runs = _runs(False, True)

    def signed(data: dict[str, Any]) -> None:
        data.setdefault("documents", {})["per_document"] = {
            "drill-report": {"prepared_by": "Wang Jun", "approved_by": "Lin Mei-Hua"}}

    rendered = _render("onprem-physical", evidence=Evidence(drill_runs=tuple(runs)),
                       change=signed)
    numbers = set()
    for record in runs:
        for lang, colon in (("en", ": "), ("zh-TW", "：")):  # noqa: RUF001
            report = rendered.files[f"docs/{lang}/drill-reports/{record['name']}.md"].decode()
            title = next(ln for ln in report.splitlines() if ln.startswith("# "))
            assert title.endswith(f"{colon}{record['drill']['id']} "
                                  f"{record['drill']['name']}{'，' if lang != 'en' else ', '}"  # noqa: RUF001
                                  f"{record['started']}")
            number = re.search(r"^\| [^|]+ \| (\S+-R-\S+) \|$", report, re.M)
            assert number and number.group(1).endswith(record["name"])
            numbers.add(number.group(1))
            # The revision table: one issue, dated the day of the run, by who prepared it.
            revisions = _section(report, "## " + ("Revision history" if lang == "en"
                                                  else "修訂紀錄"))
            assert f"| 1.0 | {record['started'][:10]} | Wang Jun |" in revisions
            sign_off = report[report.rindex("## 8."):]
            assert "Lin Mei-Hua" in sign_off
            assert rendered.plan.blueprint.owner not in sign_off
    assert len(numbers) == len(runs)
