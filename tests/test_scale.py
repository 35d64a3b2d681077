"""Documents of a system with more hosts than sigen lists one by one
(``sigen.render.scale.PER_HOST_LIMIT``): grouped tables, bounded in size, whose counts are
the plan's own facts as the inventory and verify.yml enact them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.run import blueprint as synthetic_blueprint
from bench.run import stub_roles
from sigen.build import Rendered, render_blueprint
from sigen.compile.yaml12 import load_yaml12
from sigen.render.scale import PER_HOST_LIMIT

HOSTS = 125  # five cells of the benchmark's 25 hosts


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    assert HOSTS > PER_HOST_LIMIT
    root = tmp_path_factory.mktemp("scale")
    blueprint = root / "system.yml"
    blueprint.write_text(synthetic_blueprint(HOSTS))
    return render_blueprint(blueprint, stub_roles(root / "roles"))


def _table(text: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after the line starting with ``heading``."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def _host_files(rendered: Rendered) -> dict[str, dict[str, object]]:
    return {rel.rsplit("/", 1)[1].removesuffix(".json"): json.loads(content)
            for rel, content in rendered.files.items()
            if rel.startswith("inventories/production/host_vars/")}


def test_hosts_are_grouped_and_every_host_is_counted_once(rendered: Rendered) -> None:
    hosts = _host_files(rendered)
    assert len(hosts) == HOSTS
    for language, heading, number in (("en", "### Hosts", 1), ("zh-TW", "### 主機\n", 1)):
        text = rendered.files[f"docs/{language}/installation-plan.md"].decode()
        rows = _table(text, heading)
        assert len(rows) < 20, "grouped, not a row per host"
        assert sum(int(r[number]) for r in rows) == HOSTS
    lab = rendered.files["docs/en/lab-report.md"].decode()
    assert sum(int(r[1]) for r in _table(lab, "## 3. Hosts")) == HOSTS
    sizing = rendered.files["docs/en/host-evaluation.md"].decode()
    counted = rendered.plan.evaluation.hosts
    assert sum(int(r[1]) for r in _table(sizing, "## 4. Workload")) == len(counted)


def test_flows_are_counted_as_the_inventory_opens_them(rendered: Rendered) -> None:
    opened = sum(len(v.get("firewall_allowed_flows", [])) for v in
                 _host_files(rendered).values())  # type: ignore[arg-type]
    assert opened == sum(len(f) for f in rendered.plan.flows.values())
    for language, heading in (("en", "## 7. Firewall flows"), ("zh-TW", "## 7. 防火牆連線規則")):
        text = rendered.files[f"docs/{language}/installation-plan.md"].decode()
        section = text[text.index(heading):]
        rows = _table(section[section.index("\n|"):], "|")
        assert sum(int(r[4]) for r in rows) == opened


def test_checks_are_tallied_as_verify_yml_runs_them(rendered: Rendered) -> None:
    verify, _ = load_yaml12(rendered.files["verify.yml"].decode())
    by_host = next(p["vars"]["sigen_verify_checks"] for p in verify
                   if "sigen_verify_checks" in p.get("vars", {}))
    planned = sum(len(checks) for checks in by_host.values())
    for language, heading in (("en", "## 3. Test scenarios"), ("zh-TW", "## 3. 測試情境")):
        text = rendered.files[f"docs/{language}/test-report.md"].decode()
        assert sum(int(r[3]) for r in _table(text, heading)) == planned
        assert not re.search(r"^### \d+\. h\d{5}$", text, re.MULTILINE), "no host sections"


def test_documents_stay_small(rendered: Rendered) -> None:
    """A row per host or per flow would make these grow with the hosts; grouped, they grow
    with the services and policies the blueprint lists."""
    for language in ("en", "zh-TW"):
        for name, limit in (("test-report", 8_000), ("lab-report", 12_000),
                            # The checklist has a row per baseline control: a fixed 83.
                            ("host-evaluation", 25_000), ("verification-checklist", 24_000),
                            ("system-inventory", 8_000)):
            size = len(rendered.files[f"docs/{language}/{name}.md"])
            assert size < limit, (language, name, size)


def test_a_small_system_keeps_a_row_per_host() -> None:
    """The examples (under the limit) list every host: tests/test_build_cases.py compares
    them with their golden trees; here, that they are under it."""
    from tests.test_build_cases import BLUEPRINTS

    for path in BLUEPRINTS.values():
        hosts, _ = load_yaml12(Path(path).read_text())
        assert len(hosts["hosts"]) <= PER_HOST_LIMIT


def test_a_failed_run_lists_the_first_failures_and_counts_the_rest(tmp_path: Path) -> None:
    from sigen.build import build
    from sigen.compile.verification import rows
    from sigen.plan.evidence import VERIFY_RUNS
    from sigen.render.scale import FAILURES_LISTED

    blueprint = tmp_path / "system.yml"
    blueprint.write_text(synthetic_blueprint(HOSTS))
    roles, out = stub_roles(tmp_path / "roles"), tmp_path / "out"
    plan = build(blueprint, out, roles).plan
    assert plan is not None
    env = next(e for e in plan.blueprint.environments if e.name == "lab")
    outcomes: dict[str, list[dict[str, object]]] = {}
    for check in plan.checks:
        outcomes.setdefault(check.host, []).append(
            {"id": check.id, "passed": False, "observed": "refused"})
    for host in plan.blueprint.hosts:  # and every control of the baseline
        outcomes[host.name] += [{"id": c["id"], "passed": False, "observed": "weak"}
                                for c in plan.baseline.checks]
    every = len(plan.checks) + len(plan.blueprint.hosts) * len(plan.baseline.checks)
    record = {"format": 1, "system": plan.blueprint.name, "blueprint": plan.blueprint.sha256,
              "environment": "lab", "started": "2026-11-27T01:00:00Z", "seconds": 1.0,
              "ansible_exit": 2, "checks": rows(plan, env, outcomes)}
    (out / VERIFY_RUNS).mkdir(parents=True)
    (out / VERIFY_RUNS / "lab-20261127T010000Z.json").write_text(json.dumps(record))
    build(blueprint, out, roles)
    report = (out / "docs" / "en" / "test-report.md").read_text()
    failed = _table(report, "## 4. Failed checks\n\nThe first")
    assert len(failed) == FAILURES_LISTED
    assert f"The first {FAILURES_LISTED} of {every} checks" in report
    tally = _table(report[report.index("## 3. Results"):], "checks by site and kind")
    assert sum(int(r[5]) for r in tally) == len(plan.checks), "every failure counted"
    checklist = (out / "docs" / "zh-TW" / "verification-checklist.md").read_text()
    assert f"及另 {HOSTS - 12} 台" in checklist


def test_grouped_zh_documents_are_chinese(rendered: Rendered) -> None:
    """The grouped tables pass the zh-TW checks the examples' documents pass (the parts
    that differ from a small system's: the whole reports, the plan's host and flow
    sections)."""
    from tests.test_languages import english_runs, punctuation_faults

    def part(text: str, start: str, end: str) -> str:
        text = text[text.index(start):]
        return text[:text.index(end)]

    docs = {rel: rendered.files[f"docs/zh-TW/{rel}.md"].decode() for rel in (
        "test-report", "lab-report", "host-evaluation", "verification-checklist",
        "installation-plan")}
    plan = docs.pop("installation-plan")
    docs["hosts"] = part(plan, "### 主機\n", "\n## 3.")
    docs["flows"] = part(plan, "## 7.", "\n## 8.")
    user = sorted({h.name for h in rendered.plan.blueprint.hosts} | {
        s.name for s in rendered.plan.blueprint.services} | {"Bench Server 1U", "dc1"})
    for name, text in docs.items():
        assert not english_runs(text, user), (name, english_runs(text, user)[:3])
        assert not punctuation_faults(text), (name, punctuation_faults(text)[:3])
