"""The backup plan's protection of the backups (3-2-1, encryption and key custody, deletion,
integrity checks that read the data) and its list of what is not backed up: each claim is
compared with the configuration that enacts it or with the blueprint it comes from."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from sigen.build import Rendered, render_loaded
from sigen.compile.loader import LoadedBlueprint, load_blueprint
from tests.conftest import REPO, ROLES
from tests.roletemplates import host_vars, render_role_template, server_client
from tests.test_build_cases import read_yaml

BLUEPRINTS = sorted(p.stem for p in (REPO / "blueprints").glob("*.yml"))
LANGUAGES = ("en", "zh-TW")


def _render(name: str, change: Any = None) -> Rendered:
    loaded = load_blueprint(REPO / "blueprints" / f"{name}.yml")
    if change is not None:
        data = copy.deepcopy(loaded.data)
        change(data)
        loaded = LoadedBlueprint(path=loaded.path, data=data, sha256=loaded.sha256,
                                 text=loaded.text)
    return render_loaded(loaded, ROLES)


@pytest.fixture(scope="module", params=BLUEPRINTS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return _render(request.param)


def _doc(rendered: Rendered, lang: str) -> str:
    return rendered.files[f"docs/{lang}/backup-restore-plan.md"].decode()


def _section(doc: str, heading: str) -> str:
    start = doc.index(heading)
    end = doc.find("\n## ", start + 1)
    return doc[start:end if end != -1 else len(doc)]


def _row(section: str, first_cell: str) -> list[str]:
    line = next(ln for ln in section.splitlines() if ln.startswith(f"| {first_cell} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def _client_vars(rendered: Rendered, job_install_id: str) -> dict[str, Any]:
    (play,) = read_yaml(rendered.files[f"playbooks/{job_install_id.lower()}.yml"])
    role = play["roles"][0]
    assert role["role"] == "backup_client"
    return dict(role["vars"])


def test_the_integrity_check_printed_is_the_one_the_timer_runs(rendered: Rendered) -> None:
    plan = rendered.plan
    for x, job in zip(plan.protection.policies, plan.backups, strict=True):
        given = _client_vars(rendered, job.install_id)
        assert given["backup_client_check_read_data_parts"] == x.read_data_parts > 0
        assert given["backup_client_check_period_days"] == x.check_every.days
        assert f"`OnCalendar={given['backup_client_check_schedule']}`" in _doc(rendered, "en")
        for lang, cycle in (("en", f"{x.read_data_cycle.days // 7} weeks"),
                            ("zh-TW", f"{x.read_data_cycle.days // 7} 週")):
            row = _row(_section(_doc(rendered, lang), "### 5.3"), f"{x.job} {x.policy}")
            assert f"--read-data-subset=N/{given['backup_client_check_read_data_parts']}`" \
                in row[2]
            assert row[3] == cycle


def test_the_role_reads_back_the_part_it_is_given() -> None:
    script = (ROLES / "backup_client" / "templates" / "sigen-backup.j2").read_text()
    assert "backup_client_check_read_data_parts" in script
    assert re.search(r'restic check "\$\{read_data\[@\]\}"', script)
    assert '--read-data-subset "$part/$parts"' in script


def test_copies_are_the_hosts_and_sites_the_policies_use(rendered: Rendered) -> None:
    data = rendered.plan.blueprint
    site_of = {h.name: h.site.name for h in data.hosts}
    for x, job in zip(rendered.plan.protection.policies, rendered.plan.backups, strict=True):
        given = _client_vars(rendered, job.install_id)
        destination = given["backup_client_server"]
        data_hosts = [h.name for h in job.policy.hosts]
        off_site = site_of[destination] not in {site_of[h] for h in data_hosts}
        assert x.one_off_site is off_site
        assert x.two_media is (destination not in data_hosts)
        assert x.three_copies is False  # one destination per policy: one backup copy
        en = _row(_section(_doc(rendered, "en"), "### 5.1"), f"{x.job} {x.policy}")
        assert en[2] == f"{destination} ({site_of[destination]})"
        assert en[3:] == ["no", "yes" if x.two_media else "no", "yes" if off_site else "no"]
        zh = _row(_section(_doc(rendered, "zh-TW"), "### 5.1"), f"{x.job} {x.policy}")
        assert zh[2] == f"{destination}（{site_of[destination]}）"  # noqa: RUF001
        assert zh[3] == "否"
    en = _section(_doc(rendered, "en"), "### 5.1")
    assert "**Not met:**" in en and "one backup copy only" in en


def test_key_custody_and_deletion_say_what_is_configured(rendered: Rendered) -> None:
    custody = rendered.plan.blueprint.security.key_custody
    assert custody is not None
    for lang in LANGUAGES:
        keys = _section(_doc(rendered, lang), "### 5.2")
        assert custody.holder in keys and custody.escrow in keys and custody.deputy in keys
        for job in rendered.plan.backups:
            assert job.password.name in keys


def _match_block(sshd: str, account: str) -> list[str]:
    start = sshd.index(f"Match User {account}\n")
    end = sshd.find("\nMatch ", start + 1)
    return [ln.strip() for ln in sshd[start:end if end != -1 else len(sshd)].splitlines()]


def test_the_hosts_cannot_delete_because_the_roles_are_so_wired(rendered: Rendered) -> None:
    """5.2 says the hosts cannot delete their backups exactly when the backup host serves each
    policy's repository append-only to its account and applies the retention itself, and the
    hosts are given no retention to run."""
    plan, files = rendered.plan, rendered.files
    assert plan.protection.append_only is all(x.append_only for x in plan.protection.policies)
    for x, job in zip(plan.protection.policies, plan.backups, strict=True):
        destination = job.policy.destination.name
        servers = host_vars(files, destination)
        sshd = render_role_template("backup_server", "50-backup-server.conf.j2", servers)
        block = _match_block(sshd, job.account)
        (forced,) = [ln for ln in block if ln.startswith("ForceCommand ")]
        served_append_only = forced.startswith("ForceCommand /usr/bin/rclone serve restic ") \
            and " --append-only " in forced and forced.endswith(f"/{job.policy.name}/repo")
        assert "PermitTTY no" in block and "AllowTcpForwarding no" in block
        entry = server_client(files, destination, job.policy.name)
        assert entry["retention"] == dict(job.kept)
        client = _client_vars(rendered, job.install_id)
        assert entry["repository_password"] == client["backup_client_repository_password"]
        hosts_forget = [k for k in client if k.startswith("backup_client_keep_")]
        assert x.append_only is (served_append_only and not hosts_forget)
        assert x.append_only
    assert plan.protection.append_only
    said = {"en": "a compromised host cannot delete its own backups",
            "zh-TW": "遭入侵的主機無法刪除自己的備份"}
    for lang in LANGUAGES:
        deletion = next(ln for ln in _section(_doc(rendered, lang), "### 5.2").splitlines()
                        if ln.startswith(("- **Deletion:**", "- **刪除**")))
        assert said[lang] in deletion
        assert "`rclone serve restic --stdio --append-only`" in deletion


def test_the_backup_host_holds_the_password_its_retention_needs(rendered: Rendered) -> None:
    for use in rendered.plan.secrets:
        for job in rendered.plan.backups:
            if use.secret == job.password:
                assert f"retention of {job.policy.name} on {job.policy.destination.name}" \
                    in use.users


def test_every_service_is_backed_up_or_listed_with_its_reason(rendered: Rendered) -> None:
    plan = rendered.plan
    backed = {j.policy.service.name for j in plan.backups if j.policy.service is not None}
    listed = {n.service for n in plan.protection.not_backed_up if n.service}
    assert backed.isdisjoint(listed)
    assert backed | listed == {s.name for s in plan.blueprint.services}
    section = _section(_doc(rendered, "en"), "## 6.")
    for n in plan.protection.not_backed_up:
        if n.service:
            assert _row(section, f"service {n.service}")[1].startswith(n.hosts[0])
    # A streaming standby is a replica of a backed-up primary, not a gap.
    for service in plan.blueprint.services:
        if service.settings.get("replication_role") == "standby":
            (entry,) = [n for n in plan.protection.not_backed_up if n.service == service.name]
            assert entry.reason == "replica"


def test_a_service_with_data_and_no_policy_is_a_gap() -> None:
    def drop_web_policy(data: dict[str, Any]) -> None:
        data["backups"] = [b for b in data["backups"] if b.get("service") != "web"]
        data["drills"] = [d for d in data["drills"]
                          if "web-content" not in d.get("restore", ())]

    rendered = _render("onprem-physical", drop_web_policy)
    (gap,) = rendered.plan.protection.gaps
    assert gap.service == "web"
    en = _section(_doc(rendered, "en"), "## 6.")
    assert "**keeps data and no backup policy saves it**" in _row(en, "service web")[2]
    assert "**Gaps:** web keeps data that no policy saves." in en
    zh = _section(_doc(rendered, "zh-TW"), "## 6.")
    assert "**缺口**：web 存有資料" in zh  # noqa: RUF001


def _with_a_copy_at_the_data_site(data: dict[str, Any]) -> None:
    """hybrid-cloud with a second backup host bk02 at the data centre, the first being in the
    cloud: each policy copies its snapshots there."""
    mon = next(h for h in data["hosts"] if h["name"] == "mon01")
    bk02 = copy.deepcopy(mon)
    bk02.update(name="bk02", labels={"tier": "operations"},
                interfaces=[{"network": "data", "address": "10.40.30.61"},
                            {"network": "mgmt", "address": "10.40.90.61"}])
    bk02["hardware"]["rack"] = {"name": "B2-08", "unit": 12, "height_u": 1}
    data["hosts"].append(bk02)
    data["services"].append({"name": "backup-copy", "component": "backup_server",
                             "hosts": ["bk02"], "ports": [22], "allow_from": ["10.40.0.0/16"],
                             "criticality": "high"})
    for backup in data["backups"]:
        backup["copy_to"] = "bk02"
    for drill in data["drills"]:
        if drill.get("not_recovered"):
            drill["not_recovered"].append({"service": "backup-copy",
                                           "reason": "the first backup host is in the cloud"})


def test_a_copy_makes_the_third_copy_and_is_wired_on_both_sides() -> None:
    rendered = _render("hybrid-cloud", _with_a_copy_at_the_data_site)
    plan, files = rendered.plan, rendered.files
    for x, job in zip(plan.protection.policies, plan.backups, strict=True):
        repositories = [(c.hosts, c.sites) for c in x.copies if c.kind == "repository"]
        assert repositories == [(("bk01",), ("aws-tokyo",)), (("bk02",), ("hsinchu-dc",))]
        assert x.three_copies and x.meets_321
        en = _row(_section(_doc(rendered, "en"), "### 5.1"), f"{x.job} {x.policy}")
        assert en[2:] == ["bk01 (aws-tokyo); bk02 (hsinchu-dc)", "yes", "yes", "yes"]
        # The same account, retention and password on both backup hosts.
        first = server_client(files, "bk01", job.policy.name)
        assert server_client(files, "bk02", job.policy.name) == first
        client = _client_vars(rendered, job.install_id)
        assert client["backup_client_copy_server"] == "bk02"
        assert client["backup_client_copy_server_address"] == "10.40.30.61"
        script = render_role_template("backup_client", "sigen-backup.j2", client)
        copy = f"retry_locked restic --copy copy --from-repo rclone:sigen-backup-{job.policy.name} "
        assert copy in script
        admitted = {f.source for f in plan.flows["bk02"] if f.port == 22}
        for host in job.policy.hosts:
            assert host.address_towards(plan.blueprint.host("bk02")) in admitted
        for lang, bullet in (("en", "- **Copy:** "), ("zh-TW", "- **複本**")):
            policy = _doc(rendered, lang).split(f"### {job.id} ")[1].split("\n### ")[0]
            assert bullet in policy and "bk02" in policy
    assert "Every policy meets the 3-2-1 rule." in _section(_doc(rendered, "en"), "### 5.1")
    users = {u.secret.name: u.users for u in plan.secrets}
    for job in plan.backups:
        assert f"retention of {job.policy.name} on bk02" in users[job.password.name]
