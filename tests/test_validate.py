"""Validation: the examples are clean, every problem is reported at once, value parsers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sigen.compile.loader import load_blueprint, load_text
from sigen.compile.validate import validate_blueprint
from sigen.compile.validate.values import (
    format_duration,
    is_secret_reference,
    parse_duration,
    parse_time_of_day,
)
from sigen.diagnostics import CODES, SigenError

REPO = Path(__file__).resolve().parent.parent
ROLES = REPO / "roles"
EXAMPLES = sorted((REPO / "blueprints").glob("*.yml"))


def _missing_roles(path: Path) -> list[str]:
    data = load_blueprint(path).data
    wanted = {s["component"] for s in data["services"]}
    return sorted(c for c in wanted if not (ROLES / c / "meta" / "argument_specs.yml").is_file())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_examples_validate_clean(example: Path) -> None:
    missing = _missing_roles(example)
    if missing:
        pytest.skip(f"roles not in the library yet: {', '.join(missing)}")
    assert validate_blueprint(load_blueprint(example), ROLES) == []


def test_there_are_three_examples() -> None:
    assert {p.stem for p in EXAMPLES} >= {"onprem-physical", "virtualised", "hybrid-cloud"}


def test_all_diagnostics_at_once_and_sorted() -> None:
    text = (REPO / "blueprints" / "onprem-physical.yml").read_text("utf-8")
    text = text.replace("cpu_cores: 16", "cpu_cores: sixteen", 1)
    text = text.replace("- {network: data, address: 10.20.30.21}",
                        "- {network: dmz2, address: 10.20.30.21}", 1)
    text = text.replace("rpo: 24h", "rpo: 4h", 1)
    diags = validate_blueprint(load_text(Path("b.yml"), text.encode()), ROLES)
    found = {d.code for d in diags}
    assert {"SG103", "SG202", "SG602"} <= found
    assert diags == sorted(diags)
    assert all(d.line > 0 and d.col > 0 and d.code in CODES for d in diags)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("4h", 14400), ("1d", 86400), ("1w", 604800), ("36h", 129600),
     ("0h", None), ("1.5h", None), ("h", None), ("4 h", None), ("4H", None), ("", None)],
)
def test_parse_duration(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("seconds", "text"), [(900, "15m"), (86400, "1d"), (90000, "25h")])
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [("01:30", (1, 30)), ("23:59", (23, 59)), ("24:00", None), ("1:30", None), ("1pm", None)],
)
def test_parse_time_of_day(text: str, value: tuple[int, int] | None) -> None:
    assert parse_time_of_day(text) == value


@pytest.mark.parametrize(
    ("value", "ok"),
    [({"vault": "vault_db_password"}, True), ({"env": "DB_PASSWORD"}, True),
     ({"vault": "x", "env": "Y"}, False), ({"vault": "not a name"}, False),
     ({"file": "/etc/x"}, False), ("hunter2", False)],
)
def test_secret_reference(value: object, ok: bool) -> None:
    assert is_secret_reference(value) is ok


def test_mutated_examples_never_crash() -> None:
    """Truncated and byte-mutated examples give diagnostics, never an exception."""
    rng = random.Random(20261126)
    sources = [p.read_bytes() for p in EXAMPLES]
    for i in range(60):
        raw = bytearray(rng.choice(sources))
        if i % 3 == 0:
            raw = raw[: rng.randrange(len(raw))]
        else:
            for _ in range(rng.randrange(1, 6)):
                pos = rng.randrange(len(raw))
                raw[pos] = rng.choice(b" :-[]{}&*!|>'\"#\n\tabcz019\xff")
        try:
            loaded = load_text(Path("fuzz.yml"), bytes(raw))
        except SigenError as exc:
            assert exc.diagnostics
            continue
        diags = validate_blueprint(loaded, ROLES)
        assert diags == sorted(diags)


def _schema_paths(rules: dict[str, object], prefix: str = "") -> list[str]:
    paths = []
    for name, rule in rules.items():
        assert isinstance(rule, dict)
        path = f"{prefix}.{name}" if prefix else name
        paths.append(path)
        inner = rule.get("schema")
        if rule.get("type") == "list" and isinstance(inner, dict) and inner.get("type") == "dict":
            paths += _schema_paths(inner["schema"], f"{path}[]")
        elif rule.get("type") == "dict" and isinstance(inner, dict):
            paths += _schema_paths(inner, path)
        values = rule.get("valuesrules")
        if isinstance(values, dict) and isinstance(values.get("schema"), dict):
            key = {"hosts": "<host>", "prices": "<key>"}.get(name, "<document>")
            paths += _schema_paths(values["schema"], f"{path}.{key}")
    return paths


def test_every_field_is_documented() -> None:
    from sigen.compile.validate.schema import load_schema

    docs = (REPO / "docs" / "blueprint.md").read_text("utf-8")
    missing = [p for p in _schema_paths(load_schema()) if f"`{p}`" not in docs]
    assert not missing, f"fields missing from docs/blueprint.md: {missing}"


def test_many_errors_are_reported_quickly() -> None:
    """One mistake repeated in every host: all reported, in linear time (cerberus alone
    sorts its errors after each one, which made 10,000 such errors take minutes)."""
    import time

    text = (REPO / "blueprints" / "onprem-physical.yml").read_text("utf-8")
    head, _, rest = text.partition("hosts:\n")
    host_block, _, tail = rest.partition("\nservices:\n")
    first_host = host_block.split("\n  - name: ")[1].split("\n", 1)[1]
    hosts = "".join(f"  - name: h{i}\n{first_host}\n    colour: red\n" for i in range(400))
    blueprint = f"{head}hosts:\n{hosts}\nservices:\n{tail}"
    start = time.perf_counter()
    diags = validate_blueprint(load_text(Path("many.yml"), blueprint.encode()), ROLES)
    elapsed = time.perf_counter() - start
    assert sum(1 for d in diags if d.code == "SG102") == 400
    assert elapsed < 10


@pytest.mark.parametrize("placement", ["[hv01, hv02]", "{host: hv01}"])
def test_a_placement_of_the_wrong_type_is_a_type_error(placement: str) -> None:
    """vm.hypervisor given as a list or a map is reported as a type error; the capacity
    check (which looked it up among the cluster's members) runs only on names."""
    text = (REPO / "blueprints" / "virtualised.yml").read_text()
    text = text.replace("vm: {hypervisor: hv02, vcpus: 4, memory_gb: 8",
                        f"vm: {{hypervisor: {placement}, vcpus: 4, memory_gb: 8", 1)
    diags = validate_blueprint(load_text(Path("placed.yml"), text.encode()), ROLES)
    assert [d.code for d in diags if d.severity == "error"] == ["SG103"], diags
    line = next(n for n, t in enumerate(text.splitlines(), 1) if f"hypervisor: {placement}" in t)
    assert diags[0].line == line and "vm.hypervisor" in diags[0].message


def test_a_blueprint_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """More than 32 MiB: SG012 at once, without reading the rest (a 30 MB title took 445 MB
    to build)."""
    from sigen.compile.loader import MAX_BYTES

    huge = tmp_path / "huge.yml"
    with huge.open("wb") as fh:
        fh.write(b"sigen: 2\nsystem:\n  title: ")
        fh.write(b"x" * (MAX_BYTES + 10))
    with pytest.raises(SigenError) as err:
        load_blueprint(huge)
    assert [(d.code, d.line, d.col) for d in err.value.diagnostics] == [("SG012", 1, 1)]


def test_a_reviewed_value_that_looks_secret_is_allowed_and_listed(tmp_path: Path) -> None:
    """A random-looking asset tag is flagged (SG701, naming where it is); an entry of
    security.not_secrets with that place allows it, and the installation plan lists it."""
    from sigen.build import render_loaded

    text = (REPO / "blueprints" / "onprem-physical.yml").read_text()
    tagged = text.replace("    labels: {tier: edge}",
                          "    labels: {tier: edge, asset: k8Zq2Lm9Xw4Rt7Yp1Vn6Bc3Hs5Jd0Fg2}", 1)
    assert tagged != text
    diags = validate_blueprint(load_text(Path("tagged.yml"), tagged.encode()), ROLES)
    assert [d.code for d in diags] == ["SG701"], diags
    where = diags[0].message.rsplit("(at: ", 1)[1].rstrip(")")
    allowed = tagged.replace("  ssh:", f"  not_secrets:\n    - at: {where}\n"
                             "      reason: the asset tag printed on the chassis\n"
                             "      reviewed_by: Lin Mei-hua\n  ssh:", 1)
    loaded = load_text(Path("allowed.yml"), allowed.encode())
    assert validate_blueprint(loaded, ROLES) == []
    plan = render_loaded(loaded, ROLES).files["docs/en/installation-plan.md"].decode()
    assert f"| `{where}` | the asset tag printed on the chassis | Lin Mei-hua |" in plan
