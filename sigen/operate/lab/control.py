"""``sigen lab up | status | down``: make podman match the blueprint's lab, report it, remove it.

Everything ``up`` makes carries the label ``sigen.lab=<system>`` and a ``sigen.lab.spec``
digest of how it was made, so a second ``up`` changes nothing, a host added to the
blueprint is added, a removed one removed, a changed one (addresses, networks) recreated,
and ``down`` removes exactly what ``up`` made.
"""

from __future__ import annotations

import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigen.compile.library import lab_assets_dir
from sigen.diagnostics import SigenError
from sigen.operate.lab import files
from sigen.operate.lab.podman import (
    containers,
    image_exists,
    lab_error,
    networks,
    podman,
    subnet_holder,
)
from sigen.plan import Blueprint, LabHost, Plan, Topology
from sigen.plan.lab import HOST_IMAGE, HOST_OPTIONS, LABEL, TIME_IMAGE

__all__ = ["HostStatus", "LabChanges", "down", "lose_hosts", "status", "up"]

_SSH_WAIT = 90.0


@dataclass
class LabChanges:
    created: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    lab: Path = Path()
    seconds: float = 0.0


@dataclass(frozen=True)
class HostStatus:
    host: str
    container: str
    state: str  # running | exited | missing | ...
    address: str
    ssh: bool


def _label(system: str) -> str:
    return f"{LABEL}={system}"


def _run_host(topo: Topology, host: LabHost, lab: Path) -> None:
    args = ["run", "-d", "--name", host.name, "--label", _label(topo.system),
            "--label", f"{LABEL}.spec={host.spec}", "--label", f"{LABEL}.host={host.hostname}"]
    for network, address in host.addresses:
        args += ["--network", f"{network}:ip={address}"]
    if host.kind == "timeserver":
        args += ["--stop-timeout=1", host.image]
    else:
        keys = f"{(lab / 'authorized_keys').resolve()}:/root/.ssh/authorized_keys:ro"
        args += ["--hostname", host.hostname, *HOST_OPTIONS, "-v", keys,
                 host.image, "/sbin/init"]
    podman(*args)


def _sync_networks(topo: Topology, changes: LabChanges) -> set[str]:
    """Create missing networks, replace changed ones; the names replaced."""
    have = networks(_label(topo.system))
    replaced: set[str] = set()
    for net in topo.networks:
        now = have.get(net.name)
        if now is not None and now.get("labels", {}).get(f"{LABEL}.spec") == net.spec:
            continue
        if now is not None:
            replaced.add(net.name)
        changes.created.append(f"network {net.name} {net.subnet}")
    return replaced


def _create_networks(topo: Topology, skip: set[str]) -> None:
    for net in topo.networks:
        if net.name in skip:
            continue
        try:
            podman("network", "create", "--subnet", net.subnet, "--gateway", net.gateway,
                   "--label", _label(topo.system), "--label", f"{LABEL}.spec={net.spec}",
                   net.name)
        except SigenError:
            held = subnet_holder(net.subnet)
            if held is None:
                raise
            raise lab_error(f"podman network create failed: the subnet {net.subnet} of "
                            f"network {net.blueprint_name} is in use: {held}") from None


def _wait_for_ssh(addresses: list[str]) -> list[str]:
    """The addresses whose sshd did not answer within the wait."""
    pending = list(addresses)
    deadline = time.monotonic() + _SSH_WAIT
    while pending and time.monotonic() < deadline:
        pending = [a for a in pending if not _ssh_answers(a)]
        if pending:
            time.sleep(0.5)
    return pending


