"""The roles as the component documents and the role READMEs describe them, read from the
role library and the molecule scenarios beside it (``<roles>/../molecule/``).

A scenario tests a role when its converge.yml applies it (``roles:``, ``include_role``,
``import_role``); what it sets up is the plays of converge.yml, what it verifies the names of
the assertions (``assert`` and ``fail`` tasks) in verify.yml and the task files it includes.
Nothing is written twice: the names are the scenario's own.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from sigen.plan import (
    Alternative,
    Component,
    EntryPoint,
    Option,
    RoleInfo,
    Scenario,
    Support,
)
from sigen.plan.components import Managed

__all__ = ["META", "role_infos", "scenarios"]

META = "meta/sigen.yml"
_CHECKS = {"assert", "fail", "ansible.builtin.assert", "ansible.builtin.fail"}
_INCLUDES = ("include_tasks", "import_tasks", "ansible.builtin.include_tasks",
             "ansible.builtin.import_tasks")
_ROLE_INCLUDES = ("include_role", "import_role", "ansible.builtin.include_role",
                  "ansible.builtin.import_role")


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        return None


def _text(value: Any) -> dict[str, str]:
    return {str(k): " ".join(str(v).split()) for k, v in value.items()} \
        if isinstance(value, dict) else {}


def _flat(value: Any) -> str:
    """An argument spec's description (a string or a list of paragraphs) on one line."""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return " ".join(str(value or "").split())


def _default(spec: Mapping[str, Any]) -> str:
    if "default" not in spec:
        return ""
    return json.dumps(spec["default"], ensure_ascii=False, sort_keys=True)


def _options(specs: Any, prefix: str = "") -> Iterator[Option]:
    for name, spec in (specs or {}).items():
        if not isinstance(spec, dict):
            continue
        full = f"{prefix}{name}"
        yield Option(full, str(spec.get("type", "str")), bool(spec.get("required")),
                     _default(spec), tuple(str(c) for c in spec.get("choices") or ()),
                     _flat(spec.get("description")))
        yield from _options(spec.get("options"), f"{full}.")


def _entry_points(role: Path) -> tuple[EntryPoint, ...]:
    data = _yaml(role / "meta" / "argument_specs.yml") or {}
    specs = data.get("argument_specs") if isinstance(data, dict) else None
    out = []
    for name, spec in (specs or {}).items():
        if isinstance(spec, dict):
            out.append(EntryPoint(str(name), _flat(spec.get("short_description")),
                                  tuple(_options(spec.get("options")))))
    return tuple(out)


@functools.cache
def _platform_support() -> dict[str, tuple[Support, ...]]:
    text = resources.files("sigen").joinpath("data/platforms.yml").read_text("utf-8")
    return {name: tuple(Support(str(s["until"]), _text(s["by"]), str(s["source"]))
                        for s in entries)
            for name, entries in (yaml.safe_load(text) or {}).items()}


def _support(items: Any, platforms: Sequence[str]) -> tuple[Support, ...]:
    out: list[Support] = []
    for item in items or ():
        if item == "distribution":
            for platform in platforms:
                out += _platform_support().get(platform, ())
        elif isinstance(item, dict):
            out.append(Support(str(item["until"]), _text(item.get("by")),
                               str(item.get("source", ""))))
    return tuple(out)


def _component(item: Mapping[str, Any], platforms: Sequence[str]) -> Component:
    return Component(
        name=str(item["name"]), package=str(item["package"]), version=str(item["version"]),
        upstream=str(item["upstream"]), licence=str(item["licence"]),
        debian_licence=str(item["debian_licence"]),
        licence_checked=str(item["licence_checked"]), cost=Decimal(str(item["cost"])),
        paid_support=_text(item.get("paid_support")),
        support=_support(item.get("support"), platforms),
        alternatives=tuple(Alternative(str(a["name"]), _text(a.get("why_not")))
                           for a in item.get("alternatives") or ()),
        why=_text(item.get("why")), when=str(item.get("when") or ""),
        unit=str(item.get("unit") or ""))


def _platforms(meta: Any) -> tuple[str, ...]:
    info = meta.get("galaxy_info") if isinstance(meta, dict) else None
    out = []
    for platform in (info or {}).get("platforms") or ():
        for version in platform.get("versions") or ("all",):
            out.append(f"{platform['name']} {version}")
    return tuple(out)


