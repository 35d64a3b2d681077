"""Incremental builds give exactly what a full build gives.

A rebuild after a change reuses what the last build cached (parsed parts, entries that
passed, emitted YAML, compiled templates); these tests build the changed blueprint both ways,
into a folder with its caches and into a copy of it without them, and compare the trees byte
for byte. The caches' own tests (load and entry cache) are in tests/test_sync.py.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.run import blueprint as synthetic_blueprint
from bench.sync import one_host_changed
from sigen.build import build
from sigen.plan import Jinja
from sigen.render.jsonout import members
from sigen.render.memo import remembering
from sigen.render.yamlout import Recalled, dump
from tests.conftest import REPO
from tests.test_build import tree_of
from tests.test_build_cases import BLUEPRINTS
from tests.test_sync import ONPREM, roles, variant

__all__ = ["roles"]  # the fixture, shared with tests/test_sync.py

# Changes to one host: its size (only the plans show it), an address (other hosts' firewall
# flows and the services that reach it change too), its labels (its own variables).
ONE_HOST = {
    "memory": ("memory_gb: 64", "memory_gb: 128"),
    "address": ("address: 10.20.20.21}", "address: 10.20.20.99}"),
    "labels": ("labels: {tier: web}", "labels: {tier: web, rack: r7}"),
}


def _full_and_incremental(blueprint: Path, changed: Path, roles: Path,
                          tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The trees of ``changed`` built after ``blueprint``: with the first build's caches,
    and into a copy of that first output without them (a full build of the same history)."""
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    build(blueprint, warm, roles)
    shutil.copytree(warm, cold)
    shutil.rmtree(cold / ".sigen" / "cache")
    build(changed, warm, roles)
    build(changed, cold, roles)
    return tree_of(warm), tree_of(cold)


@pytest.mark.parametrize("change", sorted(ONE_HOST))
def test_one_host_change_rebuild_equals_a_full_build(change: str, tmp_path: Path,
                                                     roles: Path) -> None:
    changed = variant(tmp_path, change, ONE_HOST[change])
    warm, cold = _full_and_incremental(ONPREM, changed, roles, tmp_path)
    assert warm.keys() == cold.keys()
    assert [rel for rel in warm if warm[rel] != cold[rel]] == []


@pytest.mark.parametrize("change", ["address", "memory"])
def test_one_host_change_with_recorded_runs_equals_a_full_build(change: str, tmp_path: Path,
                                                                roles: Path) -> None:
    """The reports' per-host sections are recalled from the last build: with a measured
    verification run and drills beside the output, and a change that alters the checks of
    some hosts (address) or none (memory), they are still exactly what a full build makes."""
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    build(ONPREM, warm, roles)
    shutil.copytree(REPO / "examples" / "onprem-physical" / "records" / "verify",
                    warm / "records" / "verify")
    shutil.copytree(REPO / "examples" / "onprem-physical" / "records" / "drills",
                    warm / "records" / "drills")
    build(ONPREM, warm, roles)  # the sections of the measured run are kept
    shutil.copytree(warm, cold)
    shutil.rmtree(cold / ".sigen" / "cache")
    changed = variant(tmp_path, change, ONE_HOST[change])
    build(changed, warm, roles)
    build(changed, cold, roles)
    warm_tree, cold_tree = tree_of(warm), tree_of(cold)
    assert warm_tree.keys() == cold_tree.keys()
    assert [rel for rel in warm_tree if warm_tree[rel] != cold_tree[rel]] == []
    report = warm_tree["docs/en/test-report.md"].decode()
    assert "## 3. Results of the latest run" in report and "| PASS |" in report


def test_one_host_change_of_the_benchmark_equals_a_full_build(tmp_path: Path) -> None:
    from bench.run import stub_roles

    roles = stub_roles(tmp_path / "roles")
    text = synthetic_blueprint(100)
    first, changed = tmp_path / "bench.yml", tmp_path / "bench-changed.yml"
    first.write_text(text, "utf-8")
    changed.write_text(one_host_changed(text, "h00007"), "utf-8")
    warm, cold = _full_and_incremental(first, changed, roles, tmp_path)
    assert warm.keys() == cold.keys()
    assert [rel for rel in warm if warm[rel] != cold[rel]] == []


class _Memo:
    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def key(self, kind: str, payload: str) -> str:
        return f"{kind}\0{payload}"

    def recall(self, key: str) -> str | None:
        return self.texts.get(key)

    def keep(self, key: str, text: str) -> None:
        self.texts[key] = text


