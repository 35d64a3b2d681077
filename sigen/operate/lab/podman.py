"""The few podman calls the lab needs, each failing with a message a person can act on."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
from typing import Any

from sigen.diagnostics import Diagnostic, SigenError

__all__ = ["containers", "image_exists", "lab_error", "networks", "podman", "subnet_holder"]


def lab_error(what: str, code: str = "SG950") -> SigenError:
    return SigenError([Diagnostic("lab", 0, 0, code, what)])


def podman(*args: str, check: bool = True) -> str:
    """Run podman; its stdout. A failure raises SG950 with podman's own words."""
    exe = shutil.which("podman")
    if exe is None:
        raise lab_error("podman is not installed: run `bash .ci/setup` (or apt-get install "
                        "-y podman runc) and try again")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise lab_error(f"podman {args[0]} {args[1] if len(args) > 1 else ''} failed: "
                        f"{said[-1] if said else f'exit {proc.returncode}'}")
    return proc.stdout


def image_exists(image: str) -> bool:
    podman("--version")  # podman itself is there, or a clear error
    return subprocess.run(["podman", "image", "exists", image], check=False).returncode == 0


def containers(label: str) -> dict[str, dict[str, Any]]:
    """Containers carrying ``label`` (``key=value``), by name."""
    listed = json.loads(podman("ps", "-a", "--filter", f"label={label}", "--format", "json")
                        or "[]")
    return {c["Names"][0]: c for c in listed}


def networks(label: str | None = None) -> dict[str, dict[str, Any]]:
    """Networks carrying ``label`` (every network without one), by name."""
    only = ["--filter", f"label={label}"] if label else []
    listed = json.loads(podman("network", "ls", *only, "--format", "json") or "[]")
    return {n["name"]: n for n in listed}


def subnet_holder(subnet: str) -> str | None:
    """Why a network with ``subnet`` cannot be created on this machine, when one of its
    interfaces already holds an address in it (podman then says only "subnet ... is
    already used on the host"): the interface, its address and what to do; else None."""
    wanted = ipaddress.ip_network(subnet, strict=False)
    ip = shutil.which("ip")
    if ip is None:  # no iproute2: podman's own words will have to do
        return None
    listed = subprocess.run([ip, "-o", "-4", "addr", "show"], capture_output=True,
                            text=True, check=False).stdout
    for line in listed.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[2] != "inet":
            continue
        interface, address = fields[1], fields[3]
        if ipaddress.ip_interface(address).ip not in wanted:
            continue
        used = {n.get("network_interface") for n in networks().values()}
        if re.fullmatch(r"podman\d+", interface) and interface not in used:
            return (f"this machine's interface {interface} holds {address}: a podman bridge "
                    f"that no podman network uses any more (left behind when its network "
                    f"was removed while in use). Remove it with `ip link delete {interface}`"
                    f" and run lab up again")
        return (f"this machine's interface {interface} holds {address}: change the "
                f"network's subnet in the blueprint, or take down what uses that interface")
    return None
