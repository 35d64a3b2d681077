"""Load a blueprint file: bytes -> checked text -> plain data, positions on demand.

The happy path uses a YAML 1.2 safe loader on libyaml (sigen.compile.yaml12), several times faster
than ruamel.yaml's round-trip loader and about twice as fast as its safe loader here (see
../shared/PERFORMANCE.md). Positions are a side table: the node tree of the same text
(composed by libyaml, each node with its mark), built only when a diagnostic needs to be
located, and never injected into the data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]
from yaml.nodes import (  # type: ignore[import-untyped,unused-ignore]
    MappingNode,
    ScalarNode,
    SequenceNode,
)

from sigen.compile.gcpause import collector_paused
from sigen.compile.yaml12 import DuplicateKey, KeyNotText, compose_yaml12, load_yaml12
from sigen.diagnostics import Diagnostic, SigenError

__all__ = ["DocPath", "LoadedBlueprint", "PositionIndex", "load_blueprint", "load_text"]

DocPath = Sequence[str | int]

# An alias may repeat a node, but the expanded document may not be much bigger than the
# text: a billion-laughs file expands to 10**9 nodes from a few hundred.
_EXPANSION_FACTOR = 10
_EXPANSION_SLACK = 10_000
# No blueprint needs deep nesting; a bound here keeps every later recursive walk safe.
_MAX_DEPTH = 64
# The largest blueprint read: 10,000 hosts of the benchmark are 6.6 MB.
MAX_BYTES = 32 * 2**20
# The loader whose parser reads the event stream (libyaml's when PyYAML has it).
_EVENTS = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_YAML_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\[\]{}]+", re.MULTILINE)


class PositionIndex:
    """The document's node tree, composed on first use, answering path -> (line, col)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._root: Any = None
        self._failed = False

    def _document(self) -> Any:
        if self._root is None and not self._failed:
            try:
                with collector_paused():
                    self._root = compose_yaml12(self._text)
            except (yaml.YAMLError, RecursionError, ValueError):
                self._failed = True  # positions are best effort: diagnostics point at 1:1
        return self._root

    def _walk(self, doc_path: DocPath, at_key: bool = False) -> tuple[int, int, Any]:
        """Deepest (line, col) along doc_path (0-based) and the node found there, if any."""
        node = self._document()
        if node is None:
            return 0, 0, None
        line, col = node.start_mark.line, node.start_mark.column
        last = len(doc_path) - 1
        for i, step in enumerate(doc_path):
            child = None
            if isinstance(node, MappingNode) and isinstance(step, str):
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == step:
                        mark = key_node.start_mark
                        # A value, unless it is empty (then its mark is past the colon).
                        if i == last and not at_key and isinstance(value_node, ScalarNode) \
                                and (value_node.value or value_node.style):
                            mark = value_node.start_mark
                        line, col, child = mark.line, mark.column, value_node
                # A key merged in with "<<" is not found: the mapping's position stands.
            elif isinstance(node, SequenceNode) and isinstance(step, int) and (
                0 <= step < len(node.value)
            ):
                child = node.value[step]
                line, col = child.start_mark.line, child.start_mark.column
            if child is None:
                return line, col, None
            node = child
            if not isinstance(node, ScalarNode) and i < last:
                line, col = node.start_mark.line, node.start_mark.column
        return line, col, node

    def locate(self, doc_path: DocPath, at_key: bool = False) -> tuple[int, int]:
        line, col, _ = self._walk(doc_path, at_key)
        return line + 1, col + 1

    def is_plain_scalar(self, doc_path: DocPath) -> bool:
        _, _, node = self._walk(doc_path)
        return isinstance(node, ScalarNode) and not node.style


