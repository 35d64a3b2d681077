"""A fast YAML 1.2 safe loader: libyaml's C parser with a YAML 1.2 core-schema resolver.

ruamel.yaml's safe loader spends most of its time in its Python resolver and tag objects
(measured here on a 10,000-host blueprint: 5.6-7.6 s against 2.9 s for this loader). This
loader keeps PyYAML's C parser and constructor but resolves plain scalars by the YAML 1.2
core schema, as ruamel.yaml does: ``yes``/``no``/``on``/``off`` stay text, ``0755`` is 755,
``1:30`` is text. It also refuses duplicate keys (PyYAML silently keeps the last one) and
records where plain scalars that YAML 1.1 would read as booleans are, so the validator can
report them without a second parse. PyYAML comes with ansible-core.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml  # type: ignore[import-untyped,unused-ignore]
from yaml.constructor import (  # type: ignore[import-untyped,unused-ignore]
    ConstructorError,
    SafeConstructor,
)
from yaml.nodes import (  # type: ignore[import-untyped,unused-ignore]
    MappingNode,
    ScalarNode,
    SequenceNode,
)
from yaml.resolver import BaseResolver  # type: ignore[import-untyped,unused-ignore]

__all__ = ["YAML11_BOOLEANS", "DuplicateKey", "KeyNotText", "compose_yaml12",
           "constructed_yaml12", "load_yaml12"]

# Plain scalars YAML 1.1 (and so Ansible's PyYAML) reads as booleans but YAML 1.2 reads as
# text. true/false mean the same in both and are not listed.
YAML11_BOOLEANS = frozenset(
    ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
     "on", "On", "ON", "off", "Off", "OFF"]
)


class DuplicateKey(yaml.MarkedYAMLError):  # type: ignore[misc,unused-ignore]
    """A key appears twice in one mapping."""

    def __init__(self, key: str, first: Any, second: Any) -> None:
        super().__init__(None, first, f"duplicate key {key!r}", second)
        self.key = key


class KeyNotText(yaml.MarkedYAMLError):  # type: ignore[misc,unused-ignore]
    """A mapping key that is a number, boolean, date or null instead of text."""

    def __init__(self, key: str, kind: str, mark: Any) -> None:
        super().__init__(None, None, f"key {key!r} is {kind}", mark)
        self.key, self.kind = key, kind


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_KIND = {"tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
         "tag:yaml.org,2002:bool": "a boolean", "tag:yaml.org,2002:null": "empty (null)",
         "tag:yaml.org,2002:timestamp": "a date"}


class _Resolver12(BaseResolver):  # type: ignore[misc,unused-ignore]
    """YAML 1.2 core schema (plus timestamps and merge keys, as ruamel.yaml's safe loader)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        # libyaml asks for the tag of every scalar; a plain scalar's depends on its text
        # alone (no path resolvers), and the same keys and values come back thousands of
        # times: look the regular expressions up once per text.
        if kind is ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < _PLAIN_TAGS_KEPT:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]


_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_KEPT = 200_000


_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:timestamp",
     r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
     r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
     r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
     r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$", "0123456789"),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
]
for _tag, _pattern, _first in _RESOLVERS:
    _Resolver12.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _Constructor12(SafeConstructor):  # type: ignore[misc,unused-ignore]
    """SafeConstructor with YAML 1.2 integers, duplicate-key refusal and 1.1-boolean notes."""

    yaml11_plain: list[tuple[int, int, str]]

    def construct_yaml_int(self, node: ScalarNode) -> int:
        value = str(self.construct_scalar(node))
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value)

    def construct_yaml_str(self, node: ScalarNode) -> str:
        value = str(self.construct_scalar(node))
        if not node.style and value in YAML11_BOOLEANS:  # plain: '' (C) or None
            self.yaml11_plain.append((node.start_mark.line + 1, node.start_mark.column + 1,
                                      value))
        return value

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise ConstructorError(
                None, None, f"{node.value!r} looks like a date but is not one ({exc}); "
                "correct it, or quote it if it is text", node.start_mark) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            for key_node, _ in node.value:
                # Keys are names in a blueprint; a number or null key would also break
                # sorting and look-ups downstream.
                if key_node.tag != _STR_TAG and key_node.tag != _MERGE_TAG:
                    kind = _KIND.get(key_node.tag, "not text")
                    raise KeyNotText(str(key_node.value), kind, key_node.start_mark)
            keys = [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
            if len(set(keys)) != len(keys):
                self._refuse_duplicate(node)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]

    @staticmethod
    def _refuse_duplicate(node: MappingNode) -> None:
        seen: dict[tuple[str, str], Any] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG:
                first = seen.setdefault((key_node.tag, key_node.value), key_node)
                if first is not key_node:
                    raise DuplicateKey(key_node.value, first.start_mark, key_node.start_mark)


_Constructor12.add_constructor("tag:yaml.org,2002:int", _Constructor12.construct_yaml_int)
_Constructor12.add_constructor("tag:yaml.org,2002:str", _Constructor12.construct_yaml_str)
_Constructor12.add_constructor("tag:yaml.org,2002:timestamp",
                               _Constructor12.construct_yaml_timestamp)


