"""Every field the schema calls optional is optional through the whole pipeline: a blueprint
without it that validates also builds (issue: `disks[].count` "default 1" passed validation
when left out, then the build failed in a template)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sigen.build import render_loaded
from sigen.compile.loader import LoadedBlueprint, load_blueprint
from sigen.compile.validate import validate_blueprint
from sigen.compile.validate.schema import load_schema
from sigen.diagnostics import SigenError
from tests.conftest import REPO, ROLES

PLAN_CHECKS = {"SG606", "SG804"}  # reported once the plan is derived, by `sigen validate` too

EXAMPLES = sorted((REPO / "blueprints").glob("*.yml"))

Path_ = tuple[Any, ...]


def _optional_paths(data: Any, rules: dict[str, Any], at: Path_ = ()) -> Iterator[Path_]:
    """Paths (list positions as ``*``) of the optional keys present in ``data``."""
    if isinstance(data, dict):
        fields = rules.get("schema") if rules.get("type") == "dict" or "schema" in rules \
            else None
        if not isinstance(fields, dict):
            return
        for key, value in data.items():
            rule = fields.get(key)
            if not isinstance(rule, dict):
                continue
            if not rule.get("required"):
                yield (*at, key)
            yield from _optional_paths(value, rule, (*at, key))
    elif isinstance(data, list):
        item = rules.get("schema")
        if isinstance(item, dict):
            for value in data:
                yield from _optional_paths(value, item, (*at, "*"))


def _without(data: Any, path: Path_) -> Any:
    """``data`` with the key at ``path`` removed wherever it occurs."""
    if not path:
        return data
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(data, list):
        return [_without(v, rest) for v in data]
    if isinstance(data, dict) and head in data:
        if not rest:
            return {k: v for k, v in data.items() if k != head}
        return {**data, head: _without(data[head], rest)}
    return data


def _cases() -> list[tuple[str, Path_]]:
    schema = {"type": "dict", "schema": load_schema()}
    seen: set[Path_] = set()
    cases = []
    for blueprint in EXAMPLES:
        data = load_blueprint(blueprint).data
        for path in dict.fromkeys(_optional_paths(data, schema)):
            if path not in seen:
                seen.add(path)
                cases.append((blueprint.stem, path))
    return cases


CASES = _cases()


def test_the_walk_finds_the_fields_that_crashed() -> None:
    paths = {p for _, p in CASES}
    for wanted in [("hosts", "*", "hardware", "disks", "*", "count"),
                   ("hosts", "*", "hardware", "disks", "*", "raid"),
                   ("hosts", "*", "hardware", "disks", "*", "type"),
                   ("hosts", "*", "hardware", "rack")]:
        assert wanted in paths


@pytest.mark.parametrize(("example", "path"), CASES,
                         ids=[f"{e}:{'.'.join(map(str, p))}" for e, p in CASES])
def test_a_blueprint_without_an_optional_field_builds(example: str, path: Path_) -> None:
    original = load_blueprint(REPO / "blueprints" / f"{example}.yml")
    data = _without(copy.deepcopy(original.data), path)
    loaded = LoadedBlueprint(path=Path(f"{example}-without.yml"), data=data,
                             sha256=original.sha256, text=original.text)
    if any(d.severity == "error" for d in validate_blueprint(loaded, ROLES)):
        return  # another rule needs it (a drill's target, say): reported, not a crash
    try:
        rendered = render_loaded(loaded, ROLES)
    except SigenError as exc:
        if exc.diagnostics and all(d.code in PLAN_CHECKS for d in exc.diagnostics):
            return  # the plan's own checks (a drill that no longer brings a service back)
        pytest.fail(f"valid without {'.'.join(map(str, path))}, yet: {exc}")
    assert rendered.files