@dataclass(frozen=True)
class LoadedBlueprint:
    """A blueprint read from disk: its plain data and where each part of it came from.

    ``data`` holds only dict, list, str, int, float, bool, None, date and datetime values.
    ``yaml11_plain`` lists (line, col, text) of unquoted yes/no/on/off scalars, which YAML
    1.1 readers (Ansible) would take as booleans.
    ``locate(("hosts", 3, "cpu_cores"))`` gives the 1-based (line, col) of that part; the
    first call composes the text again (node tree with marks, no Python values).
    """

    path: Path
    data: dict[str, Any]
    sha256: str
    text: str = field(repr=False)
    yaml11_plain: tuple[tuple[int, int, str], ...] = field(default=(), repr=False)
    _index: PositionIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", PositionIndex(self.text))

    @property
    def display_path(self) -> str:
        """The path as the user gave it, for diagnostics."""
        return str(self.path)

    def locate(self, doc_path: DocPath) -> tuple[int, int]:
        """1-based (line, col) of the node at doc_path, or of its deepest existing parent."""
        return self._index.locate(doc_path)

    def locate_key(self, doc_path: DocPath) -> tuple[int, int]:
        """Like locate, but for a mapping entry the position of its key, not its value."""
        return self._index.locate(doc_path, at_key=True)

    def is_plain_scalar(self, doc_path: DocPath) -> bool:
        """Whether the node at doc_path is a string written without quotes."""
        return self._index.is_plain_scalar(doc_path)

    def diagnostic(self, doc_path: DocPath, code: str, message: str) -> Diagnostic:
        """A diagnostic positioned at doc_path in this file."""
        line, col = self.locate(doc_path)
        return Diagnostic(self.display_path, line, col, code, message)


def load_blueprint(path: Path) -> LoadedBlueprint:
    """Read and parse the blueprint at ``path``; raise SigenError if it is not usable YAML.

    Structure is not checked here (that is ``sigen.compile.validate``); only that the file is
    UTF-8 YAML holding exactly one mapping, without duplicate keys or runaway aliases.
    """
    display = str(path)
    try:
        with open(path, "rb") as fh:  # at most one byte past the limit, whatever the file
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SigenError(
            [Diagnostic(display, 0, 0, "SG001", f"cannot read the blueprint: {reason}")]
        ) from None
    return load_text(path, raw)


