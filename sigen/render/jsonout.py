"""The JSON emitter of the inventories (``hosts.json``, ``group_vars``, ``host_vars``).

Ansible loads JSON vars and inventory files with the C JSON parser, several times faster
than YAML (bench/README.md has the figures), so the inventories are JSON. Every string that
Jinja could read as a template (``{{``, ``{%``, ``{#``) is written
``{"__ansible_unsafe": "..."}``, the JSON form of ``!unsafe`` that Ansible's loader turns
into a string it never templates, except ``Jinja`` strings, the templates sigen itself
writes (secret references). JSON strings are strings: no YAML 1.1 quoting is needed.

Output is indented two spaces, one value per line (a changed address or flow is a one-line
diff), keys in the order the builders made them (a fixed order), and ends with a newline.
A direct emitter with a cache of the strings it has written, as ``yamlout``: 10,000 hosts
repeat the same few thousand strings.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sigen.plan import Jinja
from sigen.render.memo import recalled
from sigen.render.yamlout import looks_like_template

__all__ = ["RESERVED_PREFIX", "dump", "join", "members", "scalar"]

# Ansible's JSON loader reads a mapping with such a key as a marked value (unsafe text, a
# vault secret), not as a mapping: sigen never writes one as a plain key.
RESERVED_PREFIX = "__ansible_"
_quote = json.JSONEncoder(ensure_ascii=False).encode
_cache: dict[str, str] = {}
_key_cache: dict[str, str] = {}


def _string(value: str) -> str:
    if looks_like_template(value):
        return '{"__ansible_unsafe": ' + _quote(value) + "}"
    return _quote(value)


def scalar(value: Any) -> str:
    """One scalar as JSON text."""
    kind = type(value)
    if kind is str:
        text = _cache.get(value)
        if text is None:
            text = _cache[value] = _string(value)
        return text
    if kind is Jinja:
        return _quote(str(value))
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is int:
        return str(value)
    if kind is float:
        if not math.isfinite(value):
            raise ValueError(f"JSON has no {value!r}")
        return repr(value)
    if isinstance(value, str):
        return _string(str(value))
    if isinstance(value, datetime.date):
        return _quote(value.isoformat())
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _key(key: Any) -> str:
    text = _key_cache.get(key) if type(key) is str else None
    if text is None:
        name = key if isinstance(key, str) else str(key)
        if name.startswith(RESERVED_PREFIX):
            raise ValueError(f"mapping key reserved by Ansible: {name!r}")
        if looks_like_template(name):
            raise ValueError(f"mapping key looks like a template: {name!r}")
        text = _quote(str(name))
        if type(key) is str:
            _key_cache[key] = text
    return text


def _value(value: Any, indent: str) -> str:
    kind = type(value)
    if kind is dict or (kind is not str and isinstance(value, Mapping)):
        if not value:
            return "{}"
        inner = indent + "  "
        return "{\n" + ",\n".join(f"{inner}{_key(k)}: {_value(v, inner)}"
                                  for k, v in value.items()) + f"\n{indent}}}"
    if kind is list or kind is tuple or (
            isinstance(value, Sequence) and not isinstance(value, str)):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _value(v, inner) for v in value) + f"\n{indent}]"
    return scalar(value)


def members(data: Mapping[str, Any]) -> str:
    """The members of a top-level mapping, one per line, without the braces: files whose
    data is made of parts (a host's connection and its shared variables) join them with
    ``,\\n``. Recalled by the data in an incremental build."""
    def emit() -> str:
        return ",\n".join(f"  {_key(k)}: {_value(v, '  ')}" for k, v in data.items())

    return recalled(data, "json members", emit)


def dump(data: Mapping[str, Any] | Sequence[Any]) -> str:
    """A whole JSON document, ending with a newline."""
    if isinstance(data, Mapping):
        return "{\n" + members(data) + "\n}\n" if data else "{}\n"
    return recalled(data, "json", lambda: _value(data, "") + "\n")


def join(*parts: str) -> str:
    """One JSON object of the ``members`` of several mappings (empty ones left out)."""
    found = [p for p in parts if p]
    return "{\n" + ",\n".join(found) + "\n}\n" if found else "{}\n"
