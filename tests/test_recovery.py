"""backup.yml, restore.yml, drill.yml, the drill verdict, drill reports and the backup /
restore / drill commands' checks (no lab needed; tests/lab/ runs them for real)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sigen.build import build
from sigen.cli import main
from sigen.compile.loader import load_blueprint
from sigen.compile.model import build_model
from sigen.compile.planner import make_plan
from sigen.operate.playbook import failures
from sigen.operate.verdict import compare_state, parse_time, reasons
from sigen.plan import Plan
from sigen.plan.evidence import DRILL_RUNS as DRILLS
from tests.conftest import REPO, ROLES
from tests.test_build_cases import read_yaml

EXAMPLE = REPO / "blueprints" / "onprem-physical.yml"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return make_plan(build_model(load_blueprint(EXAMPLE)))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("recovery") / "eshop"
    build(EXAMPLE, out, ROLES)
    return out


def _plays(project: Path, name: str) -> list[dict[str, Any]]:
    plays = read_yaml((project / name).read_bytes())
    assert isinstance(plays, list)
    return plays


def test_backup_yml_has_one_play_per_policy_that_backs_up_then_checks(project: Path) -> None:
    preflight, *entries = _plays(project, "backup.yml")
    assert preflight["name"].startswith("Preflight") and "always" in preflight["tags"]
    assert [e["ansible.builtin.import_playbook"] for e in entries] == [
        "playbooks/bak-001.yml", "playbooks/bak-002.yml"]
    (play,) = _plays(project, "playbooks/bak-002.yml")
    assert play["hosts"] == "backup_web_content" and play["tags"] == ["BAK-002"]
    (task,) = play["tasks"]
    assert task["ansible.builtin.include_role"] == {"name": "backup_client",
                                                   "tasks_from": "backup_now"}
    steps = read_yaml((ROLES / "backup_client" / "tasks" / "backup_now.yml").read_bytes())
    names = [t["name"] for t in steps]
    assert names.index("Run the backup now") < names.index("Check the repository (restic check)")
    assert names.index("Stop when the repository is damaged") < names.index(
        "Stop when the backup failed")
    stop = next(t for t in steps if t["name"] == "Stop when the repository is damaged")
    assert stop["when"] == "backup_client_check_result.rc != 0"


def test_restore_yml_takes_host_snapshot_and_replace_from_extra_vars(project: Path) -> None:
    (play,) = _plays(project, "playbooks/rst-001.yml")
    assert play["hosts"] == "{{ sigen_restore_to | default('service_database') }}"
    role_vars = play["tasks"][0]["vars"]
    assert role_vars["backup_client_restore_snapshot"] == \
        "{{ sigen_restore_snapshot | default('latest') }}"
    assert role_vars["backup_client_restore_from_host"] == \
        "{{ sigen_restore_from | default(inventory_hostname) }}"
    assert role_vars["backup_client_restore_replace"] == \
        role_vars["backup_client_restore_promote"] == \
        "{{ sigen_restore_replace | default(false) | bool }}"


def test_drill_phases_are_separate_plays_that_never_run_untagged(project: Path) -> None:
    assert not (project / "drills.yml").exists()
    host_loss = _plays(project, "playbooks/drl-001.yml")
    corruption = _plays(project, "playbooks/drl-002.yml")
    for plays, drill in ((host_loss, "DRL-001"), (corruption, "DRL-002")):
        for play in plays:
            assert play["tags"][0] == drill and "never" in play["tags"]
    assert [p["tags"][1] for p in host_loss] == [
        "DRL-001-prepare", "DRL-001-recover", "DRL-001-verify", "DRL-001-verify"]
    assert [p["tags"][1] for p in corruption] == [
        "DRL-002-prepare", "DRL-002-inject", "DRL-002-recover", "DRL-002-verify",
        "DRL-002-verify"]
    # Host loss: prepared on the lost host, restored on the recovery host from the lost
    # host's snapshots, replacing the standby's copy; the dependants are the web hosts
    # (db02 runs the standby itself, db01 is lost).
    prepare, recover, verify, dependants = host_loss
    assert prepare["hosts"] == "db01" and recover["hosts"] == "db02" == verify["hosts"]
    restore = recover["tasks"][0]["vars"]
    assert restore["backup_client_restore_from_host"] == "db01"
    assert restore["backup_client_restore_replace"] is True
    assert restore["backup_client_restore_promote"] is True
    # The snapshot the prepare phase took, not whatever is latest by then.
    assert restore["backup_client_restore_snapshot"] == \
        "{{ (sigen_drill_snapshots | default({})).get('database-nightly', 'latest') }}"
    assert dependants["hosts"] == "web01:web02"
    assert {c["address"] for c in dependants["vars"]["sigen_drill_checks"]["web01"]} == {
        "10.20.30.32"}
    inject = corruption[1]
    assert inject["hosts"] == "db01"
    assert inject["tasks"][0]["ansible.builtin.include_role"]["tasks_from"] == "drill_damage"


def test_recovery_host_admits_the_dependants_ahead_of_the_failover(plan: Plan) -> None:
    db02 = {(f.name, f.source, f.port) for f in plan.flows["db02"]}
    assert ("drill-database-host-loss-web", "10.20.30.21", 5432) in db02
    assert ("drill-database-host-loss-web", "10.20.30.22", 5432) in db02
    # In place (DRL-002 on db01) the flows exist already: nothing is added.
    assert not any(f.name.startswith("drill-database-corruption") for f in plan.flows["db01"])


def test_restore_hosts_are_the_policy_hosts_and_drill_recovery_hosts(plan: Plan) -> None:
    database = plan.backups[0].policy
    admitted = plan.restore_of[database.name].admitted[database.name]
    assert [h.name for h in admitted] == ["db01", "db02"]


_RECORDED = {"databases": {"shop": [
    {"table": "public.orders", "rows": 5000, "md5": "a" * 32},
    {"table": "public.sigen_drill_canary", "rows": 1000, "md5": "b" * 32}]},
    "paths": {"/var/www": {"files": 3, "bytes": 120, "sha256": "c" * 64}}}


def test_compare_state_keeps_every_table_and_folder_when_equal() -> None:
    rows = compare_state("p", _RECORDED, _RECORDED)
    assert [r["name"] for r in rows] == ["shop: public.orders", "shop: public.sigen_drill_canary",
                                         "/var/www"]
    assert all(r["kept"] for r in rows) and sum(r["rows_lost"] for r in rows) == 0


def test_compare_state_reports_rows_lost_changed_rows_and_missing_data() -> None:
    after = json.loads(json.dumps(_RECORDED))
    after["databases"]["shop"] = [{"table": "public.orders", "rows": 4990, "md5": "d" * 32}]
    after["paths"]["/var/www"] = {"missing": True}
    rows = {r["name"]: r for r in compare_state("p", _RECORDED, after)}
    assert rows["shop: public.orders"]["rows_lost"] == 10
    assert not rows["shop: public.orders"]["kept"]
    assert rows["shop: public.sigen_drill_canary"]["observed"] == "missing"
    assert rows["shop: public.sigen_drill_canary"]["rows_lost"] == 1000
    assert rows["/var/www"]["observed"] == "missing" and not rows["/var/www"]["kept"]
    # A database that cannot be read after the recovery loses every table.
    gone = compare_state("p", _RECORDED, {"databases": {"shop": {"error": "no such db"}}})
    assert all("database unreadable: no such db" in r["observed"]
               for r in gone if r["kind"] == "table")


def _reasons(**kw: Any) -> list[str]:
    base: dict[str, Any] = {"phases": [{"phase": "prepare", "ok": True}], "data": [],
                            "answers": [], "dependants": [], "rto": 80.0, "rto_target": 3600,
                            "rto_text": "1h", "rpo": 9.0, "rpo_target": 86400,
                            "rpo_text": "24h"}
    return reasons(**{**base, **kw})


def test_reasons_name_each_failed_target() -> None:
    assert _reasons() == []
    assert _reasons(rto=95.4, rto_target=10, rto_text="10s") == [
        "RTO exceeded: the service was recovered and verified 95 s after the failure; the "
        "target is 10s (10 s)"]
    assert _reasons(rpo=7300.0, rpo_target=3600, rpo_text="1h") == [
        "RPO exceeded: the restored snapshot is 121 min 40 s older than the failure; the "
        "target is 1h (3600 s)"]
    assert _reasons(rto=None)[0].startswith("Not recovered")
    failed = _reasons(phases=[{"phase": "recover", "ok": False,
                               "failures": ["db02: restore: boom"]}])
    assert failed[0] == "The recover phase failed: db02: restore: boom"
    lost = _reasons(data=[{"kept": False, "name": "shop: t", "policy": "p",
                           "expected": "5 rows", "observed": "missing"}])
    assert lost == ["Data lost: shop: t (p) was 5 rows before the failure and is missing "
                    "after the recovery"]


def test_parse_time_reads_restic_times_with_nanoseconds_and_offsets() -> None:
    a = parse_time("2026-11-27T15:42:05.390029332+08:00")
    b = parse_time("2026-11-27T07:42:05.390029Z")
    assert a is not None and a == b
    assert parse_time("not a time") is None


def test_failures_reads_ansible_output_and_skips_ignored_ones() -> None:
    lines = [
        "TASK [backup_client : Check the repository] ***",
        'fatal: [db01]: FAILED! => {"changed": false, "msg": "non-zero return code", '
        '"stderr": "load index\\nFatal: repository contains errors"}',
        "TASK [probe] ***",
        'failed: [web01] (item=5432) => {"msg": "Timeout"}',
        "...ignoring",
    ]
    assert failures(lines) == ["db01: backup_client : Check the repository: non-zero return "
                               "code: Fatal: repository contains errors"]


def _record(passed: bool) -> dict[str, Any]:
    return {
        "format": 1, "system": "eshop", "blueprint": "0" * 64, "environment": "lab",
        "run": "DRL-002-20261127T074201Z", "started": "2026-11-27T07:42:01Z",
        "failed_at": "2026-11-27T07:42:12Z",
        "drill": {"id": "DRL-002", "name": "database-corruption", "scenario": "data-corruption",
                  "target": "db01", "recover_on": "db01", "lost": ["db01"],
                  "recovery": ["db01"], "policies": ["database-nightly"],
                  "participants": ["Wang Jun", "Chen Wei"], "rto": "10s", "rpo": "24h",
                  "rto_seconds": 10, "rpo_seconds": 86400},
        "timeline": [{"phase": "prepare", "at": 0.0, "seconds": 11.3, "ok": True,
                      "detail": "canary data", "failures": []},
                     {"phase": "recover", "at": 14.6, "seconds": 16.7, "ok": True,
                      "detail": "restore", "failures": []}],
        "snapshots": {"database-nightly": {
            "backed_up": {"id": "77eece14", "time": "2026-11-27T15:42:05+08:00"},
            "restored": {"id": "77eece1427e1", "time": "2026-11-27T15:42:05+08:00",
                         "host": "db01"}}},
        "data": [{"policy": "database-nightly", "kind": "table",
                  "name": "eshop: public.sigen_drill_canary", "expected": "1000 rows",
                  "observed": "1000 rows", "kept": True, "rows_lost": 0}],
        "answers": [{"port": 5432, "answered": True, "said": "", "host": "db01",
                     "service": "database"}],
        "dependants": [], "achieved": {"rto_seconds": 82.9, "rpo_seconds": 6.9},
        "rows_lost": 0, "passed": passed,
        "reasons": [] if passed else ["RTO exceeded: the service was recovered and verified "
                                      "83 s after the failure; the target is 10s (10 s)"],
    }


def test_drill_records_become_reports_and_the_plans_history(tmp_path: Path,
                                                             project: Path) -> None:
    out = tmp_path / "eshop"
    shutil.copytree(project, out)
    folder = out / DRILLS
    folder.mkdir(parents=True)
    (folder / "DRL-002-20261127T074201Z.json").write_text(json.dumps(_record(False)))
    result = build(EXAMPLE, out, ROLES)
    assert "docs/en/drill-reports/DRL-002-20261127T074201Z.md" in result.write.created
    report = (out / "docs" / "en" / "drill-reports" / "DRL-002-20261127T074201Z.md").read_text()
    assert "| Result | **FAIL** |" in report
    assert "1. RTO exceeded: the service was recovered and verified 83 s after the failure; " \
        "the target is 10 s" in report
    zh = (out / "docs" / "zh-TW" / "drill-reports" / "DRL-002-20261127T074201Z.md").read_text()
    assert "1. 超過 RTO：服務於故障後 83 秒才復原並驗證完成；目標為 10 秒" in zh  # noqa: RUF001
    assert "| RTO: failure injected to service verified | 10 seconds (10 s) | 82.9 s | **no** |" \
        in report
    assert "| database-nightly | eshop: public.sigen_drill_canary | 1000 rows | 1000 rows " \
        "| yes |" in report
    assert "| Drill lead | Wang Jun | | |" in report
    assert "```mermaid\ngantt" in report
    plan_doc = (out / "docs" / "en" / "disaster-drill-plan.md").read_text()
    assert ("| 2026-11-27T07:42:01Z | DRL-002 database-corruption | data-corruption | lab | "
            "82.9 s / 10 seconds | 6.9 s / 1 day | 0 | **FAIL** | "
            "[DRL-002-20261127T074201Z](drill-reports/DRL-002-20261127T074201Z.md) |") in plan_doc
    again = build(EXAMPLE, out, ROLES)
    assert again.plan is None  # the records did not change: nothing to write


@pytest.mark.parametrize(("argv", "said"), [
    (["drill", "DRL-001", "--env", "production"], "SG954 drills run only on the lab"),
    (["drill", "DRL-009"], "SG953 no drill 'DRL-009' in the blueprint (it has: DRL-001 "
                           "(database-host-loss), DRL-002 (database-corruption))"),
    (["backup", "--env", "production", "--policy", "BAK-009"], "SG953 no backup policy "
                                                                "BAK-009"),
    (["restore", "--env", "production", "--service", "cache"], "SG953 no restore procedure "
                                                                "for service 'cache'"),
    (["restore", "--env", "production", "--service", "database", "--to", "web01"],
     "SG953 --to web01: the firewall of bk01 admits restores of database-nightly only from "
     "db01, db02"),
    (["restore", "--env", "production", "--service", "database", "--snapshot", "x;rm"],
     "SG953 --snapshot 'x;rm' is not a restic snapshot ID"),
    (["restore", "--env", "production", "--service", "web", "--to", "nosuch"],
     "SG953 --to nosuch: no such host in the blueprint"),
    (["patch", "--env", "production", "--tags", "PAT-001,PAT-009"],
     "SG953 --tags PAT-009: no such patch batch (the plan has PAT-001, PAT-002, PAT-003)"),
])
def test_bad_requests_are_refused_before_anything_runs(argv: list[str], said: str,
                                                       tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    command, *rest = argv
    code = main([command, str(EXAMPLE), *rest, "--out", str(tmp_path / "eshop")])
    shown = capsys.readouterr()
    assert code == 1, shown
    assert said in shown.out, shown.out


def test_options_after_double_dash_go_to_ansible_only(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(EXAMPLE), "--out", str(tmp_path), "--", "--limit", "x"]) == 2
    assert "takes no ansible-playbook options" in capsys.readouterr().err


def test_recovery_targets_may_be_seconds_but_schedules_may_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE.read_text()
    seconds = tmp_path / "seconds.yml"
    seconds.write_text(text.replace("success: {rto: 1h, rpo: 24h}",
                                    "success: {rto: 90s, rpo: 24h}", 1))
    assert main(["validate", str(seconds)]) == 0, capsys.readouterr().out
    schedule = tmp_path / "schedule.yml"
    schedule.write_text(text.replace('schedule: {every: 1d, at: "01:30"}',
                                     'schedule: {every: 30s, at: "01:30"}', 1))
    assert main(["validate", str(schedule)]) == 1
    assert "SG107 backups[0].schedule.every: '30s' is not a duration: write a whole number " \
        "and a unit m, h, d or w" in capsys.readouterr().out


def test_the_plan_states_the_schedules_retention_and_checks_the_hosts_get(
        project: Path, plan: Plan) -> None:
    """One source: what the backup/restore plan prints is what the timers are given."""
    doc = (project / "docs" / "en" / "backup-restore-plan.md").read_text()
    for step in plan.backups:
        install = next(s for s in plan.install if s.id == step.install_id)
        (play,) = _plays(project, f"playbooks/{install.id.lower()}.yml")
        given = play["roles"][0]["vars"]
        assert f"`OnCalendar={given['backup_client_schedule']}`" in doc
        assert f"`OnCalendar={given['backup_client_check_schedule']}`" in doc
        # Retention runs on the backup host, not here: tests/test_retention.py compares its
        # forget unit with the plan.
        assert not any(name.startswith("backup_client_keep_") for name in given), given


def test_only_restic_ids_from_the_prepare_phase_reach_ansible(tmp_path: Path,
                                                              plan: Plan) -> None:
    from sigen.operate.drill import _Drill

    drill = _Drill(plan, tmp_path, plan.drills[0], tmp_path)
    (tmp_path / "prepare.json").write_text(json.dumps({
        "db01": {"database-nightly": {"snapshot": {"id": "7eae3b71"}},
                 "web-content": {"snapshot": {"id": "{{ lookup('pipe', 'id') }}"}}}}))
    assert drill.snapshots() == {"database-nightly": "7eae3b71"}


def test_backup_and_restore_take_ansible_options_after_double_dash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Accepted (not a usage error, exit 2): the request is then refused on its merits.
    code = main(["backup", str(EXAMPLE), "--env", "production", "--policy", "BAK-009",
                 "--out", str(tmp_path / "eshop"), "--", "--ask-vault-pass"])
    assert code == 1 and "SG953" in capsys.readouterr().out


def test_backup_runs_every_policy_and_reports_each(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str],
                                                   project: Path) -> None:
    """One ansible-playbook run per policy, so a policy whose hosts are all down does not
    stop the others; each is reported done, failed or not run (from Ansible's own recap
    lines, recorded here), and the command fails when any did not succeed. The lab proves
    it against real hosts (tests/lab/test_lab_e2e.py)."""
    import sigen.operate.playbook as playbook

    outputs = {"BAK-001": (4, ['fatal: [db01]: UNREACHABLE! => {"msg": "ssh: connect"}',
                               "db01 : ok=0 changed=0 unreachable=1 failed=0"]),
               "BAK-002": (0, ["web01 : ok=5 changed=1 unreachable=0 failed=0"])}
    ran: list[str] = []

    def fake(out: Path, env: str, book: str, *, tags: Any = (), **_: Any) -> Any:
        ran.append(tags[0])
        code, lines = outputs[tags[0]]
        return playbook.RunResult(code, 1.0, tuple(lines))

    monkeypatch.setattr(playbook, "ansible_playbook", fake)
    code = main(["backup", str(EXAMPLE), "--env", "production", "--out", str(project),
                 "--roles", str(ROLES)])
    said = capsys.readouterr().out
    assert ran == ["BAK-001", "BAK-002"]
    assert "BAK-001 database-nightly: NOT RUN: db01 unreachable" in said
    assert "BAK-002 web-content: done, restic check passed" in said
    assert code == 1 and "FAILED (BAK-001)" in said
