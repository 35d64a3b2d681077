"""The few podman calls the lab needs, each failing with a message a person can act on."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from sigen.diagnostics import Diagnostic, SigenError

__all__ = ["containers", "image_exists", "lab_error", "networks", "podman"]


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


def networks(label: str) -> dict[str, dict[str, Any]]:
    """Networks carrying ``label``, by name."""
    listed = json.loads(podman("network", "ls", "--filter", f"label={label}", "--format",
                               "json") or "[]")
    return {n["name"]: n for n in listed}
