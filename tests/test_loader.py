"""The loader: bytes -> data, positions on demand, hostile input refused with a diagnostic."""

from __future__ import annotations

import hashlib
import time
from datetime import date
from pathlib import Path

import pytest

from sigen.compile.loader import load_blueprint, load_text
from sigen.compile.validate.values import FORMAT
from sigen.diagnostics import SigenError

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "blueprints" / "onprem-physical.yml"


def codes(raw: bytes) -> list[str]:
    with pytest.raises(SigenError) as info:
        load_text(Path("x.yml"), raw)
    return [d.code for d in info.value.diagnostics]


def test_example_loads_as_plain_data() -> None:
    loaded = load_blueprint(EXAMPLE)
    assert loaded.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert loaded.data["sigen"] == FORMAT
    host = loaded.data["hosts"][3]
    assert host["name"] == "db01"
    assert host["hardware"]["warranty_end"] == date(2030, 1, 31)
    assert type(loaded.data) is dict and type(loaded.data["hosts"]) is list


def test_positions_point_at_the_value_or_the_key() -> None:
    loaded = load_blueprint(EXAMPLE)
    lines = EXAMPLE.read_text("utf-8").splitlines()
    line, col = loaded.locate(("hosts", 3, "hardware", "cpu_cores"))
    assert lines[line - 1][col - 1:] == "32"
    line, col = loaded.locate_key(("hosts", 3, "hardware", "cpu_cores"))
    assert lines[line - 1][col - 1:].startswith("cpu_cores:")
    line, col = loaded.locate(("services", 0, "hosts", 0))
    assert lines[line - 1][col - 1:].startswith("lb01]")
    # A missing field is located at its parent.
    line, _ = loaded.locate(("hosts", 3, "nothing", "here"))
    assert "hardware:" in lines[line - 1] or "name: db01" in lines[line - 1]


def test_yaml_1_2_scalars() -> None:
    loaded = load_text(Path("x.yml"), b"a: 0755\nb: '01:30'\nc: 01:30\nd: 1e3\ne: ~\nf: 0x1F\n")
    assert loaded.data == {"a": 755, "b": "01:30", "c": "01:30", "d": 1000.0, "e": None,
                           "f": 31}
    assert loaded.yaml11_plain == ()


def test_unquoted_yaml11_booleans_are_noted_not_converted() -> None:
    loaded = load_text(Path("x.yml"), b"a: no\nb: 'yes'\nc: On\n")
    assert loaded.data == {"a": "no", "b": "yes", "c": "On"}
    assert loaded.yaml11_plain == ((1, 4, "no"), (3, 4, "On"))


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "SG003"),
        (b"  \n\n", "SG003"),
        (b"# only a comment\n", "SG003"),
        (b"sigen: 1\nowner: \xff\xfe\n", "SG002"),
        ("sigen: 1\n".encode("utf-16"), "SG002"),
        (b"a: [1,\n", "SG004"),
        (b"a:\n\t- b\n", "SG004"),
        (b"a: !!python/object:os.system x\n", "SG004"),
        (b"a: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", "SG004"),
        (b"a: 1\nb: 2\na: 3\n", "SG005"),
        (b"a: &x [*x]\n", "SG006"),
        (b"a: " + b"[" * 200 + b"]" * 200 + b"\n", "SG006"),
        (b"- a\n- b\n", "SG007"),
        (b"just text\n", "SG007"),
        (b"a: 1\n---\nb: 2\n", "SG008"),
        (b"%YAML 1.1\n---\na: no\n", "SG009"),
    ],
)
def test_hostile_or_broken_input_is_one_clear_diagnostic(raw: bytes, code: str) -> None:
    assert codes(raw) == [code]


def test_utf8_bom_is_accepted() -> None:
    assert load_text(Path("x.yml"), b"\xef\xbb\xbfsigen: 1\n").data == {"sigen": 1}


def test_missing_file_and_folder() -> None:
    for path in (REPO / "no-such-blueprint.yml", REPO / "blueprints"):
        with pytest.raises(SigenError) as info:
            load_blueprint(path)
        assert [d.code for d in info.value.diagnostics] == ["SG001"]


def test_billion_laughs_fails_fast() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    raw = ("\n".join(levels) + "\n").encode()
    start = time.perf_counter()
    assert codes(raw) == ["SG006"]
    assert time.perf_counter() - start < 1.0


def test_a_few_aliases_are_fine() -> None:
    raw = b"hw: &hw {model: R660, cpu_cores: 16}\nhosts:\n  - hardware: *hw\n  - hardware: *hw\n"
    loaded = load_text(Path("x.yml"), raw)
    assert loaded.data["hosts"][1]["hardware"]["cpu_cores"] == 16


_QUICK_CASES = [
    "a: 1\nb: [1, 2.5, .inf, -.nan, 0o17, 0x1f, +3]\n",
    "on: yes\nlist: [no, 'no', off]\nnested: {y: n, deep: [{Yes: ON}]}\n",
    "when: 2030-12-31\nat: 2026-11-27 01:30:00\ntext: '2030-12-31'\n",
    "base: &b {x: 1, y: [1, 2]}\nuse: *b\nmerged:\n  <<: *b\n  z: 3\n",
    "value: <<\nempty:\nnothing: ~\nt: true\nf: False\n",
    "quoted: \"yes\"\nplain: yes\nkey with space: v\n",
    "- 1\n- [a, b]\n- {k: v}\n",
    "just text\n",
]


@pytest.mark.parametrize("text", _QUICK_CASES)
def test_the_quick_construction_makes_what_the_constructor_makes(text: str) -> None:
    from sigen.compile.yaml12 import constructed_yaml12, load_yaml12

    quick, constructed = load_yaml12(text), constructed_yaml12(text)
    assert repr(quick) == repr(constructed)  # repr: nan != nan


def test_the_quick_construction_refuses_what_the_constructor_refuses() -> None:
    import yaml

    from sigen.compile.yaml12 import DuplicateKey, KeyNotText, load_yaml12

    for text, error in (("a: 1\na: 2\n", DuplicateKey), ("1: a\n", KeyNotText),
                        ("a: !custom x\n", yaml.YAMLError),
                        ("a: 2030-02-30\n", yaml.YAMLError)):
        with pytest.raises(error):
            load_yaml12(text)


def test_every_blueprint_and_invalid_case_loads_as_the_constructor_loads_it() -> None:
    from sigen.compile.yaml12 import constructed_yaml12, load_yaml12

    repo = Path(__file__).resolve().parent.parent
    paths = [*repo.glob("blueprints/*.yml"), *repo.glob("tests/cases/*/blueprint.yml"),
             *repo.glob("tests/invalid/*.yml")]
    assert len(paths) > 40
    for path in paths:
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        if text.count("*") > 20:
            continue  # an alias bomb: its repr would print every expansion
        outcomes = []
        for load in (load_yaml12, constructed_yaml12):
            try:
                outcomes.append(repr(load(text)))
            except Exception as exc:  # the same error either way
                outcomes.append(f"{type(exc).__name__}: {exc}")
        assert outcomes[0] == outcomes[1], path
