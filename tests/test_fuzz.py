"""The fuzz harness: hostile and careless blueprints never end in a traceback.

Properties, for every generated blueprint:

- loading and validating raise nothing but ``SigenError``; the CLI exits 0 or 1;
- every diagnostic has a real position (line and column from 1) and a one-line message;
- a blueprint that validates also builds, and ``sigen check`` passes on what it built.

Inputs come from three sources: the examples mutated as data (a key dropped, a value of the
wrong type, a reference renamed, hostile text), the examples mutated as text (bytes inserted,
lines dropped or indented), and documents generated from sigen's own JSON Schema by
hypothesis-jsonschema. CI runs a bounded number of each (``SIGEN_FUZZ_EXAMPLES``, default
100 mutations of each kind and a tenth as many schema documents, which are slow to generate:
about a minute); a long run, for anyone to start:

    SIGEN_FUZZ_EXAMPLES=20000 .venv/bin/pytest tests/test_fuzz.py -p no:cacheprovider

Every crasher found becomes a case in ``tests/invalid/`` (an error snapshot) or in
``tests/test_optional_fields.py``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigen.build import build, check_output
from sigen.compile.loader import load_text
from sigen.compile.validate import validate_blueprint
from sigen.diagnostics import Diagnostic, SigenError
from tests.conftest import REPO, ROLES

EXAMPLES = {p.stem: p.read_bytes() for p in sorted((REPO / "blueprints").glob("*.yml"))}
# The harness's own YAML, on libyaml when PyYAML has it: parsing an example again for every
# case and dumping it in pure Python took more than half of each case (cProfile, 100 cases).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
PARSED = {name: yaml.load(raw, Loader=_LOADER) for name, raw in EXAMPLES.items()}
RUNS = int(os.environ.get("SIGEN_FUZZ_EXAMPLES", "100"))
# Derandomized in CI (the same cases every run); SIGEN_FUZZ_RANDOM=1 explores afresh.
_SETTINGS = {"deadline": None, "derandomize": not os.environ.get("SIGEN_FUZZ_RANDOM"),
             "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture]}
FUZZ = settings(max_examples=RUNS, **_SETTINGS)
FUZZ_SCHEMA = settings(max_examples=max(1, RUNS // 10), **_SETTINGS)

_HOSTILE = ["", " ", "-", "{{ lookup('pipe', 'id') }}", "!!python/object:os.system", "\u202e",
            "a\u0000b", "x" * 5000, "10.0.0.300", "1e309", "-1", "yes", "~", "*alias",
            "&anchor", "web01", "db01", "vault", "🙂", "'", '"', "\\", "|", "<script>"]
_VALUES = st.one_of(
    st.sampled_from(_HOSTILE), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.lists(st.sampled_from(_HOSTILE), max_size=3),
    st.dictionaries(st.sampled_from(["name", "vault", "env", "hosts", "x"]),
                    st.sampled_from(_HOSTILE), max_size=2),
    st.text(max_size=40))


def _paths(data: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*at, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*at, i))
    return found


def _mutate(data: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    if not path:
        return value if how == "replace" else data
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    else:
        parent[last] = value
    return data


def _dump(doc: Any) -> bytes:
    return yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False).encode()


def _check_diagnostics(diags: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    for d in diags:
        assert d.line >= 1 and d.col >= 1, f"no real position: {d}"
        assert "\n" not in d.message, f"a message on more than one line: {d}"
        assert d.code.startswith("SG"), d


_PLAN_CODES = {"SG606", "SG804"}  # sigen.compile.plan_checks


def _exercise(name: str, raw: bytes, tmp: Path) -> None:
    """The properties, for one input."""
    try:
        loaded = load_text(Path(f"{name}.yml"), raw)
    except SigenError as exc:
        _check_diagnostics(exc.diagnostics)
        return
    diags = validate_blueprint(loaded, ROLES)
    _check_diagnostics(diags)
    if any(d.severity == "error" for d in diags):
        return
    source = tmp / f"{name}.yml"
    source.write_bytes(raw)
    out = tmp / "out"
    try:
        build(source, out, ROLES)
    except SigenError as exc:
        # The checks of the plan's facts (what a drill takes down, who is responsible), which
        # `sigen validate` runs after these and a build before it writes: a refusal with
        # their diagnostics, nothing written.
        _check_diagnostics(exc.diagnostics)
        assert {d.code for d in exc.diagnostics} <= _PLAN_CODES, exc.diagnostics
        assert not out.exists(), "a refused build wrote nothing"
        return
    assert check_output(source, out, ROLES)[1] == [], "sigen check after the build"


@FUZZ
@given(example=st.sampled_from(sorted(EXAMPLES)), data=st.data())
def test_examples_mutated_as_data(tmp_path_factory: pytest.TempPathFactory, example: str,
                                  data: st.DataObject) -> None:
    doc = copy.deepcopy(PARSED[example])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(doc)
        path = data.draw(st.sampled_from(paths[1:]), label="where")
        how = data.draw(st.sampled_from(["delete", "replace", "duplicate"]), label="how")
        doc = _mutate(doc, path, how, data.draw(_VALUES, label="value"))
    try:
        raw = _dump(doc)
    except (yaml.YAMLError, ValueError):
        return
    _exercise(example, raw, tmp_path_factory.mktemp("fuzz"))


@FUZZ
@given(example=st.sampled_from(sorted(EXAMPLES)), data=st.data())
def test_examples_mutated_as_text(tmp_path_factory: pytest.TempPathFactory, example: str,
                                  data: st.DataObject) -> None:
    lines = EXAMPLES[example].split(b"\n")
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        at = data.draw(st.integers(0, len(lines) - 1), label="line")
        how = data.draw(st.sampled_from(["insert", "drop", "indent", "dedent", "bytes"]),
                        label="how")
        if how == "insert":
            col = data.draw(st.integers(0, len(lines[at])), label="col")
            piece = data.draw(st.sampled_from([b"\x01", b"\x0c", b"\x7f", b"\t", b": ", b"- ",
                                               b"&a ", b"*a", b"{", b"]", b"'", b"\xff",
                                               b"!!binary ", b"%YAML 1.1\n", b"---\n",
                                               b"\xe2\x80\xae", b"#"]), label="piece")
            lines[at] = lines[at][:col] + piece + lines[at][col:]
        elif how == "drop" and len(lines) > 1:
            del lines[at]
        elif how == "indent":
            lines[at] = b"  " + lines[at]
        elif how == "dedent":
            lines[at] = lines[at][2:]
        else:
            lines[at] = data.draw(st.binary(max_size=30), label="bytes")
    _exercise(example, b"\n".join(lines), tmp_path_factory.mktemp("fuzz"))


def _schema_documents() -> Any:
    from hypothesis_jsonschema import from_schema

    from sigen.compile.schema_export import json_schema

    schema = json_schema()
    # "environments contain lab and production" (two allOf/contains) leaves hypothesis-
    # jsonschema filtering every draw; without it the documents still reach validation,
    # which reports the missing environment as any user would see it.
    del schema["properties"]["system"]["properties"]["environments"]["allOf"]
    return from_schema(schema)


@FUZZ_SCHEMA
@given(data=st.data())
def test_documents_from_the_schema(tmp_path_factory: pytest.TempPathFactory,
                                   data: st.DataObject) -> None:
    doc = data.draw(_schema_documents(), label="document")
    raw = _dump(doc)
    _exercise("schema", raw, tmp_path_factory.mktemp("fuzz"))


def test_the_properties_catch_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The harness is only as good as its checks: a validation that crashes, or a
    diagnostic without a position, fails it."""
    import tests.test_fuzz as me

    def crashing(*_: Any) -> list[Diagnostic]:
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(me, "validate_blueprint", crashing)
    with pytest.raises(TypeError):
        _exercise("onprem-physical", EXAMPLES["onprem-physical"], tmp_path)
    with pytest.raises(AssertionError):
        _check_diagnostics([Diagnostic("x.yml", 0, 0, "SG004", "a\nb")])


def test_a_value_holding_the_separator_of_sigens_own_errors(tmp_path: Path) -> None:
    """Found by the fuzzer: a kind of "\\x1f" (the byte between code and message in sigen's
    own schema errors) came out as a diagnostic without a code."""
    doc = yaml.safe_load(EXAMPLES["hybrid-cloud"])
    doc["hosts"][5]["kind"] = "\x1f"
    raw = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()
    diags = validate_blueprint(load_text(Path("hybrid-cloud.yml"), raw), ROLES)
    _check_diagnostics(diags)
    assert [d.code for d in diags if "hosts[5].kind" in d.message] == ["SG104"]
