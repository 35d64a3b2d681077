"""The TST- checks, verify.yml, the lab topology, the molecule scenario and the reports
rendered from verification records (no lab needed; tests/lab/ runs them for real)."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from sigen.build import build
from sigen.compile.loader import load_blueprint, load_text
from sigen.compile.model import build_model
from sigen.compile.planner import make_plan
from sigen.compile.verification import rows
from sigen.plan import Plan
from sigen.plan.evidence import VERIFY_RUNS as RUNS
from tests.conftest import REPO, ROLES
from tests.test_build_cases import read_yaml

EXAMPLE = REPO / "blueprints" / "onprem-physical.yml"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return make_plan(build_model(load_blueprint(EXAMPLE)))


def test_check_ids_are_numbered_in_order_and_unique(plan: Plan) -> None:
    found = plan.checks
    assert [c.id for c in found] == [f"TST-{i + 1:03d}" for i in range(len(found))]
    kinds = [c.kind for c in found]
    assert kinds == sorted(kinds, key=["port", "flow", "refused", "time", "backup"].index)


def test_every_service_port_and_dependency_is_checked(plan: Plan) -> None:
    found = plan.checks
    ports = {(c.host, c.subject, c.port) for c in found if c.kind == "port"}
    for svc in plan.blueprint.services:
        for host in svc.hosts:
            for port in svc.ports:
                assert (host.name, svc.name, port) in ports
    flows = {(c.host, c.target, c.port) for c in found if c.kind == "flow"}
    # web -> database: both web hosts reach the primary's data address on 5432.
    assert ("web01", "10.20.30.31", 5432) in flows
    assert ("web02", "10.20.30.31", 5432) in flows
    assert ("db02", "10.20.30.31", 5432) in flows  # the standby replicates


def test_refusal_probes_use_connections_no_flow_allows(plan: Plan) -> None:
    refused = [c for c in plan.checks if c.kind == "refused"]
    assert refused
    by_address = {i.address: h for h in plan.blueprint.hosts for i in h.interfaces}
    for check in refused:
        dest = plan.blueprint.host(check.subject)
        source = by_address[dest.address_towards(plan.blueprint.host(check.host))]
        assert source is dest
        prober = plan.blueprint.host(check.host)
        address = prober.address_towards(dest)
        for flow in plan.flows[dest.name]:
            assert not (flow.port == check.port and ipaddress.ip_address(address)
                        in ipaddress.ip_network(flow.source, strict=False))


def test_expected_values_follow_the_environment(plan: Plan) -> None:
    envs = {e.name: e for e in plan.blueprint.environments}
    # A run's rows (outcomes given, here none) hold the baseline's checks of every host.
    production = {r["setting"]: r["expected"] for r in rows(plan, envs["production"], {})
                  if r["kind"] == "ssh" and r["host"] == "db01"}
    lab = {r["setting"]: r["expected"] for r in rows(plan, envs["lab"], {})
           if r["kind"] == "ssh" and r["host"] == "db01"}
    assert production["permitrootlogin"] == "no"  # root_login: denied, Ansible as 'ansible'
    assert lab["permitrootlogin"] == "prohibit-password"  # the lab connects as root
    assert production["maxauthtries"] == "2"


def test_topology_keeps_the_blueprint_addresses(plan: Plan) -> None:
    topo = plan.lab
    db01 = next(h for h in topo.hosts if h.hostname == "db01")
    assert dict(db01.addresses)["sigen-eshop-net-data"] == "10.20.30.31"
    assert db01.management == "10.20.90.31"
    used = {i.address for h in plan.blueprint.hosts for i in h.interfaces}
    for network, address in topo.timeserver.addresses:
        assert address not in used
        net = next(n for n in topo.networks if n.name == network)
        assert ipaddress.ip_address(address) in ipaddress.ip_network(net.subnet)
        assert address != net.gateway
    # Each host asks the time server on its management network.
    assert topo.ntp_server["db01"] == dict(topo.timeserver.addresses)["sigen-eshop-net-mgmt"]
    # The backup network has no gateway in the blueprint: the lab picks the first address.
    backup = next(n for n in topo.networks if n.blueprint_name == "backup")
    assert backup.gateway == "10.20.80.1"


def test_topology_spec_changes_only_with_the_host(plan: Plan) -> None:
    text = EXAMPLE.read_bytes().replace(b"address: 10.20.30.31", b"address: 10.20.30.41")
    changed = make_plan(build_model(load_text(Path("changed.yml"), text)))
    specs = {h.hostname: h.spec for h in plan.lab.hosts}
    moved = {h.hostname for h in changed.lab.hosts if specs[h.hostname] != h.spec}
    assert moved == {"db01"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("project") / "eshop"
    build(EXAMPLE, out, ROLES)
    return out


def test_verify_yml_holds_every_check_once(plan: Plan, project: Path) -> None:
    preflight, verify = read_yaml((project / "verify.yml").read_bytes())
    assert preflight["name"].startswith("Preflight") and verify["hosts"] == "all"
    by_host = verify["vars"]["sigen_verify_checks"]
    ids = [c["id"] for items in by_host.values() for c in items]
    assert sorted(ids) == [c.id for c in plan.checks]
    names = [t["name"] for t in verify["tasks"]]
    assert names[-1] == "Fail the host when a check failed"


def test_molecule_scenario_uses_the_lab_inventory(project: Path) -> None:
    scenario = project / "molecule" / "default"
    config = read_yaml((scenario / "molecule.yml").read_bytes())
    assert config["scenario"]["test_sequence"] == [
        "destroy", "create", "converge", "idempotence", "verify", "destroy"]
    args = config["ansible"]["executor"]["args"]["ansible_playbook"]
    assert any(a.endswith("/../../inventories/lab") for a in args)
    converge = read_yaml((scenario / "converge.yml").read_bytes())
    assert converge[0]["ansible.builtin.import_playbook"] == "../../site.yml"
    inventory = (scenario / "inventory" / "lab.yml").read_text()
    assert "password" not in inventory.split("vault_")[0]  # no secret value, only lookups
    assert "lookup('ansible.builtin.file'" in inventory


def _record(plan: Plan, env: str, started: str, failing: set[str]) -> dict[str, Any]:
    environment = next(e for e in plan.blueprint.environments if e.name == env)
    outcomes: dict[str, list[dict[str, Any]]] = {}
    for check in plan.checks:
        if check.host == "mon01":
            continue  # an unreachable host: its checks did not run
        passed = check.id not in failing
        outcomes.setdefault(check.host, []).append({
            "id": check.id, "passed": passed,
            "observed": "connected" if passed else "Timeout when waiting for 10.20.30.31:5432"})
    for host in plan.blueprint.hosts:  # the baseline's checks, passed, where the host answered
        if host.name in outcomes:
            outcomes[host.name] += [{"id": c["id"], "passed": True, "observed": "as expected"}
                                    for c in plan.baseline.checks]
    return {"format": 1, "system": "eshop", "blueprint": plan.blueprint.sha256,
            "environment": env, "started": started, "seconds": 12.5, "ansible_exit": 2,
            "checks": rows(plan, environment, outcomes)}


def test_reports_show_the_latest_run_and_history(plan: Plan, tmp_path: Path) -> None:
    out = tmp_path / "eshop"
    build(EXAMPLE, out, ROLES)
    before = (out / "docs" / "en" / "test-report.md").read_text()
    assert "No run is recorded yet" in before
    flow = next(c for c in plan.checks if c.kind == "flow" and c.host == "web01"
                and c.port == 5432)
    runs = out / RUNS
    runs.mkdir(parents=True)
    (runs / "lab-20261127T010000Z.json").write_text(json.dumps(
        _record(plan, "lab", "2026-11-27T01:00:00Z", set())))
    (runs / "lab-20261127T020000Z.json").write_text(json.dumps(
        _record(plan, "lab", "2026-11-27T02:00:00Z", {flow.id})))
    result = build(EXAMPLE, out, ROLES)
    assert result.plan is not None, "a new record must trigger a rebuild of the reports"
    report = (out / "docs" / "en" / "test-report.md").read_text()
    assert "| 2026-11-27T02:00:00Z | lab |" in report
    assert "| 2026-11-27T01:00:00Z | lab |" in report
    assert (f"| {flow.id} | web01 | web01 reaches `10.20.30.31:5432` (declared flow "
            "`web-to-database`) | Timeout when waiting for 10.20.30.31:5432 |") in report
    assert "not run: the host did not answer" in report
    checklist = (out / "docs" / "en" / "verification-checklist.md").read_text()
    flows_line = next(line for line in checklist.splitlines() if "Every declared flow" in line)
    # web01's flow failed and mon01's checks did not run: the failure is what the item shows.
    assert "☒" in flows_line and "☐" not in flows_line
    assert "(failed: web01)" in flows_line and "(not run: mon01)" in flows_line
    ssh_line = next(line for line in checklist.splitlines() if "X11" in line)
    assert "☐" in ssh_line and "6 of 7" in ssh_line
    # The records are kept; a rebuild with nothing new is a no-op.
    assert build(EXAMPLE, out, ROLES).plan is None


@pytest.mark.parametrize("policy", ["denied", "key-only"])
def test_the_checklist_states_the_exact_root_login_the_check_expects(
        plan: Plan, tmp_path: Path, policy: str) -> None:
    text = EXAMPLE.read_text().replace("root_login: denied", f"root_login: {policy}", 1)
    blueprint = tmp_path / "eshop.yml"
    blueprint.write_text(text)
    out = tmp_path / "eshop"
    build(blueprint, out, ROLES)
    changed = make_plan(build_model(load_text(blueprint, text.encode())))
    production = changed.root_login["production"]
    assert production == ("no" if policy == "denied" else "prohibit-password")
    # The check compares sshd -T with the environment's own value, which the inventory sets.
    check = next(c for c in changed.baseline.checks if c["setting"] == "permitrootlogin")
    assert "hardening_ssh_permit_root_login" in str(check["expected"])
    given = changed.ansible.inventory_vars["production"]["hardening_ssh_permit_root_login"]
    assert given == production
    for lang in ("en", "zh-TW"):
        checklist = (out / "docs" / lang / "verification-checklist.md").read_text()
        baseline = checklist.split("### 2.1 ", 1)[1]
        item = next(line for line in baseline.splitlines() if line.startswith("| 1 |"))
        assert "| 5.1.20 |" in item and f"| `{production}` |" in item


def test_a_refusal_counts_only_when_its_target_is_shown_up(plan: Plan) -> None:
    production = next(e for e in plan.blueprint.environments if e.name == "production")
    refused = next(c for c in plan.checks if c.kind == "refused")
    gone = refused.subject  # the target of the refusal probe
    owner = {i.address: h.name for h in plan.blueprint.hosts for i in h.interfaces}

    def outcomes(target_up: bool) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for check in plan.checks:
            if check.host == gone and not target_up:
                continue  # the target is gone: nothing runs on it
            reaches_it = check.kind == "flow" and owner.get(check.target) == gone
            passed = target_up or not reaches_it
            out.setdefault(check.host, []).append(
                {"id": check.id, "passed": passed, "observed": "no connection (4 s)"
                 if check.kind == "refused" else "connected in 0 s"})
        return out

    witnessed = next(r for r in rows(plan, production, outcomes(True)) if r["id"] == refused.id)
    assert witnessed["passed"] is True and "unwitnessed" not in witnessed
    unproved = next(r for r in rows(plan, production, outcomes(False)) if r["id"] == refused.id)
    assert unproved["passed"] is False and unproved["unwitnessed"] is True


def test_the_reports_say_why_an_unwitnessed_refusal_is_not_counted(plan: Plan,
                                                                   tmp_path: Path) -> None:
    refused = next(c for c in plan.checks if c.kind == "refused")
    owner = {i.address: h.name for h in plan.blueprint.hosts for i in h.interfaces}
    failing = {c.id for c in plan.checks
               if c.host == refused.subject
               or (c.kind == "flow" and owner.get(c.target) == refused.subject)}
    out = tmp_path / "eshop"
    build(EXAMPLE, out, ROLES)
    record = _record(plan, "lab", "2026-11-27T03:00:00Z", failing - {refused.id})
    (out / RUNS).mkdir(parents=True)
    (out / RUNS / "lab-20261127T030000Z.json").write_text(json.dumps(record))
    build(EXAMPLE, out, ROLES)
    en = (out / "docs" / "en" / "test-report.md").read_text()
    line = next(ln for ln in en.splitlines() if ln.startswith(f"| {refused.id} |"))
    assert "not counted: nothing in this run showed" in line and "**FAIL**" in line
    zh = (out / "docs" / "zh-TW" / "test-report.md").read_text()
    assert "不予計入" in next(ln for ln in zh.splitlines() if ln.startswith(f"| {refused.id} |"))
