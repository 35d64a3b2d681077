"""The JSON Schema editors use (`sigen schema`, committed as schema/blueprint.schema.json):
judged by the jsonschema library against the examples and every invalid test blueprint."""

from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from sigen.compile.loader import load_blueprint
from sigen.compile.schema_export import json_schema, json_schema_text
from sigen.diagnostics import SigenError

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "schema" / "blueprint.schema.json"
EXAMPLES = sorted((REPO / "blueprints").glob("*.yml"))
INVALID = REPO / "tests" / "invalid"
# What JSON Schema can say: the structure (SG1xx), the components (an enum of the roles),
# each component's settings (typed from its argument specs) and the shape of an SSH key.
# The rest (references, addresses in their networks, capacities, recovery) needs the whole
# blueprint at once: sigen validate checks it.
EXPRESSIBLE = {f"SG1{n:02d}" for n in range(1, 15)} | {
    "SG010", "SG203", "SG402", "SG403", "SG404", "SG702"}


def _plain(value: Any) -> Any:
    """The blueprint as an editor's language server sees it: dates are strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


def test_the_committed_schema_is_the_one_sigen_prints() -> None:
    text = json_schema_text(REPO / "roles")
    if os.environ.get("SIGEN_REGEN"):
        COMMITTED.write_text(text, "utf-8")
    assert COMMITTED.read_text("utf-8") == text, "regenerate: sigen schema > " \
        "schema/blueprint.schema.json (or SIGEN_REGEN=1 pytest tests/test_json_schema.py)"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_points_its_editor_at_the_schema_and_passes_it(example: Path) -> None:
    first = example.read_text("utf-8").split("\n", 1)[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{example.name}: the first line names the schema for the editor"
    assert (example.parent / match[1]).resolve() == COMMITTED
    schema = json.loads(COMMITTED.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(
        _plain(load_blueprint(example).data)))
    assert errors == []


def _invalid_cases() -> list[tuple[str, set[str]]]:
    cases = []
    for path in sorted(INVALID.glob("*.yml")):
        if path.name != "roles.yml":
            codes = set(re.findall(r": (SG\d{3}) ", path.with_suffix(".errors.txt").read_text()))
            cases.append((path.stem, codes))
    return cases


def test_the_schema_rejects_exactly_the_invalid_blueprints_it_can_express(
        stand_in_roles: Path) -> None:
    # The snapshots are taken with the stand-in role library: so is this schema.
    validator = jsonschema.Draft202012Validator(json_schema(stand_in_roles))
    wrongly: list[str] = []
    judged = 0
    for name, codes in _invalid_cases():
        try:
            data = load_blueprint(INVALID / f"{name}.yml").data
        except SigenError:
            continue  # not YAML an editor could read either
        judged += 1
        rejected = any(True for _ in validator.iter_errors(_plain(data)))
        if rejected != bool(codes & EXPRESSIBLE):
            wrongly.append(f"{name} ({', '.join(sorted(codes))}): "
                           + ("rejected" if rejected else "accepted"))
    assert not wrongly, wrongly
    assert judged >= 40
