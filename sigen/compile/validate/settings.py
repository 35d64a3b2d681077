"""Service components and settings, checked against each role's meta/argument_specs.yml.

A service's ``settings`` keys are the role's option names without the ``<role>_`` prefix.
Types, choices and nested options are checked by Ansible's own ArgumentSpecValidator, so
a setting that validates here is one the role accepts. An option the role requires must
be given, unless the compiler derives it (sigen.compile.wiring.derived lists which).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

from sigen.compile.validate.derived import DERIVED_OPTIONS
from sigen.compile.validate.index import Entry, Index
from sigen.compile.validate.values import is_secret_reference

__all__ = ["check_settings", "role_options"]

_SPEC_KEYS = {"type", "elements", "choices", "options", "required", "no_log", "aliases"}
_PLACEHOLDER = "secret-reference"


@lru_cache(maxsize=128)
def role_options(roles_dir: Path, component: str) -> dict[str, Any] | None:
    """The ``main`` entry point's options of a role, or None if it has no argument_specs."""
    spec_file = roles_dir / component / "meta" / "argument_specs.yml"
    # Read it as Ansible does (PyYAML, YAML 1.1), so whatever Ansible accepts works here.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(spec_file.read_text("utf-8"), Loader=loader)
        options = data["argument_specs"]["main"].get("options") or {}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    return options if isinstance(options, dict) else None


def _validator_spec(options: dict[str, Any], top: bool) -> dict[str, Any]:
    """Options reduced to what the validator needs; top-level ``required`` dropped."""
    spec: dict[str, Any] = {}
    for name, option in options.items():
        if not isinstance(option, dict):
            continue
        reduced = {k: v for k, v in option.items() if k in _SPEC_KEYS}
        if top:
            reduced.pop("required", None)
        if isinstance(reduced.get("options"), dict):
            reduced["options"] = _validator_spec(reduced["options"], top=False)
        spec[name] = reduced
    return spec


def _without_references(value: Any) -> Any:
    """Secret references stand in for strings; the role sees a vault lookup there."""
    if is_secret_reference(value):
        return _PLACEHOLDER
    if isinstance(value, dict):
        return {k: _without_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_references(v) for v in value]
    return value


def _literal_leaf(value: Any) -> bool:
    if is_secret_reference(value):
        return False
    if isinstance(value, dict):
        return any(_literal_leaf(v) for v in value.values())
    if isinstance(value, list):
        return any(_literal_leaf(v) for v in value)
    return isinstance(value, str) and value != ""


