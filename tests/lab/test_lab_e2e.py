"""End to end on real lab hosts: lab up -> deploy -> deploy again (changed=0 everywhere)
-> verify (all pass) -> a firewall rule removed by hand makes verify fail and say which
check and why -> lab down removes exactly what up made.

Two examples run (the on-premises physical one and the virtualised one); each takes
several minutes on these 2-core machines, most of it apt installing packages on the hosts.
The wall times are printed for the closing notes (pytest -s, or in the CI log on failure).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, tool

pytestmark = pytest.mark.lab

_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                    r"failed=(\d+)", re.MULTILINE)


def _sigen(*args: str, env: dict[str, str], timeout: int = 1800) -> tuple[int, str, float]:
    started = time.monotonic()
    run = subprocess.run([tool("sigen"), *args], cwd=REPO, env=env, capture_output=True,
                         text=True, check=False, timeout=timeout)
    return run.returncode, run.stdout + run.stderr, time.monotonic() - started


def _recap(output: str) -> dict[str, tuple[int, int, int, int]]:
    return {m[0]: (int(m[1]), int(m[2]), int(m[3]), int(m[4])) for m in _RECAP.findall(output)}


def _podman_names(label: str) -> set[str]:
    listed = subprocess.run(["podman", "ps", "-a", "--filter", f"label={label}", "--format",
                             "{{.Names}}"], capture_output=True, text=True, check=True)
    return set(listed.stdout.split())


def _latest_record(out: Path) -> dict[str, object]:
    records = sorted((out / "records" / "verify").glob("lab-*.json"))
    assert records, "verify wrote no record"
    data = json.loads(records[-1].read_text())
    assert isinstance(data, dict)
    return data


def _remove_rule(container: str, comment: str) -> None:
    """Delete the nftables rule with ``comment`` on a lab host, as a careless admin would."""
    listing = subprocess.run(["podman", "exec", container, "nft", "-a", "list", "chain",
                              "inet", "sigen_firewall", "input"],
                             capture_output=True, text=True, check=True).stdout
    handles = re.findall(rf'comment "{re.escape(comment)}" # handle (\d+)', listing)
    assert handles, listing
    for handle in handles:
        subprocess.run(["podman", "exec", container, "nft", "delete", "rule", "inet",
                        "sigen_firewall", "input", "handle", handle], check=True)


@pytest.mark.parametrize(("example", "system", "broken"), [
    ("onprem-physical", "eshop", ("db01", "web-to-database")),
    ("virtualised", None, None),
])
def test_lab_deploy_verify(example: str, system: str | None,
                           broken: tuple[str, str] | None, tmp_path: Path,
                           tool_env: dict[str, str]) -> None:
    blueprint = str(REPO / "blueprints" / f"{example}.yml")
    out = str(tmp_path / example)
    env = dict(tool_env)
    env.pop("ANSIBLE_ROLES_PATH", None)  # the project must find its own roles
    times: dict[str, float] = {}
    try:
        rc, said, times["lab up"] = _sigen("lab", "up", blueprint, "--out", out, env=env)
        assert rc == 0, said
        rc, said, _ = _sigen("lab", "up", blueprint, "--out", out, env=env)
        assert rc == 0 and "(no change," in said, said
        rc, said, _ = _sigen("lab", "status", blueprint, "--out", out, env=env)
        rows = [line.split() for line in said.splitlines()[1:] if line.strip()]
        assert rc == 0 and rows and all(r[2] == "running" for r in rows), said
        assert all(r[3] == "yes" for r in rows if r[0] != "ntp"), said

        rc, said, times["first deploy"] = _sigen("deploy", blueprint, "--env", "lab",
                                                 "--out", out, env=env)
        assert rc == 0, said[-6000:]
        assert "PLAY [INS-001" in said  # the step IDs are visible as it runs
        first = _recap(said)
        assert first and all(failed == 0 and unreachable == 0
                             for _, _, unreachable, failed in first.values()), first

        rc, said, times["second deploy"] = _sigen("deploy", blueprint, "--env", "lab",
                                                  "--out", out, env=env)
        assert rc == 0, said[-6000:]
        second = _recap(said)
        assert set(second) == set(first)
        changed = {host: c for host, (_, c, _, _) in second.items() if c}
        assert not changed, f"second deploy changed something: {changed}\n{said[-6000:]}"

        rc, said, times["verify"] = _sigen("verify", blueprint, "--env", "lab", "--out", out,
                                           env=env)
        record = _latest_record(Path(out))
        checks = record["checks"]
        assert isinstance(checks, list)
        bad = [c for c in checks if c["passed"] is not True]
        assert rc == 0 and not bad, f"{bad}\n{said[-4000:]}"
        report = (Path(out) / "docs" / "test-report.md").read_text()
        assert f"| {record['started']} | lab |" in report
        assert "**FAIL**" not in report

        if broken is not None:
            host, flow = broken
            _remove_rule(f"sigen-{system}-{host}", flow)
            rc, said, _ = _sigen("verify", blueprint, "--env", "lab", "--out", out, env=env)
            assert rc == 1, said
            failed = [c for c in _latest_record(Path(out))["checks"]  # type: ignore[union-attr]
                      if c["passed"] is False]
            assert failed and all(c["kind"] == "flow" and c["subject"] == flow
                                  for c in failed), failed
            for check in failed:
                assert "Timeout when waiting for" in check["observed"], check
                assert f"FAILED   {check['id']} on {check['host']} (flow {flow})" in said
            report = (Path(out) / "docs" / "test-report.md").read_text()
            section = report.split("## 4. Failed checks", 1)[1]
            for check in failed:
                assert f"| {check['id']} | {check['host']} |" in section
                assert "Timeout when waiting for" in section
    finally:
        rc, said, times["lab down"] = _sigen("lab", "down", blueprint, "--out", out, env=env)
        print(f"\n{example}: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    assert rc == 0, said
    if system is not None:
        assert not _podman_names(f"sigen.lab={system}")
    assert not Path(out + ".lab").exists()


_EXTRA_HOST = """
  - name: util01
    kind: physical
    site: tpe-neihu
    os: debian-12
    hardware:
      model: Dell PowerEdge R360
      cpu_cores: 4
      memory_gb: 16
      disks: [{count: 2, size_gb: 480, type: ssd, raid: 1}]
    interfaces:
      - {network: mgmt, address: 10.20.90.61}

