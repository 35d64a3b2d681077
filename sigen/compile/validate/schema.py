"""Structural validation: the cerberus schema in sigen/data/blueprint.schema.yml.

One Validator runs over the whole document (cheaper than one per host), without
normalisation (nothing is copied or coerced). Each cerberus error becomes a Diagnostic
with its own code and a message that says how to fix it.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import zoneinfo
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from cerberus import TypeDefinition, Validator  # type: ignore[import-untyped]
from cerberus import errors as cerberus_errors
from cerberus.errors import ValidationError  # type: ignore[import-untyped]
from cerberus.schema import DefinitionSchema  # type: ignore[import-untyped]

from sigen.compile.loader import LoadedBlueprint
from sigen.compile.validate.values import (
    COMPONENT_RE,
    FORMAT,
    NAME_RE,
    SETTING_RE,
    USER_RE,
    is_secret_reference,
    parse_duration,
    parse_time_of_day,
)
from sigen.compile.yaml12 import load_yaml12
from sigen.diagnostics import Diagnostic

__all__ = ["BlueprintValidator", "check_schema", "describe_path", "is_timezone",
           "load_schema", "schema_definition"]

_SEPARATOR = "\x1f"  # between code and message in custom check_with errors
_CUSTOM = cerberus_errors.CUSTOM.code
_SSH_KEY_TYPES = (
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)


@cache
def load_schema() -> dict[str, Any]:
    """The blueprint schema (cerberus rules) as data."""
    text = resources.files("sigen").joinpath("data/blueprint.schema.yml").read_text("utf-8")
    # The blueprint's own YAML 1.2 loader: importing ruamel.yaml and its constructor was
    # 0.03 s of every build (tests/test_incremental.py compares both readings).
    schema: dict[str, Any] = load_yaml12(text)[0]
    return schema


@cache
def _available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


_TZ_KEY = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")


@cache
def is_timezone(name: str) -> bool:
    """Whether ``name`` is one of ``zoneinfo.available_timezones()``, whose listing reads
    the whole tz database (0.015-0.025 s of every build). A key found as that listing
    finds it (by exact name in real folders under a tz root, a file starting with TZif,
    not under right/ or posix/) is one without the listing; anything else is looked up in
    the listing."""
    parts = name.split("/")
    if _TZ_KEY.fullmatch(name) and name != "posixrules" and parts[0] not in ("right",
                                                                               "posix"):
        for root in zoneinfo.TZPATH:
            if _tz_file(root, parts):
                return True
    return name in _available_timezones()


def _tz_file(root: str, parts: list[str]) -> bool:
    folder = root
    try:
        for pos, part in enumerate(parts):
            if part not in os.listdir(folder):  # exact case, even where the disk ignores it
                return False
            path = os.path.join(folder, part)
            if pos < len(parts) - 1:
                if os.path.islink(path) or not os.path.isdir(path):
                    return False  # the listing does not follow links to folders
                folder = path
        with open(path, "rb") as fh:
            return fh.read(4) == b"TZif"
    except OSError:
        return False


class BlueprintValidator(Validator):  # type: ignore[misc]
    """Cerberus validator with the blueprint's value checks (names, durations, ...)."""

    # A YAML true is a Python int; a boolean is never a number in a blueprint.
    types_mapping = Validator.types_mapping.copy()
    types_mapping["integer"] = TypeDefinition("integer", (int,), (bool,))
    types_mapping["number"] = TypeDefinition("number", (int, float), (bool,))

    def _error(self, *args: Any) -> None:
        # Cerberus sorts its error list, and each node of its error trees, after every error
        # it adds: quadratic, a mistake repeated in 10,000 hosts took minutes. Diagnostics
        # are sorted once, later, and the trees only serve rules this schema does not use
        # (coerce, dependencies, readonly), so they are not kept.
        if len(args) == 1:
            self._errors.extend(args[0])
        else:
            super()._error(*args)

    def _fail(self, field: str, code: str, message: str) -> None:
        self._error(field, f"{code}{_SEPARATOR}{message}")

    def _check_with_format_version(self, field: str, value: Any) -> None:
        if value == FORMAT:
            return
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value < FORMAT:
            self._fail(field, "SG111", f"blueprint format {value} is older than this sigen's "
                       f"format {FORMAT}: upgrade the file with sigen migrate (in place, "
                       "keeping its comments; docs/migrate.md says what changes)")
        else:
            self._fail(field, "SG111", f"blueprint format {value!r} is not supported; this "
                       f"sigen reads format {FORMAT} ('sigen: {FORMAT}'): a newer format needs "
                       "a newer sigen")

    def _check_with_name(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not NAME_RE.fullmatch(value):
            suggestion = _name_suggestion(value)
            self._fail(field, "SG106", f"name {value!r} is not allowed: use lower-case letters, "
                       "digits and '-', starting with a letter or digit, at most 63 "
                       f"characters{suggestion}")

    def _check_with_document_prefix(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{0,31}", value):
            self._fail(field, "SG106", f"document number prefix {value!r} is not allowed: use "
                       "capital letters, digits and '-', at most 32 (for example 'ESHOP')")

    def _check_with_component(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not COMPONENT_RE.fullmatch(value):
            self._fail(field, "SG106", f"component {value!r} is not a role name: use "
                       "lower-case letters, digits and '_' (for example 'haproxy', "
                       "'backup_server')")

    def _check_with_user_name(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not USER_RE.fullmatch(value):
            self._fail(field, "SG106", f"user name {value!r} is not a valid login name: use "
                       "lower-case letters, digits, '_' and '-', starting with a letter")

    def _check_with_setting_name(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not SETTING_RE.fullmatch(value):
            self._fail(field, "SG106", f"setting name {value!r} is not a role option name: "
                       "use lower-case letters, digits and '_'")

    def _check_with_duration(self, field: str, value: Any) -> None:
        if isinstance(value, str) and parse_duration(value) is None:
            self._fail(field, "SG107", f"{value!r} is not a duration: write a whole number "
                       "and a unit m, h, d or w, for example 15m, 4h, 1d, 1w")

    def _check_with_schedule_interval(self, field: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        seconds = parse_duration(value)
        if seconds is None:
            self._check_with_duration(field, value)
            return
        amount, unit = int(value.strip()[:-1]), value.strip()[-1]
        # A systemd calendar repeats within the hour, the day or the week: an interval that
        # does not divide it would run unevenly (every 5h: 00, 05, ... 20, then 00 again).
        fits = {"m": 60 % amount == 0, "h": 24 % amount == 0, "d": amount == 1,
                "w": amount == 1}[unit]
        if not fits:
            self._fail(field, "SG107", f"every {value!r} cannot be kept by a calendar timer "
                       "(systemd OnCalendar repeats within the hour, day or week): give "
                       "minutes that divide 60, hours that divide 24, 1d or 1w (for example "
                       "15m, 4h, 1d)")

    def _check_with_target_duration(self, field: str, value: Any) -> None:
        # Recovery targets may be seconds: a drill measures them to the second.
        if isinstance(value, str) and parse_duration(value, seconds=True) is None:
            self._fail(field, "SG107", f"{value!r} is not a duration: write a whole number "
                       "and a unit s, m, h, d or w, for example 90s, 15m, 4h, 1d")

    def _check_with_time_of_day(self, field: str, value: Any) -> None:
        if isinstance(value, str) and parse_time_of_day(value) is None:
            self._fail(field, "SG108", f"{value!r} is not a time of day: write HH:MM on the "
                       "24-hour clock in quotes, for example \"01:30\"")

    def _check_with_timezone(self, field: str, value: Any) -> None:
        if isinstance(value, str) and not is_timezone(value):
            close = difflib.get_close_matches(value, sorted(_available_timezones()), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self._fail(field, "SG104", f"{value!r} is not a time zone of the tz database "
                       f"(for example Asia/Taipei or Etc/UTC){hint}")

    def _check_with_ip_address(self, field: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        try:
            ipaddress.ip_address(value)
        except ValueError:
            hint = " (write the address without the /prefix)" if "/" in value else ""
            self._fail(field, "SG109", f"{value!r} is not an IP address{hint}")

    def _check_network(self, field: str, value: Any, version: int | None) -> None:
        if not isinstance(value, str):
            return
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            hint = ""
            try:
                loose = ipaddress.ip_network(value, strict=False)
                hint = f"; host bits are set, did you mean {loose}?"
            except ValueError:
                hint = f" ({exc})"
            self._fail(field, "SG109", f"{value!r} is not a network in CIDR notation such as "
                       f"10.20.10.0/24{hint}")
            return
        if "/" not in value:
            self._fail(field, "SG109", f"{value!r} has no prefix length; write it as CIDR, "
                       f"for example {net.network_address}/24")
        elif version is not None and net.version != version:
            self._fail(field, "SG109", f"{value!r} is not an IPv{version} network")

    def _check_with_network(self, field: str, value: Any) -> None:
        self._check_network(field, value, None)

    def _check_with_network_v6(self, field: str, value: Any) -> None:
        self._check_network(field, value, 6)

    def _check_with_client(self, field: str, value: Any) -> None:
        if not isinstance(value, str) or value == "any" or NAME_RE.fullmatch(value):
            return
        self._check_network(field, value, None)

    def _check_with_absolute_path(self, field: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        if not value.startswith("/") or "/../" in f"{value}/" or "\n" in value:
            self._fail(field, "SG104", f"{value!r} is not an absolute path: start it with '/' "
                       "and do not use '..'")

    def _check_with_secret_reference(self, field: str, value: Any) -> None:
        if not is_secret_reference(value):
            self._fail(field, "SG701", "a secret must be a reference, {vault: <ansible "
                       "variable>} or {env: <ENVIRONMENT_VARIABLE>}, never the secret itself")

    def _check_with_ssh_public_key(self, field: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        if "PRIVATE KEY" in value:
            self._fail(field, "SG701", "this is an SSH PRIVATE key: remove it at once (and "
                       "replace the key pair); give the public key, the .pub file's line")
            return
        parts = value.split()
        if len(parts) < 2 or parts[0] not in _SSH_KEY_TYPES or not parts[1].startswith("AAAA"):
            self._fail(field, "SG702", "not an SSH public key: give the whole line of the "
                       ".pub file, for example 'ssh-ed25519 AAAAC3... alice@laptop'")


def _name_suggestion(value: str) -> str:
    import re

    fixed = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")[:63]
    return f"; for example {fixed!r}" if fixed and NAME_RE.fullmatch(fixed) else ""


def _without_meta(rules: Any) -> Any:
    """The schema without its documentation: every rule costs time per document node."""
    if isinstance(rules, dict):
        return {k: _without_meta(v) for k, v in rules.items() if k != "meta"}
    if isinstance(rules, list):
        return [_without_meta(v) for v in rules]
    return rules


class _CheckedSchema(DefinitionSchema):  # type: ignore[misc]
    """sigen's own schema, expanded as cerberus does but not checked against cerberus's
    rules for schemas each time: that check is most of the fixed cost of validating a
    blueprint (0.1 s of every build). tests/test_incremental.py checks the schema the
    usual way and that it expands to the same definition."""

    def validate(self, schema: Any = None) -> None:
        pass


def schema_definition(validator: BlueprintValidator) -> DefinitionSchema:
    """The blueprint schema, as cerberus would hold it for ``validator``, unchecked."""
    return _CheckedSchema(validator, _without_meta(load_schema()))


@cache
def _validator() -> BlueprintValidator:
    validator = BlueprintValidator()
    validator.schema = schema_definition(validator)
    return validator


def describe_path(doc_path: tuple[Any, ...]) -> str:
    """``("hosts", 2, "interfaces", 0)`` -> ``hosts[2].interfaces[0]``."""
    text = ""
    for step in doc_path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text or "the top level"


def _leaves(errors: Any, under_keysrules: bool = False) -> Iterator[tuple[ValidationError, bool]]:
    for error in errors:
        if error.is_group_error:
            yield from _leaves(error.child_errors, error.rule == "keysrules")
        else:
            yield error, under_keysrules


def check_schema(loaded: LoadedBlueprint) -> list[Diagnostic]:
    """Diagnostics for every place where the document does not match the schema."""
    from sigen.compile.validate.fastschema import accepts

    if accepts(loaded.data):  # compiled rules: the common case, a valid blueprint, at once
        return []
    validator = _validator()
    if validator.validate(loaded.data, normalize=False):
        return []
    diags = []
    excluded: set[tuple[Any, ...]] = set()
    for error, is_key in _leaves(validator._errors):
        if error.rule == "excludes":
            # cerberus reports "a excludes b" and "b excludes a"; one is enough.
            pair = (*error.document_path[:-1], *sorted([str(error.field), str(error.constraint)]))
            if pair in excluded:
                continue
            excluded.add(pair)
        diag = _diagnostic(loaded, error, is_key)
        if diag is not None:
            diags.append(diag)
    return diags


_TYPE_WORDS = {
    "string": "text", "integer": "a whole number", "number": "a number",
    "boolean": "true or false", "dict": "a mapping (key: value lines)", "list": "a list",
    "date": "a date (YYYY-MM-DD)",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _diagnostic(loaded: LoadedBlueprint, error: ValidationError, is_key: bool) -> Diagnostic | None:
    path = tuple(error.document_path)
    where = describe_path(path)
    parent = describe_path(path[:-1])
    field = path[-1] if path else ""
    rule, value, constraint = error.rule, error.value, error.constraint
    custom = _custom(error)
    if custom is not None and not is_key:
        return loaded.diagnostic(path, custom[0], f"{where}: {custom[1]}")
    if is_key:
        code, message = _custom(error) or ("SG106", f"key {field!r} is not allowed")
        line, col = loaded.locate_key(path)
        return Diagnostic(loaded.display_path, line, col, code, f"{message} (in {parent})")
    if rule is None and error.code == 0x03:  # unknown field
        allowed = sorted(_schema_at(path[:-1]))
        close = difflib.get_close_matches(str(field), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        line, col = loaded.locate_key(path)
        return Diagnostic(loaded.display_path, line, col, "SG102",
                          f"unknown field {field!r} in {parent}; {hint}"
                          f"allowed here: {', '.join(allowed)}")
    if rule == "required":
        return loaded.diagnostic(path, "SG101", f"{parent} has no {field!r}; add it "
                                 "(it is required)")
    if rule == "nullable":
        return loaded.diagnostic(path, "SG103", f"{where} is empty; give it a value or remove "
                                 "the line")
    if rule == "type":
        expected = constraint if isinstance(constraint, list) else [constraint]
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
        extra = ""
        if isinstance(value, str) and (expected == ["date"] or (
                set(expected) & {"integer", "number", "boolean"} and _looks_typed(value))):
            extra = "; remove the quotes"
        return loaded.diagnostic(path, "SG103", f"{where} must be {words}, not "
                                 f"{_type_name(value)} ({_show(value)}){extra}")
    if rule == "allowed":
        choices = [str(c) for c in constraint]
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return loaded.diagnostic(path, "SG104", f"{_show(value)} is not allowed for {where}; "
                                 f"{hint}use one of: {', '.join(choices)}")
    if rule in ("min", "max"):
        bound = "at least" if rule == "min" else "at most"
        return loaded.diagnostic(path, "SG105", f"{where} is {value}; it must be {bound} "
                                 f"{constraint}")
    if rule == "minlength":
        return loaded.diagnostic(path, "SG110", f"{where} has {len(value)} "
                                 f"item{'s' if len(value) != 1 else ''}; it needs at least "
                                 f"{constraint}")
    if rule == "empty":
        return loaded.diagnostic(path, "SG103", f"{where} is empty text; write a value")
    if rule == "excludes":
        return loaded.diagnostic(path, "SG113", f"{parent} has both {field!r} and "
                                 f"{constraint!r}; keep only one of them")
    if rule == "check_with":
        code, message = _custom(error) or ("SG104", f"{where} is not valid")
        return loaded.diagnostic(path, code, f"{where}: {message}")
    return loaded.diagnostic(path, "SG104", f"{where} is not valid ({rule})")


def _looks_typed(value: str) -> bool:
    return value.strip().lstrip("-").replace(".", "", 1).isdigit() or value in ("true", "false")


def _custom(error: ValidationError) -> tuple[str, str] | None:
    # Only sigen's own errors (cerberus' CUSTOM): another rule's info can hold the value,
    # which may be any text, the separator included.
    if error.code != _CUSTOM:
        return None
    for info in error.info:
        if isinstance(info, str) and _SEPARATOR in info:
            code, message = info.split(_SEPARATOR, 1)
            return code, message
    return None


def _schema_at(path: tuple[Any, ...]) -> dict[str, Any]:
    """The field rules of the mapping at path (list indices skipped)."""
    rules: dict[str, Any] = load_schema()
    for step in path:
        if isinstance(step, int):
            continue
        node = rules.get(step, {})
        inner = node.get("schema", {})
        if node.get("type") == "list":
            inner = inner.get("schema", {})
        rules = inner
    return rules
