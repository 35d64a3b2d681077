"""Measured records checked against their schemas (sigen/data/records.schema.yml) before
the plan receives them.

A record is evidence an approver signs on: one that was damaged or edited by hand must not
become a document, nor crash the build that would render it. Each problem is a diagnostic at
its ``file:line:col`` in the record (JSON is YAML, so the blueprint's position index finds
it), with what to do; the build reports every problem of every record at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from cerberus import Validator  # type: ignore[import-untyped]
from cerberus.errors import ValidationError  # type: ignore[import-untyped]

from sigen.compile.loader import PositionIndex
from sigen.compile.validate.fastschema import Check, compiled
from sigen.compile.yaml12 import load_yaml12
from sigen.diagnostics import Diagnostic

__all__ = ["KINDS", "check_record", "unreadable"]

CODE = "SG924"
# Record kind: the command that writes it.
KINDS = {"verify": "sigen verify", "drill": "sigen drill", "inventory": "sigen inventory"}

Problem = tuple[tuple[str | int, ...], str]


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    text = resources.files("sigen").joinpath("data/records.schema.yml").read_text("utf-8")
    data: dict[str, Any] = load_yaml12(text)[0]
    out = {kind: {**data["common"], **data[kind]} for kind in KINDS}
    out["inventory_host"] = data["inventory_host"]
    out["inventory_unanswered"] = data["inventory_unanswered"]
    return out


@cache
def _validator(name: str) -> Validator:
    # Made once: cerberus checks a schema when a Validator is made (20 ms), not per
    # validate(), which starts afresh each time.
    return Validator(_schemas()[name], allow_unknown=True)


@cache
def _accepts(name: str) -> Check:
    return compiled(_schemas()[name], allow_unknown=True)


def _sound(record: Any, name: str) -> bool:
    """True only when cerberus would accept ``record`` under schema ``name``: compiled
    rules, as for blueprints (a 10,000-host inventory record is 15 s of cerberus)."""
    try:
        return _accepts(name)(record)
    except Exception:  # a value the compiled rules cannot compare: cerberus says
        return False


def _leaves(errors: Any) -> Iterator[ValidationError]:
    for error in errors:
        if error.is_group_error:
            yield from _leaves(error.child_errors)
        else:
            yield error


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _what(error: ValidationError) -> str:
    if error.rule == "required":
        return "is missing"
    if error.rule == "nullable":
        return "is null"
    if error.rule == "type":
        return f"is {_type_name(error.value)}, not {error.constraint}"
    if error.rule == "regex":
        return f"is {json.dumps(error.value)}, which does not match {error.constraint}"
    if error.rule == "allowed":
        return f"is {json.dumps(error.value)}, not one of {json.dumps(error.constraint)}"
    if error.rule == "empty":
        return "is empty"
    return f"breaks the rule {error.rule}: {error.constraint}"


def _problems(record: Mapping[str, Any], kind: str) -> Iterator[Problem]:
    validator = _validator(kind)
    if not _sound(record, kind) and not validator.validate(dict(record)):
        for error in _leaves(validator._errors):
            yield tuple(error.document_path), _what(error)
    hosts = record.get("hosts") if kind == "inventory" else None
    for name, facts in (hosts or {}).items() if isinstance(hosts, Mapping) else ():
        if not isinstance(facts, Mapping):
            continue  # the record's own schema said so
        schema = "inventory_host" if facts.get("answered") is True else "inventory_unanswered"
        host = _validator(schema)
        if not _sound(facts, schema) and not host.validate(dict(facts)):
            for error in _leaves(host._errors):
                yield ("hosts", name, *error.document_path), _what(error)


def _where(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "record"


def _fix(kind: str, path: Path) -> str:
    folder = f"{path.parent.parent.name}/{path.parent.name}/"
    return (f"it is not as `{KINDS[kind]}` wrote it. Run `{KINDS[kind]}` again for a new "
            f"record, or move {path.name} out of {folder}: every record there becomes part "
            "of the documents")


def check_record(path: Path, text: str, record: Mapping[str, Any], kind: str,
                 shown: str) -> list[Diagnostic]:
    """A diagnostic (at ``shown``, the path as the user sees it) for each field of
    ``record`` that is not as its writer makes it; none for a sound record."""
    problems = sorted(set(_problems(record, kind)), key=lambda p: [str(s) for s in p[0]])
    if not problems:
        return []
    index = PositionIndex(text)
    return [Diagnostic(shown, *index.locate(where), CODE,
                       f"the {kind} record's {_where(where)} {what}: {_fix(kind, path)}")
            for where, what in problems]


def unreadable(path: Path, shown: str, kind: str, error: ValueError) -> Diagnostic:
    """The record is no JSON at all (cut short, or edited)."""
    line, col = (error.lineno, error.colno) if isinstance(error, json.JSONDecodeError) \
        else (1, 1)
    return Diagnostic(shown, line, col, CODE,
                      f"the {kind} record is not JSON ({getattr(error, 'msg', error)}): "
                      f"{_fix(kind, path)}")