services:"""


def test_lab_up_follows_the_blueprint(tmp_path: Path, tool_env: dict[str, str]) -> None:
    """A host added to the blueprint is added, a removed one removed, nothing else moves;
    down removes exactly what up made (a foreign container with a similar name stays)."""
    original = REPO / "blueprints" / "onprem-physical.yml"
    grown = tmp_path / "onprem-physical.yml"
    grown.write_text(original.read_text().replace("\nservices:", _EXTRA_HOST, 1))
    out = str(tmp_path / "eshop")
    foreign = "sigen-eshop-foreign"
    subprocess.run(["podman", "run", "-d", "--name", foreign, "--stop-timeout=1",
                    "localhost/sigen-lab:bookworm", "sleep", "600"], check=True,
                   capture_output=True)
    try:
        rc, said, _ = _sigen("lab", "up", str(original), "--out", out, env=tool_env)
        assert rc == 0, said
        rc, said, _ = _sigen("lab", "up", str(grown), "--out", out, env=tool_env)
        changes = [line.split() for line in said.splitlines() if line.startswith("  ")]
        assert rc == 0 and changes == [["created", "container", "sigen-eshop-util01"]], said
        rc, said, _ = _sigen("lab", "up", str(original), "--out", out, env=tool_env)
        changes = [line.split() for line in said.splitlines() if line.startswith("  ")]
        assert rc == 0 and changes == [["removed", "container", "sigen-eshop-util01"]], said
    finally:
        rc, said, _ = _sigen("lab", "down", str(original), "--out", out, env=tool_env)
        left = _podman_names("sigen.lab=eshop")
        still = subprocess.run(["podman", "container", "exists", foreign], check=False)
        subprocess.run(["podman", "rm", "-f", "-t", "0", foreign], check=False,
                       capture_output=True)
    assert rc == 0 and not left, said
    assert still.returncode == 0, "lab down removed a container it did not make"