def _ssh_answers(address: str, port: int = 22) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1.0) as sock:
            sock.settimeout(2.0)
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def up(plan: Plan, out: Path) -> LabChanges:
    """Make podman hold exactly the lab of ``plan``; write the lab folder beside ``out``."""
    started = time.monotonic()
    bp = plan.blueprint
    _require_lab_env(bp)
    for image in (HOST_IMAGE, TIME_IMAGE):
        if not image_exists(image):
            raise lab_error(f"the lab image {image} is missing: build it with "
                            f"`bash {lab_assets_dir() / 'build-images'}` (as root)")
    topo = plan.lab
    lab = files.lab_dir(out)
    changes = LabChanges(lab=lab)
    files.ensure_key(lab)
    wanted = {h.name: h for h in (*topo.hosts, topo.timeserver)}
    have = containers(_label(topo.system))
    replaced = _sync_networks(topo, changes)
    existing_nets = set(networks(_label(topo.system)))
    for name, existing in have.items():
        spec = (existing.get("Labels") or {}).get(f"{LABEL}.spec")
        host = wanted.get(name)
        if host is None or spec != host.spec or set(existing.get("Networks") or ()) & replaced:
            podman("rm", "-f", "-t", "3", name)
            changes.removed.append(f"container {name}")
    for name in replaced | (existing_nets - {n.name for n in topo.networks}):
        podman("network", "rm", "-f", name)
        if name not in replaced:
            changes.removed.append(f"network {name}")
    _create_networks(topo, existing_nets - replaced)
    now = containers(_label(topo.system))
    for host in wanted.values():
        info = now.get(host.name)
        if info is None:
            _run_host(topo, host, lab)
            changes.created.append(f"container {host.name}")
        elif info.get("State") != "running":
            podman("start", host.name)
            changes.started.append(f"container {host.name}")
    silent = _wait_for_ssh([h.management for h in topo.hosts])
    if silent:
        raise lab_error(f"lab hosts did not answer on SSH within {_SSH_WAIT:.0f} s: "
                        f"{', '.join(silent)}; see `podman logs` of their containers")
    files.write_inventory(lab, topo)
    files.write_secrets(lab, plan.vault_variables)
    files.write_state(lab, _state(topo))
    changes.seconds = time.monotonic() - started
    return changes


def _require_lab_env(bp: Blueprint) -> None:
    if not any(e.name == "lab" for e in bp.environments):
        raise lab_error("the blueprint has no `lab` environment, so the project has no "
                        "inventories/lab: add `- name: lab` with `connection: {user: root}` "
                        "under system.environments", code="SG951")


def _state(topo: Topology) -> dict[str, Any]:
    return {
        "system": topo.system,
        "networks": {n.name: n.subnet for n in topo.networks},
        "hosts": {h.hostname: {"container": h.name, "address": h.management,
                               "ntp": topo.ntp_server[h.hostname]} for h in topo.hosts},
        "timeserver": {"container": topo.timeserver.name,
                       "addresses": dict(topo.timeserver.addresses)},
    }


def status(plan: Plan) -> list[HostStatus]:
    """Each blueprint host's container, its state and whether its sshd answers."""
    topo = plan.lab
    have = containers(_label(topo.system))
    out: list[HostStatus] = []
    for host in (*topo.hosts, topo.timeserver):
        info = have.get(host.name)
        state = str(info.get("State", "unknown")) if info else "missing"
        ssh = state == "running" and host.kind != "timeserver" and _ssh_answers(host.management)
        out.append(HostStatus(host.hostname, host.name, state, host.management, ssh))
    return out


def lose_hosts(plan: Plan, hosts: list[str]) -> list[str]:
    """A drill's host or site loss: remove the containers of ``hosts`` at once (no clean
    shutdown, as when the power goes). ``up`` makes them again, empty."""
    topo = plan.lab
    have = containers(_label(topo.system))
    gone = [h.name for h in topo.hosts if h.hostname in hosts and h.name in have]
    if gone:
        podman("rm", "-f", "-t", "0", *gone)
    return gone


def down(system: str, out: Path) -> LabChanges:
    """Remove every container and network labelled for ``system`` and the lab folder."""
    lab = files.lab_dir(out)
    changes = LabChanges(lab=lab)
    names = list(containers(_label(system)))
    if names:
        podman("rm", "-f", "-t", "3", *names)
    changes.removed += [f"container {n}" for n in names]
    for name in networks(_label(system)):
        podman("network", "rm", "-f", name)
        changes.removed.append(f"network {name}")
    if lab.is_dir() and ((lab / "state.json").exists() or (lab / "id_ed25519").exists()):
        shutil.rmtree(lab)
        changes.removed.append(f"folder {lab}")
    return changes