def test_remembered_yaml_and_json_are_the_emitted_text() -> None:
    """Emitted text is recalled by the data's repr: a template sigen wrote and the same
    text from a user are told apart, and so are values that print alike."""
    padding = {f"key{i}": "x" * 20 for i in range(10)}  # long enough to be remembered
    values = [
        {**padding, "v": Jinja("{{ vault_x }}")},
        {**padding, "v": "{{ vault_x }}"},
        {**padding, "v": "1"},
        {**padding, "v": 1},
        {**padding, "v": 1.0},
        {**padding, "v": True},
        {**padding, "v": ["a", "b"]},
        {**padding, "v": ("a", "b")},
    ]
    plain = [members(v) for v in values] + [dump(v, "# stamp\n") for v in values]
    memo = _Memo()
    with remembering(memo):
        first = [members(v) for v in values] + [dump(v, "# stamp\n") for v in values]
        again = [members(v) for v in values] + [dump(v, "# stamp\n") for v in values]
    assert first == again == plain
    assert memo.texts, "long data is remembered"


def test_a_recalled_block_is_emitted_as_its_list() -> None:
    """A ``Recalled`` sequence (a host's checks in verify.yml) emits exactly the YAML of
    the same plain list, recalled or not, at any depth; its block is kept by its data."""
    checks = [{"id": f"TST-{i:03d}", "kind": "port", "target": "10.0.0.1", "port": 80 + i}
              for i in range(6)]
    plain = {"vars": {"by_host": {"web01": checks, "db01": checks[:4]}}}
    wrapped = {"vars": {"by_host": {"web01": Recalled(checks), "db01": Recalled(checks[:4])}}}
    expected = dump([plain], "# stamp\n")
    assert dump([wrapped], "# stamp\n", remember=False) == expected
    memo = _Memo()
    with remembering(memo):
        first = dump([wrapped], "# stamp\n", remember=False)
        kept = dict(memo.texts)
        again = dump([wrapped], "# stamp\n", remember=False)
    assert first == again == expected
    assert len(kept) == 2, "one block per host"


def test_the_unchecked_schema_is_the_checked_one() -> None:
    """Validation skips cerberus's check of sigen's own schema; here it runs, and the
    schema must pass it and expand to the very definition validation uses."""
    from cerberus.schema import DefinitionSchema

    from sigen.compile.validate.schema import (
        BlueprintValidator,
        _without_meta,
        load_schema,
        schema_definition,
    )

    validator = BlueprintValidator()
    checked = DefinitionSchema(validator, _without_meta(load_schema()))  # SchemaError if bad
    assert schema_definition(validator).schema == checked.schema


