"""The compiled schema never says yes where cerberus says no (sigen.compile.validate.fastschema):
on the examples it says yes (so valid blueprints skip cerberus), on every error snapshot and
on mutated examples its yes is always cerberus's yes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigen.compile.loader import load_blueprint
from sigen.compile.validate.fastschema import accepts, source
from sigen.compile.validate.schema import _validator
from sigen.diagnostics import SigenError
from tests.conftest import REPO
from tests.test_fuzz import _VALUES, _mutate, _paths

EXAMPLES = sorted((REPO / "blueprints").glob("*.yml")) + sorted(
    (REPO / "tests" / "cases").glob("*/blueprint.yml"))
INVALID = sorted(p for p in (REPO / "tests" / "invalid").glob("*.yml") if p.name != "roles.yml")


def _cerberus(data: Any) -> bool:
    return bool(_validator().validate(data, normalize=False))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name if p.name ==
                         "blueprint.yml" else p.stem)
def test_valid_blueprints_are_accepted_at_once(path: Path) -> None:
    data = load_blueprint(path).data
    assert accepts(data) and _cerberus(data)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_no_yes_where_cerberus_says_no(path: Path) -> None:
    try:
        data = load_blueprint(path).data
    except SigenError:
        return
    if accepts(data):
        assert _cerberus(data), f"the compiled schema accepts {path.name}, cerberus does not"


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(example=st.sampled_from([p for p in EXAMPLES if p.parent.name == "blueprints"]),
       data=st.data())
def test_mutated_blueprints_agree(example: Path, data: st.DataObject) -> None:
    doc = yaml.safe_load(example.read_bytes())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)[1:]))
        doc = _mutate(doc, path, data.draw(st.sampled_from(["delete", "replace", "duplicate"])),
                      data.draw(_VALUES))
    doc = copy.deepcopy(doc)
    if accepts(doc):
        assert _cerberus(doc), "the compiled schema accepts what cerberus rejects"


def test_the_source_is_generated_from_the_schema() -> None:
    text = source()
    assert text.count("def m") > 20 and "return False" in text
