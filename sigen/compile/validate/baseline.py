"""security.baseline: each exception names a control of the baseline, gives a value of the
control's kind that sshd or login.defs can take as one word (a file mode: four octal digits),
and is approved by someone the blueprint knows."""

from __future__ import annotations

import json
import re
from typing import Any

from sigen.compile.baseline import catalogue
from sigen.compile.validate.documents import people
from sigen.compile.validate.index import Index, suggest

__all__ = ["check_baseline"]

# One sshd or login.defs word: a newline or a space would add a line of its own.
_WORD = re.compile(r"[A-Za-z0-9@:._,+-]+")
# A file mode as chmod takes it, four octal digits.
_MODE = re.compile(r"0[0-7]{3}")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _kind(value: Any, check: str) -> str:
    if check == "mode":
        return "a file mode of four octal digits"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, list):
        return "a list of names"
    return "one word of text"


def _fits(value: Any, baseline: Any, check: str) -> bool:
    if check == "mode":
        return isinstance(value, str) and bool(_MODE.fullmatch(value))
    if isinstance(baseline, bool):
        return isinstance(value, bool)
    if isinstance(baseline, int):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if isinstance(baseline, list):
        return isinstance(value, list) and bool(value) and all(
            isinstance(v, str) and _WORD.fullmatch(v) for v in value)
    return isinstance(value, str) and bool(_WORD.fullmatch(value))


def check_baseline(index: Index) -> None:
    data = index.loaded.data
    baseline = _mapping(_mapping(data.get("security")).get("baseline"))
    exceptions = baseline.get("exceptions")
    if not isinstance(exceptions, list):
        return
    controls = {c["id"]: c for c in catalogue()["controls"]}
    known = people(data)
    first: dict[str, int] = {}
    for i, entry in enumerate(exceptions):
        if not isinstance(entry, dict):
            continue
        at = ("security", "baseline", "exceptions", i)
        name = entry.get("approved_by")
        if isinstance(name, str) and name not in known:
            shown = ", ".join(sorted(known)[:8]) or "none: add system.stakeholders"
            index.error((*at, "approved_by"), "SG202",
                        f"unknown person {name!r} approves a deviation from the baseline: "
                        f"name one of system.stakeholders or the change approvers ({shown})")
        cid = entry.get("control")
        if not isinstance(cid, str):
            continue
        control = controls.get(cid)
        if control is None:
            index.error((*at, "control"), "SG202",
                        f"no control {cid!r} in the baseline{suggest(cid, controls, 'control')}"
                        " (sigen/data/baseline.yml lists them)")
            continue
        if control.get("set_by"):
            index.error((*at, "control"), "SG703",
                        f"{cid} is set by {control['set_by']}, not by an exception: set it there")
            continue
        if cid in first:
            index.error((*at, "control"), "SG703",
                        f"a second exception for {cid} (the first is exceptions[{first[cid]}]):"
                        " keep one")
            continue
        first[cid] = i
        if "value" not in entry:
            continue  # the schema's to report
        value, base, check = entry["value"], control["value"], control["check"]["kind"]
        if not _fits(value, base, check):
            index.error((*at, "value"), "SG703",
                        f"the value for {cid} must be {_kind(base, check)} like the baseline's "
                        f"({json.dumps(base)}), without spaces or line breaks, not "
                        f"{json.dumps(value)}")
        elif value == base:
            index.error((*at, "value"), "SG703",
                        f"{json.dumps(value)} is the baseline's own value for {cid}: there is "
                        "nothing to except, remove the exception")
