"""Measured records are checked before they become documents: a record that is damaged or was
edited (a field missing, of another kind, no JSON at all) stops the build with SG924 at the
field's ``file:line:col``, for every problem of every record at once, and writes nothing;
whatever the check lets through renders every document without a traceback."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from sigen.build import build, plan_for, render_loaded
from sigen.compile.evidence import read_evidence
from sigen.compile.inventory import drift, planned
from sigen.compile.loader import load_blueprint
from sigen.diagnostics import SigenError
from sigen.plan.evidence import DRILL_RUNS, INVENTORY_RUNS, VERIFY_RUNS
from tests.conftest import REPO, ROLES
from tests.test_inventory import _record as inventory_record

BLUEPRINT = REPO / "blueprints" / "onprem-physical.yml"
PROJECT = REPO / "examples" / "onprem-physical"
FOLDERS = {"verify": VERIFY_RUNS, "drill": DRILL_RUNS, "inventory": INVENTORY_RUNS}

Path_ = tuple[str | int, ...]


def _sound(kind: str) -> dict[str, Any]:
    """A record as its writer made it: the example's real runs, and for the inventory the
    real play output of tests/inventory made into a record by sigen.operate.inventory."""
    if kind == "inventory":
        plan = plan_for(load_blueprint(BLUEPRINT), ROLES)
        record = inventory_record(plan, "lab")
        lab = next(e for e in plan.blueprint.environments if e.name == "lab")
        found = drift(planned(plan, lab), record, containers=True)
        return {**record, "system": plan.blueprint.name, "drift": [asdict(d) for d in found]}
    folder = PROJECT / FOLDERS[kind]
    return json.loads(sorted(folder.glob("*.json"))[0].read_text())


def _leaves(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, value
    if isinstance(value, dict):
        # Hosts, packages and snapshots by name: the first two stand for the rest.
        items = list(value.items())
        named = bool(path) and path[-1] in ("hosts", "packages", "disks", "snapshots")
        for key, item in items[:2] if named else items:
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:2]):  # the first two items stand for the rest
            yield from _leaves(item, (*path, i))


def _other(value: Any) -> list[Any]:
    """Values of another kind than ``value``, and null."""
    if isinstance(value, str):
        return [None, 7]
    if isinstance(value, bool | int | float):
        return [None, "x"]
    if isinstance(value, list):
        return [None, [], {"a": 1}]
    if isinstance(value, dict):
        return [None, {}, ["a"]]
    return ["x"]


def _mutants(record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, value in _leaves(record):
        if not path or path == ("format",):
            continue  # another format is another sigen's record: skipped, by design
        for replacement in [*_other(value), "deleted"]:
            mutant = copy.deepcopy(record)
            parent = mutant
            for step in path[:-1]:
                parent = parent[step]
            if replacement == "deleted":
                if isinstance(parent, list):
                    continue
                del parent[path[-1]]
            else:
                parent[path[-1]] = replacement
            yield f"{'.'.join(map(str, path))}={replacement!r}", mutant


def _shape(label: str) -> str:
    """The field mutated, without list indexes, host and package names: one render each."""
    where = label.partition("=")[0]
    steps = ["*" if s.isdigit() else s for s in where.split(".")]
    if steps[0] in ("hosts", "snapshots") and len(steps) > 1:
        steps[1] = "*"
    if "packages" in steps[:-1] or "disks" in steps[:-1]:
        steps[-1] = "*"
    return ".".join(steps)


@pytest.mark.parametrize("kind", FOLDERS)
def test_a_sound_record_is_read(kind: str, tmp_path: Path) -> None:
    folder = tmp_path / FOLDERS[kind]
    folder.mkdir(parents=True)
    (folder / "r.json").write_text(json.dumps(_sound(kind), indent=1))
    evidence = read_evidence(tmp_path)
    assert len({"verify": evidence.verify_runs, "drill": evidence.drill_runs,
                "inventory": evidence.inventory_runs}[kind]) == 1


@pytest.mark.parametrize("kind", FOLDERS)
def test_every_damaged_field_is_reported_or_rendered(kind: str, tmp_path: Path) -> None:
    """Each field of a real record deleted, nulled or of another kind: either SG924 at a
    position in the record, naming the field, or (what the schema allows) every document
    renders."""
    loaded = load_blueprint(BLUEPRINT)
    path = tmp_path / FOLDERS[kind] / "run.json"
    path.parent.mkdir(parents=True)
    rendered: set[str] = set()
    refused = 0
    for label, mutant in _mutants(_sound(kind)):
        path.write_text(json.dumps(mutant, indent=1, ensure_ascii=False))
        try:
            evidence = read_evidence(tmp_path)
        except SigenError as exc:
            refused += 1
            assert {d.code for d in exc.diagnostics} == {"SG924"}, label
            assert all(d.path == str(path) and d.line >= 1 for d in exc.diagnostics), label
            continue
        if _shape(label) not in rendered:
            rendered.add(_shape(label))
            try:
                render_loaded(loaded, ROLES, evidence=evidence)
            except Exception as exc:
                pytest.fail(f"{label}: {exc!r}")
    assert refused > 50 and rendered  # both branches were taken


def test_the_diagnostic_points_at_the_field_and_says_what_to_do(tmp_path: Path) -> None:
    record = _sound("drill")
    del record["drill"]["rto_seconds"]
    record["timeline"][1]["ok"] = "yes"
    path = tmp_path / DRILL_RUNS / "DRL-001-x.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record, indent=1))
    with pytest.raises(SigenError) as err:
        read_evidence(tmp_path)
    said = [(d.line, d.col, d.message) for d in err.value.diagnostics]
    lines = path.read_text().splitlines()
    assert lines[said[0][0] - 1].strip().startswith('"drill"'), said  # the object lacking it
    assert said[0][2].startswith("the drill record's drill.rto_seconds is missing: it is "
                                 "not as `sigen drill` wrote it. Run `sigen drill` again")
    assert "move DRL-001-x.json out of records/drills/" in said[0][2]
    assert lines[said[1][0] - 1].strip() == '"ok": "yes",'
    assert said[1][2].startswith("the drill record's timeline[1].ok is a string, not boolean")


def test_every_bad_record_is_reported_at_once_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "eshop"
    shutil.copytree(PROJECT, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (out / VERIFY_RUNS / "cut.json").write_text('{"format": 1, "checks": [')
    drill = _sound("drill")
    drill["passed"] = "yes"
    (out / DRILL_RUNS / "edited.json").write_text(json.dumps(drill, indent=1))
    inventory = _sound("inventory")
    del next(iter(inventory["hosts"].values()))["os"]
    (out / INVENTORY_RUNS).mkdir(parents=True)
    (out / INVENTORY_RUNS / "lab.json").write_text(json.dumps(inventory, indent=1))
    with pytest.raises(SigenError) as err:
        build(BLUEPRINT, out, ROLES)
    said = {(Path(d.path).name, d.code) for d in err.value.diagnostics}
    assert said == {("cut.json", "SG924"), ("edited.json", "SG924"), ("lab.json", "SG924")}
    assert "not JSON" in str(err.value) and ".os is missing" in str(err.value)
    assert all(p.read_bytes() == data for p, data in before.items())


@pytest.mark.parametrize("kind", FOLDERS)
def test_the_compiled_rules_never_accept_what_cerberus_refuses(kind: str) -> None:
    """Records are checked by the schema compiled to Python (sigen.compile.validate.
    fastschema); a wrong yes would render a damaged record."""
    from cerberus import Validator  # type: ignore[import-untyped]

    from sigen.compile.validate.records import _accepts, _schemas

    schemas = [kind] if kind != "inventory" else [kind, "inventory_host"]
    for name in schemas:
        validator = Validator(_schemas()[name], allow_unknown=True)
        sound = _sound(kind) if name == kind else next(iter(_sound(kind)["hosts"].values()))
        yes = 0
        for label, mutant in _mutants(sound):
            try:
                fast = _accepts(name)(mutant)
            except Exception:
                fast = False
            assert not fast or validator.validate(mutant), (name, label, validator.errors)
            yes += fast
        assert yes and validator.validate(sound)  # the fast path is taken for sound records