def check_settings(index: Index, roles_dir: Path, skip: Collection[int] = ()) -> None:
    """Every service's component is a role, and its settings are options the role takes
    (except the services whose body's id is in ``skip``: known to pass)."""
    roles = sorted(p.name for p in roles_dir.iterdir() if (p / "tasks").is_dir()) \
        if roles_dir.is_dir() else []
    for service in index.entries("services"):
        if id(service.body) in skip:
            continue
        component = service.get_str("component")
        if component is None or not re.fullmatch(r"[a-z][a-z0-9_]*", component):
            continue
        if component not in roles:
            close = difflib.get_close_matches(component, roles, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            index.error((*service.path, "component"), "SG203",
                        f"unknown component {component!r} in service {service.name!r}: there "
                        f"is no role {component!r} in {roles_dir.name}/; {hint}components are "
                        f"the roles: {', '.join(roles) or '(none found)'}")
            continue
        settings = service.body.get("settings")
        if not isinstance(settings, dict):
            settings = {}
        options = role_options(roles_dir, component)
        if options is None:
            if settings:
                index.error((*service.path, "component"), "SG203",
                            f"role {component!r} has no readable meta/argument_specs.yml, so "
                            f"the settings of service {service.name!r} cannot be checked")
            continue
        _check_required(index, service, component, options, settings)
        if settings:
            _check_service_settings(index, service, component, options, settings)


def _check_required(index: Index, service: Entry, component: str,
                    options: dict[str, Any], settings: dict[str, Any]) -> None:
    """Required role options that neither the blueprint nor the compiler supplies."""
    prefix = f"{component}_"
    derived = DERIVED_OPTIONS.get(component, frozenset())
    given = {prefix + key for key in settings if isinstance(key, str)}
    for name, option in sorted(options.items()):
        if not (isinstance(option, dict) and option.get("required")):
            continue
        if name in given or name in derived or not name.startswith(prefix):
            continue
        key = name[len(prefix):]
        what = "a secret reference {vault: <variable>}" if option.get("no_log") else "a value"
        about = str(option.get("description") or "").split(". ")[0].strip().rstrip(".")
        hint = f" ({about})" if about else ""
        index.error_at_key((*service.path, "component"), "SG404",
                           f"role {component!r} requires the setting {key!r}{hint}, which "
                           f"service {service.name!r} does not give: add it under settings "
                           f"as {what}")


def _check_service_settings(index: Index, service: Entry, component: str,
                            options: dict[str, Any], settings: dict[str, Any]) -> None:
    from ansible.module_utils.common.arg_spec import (  # type: ignore[import-untyped]
        ArgumentSpecValidator,
    )

    prefix = f"{component}_"
    known = sorted(name[len(prefix):] for name in options if name.startswith(prefix))
    params: dict[str, Any] = {}
    for key, value in settings.items():
        if not isinstance(key, str):
            continue
        path = (*service.path, "settings", key)
        option = options.get(prefix + key)
        if not isinstance(option, dict):
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            if key.startswith(prefix) and key[len(prefix):] in known:
                hint = f"write it without the role prefix, as {key[len(prefix):]!r}; "
            index.error_at_key(path, "SG402",
                               f"role {component!r} has no option {prefix + key!r}, so "
                               f"{key!r} is not a setting of service {service.name!r}; {hint}"
                               f"settings are: {', '.join(known)}")
            continue
        if option.get("no_log") and _literal_leaf(value):
            index.error(path, "SG701",
                        f"setting {key!r} of service {service.name!r} is secret (no_log in "
                        f"role {component!r}); give {{vault: <variable>}} or "
                        "{env: <VARIABLE>} instead of the value")
            continue
        strict = _strict_type_error(option.get("type"), value)
        if strict:
            # Ansible's validator would convert "no" or "80", but the role then gets the
            # text, and in a template the text "no" is true: demand the real type.
            index.error(path, "SG403", f"setting {key!r} of service {service.name!r} {strict}")
            continue
        params[prefix + key] = _without_references(value)
    if not params:
        return
    spec = _validator_spec({k: options[k] for k in params}, top=True)
    try:
        result = ArgumentSpecValidator(spec).validate(params)
    except Exception as exc:  # a malformed role spec must not look like a user error
        index.error((*service.path, "component"), "SG203",
                    f"role {component!r} argument_specs cannot be used to check settings: "
                    f"{exc}")
        return
    for error in result.errors:
        message = str(getattr(error, "msg", error))
        named = _setting_named(message, params, prefix)
        shown = message.replace(prefix, "") if named else message
        shown = shown.replace(f"'{_PLACEHOLDER}'", "a secret reference")
        where = (*service.path, "settings", named) if named else (*service.path, "settings")
        about = f"setting {named!r}" if named else "the settings"
        index.error(where, "SG403",
                    f"role {component!r} rejects {about} of service {service.name!r}: {shown}")


def _strict_type_error(kind: Any, value: Any) -> str | None:
    if kind == "bool" and not isinstance(value, bool):
        return f"must be true or false (unquoted), not {value!r}"
    if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        return f"must be a whole number (unquoted), not {value!r}"
    if kind == "float" and (not isinstance(value, int | float) or isinstance(value, bool)):
        return f"must be a number (unquoted), not {value!r}"
    return None


def _setting_named(message: str, params: dict[str, Any], prefix: str) -> str | None:
    """Which setting an ArgumentSpecValidator message is about (longest name first)."""
    for name in sorted(params, key=len, reverse=True):
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message):
            return name[len(prefix):]
    return None
