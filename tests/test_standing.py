"""Evidence that knows when it is stale: a drill run records the facts it depended on, and a
later plan says per drill whether the run still proves the system (and what changed), by when
it runs again, and ``sigen check --evidence`` fails while a drill needs attention. The drill
plan and the completion report print the plan's standing, the same fact."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sigen.build import Rendered, build, render_loaded
from sigen.compile.loader import LoadedBlueprint, load_blueprint
from sigen.plan import Evidence
from tests.conftest import REPO, ROLES
from tests.test_recovery import _record

BLUEPRINT = REPO / "blueprints" / "onprem-physical.yml"
LANGUAGES = ("en", "zh-TW")


def _loaded(change: Callable[[dict[str, Any]], None] | None = None) -> LoadedBlueprint:
    loaded = load_blueprint(BLUEPRINT)
    if change is None:
        return loaded
    data = copy.deepcopy(loaded.data)
    change(data)
    return LoadedBlueprint(path=loaded.path, data=data, sha256=loaded.sha256, text=loaded.text)


def _render(records: list[dict[str, Any]],
            change: Callable[[dict[str, Any]], None] | None = None) -> Rendered:
    runs = tuple({**r, "name": r["run"]} for r in records)
    return render_loaded(_loaded(change), ROLES, evidence=Evidence(drill_runs=runs))


def _run_now(facts: Any, passed: bool = True, started: str = "2026-11-27T07:42:01Z"
             ) -> dict[str, Any]:
    """A run of DRL-002 (database-corruption) that recorded ``facts``."""
    record = _record(passed)
    record.update(started=started, facts=facts, blueprint=load_blueprint(BLUEPRINT).sha256)
    record["drill"]["rto_seconds"] = 3600  # within its target: a pass is a pass
    return record


def _facts() -> Any:
    plan = _render([]).plan
    return json.loads(json.dumps(next(d for d in plan.drills
                                      if d.drill.name == "database-corruption").facts))


def _host(name: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        next(h for h in data["hosts"] if h["name"] == name)["hardware"][field] = value
    return change


def test_the_facts_are_those_the_drill_depends_on() -> None:
    plan = _render([]).plan
    step = next(d for d in plan.drills if d.drill.name == "database-corruption")
    assert set(step.facts) == {"hosts", "services", "backups", "drills"}
    assert set(step.facts["hosts"]) == {h.name for h in (*step.lost_hosts,
                                                         *step.recovery_hosts)}
    assert set(step.facts["backups"]) == {p.name for p in step.policies}
    assert set(step.facts["services"]) >= {a.service.name for a in step.affected}
    assert "frequency" not in step.facts["drills"][step.drill.name]


def test_a_run_whose_facts_still_hold_is_current() -> None:
    standing = _render([_run_now(_facts())]).plan.evidence.drills["database-corruption"]
    assert (standing.status, standing.passed, standing.changes) == ("current", True, ())
    assert standing.run == "DRL-002-20261127T074201Z"
    assert standing.due == "2027-05-27"  # semi-annually after 2026-11-27


def test_a_change_to_a_host_of_the_drill_makes_it_stale_and_says_what() -> None:
    rendered = _render([_run_now(_facts())], _host("db01", "memory_gb", 512))
    standing = rendered.plan.evidence.drills["database-corruption"]
    assert standing.status == "stale"
    [change] = standing.changes
    assert (change.section, change.names, change.fields) == (
        "hosts", ("db01",), (("memory_gb", 256.0, 512),))
    for lang, words in (("en", "Host db01: memory (GB) 256.0 → 512"), ("zh-TW", "db01")):
        for doc in ("disaster-drill-plan", "completion-report"):
            text = rendered.files[f"docs/{lang}/{doc}.md"].decode()
            stale = "**stale**" if lang == "en" else "**已失效**"
            row = next(line for line in text.splitlines()
                       if line.startswith("| DRL-002 |") and stale in line)
            assert words in row, (lang, doc, row)


def test_a_change_elsewhere_leaves_the_drill_current() -> None:
    # mon01 takes no part in the database drill.
    standing = _render([_run_now(_facts())], _host("mon01", "memory_gb", 512)).plan.evidence
    assert standing.drills["database-corruption"].status == "current"


def test_changing_the_backup_policy_or_the_target_makes_it_stale() -> None:
    def schedule(data: dict[str, Any]) -> None:
        data["backups"][0]["schedule"]["at"] = "03:30"

    def target(data: dict[str, Any]) -> None:
        next(d for d in data["drills"] if d["name"] == "database-corruption")[
            "success"]["rto"] = "30m"

    for change, section in ((schedule, "backups"), (target, "drills")):
        standing = _render([_run_now(_facts())], change).plan.evidence.drills[
            "database-corruption"]
        assert standing.status == "stale"
        assert [c.section for c in standing.changes] == [section]


def test_the_frequency_moves_the_due_date_but_not_the_proof() -> None:
    def monthly(data: dict[str, Any]) -> None:
        next(d for d in data["drills"] if d["name"] == "database-corruption")[
            "frequency"] = "monthly"

    standing = _render([_run_now(_facts())], monthly).plan.evidence.drills[
        "database-corruption"]
    assert (standing.status, standing.due) == ("current", "2026-12-27")


def test_a_run_without_facts_is_current_only_for_the_same_blueprint() -> None:
    old = _run_now(None)
    del old["facts"]
    assert _render([old]).plan.evidence.drills["database-corruption"].status == "current"
    old["blueprint"] = "0" * 64
    standing = _render([old]).plan.evidence.drills["database-corruption"]
    assert (standing.status, standing.changes) == ("stale", ())


def test_the_latest_run_counts_and_a_drill_never_run_is_not_verified() -> None:
    earlier = _run_now(_facts(), passed=True, started="2026-10-01T00:00:00Z")
    earlier["run"] = "DRL-002-20261001T000000Z"
    later = _run_now(_facts(), passed=False)
    plan = _render([earlier, later]).plan
    assert plan.evidence.drills["database-corruption"].passed is False
    assert plan.evidence.drills["database-host-loss"].status == "unverified"


def _project(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    out = tmp_path / "eshop"
    shutil.copytree(REPO / "examples" / "onprem-physical", out)
    shutil.rmtree(out / "records" / "drills")
    (out / "records" / "drills").mkdir()
    for record in records:
        (out / "records" / "drills" / f"{record['run']}.json").write_text(json.dumps(record))
    build(BLUEPRINT, out, ROLES)
    return out


def _check(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sigen", "check",
                           str(BLUEPRINT.relative_to(REPO)), "--out", str(out), "--evidence",
                           *args],
                          capture_output=True, text=True, cwd=REPO, check=False)


@pytest.fixture(scope="module")
def both_current(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = _render([]).plan
    records = []
    for step in plan.drills:
        record = _run_now(json.loads(json.dumps(step.facts)))
        record["run"] = f"{step.id}-20261127T074201Z"
        record["drill"] = {**record["drill"], "id": step.id, "name": step.drill.name}
        records.append(record)
    return _project(tmp_path_factory.mktemp("evidence"), records)


def test_check_evidence_passes_while_every_drill_is_current(both_current: Path) -> None:
    done = _check(both_current, "--as-of", "2027-01-15")
    assert done.returncode == 0, done.stdout + done.stderr
    # The same folder without --evidence: the evidence is not checked at all.
    plain = subprocess.run([sys.executable, "-m", "sigen", "check", str(BLUEPRINT), "--out",
                            str(both_current)], capture_output=True, text=True, cwd=REPO,
                           check=False)
    assert plain.returncode == 0, plain.stdout + plain.stderr


def test_check_evidence_fails_on_an_overdue_drill_at_the_drill(both_current: Path) -> None:
    done = _check(both_current, "--as-of", "2027-03-01")  # DRL-001 is quarterly
    assert done.returncode == 1
    [line] = done.stdout.splitlines()
    line_no = load_blueprint(BLUEPRINT).text.splitlines().index(
        "  - name: database-host-loss") + 1
    assert line.startswith(f"{BLUEPRINT.relative_to(REPO)}:{line_no}:")
    assert "SG922" in line and "was due by 2027-02-27" in line


def test_check_evidence_fails_on_never_run_stale_and_failed(tmp_path: Path) -> None:
    stale = _run_now({**_facts(), "backups": {}})  # the policy was not there at the run
    stale["passed"] = False
    out = _project(tmp_path, [stale])
    done = _check(out, "--as-of", "2026-12-01")
    assert done.returncode == 1
    codes = [line.split()[1] for line in done.stdout.splitlines()]
    assert codes == ["SG920", "SG921", "SG923"], done.stdout
    assert "Backup policy added: database-nightly" in done.stdout


def test_a_bad_as_of_is_a_usage_error(both_current: Path) -> None:
    done = _check(both_current, "--as-of", "March")
    assert done.returncode == 2 and "--as-of" in done.stderr