def test_the_schema_reads_as_ruamel_reads_it() -> None:
    """The schema is read with sigen's YAML 1.2 loader; ruamel.yaml's safe loader (which
    read it before) gives the same data, types included."""
    from importlib import resources

    from ruamel.yaml import YAML

    from sigen.compile.validate.schema import load_schema

    text = resources.files("sigen").joinpath("data/blueprint.schema.yml").read_text("utf-8")
    expected = YAML(typ="safe", pure=False).load(text)

    def typed(value: Any) -> Any:
        if isinstance(value, dict):
            return {typed(k): typed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [typed(v) for v in value]
        return (type(value).__name__, value)

    assert typed(load_schema()) == typed(expected)


def test_skipped_settings_checks_report_what_a_full_validation_reports(
        tmp_path: Path, roles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Services that passed last time skip the settings check; a changed one is checked,
    and any problem brings the full validation with its diagnostics and positions."""
    from sigen.compile.loader import load_blueprint
    from sigen.compile.validate import settings, validate_blueprint
    from sigen.compile.validate.unseen import SeenEntries
    from sigen.sync.cache import Store

    def entry_cache(folder: Path) -> tuple[Store, SeenEntries]:
        store = Store(folder, "entries", "salt")
        return store, SeenEntries(store)

    cold_store, cold = entry_cache(tmp_path)
    assert validate_blueprint(load_blueprint(ONPREM), roles, cold.unseen) == []
    cold_store.save(always=True)
    # A change to a host checks no service's settings (not even the one kept so that the
    # list of services is not empty).
    checked: list[str] = []
    real = settings._check_service_settings
    monkeypatch.setattr(settings, "_check_service_settings",
                        lambda index, service, *rest: checked.append(service.name)
                        or real(index, service, *rest))
    host = load_blueprint(variant(tmp_path, "host", ONE_HOST["memory"]))
    assert validate_blueprint(host, roles, entry_cache(tmp_path)[1].unseen) == []
    assert checked == []
    for name, change in (("unknown", ("stats_enabled: false", "stats_enable: false")),
                         ("type", ("persistence: rdb", "persistence: [rdb]")),
                         ("fine", ("persistence: rdb", "persistence: aof"))):
        loaded = load_blueprint(variant(tmp_path, name, change))
        expected = validate_blueprint(loaded, roles)
        assert bool(expected) == (name != "fine"), name
        warm = entry_cache(tmp_path)[1]
        assert warm.unseen(loaded) is not None
        assert validate_blueprint(loaded, roles, warm.unseen) == expected, name


def test_overlapping_networks_are_the_pairs_that_overlap() -> None:
    """The sorted search for overlapping networks finds exactly the pairs that comparing
    every network with every other finds (random ranges, two sites, IPv4 and IPv6)."""
    import ipaddress

    from sigen.compile.validate.topology import overlapping

    rnd = random.Random(6)
    for _ in range(200):
        nets: list[tuple[str | None, Any]] = []
        for _ in range(rnd.randrange(1, 12)):
            if rnd.random() < 0.8:
                prefix = rnd.randrange(20, 31)
                address = ipaddress.ip_address(rnd.randrange(0x0A000000, 0x0A001000))
                network: Any = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
            else:
                network = ipaddress.ip_network(f"fd00:0:0:{rnd.randrange(4):x}::/"
                                               f"{rnd.choice([48, 64])}", strict=False)
            nets.append((rnd.choice(["a", "b", None]), network))
        expected = [(i, j) for i in range(len(nets)) for j in range(i + 1, len(nets))
                    if nets[i][0] == nets[j][0] and nets[i][1].version == nets[j][1].version
                    and nets[i][1].overlaps(nets[j][1])]
        assert overlapping(nets) == expected


def test_quick_unsafe_search_is_the_expression() -> None:
    """The load cache's text search for anchors, aliases, tags, directives and document
    markers answers as the regular expression it replaces, on short random texts made of
    the characters that matter (line breaks of every kind, spaces, marks)."""
    from sigen.compile.parts import _UNSAFE, _unsafe

    rnd = random.Random(6)
    alphabet = ["a", " ", "\t", "\n", "\r", "\x85", "\u2028", "\u00a0", "\x1c", "&", "*",
                "!", "[", "{", ",", "%", "-", "."]
    for _ in range(50_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(12)))
        assert _unsafe(text) == bool(_UNSAFE.search(text)), repr(text)
    for name in sorted(BLUEPRINTS):
        text = BLUEPRINTS[name].read_text("utf-8")
        assert _unsafe(text) == bool(_UNSAFE.search(text)), name


def test_time_zones_are_those_of_the_tz_database() -> None:
    """A time zone is found without listing the tz database exactly when the listing has
    it: every listed zone, and names that are not (case, folders, special files)."""
    import zoneinfo

    from sigen.compile.validate.schema import is_timezone

    listed = zoneinfo.available_timezones()
    assert all(is_timezone(name) for name in listed)
    others = ["europe/berlin", "EUROPE/BERLIN", "Europe", "Europe/", "/Europe/Berlin",
              "Europe//Berlin", "Europe/./Berlin", "Europe/../UTC", "posixrules",
              "right/UTC", "posix/UTC", "Nowhere/Atlantis", "", "zone.tab", "tzdata.zi",
              "UTC ", " UTC", "Etc/GMT+99"]
    for name in others:
        assert is_timezone(name) == (name in listed), name


def _names(target: Any) -> set[str]:
    """The names a for or set target binds (one name, or a tuple of them)."""
    from jinja2 import nodes

    if isinstance(target, nodes.Name):
        return {target.name}
    return {n.name for n in target.find_all(nodes.Name)}


def _free_names(macro: Any) -> set[str]:
    """Names a Jinja macro reads that it neither takes nor sets itself."""
    from jinja2 import nodes

    bound = {arg.name for arg in macro.args}
    for node in macro.find_all((nodes.For, nodes.Assign)):
        bound |= _names(node.target)
    read = {n.name for n in macro.find_all(nodes.Name) if n.ctx == "load"}
    return read - bound - {"loop"}


def test_recalled_sections_read_only_their_arguments() -> None:
    """A section (``section(stamp, macro, *args)`` in the templates) is recalled by its
    arguments alone: its macro, and the macros of the templates it imports, may read
    nothing else of the context, or an incremental build would show stale text."""
    from jinja2 import nodes

    from sigen.render.documents import _TEMPLATES, _environment

    env = _environment()
    found = 0
    for path in sorted(_TEMPLATES.rglob("*.j2")):
        tree = env.parse(path.read_text("utf-8"))
        macros = {m.name: m for m in tree.find_all(nodes.Macro)}
        imports = {i.target: i.template.value for i in tree.find_all(nodes.Import)}
        for call in tree.find_all(nodes.Call):
            if not (isinstance(call.node, nodes.Name) and call.node.name == "section"):
                continue
            stamp, macro = call.args[0], call.args[1]
            assert isinstance(stamp, nodes.Const) and isinstance(macro, nodes.Name)
            rel = path.relative_to(_TEMPLATES).as_posix()
            assert stamp.value == f"{rel}#{macro.name}", "the stamp names the macro"
            free = _free_names(macros[macro.name])
            assert free <= set(imports), f"{rel}#{macro.name} reads {free - set(imports)}"
            for alias in free:
                imported = env.parse((_TEMPLATES / imports[alias]).read_text("utf-8"))
                constants = {n for a in imported.body if isinstance(a, nodes.Assign)
                             for n in _names(a.target)}
                # Its sibling macros too: each is held to the same rule here.
                constants |= {m.name for m in imported.find_all(nodes.Macro)}
                for inner in imported.find_all(nodes.Macro):
                    assert _free_names(inner) <= constants, f"{imports[alias]}#{inner.name}"
            found += 1
    assert found >= 4, "the reports and plans recall their per-host sections"
