"""Export the blueprint schema as JSON Schema, for editors (``sigen schema``).

Translated from the same cerberus schema data the validator uses, so the two cannot drift:
every field's ``meta.description`` (and ``meta.examples``) becomes its description. Given
the role library, a service's ``component`` is an enum of its roles and its ``settings``
are typed by that role's ``meta/argument_specs.yml`` (``sigen.compile.settings_schema``).
The JSON Schema covers structure and value formats; the semantic checks (references,
addresses, capacity, ...) are only in ``sigen validate`` (docs/schema.md lists them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sigen.compile.settings_schema import SECRET_REFERENCE, component_names, settings_schema
from sigen.compile.validate.schema import load_schema
from sigen.compile.validate.secrets import LIMITS
from sigen.compile.validate.values import (
    COMPONENT_RE,
    FORMAT,
    NAME_RE,
    REQUIRED_ENVIRONMENTS,
    SETTING_RE,
    USER_RE,
)

__all__ = ["json_schema", "json_schema_text"]

_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
          "dict": "object", "list": "array"}
_SECRET_REFERENCE = SECRET_REFERENCE
_CHECKS: dict[str, dict[str, Any]] = {
    "name": {"pattern": f"^{NAME_RE.pattern}$"},
    "component": {"pattern": f"^{COMPONENT_RE.pattern}$"},
    "user_name": {"pattern": f"^{USER_RE.pattern}$"},
    "setting_name": {"pattern": f"^{SETTING_RE.pattern}$"},
    "duration": {"pattern": "^[1-9][0-9]{0,5}[mhdw]$"},
    "target_duration": {"pattern": "^[1-9][0-9]{0,5}[smhdw]$"},
    # What a calendar timer keeps evenly: minutes dividing 60, hours dividing 24, 1d, 1w.
    "schedule_interval": {"enum": [f"{n}m" for n in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)]
                          + [f"{n}h" for n in (1, 2, 3, 4, 6, 8, 12, 24)] + ["1d", "1w"]},
    "time_of_day": {"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
    "ip_address": {"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
    "network": {"pattern": "^[0-9A-Fa-f:.]+/[0-9]{1,3}$"},
    "network_v6": {"pattern": "^[0-9A-Fa-f:]+/[0-9]{1,3}$"},
    "client": {"pattern": f"^(any|{NAME_RE.pattern}|[0-9A-Fa-f:.]+/[0-9]{{1,3}})$"},
    "absolute_path": {"pattern": "^/"},
    "ssh_public_key": {"pattern": "^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|"
                                  "sk-ssh-ed25519@openssh.com|sk-ecdsa-sha2-nistp256@openssh.com)"
                                  " AAAA"},
    "timezone": {"description": "Time zone of the tz database, e.g. Asia/Taipei."},
    "format_version": {"const": FORMAT},
}


def _convert(rules: dict[str, Any], name: str = "") -> dict[str, Any]:
    check = rules.get("check_with")
    out: dict[str, Any] = {}
    if check == "secret_reference":
        out.update(_SECRET_REFERENCE)
        if rules.get("meta", {}).get("description"):
            out["description"] = rules["meta"]["description"]
        return out
    kind = rules.get("type")
    if isinstance(kind, list):
        out["type"] = [_TYPES[k] for k in kind if k in _TYPES]
    elif kind == "date":
        out.update({"type": "string", "format": "date"})
    elif kind in _TYPES:
        out["type"] = _TYPES[kind]
    if kind == "string":
        # The limits sigen validate enforces on every text (SG114).
        out["maxLength"] = LIMITS["description" if name == "description" else "other"]
    meta = rules.get("meta", {})
    if meta.get("description"):
        out["description"] = meta["description"]
    if meta.get("examples"):
        out["examples"] = list(meta["examples"])
    if "allowed" in rules:
        out["enum"] = list(rules["allowed"])
    if "min" in rules:
        out["minimum"] = rules["min"]
    if "max" in rules:
        out["maximum"] = rules["max"]
    if "minlength" in rules:
        out["minItems"] = rules["minlength"]
    if rules.get("empty") is False:
        out["minLength"] = 1
    if isinstance(check, str) and check in _CHECKS:
        out.update({k: v for k, v in _CHECKS[check].items() if k not in out})
    inner = rules.get("schema")
    if kind == "list" and isinstance(inner, dict):
        out["items"] = _convert(inner)
    elif kind == "dict" and isinstance(inner, dict):
        out.update(_object(inner))
    if isinstance(rules.get("keysrules"), dict):
        out["propertyNames"] = _convert(rules["keysrules"])
        out["propertyNames"].pop("type", None)
    if isinstance(rules.get("valuesrules"), dict):
        out["additionalProperties"] = _convert(rules["valuesrules"])
    return out


def _object(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "properties": {name: _convert(rules, name) for name, rules in fields.items()},
        "additionalProperties": False,
    }
    required = [name for name, rules in fields.items() if rules.get("required")]
    if required:
        out["required"] = required
    exclusive = sorted({tuple(sorted((name, rules["excludes"])))
                        for name, rules in fields.items()
                        if isinstance(rules.get("excludes"), str)})
    if exclusive:
        out["allOf"] = [{"not": {"required": list(pair)}} for pair in exclusive]
    # A field that needs another (meta.requires; validate/ reports it as SG113).
    needs = {name: [rules["meta"]["requires"]] for name, rules in fields.items()
             if isinstance(rules.get("meta"), dict) and "requires" in rules["meta"]}
    if needs:
        out["dependentRequired"] = needs
    return out


def _typed_services(schema: dict[str, Any], roles_dir: Path) -> None:
    """``component`` an enum of the roles, ``settings`` typed per component."""
    service = schema["properties"]["services"]["items"]
    roles = component_names(roles_dir)
    if not roles:
        return
    service["properties"]["component"]["enum"] = roles
    cases = []
    for role in roles:
        settings = settings_schema(roles_dir, role)
        if settings is not None:
            cases.append({"if": {"properties": {"component": {"const": role}},
                                 "required": ["component"]},
                          "then": {"properties": {"settings": settings}}})
    if cases:
        service.setdefault("allOf", []).extend(cases)


def json_schema(roles_dir: Path | None = None) -> dict[str, Any]:
    """The blueprint format as a JSON Schema (draft 2020-12) document; with ``roles_dir``
    the components and their settings are those of that role library."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://sigen.example/schemas/blueprint-{FORMAT}.json",
        "title": f"sigen blueprint, format {FORMAT}",
        "description": "A system blueprint compiled by sigen into an Ansible project and its "
                       "plans. See docs/blueprint.md.",
        "type": "object",
    }
    schema.update(_object(load_schema()))
    # Every blueprint has a lab and a production environment (SG112).
    schema["properties"]["system"]["properties"]["environments"]["allOf"] = [
        {"contains": {"type": "object", "required": ["name"],
                      "properties": {"name": {"const": name}}}}
        for name in REQUIRED_ENVIRONMENTS]
    if roles_dir is not None:
        _typed_services(schema, roles_dir)
    return schema


def json_schema_text(roles_dir: Path | None = None) -> str:
    """``json_schema()`` as indented JSON text, newline-terminated."""
    return json.dumps(json_schema(roles_dir), indent=2, ensure_ascii=False) + "\n"