def _no_constructor(self: _Constructor12, node: Any) -> Any:
    raise ConstructorError(
        None, None,
        f"the tag {node.tag!r} is not supported (blueprints use plain YAML; a secret is "
        "referenced as {vault: <variable>}, never embedded, even encrypted)",
        node.start_mark)


def _merge_as_text(self: _Constructor12, node: Any) -> Any:
    return "<<"  # "<<" written as a value, not as a merge key


_Constructor12.add_constructor(None, _no_constructor)
_Constructor12.add_constructor("tag:yaml.org,2002:merge", _merge_as_text)

try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[import-untyped,unused-ignore]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = None
if _Parser is not None:
    class _Loader12(_Parser, _Constructor12, _Resolver12):  # type: ignore[misc,valid-type,unused-ignore]
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            _Constructor12.__init__(self)
            _Resolver12.__init__(self)
            self.yaml11_plain = []
else:  # pragma: no cover - PyYAML without libyaml: same rules, pure-Python speed
    from yaml.composer import Composer  # type: ignore[import-untyped,unused-ignore]
    from yaml.parser import Parser  # type: ignore[import-untyped,unused-ignore]
    from yaml.reader import Reader  # type: ignore[import-untyped,unused-ignore]
    from yaml.scanner import Scanner  # type: ignore[import-untyped,unused-ignore]

    class _Loader12(Reader, Scanner, Parser, Composer,  # type: ignore[no-redef,misc]
                    _Constructor12, _Resolver12):
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _Constructor12.__init__(self)
            _Resolver12.__init__(self)
            self.yaml11_plain = []


class _Unusual(Exception):
    """A node the quick construction leaves to the constructor (a merge key, another tag)."""


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def _quick(loader: Any, root: Any) -> Any:
    """The Python value of a composed document, as the constructor makes it, in one plain
    recursion: SafeConstructor's object machinery (a generator per collection, state per
    node) was most of the 3 s a 10,000-host blueprint took to load. Strings, plain
    numbers, booleans, nulls, mappings and lists are made here, in document order (so the
    yes/no notes come in the same order); anything else raises _Unusual."""
    plain = loader.yaml11_plain
    made: dict[int, Any] = {}  # an alias is the same node: the same value, as the constructor

    def value(node: Any) -> Any:
        cls = type(node)
        if cls is ScalarNode:
            tag = node.tag
            text = node.value
            if tag == _STR_TAG:
                if not node.style and text in YAML11_BOOLEANS:
                    plain.append((node.start_mark.line + 1, node.start_mark.column + 1,
                                  text))
                return text
            if tag == _INT_TAG:
                return loader.construct_yaml_int(node)
            if tag == _NULL_TAG:
                return None
            if tag == _BOOL_TAG:
                return loader.construct_yaml_bool(node)
            if tag == _FLOAT_TAG:
                return loader.construct_yaml_float(node)
            if tag == _TIMESTAMP_TAG:
                return loader.construct_yaml_timestamp(node)
            if tag == _MERGE_TAG:
                return "<<"  # written as a value, not as a merge key
            raise _Unusual
        key = id(node)
        if key in made:
            return made[key]
        if cls is MappingNode and node.tag == _MAP_TAG:
            out: dict[Any, Any] = {}
            made[key] = out
            for key_node, value_node in node.value:
                if type(key_node) is not ScalarNode or key_node.tag != _STR_TAG:
                    raise _Unusual  # a merge key, or a key that is no text: the constructor
                name = key_node.value
                if name in out:
                    raise _Unusual  # the constructor says which is the duplicate
                if not key_node.style and name in YAML11_BOOLEANS:
                    plain.append((key_node.start_mark.line + 1,
                                  key_node.start_mark.column + 1, name))
                out[name] = value(value_node)
            return out
        if cls is SequenceNode and node.tag == _SEQ_TAG:
            items: list[Any] = []
            made[key] = items
            items.extend(value(item) for item in node.value)
            return items
        raise _Unusual

    return value(root)


def constructed_yaml12(text: str) -> tuple[Any, list[tuple[int, int, str]]]:
    """``load_yaml12`` through the constructor alone, without the quick construction (the
    tests hold the two equal)."""
    loader = _Loader12(text)
    try:
        return loader.get_single_data(), sorted(loader.yaml11_plain)
    finally:
        loader.dispose()


def load_yaml12(text: str) -> tuple[Any, list[tuple[int, int, str]]]:
    """(data, [(line, col, value) of plain yes/no/on/off scalars]) of one YAML document.

    Raises yaml.YAMLError (with marks) for bad YAML, DuplicateKey for a repeated key.
    """
    loader = _Loader12(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        try:
            data = _quick(loader, node)
        except _Unusual:
            loader.yaml11_plain = []
            data = loader.construct_document(node)
        # By position: the constructor makes nested collections after their parent.
        return data, sorted(loader.yaml11_plain)
    finally:
        loader.dispose()


def compose_yaml12(text: str) -> Any:
    """The node tree of one YAML document: every node carries its start mark (position).

    Composing runs in libyaml and builds no Python values, so it is the cheap way to get
    positions for diagnostics (about 20x faster than ruamel.yaml's round-trip loader).
    """
    loader = _Loader12(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()
