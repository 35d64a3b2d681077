"""The JSON Schema of each role's settings, from its ``meta/argument_specs.yml``.

``sigen schema`` types a service's ``settings`` by its ``component`` (an ``if``/``then`` per
role), so an editor completes and checks role settings from the role's own interface, as
``sigen validate`` does with Ansible's validator. Options are named without the role
prefix; a secret (``no_log``) takes only a reference, any other text may be one too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sigen.compile.validate.derived import DERIVED_OPTIONS
from sigen.compile.validate.settings import role_options

__all__ = ["SECRET_REFERENCE", "component_names", "settings_schema"]

SECRET_REFERENCE: dict[str, Any] = {
    "oneOf": [
        {"type": "object", "required": ["vault"], "additionalProperties": False,
         "properties": {"vault": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
                                  "description": "Name of an ansible-vault variable."}},
         "description": "Name of an ansible-vault variable holding the secret."},
        {"type": "object", "required": ["env"], "additionalProperties": False,
         "properties": {"env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
                                "description": "Name of an environment variable."}},
         "description": "Environment variable holding the secret when the playbook runs."},
    ],
    "description": "A secret, by reference: {vault: variable} or {env: VARIABLE}.",
}
_TYPES = {"str": "string", "path": "string", "int": "integer", "float": "number",
          "bool": "boolean", "list": "array", "dict": "object"}
# Ansible's documentation markup: C(code), I(italic), B(bold), V(value), O(option), ...
_MARKUP = re.compile(r"\b[CIBVOEMLU]\(([^()]*)\)")


def component_names(roles_dir: Path) -> list[str]:
    """The roles a service's component may name (those with tasks), sorted."""
    if not roles_dir.is_dir():
        return []
    return sorted(p.name for p in roles_dir.iterdir() if (p / "tasks").is_dir())


def _description(option: dict[str, Any]) -> str:
    text = option.get("description") or option.get("short_description") or ""
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    return _MARKUP.sub(r"\1", " ".join(str(text).split()))


def _option(option: dict[str, Any], secret: bool) -> dict[str, Any]:
    """One option as JSON Schema; ``secret`` when it or an option above it is no_log."""
    secret = secret or bool(option.get("no_log"))
    kind = option.get("type", "str")
    out: dict[str, Any]
    if kind in ("str", "path") and secret:
        out = dict(SECRET_REFERENCE)
    elif kind == "list":
        out = {"type": "array"}
        elements = option.get("elements")
        if elements == "dict" and isinstance(option.get("options"), dict):
            out["items"] = {"type": "object", **_options(option["options"], secret)}
        elif isinstance(elements, str):
            out["items"] = _option({"type": elements}, secret)
    elif kind == "dict":
        out = {"type": "object"}
        if isinstance(option.get("options"), dict):
            out.update(_options(option["options"], secret))
        elif secret:
            out["additionalProperties"] = dict(SECRET_REFERENCE)
    elif kind in ("str", "path"):
        out = {"anyOf": [{"type": "string"}, dict(SECRET_REFERENCE)]}
    elif kind in _TYPES:
        out = {"type": _TYPES[kind]}
    else:  # raw, jsonarg, ...: anything
        out = {}
    if isinstance(option.get("choices"), list):
        out = {"enum": list(option["choices"])}
    described = _description(option)
    if described:
        out["description"] = described
    if "default" in option and option["default"] is not None and not secret:
        out["default"] = option["default"]
    return out


def _options(options: dict[str, Any], secret: bool, *, prefix: str = "",
             derived: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``properties`` and ``required`` of a set of options (names without ``prefix``)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, option in sorted(options.items()):
        if not isinstance(option, dict) or not name.startswith(prefix):
            continue
        key = name[len(prefix):]
        properties[key] = _option(option, secret)
        if option.get("required") and name not in derived:
            required.append(key)
    out: dict[str, Any] = {"properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def settings_schema(roles_dir: Path, component: str) -> dict[str, Any] | None:
    """The schema of ``settings`` of a service whose component is ``component``."""
    options = role_options(roles_dir, component)
    if options is None:
        return None
    return {"type": "object",
            "description": f"Settings of role {component} (its meta/argument_specs.yml), "
                           f"without the {component}_ prefix.",
            **_options(options, False, prefix=f"{component}_",
                       derived=DERIVED_OPTIONS.get(component, frozenset()))}
