"""Shared helpers of the build tests: the example cases, the role library they build with,
and a YAML reader for generated files. (No tests here; the name keeps it beside them.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from sigen.build import Rendered, render_blueprint
from sigen.compile.loader import load_blueprint
from tests.conftest import REPO, ROLES

CASES = REPO / "tests" / "cases"
# Example blueprints, plus extra cases kept as tests/cases/<name>/blueprint.yml.
BLUEPRINTS: dict[str, Path] = {p.stem: p for p in sorted((REPO / "blueprints").glob("*.yml"))}
BLUEPRINTS.update({p.parent.name: p for p in sorted(CASES.glob("*/blueprint.yml"))})
REGEN = os.environ.get("SIGEN_REGEN") == "1"


def _components(blueprint: Path) -> dict[str, set[str]]:
    data = load_blueprint(blueprint).data
    out: dict[str, set[str]] = {}
    for svc in data.get("services") or ():
        out.setdefault(svc["component"], set()).update((svc.get("settings") or {}).keys())
    return out


def _stub(root: Path, name: str, settings: set[str]) -> None:
    """A stand-in for a role that has not landed yet: accepts the blueprint's settings."""
    (root / name / "meta").mkdir(parents=True)
    (root / name / "tasks").mkdir()
    options = "".join(f"      {name}_{k}:\n        type: raw\n        description: stub\n"
                      for k in sorted(settings))
    (root / name / "meta" / "argument_specs.yml").write_text(
        "---\nargument_specs:\n  main:\n    short_description: stub\n    options:\n"
        + (options or "      {}\n"))
    (root / name / "meta" / "main.yml").write_text(
        "---\ngalaxy_info:\n  role_name: " + name + "\n  namespace: sigen\n  author: sigen\n"
        "  description: stand-in until the role lands\n  license: Apache-2.0\n"
        '  min_ansible_version: "2.19"\n  platforms:\n    - name: Debian\n'
        "      versions: [bookworm]\ndependencies: []\n")
    (root / name / "tasks" / "main.yml").write_text(
        "---\n- name: Stand-in for a role that has not landed yet\n"
        "  ansible.builtin.debug:\n    msg: stub\n")


def _has_specs(role: Path) -> bool:
    """Whether a role has landed: its argument_specs exist and parse (not half-written)."""
    try:
        specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
        return isinstance(specs["argument_specs"]["main"], dict)
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return False


def roles_dir(tmp_root: Path) -> tuple[Path, list[str]]:
    """The repository's roles/, or a copy where roles without argument_specs are stubbed."""
    needed: dict[str, set[str]] = {"common": set(), "hardening": set(), "firewall": set(),
                                   "monitoring": set(), "backup_client": set()}
    for bp in BLUEPRINTS.values():
        for comp, keys in _components(bp).items():
            needed.setdefault(comp, set()).update(keys)
    missing = [n for n in sorted(needed) if not _has_specs(ROLES / n)]
    if not missing:
        return ROLES, []
    root = tmp_root / "roles"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for role in ROLES.iterdir():
        if role.is_dir() and role.name not in missing:
            shutil.copytree(role, root / role.name)
    for name in missing:
        _stub(root, name, needed[name])
    return root, missing


def render_case(name: str, roles: Path) -> Rendered:
    return render_blueprint(BLUEPRINTS[name], roles)


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads Ansible's !unsafe tag as a plain (marked) string."""


class Unsafe(str):
    pass


def _unsafe(loader: yaml.SafeLoader, node: yaml.Node) -> Unsafe:
    return Unsafe(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("!unsafe", _unsafe)


def read_yaml(content: bytes) -> Any:
    return yaml.load(content.decode(), Loader=_Loader)