# A variable in a task's name: {{ verify_round }}.
_NAME_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _tasks(items: Any, folder: Path, seen: frozenset[Path] = frozenset(),
           given: Mapping[str, str] | None = None) -> Iterator[Any]:
    """Every task of a task list, blocks and included task files opened. A task name that
    prints a variable the include gives (``vars: {verify_round: as converged}``) reads with
    its value: a document never shows Jinja."""
    for task in items if isinstance(items, list) else ():
        if not isinstance(task, dict):
            continue
        if given and isinstance(task.get("name"), str):
            task = {**task, "name": _NAME_VARIABLE.sub(
                lambda m: given.get(m.group(1), m.group(0)), task["name"])}
        yield task
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks"):
            yield from _tasks(task.get(key), folder, seen, given)
        for key in _INCLUDES:
            target = task.get(key)
            name = target.get("file") if isinstance(target, dict) else target
            if isinstance(name, str) and "{{" not in name:
                path = (folder / name).resolve()
                if path not in seen and path.is_file():
                    given_vars = task.get("vars")
                    passed: Mapping[str, Any] = given_vars if isinstance(given_vars, dict) \
                        else {}
                    scope = {**(given or {}),
                             **{str(k): str(v) for k, v in passed.items()
                                if isinstance(v, str | int | float)}}
                    yield from _tasks(_yaml(path), path.parent, seen | {path}, scope)


def _roles_applied(plays: Any, folder: Path) -> list[str]:
    found: list[str] = []
    for play in plays if isinstance(plays, list) else ():
        if not isinstance(play, dict):
            continue
        for role in play.get("roles") or ():
            name = role.get("role", role.get("name")) if isinstance(role, dict) else role
            if isinstance(name, str):
                found.append(name)
        for task in _tasks([play], folder):
            for key in _ROLE_INCLUDES:
                target = task.get(key)
                if isinstance(target, dict) and isinstance(target.get("name"), str):
                    found.append(target["name"])
    return list(dict.fromkeys(found))


def _scenario(folder: Path) -> Scenario | None:
    converge = _yaml(folder / "converge.yml")
    if not isinstance(converge, list):
        return None
    verify = _yaml(folder / "verify.yml")
    molecule = _yaml(folder / "molecule.yml") or {}
    instances = tuple(str(p.get("hostname") or p.get("name"))
                      for p in molecule.get("platforms") or () if isinstance(p, dict))
    checks = [str(t["name"]) for t in _tasks(verify, folder)
              if "name" in t and any(k in t for k in _CHECKS)]
    return Scenario(
        name=folder.name, instances=instances,
        roles=tuple(_roles_applied(converge, folder)),
        converge=tuple(str(p["name"]) for p in converge if isinstance(p, dict) and "name" in p),
        checks=tuple(dict.fromkeys(checks)))


def scenarios(molecule: Path) -> tuple[Scenario, ...]:
    """Every scenario under ``molecule`` that has a converge.yml, by name."""
    if not molecule.is_dir():
        return ()
    found = (_scenario(p) for p in sorted(molecule.iterdir()) if p.is_dir())
    return tuple(s for s in found if s is not None)


def role_infos(roles_dir: Path, names: Sequence[str]) -> tuple[RoleInfo, ...]:
    """The roles ``names`` of the library, with the scenarios that apply each."""
    every = scenarios(roles_dir.parent / "molecule")
    out = []
    for name in names:
        root = roles_dir / name
        meta = _yaml(root / "meta" / "main.yml") or {}
        info = meta.get("galaxy_info") if isinstance(meta, dict) else None
        info = info if isinstance(info, dict) else {}
        record = _yaml(root / META)
        platforms = _platforms(meta)
        components: tuple[Component, ...] = ()
        if isinstance(record, dict):
            components = tuple(_component(c, platforms) for c in record.get("components") or ()
                               if isinstance(c, dict))
        out.append(RoleInfo(
            name=name, description=_flat(info.get("description")),
            function=_text(record.get("function")) if isinstance(record, dict) else {},
            platforms=platforms, min_ansible_version=str(info.get("min_ansible_version", "")),
            licence=str(info.get("license", "")), entry_points=_entry_points(root),
            components=components,
            scenarios=tuple(s for s in every if name in s.roles),
            recorded=isinstance(record, dict),
            state=str(record.get("state", "")) if isinstance(record, dict) else "",
            manages=_manages(record.get("manages")) if isinstance(record, dict) else ()))
    return tuple(out)


# The lists of meta/sigen.yml ``manages``: the kind of each, and the key of its name and text.
_MANAGED = (("files", "file", "path", "sets"), ("accounts", "account", "name", "purpose"),
            ("units", "unit", "name", "purpose"), ("logs", "log", "path", "what"))


def _manages(value: Any) -> tuple[Managed, ...]:
    if not isinstance(value, dict):
        return ()
    return tuple(Managed(kind, str(item[name]), _text(item.get(text)), str(item.get("when") or ""))
                 for key, kind, name, text in _MANAGED
                 for item in value.get(key) or () if isinstance(item, dict) and name in item)
