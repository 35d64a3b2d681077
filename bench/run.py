"""Benchmark: synthetic blueprints of N hosts through `sigen validate`, `sigen build` and
`ansible-inventory --list` on the built inventory; wall time and peak memory of each, one
process per figure (GNU time).

    .venv/bin/python bench/run.py 100 1000 10000 [--roles DIR] [--keep DIR]

The blueprint has about 40 lines per host: cells of 25 hosts on their own network (20 web
and application hosts, five of them also running the cache, a database primary and standby,
a load balancer and a backup host), one monitoring host, a backup policy per cell.
Roles of the library that have no meta/argument_specs.yml yet are replaced by stand-ins
that accept any setting, so the figures do not wait for the role library.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CELL = 25


def blueprint(hosts: int) -> str:
    cells = max(1, hosts // CELL)
    out = [
        "sigen: 2", "system:", f"  name: bench{hosts}", f"  title: Benchmark with {hosts} hosts",
        "  owner: sigen bench", "  environments:",
        "    - {name: production, connection: {user: ansible}}",
        "    - {name: lab, connection: {user: root}}",
        "sites:", "  - {name: dc1, kind: on-premises, location: bench hall}",
        "networks:",
        "  - {name: mgmt, site: dc1, zone: management, cidr: 10.0.0.0/14}",
    ]
    for c in range(cells):
        net = ipaddress.ip_network(f"10.{8 + c // 256}.{c % 256}.0/24")
        out.append(f"  - {{name: net{c:04d}, site: dc1, zone: internal, cidr: {net}, "
                   f"vlan: {100 + c % 3900}, gateway: {net.network_address + 1}}}")
    out.append("hosts:")
    mgmt = ipaddress.ip_address("10.0.0.10")
    names = []
    for c in range(cells):
        net = ipaddress.ip_network(f"10.{8 + c // 256}.{c % 256}.0/24")
        for i in range(CELL):
            n = c * CELL + i
            name = f"h{n:05d}"
            names.append(name)
            out += [
                f"  - name: {name}", "    kind: physical", "    site: dc1", "    os: debian-12",
                "    hardware:", "      model: Bench Server 1U", "      cpu_cores: 16",
                "      memory_gb: 64", "      disks:",
                "        - {count: 2, size_gb: 960, type: ssd, raid: 1}",
                f"      rack: {{name: R{c:04d}, unit: {i + 1}, height_u: 1}}",
                "      power_watts: 400", "      warranty_end: 2030-12-31",
                "    interfaces:",
                f"      - {{network: net{c:04d}, address: {net.network_address + 10 + i}}}",
                f"      - {{network: mgmt, address: {mgmt + n}}}",
                f"    labels: {{cell: c{c:04d}, tier: t{i % 5}}}",
            ]
    out.append("services:")
    for c in range(cells):
        h = names[c * CELL:(c + 1) * CELL]
        out += [
            f"  - {{name: lb{c:04d}, component: haproxy, hosts: [{h[23]}], ports: [80], "
            f"allow_from: [any], depends_on: [web{c:04d}], criticality: high}}",
            f"  - {{name: web{c:04d}, component: nginx, hosts: [{', '.join(h[:20])}], "
            f"ports: [80], depends_on: [db{c:04d}, cache{c:04d}], data: [/var/www/site], "
            "criticality: high}",
            f"  - {{name: cache{c:04d}, component: redis, hosts: [{', '.join(h[:5])}], "
            "ports: [6379], criticality: medium, "
            "settings: {password: {vault: vault_redis_password}}}",
            f"  - {{name: db{c:04d}, component: postgresql, hosts: [{h[20]}], ports: [5432], "
            "data: [/var/lib/postgresql], criticality: critical, "
            "settings: {databases: [{name: app, owner: app}]}}",
            f"  - {{name: dbs{c:04d}, component: postgresql, hosts: [{h[21]}], ports: [5432], "
            f"depends_on: [db{c:04d}], settings: {{replication_role: standby}}}}",
            f"  - {{name: bk{c:04d}, component: backup_server, hosts: [{h[24]}], ports: [22]}}",
        ]
    out.append(f"  - {{name: monitoring, component: monitoring, hosts: [{names[22]}], "
               "ports: [9090], allow_from: [mgmt]}")
    out.append("backups:")
    for c in range(cells):
        h = names[c * CELL:(c + 1) * CELL]
        out.append(f"  - {{name: db{c:04d}-nightly, service: db{c:04d}, method: database-dump, "
                   "schedule: {every: 1d, at: \"01:30\"}, retention: {daily: 7, weekly: 4}, "
                   f"destination: {h[24]}, encryption: {{password: {{vault: vault_bk}}}}, "
                   "rpo: 24h, rto: 4h}")
    out += [
        "drills:",
        f"  - {{name: db-loss, scenario: host-loss, fails: {names[20]}, recover_on: {names[21]},"
        " restore: [db0000-nightly], frequency: quarterly, success: {rto: 4h, rpo: 24h}}",
        "change_management:",
        "  maintenance_window: {days: [sat], start: \"22:00\", duration: 8h, "
        "timezone: Asia/Taipei}",
        "  approvers: [{name: Bench Owner, role: system owner}]",
        "  escalation: [{level: 1, name: Bench Ops, contact: ops@example.com}]",
        "security:",
        "  admins:",
        "    - {name: ops, ssh_keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHdjaGVuLWxhcHRvcC1le"
        "GFtcGxlLWtleS0wMDAwMDA ops@bench]}",
        "  ssh: {root_login: denied, management_networks: [mgmt]}",
        "  firewall: {default_inbound: deny, log_denied: true}",
        "  patching: {window: {day: sun, at: \"03:00\"}, reboot: when-required}",
    ]
    return "\n".join(out) + "\n"


def stub_roles(target: Path) -> Path:
    """The role library, with stand-ins for roles that have no argument_specs yet."""
    target.mkdir(parents=True, exist_ok=True)
    for role in sorted((REPO / "roles").iterdir()):
        if (role / "meta" / "argument_specs.yml").is_file():
            shutil.copytree(role, target / role.name, dirs_exist_ok=True)
    for name, options in (("haproxy", []), ("firewall", []),
                          ("postgresql", ["databases", "replication_role"])):
        if (target / name).exists():
            continue
        (target / name / "meta").mkdir(parents=True)
        (target / name / "tasks").mkdir()
        opts = "".join(f"      {name}_{o}: {{type: raw, description: stub}}\n" for o in options)
        (target / name / "meta" / "argument_specs.yml").write_text(
            "---\nargument_specs:\n  main:\n    short_description: stub\n    options:\n"
            + (opts or "      {}\n"))
        (target / name / "tasks" / "main.yml").write_text(
            "---\n- name: Stub\n  ansible.builtin.debug:\n    msg: stub\n")
    return target


def tool_env(work: Path) -> dict[str, str]:
    """The environment the measured commands run in: the venv's tools first, and sigen's
    modules compiled to bytecode beforehand (in ``work``), as an installed sigen is. A shell
    with PYTHONDONTWRITEBYTECODE (as on the CI machines) would otherwise compile sigen from
    source in every process, about 0.1 s each."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"),
               PYTHONPYCACHEPREFIX=str(work / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "sigen")], env=env,
                   check=True)
    return env


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit code) of one process, from GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", report.name, *argv],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, check=False)
        fields = report.read().split()[-2:]
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
    return float(fields[0]), int(fields[1]) / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--roles", type=Path, help="role library (default: stubbed copy)")
    parser.add_argument("--keep", type=Path, help="keep blueprints and outputs here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sigen-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    roles = args.roles or stub_roles(work / "roles")
    env = tool_env(work)
    print("| hosts | blueprint MB | validate s (MB) | build s (MB) | files | "
          "ansible-inventory --list s (MB) | build / inventory |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        bp = work / f"bench-{size}.yml"
        bp.write_text(blueprint(size))
        out = work / f"out-{size}"
        shutil.rmtree(out, ignore_errors=True)
        v = measure([str(BIN / "sigen"), "validate", str(bp), "--roles", str(roles)], env)
        b = measure([str(BIN / "sigen"), "build", str(bp), "--out", str(out),
                     "--roles", str(roles)], env)
        files = sum(1 for p in out.rglob("*") if p.is_file()) if out.exists() else 0
        inv = measure([str(BIN / "ansible-inventory"), "--list", "-i",
                       str(out / "inventories" / "production" / "hosts.json")], env)
        status = "" if v[2] == b[2] == inv[2] == 0 else f" (exit {v[2]}/{b[2]}/{inv[2]})"
        print(f"| {size:,} | {bp.stat().st_size / 1e6:.1f} | {v[0]:.2f} ({v[1]:.0f}) | "
              f"{b[0]:.2f} ({b[1]:.0f}) | {files:,} | {inv[0]:.2f} ({inv[1]:.0f}) | "
              f"{b[0] / inv[0]:.2f}{status} |", flush=True)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
