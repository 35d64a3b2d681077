"""Error snapshots: tests/invalid/<name>.yml must produce exactly <name>.errors.txt.

Regenerate after a deliberate change with ``SIGEN_REGEN=1 pytest tests/test_validate_snapshots.py``
and review the diff. The snapshots check against the stand-in role library in
tests/invalid/roles.yml, so a change to a real role does not change them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sigen.build import plan_for
from sigen.compile.loader import load_blueprint
from sigen.compile.validate import validate_blueprint
from sigen.diagnostics import CODES, SigenError, format_text

REPO = Path(__file__).resolve().parent.parent
INVALID = REPO / "tests" / "invalid"
CASES = sorted(p.stem for p in INVALID.glob("*.yml") if p.name != "roles.yml")
# Codes that no blueprint can show: a file that cannot be read is not a file in
# tests/invalid/, and SG9xx are about the output folder (tests/test_build.py and
# tests/test_sync.py cover them).
# SG012 needs a file of more than 32 MiB (tests/test_validate.py makes one); SG803 is a
# build's, not a blueprint's (tests/test_documents.py).
NOT_SNAPSHOTTED = {"SG001", "SG012", "SG803"} | {
    code for code in CODES if code.startswith("SG9")}


def diagnostics_text(name: str, roles: Path) -> str:
    """The diagnostics of tests/invalid/<name>.yml, as `sigen validate` prints them."""
    relative = Path("tests") / "invalid" / f"{name}.yml"
    try:
        loaded = load_blueprint(relative)
        diags = validate_blueprint(loaded, roles)
        if not any(d.severity == "error" for d in diags):
            plan_for(loaded, roles)  # the checks that need the plan (SG606), as validate
    except SigenError as exc:
        diags = list(exc.diagnostics)
    # The role library lives in a temporary folder: keep its name out of the snapshots.
    return format_text(diags).replace(f"{roles.name}/", "roles/")


@pytest.mark.parametrize("name", CASES)
def test_snapshot(name: str, stand_in_roles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    actual = diagnostics_text(name, stand_in_roles)
    expected_file = INVALID / f"{name}.errors.txt"
    if os.environ.get("SIGEN_REGEN"):
        expected_file.write_text(actual, "utf-8")
    assert actual, f"{name}.yml must be invalid"
    assert actual == expected_file.read_text("utf-8")


def test_every_code_has_a_snapshot() -> None:
    seen = set()
    for snapshot in INVALID.glob("*.errors.txt"):
        seen |= set(re.findall(r": (SG\d{3}) ", snapshot.read_text("utf-8")))
    missing = set(CODES) - seen - NOT_SNAPSHOTTED
    assert not missing, f"codes without an error snapshot: {sorted(missing)}"
    assert seen <= set(CODES), f"undocumented codes: {sorted(seen - set(CODES))}"
    assert len(CASES) >= 30


def test_every_code_is_documented() -> None:
    docs = (REPO / "docs" / "diagnostics.md").read_text("utf-8")
    missing = [code for code in CODES if f"## {code}" not in docs]
    assert not missing, f"codes missing from docs/diagnostics.md: {missing}"


def test_every_code_sigen_uses_is_registered() -> None:
    used = set()
    for source in (REPO / "sigen").rglob("*.py"):
        used |= set(re.findall(r"[\"'](SG\d{3})[\"']", source.read_text("utf-8")))
    assert used - set(CODES) == set(), "codes missing from sigen.diagnostics.CODES"
