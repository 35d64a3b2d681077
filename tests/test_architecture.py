"""The package layout is the architecture: the stages import each other only one way.

Read from the source with ast (no import runs): every ``import`` and ``from ... import``
of a module of ``sigen``, including those inside functions and under ``TYPE_CHECKING``
(the latter are allowed where a rule says so).
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

from tests.conftest import REPO

SIGEN = REPO / "sigen"


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether only under ``if TYPE_CHECKING:``) of ``path``."""
    tree = ast.parse(path.read_text("utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                typing_only.update(id(n) for n in ast.walk(inner))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in typing_only) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, id(node) in typing_only))
            # `from sigen.cli import lab`: the module imported may be a submodule.
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                if (SIGEN.parent / candidate.replace(".", "/")).with_suffix(".py").exists() \
                        or (SIGEN.parent / candidate.replace(".", "/") / "__init__.py").exists():
                    found.append((candidate, id(node) in typing_only))
    return [(m, t) for m, t in found if m == "sigen" or m.startswith("sigen.")]


MODULES = {_module_name(p): p for p in sorted(SIGEN.rglob("*.py"))}


def _stage(module: str) -> str:
    """The stage of a module; the top-level modules are nodes of their own (``build`` the
    pipeline, ``diagnostics``, ``sigen`` the package and ``__main__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "sigen"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _stage(m) == "render"))
def test_back_ends_import_only_the_plan_and_render_helpers(module: str) -> None:
    """A back end formats the plan: it imports nothing of sigen but ``sigen.plan`` and
    ``sigen.render`` (imports for type hints only are fine)."""
    wrong = sorted({m for m, typing_only in _imports(MODULES[module]) if not typing_only
                    and _stage(m) not in ("plan", "render")})
    assert not wrong, f"{module} imports {wrong}"


def test_the_plan_imports_nothing_but_itself() -> None:
    """The plan's types are the leaf every stage shares: they depend on no stage."""
    for module, path in MODULES.items():
        if _stage(module) == "plan":
            wrong = sorted({m for m, _ in _imports(path) if _stage(m) != "plan"})
            assert not wrong, f"{module} imports {wrong}"


def _stage_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        mine = _stage(module)
        for imported, typing_only in _imports(path):
            theirs = _stage(imported)
            if not typing_only and theirs != mine:
                graph.setdefault(mine, set()).add(theirs)
    return graph


def test_no_two_stages_import_each_other() -> None:
    """The stages (and the pipeline, ``sigen.build``) form no cycle, even through a third."""
    try:
        list(graphlib.TopologicalSorter(_stage_graph()).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"stages import each other in a cycle: {exc.args[1]}")


def test_the_stages_are_layered() -> None:
    """What each stage may import: the plan nothing, render the plan, compile the plan,
    sync the plan; the pipeline all of these; operate and the command line anything."""
    allowed = {
        "plan": set(),
        "render": {"plan"},
        "compile": {"plan", "diagnostics", "sigen"},
        "sync": {"plan", "diagnostics", "sigen"},
        "build": {"compile", "plan", "render", "sync", "diagnostics", "sigen"},
    }
    graph = _stage_graph()
    for stage, may in allowed.items():
        extra = graph.get(stage, set()) - may
        assert not extra, f"{stage} imports {sorted(extra)}"


def test_the_top_level_is_a_handful_of_files() -> None:
    top = sorted(p.name for p in SIGEN.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "build.py", "diagnostics.py"], top


def test_the_walk_finds_imports() -> None:
    """The rules above are only as good as the walk: it sees imports of every form."""
    found = dict(_imports(MODULES["sigen.render.ansible"]))
    assert "sigen.plan" in found and "sigen.render.yamlout" in found
    lazy = dict(_imports(MODULES["sigen.cli"]))
    assert "sigen.cli.compile" in lazy, "imports inside functions count"