def load_text(path: Path, raw: bytes) -> LoadedBlueprint:
    """Parse blueprint bytes as if read from ``path`` (used by load_blueprint and tests)."""
    display = str(path)
    if len(raw) > MAX_BYTES:
        raise SigenError([Diagnostic(
            display, 1, 1, "SG012",
            f"the blueprint is {len(raw) / 2**20:.1f} MiB; at most {MAX_BYTES // 2**20} MiB "
            "is read (about 50,000 hosts): split the system, or keep long texts out of it")])
    sha256 = hashlib.sha256(raw).hexdigest()
    text = _decode(display, raw)
    if not text.strip():
        raise SigenError(
            [Diagnostic(display, 1, 1, "SG003", "the blueprint is empty; start it with 'sigen: 2'")]
        )
    _check_directives(display, text)
    data, yaml11 = _parse(display, text)
    if data is None:
        raise SigenError(
            [Diagnostic(display, 1, 1, "SG003",
                        "the blueprint holds only comments; start it with 'sigen: 2'")]
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise SigenError(
            [Diagnostic(display, 1, 1, "SG007",
                        f"the blueprint is {kind}; it must be a mapping that starts with "
                        "'sigen: 2' followed by system:, sites:, networks:, hosts: ...")]
        )
    _check_expansion(display, text, data)
    return LoadedBlueprint(path=path, data=data, sha256=sha256, text=text, yaml11_plain=yaml11)


def _decode(display: str, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SigenError(
            [Diagnostic(display, line, col, "SG002",
                        f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as "
                        "UTF-8 (for example: iconv -f BIG5 -t UTF-8)")]
        ) from None
    if "\x00" in text:
        prefix = text[: text.index("\x00")]
        line = prefix.count("\n") + 1
        col = len(prefix) - (prefix.rfind("\n") + 1) + 1
        raise SigenError(
            [Diagnostic(display, line, col, "SG002",
                        "the file contains a NUL character; it is binary or UTF-16, "
                        "not UTF-8 text")]
        )
    return text


def _check_directives(display: str, text: str) -> None:
    for match in _YAML_DIRECTIVE.finditer(text):
        if match.group(1) != "1.2":
            line = text.count("\n", 0, match.start()) + 1
            raise SigenError(
                [Diagnostic(display, line, 1, "SG009",
                            f"'%YAML {match.group(1)}' is not supported: blueprints are YAML 1.2 "
                            "(where yes/no/on/off are not booleans); remove the directive")]
            )


def _parse(display: str, text: str) -> tuple[Any, tuple[tuple[int, int, str], ...]]:
    try:
        with collector_paused():
            data, yaml11 = load_yaml12(text)
            return data, tuple(yaml11)
    except DuplicateKey as exc:
        mark, first = exc.problem_mark, exc.context_mark
        raise SigenError(
            [Diagnostic(display, mark.line + 1, mark.column + 1, "SG005",
                        f"duplicate key {exc.key!r} in the same mapping (first at line "
                        f"{first.line + 1}); a later value would silently replace the earlier "
                        "one, so keep one of them")]
        ) from None
    except KeyNotText as exc:
        mark = exc.problem_mark
        raise SigenError(
            [Diagnostic(display, mark.line + 1, mark.column + 1, "SG011",
                        f"key {exc.key!r} is {exc.kind}, not text; keys are names: quote it "
                        f"(\"{exc.key}\") or correct it")]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # A syntax error is somewhere in the file: without a mark, at its start.
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "expected a single document" in str(exc.context or "") or "another document" in problem:
            raise SigenError(
                [Diagnostic(display, line, col, "SG008",
                            "the file holds more than one YAML document ('---'); keep one "
                            "blueprint per file")]
            ) from None
        if "nesting depth" in problem:  # libyaml's own limit, past ours
            raise SigenError([_deep(display, line, col)]) from None
        hint = ""
        if "tab" in problem or ("cannot start any token" in problem and "\t" in text):
            hint = " (indent YAML with spaces, never tabs)"
        raise SigenError(
            [Diagnostic(display, line, col, "SG004", f"YAML syntax error: {problem}{hint}")]
        ) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        raise SigenError(
            [Diagnostic(display, line, col, "SG004",
                        f"YAML syntax error: the control character U+{exc.character:04X} is "
                        "not allowed in YAML text; remove it (inside a double-quoted string, "
                        f"write it as \\x{exc.character:02x} if it is meant)")]
        ) from None
    except RecursionError:
        line, col = _too_deep(text) or (1, 1)
        raise SigenError([_deep(display, line, col)]) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        said = " ".join(str(exc).split())
        raise SigenError(
            [Diagnostic(display, 1, 1, "SG004", f"YAML syntax error: {said}".strip())]
        ) from None


def _line_col(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of the character at ``position`` of ``text``."""
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def _deep(display: str, line: int, col: int) -> Diagnostic:
    return Diagnostic(display, line, col, "SG006",
                      f"the document is nested more than {_MAX_DEPTH} levels deep here; no "
                      "blueprint needs that, so flatten it")


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where the text's collections nest deeper than the limit (libyaml's event stream is
    read without recursion, unlike the composer); None when only aliases make it deep."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_EVENTS):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _MAX_DEPTH + 1:  # the top-level mapping is depth 0 of the data
                    return event.start_mark.line + 1, event.start_mark.column + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def _check_expansion(display: str, text: str, data: Any) -> None:
    """Bound alias expansion: count nodes as a reader walking the data would meet them."""
    expanded: dict[int, int] = {}
    unique = 0
    in_progress: set[int] = set()

    def size(node: Any, depth: int) -> int:
        nonlocal unique
        if not isinstance(node, dict | list):
            unique += 1
            return 1
        key = id(node)
        known = expanded.get(key)
        if known is not None:
            return known
        if key in in_progress:
            raise _Recursive
        if depth > _MAX_DEPTH:
            raise RecursionError
        in_progress.add(key)
        children = node.values() if isinstance(node, dict) else node
        total = 1 + sum(size(child, depth + 1) for child in children)
        in_progress.discard(key)
        unique += 1
        expanded[key] = total
        return total

    try:
        total = size(data, 0)
    except _Recursive:
        line, col = _first_alias(text)
        raise SigenError(
            [Diagnostic(display, line, col, "SG006",
                        "an alias refers to the node that contains it, so the document is "
                        "infinitely deep; copy the values instead of using an alias")]
        ) from None
    except RecursionError:
        line, col = _too_deep(text) or _first_alias(text)
        raise SigenError([_deep(display, line, col)]) from None
    if total > _EXPANSION_FACTOR * unique + _EXPANSION_SLACK:
        line, col = _first_alias(text)
        raise SigenError(
            [Diagnostic(display, line, col, "SG006",
                        f"anchors and aliases expand {unique} written nodes to {total}; "
                        f"at most {_EXPANSION_FACTOR}x plus {_EXPANSION_SLACK} is allowed "
                        "(a 'billion laughs' file?); write the repeated parts out or reuse less")]
        )


class _Recursive(Exception):
    pass


def _first_alias(text: str) -> tuple[int, int]:
    match = _ALIAS.search(text)
    if match is None:
        return 1, 1
    start = match.start() + (0 if text[match.start()] == "*" else 1)
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, col
