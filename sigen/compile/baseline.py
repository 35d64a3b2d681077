"""The hardening baseline of a blueprint (``sigen.plan.baseline``): the catalogue of controls
(sigen/data/baseline.yml) with the banner and the exceptions of ``security.baseline``."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from sigen.compile.yaml12 import load_yaml12
from sigen.plan.baseline import ROOT_LOGIN, Baseline, Control
from sigen.plan.system import Security

__all__ = ["catalogue", "expected_text", "make_baseline"]


@cache
def catalogue() -> dict[str, Any]:
    """sigen/data/baseline.yml as data: ``families`` and ``controls``."""
    text = resources.files("sigen").joinpath("data/baseline.yml").read_text("utf-8")
    data: dict[str, Any] = load_yaml12(text)[0]
    return data


def expected_text(kind: str, value: Any) -> str:
    """``value`` as the check of ``kind`` observes it ("" when there is nothing to check:
    core dumps or a kernel module allowed by an exception leave the system as it is)."""
    if kind == "limit":
        return "0" if value is False else ""
    if kind == "modprobe":  # false: the module cannot be loaded; true leaves it as it is
        return "" if value else "install /bin/false, blacklisted"
    if kind == "mode":  # as stat -c '%U %G %a' prints it
        return f"root root {int(str(value), 8):o}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def make_baseline(security: Security) -> Baseline:
    data = catalogue()
    exceptions = {e.control: e for e in security.exceptions}
    controls = []
    for entry in data["controls"]:
        option, _, key = str(entry["option"]).partition(".")
        value = entry["value"]
        if entry.get("set_by") == "security.baseline.banner" and security.banner:
            value = security.banner
        exception = exceptions.get(entry["id"])
        if exception is not None:
            value = exception.value
        check = entry["check"]
        controls.append(Control(
            id=entry["id"], cis=str(entry["cis"]), level=int(entry["level"]),
            family=entry["family"], title=dict(entry["title"]), option=option, key=key,
            baseline=entry["value"], value=value,
            expected=expected_text(check["kind"], value), check=check["kind"],
            setting=str(check["setting"]), exception=exception,
            set_by=str(entry.get("set_by", ""))))
    checks = tuple({"id": c.id, "kind": c.check, "setting": c.setting,
                    "expected": ROOT_LOGIN if c.set_by == "security.ssh.root_login"
                    else c.expected}
                   for c in controls if c.expected)
    return Baseline(tuple(controls), checks, families=dict(data["families"]))
